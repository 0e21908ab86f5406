"""Does a negation ("no", "not", "never", "without"...) cover a matched phrase?

The rule, in the spirit of NegEx: a negation cue covers the words after it, up to ``SCOPE_WORDS`` words,
until a scope breaker ("but", "just", "now", "since"...) or the start of a new clause ("... and my arm is
weak", "no pain my face is numb"). Lists stay inside the scope ("no numbness, tingling or weakness").

Three answers, because a missed emergency is the worst bug: NEGATED only when the negation clearly
covers the phrase; UNCERTAIN when a hedge ("I'm not sure if", "I don't think") or a far-away cue might
cover it, so the dialogue asks instead of clearing it; AFFIRMED otherwise.
"""
from __future__ import annotations

from enum import Enum

NEGATION_CUES = frozenset({"no", "not", "never", "without", "none", "neither", "nor", "nothing", "zero", "hardly"})
HEDGE_AFTER_NOT = frozenset({"sure", "know", "certain", "think", "believe", "positive", "remember", "tell"})
"""After "not": "I'm not sure if my arm is weak" reports a doubt, not an absence."""
PSEUDO_AFTER = {"not": frozenset({"only", "just", "even", "stop", "stopping", "quit", "go", "gone", "going", "helping", "help", "getting", "sleep", "sleeping", "eat", "eaten", "eating"}),
                "no": frozenset({"doubt", "idea", "reason", "matter", "longer", "way", "more"}),
                "nothing": frozenset({"else", "helps", "works", "worked", "helped"})}
"""Cue + word pairs that do not negate what follows ("not only", "no doubt", "nothing helps")."""
BREAKERS = frozenset(
    "but however though although yet except just only still because since so then now when while after "
    "before until which who whereas instead also plus apart besides anyway actually today tonight yesterday "
    "lately recently suddenly".split()
)
"""Words that end a negation's scope."""
CLAUSE_STARTERS = frozenset("i my he she they we his her their our it its this someone everything everyone".split())
PREPOSITIONS = frozenset("in on of at to with from around near by under over for about into across like".split())
SCOPE_WORDS = 8
"""A cue covers at most this many words after it; up to twice as far it makes the match UNCERTAIN."""


class Polarity(str, Enum):
    AFFIRMED = "affirmed"
    NEGATED = "negated"
    UNCERTAIN = "uncertain"


def _cue_kind(words: list[str], i: int) -> str | None:
    """'neg', 'hedge', or None for the word at ``i``."""
    word = words[i]
    if word not in NEGATION_CUES:
        return None
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if word == "not" and nxt in HEDGE_AFTER_NOT:
        return "hedge"
    if nxt in PSEUDO_AFTER.get(word, ()):
        return None
    if word == "no" and nxt in CLAUSE_STARTERS:  # "no, my face is numb": an interjection
        return None
    return "neg"


def _breaks(words: list[str], cue: int, start: int, hedge: bool = False) -> bool:
    """True when something between the cue and the phrase ends the cue's scope.

    A hedge ("not sure if ...") covers the clause that follows it, so only breakers end its scope.
    """
    for j in range(cue + 1, start):
        w = words[j]
        if w in BREAKERS:
            return True
        if hedge:
            continue
        if w in CLAUSE_STARTERS and j > cue + 1 and words[j - 1] not in PREPOSITIONS and words[j - 1] not in NEGATION_CUES:
            if words[j - 1] not in {"and", "or", "nor"} or w not in {"my", "his", "her", "their", "our", "its"} or _verb_follows(words, j, start):
                return True
    return False


def _verb_follows(words: list[str], j: int, start: int) -> bool:
    # "no numbness and my arm is weak": a possessive after "and" starts a clause when a verb follows it
    return any(w in {"is", "are", "was", "were", "feels", "feel", "went", "has", "have", "got", "gets", "seems", "looks"}
               for w in words[j + 1:start + 1])


def polarity(words: list[str], start: int, positions: tuple[int, ...] = ()) -> Polarity:
    """Whether the phrase that begins at word ``start`` is affirmed, negated, or uncertain."""
    inside = set(positions)
    # "my face is not numb" matches the phrase "my face is numb" around the negation: a cue in a gap counts
    for gap in range(start, max(positions, default=start)):
        if gap not in inside:
            kind = _cue_kind(words, gap)
            if kind == "neg":
                return Polarity.NEGATED
            if kind == "hedge":
                return Polarity.UNCERTAIN
    result = Polarity.AFFIRMED
    for cue in range(start - 1, max(-1, start - 2 * SCOPE_WORDS - 1), -1):
        if cue in inside:
            continue
        kind = _cue_kind(words, cue)
        if kind is None:
            if words[cue] in BREAKERS:
                break
            continue
        if _breaks(words, cue, start, hedge=kind == "hedge"):
            break
        if kind == "hedge":
            return Polarity.UNCERTAIN
        if start - cue <= SCOPE_WORDS:
            return Polarity.NEGATED
        result = Polarity.UNCERTAIN
    return result
