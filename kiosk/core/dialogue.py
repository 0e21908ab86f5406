"""The conversation as a pure state machine: (state, what was heard) -> (new state, turn).

No clock, no I/O: idle time is passed in as seconds, and the caller (text kiosk, voice session)
shows or speaks the replies and acts on the events (staff alert, event log). The flow:

    greeting -> description -> [red flag: emergency prompt, repeated, staff alert]
             -> red-flag screening question -> up to three questions that separate the leading causes
             -> summary (likely causes with reasons, what helps, when to see a provider, disclaimer)
             -> "anything else?" -> goodbye and reset

Red flags are screened in every utterance, in every phase, before anything else.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import Enum

from .content import KnowledgeBase
from .intents import Answer, Command, parse_answer, parse_command
from .text import MAX_CHARS, readable_problem, tokens, tokens_with_breaks
from .triage import (
    CAUSE_PLACES,
    Assessment,
    CauseScore,
    Polarity,
    RedFlagHit,
    TriageIndex,
    assess,
    denied_causes,
    fill_from_guess,
    passed_signs,
    score_causes,
    screen_red_flags,
    tells_a_twitch,
)

MAX_CAUSE_QUESTIONS = 3
MAX_UNHEARD = 2
"""Empty hearings in a row that get "Sorry, I did not hear you" and the question again (Dialogue.not_heard);
after that the kiosk waits for words, so a clattering room does not keep it talking."""
SUMMARY_CAUSES = 3
YES_BOOST = 0.9
"""Evidence added to a cause when the person answers yes to its question (about one strong clue)."""
NO_PENALTY = -0.6
PRIOR_CAUSES = ("caffeine", "stress_mood", "medication")
"""Asked about when the description names no cause: the most common causes of a twitching lip."""
PRIOR_WEIGHT = 0.1
"""Score given to a candidate cause with no evidence yet, when choosing which question to ask."""
SCREENING_FLAGS = ("sudden_onset", "one_sided_weakness", "numbness", "dizziness")
NO_OPENERS = frozenset({"no", "nope", "nah", "never", "none", "not"})
ONE_AT_A_TIME = ("sudden_onset", "one_sided_weakness", "numbness", "dizziness", "speech_trouble", "vision_loss",
                 "facial_droop", "confusion")
"""The signs of the screening question, and a drooping face and confusion (signs a relative sees), asked one by
one (as NHS 111 asks them) when a person is unsure of the question about all of them, asks what it means, or
answers it with something that is not a clear no."""
"""First words of a "no" that goes on to say more."""
SMALL_TALK = frozenset("hello hi hey hiya there good morning afternoon evening how are you doing today thanks thank "
                       "is it going ok okay".split())
"""Words of a greeting: a line of these alone is not screened as an unclear opening."""
UNCLEAR = "unclear"
"""The target of the screening question asked after a first line the kiosk could not place."""
MAX_MISSES = 2
"""Misunderstood turns in a row (nothing heard, or only things the kiosk cannot help with) before it
offers typing or a staff member and alerts staff."""


class Phase(str, Enum):
    LISTENING = "listening"
    """Waiting for the person to describe the problem."""
    QUESTION = "question"
    EMERGENCY = "emergency"
    ANYTHING_ELSE = "anything_else"


class Expect(str, Enum):
    FREE = "free"
    YES_NO = "yes_no"
    """The kiosk asked a yes/no question: a recognizer may use a small grammar."""


class EventKind(str, Enum):
    SESSION_START = "session_start"
    SESSION_END = "session_end"
    RED_FLAG = "red_flag"
    EMERGENCY = "emergency"
    STAFF_ALERT = "staff_alert"
    NOT_UNDERSTOOD = "not_understood"
    SUMMARY = "summary"


@dataclass(frozen=True)
class Reply:
    text: str
    urgent: bool = False
    """Said slower and first: the emergency prompt."""


@dataclass(frozen=True)
class Event:
    kind: EventKind
    detail: str = ""


@dataclass(frozen=True)
class Voice:
    """How the kiosk speaks for this person; back to the defaults at every reset."""

    rate: float = 1.0
    """Multiplier of the configured speaking rate."""
    volume: float = 1.0
    """Multiplier of the configured volume."""


VOICE_STEPS = {Command.LOUDER: (1.0, 1.25), Command.SOFTER: (1.0, 0.8), Command.SLOWER: (0.85, 1.0), Command.FASTER: (1.15, 1.0)}
VOICE_LIMITS = {"rate": (0.6, 1.5), "volume": (0.3, 1.0 / 0.8 ** 2)}


@dataclass(frozen=True)
class Turn:
    replies: tuple[Reply, ...]
    events: tuple[Event, ...] = ()
    expect: Expect = Expect.FREE
    voice: Voice = Voice()

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.replies)


@dataclass(frozen=True)
class Pending:
    """The question the kiosk is waiting on."""

    kind: str
    """"screening", "red_flag", "cause", "anything_else" or "idle"."""
    target: str = ""
    text: str = ""

    @property
    def key(self) -> str:
        """Which question this is ("kind:target"), the same however it is worded."""
        return f"{self.kind}:{self.target}"


@dataclass(frozen=True)
class State:
    phase: Phase = Phase.LISTENING
    said: tuple[str, ...] = ()
    """What the person said this session; kept in memory only and dropped at reset."""
    boosts: tuple[tuple[str, float], ...] = ()
    asked: tuple[str, ...] = ()
    pending: Pending | None = None
    screened: bool = False
    misses: int = 0
    last: tuple[Reply, ...] = ()
    warned_idle: bool = False
    reprompted: bool = False
    """The open question was asked again after a silence (voice); once only."""
    unheard: int = 0
    """Times in a row someone spoke while this question was open and the recognizer heard no words."""
    started: bool = False
    flags: tuple[str, ...] = ()
    voice: Voice = Voice()
    paused: Pending | None = None
    """The question that was open when the idle warning was asked; asked again when the person goes on."""
    queue: tuple[str, ...] = ()
    """Red flags still to ask about one at a time (see ONE_AT_A_TIME), after the one pending."""
    later: tuple[str, ...] = ()
    """Red flags a second hearing of something already answered pointed at (:meth:`Dialogue.ask_later`):
    each is the next question asked, before any cause question or the summary."""
    doubted: str = ""
    """The question (Pending.key) whose answer was a "no" heard with low confidence and asked again: a second
    "no" to the same question is taken, as two hearings agree (a short "no" scores low however clearly said)."""

    @property
    def under_way(self) -> bool:
        """A visit is in hand: a description placed, a question open, or an emergency. Lines the kiosk could not
        place (its "Sorry, I did not catch that") are not a visit yet: they may have been the room's talk."""
        return bool(self.said) or self.pending is not None or self.phase is Phase.EMERGENCY


@dataclass(frozen=True)
class Dialogue:
    """The kiosk's conversation rules for one knowledge base. Immutable; safe to share."""

    kb: KnowledgeBase
    emergency_number: str = "911"
    emergency_message: str = ""
    crisis_line: str = ""
    """Said after the emergency prompt when a sign marked ``crisis`` (thoughts of self-harm) raised it, in
    dialogue.toml's crisis_line ("988" in the US); empty: not said."""
    idle_warning_s: float = 90.0
    idle_timeout_s: float = 120.0
    min_confidence: float = 0.5
    reprompt_s: float = 0.0
    """Seconds of silence after a question before it is asked once more (the voice kiosk); 0: never."""
    forget_misses_s: float = 20.0
    """Seconds of silence after which lines not understood, with no visit under way (State.under_way), no longer
    count toward calling a person; 0: never. Someone asked to say it again does so within seconds; a line the kiosk
    could not place a while ago was likely the waiting room's own talk, and the next person starts afresh: a kiosk
    in a loud room that had answered the room once called a person on the visitor's first misheard line
    (benchmarks/noise.md section 21)."""
    screen_unclear: bool = True
    """A first line the kiosk cannot place ("I'm here about my dad", "help me please") gets the screening
    question before anyone is sent away: at a symptom kiosk a vague opening may hide an emergency. Off for a
    home assistant, where most lines are meant for other skills ("turn on the lights")."""
    index: TriageIndex = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.index is None:
            object.__setattr__(self, "index", TriageIndex.build(self.kb))

    # --- public steps -------------------------------------------------------------------------

    def start(self) -> tuple[State, Turn]:
        """A fresh session and its greeting."""
        turn = Turn((Reply(self._say("greeting")),))
        return State(last=turn.replies), turn

    def hear(self, state: State, text: str, confidence: float = 1.0) -> tuple[State, Turn]:
        """React to one utterance (typed, or a transcript with the recognizer's confidence)."""
        events: list[Event] = [] if state.started else [Event(EventKind.SESSION_START)]
        state = dataclasses.replace(state, started=True, warned_idle=False, reprompted=False, unheard=0)
        state, turn = self._hear(state, text or "", confidence)
        if events:
            turn = dataclasses.replace(turn, events=tuple(events) + turn.events)
        if turn.replies and not any(e.kind is EventKind.SESSION_END for e in turn.events):
            state = dataclasses.replace(state, last=turn.replies)
        return state, dataclasses.replace(turn, voice=state.voice)

    def resume(self, state: State) -> Turn:
        """What to say again when a session continues on another channel (voice failed, now typing)."""
        if state.phase is Phase.EMERGENCY:
            return self._emergency_turn(False, state.flags)
        return Turn(state.last or self.start()[1].replies, expect=self._expect(state))

    def ask_later(self, state: State, flag_id: str) -> tuple[State, Turn | None]:
        """A red flag that a second hearing of an utterance already answered points at (the voice kiosk decodes
        the audio again while its reply is spoken): that sign's own yes/no question comes next, and only a yes
        (or "not sure") to it is an emergency. With a question open it is asked right after that one is
        answered (after the signs still queued); with none open (the summary given, or only the greeting) it
        is asked at once, and the turn to say is returned. Nothing changes in an emergency, before a session,
        for an unknown flag, or for a sign already asked or about to be."""
        if (not state.started or state.phase is Phase.EMERGENCY or not self._known_flag(flag_id)
                or flag_id in state.queue or flag_id in state.later or flag_id in state.flags
                or (state.pending is not None and state.pending.target == flag_id)):
            return state, None
        if state.pending is None or state.pending.kind == "anything_else":
            state, turn = self._ask_red_flag(state, flag_id)
            return dataclasses.replace(state, last=turn.replies), turn
        return dataclasses.replace(state, later=state.later + (flag_id,)), None

    def not_heard(self, state: State) -> tuple[State, Turn | None]:
        """Someone spoke while a question was open and the recognizer heard no words (an answer lost in a loud
        room): say so and ask the question again at once, rather than leave the person in silence until the
        reprompt. At most MAX_UNHEARD times in a row, as an empty hearing may also be a clatter; not a miss
        (no staff call), and nothing in an emergency, which repeats on its own."""
        if (not state.started or state.pending is None or state.phase is Phase.EMERGENCY
                or state.unheard >= MAX_UNHEARD):
            return state, None
        turn = Turn(self._then_question(state, self._say("not_heard")), expect=self._expect(state))
        return dataclasses.replace(state, unheard=state.unheard + 1), turn

    def gives_something(self, text: str) -> bool:
        """Whether ``text`` says anything this kiosk acts on: a red flag (affirmed, in doubt or denied), its own
        topic, or a request (help, a person, say that again...). The voice kiosk answers a line that hardly stands
        out of a loud room, with no visit under way (State.under_way), only when this is true
        (kiosk.faces.voice.STAND_OUT_DB)."""
        if len(text) > MAX_CHARS:
            return True  # too long to read here: hear() screens it for red flags all the same
        if readable_problem(text) is not None:
            return False  # no words
        result = assess(text, self.index)
        return bool(result.red_flags or result.unsure_flags or result.negated_flags or result.in_scope
                    or parse_command(text) is not None)

    def idle(self, state: State, idle_s: float) -> tuple[State, Turn | None]:
        """Time has passed with nothing said. Warns once, then forgets the session; lines not understood a while
        ago, with no visit under way, stop counting toward a person (:attr:`forget_misses_s`)."""
        if not state.started:
            return state, None
        if idle_s >= self.idle_timeout_s:
            fresh, greeting = self.start()
            turn = Turn((Reply(self._say("idle_reset")),) + greeting.replies, (Event(EventKind.SESSION_END, "idle"),))
            return fresh, turn
        if self.has_misses_to_forget(state) and idle_s >= self.forget_misses_s:
            state = dataclasses.replace(state, misses=0)  # no longer "in a row": nothing to say for it
        if (self.reprompt_s and idle_s >= self.reprompt_s and idle_s < self.idle_warning_s and not state.reprompted
                and state.pending is not None and state.phase is not Phase.EMERGENCY):
            # no answer to a question: ask it once more (a person may not have heard it)
            turn = Turn(self._then_question(state), expect=self._expect(state))
            return dataclasses.replace(state, reprompted=True), turn
        if idle_s >= self.idle_warning_s and not state.warned_idle:
            if state.phase is Phase.EMERGENCY:
                return dataclasses.replace(state, warned_idle=True), self._emergency_turn(True, state.flags)
            warning = Pending("idle", text=self._say("idle_warning"))
            paused = state.paused if state.pending and state.pending.kind == "idle" else state.pending
            turn = Turn((Reply(warning.text),), expect=Expect.YES_NO)
            return dataclasses.replace(state, warned_idle=True, last=turn.replies, pending=warning, paused=paused), turn
        return state, None

    def has_misses_to_forget(self, state: State) -> bool:
        """Lines not understood, with no visit under way, that :meth:`idle` forgets after
        :attr:`forget_misses_s` of quiet (kiosk.core.conversation.next_deadline wakes it then)."""
        return bool(self.forget_misses_s and state.misses and not state.under_way)

    def doubts_no(self, state: State, text: str, confidence: float) -> bool:
        """Whether ``text``, heard with ``confidence``, is a plain no to the open safety question that :meth:`hear`
        would ask again as possibly misheard ("I want to be sure I heard you right"). A face that can hear the
        answer another way may confirm it first and pass the confidence of a clear hearing
        (kiosk.faces.voice.VoiceSession._no_heard_twice). A second no to the same question is taken anyway."""
        pending = state.pending
        return (pending is not None and pending.kind in {"red_flag", "screening"}
                and confidence < self.min_confidence and state.doubted != pending.key
                and parse_answer(text) is Answer.NO)

    # --- the steps behind hear() -------------------------------------------------------------

    def _hear(self, state: State, text: str, confidence: float) -> tuple[State, Turn]:
        problem = readable_problem(text)
        # Red flags are screened in everything said, however long: a long story can still hold an emergency.
        words, breaks = tokens_with_breaks(text)
        # a readable line is assessed once: its red flags here, its scope and causes below (a second assessment
        # would embed it again); a very long one is only screened
        result = assess(text, self.index) if problem is None else None
        if result is not None:
            affirmed, unsure = list(result.red_flags), list(result.unsure_flags)
            negated: list[str] = list(result.negated_flags)
        else:
            affirmed, unsure, negated, _ = screen_red_flags(words, self.index, breaks, text)

        # Low confidence is never acted on silently, but a possible red flag is asked about, not dropped.
        if confidence < self.min_confidence and not (state.pending and state.pending.kind in {"red_flag", "screening"}):
            flagged: list[RedFlagHit] | list[str] = affirmed or unsure or negated
            if flagged and state.phase is not Phase.EMERGENCY:
                flag_id = flagged[0] if isinstance(flagged[0], str) else flagged[0].id
                return self._ask_red_flag(state, flag_id)
            return self._not_understood(state)

        if affirmed and state.phase is not Phase.EMERGENCY:
            # before any command: "get me a nurse, my arm went weak" is an emergency first
            return self._emergency(state, [h.id for h in affirmed])
        command = parse_command(text) if problem is None else None
        if command is Command.STAFF:
            turn = Turn((Reply(self._say("staff_alert")),), (Event(EventKind.STAFF_ALERT, "asked for a person"),))
            if state.phase is Phase.EMERGENCY:
                turn = dataclasses.replace(turn, replies=turn.replies + self._emergency_turn(True, state.flags).replies)
            return state, turn
        if command is Command.START_OVER or command is Command.STOP:
            key = "start_over" if command is Command.START_OVER else "goodbye"
            fresh, greeting = self.start()
            replies = (Reply(self._say(key)),) + (greeting.replies if command is Command.START_OVER else ())
            return dataclasses.replace(fresh, last=greeting.replies), Turn(replies, (Event(EventKind.SESSION_END, command.value),))

        if state.phase is Phase.EMERGENCY:
            return state, self._emergency_turn(True, state.flags)
        if command in VOICE_STEPS:
            rate_step, volume_step = VOICE_STEPS[command]
            lo_r, hi_r = VOICE_LIMITS["rate"]
            lo_v, hi_v = VOICE_LIMITS["volume"]
            voice = Voice(min(hi_r, max(lo_r, state.voice.rate * rate_step)),
                          min(hi_v, max(lo_v, state.voice.volume * volume_step)))
            state = dataclasses.replace(state, voice=voice)
            return state, Turn(self._then_question(state, self._say(command.value)), expect=self._expect(state))
        if command is Command.REPEAT:
            return state, Turn(state.last or (Reply(self._say("nothing_to_repeat")),), expect=self._expect(state))
        if command is Command.HELP and not unsure:  # "help, help, I need help" is a cry: its question below
            if state.pending is None and self._unclear_opening(state):
                return self._screen_unclear(state, (Reply(self._say("help")),))  # "help me please" may be urgent
            return state, Turn(self._then_question(state, self._say("help")), expect=self._expect(state))

        pending = state.pending
        if pending and pending.kind in {"red_flag", "screening"}:
            return self._after_red_flag_answer(state, text, unsure, confidence, result)
        if unsure and all(h.context == "question" for h in unsure):
            return self._warning_signs(state, text)
        if unsure:
            # each sign in doubt is asked about, a start time last (it says least on its own)
            order = sorted(unsure, key=lambda h: h.id == "sudden_onset")
            first, rest = order[0], tuple(dict.fromkeys(h.id for h in order[1:] if h.id != order[0].id))
            if result is not None and pending is None and result.in_scope:
                # the description is kept for the cause questions that follow the answers
                state = dataclasses.replace(state, said=state.said + (text,), phase=Phase.QUESTION)
            return self._ask_red_flag(state, first.id, past=first.polarity is Polarity.PAST, queue=rest)
        if problem is not None:
            return self._not_understood(state, too_long=bool(words))
        if pending and pending.kind == "idle":
            # back to the question that was open before "Do you need more time?"
            answer = parse_answer(text)
            previous = state.paused
            state = dataclasses.replace(state, pending=previous, paused=None)
            if answer is Answer.NO:
                return self._goodbye("done")
            if answer in {Answer.YES, Answer.UNSURE}:
                if previous is not None:
                    return state, Turn((Reply(previous.text),), expect=self._expect(state))
                return state, Turn((Reply(self._say("ask_describe")),))
            pending = previous
            if pending and pending.kind in {"red_flag", "screening"}:
                return self._after_red_flag_answer(state, text, unsure, confidence, result)
        if pending and pending.kind == "cause":
            return self._after_cause_answer(state, text)
        if pending and pending.kind == "anything_else":
            answer = parse_answer(text)
            if answer is Answer.NO:
                return self._goodbye("done")
            # The summary is given: what was said so far is forgotten, and a new problem is judged afresh.
            state = State(started=True, voice=state.voice, last=state.last)
            if answer in {Answer.YES, Answer.UNSURE} and len(words) <= 3:
                return state, Turn((Reply(self._say("ask_describe")),))
        return self._describe(dataclasses.replace(state, pending=None), text, result)

    def _goodbye(self, reason: str) -> tuple[State, Turn]:
        fresh, greeting = self.start()
        return dataclasses.replace(fresh, last=greeting.replies), Turn(
            (Reply(self._say("goodbye")),) + greeting.replies, (Event(EventKind.SESSION_END, reason),))

    def _describe(self, state: State, text: str, result: Assessment | None = None) -> tuple[State, Turn]:
        """A description of the problem (``result``: its assessment, when made already): scope, then questions,
        then the summary."""
        result = result or assess(text, self.index)
        if not result.in_scope:
            if state.said:  # mid-session small talk: keep going with what we have
                return self._next_question(state)
            # a line about something else is sent away, unless the kiosk's own topic was heard in it too: a
            # recognizer can make "lip's been twitching" into "live and steam twitching", so it is screened first
            if (self._unclear_opening(state) and (not result.about_else or result.set_aside)
                    and not set(tokens(text)) <= SMALL_TALK):
                return self._screen_unclear(dataclasses.replace(state, misses=state.misses + 1))
            if state.misses >= MAX_MISSES:  # the third thing in a row the kiosk cannot help with: a person can
                return self._not_understood(dataclasses.replace(state, misses=MAX_MISSES - 1))
            state = dataclasses.replace(state, phase=Phase.LISTENING, misses=state.misses + 1)
            return state, Turn((Reply(self._say("out_of_scope")),))
        state = dataclasses.replace(state, said=state.said + (text,), misses=0, phase=Phase.QUESTION,
                                    screened=state.screened or self._screening_answered(result))
        return self._next_question(state)

    def _unclear_opening(self, state: State) -> bool:
        """Nothing placed yet and the screening question not asked: a line the kiosk cannot place is screened."""
        return self.screen_unclear and not state.said and not state.screened

    def _screen_unclear(self, state: State, first: tuple[Reply, ...] = ()) -> tuple[State, Turn]:
        """The screening question after a line the kiosk cannot place; a clear no then leads back to listening."""
        state, turn = self._ask(dataclasses.replace(state, screened=True),
                                Pending("screening", UNCLEAR, self._say("unclear_screening_question")))
        return state, self._after(turn, *first, Reply(self._say("unclear_opening")))

    def _screening_answered(self, result: Assessment) -> bool:
        return set(SCREENING_FLAGS) <= set(result.negated_flags)

    def _next_question(self, state: State) -> tuple[State, Turn]:
        if state.later:  # a sign only a second hearing found: asked before anything else
            first, rest = state.later[0], state.later[1:]
            return self._ask_red_flag(dataclasses.replace(state, later=rest), first, queue=state.queue)
        if not state.screened:
            text = self._say("screening_question")
            pending = Pending("screening", text=text)
            return self._ask(dataclasses.replace(state, screened=True), pending)
        if not state.said:
            # screened after a line the kiosk could not place, and nothing about a twitch said yet
            # the unplaced opening still counts toward a person coming after three such lines in a row
            state = dataclasses.replace(state, phase=Phase.LISTENING, pending=None, queue=(), misses=1)
            return state, Turn((Reply(self._say("nothing_found")),))
        cause_questions = [a for a in state.asked if a.startswith("cause:")]
        if not cause_questions and not self._told_a_twitch(state) and self._told_a_passed_sign(state):
            # no twitch to ask about: its causes' questions would be beside the point
            return self._summary(state, passed=True)
        if len(cause_questions) < MAX_CAUSE_QUESTIONS:
            question = self._best_question(state)
            if question is not None:
                return self._ask(state, question)
        return self._summary(state)

    def _best_question(self, state: State) -> Pending | None:
        """The question that best separates the leading causes: the one whose answer is least predictable,
        so it tells the most (the most information when a yes points to that cause and a no away from it).
        A cause's chance is its share of the candidates' scores. With fewer than two causes in play, the
        most common causes (PRIOR_CAUSES) are candidates too. One question per cause."""
        scores = self._scores(state)
        if len(scores) == 1 and scores[0].score >= 0.9 and len(state.asked) > 1:
            return None  # one clear cause, already confirmed: no need to ask about others
        candidates = [c.id for c in scores[:SUMMARY_CAUSES]]
        if len(candidates) < 2:
            candidates += [c for c in PRIOR_CAUSES if c not in candidates and any(k.id == c for k in self.kb.causes)]
        asked = {a.split(":")[1] for a in state.asked if a.startswith("cause:")} | self._ruled_out(state)
        options = [cid for cid in candidates if cid not in asked and self.kb.cause(cid).questions]
        if not options:
            return None
        current = {c.id: c.score for c in scores}
        weights = {cid: max(current.get(cid, 0.0), PRIOR_WEIGHT) for cid in candidates}
        total = sum(weights.values())
        best = max(options, key=lambda cid: (round(_answer_entropy(weights[cid] / total), 6), -candidates.index(cid)))
        return Pending("cause", best, self.kb.cause(best).questions[0])

    def _ask(self, state: State, pending: Pending) -> tuple[State, Turn]:
        key = pending.kind if pending.kind != "cause" else f"cause:{pending.target}:{self.kb.cause(pending.target).questions.index(pending.text)}"
        state = dataclasses.replace(state, pending=pending, asked=state.asked + (key,), phase=Phase.QUESTION, doubted="")
        return state, Turn((Reply(pending.text),), expect=Expect.YES_NO)

    def _ask_red_flag(self, state: State, flag_id: str, past: bool = False,
                      queue: tuple[str, ...] = ()) -> tuple[State, Turn]:
        flag = self.kb.red_flag(flag_id)
        text = self._say("red_flag_confirm", flag=flag.name) if past or not flag.question else flag.question
        return self._ask(dataclasses.replace(state, queue=queue), Pending("red_flag", flag_id, text))

    def _after_red_flag_answer(self, state: State, text: str, unsure: list[RedFlagHit], confidence: float,
                               result: Assessment | None = None) -> tuple[State, Turn]:
        """Only a clear "no" clears a sign. A sign said or described in the answer is acted on like a first
        description; "huh?" or "what does numb mean?" gets the question again in simpler words (the screening
        question one sign at a time); "not sure" to several signs leads to them one at a time, and to one
        sign counts as yes. A "no" heard with low confidence is asked again, never taken at once; a second "no" to
        the same question is taken (see State.doubted)."""
        answer = parse_answer(text)
        pending = state.pending
        assert pending is not None
        words = tokens(text)
        now = [h for h in unsure if h.polarity is not Polarity.PAST]  # "no, that was years ago"
        if answer is Answer.CLARIFY:
            # "what does numb mean?", "does the numb bit from the dentist count?": a question about the
            # question, not a report of the sign (a sign said plainly was raised before this point)
            now = []
        if now:
            if answer is Answer.YES or any(h.id == pending.target for h in now):
                return self._emergency(state, [pending.target or now[0].id])
            # Signs described in other words: ask about each (a start time last: it says least), then what was
            # asked and not answered (the screening question's signs one at a time), so only a no clears.
            found = sorted(dict.fromkeys(h.id for h in now), key=lambda f: f == "sudden_onset")
            unanswered = ONE_AT_A_TIME if pending.kind == "screening" else (pending.target,) + state.queue
            queue = tuple(found[1:]) + tuple(f for f in unanswered if f not in found and self._known_flag(f))
            return self._ask_red_flag(state, found[0], queue=queue)
        if answer is Answer.CLARIFY:
            if pending.kind == "screening":
                return self._one_at_a_time(state, "screening_one_at_a_time")
            return self._explain_red_flag(state)
        if answer is Answer.UNSURE:
            if pending.kind == "screening":
                return self._one_at_a_time(state, "screening_unsure")
            return self._emergency(state, [pending.target])
        if answer is Answer.YES:
            return self._emergency(state, [pending.target] if pending.target else ["screening"])
        if answer is Answer.UNKNOWN and words and words[0] in NO_OPENERS and not _turns_after_no(words):
            answer = Answer.NO  # "no numbness", "nope, just the twitch": a no with more said
        if answer is not Answer.NO:
            # a description with no sign in it, or something else: not a clear no, so not cleared
            if (result := result or assess(text, self.index)).in_scope:
                if pending.target == UNCLEAR:
                    # the twitch, said now: described, then screened as usual
                    return self._describe(dataclasses.replace(state, pending=None, screened=False, misses=0), text,
                                          result)
                if pending.kind == "red_flag":
                    # the twitch described instead of an answer ("my lip twitches since lunch" to "Did it start all
                    # of a sudden?"): understood, so kept and no miss, and the question put again (only a no clears)
                    state = dataclasses.replace(state, said=state.said + (text,), misses=0)
                    return state, Turn(self._then_question(state, self._say("yes_no_retry")), expect=Expect.YES_NO)
            if pending.kind == "screening":
                return self._one_at_a_time(state, "screening_one_at_a_time")
            return self._not_understood(state)
        if confidence < self.min_confidence and state.doubted != pending.key:
            # a "no" that may have been misheard is asked again, never taken at once; not a miss (it was heard)
            state = dataclasses.replace(state, doubted=pending.key)
            return state, Turn(self._then_question(state, self._say("check_no")), expect=Expect.YES_NO)
        state = dataclasses.replace(state, doubted="", misses=0)  # a no, heard: the misses in a row are over
        if state.queue:
            return self._ask_red_flag(state, state.queue[0], queue=state.queue[1:])
        state = dataclasses.replace(state, pending=None, misses=0)
        rest = " ".join(tokens(text)[1:])
        if rest and assess(rest, self.index).in_scope:
            state = dataclasses.replace(state, said=state.said + (rest,))
        return self._next_question(state)

    def _known_flag(self, flag_id: str) -> bool:
        return any(f.id == flag_id for f in self.kb.red_flags)

    def _one_at_a_time(self, state: State, intro_key: str) -> tuple[State, Turn]:
        """The screening question's signs one by one, with a short line first."""
        first, rest = ONE_AT_A_TIME[0], tuple(f for f in ONE_AT_A_TIME[1:] if self._known_flag(f))
        state, turn = self._ask_red_flag(state, first, queue=rest)
        return state, self._after(turn, Reply(self._say(intro_key)))

    def _explain_red_flag(self, state: State) -> tuple[State, Turn]:
        """The open question again, after the sign in simpler words. Asked for too often: a person comes."""
        pending = state.pending
        assert pending is not None
        misses = state.misses + 1
        if misses > MAX_MISSES:
            events = (Event(EventKind.NOT_UNDERSTOOD, str(misses)), Event(EventKind.STAFF_ALERT, "not understood"))
            return dataclasses.replace(state, misses=0), Turn(
                self._then_question(state, self._say("not_understood_again")), events, self._expect(state))
        flag = self.kb.red_flag(pending.target)
        replies = self._then_question(state, *((flag.explain,) if flag.explain else ()))
        return dataclasses.replace(state, misses=misses, last=replies), Turn(replies, expect=Expect.YES_NO)

    def _warning_signs(self, state: State, text: str) -> tuple[State, Turn]:
        """A question about warning signs ("what if my face went numb?") gets an answer, not the emergency
        prompt; then the screening question, so a person who has a sign can still say so."""
        answer = Reply(self._say("warning_signs", number=self.emergency_number))
        result = assess(text, self.index)
        if result.in_scope:
            state = dataclasses.replace(state, said=state.said + (text,), phase=Phase.QUESTION)
        question = self._say("screening_question")
        state = dataclasses.replace(state, screened=True)
        state, turn = self._ask(state, Pending("screening", text=question))
        return state, self._after(turn, answer)

    def _after_cause_answer(self, state: State, text: str) -> tuple[State, Turn]:
        pending = state.pending
        assert pending is not None
        answer = parse_answer(text)
        state = dataclasses.replace(state, pending=None, misses=0)  # heard: a yes, a no, or more description
        if answer in {Answer.YES, Answer.UNSURE}:
            # A question that asks about a red flag ("Is one side of your face weak?") gets a red-flag answer.
            question, marks = tokens_with_breaks(pending.text)
            asked, maybe, _, _ = screen_red_flags(question, self.index, marks)
            flags = [h.id for h in asked + maybe]
            if flags and answer is Answer.YES:
                return self._emergency(state, flags)
            if flags:
                return self._ask_red_flag(state, flags[0])
        if answer is Answer.YES:
            state = dataclasses.replace(state, boosts=state.boosts + ((pending.target, YES_BOOST),))
        elif answer is Answer.NO:
            state = dataclasses.replace(state, boosts=state.boosts + ((pending.target, NO_PENALTY),))
        if answer is Answer.UNKNOWN or len(tokens(text)) > 3:
            state = dataclasses.replace(state, said=state.said + (text,))
        return self._next_question(state)

    def _skip_cause_question(self, state: State) -> tuple[State, Turn]:
        """A cause question whose answer was not heard clearly, again: left unanswered (the answer is not used),
        and the next question. Worth no staff call: in a loud room a "not really" heard twice with low confidence
        called a person (benchmarks/noise.md section 17.8). A sign in such an answer is still asked about first."""
        state, turn = self._next_question(dataclasses.replace(state, pending=None, misses=0))
        return state, self._after(turn, Reply(self._say("cause_unclear")))

    @staticmethod
    def _said_words(state: State) -> tuple[list[str], dict[int, str]]:
        """The words of everything described this session, one utterance after another, and their breaks."""
        words: list[str] = []
        breaks: dict[int, str] = {}
        for utterance in state.said:
            said, marks = tokens_with_breaks(utterance)
            breaks.update({len(words) + i: kind for i, kind in marks.items()})
            words += said + ["then"]  # "then" ends a negation's scope between utterances
        return words, breaks

    @staticmethod
    def _boosts(state: State) -> dict[str, float]:
        """Each cause's weight from the answers to its questions, summed."""
        boosts: dict[str, float] = {}
        for cid, value in state.boosts:
            boosts[cid] = boosts.get(cid, 0.0) + value
        return boosts

    def _ruled_out(self, state: State) -> frozenset[str]:
        """Causes the person said no to: their own question answered no, or only denied in what they said ("I
        don't drink coffee"). Never asked about, and never put back by the cause guess."""
        words, breaks = self._said_words(state)
        boosts = self._boosts(state)
        answered_no = {cid for cid, value in boosts.items() if value < 0.0}
        return frozenset(answered_no) | (denied_causes(words, self.index, breaks) - set(boosts))

    def _scores(self, state: State) -> list[CauseScore]:
        words, breaks = self._said_words(state)
        scores = score_causes(words, self.index, self._boosts(state), breaks)
        if self.index.meaning is None or len(scores) >= CAUSE_PLACES:  # full: no model call for a guess
            return scores
        # places the clues leave empty go to the meaning layer's cause guess for all that was described, but never
        # a cause ruled out: the guess reads the description's meaning, not its "no"s
        out = self._ruled_out(state)
        guess = self.index.meaning.guess_causes(" ".join(state.said)[:MAX_CHARS])
        return fill_from_guess(scores, [(cid, chance) for cid, chance in guess if cid not in out])

    def _told_a_twitch(self, state: State) -> bool:
        """A twitch or another of the kiosk's symptoms was told of (triage.tells_a_twitch): cheap, phrases only."""
        return any(tells_a_twitch(said, self.index) for said in state.said)

    def _told_a_passed_sign(self, state: State) -> bool:
        """A stroke's sign was told as come and gone ("I had a TIA last week"): a triage of each description."""
        return any(passed_signs(said, self.index) for said in state.said)

    def _summary(self, state: State, passed: bool | None = None) -> tuple[State, Turn]:
        """``passed``: whether a passed stroke sign was told, when the caller has found out already."""
        replies = []
        if passed is None:
            passed = self._told_a_passed_sign(state)
        if passed:
            # first: a stroke's warning that has passed needs a provider soon, whatever causes the twitch
            replies.append(Reply(self._say("passed_warning", number=self.emergency_number)))
        only_passed = passed and not self._told_a_twitch(state)
        scores = [] if only_passed else [s for s in self._scores(state) if s.score > 0.2][:SUMMARY_CAUSES]
        if only_passed:
            replies.append(Reply(self._say("passed_only")))  # no twitch care for a twitch not told of
        elif scores:
            replies.append(Reply(self._say("summary_intro")))
            for s in scores:
                cause = self.kb.cause(s.id)
                clue = " and ".join(s.evidence[:2])
                reason_template = cause.reason or self._say("reason_default", clue="{clue}")
                reason = reason_template.format(clue=clue) if clue else cause.explanation
                replies.append(Reply(self._say("summary_cause", name=cause.name, reason=reason.rstrip("."))))
            top = self.kb.cause(scores[0].id)
            # a cause named with no words said is explained in its own line already: not said twice in a row
            replies += [Reply(top.explanation)] if scores[0].evidence else []
            replies += [Reply(self._say("summary_home")), Reply(top.home_care),
                        Reply(self._say("summary_when")), Reply(top.see_provider)]
        else:
            replies += [Reply(self._say("summary_none")), Reply(self._say("summary_home")),
                        Reply(self.kb.guidance["home_measures"]), Reply(self._say("summary_when")),
                        Reply(self.kb.guidance["when_to_see"]), Reply(self.kb.guidance["diagnosis"])]
        replies += [Reply(self.kb.guidance["disclaimer"]), Reply(self._say("anything_else"))]
        state = dataclasses.replace(state, phase=Phase.ANYTHING_ELSE,
                                    pending=Pending("anything_else", text=self._say("anything_else")))
        detail = ",".join(s.id for s in scores)
        return state, Turn(tuple(replies), (Event(EventKind.SUMMARY, detail),), Expect.FREE)

    def _emergency(self, state: State, flag_ids: list[str]) -> tuple[State, Turn]:
        state = dataclasses.replace(state, phase=Phase.EMERGENCY, pending=None, flags=tuple(flag_ids))
        turn = self._emergency_turn(False, state.flags)
        events = (Event(EventKind.RED_FLAG, ",".join(flag_ids)), Event(EventKind.EMERGENCY, ",".join(flag_ids)),
                  Event(EventKind.STAFF_ALERT, "emergency"))
        return state, dataclasses.replace(turn, events=events)

    def _emergency_turn(self, repeat: bool, flags: tuple[str, ...]) -> Turn:
        """The emergency prompt (only its short repeat when ``repeat``), and the crisis line after it when one of
        the session's ``flags`` is a crisis sign."""
        first = self._say("emergency", number=self.emergency_number)
        if self.emergency_message:
            try:
                first = self.emergency_message.format(number=self.emergency_number)
            except (KeyError, IndexError, ValueError):  # a bad setting must never lose the emergency prompt
                pass
        again = Reply(self._say("emergency_repeat", number=self.emergency_number), urgent=True)
        replies: tuple[Reply, ...] = (again,) if repeat else (Reply(first, urgent=True), again)
        if self.crisis_line and any(f.crisis and f.id in flags for f in self.kb.red_flags):
            # after the prompt, never instead of it: a person in crisis also gets a line to talk to someone
            replies += (Reply(self._say("crisis_line", line=self.crisis_line), urgent=True),)
        return Turn(replies)

    def _not_understood(self, state: State, too_long: bool = False) -> tuple[State, Turn]:
        """Say so and ask again; :data:`MAX_MISSES` misses in a row call a person, except on a cause question,
        which is skipped instead (:meth:`_skip_cause_question`)."""
        misses = state.misses + 1
        if misses >= MAX_MISSES and state.pending and state.pending.kind == "cause":
            return self._skip_cause_question(state)
        state = dataclasses.replace(state, misses=misses)
        if misses >= MAX_MISSES:
            events = (Event(EventKind.NOT_UNDERSTOOD, str(misses)), Event(EventKind.STAFF_ALERT, "not understood"))
            return dataclasses.replace(state, misses=0), Turn((Reply(self._say("not_understood_again")),), events)
        first = self._say("too_long") if too_long else self._say("not_understood")
        return state, Turn(self._then_question(state, first), (Event(EventKind.NOT_UNDERSTOOD, str(misses)),),
                           self._expect(state))

    @staticmethod
    def _after(turn: Turn, *first: Reply) -> Turn:
        """``turn`` with the replies ``first`` said before its own (a short line before a question)."""
        return dataclasses.replace(turn, replies=first + turn.replies)

    @staticmethod
    def _then_question(state: State, *lines: str) -> tuple[Reply, ...]:
        """``lines``, then the open question again (when one is open), so the person is never left without it."""
        return tuple(Reply(line) for line in lines) + ((Reply(state.pending.text),) if state.pending else ())

    def _expect(self, state: State) -> Expect:
        return Expect.YES_NO if state.pending and state.pending.kind != "anything_else" else Expect.FREE

    def _say(self, key: str, **values: str) -> str:
        return self.kb.dialogue[key].format(**values) if values else self.kb.dialogue[key]


TURNING_WORDS = frozenset({"but", "though", "although", "except", "however", "only"})
"""After a no, these start something else that is said: "no pain, but half of what I see has gone grey"."""


def _turns_after_no(words: list[str]) -> bool:
    """True for "no X but Y": a no that goes on to describe something, so not a clear no."""
    return any(w in TURNING_WORDS for w in words[1:]) and len(words) > 3


def _answer_entropy(p_yes: float) -> float:
    """Bits of information in a yes/no answer that comes out yes with chance ``p_yes``."""
    return -sum(p * math.log2(p) for p in (p_yes, 1.0 - p_yes) if p > 0)
