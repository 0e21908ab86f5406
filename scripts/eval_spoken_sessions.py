#!/usr/bin/env python3
"""Whole sessions, spoken in a noisy room, through the voice kiosk's own loop (issue 11: "a person who answers
[the screening question] in noise can be misheard too").

    nice -n 5 python3 scripts/eval_spoken_sessions.py --sets "set 13" [--emergencies 8] [--others 6]
        [--voices espeak:en-us,espeak:en-gb,piper:joe] [--snrs clean,10,5] [--noise kitchen|babble]
        [--save out.json] [--misses]

The visitors of a set's session scripts (kiosk.bench.sessions: an emergency visitor says the case and answers each
question truthfully in their own words; the others answer "no", some after asking what the question means), a
subsample spread evenly over the file. Every line is synthesized in each voice (speed 1.0, a line said again 0.85;
cached in .cache/speech), mixed with the real kitchen recording (or ``--noise babble``: eight people talking at
once, kiosk.bench.noise), which goes on before the first line and between the lines at one level, and heard by
kiosk.faces.voice.VoiceSession with the kiosk's endpointer, Whisper recognizer and second hearing
(kiosk.bench.spoken_sessions). Printed: session sensitivity and specificity per condition and voice, lines per
session, lines the kiosk did not answer (said again), sessions where it called a person because it could
not understand, and how long the visitor stood in silence after a line the kiosk heard no words in (the room's
time, not compute).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench import engines  # noqa: E402
from kiosk.bench.corpus import VOICES, spread  # noqa: E402
from kiosk.bench.eval_sets import eval_sets  # noqa: E402
from kiosk.bench.sessions import visitors_from_sessions  # noqa: E402
from kiosk.bench.spoken_sessions import LEAD_S, SpokenOutcome, run_spoken_session  # noqa: E402


def visitors(set_name: str, n_em: int, n_other: int):
    """Emergency and other visitors of the named set's session file, spread evenly."""
    chosen = [s for s in eval_sets() if set_name in s.name and s.sessions is not None]
    if not chosen:
        raise SystemExit(f"eval_spoken_sessions: no set with session scripts matches {set_name!r} (eval/sets.toml)")
    every = [v for s in chosen for v in visitors_from_sessions(json.loads(s.sessions.read_text())["cases"])]
    return spread([v for v in every if v.emergency], n_em) + spread([v for v in every if not v.emergency], n_other)


REPEAT_SPEED = 0.85
"""A line said again (the kiosk did not answer it, or the same answer to the same question) is said this much
slower: people slow down when not understood, and the same synthesized audio twice would only test determinism."""


def say(text: str, said_before: int, voice: str):
    """16 kHz samples of ``text`` in ``voice``: speed 1.0, slower when it is said again."""
    return engines.read(engines.synthesize(text, voice, 1.0 if not said_before else REPEAT_SPEED))


def row(outcomes: list[SpokenOutcome]) -> str:
    em = [o for o in outcomes if o.visitor.emergency]
    ok = [o for o in outcomes if not o.visitor.emergency]
    caught, clear = sum(o.prompted for o in em), sum(not o.prompted for o in ok)
    lines = sum(o.lines for o in outcomes)
    waits = [w for o in outcomes for w in o.lost_waits]
    replies = [w for o in outcomes for w in o.reply_waits]
    return (f"{caught / max(1, len(em)):.1%} ({caught}/{len(em)}) | {clear / max(1, len(ok)):.1%} ({clear}/{len(ok)}) | "
            f"{lines / max(1, len(outcomes)):.1f} | {sum(o.repeated for o in outcomes)} of {lines} | "
            f"{sum(o.staff_called for o in outcomes)} of {len(outcomes)} | "
            f"{sum(o.to_the_room > 0 for o in outcomes)} ({sum(o.staff_called_idle for o in outcomes)}) | "
            f"{f'{statistics.mean(waits):.1f} s' if waits else '-'} | "
            f"{f'{statistics.median(replies):.2f} / {float(np.percentile(replies, 90)):.2f} s' if replies else '-'}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", required=True, help="sets whose name holds this text (eval/sets.toml), e.g. 'set 13'")
    p.add_argument("--emergencies", type=int, default=8)
    p.add_argument("--others", type=int, default=6)
    p.add_argument("--voices", default=",".join(VOICES))
    p.add_argument("--snrs", default="clean,10,5")
    p.add_argument("--lead", type=float, default=LEAD_S,
                   help=f"seconds of the room before the visitor first speaks (default {LEAD_S:g}; a kiosk idles for minutes)")
    p.add_argument("--noise", choices=("kitchen", "babble"), default="kitchen",
                   help="the room: the real kitchen recording, or eight-talker babble of real speech")
    p.add_argument("--save", type=Path, help="every session's lines (said, heard, replied) as JSON")
    p.add_argument("--misses", action="store_true", help="print each session that ended wrong")
    p.add_argument("--no-room-rule", action="store_true",
                   help="answer every line while no visit is under way, however little it stands out of the room "
                        "(the kiosk before kiosk.faces.voice.STAND_OUT_DB), for a comparison on the same code")
    args = p.parse_args(argv)
    from kiosk.bench.noise import babble_noise, kitchen_noise
    from kiosk.core.content import load_knowledge_base
    from kiosk.core.dialogue import Dialogue
    from kiosk.faces.cli import make_index
    from kiosk.faces.voice import hearing_for, with_reprompt
    from kiosk.ops.settings import Settings
    from kiosk.speech.asr import open_recognizer

    settings = Settings()
    kb = load_knowledge_base(settings.content)
    dialogue, _ = with_reprompt(settings, Dialogue(kb, index=make_index(settings, kb)), None)
    recognizer, why = open_recognizer(settings, kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords(),
                                      hearing=hearing_for(kb))
    if recognizer is None or type(recognizer).__name__ != "WhisperRecognizer":
        print(f"eval_spoken_sessions: the Whisper recognizer is needed ({why}); bash scripts/setup.sh", file=sys.stderr)
        return 2
    print(f"recognizer: {why}; second hearing: {getattr(recognizer, 'again', '') or 'none'}", file=sys.stderr)
    people = visitors(args.sets, args.emergencies, args.others)
    voices = args.voices.split(",")
    snrs = [None if s == "clean" else float(s) for s in args.snrs.split(",")]
    noise = babble_noise() if args.noise == "babble" else kitchen_noise()
    outcomes: list[SpokenOutcome] = []
    started = time.perf_counter()
    for snr in snrs:
        for voice in voices:
            for v in people:
                o = run_spoken_session(dialogue, recognizer, v, voice, partial(say, voice=voice), noise, snr,
                                       args.lead, stand_out_db=0.0 if args.no_room_rule else None)
                outcomes.append(o)
                print(f"{'ok ' if o.ok else 'MISS'} {v.id} {voice} {args.snrs and (snr or 'clean')}: {o.lines} lines, "
                      f"{o.repeated} said again", file=sys.stderr)
    took = time.perf_counter() - started
    print(f"{len(people)} visitors of {args.sets!r} ({args.emergencies} emergency, {args.others} other) x "
          f"{len(voices)} voices x {len(snrs)} conditions, {args.lead:g} s of the room first: {len(outcomes)} spoken "
          f"sessions, {took:.0f} s")
    print("| condition | voice | session sensitivity | session specificity | lines per session | lines said again | "
          "staff called (not understood) | spoke to the room before the visitor (of it, staff called) | "
          "silence after a line heard as no words | room time to a reply, median / p90 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for snr in snrs:
        label = "clean" if snr is None else f"{args.noise} {snr:g} dB"
        here = [o for o in outcomes if o.snr == snr]
        for voice in voices:
            print(f"| {label} | {voice} | {row([o for o in here if o.voice == voice])} |")
        print(f"| {label} | **all** | {row(here)} |")
    if args.misses:
        for o in outcomes:
            if not o.ok:
                print(f"\n{o.visitor.id} ({o.voice}, {o.snr or 'clean'}): {'prompted' if o.prompted else 'no prompt'}")
                for said, heard, reply in o.log:
                    print(f"  said:  {said}\n  heard: {heard or '(nothing)'}\n  kiosk: {reply[:160]}")
    if args.save:
        args.save.write_text(json.dumps([{
            "id": o.visitor.id, "emergency": o.visitor.emergency, "voice": o.voice, "snr": o.snr,
            "prompted": o.prompted, "staff_called": o.staff_called, "lines": o.lines, "repeated": o.repeated,
            "to_the_room": o.to_the_room, "staff_called_idle": o.staff_called_idle,
            "lost_waits": o.lost_waits, "reply_waits": o.reply_waits,
            "log": [{"said": s, "heard": h, "kiosk": r} for s, h, r in o.log]} for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
