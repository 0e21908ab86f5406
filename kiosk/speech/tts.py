"""Speech out: pyttsx3 (espeak-ng) synthesizes each reply to a WAV, and sounddevice plays it.

pyttsx3's own playback goes through the `aplay` program and fails silently without it, so the kiosk
plays the WAV itself. Synthesis files live in a private temporary folder that is deleted on close, when
the speaker is dropped, or at exit (a test or a benchmark that never closes one left it behind): nothing
said is kept on disk. A long reply is synthesized sentence by sentence and the first sentence
starts playing while the rest is made, so the person hears an answer sooner.
"""
from __future__ import annotations

import atexit
import contextlib
import gc
import io
import os
import re
import shutil
import tempfile
import threading
import wave
import weakref
from pathlib import Path
from typing import Protocol

import numpy as np

_ENGINE_LOCK = threading.Lock()
"""pyttsx3's engine is a process-wide singleton and is not re-entrant."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class TtsError(Exception):
    """Speech output that cannot work; one line saying what to do."""


class Speaker(Protocol):
    def say(self, text: str, *, rate_wpm: int | None = None, volume: float | None = None, block: bool = True) -> None:
        """Say ``text``; with block=False return at once while it plays."""

    def stop(self) -> None:
        """Stop speaking now (barge-in)."""

    @property
    def speaking(self) -> bool:
        """True while audio is playing."""

    def close(self) -> None:
        """Stop and release everything (temporary files included)."""


_ENGINE = None


def _release_engine() -> None:
    """Drop the engine before interpreter shutdown, when pyttsx3's own __del__ would fail noisily."""
    global _ENGINE
    with _ENGINE_LOCK:
        _ENGINE = None
        gc.collect()


def _engine():
    """The one pyttsx3 engine, held for the life of the process: pyttsx3 keeps engines only weakly, and
    espeak-ng callbacks into a collected engine print tracebacks at exit."""
    global _ENGINE
    if _ENGINE is not None:
        return _ENGINE
    try:
        import pyttsx3

        _ENGINE = pyttsx3.init()
        atexit.register(_release_engine)
        return _ENGINE
    except Exception as err:  # noqa: BLE001 - RuntimeError/OSError without libespeak-ng
        raise TtsError(f"no text-to-speech engine ({err.__class__.__name__}); install espeak-ng "
                       "(apt-get install espeak-ng)") from None


def _synchronize() -> None:
    """Wait until espeak-ng has applied queued parameters and finished synthesis.

    Measured: without it, pyttsx3 2.99 sometimes applied a rate change to the wrong file (4 of 13 files in
    a row came out at an earlier rate); with it, 26 of 26 were right. The emergency prompt depends on it."""
    try:
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()
    except Exception:  # noqa: BLE001 - another driver, or an older pyttsx3: nothing to wait for
        pass


def synthesize(text: str, path: str | os.PathLike, *, voice: str = "", rate_wpm: int = 160,
               volume: float = 1.0) -> Path:
    """Write ``text`` as speech to the WAV file ``path`` (real speech is checked, not assumed)."""
    if not text or not text.strip():
        raise TtsError("nothing to say (empty text)")
    path = Path(path)
    with _ENGINE_LOCK:
        engine = _engine()
        try:
            if voice:
                engine.setProperty("voice", voice)
            engine.setProperty("rate", int(rate_wpm))
            engine.setProperty("volume", float(max(0.0, min(1.0, volume))))
            _synchronize()
            engine.save_to_file(text, str(path))
            # pyttsx3 prints "Audio saved to ..." on the captions, from espeak-ng's own thread, which can still be
            # finishing after runAndWait returns (seen: 1 print in 1,200 syntheses got out): hold stdout until done
            with contextlib.redirect_stdout(io.StringIO()):
                engine.runAndWait()
                _synchronize()
        except TtsError:
            raise
        except Exception as err:  # noqa: BLE001
            raise TtsError(f"speech synthesis failed ({err.__class__.__name__}: {err}); check espeak-ng") from None
    try:
        with wave.open(str(path), "rb") as w:
            frames = w.readframes(w.getnframes())
    except (OSError, wave.Error, EOFError):
        raise TtsError(f"speech synthesis wrote no usable audio to {path.name}; check espeak-ng") from None
    if not frames or not np.frombuffer(frames[: len(frames) // 2 * 2], dtype="<i2").any():
        raise TtsError("speech synthesis produced silence; check the voice setting (tts_voice)")
    return path


def list_voices() -> list[tuple[str, str]]:
    """(id, name) of every voice the engine offers."""
    with _ENGINE_LOCK:
        engine = _engine()
        return [(v.id, v.name) for v in engine.getProperty("voices")]


def split_sentences(text: str) -> list[str]:
    """Sentences, so the first can be said while the rest is synthesized."""
    return [s for s in _SENTENCE.split(text.strip()) if s]


class PrintSpeaker:
    """No speech output (no engine or no speaker): records what would be said; captions show it."""

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def say(self, text: str, *, rate_wpm: int | None = None, volume: float | None = None, block: bool = True) -> None:
        self.spoken.append(text)

    def stop(self) -> None:
        pass

    @property
    def speaking(self) -> bool:
        return False

    def close(self) -> None:
        pass


class WavSpeaker:
    """pyttsx3 to WAV, played through sounddevice; ``play=False`` only synthesizes (tests, no speaker)."""

    def __init__(self, voice: str = "", rate_wpm: int = 160, volume: float = 1.0,
                 output_device: str | int | None = None, play: bool = True):
        self.voice, self.rate_wpm, self.volume = voice, rate_wpm, volume
        self.output_device = output_device
        self.play = play
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-tts-"))
        self._remove_folder = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.spoken: list[str] = []
        self.last_wavs: list[Path] = []
        self.said: list[tuple[str, list[Path]]] = []
        """With play=False: each reply and the WAV files of its sentences (most recent 20 replies)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._count = 0
        self.problem = ""
        """The first playback failure, if any (speech continues as print-only after it)."""

    def say(self, text: str, *, rate_wpm: int | None = None, volume: float | None = None, block: bool = True) -> None:
        self.stop()
        self._stop.clear()
        sentences = split_sentences(text) or [text]
        rate = rate_wpm or self.rate_wpm
        vol = self.volume if volume is None else volume
        # The first sentence is made here, so a missing engine raises to the caller at once.
        first = self._synth(sentences[0], rate, vol)
        self.spoken.append(text)
        if not self.play:
            wavs = [first] + [self._synth(sentence, rate, vol) for sentence in sentences[1:]]
            self.said = (self.said + [(text, wavs)])[-20:]
            return
        self._thread = threading.Thread(target=self._speak, args=(first, sentences[1:], rate, vol),
                                         name="kiosk-tts", daemon=True)
        self._thread.start()
        if block:
            self._thread.join()

    def _synth(self, sentence: str, rate: int, volume: float) -> Path:
        self._count += 1
        path = synthesize(sentence, self.folder / f"{self._count % 100}.wav", voice=self.voice, rate_wpm=rate,
                          volume=volume)
        self.last_wavs = (self.last_wavs + [path])[-50:]
        return path

    def _speak(self, first: Path, rest: list[str], rate: int, volume: float) -> None:
        made: dict[int, Path] = {0: first}

        def make() -> None:  # synthesize the rest while the first sentence plays
            for i, sentence in enumerate(rest, 1):
                if self._stop.is_set():
                    return
                try:
                    made[i] = self._synth(sentence, rate, volume)
                except TtsError:
                    return

        maker = threading.Thread(target=make, name="kiosk-tts-synth", daemon=True)
        maker.start()
        stream = None
        try:
            for i in range(len(rest) + 1):
                while i not in made and maker.is_alive() and not self._stop.is_set():
                    maker.join(0.02)
                if self._stop.is_set() or i not in made or not self.play:
                    break
                stream = self._play(made[i], stream)
        finally:
            if stream is not None:
                try:
                    stream.abort() if self._stop.is_set() else stream.stop()
                    stream.close()
                except Exception:  # noqa: BLE001 - the device is gone already
                    pass
        maker.join()

    def _play(self, path: Path, stream):
        """Play one WAV on the open stream (one stream for a whole reply: no gap between sentences)."""
        try:
            import sounddevice as sd

            with wave.open(str(path), "rb") as w:
                rate = w.getframerate()
                data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            if stream is None or stream.samplerate != rate:
                device = None if self.output_device in (None, "") else self.output_device
                stream = sd.OutputStream(samplerate=rate, channels=1, dtype="int16", device=device)
                stream.start()
            block = rate // 20
            for i in range(0, len(data), block):
                if self._stop.is_set():
                    return stream
                stream.write(np.ascontiguousarray(data[i:i + block]))
            return stream
        except Exception as err:  # noqa: BLE001 - no device or it vanished: captions still show everything
            if not self.problem:
                self.problem = f"speaker stopped working ({(str(err).splitlines() or [''])[0]}); replies are shown on screen only"
            self.play = False
            return stream

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None

    @property
    def speaking(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        self.stop()
        self._remove_folder()


def open_speaker(voice: str = "", rate_wpm: int = 160, volume: float = 1.0,
                 output_device: str = "") -> tuple[Speaker, str]:
    """(WavSpeaker, "") when speech can be made and played here, else (PrintSpeaker, one line why). Never raises."""
    probe = Path(tempfile.mkdtemp(prefix="kiosk-tts-probe-"))
    try:
        synthesize("Hello.", probe / "probe.wav", voice=voice, rate_wpm=rate_wpm, volume=volume)
    except TtsError as err:
        return PrintSpeaker(), f"{err}; replies are shown on screen only"
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    try:
        from .audio import AudioError, find_device, list_devices

        if not any(d.outputs > 0 for d in list_devices()):
            return PrintSpeaker(), "no speaker found (no audio output devices); replies are shown on screen only"
        device = find_device(output_device or None, "output")
    except AudioError as err:
        return PrintSpeaker(), f"{err}; replies are shown on screen only"
    return WavSpeaker(voice, rate_wpm, volume, device), ""
