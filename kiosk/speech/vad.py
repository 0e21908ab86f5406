"""Endpointing: where an utterance starts and ends, from webrtcvad's per-frame speech decisions.

webrtcvad judges each 30 ms frame; one voiced frame in a noisy room means little, so speech starts only
when most frames of a short window are voiced, and ends after ``end_silence_ms`` of mostly unvoiced
frames. Bursts shorter than ``min_speech_ms`` (a cough, a click, a door) are dropped.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Iterable, Iterator

from .audio import FRAME_BYTES, FRAME_MS, SAMPLE_RATE

if TYPE_CHECKING:
    from ..settings import Settings

START_WINDOW = 10
"""Frames (300 ms) looked at to decide that speech has started."""
START_RATIO = 0.7
"""Share of voiced frames in the start window that means speech."""
TAIL_FRAMES = 6
"""Silence kept after speech (180 ms): word endings are quiet and webrtcvad calls them silence."""


@dataclass(frozen=True)
class Utterance:
    pcm: bytes
    start_s: float
    """Seconds from the start of the source to the start of speech."""
    end_s: float
    """Seconds from the start of the source to the end of speech (before the closing silence)."""
    truncated: bool = False
    """Cut at the longest utterance allowed, not ended by silence."""


class EventKind(Enum):
    SPEECH_START = "speech_start"
    PAUSE = "pause"
    """A short silence inside speech: the utterance so far, for recognizing ahead of the end decision."""
    UTTERANCE = "utterance"
    NO_SPEECH = "no_speech"


@dataclass(frozen=True)
class VadEvent:
    kind: EventKind
    at_s: float
    """Seconds from the start of the source when the event was decided."""
    utterance: Utterance | None = None


class Endpointer:
    """Frames in, events out: speech started, an utterance ended (with its audio), or nothing said."""

    def __init__(self, end_silence_ms: int = 700, max_utterance_s: float = 15.0, aggressiveness: int = 2,
                 min_speech_ms: int = 200, pre_roll_ms: int = 300, no_speech_s: float | None = None,
                 pause_ms: int | None = 300):
        import webrtcvad

        self.vad = webrtcvad.Vad(aggressiveness)
        self.end_frames = max(1, end_silence_ms // FRAME_MS)
        self.max_frames = int(max_utterance_s * 1000 / FRAME_MS)
        self.min_speech_frames = max(1, min_speech_ms // FRAME_MS)
        self.pre_roll = max(START_WINDOW, pre_roll_ms // FRAME_MS)
        self.no_speech_frames = int(no_speech_s * 1000 / FRAME_MS) if no_speech_s else None
        # A pause event needs the same audio as the utterance would get: at least the kept tail of silence.
        self.pause_frames = max(TAIL_FRAMES, pause_ms // FRAME_MS) if pause_ms and pause_ms < end_silence_ms else None
        self.position = 0
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Endpointer":
        return cls(settings.end_silence_ms, settings.max_utterance_s, settings.vad_aggressiveness)

    def reset(self) -> None:
        """Forget any speech in progress (after the kiosk spoke, or a new session)."""
        self.recent: collections.deque[tuple[bytes, bool]] = collections.deque(maxlen=self.pre_roll)
        self.speech: list[bytes] = []
        self.in_speech = False
        self.voiced_in_utterance = 0
        self.silent_run = 0
        self.start_frame = 0
        self.quiet_frames = 0
        self.reported_no_speech = False

    def push(self, frame: bytes) -> list[VadEvent]:
        """One FRAME_BYTES frame in; the events it completes."""
        if len(frame) != FRAME_BYTES:
            frame = frame[:FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
        self.position += 1
        now = self.position * FRAME_MS / 1000
        voiced = self.vad.is_speech(frame, SAMPLE_RATE)
        events: list[VadEvent] = []
        if not self.in_speech:
            self.recent.append((frame, voiced))
            window = list(self.recent)[-START_WINDOW:]
            if len(window) == START_WINDOW and sum(v for _, v in window) >= START_RATIO * START_WINDOW:
                self.in_speech = True
                self.speech = [f for f, _ in self.recent]
                self.voiced_in_utterance = sum(v for _, v in self.recent)
                self.start_frame = self.position - len(self.recent)
                self.silent_run = 0
                events.append(VadEvent(EventKind.SPEECH_START, now))
            else:
                self.quiet_frames += 1
                if (self.no_speech_frames and self.quiet_frames >= self.no_speech_frames
                        and not self.reported_no_speech):
                    self.reported_no_speech = True
                    events.append(VadEvent(EventKind.NO_SPEECH, now))
            return events
        self.speech.append(frame)
        self.voiced_in_utterance += voiced
        self.silent_run = 0 if voiced else self.silent_run + 1
        ended = self.silent_run >= self.end_frames
        truncated = len(self.speech) >= self.max_frames
        if self.pause_frames and self.silent_run == self.pause_frames and not (ended or truncated):
            if self.voiced_in_utterance >= self.min_speech_frames:
                events.append(VadEvent(EventKind.PAUSE, now, self._so_far(ended=True)))
        if ended or truncated:
            utterance = self._so_far(ended)
            long_enough = self.voiced_in_utterance >= self.min_speech_frames
            self.reset()
            if long_enough:
                events.append(VadEvent(EventKind.UTTERANCE, now, utterance))
        return events

    def _so_far(self, ended: bool) -> Utterance:
        """The utterance up to the current silence (plus the kept tail); the same bytes at a pause and at
        the end when nothing was said in between, so a recognition started at the pause can be used."""
        speech_frames = len(self.speech) - (self.silent_run if ended else 0)
        keep = min(len(self.speech), speech_frames + TAIL_FRAMES)
        start_s = self.start_frame * FRAME_MS / 1000
        return Utterance(b"".join(self.speech[:keep]), start_s, start_s + speech_frames * FRAME_MS / 1000,
                         not ended)


def utterances(frames: Iterable[bytes], **endpointer_kwargs) -> Iterator[Utterance]:
    """The utterances in a stream of frames (a file, say)."""
    endpointer = Endpointer(**endpointer_kwargs)
    for frame in frames:
        for event in endpointer.push(frame):
            if event.kind is EventKind.UTTERANCE:
                yield event.utterance
