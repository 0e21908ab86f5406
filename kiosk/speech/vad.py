"""Endpointing: where an utterance starts and ends, from webrtcvad's per-frame speech decisions.

webrtcvad judges each 30 ms frame; one voiced frame in a noisy room means little, so speech starts only
when most frames of a short window are voiced (START_RATIO of START_WINDOW), and ends after
``end_silence_ms`` without sustained voicing: a voiced frame keeps an utterance open only when most of the
last few frames (SUSTAIN_VOICED of SUSTAIN_WINDOW) are voiced too, so stray voiced frames in background
noise do not hold an utterance open. Bursts with fewer than ``min_speech_ms`` of voiced frames (a cough, a
click, a door) are dropped. No energy threshold is used: loudness differs too much between microphones.
"""
from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from .audio import FRAME_BYTES, FRAME_MS, SAMPLE_RATE

if TYPE_CHECKING:
    from ..ops.settings import Settings

START_WINDOW = 10
"""Frames (300 ms) looked at to decide that speech has started."""
START_RATIO = 0.7
"""Share of voiced frames in the start window that means speech."""
TAIL_FRAMES = 6
"""Silence kept after speech (180 ms): word endings are quiet and webrtcvad calls them silence."""
SUSTAIN_WINDOW = 5
SUSTAIN_VOICED = 3
"""Inside speech, a voiced frame counts as speech going on when at least this many of the last
SUSTAIN_WINDOW frames (150 ms) are voiced."""
HANGOVER_FRAMES = {0: 3, 1: 3, 2: 2, 3: 2}
"""Voiced frames webrtcvad adds after any sound (its hangover), by aggressiveness; not counted as speech
when judging ``min_speech_ms``. Measured: a 100 ms noise click gives 7-8 voiced 30 ms frames at modes 0-1
and 6-7 at modes 2-3; 200 ms gives 13 and 10-11."""


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
        self.min_speech_frames = max(1, min_speech_ms // FRAME_MS) + HANGOVER_FRAMES.get(aggressiveness, 2)
        self.pre_roll = max(0, pre_roll_ms // FRAME_MS)
        self.no_speech_frames = int(no_speech_s * 1000 / FRAME_MS) if no_speech_s else None
        # A pause event needs the same audio as the utterance would get: at least the kept tail of silence.
        self.pause_frames = max(TAIL_FRAMES, pause_ms // FRAME_MS) if pause_ms and pause_ms < end_silence_ms else None
        self.position = 0
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpointer:
        return cls(settings.end_silence_ms, settings.max_utterance_s, settings.vad_aggressiveness)

    def reset(self) -> None:
        """Forget any speech in progress (after the kiosk spoke, or a new session)."""
        # the start window plus the pre-roll kept before the first voiced frame of that window
        self.recent: collections.deque[tuple[bytes, bool]] = collections.deque(maxlen=START_WINDOW + self.pre_roll)
        self.last_voiced: collections.deque[bool] = collections.deque(maxlen=SUSTAIN_WINDOW)
        self.speech: list[bytes] = []
        self.in_speech = False
        self.voiced_in_utterance = 0
        self.silent_run = 0
        self.start_frame = 0
        self.audio_start_frame = 0
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
                recent = list(self.recent)
                onset = len(recent) - START_WINDOW + next(i for i, (_, v) in enumerate(window) if v)
                first = max(0, onset - self.pre_roll)
                self.speech = [f for f, _ in recent[first:]]
                self.voiced_in_utterance = sum(v for _, v in window)
                self.start_frame = self.position - len(recent) + onset
                self.audio_start_frame = self.position - len(recent) + first
                self.last_voiced.extend(v for _, v in window[-SUSTAIN_WINDOW:])
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
        self.last_voiced.append(voiced)
        sustained = voiced and sum(self.last_voiced) >= SUSTAIN_VOICED
        self.silent_run = 0 if sustained else self.silent_run + 1
        ended = self.silent_run >= self.end_frames
        truncated = self.position - self.start_frame >= self.max_frames
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
        kept = len(self.speech) - (self.silent_run if ended else 0)
        keep = min(len(self.speech), kept + TAIL_FRAMES)
        start_s = self.start_frame * FRAME_MS / 1000
        end_s = (self.audio_start_frame + kept) * FRAME_MS / 1000
        return Utterance(b"".join(self.speech[:keep]), start_s, end_s, not ended)


def utterances(frames: Iterable[bytes], **endpointer_kwargs) -> Iterator[Utterance]:
    """The utterances in a stream of frames (a file, say)."""
    endpointer = Endpointer(**endpointer_kwargs)
    for frame in frames:
        for event in endpointer.push(frame):
            if event.kind is EventKind.UTTERANCE and event.utterance is not None:
                yield event.utterance
