#!/usr/bin/env python3
"""How far a visitor's opening line stands out of the room, beside what the room says by itself.

    nice -n 10 python3 scripts/eval_idle_room.py [--rooms kitchen,babble] [--snrs 10,5,0] [--minutes 6]

A kiosk waiting in a room hears the room's own talk (the kitchen recording's distant voices, a room of people
talking). With no visit under way it must not answer it, nor call a person for not understanding it, yet it
must hear a visitor who walks up and speaks, softly too. This prints, per room, the endpointer's
``Utterance.over_room_db`` (the 90th percentile of an utterance's 90 ms levels over the
median level of the 10 s before it):

- of every utterance the room alone makes (``--minutes`` of it, as a kiosk waiting between visitors);
- of visitors' opening lines after 20 s of the room, at each SNR (a lower SNR is a softer visitor, or one
  farther away): short openings in three synthesized voices (espeak-ng en-us and en-gb, Piper joe; cached in
  .cache/speech) and real human speech from ../shared/audio/speech (spread over its sets, digits included:
  they are the shortest lines).

Then, for each threshold, how many room utterances would still start a visit and how many visitors' lines
would not. Endpointing only, no recognizer: a few minutes in all.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench import engines  # noqa: E402
from kiosk.bench.corpus import speech_sets, spread  # noqa: E402

OPENINGS = [
    "hello", "excuse me", "hi, can you help me", "my lip keeps twitching",
    "I think my face is drooping", "my eyelid has been jumping all week",
    "um, hi, I'm not sure if this is the right place", "my mouth twitches when I drink coffee",
]
VOICES = ("espeak:en-us", "espeak:en-gb", "piper:joe")
RATE = 16000
LEAD_S, AFTER_S = 20.0, 3.0
THRESHOLDS = (7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0)
REAL_LINES = 40


def room_noise(name: str) -> np.ndarray:
    from kiosk.bench.noise import NOISES

    if name not in NOISES:
        raise SystemExit(f"eval_idle_room: unknown room {name!r} ({', '.join(NOISES)})")
    return NOISES[name]()


def utterances(samples: np.ndarray):
    """The kiosk endpointer's utterances in ``samples`` (int16, 16 kHz)."""
    from kiosk.speech.audio import MemorySource
    from kiosk.speech.vad import utterances as endpointed

    return endpointed(MemorySource(samples, trailing_silence_ms=0).frames())


def room_alone(noise: np.ndarray, reference: np.ndarray, snr: float, minutes: float) -> list[float]:
    """over_room_db of every utterance in ``minutes`` of the room alone, at the level ``reference`` sets at ``snr``."""
    from kiosk.speech.audio import line_in_room

    samples = line_in_room(np.zeros(0, np.int16), noise, snr, minutes * 60, 0.0, len(noise) // 3, level_from=reference)
    return [u.over_room_db for u in utterances(samples) if u.over_room_db is not None]


def opening(line: np.ndarray, noise: np.ndarray, snr: float, offset: int) -> float | None:
    """over_room_db of the loudest utterance holding the line said after LEAD_S of the room; None: not heard."""
    from kiosk.speech.audio import line_in_room

    samples = line_in_room(line, noise, snr, LEAD_S, AFTER_S, offset)
    start, end = LEAD_S, LEAD_S + len(line) / RATE
    found = [u.over_room_db for u in utterances(samples)
             if u.over_room_db is not None and u.start_s < end and u.audio_end_s > start]
    return max(found) if found else None


def describe(values: list[float]) -> str:
    if not values:
        return "-"
    v = np.asarray(values)
    return f"{v.min():.1f} / {np.percentile(v, 10):.1f} / {np.median(v):.1f} / {v.max():.1f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rooms", default="kitchen,babble")
    p.add_argument("--snrs", default="10,5,0")
    p.add_argument("--minutes", type=float, default=6.0, help="of the room alone (default 6)")
    args = p.parse_args(argv)
    lines = {f"{voice} {text}": engines.read(engines.synthesize(text, voice, 1.0)) for text in OPENINGS
             for voice in VOICES}
    real = spread([u for utts in speech_sets().values() for u in utts], REAL_LINES)
    lines |= {f"real {u.id}": engines.read(u.wav) for u in real}
    snrs = [float(s) for s in args.snrs.split(",")]
    print(f"{len(OPENINGS)} openings x {len(VOICES)} voices and {len(real)} real lines, {LEAD_S:g} s of the room "
          f"before each; the room alone for {args.minutes:g} min")
    print()
    print("| room | what | lines or utterances | over the room, min / p10 / median / max (dB) | not heard |")
    print("|---|---|---|---|---|")
    rows = []
    for name in args.rooms.split(","):
        noise = room_noise(name)
        # the room alone at the level it has under a typical line at the middle SNR
        reference = next(iter(lines.values()))
        alone = room_alone(noise, reference, snrs[len(snrs) // 2], args.minutes)
        print(f"| {name} | the room alone | {len(alone)} | {describe(alone)} | |")
        for snr in snrs:
            for kind in ("synthesized", "real"):
                heard, missed = [], 0
                for k, (key, line) in enumerate(lines.items()):
                    if key.startswith("real") != (kind == "real"):
                        continue
                    level = opening(line, noise, snr, offset=(k * 59_000) % len(noise))
                    if level is None:
                        missed += 1
                    else:
                        heard.append(level)
                print(f"| {name} | {kind} openings, {snr:g} dB | {len(heard) + missed} | {describe(heard)} | {missed} |")
                rows.append((name, snr, kind, heard, alone))
    print()
    print("| room | threshold | room utterances at or over it | openings under it: " +
          " | ".join(f"{kind} {snr:g} dB" for snr in snrs for kind in ("synthesized", "real")) + " |")
    print("|---|---|---|" + "---|" * (2 * len(snrs)))
    for name in args.rooms.split(","):
        mine = [r for r in rows if r[0] == name]
        alone = mine[0][4]
        for t in THRESHOLDS:
            under = " | ".join(f"{sum(v < t for v in heard)} of {len(heard)}" for _, _, _, heard, _ in mine)
            print(f"| {name} | {t:g} dB | {sum(v >= t for v in alone)} of {len(alone)} | {under} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
