#!/usr/bin/env python3
"""When the endpointer decides a visitor's line has ended, in rooms that talk (people, a TV) and rooms that do not.

    nice -n 10 python3 scripts/eval_endpoint_rooms.py [--rooms babble,kitchen,quiet] [--snrs 30,20,10,5]

Ten lines a visitor might say (short answers to long sentences), each in three voices (espeak-ng en-us and en-gb,
Piper joe; cached in .cache/speech), said after 20 s of the room and followed by 16 s more of it, at each SNR
(the room's level set from the line, as the benchmarks mix). Rooms: ``babble`` (eight real people talking at once,
kiosk.bench.noise.babble_noise), ``kitchen`` (the real kitchen recording) and ``quiet`` (digital silence). Each
recording goes through a fresh kiosk endpointer (kiosk.speech.vad.Endpointer, Silero and webrtcvad as the kiosk
runs them). Printed per room and SNR: how long after the true end of speech (last 10 ms within 35 dB of the
loudest) the utterance was ended, how many lines waited more than 1.5 s, how many were split in two or more
utterances, and how many had their last sounds (more than 50 ms) left out of the audio handed to the recognizer.
Endpointing only: no recognizer runs, so a whole run takes about a minute per room.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench import engines  # noqa: E402
from kiosk.bench.latency import speech_end  # noqa: E402

LINES = [
    "no", "yes", "no I do not", "my face feels numb on one side", "I am having trouble speaking",
    "my lip has been twitching for two days", "only my upper lip, and only when I am tired",
    "it started after I drank a lot of coffee this morning",
    "well it started last tuesday after I switched to the night shift and started drinking four or five energy "
    "drinks every day to stay awake",
    "I have been under a lot of stress at work lately and I am not sleeping much, and now the corner of my mouth "
    "keeps jumping when I talk to people",
]
VOICES = ("espeak:en-us", "espeak:en-gb", "piper:joe")
RATE = 16000
LEAD_S, AFTER_S = 20.0, 16.0


def room_noise(name: str) -> np.ndarray:
    from kiosk.bench.noise import babble_noise, kitchen_noise

    if name == "babble":
        return babble_noise()
    if name == "kitchen":
        return kitchen_noise()
    if name == "quiet":
        return np.zeros(RATE * 60, dtype=np.int16)
    raise SystemExit(f"eval_endpoint_rooms: unknown room {name!r} (babble, kitchen, quiet)")


def audio_start(u, pcm: bytes) -> float:
    """Where the utterance's audio starts in the source (its pre-roll, before start_s): found, not assumed, so the
    same measure holds for an endpointer of any version."""
    from kiosk.speech.audio import FRAME_BYTES

    onset = int(round(u.start_s * RATE)) * 2
    for back in range(0, 40 * FRAME_BYTES + 1, FRAME_BYTES):
        at = onset - back
        if at >= 0 and pcm[at:at + FRAME_BYTES] == u.pcm[:FRAME_BYTES]:
            return at / 2 / RATE
    return u.start_s


def one_line(line: np.ndarray, noise: np.ndarray, snr: float, offset: int) -> tuple[float, int, float]:
    """(seconds from the true end of speech to the end decision, utterances holding the line, seconds of its end
    left out of the audio handed on); inf when the line never ended."""
    from kiosk.speech.audio import FRAME_BYTES, line_in_room
    from kiosk.speech.vad import Endpointer, EventKind

    pcm = line_in_room(line, noise, snr, LEAD_S, AFTER_S, offset).astype("<i2").tobytes()
    start, end = LEAD_S, LEAD_S + speech_end(line) / RATE
    endpointer = Endpointer()
    found = []
    for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        for event in endpointer.push(pcm[i:i + FRAME_BYTES]):
            u = event.utterance
            if event.kind is EventKind.UTTERANCE and u is not None:
                audio_end = audio_start(u, pcm) + len(u.pcm) / 2 / RATE
                if u.start_s < end and audio_end > start:
                    found.append((event.at_s, audio_end))
    if not found:
        return float("inf"), 0, float("inf")
    return found[-1][0] - end, len(found), max(0.0, end - found[-1][1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rooms", default="babble,kitchen,quiet")
    p.add_argument("--snrs", default="30,20,10,5")
    args = p.parse_args(argv)
    speech = {(text, voice): engines.read(engines.synthesize(text, voice, 1.0)) for text in LINES for voice in VOICES}
    print(f"{len(LINES)} lines x {len(VOICES)} voices, {LEAD_S:g} s of the room before each and {AFTER_S:g} s after")
    print("| room | SNR | end decided after the true end, median / p90 / max | waited over 1.5 s | split | "
          "last sounds left out (over 50 ms) | never ended |")
    print("|---|---|---|---|---|---|---|")
    for name in args.rooms.split(","):
        noise = room_noise(name)
        for snr in (float(s) for s in args.snrs.split(",")):
            waits, split, cut, never = [], 0, 0, 0
            for k, line in enumerate(speech.values()):
                wait, parts, short = one_line(line, noise, snr, offset=(k * 59_000) % len(noise))
                if parts == 0:
                    never += 1
                    continue
                waits.append(wait)
                split += parts > 1
                cut += short > 0.05
            w = np.asarray(waits)
            label = "-" if name == "quiet" else f"{snr:g} dB"
            print(f"| {name} | {label} | {np.median(w):.2f} / {np.percentile(w, 90):.2f} / {w.max():.2f} s | "
                  f"{int((w > 1.5).sum())} of {len(speech)} | {split} | {cut} | {never} |")
            if name == "quiet":
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
