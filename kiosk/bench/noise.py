"""Real speech in real noise: the babble noise, the mixes, and WER per noise and SNR (scripts/eval_noise.py).

Two noises: the kitchen/cafe recording in ../shared/audio/noise, and a babble of eight talkers made here from
the real coffee orders in ../shared/audio/coffee-orders (Apache-2.0, crowd-sourced, many speakers), so the
babble never contains a sentence of the speech being scored. See :data:`BABBLE_SOURCE`.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .corpus import COFFEE_DIR, NOISE_WAV, Utterance, snr_label
from .wer import WerCount, spell_digits

RATE = 16000
BABBLE_TALKERS = 8
BABBLE_SECONDS = 60.0
BABBLE_SOURCE = (
    "babble: generated at run time (never stored in the repository) by kiosk.bench.noise.babble_noise from the "
    "40 real spoken coffee orders in ../shared/audio/coffee-orders (Picovoice speech-to-intent-benchmark, "
    "Apache-2.0, crowd-sourced speakers; LICENSE-Apache-2.0.txt there). The orders are dealt into 8 streams "
    "(5 orders each, in file-name order, gaps of 0.1-0.6 s), each order levelled to the same RMS, each stream "
    "looped to 60 s from its own offset, and the 8 streams summed: eight people talking at once. Apache-2.0 "
    "permits this derivative; the coffee orders are not part of the scored speech.")


def kitchen_noise(path: Path = NOISE_WAV) -> np.ndarray:
    from ..speech.audio import read_wav
    return read_wav(path)


def babble_noise(root: Path = COFFEE_DIR, talkers: int = BABBLE_TALKERS, seconds: float = BABBLE_SECONDS,
                 seed: int = 11) -> np.ndarray:
    """Eight-talker babble (int16, 16 kHz) from the coffee orders, the same every time (see BABBLE_SOURCE)."""
    from ..speech.audio import read_wav

    files = sorted(root.glob("*.wav"))
    if len(files) < talkers:
        raise FileNotFoundError(f"{root}: need at least {talkers} recordings for babble, found {len(files)}")
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    total = np.zeros(n, dtype=np.float64)
    for t in range(talkers):
        parts = []
        for f in files[t::talkers]:
            x = read_wav(f).astype(np.float64)
            x = x / max(np.sqrt(np.mean(x * x)), 1.0) * 1000.0
            parts += [x, np.zeros(int(rng.uniform(0.1, 0.6) * RATE))]
        stream = np.concatenate(parts)
        start = int(rng.integers(0, len(stream)))
        reps = (start + n) // len(stream) + 1
        total += np.tile(stream, reps)[start:start + n]
    total *= 8000.0 / max(np.sqrt(np.mean(total * total)), 1.0)
    return np.clip(np.round(total), -32768, 32767).astype(np.int16)


NOISES: dict[str, Callable[[], np.ndarray]] = {"kitchen": kitchen_noise, "babble": babble_noise}


def mixed(speech: np.ndarray, noise: np.ndarray, snr: float | None, key: str) -> np.ndarray:
    """``speech`` with ``noise`` at ``snr`` dB (None: clean), the noise stretch fixed by ``key``, as the
    benchmark worker mixes (kiosk.speech.audio.mix_noise over kiosk.bench.corpus.noise_segment)."""
    from ..speech.audio import mix_noise
    from .corpus import noise_segment

    if snr is None:
        return np.asarray(speech, dtype=np.int16)
    return mix_noise(speech, noise_segment(noise, len(speech), key), snr, seed=zlib.crc32(key.encode()) & 0xFFFF)


@dataclass
class Cell:
    """WER counts and per-utterance recognition times of one noise x SNR condition."""

    count: WerCount
    digits: WerCount
    seconds: list[float]


def score_cell(utts: Sequence[Utterance], texts: Sequence[str], seconds: Sequence[float]) -> Cell:
    count, digits = WerCount(), WerCount()
    for u, text in zip(utts, texts, strict=False):
        count.add(u.reference, text)
        digits.add(u.reference, spell_digits(text))
    return Cell(count, digits, list(seconds))


def condition_label(noise: str, snr: float | None) -> str:
    return "clean" if snr is None else f"{noise} {snr_label(snr)}"
