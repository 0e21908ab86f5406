"""A Wyoming voice (wyoming-piper on a shared server) behind the kiosk's Speaker interface.

``tts = "wyoming://host:10200"``: each sentence is synthesized by the server (synthesize -> audio-start,
audio-chunk..., audio-stop) and played here as the local voice's WAVs are (the same :class:`WavSpeaker`
playback, sentence pipelining, barge-in and private temporary folder). A server that is down, silent, slow or
answers nonsense costs one line and the sentence is made by the local voice instead, so no reply, and never
the emergency prompt, is lost to a network fault. Captions and staff alerts never wait for speech at all.

Wyoming's synthesize event has no speaking rate: the remote voice speaks at its own speed, so the slower
emergency rate and "slower, please" apply to the local voice only. Volume is applied here to the samples.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from .tts import PrintSpeaker, Speaker, TtsError, WavSpeaker, open_speaker, synthesize
from .wyoming_asr import remote_budget_s
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

MIN_RATE, MAX_RATE = 8000, 48000
"""Hertz; audio at other rates is refused as nonsense."""


def remote_synthesize(endpoint: Endpoint, text: str, path: Path, timeout_s: float, volume: float = 1.0,
                      limits: Limits = DEFAULT_LIMITS) -> Path:
    """Have the Wyoming voice at ``endpoint`` say ``text`` into the WAV file ``path``, within ``timeout_s``.

    WyomingError (one line) when no real speech comes back in time."""
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.tts import Synthesize

    if not text.strip():
        raise TtsError("nothing to say (empty text)")
    fmt: tuple[int, int, int] | None = None
    audio = bytearray()
    with Connection(endpoint, time.monotonic() + timeout_s, limits, connect_timeout_s=min(3.0, timeout_s)) as conn:
        conn.send(Synthesize(text=text).event())
        while True:
            event = conn.read()
            if AudioStart.is_type(event.type) or AudioChunk.is_type(event.type):
                try:
                    rate, width, channels = (int(event.data["rate"]), int(event.data["width"]),
                                             int(event.data["channels"]))
                except (KeyError, TypeError, ValueError):
                    raise WyomingError(f"{endpoint} sent audio without a valid format") from None
                if width != 2 or channels not in (1, 2) or not MIN_RATE <= rate <= MAX_RATE:
                    raise WyomingError(f"{endpoint} sent audio the kiosk cannot play ({rate} Hz, {width * 8}-bit, "
                                       f"{channels} channels)")
                if fmt is not None and fmt != (rate, width, channels):
                    raise WyomingError(f"{endpoint} changed the audio format within one reply")
                fmt = (rate, width, channels)
                if AudioChunk.is_type(event.type):
                    audio += event.payload or b""
            elif AudioStop.is_type(event.type):
                break
            else:
                problem = error_text(event)
                if problem is not None:
                    raise WyomingError(f"{endpoint} could not say it: {problem}")
    if fmt is None or not audio:
        raise WyomingError(f"{endpoint} sent no audio")
    rate, _width, channels = fmt
    samples = np.frombuffer(bytes(audio[: len(audio) // (2 * channels) * 2 * channels]), dtype="<i2")
    if channels == 2:
        samples = samples.reshape(-1, 2).mean(axis=1)
    if not samples.any():
        raise WyomingError(f"{endpoint} sent only silence")
    samples = np.clip(samples.astype(np.float32) * max(0.0, min(1.0, volume)), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


class WyomingSpeaker(WavSpeaker):
    """Sentences made by a Wyoming voice (the local voice when it fails, if ``local``), played like WavSpeaker's."""

    def __init__(self, endpoint: Endpoint, *, local: bool = True, timeout_s: float = 10.0,
                 health: RemoteHealth | None = None, voice: str = "", rate_wpm: int = 160, volume: float = 1.0,
                 output_device: str | int | None = None, play: bool = True, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(voice, rate_wpm, volume, output_device, play)
        self.endpoint = endpoint
        self.local = local
        """The local voice works here (checked at start): it takes over when the server fails."""
        self.timeout_s = timeout_s
        self.health = health or RemoteHealth(f"the Wyoming voice at {endpoint}",
                                             fallback="the local voice" if local else "captions only")
        self.limits = limits
        self.sources: list[tuple[str, str]] = []
        """(sentence, "remote" or "local") for the most recent 200 sentences (tests, the benchmark)."""

    @property
    def on_problem(self):
        return self.health.on_problem

    @on_problem.setter
    def on_problem(self, sink) -> None:
        self.health.on_problem = sink

    def _synth(self, sentence: str, rate: int, volume: float) -> Path:
        self._count += 1
        path = self.folder / f"{self._count % 100}.wav"
        source = "local"
        if not self.local or self.health.usable():
            try:
                remote_synthesize(self.endpoint, sentence, path, self.timeout_s, volume, self.limits)
                source = "remote"
                self.health.succeeded()
            except WyomingError as err:
                self.health.failed(str(err))
                if not self.local:
                    raise TtsError(f"the Wyoming voice at {self.endpoint} failed ({err}) and there is no local "
                                   f"voice") from None
        if source == "local":
            synthesize(sentence, path, voice=self.voice, rate_wpm=rate, volume=volume)
        self.sources = (self.sources + [(sentence, source)])[-200:]
        self.last_wavs = (self.last_wavs + [path])[-50:]
        return path


def open_wyoming_speaker(tts: str, *, voice: str = "", rate_wpm: int = 160, volume: float = 1.0,
                         output_device: str = "", asr_timeout_s: float = 20.0, play: bool = True,
                         probe_s: float = 2.0) -> tuple[Speaker, str]:
    """``tts = "wyoming://host:port"``: (speaker, one line). Never raises.

    The local voice is checked too, as the fallback. No audio output here gives the PrintSpeaker, as for the
    local voice; a server that does not answer at start is tried again later while the local voice speaks."""
    endpoint = parse_endpoint(tts)
    if not wyoming_installed():
        speaker, reason = open_speaker(voice, rate_wpm, volume, output_device)
        why = f"tts = {endpoint} but the wyoming package is not installed ({GET_WYOMING}); the local voice speaks"
        return speaker, f"{why}" + (f"; {reason}" if reason else "")
    probe = Path(tempfile.mkdtemp(prefix="kiosk-tts-probe-"))
    local_problem = ""
    try:
        synthesize("Hello.", probe / "probe.wav", voice=voice, rate_wpm=rate_wpm, volume=volume)
    except TtsError as err:
        local_problem = str(err)
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    device: str | int | None = None
    if play:
        try:
            from .audio import AudioError, find_device, list_devices

            if not any(d.outputs > 0 for d in list_devices()):
                return PrintSpeaker(), "no speaker found (no audio output devices); replies are shown on screen only"
            device = find_device(output_device or None, "output")
        except AudioError as err:
            return PrintSpeaker(), f"{err}; replies are shown on screen only"
    speaker = WyomingSpeaker(endpoint, local=not local_problem, timeout_s=remote_budget_s(asr_timeout_s),
                             voice=voice, rate_wpm=rate_wpm, volume=volume, output_device=device, play=play)
    fallback = "the local voice" if not local_problem else f"no local voice ({local_problem})"
    try:
        info = describe(endpoint, min(probe_s, speaker.timeout_s))
        programs = program_names(info, "tts")
        if not programs:
            raise WyomingError(f"{endpoint} is not a voice (its info lists no tts program)")
    except WyomingError as err:
        if local_problem:
            speaker.close()
            return PrintSpeaker(), f"the Wyoming voice failed ({err}) and {fallback}; replies are shown on screen only"
        speaker.health.failed(str(err), report=False)
        return speaker, (f"the Wyoming voice failed ({err}); the local voice speaks and {endpoint} is tried again "
                         f"every {speaker.health.retry_s:g} s")
    return speaker, f"Wyoming voice {programs[0]} at {endpoint} (falls back to {fallback})"


__all__ = ["WyomingSpeaker", "open_wyoming_speaker", "remote_synthesize"]
