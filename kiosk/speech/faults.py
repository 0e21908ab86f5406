"""Fault-injecting wrappers around the real voice adapters, for resilience tests and the soak run.

Each wrapper passes everything through to a real adapter until its fault is due, then fails the way the
real thing does: a microphone that vanishes raises AudioError mid-stream, a recognizer raises or stops
answering, a speaker raises. Nothing here is used by the kiosk itself.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator


class VanishingSource:
    """A frame source whose device disappears after ``after_frames`` frames (mid-sentence if timed so)."""

    def __init__(self, source, after_frames: int):
        self.source = source
        self.after_frames = after_frames

    def frames(self) -> Iterator[bytes]:
        from .audio import AudioError

        for n, frame in enumerate(self.source.frames()):
            if n >= self.after_frames:
                raise AudioError("microphone stopped: device unavailable [PaErrorCode -9988]; check the cable or "
                                 "run `kiosk doctor`")
            yield frame

    def close(self) -> None:
        self.source.close()


class FailingRecognizer:
    """A real recognizer that raises (``mode="raise"``) or never returns (``mode="hang"``) on utterance ``at``."""

    def __init__(self, recognizer, mode: str = "raise", at: int = 1):
        self.recognizer = recognizer
        self.name = getattr(recognizer, "name", "recognizer")
        self.streaming = getattr(recognizer, "streaming", True)
        self.mode = mode
        self.at = at
        self.finished = 0
        self.release = threading.Event()
        """Set to let a hung call end (so test threads do not outlive the test)."""

    def start(self, grammar=None):
        return self.recognizer.start(grammar)

    def accept(self, frames: bytes):
        return self.recognizer.accept(frames)

    def finish(self):
        self.finished += 1
        if self.finished == self.at:
            if self.mode == "hang":
                self.release.wait(600)
            raise RuntimeError("decoder crashed (injected fault)")
        return self.recognizer.finish()


class FailingSpeaker:
    """A speaker whose engine breaks on the ``at``-th reply (as when espeak-ng goes missing)."""

    def __init__(self, speaker, at: int = 1):
        self.speaker = speaker
        self.at = at
        self.calls = 0
        self.spoken: list[str] = []

    def say(self, text: str, **kwargs) -> None:
        self.calls += 1
        if self.calls >= self.at:
            from .tts import TtsError

            raise TtsError("text-to-speech engine failed (injected fault); install espeak-ng")
        self.spoken.append(text)
        self.speaker.say(text, **kwargs)

    def stop(self) -> None:
        self.speaker.stop()

    @property
    def speaking(self) -> bool:
        return self.speaker.speaking

    def close(self) -> None:
        self.speaker.close()
