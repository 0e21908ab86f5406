"""How noisy is the room: the noise floor and the speech level of a recording, and the SNR between them.

Pure functions on 16 kHz int16 PCM. The noise floor is the mean power of the room in the first seconds,
before anyone speaks; the speech level is the mean power of an utterance less the noise it carries (so the
figure is the SNR as the benchmarks mix it: speech power over the utterance against noise power). Recognition in noise (benchmarks/noise.md) holds up to about 20 dB and falls
apart below 10 dB, so a room under :data:`NOISY_SNR_DB` gets advice: push to talk, a headset or a
directional microphone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RATE = 16000
FRAME = 480
"""30 ms frames."""
MIN_RISE_DB = 0.5
"""An utterance less than this louder than the room alone has no measurable speech in it."""
NOISY_SNR_DB = 15.0
"""Below this the kiosk suggests push to talk, a headset or a directional microphone."""
VERY_NOISY_SNR_DB = 5.0


def _frame_powers(pcm: np.ndarray) -> np.ndarray:
    x = np.asarray(pcm, dtype=np.float64) / 32768.0
    n = len(x) // FRAME
    if n == 0:
        return np.zeros(0)
    return np.mean(x[:n * FRAME].reshape(n, FRAME) ** 2, axis=1)


def dbfs(power: float) -> float:
    return 10.0 * math.log10(power) if power > 0 else float("-inf")


@dataclass(frozen=True)
class RoomLevel:
    """A recording's noise floor and speech level (dBFS) and their ratio; ``snr_db`` is None when no speech
    stood out from the noise (then nothing can be said about the SNR)."""

    noise_dbfs: float
    speech_dbfs: float | None
    snr_db: float | None


def measure(speech_pcm: np.ndarray, noise_pcm: np.ndarray) -> RoomLevel:
    """Noise floor (mean power of ``noise_pcm``: the room in the first seconds, before anyone speaks) and
    speech level (mean power of ``speech_pcm``, an utterance, less the noise power it carries)."""
    noise = float(np.mean(_frame_powers(noise_pcm))) if len(noise_pcm) >= FRAME else 0.0
    noise = max(noise, 1e-10)
    powers = _frame_powers(speech_pcm)
    if powers.size == 0:
        return RoomLevel(dbfs(noise), None, None)
    heard = float(np.mean(powers))
    if heard <= noise * 10 ** (MIN_RISE_DB / 10):
        return RoomLevel(dbfs(noise), None, None)
    speech = heard - noise
    return RoomLevel(dbfs(noise), dbfs(speech), 10.0 * math.log10(speech / noise))


def estimate_snr(pcm: np.ndarray, noise_s: float = 1.0) -> float | None:
    """Speech-to-noise ratio in dB of a recording whose first ``noise_s`` seconds are the room alone and the
    rest an utterance (see :func:`measure`); None when nothing rose above the noise."""
    cut = int(noise_s * RATE)
    return measure(np.asarray(pcm)[cut:], np.asarray(pcm)[:cut]).snr_db


def advice(snr_db: float | None, push_to_talk: bool = False) -> str:
    """One line for the operator or the status line; empty when the room is quiet enough (or unknown)."""
    if snr_db is None or snr_db >= NOISY_SNR_DB:
        return ""
    how = "a headset or a directional microphone" if push_to_talk else "push to talk (push_to_talk = true), a headset or a directional microphone"
    level = "very noisy" if snr_db < VERY_NOISY_SNR_DB else "noisy"
    return (f"The room is {level}: speech is about {snr_db:.0f} dB above the noise (recognition gets unreliable "
            f"below 10 dB). Use {how}.")
