"""A Wyoming recognizer (wyoming-faster-whisper on a shared server) behind the kiosk's Recognizer interface.

``asr = "wyoming://host:10300"`` sends each endpointed utterance to the server (transcribe, audio-start,
audio-chunk..., audio-stop -> transcript) and keeps the local recognizer loaded as a fallback. A server that is
down, silent, slow or answers nonsense costs one line (see :class:`RemoteHealth`) and the same audio is
recognized locally, within ``asr_timeout_s``: the server gets half of it, the local recognizer the rest.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .asr import (
    FIRST_DECODE,
    SAMPLE_RATE,
    AsrError,
    Recognizer,
    Transcript,
    load_recognizer,
    local_backend,
    transcribe,
)
from .wyoming_io import (
    DEFAULT_LIMITS,
    GET_WYOMING,
    Connection,
    Endpoint,
    Limits,
    RemoteHealth,
    WyomingError,
    describe,
    error_text,
    parse_endpoint,
    program_names,
    wyoming_installed,
)

if TYPE_CHECKING:
    from ..ops.settings import Settings

TRAILING_SILENCE_S = 1.0
"""Silence added after each utterance. STACK-NOTES: wyoming-faster-whisper lost the last word of speech that
ends without a pause. Measured here on two espeak-ng renderings of "...my face feels numb" (tiny.en, the
kiosk's prompt), padding 0 / 0.3 / 0.6 / 1.0 / 1.5 / 2.0 s: "numb" was kept 1, 0, 1, 2, 1, 0 times of 2, so
1.0 s; tiny.en stays unreliable on espeak-ng's "numb" whatever the padding (the dialogue's screening question
is the safety net for that)."""
CHUNK_BYTES = 2048 * 2
"""Audio per audio-chunk event (2048 samples, 128 ms at 16 kHz)."""
REMOTE_CONFIDENCE = 1.0
"""Wyoming transcripts carry no confidence; a non-empty one is taken as heard (the dialogue still asks about a
possible red flag, and screens every utterance)."""


def remote_transcribe(endpoint: Endpoint, pcm: bytes, timeout_s: float, language: str = "en",
                      limits: Limits = DEFAULT_LIMITS, padding_s: float = TRAILING_SILENCE_S) -> str:
    """The text a Wyoming recognizer hears in ``pcm`` (16 kHz mono int16), within ``timeout_s``.

    WyomingError (one line) when it cannot be had in time or the answer is not a transcript."""
    from wyoming.asr import Transcribe
    from wyoming.asr import Transcript as WyTranscript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop

    if len(pcm) % 2:
        raise ValueError("audio must be whole 16-bit samples (an even number of bytes)")
    audio = pcm + bytes(int(padding_s * SAMPLE_RATE) * 2)
    with Connection(endpoint, time.monotonic() + timeout_s, limits, connect_timeout_s=min(3.0, timeout_s)) as conn:
        conn.send(Transcribe(language=language).event())
        conn.send(AudioStart(rate=SAMPLE_RATE, width=2, channels=1).event())
        for i in range(0, len(audio), CHUNK_BYTES):
            conn.send(AudioChunk(rate=SAMPLE_RATE, width=2, channels=1, audio=audio[i:i + CHUNK_BYTES]).event())
        conn.send(AudioStop().event())
        while True:
            event = conn.read()
            if WyTranscript.is_type(event.type):
                text = event.data.get("text")
                if not isinstance(text, str):
                    raise WyomingError(f"{endpoint} sent a transcript without text")
                return " ".join(text.split())
            problem = error_text(event)
            if problem is not None:
                raise WyomingError(f"{endpoint} could not recognize the audio: {problem}")
            # anything else (transcript-start, transcript-chunk, info, ...) is skipped; the deadline bounds it


class WyomingRecognizer:
    """Whole utterances to a Wyoming recognizer, the local recognizer when it fails (or None: no fallback).

    Not streaming: the voice session hands it whole utterances, as it does Whisper. Not thread-safe; the voice
    session runs one recognition at a time.
    """

    streaming = False

    def __init__(self, endpoint: Endpoint, local: Recognizer | None = None, *, timeout_s: float = 10.0,
                 health: RemoteHealth | None = None, language: str = "en", limits: Limits = DEFAULT_LIMITS) -> None:
        self.endpoint = endpoint
        self.local = local
        self.timeout_s = timeout_s
        """Seconds the server gets for one utterance before the local recognizer takes it."""
        self.health = health or RemoteHealth(f"the Wyoming recognizer at {endpoint}",
                                             fallback=f"the local recognizer ({local.name})" if local else "nothing")
        self.language = language
        self.limits = limits
        self.name = f"{endpoint}" + (f" (fallback {local.name})" if local is not None else "")
        self.last_source = ""
        """Who recognized the last utterance: "remote" or "local" (tests, the benchmark)."""
        self._buffer = bytearray()
        self._grammar: Sequence[str] | None = None

    @property
    def on_problem(self):
        return self.health.on_problem

    @on_problem.setter
    def on_problem(self, sink) -> None:
        self.health.on_problem = sink

    def start(self, grammar: Sequence[str] | None = None) -> None:
        self._buffer = bytearray()
        self._grammar = grammar

    def accept(self, frames: bytes) -> Transcript | None:
        if len(frames) % 2:
            raise ValueError("frames must be whole 16-bit samples (an even number of bytes)")
        self._buffer += frames
        return None

    def finish(self) -> Transcript:
        pcm, self._buffer = bytes(self._buffer), bytearray()
        if self.local is None or self.health.usable():
            try:
                text = remote_transcribe(self.endpoint, pcm, self.timeout_s, self.language, self.limits)
            except WyomingError as err:
                self.health.failed(str(err))
                if self.local is None:
                    raise AsrError(f"the Wyoming recognizer at {self.endpoint} failed ({err}) and there is no "
                                   f"local recognizer") from None
            else:
                self.health.succeeded()
                self.last_source = "remote"
                return Transcript(text, REMOTE_CONFIDENCE if text else 0.0, True)
        assert self.local is not None
        self.last_source = "local"
        return transcribe(self.local, pcm, self._grammar)


def remote_budget_s(asr_timeout_s: float) -> float:
    """Seconds a remote server gets for one utterance: half of ``asr_timeout_s``, the rest is the local
    recognizer's, so the fallback answers within ``asr_timeout_s``."""
    return asr_timeout_s / 2


def open_local_recognizer(settings: Settings, prompt_phrases: Iterable[str] = (), env: Mapping[str, str] | None = None,
                          prompt_keywords: Iterable[str] = (),
                          hearing: Mapping[str, object] | None = None) -> tuple[Recognizer | None, str]:
    """The recognizer ``asr = auto`` would load here (the remote one's fallback), or None, with one line.
    Of ``hearing`` it keeps the first decode's options (:data:`~kiosk.speech.asr.FIRST_DECODE`): a turn through
    the fallback is as quick as the local kiosk's, and no second-hearing model is loaded that nothing would run."""
    backend, reason = local_backend(settings, "auto", env)
    if backend is None:
        return None, "no local recognizer"
    first = {k: v for k, v in (hearing or {}).items() if k in FIRST_DECODE}
    try:
        return load_recognizer(backend, settings=settings, prompt_phrases=prompt_phrases, env=env,
                               prompt_keywords=prompt_keywords, hearing=first), reason.split(" (")[0]
    except AsrError as err:
        return None, f"no local recognizer ({err})"


def open_wyoming_recognizer(settings: Settings, prompt_phrases: Iterable[str] = (),
                            env: Mapping[str, str] | None = None, prompt_keywords: Iterable[str] = (),
                            probe_s: float = 2.0,
                            hearing: Mapping[str, object] | None = None) -> tuple[Recognizer | None, str]:
    """``asr = "wyoming://host:port"``: the remote recognizer with the local one as its fallback, and one line.

    The server is asked to describe itself once (within ``probe_s``). When it does not answer, the kiosk starts
    on its local recognizer and tries the server again later; with no local recognizer either, text mode."""
    endpoint = parse_endpoint(settings.asr)
    local, local_reason = open_local_recognizer(settings, prompt_phrases, env, prompt_keywords, hearing)
    if not wyoming_installed():
        why = f"asr = {endpoint} but the wyoming package is not installed ({GET_WYOMING})"
        return (local, f"{why}; using {local_reason}") if local else (None, f"{why}; text mode")
    budget = remote_budget_s(settings.asr_timeout_s)
    recognizer = WyomingRecognizer(endpoint, local, timeout_s=budget)
    try:
        info = describe(endpoint, min(probe_s, budget))
        programs = program_names(info, "asr")
        if not programs:
            raise WyomingError(f"{endpoint} is not a speech recognizer (its info lists no asr program)")
    except WyomingError as err:
        if local is None:
            return None, f"the Wyoming recognizer failed ({err}) and {local_reason}; text mode"
        recognizer.health.failed(str(err), report=False)
        return recognizer, (f"the Wyoming recognizer failed ({err}); using {local_reason} and trying "
                            f"{endpoint} again every {recognizer.health.retry_s:g} s")
    fallback = f"falls back to {local_reason}" if local is not None else "no local fallback"
    return recognizer, f"Wyoming recognizer {programs[0]} at {endpoint} ({fallback})"


__all__ = ["WyomingRecognizer", "open_wyoming_recognizer", "remote_budget_s", "remote_transcribe",
           "TRAILING_SILENCE_S"]
