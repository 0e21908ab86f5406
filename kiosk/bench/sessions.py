"""Session-level safety: whole conversations with a simulated visitor, not single utterances.

A visitor with an emergency says the case, then answers every question truthfully in their own words: the
screening question with a description of their sign that avoids the kiosk's words, a question about one of
their signs with that description (and "yes" if it is asked again), a question about a sign they do not have
with "no", a cause question with "not really". The emergency prompt must come. A visitor without one answers
every question "no", or first asks what the question means (in one of several wordings) and then answers "no";
the prompt must not come. Pure: the dialogue is stepped directly, with no clock.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..core.dialogue import Dialogue, EventKind, Phase

SIGN_FLAGS = {
    "sudden": ("sudden_onset",), "weakness": ("one_sided_weakness",), "numbness": ("numbness",),
    "drooping": ("facial_droop",), "dizziness": ("dizziness",), "speech": ("speech_trouble",),
    "vision": ("vision_loss",), "confusion": ("confusion",), "headache": ("worst_headache",),
    "fainting": ("passing_out",), "seizure": ("passing_out",),
}
"""The blind sets' sign names -> the red flags a truthful visitor says yes to."""
BODY_SIGNS = {"weakness", "numbness", "drooping"}
"""Signs that are a yes to the question about a face, arm or leg that is numb, weak or drooping."""
CLARIFY_WORDINGS = ("huh", "what does numb mean", "sorry I didn't hear you", "I don't understand the question",
                    "one at a time please", "maybe", "I don't know")
"""How a visitor without an emergency may first answer the kiosk's first question (the wordings of issue 9)."""
UNSURE_WORDINGS = frozenset({"maybe", "I don't know"})
"""Of those, the ones that are unsure rather than a request to explain: said only to the screening question
(several signs at once). To a question about one sign an unsure answer counts as yes, by design, so a visitor
without that sign answers it "no"."""
MAX_TURNS = 25


@dataclass(frozen=True)
class Visitor:
    """One scripted visitor."""

    id: str
    opening: str
    emergency: bool
    signs: tuple[str, ...] = ()
    description: str = ""
    """Their own words for their sign, said when asked about it ("the floor keeps tipping")."""
    first_answer: str = "no"
    """What they say to the first question (a clarifying request, or their plain answer)."""


@dataclass
class SessionOutcome:
    visitor: Visitor
    prompted: bool
    """The emergency prompt came."""
    turns: int
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.prompted == self.visitor.emergency


def _answer(visitor: Visitor, pending_kind: str, target: str, asked_before: int, first: bool) -> str:
    if first and visitor.first_answer and (visitor.first_answer not in UNSURE_WORDINGS or pending_kind == "screening"):
        return visitor.first_answer
    flags = {f for s in visitor.signs for f in SIGN_FLAGS.get(s, ())}
    if pending_kind == "screening":
        return visitor.description if visitor.emergency and visitor.description else ("yes" if flags else "no")
    if pending_kind == "red_flag":
        has = target in flags or (target == "unclear_sign" and bool(BODY_SIGNS & set(visitor.signs)))
        if not has:
            return "no"
        return visitor.description if asked_before == 0 and visitor.description else "yes"
    if pending_kind == "idle":
        return "yes"
    return "not really"


def prompted(turn, state) -> bool:
    """The emergency prompt came in this turn, or the session is in its emergency phase."""
    return any(e.kind is EventKind.EMERGENCY for e in turn.events) or state.phase is Phase.EMERGENCY


@dataclass
class Script:
    """What one visitor says: the opening, then an answer to each question the kiosk leaves open, in the visitor's
    own words (see the module's docstring). Shared by the typed sessions here and the spoken ones
    (kiosk.bench.spoken_sessions), so both play the same visitor."""

    visitor: Visitor
    asked: dict[str, int] = field(default_factory=dict)
    lines: int = 0

    def next_line(self, state) -> str | None:
        """The next thing the visitor says, given the dialogue's state after the kiosk's last turn; None when the
        session has ended (no question open, or the closing "anything else?")."""
        if self.lines == 0:
            self.lines = 1
            return self.visitor.opening
        pending = state.pending
        if pending is None or pending.kind == "anything_else" or state.phase is Phase.ANYTHING_ELSE:
            return None
        said = _answer(self.visitor, pending.kind, pending.target, self.asked.get(pending.key, 0), self.lines == 1)
        self.asked[pending.key] = self.asked.get(pending.key, 0) + 1
        self.lines += 1
        return said


def run_session(dialogue: Dialogue, visitor: Visitor) -> SessionOutcome:
    """Play one visitor through the dialogue until the emergency prompt, the summary or MAX_TURNS."""
    state, _ = dialogue.start()
    script = Script(visitor)
    transcript: list[tuple[str, str]] = []
    for turn_number in range(1, MAX_TURNS + 1):
        said = script.next_line(state)
        if said is None:
            return SessionOutcome(visitor, False, turn_number - 1, transcript)
        state, turn = dialogue.hear(state, said)
        transcript.append((said, turn.text))
        if prompted(turn, state):
            return SessionOutcome(visitor, True, turn_number, transcript)
    return SessionOutcome(visitor, False, MAX_TURNS, transcript)


def visitors_from_sessions(cases: Iterable[dict]) -> list[Visitor]:
    """The blind sets' session files: each emergency once per description; each non-emergency with a plain
    answer (its own words) and with each of its clarifying requests first."""
    out = []
    for c in cases:
        signs = tuple(c.get("signs") or ())
        if c["emergency"]:
            for k, answer in enumerate(c.get("answers") or ["yes"]):
                out.append(Visitor(f"{c['id']}/a{k}", c["text"], True, signs, answer, first_answer=""))
        else:
            for k, answer in enumerate(c.get("answers") or ["no"]):
                out.append(Visitor(f"{c['id']}/a{k}", c["text"], False, (), "", first_answer=answer))
            for k, ask in enumerate(c.get("clarify") or ()):
                out.append(Visitor(f"{c['id']}/c{k}", c["text"], False, (), "", first_answer=ask))
    return out


def visitors_from_cases(cases: Iterable[dict], wordings: Sequence[str] = CLARIFY_WORDINGS) -> list[Visitor]:
    """Vignette files (no scripted answers): an emergency answers the screening question "yes"; a
    non-emergency answers "no" to everything, and again after each clarifying wording first."""
    out = []
    for c in cases:
        if c.get("emergency") is True:
            out.append(Visitor(c["id"], c["text"], True, ("sudden",), "", first_answer=""))
        elif c.get("emergency") is False and c.get("in_scope", True) is not False:
            out.append(Visitor(c["id"], c["text"], False))
            out += [Visitor(f"{c['id']}/{w}", c["text"], False, first_answer=w) for w in wordings]
    return out


def summarize(outcomes: Sequence[SessionOutcome]) -> dict[str, str]:
    """Session sensitivity (prompt came for every emergency visitor) and specificity (it did not for the rest)."""
    em = [o for o in outcomes if o.visitor.emergency]
    ok = [o for o in outcomes if not o.visitor.emergency]
    caught = sum(o.prompted for o in em)
    clear = sum(not o.prompted for o in ok)
    return {
        "sessions": str(len(outcomes)),
        "session sensitivity": f"{caught / max(1, len(em)):.1%} ({caught}/{len(em)})",
        "session specificity": f"{clear / max(1, len(ok)):.1%} ({clear}/{len(ok)})",
        "mean turns": f"{sum(o.turns for o in outcomes) / max(1, len(outcomes)):.1f}",
    }
