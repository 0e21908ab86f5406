"""The audio the benchmarks run on: real speech sets, real coffee orders, synthesized symptom utterances,
and the noise conditions. Pure bookkeeping plus the SNR arithmetic; synthesis is the voice layer's."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ops.settings import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"
SPEECH_DIR = SHARED / "audio" / "speech"
COFFEE_DIR = SHARED / "audio" / "coffee-orders"
NOISE_WAV = SHARED / "audio" / "noise" / "kitchen.wav"
DEV_VIGNETTES = SHARED / "eval" / "dev_vignettes.json"

VOICES = ("espeak:en-us", "espeak:en-gb", "piper:joe")
SPEEDS = (0.8, 1.2)
"""Speaking-rate multipliers: slower and faster than each voice's default."""
SNRS: tuple[float | None, ...] = (None, 20.0, 10.0, 5.0, 0.0)
"""None is clean audio."""


def snr_label(snr: float | None) -> str:
    return "clean" if snr is None else f"{snr:g} dB"


class MissingAudio(FileNotFoundError):
    """A benchmark audio folder is not where the project expects it."""


@dataclass(frozen=True)
class Utterance:
    id: str
    wav: Path
    reference: str
    """What was said (reference transcript or the synthesized text)."""
    group: str
    """The set it belongs to (speech set name, or voice and speed)."""


def speech_sets(root: Path = SPEECH_DIR) -> dict[str, list[Utterance]]:
    """Every set of real human speech with its reference transcripts (INDEX.txt layout)."""
    if not root.is_dir():
        raise MissingAudio(f"{root}: real speech sets not found (expected ../shared/audio/speech beside the project)")
    sets: dict[str, list[Utterance]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        lines = (folder / "transcripts.txt").read_text(encoding="utf-8").splitlines()
        utts = []
        for line in lines:
            if not line.strip():
                continue
            uid, _, text = line.strip().partition(" ")
            utts.append(Utterance(uid, folder / f"{uid}.wav", text, folder.name))
        sets[folder.name] = utts
    return sets


def coffee_orders(root: Path = COFFEE_DIR) -> list[Utterance]:
    """The real spoken coffee orders (out of scope; no word transcripts exist)."""
    if not root.is_dir():
        raise MissingAudio(f"{root}: coffee orders not found (expected ../shared/audio/coffee-orders)")
    return [Utterance(f"coffee-{p.stem[:8]}", p, "", "coffee-orders") for p in sorted(root.glob("*.wav"))]


def spread(items: Sequence, n: int) -> list:
    """``n`` items spread evenly over the sequence (all of them when n >= len)."""
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


# ---- noise ----------------------------------------------------------------------------------------

def noise_segment(noise: np.ndarray, n: int, key: str) -> np.ndarray:
    """``n`` samples of noise from an offset fixed by ``key``: every engine hears the same mix."""
    if len(noise) <= n:
        reps = n // max(1, len(noise)) + 1
        return np.tile(noise, reps)[:n]
    offset = zlib.crc32(key.encode()) % (len(noise) - n)
    return noise[offset:offset + n]


def power(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.mean(x * x)) if len(x) else 0.0


def measure_snr(speech: np.ndarray, mixed: np.ndarray) -> float:
    """SNR in dB of a mix, measured back from the clean speech and the mix (noise = mix - speech)."""
    speech = np.asarray(speech, dtype=np.float64)
    noise = np.asarray(mixed, dtype=np.float64)[:len(speech)] - speech
    return 10.0 * float(np.log10(power(speech) / max(power(noise), 1e-12)))
