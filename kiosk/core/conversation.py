"""One conversation, whatever face it has: the driver every face (text, voice, screen) shares.

The dialogue (kiosk.core.dialogue) is a pure step: (state, utterance) -> (state, turn). Something has to hold
the state between steps, measure silence, hand the turn's events to the operator's tools and pick up edited
content between sessions. That is this class, once, instead of a copy of the loop in every face. Faces only
turn input into ``hear(text, now)`` calls and turns into output (printed, spoken, drawn on a page).

No I/O and no clock: every method that needs the time takes ``now`` (seconds, any monotonic origin), so the
idle warning and reset are tested with plain numbers. Several faces may share one conversation (a microphone
and a touch screen at the same kiosk): each call is made under one lock, and every turn, whichever face caused
it, is handed to the listeners (:meth:`subscribe`), so each face shows or speaks what the others caused.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .dialogue import Dialogue, Event, EventKind, Phase, State, Turn

log = logging.getLogger("kiosk")

EventSink = Callable[..., None]
"""Takes an event; a sink with ``takes_transcript = True`` also takes ``transcript=`` (what was said)."""


def emit(sink: EventSink | None, event: Any, said: str = "") -> None:
    """Hand one event to ``sink``, with ``said`` (the words that caused it) when the sink takes transcripts.

    Only a sink that says so (kiosk.ops.events.EventRouter) gets the words, so a simple callback keeps its
    one-argument signature. Never raises: logging or alerting must not stop the conversation.
    """
    if sink is None:
        return
    try:
        if said and getattr(sink, "takes_transcript", False):
            sink(event, transcript=said)
        else:
            sink(event)
    except Exception:  # noqa: BLE001 - an event that cannot be handled is logged, the kiosk goes on
        log.exception("event handler failed")


@dataclass(frozen=True)
class Exchange:
    """One turn of the conversation, as every face's listener receives it."""

    turn: Turn
    state: State
    """The state after the turn (its phase, the open question)."""
    said: str = ""
    """What the person said or typed that caused the turn; empty for a greeting, an idle step or a reset."""
    source: str = ""
    """The face the input came from ("text", "voice", "screen", ...); empty when the driver itself spoke
    (greeting, idle warning, reset)."""
    seq: int = 0
    """Counts the turns of this conversation object, from 1."""
    kind: str = "turn"
    """"start" (a greeting), "resume", "turn" (an answer), "idle" (a warning, a question asked again, an idle
    reset), "reset" (the session forgotten on a face's request), "ask" (a sign a second hearing found,
    asked with no question open: :meth:`Conversation.ask_later`) or "unheard" (speech with no words heard, the
    question asked again: :meth:`Conversation.not_heard`)."""

    @property
    def ended(self) -> bool:
        """The turn ended a session: a face forgets everything it shows of the person."""
        return any(e.kind is EventKind.SESSION_END for e in self.turn.events) or self.kind == "reset"


Listener = Callable[[Exchange], None]


class Conversation:
    """The state, the silence timer, the events and the content of one kiosk's conversation.

    ``live`` gives the dialogue for each new session (content edited while running,
    kiosk.ops.live_content.LiveContent); a session in progress keeps the content it started with.
    ``on_event`` gets every event of every turn, with what was said when it takes transcripts.
    """

    def __init__(self, dialogue: Dialogue, *, live: Callable[[], Dialogue] | None = None,
                 on_event: EventSink | None = None) -> None:
        self.dialogue = dialogue
        self.live = live
        self.on_event = on_event
        self.state = State()
        self.last_input = 0.0
        """When the person last said something (or, for a face that reports it, the kiosk last spoke)."""
        self.opened = False
        """start() or resume() was called: a greeting or the last question is out."""
        self.last: Exchange | None = None
        self.lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._seq = 0
        self.session = 0
        """Counts the sessions begun (a greeting, a reset, a session that ended): work started during one
        session (a second hearing in the background) is dropped when it comes back in another."""

    # --- listeners ----------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every exchange from now on (under the lock: it must not block); returns
        the function that unsubscribes it."""
        with self.lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self.lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # --- steps --------------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        """A person is in a session (said something since the greeting)."""
        return self.state.started

    def start(self, now: float) -> Turn:
        """A fresh session and its greeting (what was there before is dropped without an event)."""
        with self.lock:
            self.state, turn = self.dialogue.start()
            self.last_input = now
            self.opened = True
            self._publish(turn, "", "", "start")
            return turn

    def resume(self, state: State, now: float) -> Turn:
        """Continue ``state`` (a session that lost its microphone goes on by typing): the last question again,
        or the emergency prompt."""
        with self.lock:
            self.state = state
            turn = self.dialogue.resume(state)
            self.last_input = now
            self.opened = True
            self._publish(turn, "", "", "resume")
            return turn

    def hear(self, text: str, now: float, confidence: float = 1.0, source: str = "") -> Turn:
        """One utterance (typed, tapped, or a transcript with the recognizer's confidence) and the answer."""
        with self.lock:
            if self.live is not None and not self.state.started:
                self.dialogue = self.live()
            self.state, turn = self.dialogue.hear(self.state, text, confidence)
            self.last_input = now
            self.opened = True
            self._events(turn, text)
            self._publish(turn, text, source, "turn")
            return turn

    def tick(self, now: float) -> Turn | None:
        """Time has passed: the question asked again, the idle warning, or the idle reset when due; else None."""
        with self.lock:
            self.state, turn = self.dialogue.idle(self.state, now - self.last_input)
            if not self.state.started:
                self.last_input = now  # a fresh session: its silence counts from now
            if turn is None:
                return None
            self._events(turn)
            self._publish(turn, "", "", "idle")
            return turn

    def reset(self, reason: str, now: float) -> Turn:
        """Forget the session now (end of input, staff done, a face's own reset) and greet the next person.
        A session that had started ends with a SESSION_END event giving ``reason``."""
        with self.lock:
            events = (Event(EventKind.SESSION_END, reason),) if self.state.started else ()
            self.state, greeting = self.dialogue.start()
            turn = dataclasses.replace(greeting, events=events)
            self.last_input = now
            self.opened = True
            self._events(turn)
            self._publish(turn, "", "", "reset")
            return turn

    def ask_later(self, flag: str, now: float, session: int, source: str = "") -> Turn | None:
        """A red flag a second hearing of an utterance of ``session`` found (kiosk.core.dialogue's ask_later):
        the next question is that sign's own. Returns the turn when it is asked at once (no question open;
        the listeners get it as kind "ask"), else None. Ignored when that session is over."""
        with self.lock:
            if session != self.session:
                return None
            self.state, turn = self.dialogue.ask_later(self.state, flag)
            if turn is None:
                return None
            self.last_input = max(self.last_input, now)
            self._events(turn)
            self._publish(turn, "", source, "ask")
            return turn

    def not_heard(self, now: float, source: str = "") -> Turn | None:
        """Someone spoke and the recognizer heard no words (Dialogue.not_heard): the turn that says so and asks
        the open question again (listeners get it as kind "unheard"), or None when there is nothing to ask."""
        with self.lock:
            self.state, turn = self.dialogue.not_heard(self.state)
            self.last_input = max(self.last_input, now)
            if turn is None:
                return None
            self._events(turn)
            self._publish(turn, "", source, "unheard")
            return turn

    def activity(self, now: float) -> None:
        """Something that is not input keeps the session alive (the voice kiosk counts its own speech)."""
        with self.lock:
            self.last_input = max(self.last_input, now)

    def more_time(self, now: float, source: str = "") -> Turn | None:
        """"I need more time": the answer yes to the idle warning when it is open; otherwise only activity."""
        with self.lock:
            pending = self.state.pending
            if self.state.started and pending is not None and pending.kind == "idle":
                return self.hear("yes", now, source=source)
            self.activity(now)
            return None

    def next_deadline(self) -> float | None:
        """When :meth:`tick` has something to do next (same time origin as ``now``); None while nobody is in
        a session (the greeting waits for ever)."""
        with self.lock:
            return next_deadline(self.dialogue, self.state, self.last_input)

    # --- inside -------------------------------------------------------------------------------------

    def _events(self, turn: Turn, said: str = "") -> None:
        for event in turn.events:
            emit(self.on_event, event, said)

    def _publish(self, turn: Turn, said: str, source: str, kind: str) -> None:
        self._seq += 1
        self.last = Exchange(turn, self.state, said, source, self._seq, kind)
        if kind in {"start", "reset"} or self.last.ended:
            self.session += 1
        for listener in list(self._listeners):
            try:
                listener(self.last)
            except Exception:  # noqa: BLE001 - one broken face must not stop the others
                log.exception("a face failed to take a turn")


def next_deadline(dialogue: Dialogue, state: State, last_input: float) -> float | None:
    """The time at which ``dialogue.idle`` next has something to say for ``state``, or old misses to forget (see
    Dialogue.idle)."""
    if not state.started:
        return None
    steps = [dialogue.idle_timeout_s]
    if not state.warned_idle:
        steps.append(dialogue.idle_warning_s)
    if (dialogue.reprompt_s and not state.reprompted and state.pending is not None
            and state.phase is not Phase.EMERGENCY and dialogue.reprompt_s < dialogue.idle_warning_s
            and not state.warned_idle):
        steps.append(dialogue.reprompt_s)
    if dialogue.has_misses_to_forget(state):
        steps.append(dialogue.forget_misses_s)
    return last_input + min(steps)


__all__ = ["Conversation", "Exchange", "Listener", "emit", "next_deadline"]
