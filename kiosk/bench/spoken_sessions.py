"""Whole sessions spoken in a noisy room: the session visitors of kiosk.bench.sessions, heard by the voice kiosk.

Each line the visitor says (the opening, then each answer to the question the kiosk left open, chosen by the same
:class:`~kiosk.bench.sessions.Script` as the typed sessions) is synthesized in a test voice and mixed with the
room's noise, which goes on between the lines. The kiosk's own voice loop (kiosk.faces.voice.VoiceSession, with
its endpointer, recognizer, second hearing, asks and re-asking) hears it all as one stream of audio, as a
microphone would give it. What is measured is what a person in that room gets: the emergency prompt or not, and
how many lines it took. A line the kiosk did not answer at all (nothing heard, or a silence it filled only by
asking its question again) is said once more, as a person would; that costs a line, not the session.
"""
from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..core.dialogue import EventKind, Phase
from .sessions import Script, Visitor

if TYPE_CHECKING:
    from ..faces.voice import VoiceSession

LEAD_S = 1.5
"""The room before the visitor first speaks (the voice kiosk learns the room's noise from it)."""
GAP_S = 0.6
"""The visitor's pause between the kiosk's reply and their next line."""
WAIT_S = 14.0
"""How long the visitor waits for the kiosk to answer a line before saying it again (more than the kiosk's
reprompt_s, so a question asked once more counts as the kiosk having answered)."""
MAX_LINES = 20
"""Lines after which the session is given up as unfinished (counted as no prompt)."""


@dataclass
class SpokenOutcome:
    """One spoken session: what the visitor said, what the kiosk heard and said back."""

    visitor: Visitor
    voice: str
    snr: float | None
    prompted: bool = False
    staff_called: bool = False
    """The kiosk called a person because it could not understand (not for the emergency itself)."""
    lines: int = 0
    """Lines the visitor said, repeats included."""
    repeated: int = 0
    """Lines said again because the kiosk did not answer them, or said it did not catch them with no question
    open (a line the kiosk asked again is answered as the script says, and not counted here)."""
    lost_waits: list[float] = field(default_factory=list)
    """Per line the kiosk heard no words in: seconds of the room (audio time, not compute) from the end of the
    line to the kiosk's next words, or WAIT_S when it said nothing and the visitor spoke again."""
    reply_waits: list[float] = field(default_factory=list)
    """Per line the kiosk answered: seconds of the room from the end of the line to the kiosk's reply (audio
    time: how long the endpointer took to decide the line had ended, and any wait the voice loop adds)."""
    log: list[tuple[str, str, str]] = field(default_factory=list)
    """(said, heard, the kiosk's reply) per line."""
    heard: list[str] = field(default_factory=list)
    """Every utterance the kiosk answered, as it heard it."""
    to_the_room: int = 0
    """Replies the kiosk spoke while it waited in the room, before the visitor's first line (the greeting aside)."""
    staff_called_idle: bool = False
    """The kiosk called a person for not understanding before the visitor had said a word."""

    @property
    def ok(self) -> bool:
        return self.prompted == self.visitor.emergency


class VisitorInRoom:
    """A frame source for the voice kiosk (kiosk.speech.audio's FrameSource): one visitor's lines in one voice,
    mixed with a room's noise at a fixed level, answering what the kiosk asks. Not real time: the voice loop waits
    for its second hearing, as a person would have listened to the reply meanwhile.

    The noise level is set once, from the opening line (as kiosk.speech.audio.mix_noise sets it for a clip), and
    stays for the whole session: the room does not get quieter when the visitor says "no"."""

    realtime = False

    def __init__(self, script: Script, say: Callable[[str, int], np.ndarray], noise: np.ndarray | None,
                 snr: float | None, key: str, lead_s: float = LEAD_S) -> None:
        self.script = script
        self.lead_s = lead_s
        self.say = say
        self.noise = noise if noise is not None and snr is not None and noise.size else None
        self.snr = snr
        self.at = zlib.crc32(key.encode()) % max(1, 0 if self.noise is None else len(self.noise))
        self.gain = 0.0
        self.session: VoiceSession | None = None
        """The VoiceSession listening (set before run())."""
        self.outcome: SpokenOutcome | None = None
        self.not_understood = False
        """The kiosk's last turn said it did not catch what was said."""

    def frames(self) -> Iterator[bytes]:
        from ..speech.audio import FRAME_SAMPLES, SAMPLE_RATE, noise_gain

        session, outcome = self.session, self.outcome
        assert session is not None and outcome is not None, "attach a VoiceSession and an outcome first"
        speaker = session.speaker
        greeted = len(speaker.spoken)
        line = self.script.next_line(session.conversation.state)
        if line is not None and self.noise is not None and self.snr is not None:
            # the room's level, set from the opening line, holds from the first frame: the lead is the room too
            self.gain = noise_gain(np.asarray(self.say(line, 0), dtype=np.int16), self.noise, self.snr)
        yield from self._room(int(self.lead_s * SAMPLE_RATE))
        outcome.to_the_room = len(speaker.spoken) - greeted
        said_before, question = 0, ""
        while line is not None and outcome.lines < MAX_LINES:
            audio = np.asarray(self.say(line, said_before), dtype=np.int16)
            spoken_before, heard_before = len(speaker.spoken), len(outcome.heard)
            audio = np.concatenate([audio, np.zeros((-len(audio)) % FRAME_SAMPLES, dtype=np.int16)])
            yield from self._mixed(audio)
            outcome.lines += 1
            waited = 0
            while len(speaker.spoken) == spoken_before and waited < WAIT_S * SAMPLE_RATE:
                yield from self._room(FRAME_SAMPLES)
                waited += FRAME_SAMPLES
            reply = " ".join(speaker.spoken[spoken_before:])
            if reply:
                outcome.reply_waits.append(waited / SAMPLE_RATE)
            if len(outcome.heard) == heard_before:
                outcome.lost_waits.append(waited / SAMPLE_RATE)
                outcome.log.append((line, "", reply))
                outcome.repeated += 1
                said_before += 1
                continue  # nothing heard: the same line again
            talk = session.conversation
            outcome.log.append((line, " / ".join(outcome.heard[heard_before:]), reply))
            if talk.state.phase is Phase.EMERGENCY or outcome.prompted:
                outcome.prompted = True
                break
            yield from self._room(int(GAP_S * SAMPLE_RATE))
            said, line = line, self.script.next_line(talk.state)
            if line is None and self.not_understood and talk.state.phase is Phase.LISTENING:
                line = said  # "Sorry, I did not catch that" with no question open: the visitor says it again
                outcome.repeated += 1
            question, asked = (talk.state.pending.key if talk.state.pending else ""), question
            said_before = said_before + 1 if line == said and question == asked else 0
        yield from self._room(SAMPLE_RATE)

    def _room(self, n: int) -> Iterator[bytes]:
        yield from self._mixed(np.zeros(n, dtype=np.int16))

    def _mixed(self, samples: np.ndarray) -> Iterator[bytes]:
        from ..speech.audio import FRAME_BYTES

        if self.noise is not None:
            idx = (self.at + np.arange(len(samples))) % len(self.noise)
            self.at = int((self.at + len(samples)) % len(self.noise))
            samples = np.clip(np.round(samples + self.gain * self.noise[idx]), -32768, 32767).astype(np.int16)
        pcm = np.asarray(samples, dtype="<i2").tobytes()
        for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
            yield pcm[i:i + FRAME_BYTES]

    def close(self) -> None:
        pass


def run_spoken_session(dialogue, recognizer, visitor: Visitor, voice: str, say: Callable[[str, int], np.ndarray],
                       noise: np.ndarray | None = None, snr: float | None = None,
                       lead_s: float = LEAD_S, stand_out_db: float | None = None) -> SpokenOutcome:
    """Play one visitor, spoken in ``voice`` (``say(line, times said before in a row)`` gives 16 kHz samples: a
    line said again may be said more slowly, as people do when not understood), through the voice kiosk's
    own loop with the kiosk's endpointer and ``recognizer``; the room's ``noise`` at ``snr`` dB (None: quiet), for
    ``lead_s`` seconds before the visitor first speaks (a kiosk waits in its room between visitors).
    ``stand_out_db``: the voice kiosk's room rule (kiosk.faces.voice.STAND_OUT_DB when None; 0: off)."""
    from ..faces.voice import VoiceSession
    from ..ops.settings import Settings
    from ..speech.tts import PrintSpeaker
    from ..speech.vad import Endpointer

    outcome = SpokenOutcome(visitor, voice, snr)

    def on_event(event, *args, **kwargs) -> None:
        if getattr(event, "kind", None) is EventKind.EMERGENCY:
            outcome.prompted = True
        elif getattr(event, "kind", None) is EventKind.STAFF_ALERT and event.detail == "not understood":
            outcome.staff_called = True
            outcome.staff_called_idle = outcome.staff_called_idle or outcome.lines == 0

    source = VisitorInRoom(Script(visitor), say, noise, snr, f"{visitor.id}|{voice}|{snr}", lead_s)
    source.outcome = outcome
    session = VoiceSession(dialogue, source, recognizer, PrintSpeaker(), Endpointer.from_settings(Settings()),
                           on_event=on_event, captions=io.StringIO(), status=io.StringIO(), stand_out_db=stand_out_db)
    source.session = session

    def listen(exchange) -> None:
        if exchange.kind == "turn" and exchange.said:
            outcome.heard.append(exchange.said)
            source.not_understood = any(e.kind is EventKind.NOT_UNDERSTOOD for e in exchange.turn.events)

    session.conversation.subscribe(listen)
    try:
        session.run()
    finally:
        session.close()
    outcome.prompted = outcome.prompted or session.conversation.state.phase is Phase.EMERGENCY
    return outcome
