#!/usr/bin/env python3
"""Short spoken answers: when Whisper tiny.en hears a "no" with low confidence, does Moonshine hear a no too?

    nice -n 5 .venv/bin/python scripts/eval_short_answers.py [--save runs.json]

The voice kiosk takes a low-confidence "no" to a safety question at once only when Moonshine hears a no too
(kiosk.faces.voice.VoiceSession._no_heard_twice); otherwise it asks again. This measures both sides of that: the
no's it saves a question for, and any yes it would take for a no (the danger). Answers: 12 yes-like and 9 no-like,
in espeak-ng en-us and en-gb and Piper joe, clean and with the kitchen recording at 10, 5 and 0 dB (two stretches
each): 441 recordings, about 3 minutes on 2 cores. Speech is cached in .cache/speech.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench import engines  # noqa: E402
from kiosk.bench.noise import kitchen_noise, mixed  # noqa: E402
from kiosk.core.content import load_knowledge_base  # noqa: E402
from kiosk.core.intents import Answer, parse_answer  # noqa: E402
from kiosk.faces.voice import hearing_for  # noqa: E402
from kiosk.ops.settings import Settings  # noqa: E402
from kiosk.speech.asr import load_recognizer, transcribe  # noqa: E402

YES = ["yes", "yeah", "yes I do", "yes it did", "I think so", "a little", "yep", "uh huh", "sort of", "maybe",
       "yes since this morning", "kind of"]
NO = ["no", "nope", "no I don't", "not at all", "nah", "no it didn't", "no not really", "no none of that",
      "no, just the twitch"]
VOICES = ("espeak:en-us", "espeak:en-gb", "piper:joe")
CONDITIONS = ((None, 1), (10.0, 2), (5.0, 2), (0.0, 2))
"""(SNR in dB or None for clean, how many stretches of the room)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path, help="write every recording's hearings to this JSON file")
    args = parser.parse_args(argv)

    settings = Settings()
    kb = load_knowledge_base(settings.content, with_cases=False)
    recognizer = load_recognizer("whisper", settings=settings, prompt_phrases=kb.recognition_phrases(),
                                 prompt_keywords=kb.red_flag_keywords(), hearing=hearing_for(kb))
    if getattr(recognizer, "hear_by_another_model", None) is None:
        raise SystemExit("eval_short_answers: the Whisper recognizer did not load (bash scripts/setup.sh)")
    noise = kitchen_noise()
    rows = []
    for voice in VOICES:
        for said in YES + NO:
            speech = engines.read(engines.synthesize(said, voice, 1.0))
            pad = np.zeros(4800, np.int16)
            speech = np.concatenate([pad, speech, pad])
            for snr, stretches in CONDITIONS:
                for k in range(stretches):
                    pcm = mixed(speech, noise, snr, f"noconf|{voice}|{said}|{k}").tobytes()
                    heard = transcribe(recognizer, pcm)
                    other = recognizer.hear_by_another_model(pcm)
                    if other is None:
                        raise SystemExit("eval_short_answers: Moonshine is not loaded (bash scripts/setup.sh)")
                    rows.append({"voice": voice, "said": said, "yes": said in YES, "snr": snr, "heard": heard.text,
                                 "confidence": round(heard.confidence, 3), "other": other,
                                 "first_no": parse_answer(heard.text) is Answer.NO,
                                 "other_no": parse_answer(other) is Answer.NO})
    if args.save:
        args.save.write_text(json.dumps(rows, indent=0))
    line = settings.min_confidence  # the dialogue's line under which a "no" is checked (kiosk.faces.cli)
    low = [r for r in rows if r["first_no"] and r["confidence"] < line]
    print(f"{len(rows)} recordings; heard by tiny.en as a no with confidence under {line:g}: {len(low)}")
    print("| said | heard as a low-confidence no | Moonshine heard a no too (taken at once) |")
    print("|---|---|---|")
    for name, yes in (("no", False), ("yes", True)):
        part = [r for r in low if r["yes"] is yes]
        print(f"| {name} | {len(part)} | {sum(r['other_no'] for r in part)} |")
    for r in low:
        if r["yes"]:
            where = "clean" if r["snr"] is None else f"kitchen {r['snr']:g} dB"
            print(f"  said {r['said']!r} ({r['voice']}, {where}): heard {r['heard']!r}, "
                  f"Moonshine {r['other']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
