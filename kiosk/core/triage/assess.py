"""Text in, assessment out: red flags first and on their own, then causes, then scope.

Pure functions over a :class:`TriageIndex` built once from the knowledge base; no I/O, no clock.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from ..content import KnowledgeBase
from ..text import MAX_CHARS, fluent, tokens, tokens_with_breaks
from .matching import STOPWORDS, Match, PhraseIndex, SplitSigns, drop_contained, one_named_again, stem
from .meaning import JUDGE_MIN, PEOPLE, Embed, Judge, MeaningIndex, Reading
from .negation import (
    CLAUSE_STARTERS,
    DENIALS_AFTER,
    NEGATION_CUES,
    Polarity,
    both_sides,
    came_and_went,
    cue_just_before,
    in_the_past,
    long_ago_in,
    long_standing_in,
    mentioned,
    polarity,
    said_today,
    sentence_window,
    settled,
    told_as_now,
    weeks_back,
    years_back,
)

CAUSE_MIN_EVIDENCE = 0.25
"""Least summed clue weight for a cause to be listed at all (one weak clue is 0.3)."""
CONFIDENT_SCORE = 0.55
"""A leading cause below this score, or one close to the runner-up, makes the dialogue ask more."""


@dataclass(frozen=True)
class RedFlagHit:
    id: str
    said: str
    """The words that matched, as said (for a meaning hit, the clause)."""
    polarity: Polarity
    how: str = "phrase"
    """"phrase" (the content's phrases and pairs) or "meaning" (close to the content's examples)."""
    example: str = ""
    """A meaning hit: the red flag's example it is closest to. A phrase hit asked about because of its
    context: the "not now" example (meaning.toml) its sentence is closest to."""
    score: float = 1.0
    """Cosine similarity to ``example`` (1.0 for a plain phrase hit)."""
    context: str = ""
    """Why a phrase hit is asked about rather than raised: the "not now" kind ("question", "past", ...), or
    "doubted" when the second opinion doubts it."""
    chance: float | None = None
    """The second opinion's chance that the sentence reports an emergency now (a phrase hit it looked at)."""

    def evidence(self) -> dict[str, Any]:
        """How it was found, for the batch answer (so a clinician can see why, and add an example)."""
        out: dict[str, Any] = {"id": self.id, "said": self.said, "how": self.how, "certain": self.polarity is Polarity.AFFIRMED}
        if self.example:
            out.update(example=self.example, score=round(self.score, 3))
        if self.context:
            out["context"] = self.context
        if self.chance is not None:
            out["second_opinion"] = round(self.chance, 3)
        if self.polarity is Polarity.PAST:
            out["past"] = True
        return out


@dataclass(frozen=True)
class CauseScore:
    id: str
    score: float
    """0..1, grows with the number and specificity of clues."""
    evidence: tuple[str, ...]
    """What the person said that points here, e.g. ("energy drinks",)."""


@dataclass(frozen=True)
class Assessment:
    text: str
    emergency: bool
    """A red flag was reported and not negated."""
    red_flags: tuple[RedFlagHit, ...]
    """Affirmed red flags."""
    unsure_flags: tuple[RedFlagHit, ...]
    """Red flags that may be negated or hedged (UNCERTAIN) or said to be years back (PAST): never cleared
    silently, the dialogue asks."""
    negated_flags: tuple[str, ...]
    settled_flags: tuple[RedFlagHit, ...]
    """Signs said to be long past and over: history, shown in the evidence, never asked about or raised."""
    causes: tuple[CauseScore, ...]
    in_scope: bool
    clarify: bool
    """True when a follow-up question would help (no clear cause, a close call, or an unsure red flag)."""
    scope_words: tuple[str, ...] = ()
    about_else: bool = False
    """Words of something else were said ("my cat's tail", "streaming on twitch"): the line is about that."""
    set_aside: tuple[str, ...] = ()
    """Words of the kiosk's topic said in the same clause as words of something else, and so not counted
    ("streaming on twitch", or "lip's been twitching" misheard as "live and steam twitching")."""

    @property
    def ask(self) -> tuple[str, ...]:
        """The red flags the kiosk asks about first (a yes/no question each), before anything else."""
        return tuple(dict.fromkeys(h.id for h in self.unsure_flags))

    def to_json(self) -> dict[str, Any]:
        """The batch interface's JSON object (``kiosk triage --json``). ``emergency`` is true only where the
        kiosk gives the emergency prompt at once; ``ask`` lists the red flags it would first ask about."""
        return {
            "emergency": self.emergency,
            "ask": list(self.ask),
            "red_flags": list(dict.fromkeys(h.id for h in self.red_flags + self.unsure_flags
                                            if h.polarity is not Polarity.PAST)),
            "red_flag_evidence": [h.evidence() for h in self.red_flags + self.unsure_flags + self.settled_flags],
            "negated_red_flags": list(self.negated_flags),
            "causes": [{"id": c.id, "score": round(c.score, 3), "evidence": list(c.evidence)} for c in self.causes],
            "in_scope": self.in_scope,
            "clarify": self.clarify,
        }


@dataclass(frozen=True)
class TriageIndex:
    """The knowledge base's phrases, indexed once for fast matching."""

    red_flags: PhraseIndex
    causes: PhraseIndex
    scope: PhraseIndex
    cause_ids: tuple[str, ...] = field(default=())
    asks: PhraseIndex | None = None
    """Red flags' ``ask`` phrases: said and not denied, the kiosk asks about the sign."""
    split_signs: SplitSigns | None = None
    """Long sign words a recognizer may write as two or three words ("draw ping" for "drooping"): said so,
    the kiosk asks about the sign, never raises it."""
    exclusions: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Red-flag id -> exact word runs that are not that sign ("confusing")."""
    done: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Red-flag id -> exact word runs that tell the sign's act as done (RedFlag.done: "called 999")."""
    scope_clue_causes: frozenset[str] = frozenset()
    """Causes whose strong clues alone put a request in scope."""
    things: frozenset[str] = frozenset()
    """Stems of words for things (KnowledgeBase.things)."""
    thing_signs: frozenset[str] = frozenset()
    """Stems of the sign words that may be said of a thing."""
    unfinished: tuple[tuple[str, frozenset[str], frozenset[str], tuple[tuple[str, ...], ...]], ...] = ()
    """(red-flag id, body stems, linking verbs, one-sided places) for statements cut off after the verb, and
    a side of the face or body named with no twitch in its clause."""
    meaning: MeaningIndex | None = None
    """The meaning layer (the content's examples, embedded), or None: phrases only."""
    warn_if_passed: frozenset[str] = frozenset()
    """Red flags whose sign, told as come and gone, may have been a warning stroke (RedFlag.warn_if_passed)."""
    unjudged: frozenset[str] = frozenset()
    """Red flags the second opinion does not doubt (RedFlag.second_opinion false): calls for help, self-harm."""
    passed: PhraseIndex | None = None
    """Red flags' ``passed`` phrases ("a TIA"): the sign told only as over."""
    alone: Mapping[str, str] = field(default_factory=dict)
    """Words said with nothing else (RedFlag.alone, as :func:`said_alone` reads them) -> the red flag to ask about."""
    cried: Mapping[str, str] = field(default_factory=dict)
    """A word cried twice or more (RedFlag.cried, as :func:`cried_flag` reads it) -> the red flag to ask about."""

    @classmethod
    def build(cls, kb: KnowledgeBase, embed: Embed | None = None, embed_content: Embed | None = None,
              judge: Judge | None = None, everyday: Collection[str] = frozenset()) -> TriageIndex:
        """Index ``kb``. With ``embed`` (a sentence model, loaded at the edge) the meaning layer is on too;
        ``embed_content`` may be a cached version of it for the content's own examples, and ``judge`` is the
        second opinion on signs said in plain words. ``everyday``: the words of the language, never read as a
        typo of a cause clue (:class:`PhraseIndex`); red-flag phrases still take them loosely, to miss no sign."""
        return cls(
            red_flags=PhraseIndex(((p, f.id, 1.0, pair) for f in kb.red_flags for p, pair in f.match_phrases()),
                                  every=True, known=[w for c in kb.causes for k in c.clues for w in k.phrase.split()]
                                  + [w for t in kb.scope_terms for w in t.split()]),
            # every occurrence: "I don't usually drink coffee but this week I've had a lot of coffee" is the
            # clue said, though its first (denied) mention is its best match
            causes=PhraseIndex(((c.phrase, cause.id, c.weight) for cause in kb.causes for c in cause.clues),
                               fuzzy_joins=True, every=True, everyday=everyday),
            # a warning stroke named ("I had a TIA last week") is about the kiosk's signs: in scope
            scope=PhraseIndex([(t, "scope", 1.0) for t in kb.scope_terms] + [(t, "body", 1.0) for t in kb.scope_body]
                              + [(t, "elsewhere", 1.0) for t in kb.scope_not_about]
                              + [(p, "passed", 1.0) for f in kb.red_flags for p in f.passed]),
            cause_ids=tuple(c.id for c in kb.causes),
            asks=PhraseIndex(((p, f.id, 1.0, pair) for f in kb.red_flags for p, pair in f.ask_phrases()), every=True),
            split_signs=SplitSigns.build(w for f in kb.red_flags for p, _ in f.match_phrases() for w in p.split()),
            exclusions={f.id: tuple(tuple(e.split()) for e in f.exclude) for f in kb.red_flags if f.exclude},
            done={f.id: tuple(tuple(e.split()) for e in f.done) for f in kb.red_flags if f.done},
            scope_clue_causes=frozenset(kb.scope_clue_causes),
            things=frozenset(stem(w) for w in kb.things[0]),
            thing_signs=frozenset(stem(w) for w in kb.things[1]),
            unfinished=tuple((f.id, frozenset(stem(w) for w in f.unfinished[0]), frozenset(f.unfinished[1]),
                              tuple(tuple(side.split()) for side in f.unfinished[2]))
                             for f in kb.red_flags if f.unfinished),
            meaning=MeaningIndex.build(kb, embed, embed_content, judge) if embed is not None else None,
            warn_if_passed=frozenset(f.id for f in kb.red_flags if f.warn_if_passed),
            unjudged=frozenset(f.id for f in kb.red_flags if not f.second_opinion),
            passed=PhraseIndex(((p, f.id, 1.0) for f in kb.red_flags for p in f.passed), every=True),
            alone={said_alone(w.split()): f.id for f in kb.red_flags for w in f.alone},
            cried={w: f.id for f in kb.red_flags for w in f.cried},
        )


class Screened(NamedTuple):
    """What the red-flag screen found in one utterance."""

    affirmed: list[RedFlagHit]
    unsure: list[RedFlagHit]
    negated: list[str]
    """Ids of signs denied."""
    settled: list[RedFlagHit]
    """Signs said to be long past and over ("three years ago ... it went back to normal"): history, not asked
    about (the screening question still asks about now)."""


def screen_red_flags(words: list[str], index: TriageIndex, breaks: Mapping[int, str] | None = None, text: str = "",
                     reading: Reading | None = None, phrases: Screened | None = None) -> Screened:
    """(affirmed, unsure, negated ids). Runs on its own, before and apart from cause matching.

    ``breaks``: punctuation between the words (:func:`kiosk.text.tokens_with_breaks`), for negation scope.
    ``text``: the utterance as said, for the meaning layer (when the index has one): a phrase hit whose
    sentence means something else ("what if my face went numb") is asked about instead of raised, and a sign
    described in other words ("tea runs out of the corner of my mouth") is asked about."""
    affirmed, unsure, negated, history = phrases or _screen_phrases(words, index, breaks)
    if reading is None:
        reading = read_meaning(text, index, bool(affirmed))
    if reading is None:
        return Screened(affirmed, unsure, negated, history)
    raised: list[RedFlagHit] = []
    asked = {h.id: h for h in unsure}
    for hit in affirmed:
        objection = reading.objection(hit.id, hit.said)
        if objection is not None and objection.kind == "past" and said_today(tokens(objection.sentence)):
            # "his face dropped this morning and then went back to normal": a sign that came and went today is a
            # warning of a stroke (call even if it has passed), not history to ask "is that happening now?" about
            objection = None
        if objection is not None and objection.kind == "question" and _told_beside_a_question(
                words, breaks or {}, hit.said, index):
            objection = None
        chance = reading.emergency_chance(hit.said) if objection is None and hit.id not in index.unjudged else None
        if objection is None and chance is not None and chance < JUDGE_MIN:
            # the second opinion doubts it ("my love life is paralysed"): asked about first, never cleared
            asked[hit.id] = dataclasses.replace(hit, polarity=Polarity.UNCERTAIN, context="doubted", chance=chance)
        elif objection is None:
            raised.append(dataclasses.replace(hit, chance=chance))
        else:
            past = objection.kind in PAST_KINDS
            asked[hit.id] = dataclasses.replace(hit, polarity=Polarity.PAST if past else Polarity.UNCERTAIN,
                                                example=objection.example, score=objection.score,
                                                context=objection.kind)
    for m in reading.hits:
        told = any(h.id == m.id and (h.said in m.clause or m.clause in h.said) for h in history)
        if m.id in asked or any(h.id == m.id for h in raised) or told:
            continue
        clause, clause_breaks = tokens_with_breaks(m.clause)
        if _denies(clause, clause_breaks, m.id, index):
            continue
        hit = RedFlagHit(m.id, m.clause, Polarity.UNCERTAIN, "meaning", m.example, m.score)
        if long_ago_in(clause, words) or long_standing_in(clause, words):
            # found only by meaning, in a clause that is itself long ago or months long: history, like a phrase
            # hit long over (a stroke's signs are new: "for about a year my eye keeps squeezing shut" is not one)
            history.append(dataclasses.replace(hit, polarity=Polarity.PAST, context="over"))
        else:
            asked[m.id] = hit
    return Screened(raised, list(asked.values()), [n for n in negated if n not in asked],
                    [h for h in history if h.id not in asked and all(r.id != h.id for r in raised)])


GOVERNING = frozenset("if unless whenever case asked told said says".split())
"""Words that make the clauses after them part of one what-if or report ("if my arm goes weak, I must call an
ambulance?", "she asked what to do if someone can't breathe, I told her to call 999"): no clause there is told
apart from the question."""


def _told_beside_a_question(words: list[str], breaks: Mapping[int, str], said: str, index: TriageIndex) -> bool:
    """True when the words ``said`` stand in a clause of their own, after a comma, that opens with its subject and
    holds no question cue: "should I call an ambulance, my face is drooping" asks about the call and tells the droop,
    though the sentence as a whole reads as a question."""
    run = said.split()
    start = next((i for i in range(len(words) - len(run) + 1) if words[i:i + len(run)] == run), None)
    if start is None or index.meaning is None:
        return False
    lo = max((j for j in breaks if j <= start), default=0)
    hi = min((j for j in breaks if j > start), default=len(words))
    opens, _ = sentence_window(words, breaks, start, start + 1, len(words), 0)
    cue = index.meaning.cues.get("question")
    return (lo > opens and words[lo] in CLAUSE_STARTERS and cue is not None
            and cue.search(" ".join(words[lo:hi])) is None and not GOVERNING & set(words[opens:hi]))


def _said_haltingly(text: str, index: TriageIndex, found: Collection[str]) -> list[RedFlagHit]:
    """Signs found only when a halting sentence is read straight (:func:`kiosk.core.text.fluent`): "my arm, it's,
    um, it's not... it won't go up" splits the sign from its arm at every pause. Asked about, never raised: closing
    up the pauses may also join words that were not meant together."""
    straight = fluent(text)
    if straight is None:
        return []
    words, breaks = tokens_with_breaks(straight)
    screened = screen_red_flags(words, index, breaks, straight)
    return [dataclasses.replace(h, polarity=Polarity.UNCERTAIN, context="halting")
            for h in {h.id: h for h in [*screened.unsure, *screened.affirmed]}.values()
            if h.id not in found and h.polarity is not Polarity.PAST]


def _denies(words: list[str], breaks: Mapping[int, str], flag_id: str, index: TriageIndex) -> bool:
    """True when the phrase rules, reading a clause (``words``) on its own, find ``flag_id`` said there and plainly
    denied, the denial right before the sign ("no chest pain", "i am not dizzy", "i don't have any numbness"): the
    meaning layer, which cannot read a "no", found the sign in the very words that deny it. A denial further off, or
    before a sign said with words of its own between ("no, hand's a bit useless", an answer), is left to the
    meaning layer to ask about: in "like it is not mine cannot feel the hand" the "not" is "mine"'s."""
    if flag_id not in _screen_words(words, index, breaks).negated:
        return False
    for m in index.red_flags.find(words):
        if m.phrase.owner != flag_id:
            continue
        gap = [j for j in range(m.start, m.end) if j not in m.positions]
        if any(words[j] in NEGATION_CUES and j + 1 in m.positions for j in gap) and all(
                words[j] in STOPWORDS or words[j] in NEGATION_CUES for j in gap):
            return True  # "my vision has not gone": the denial is inside the phrase, right before its sign word
        if any(words[j] not in STOPWORDS and not words[j].endswith("ing") for j in gap):
            continue  # "no trouble finding my words" is one thing denied; "no, hand's a bit useless" says a sign
        cue = next((j for j in range(m.start - 1, -1, -1) if words[j] not in DENIAL_FILLERS), -1)
        if cue >= 0 and words[cue] in NEGATION_CUES:
            return True
    return False


DENIAL_FILLERS = frozenset("a an any the have had has got feel feeling felt been am is are was were do does did "
                           "my his her really at all go gone going".split())
"""Words that may stand between a denial and the sign it denies ("not have any", "not feeling")."""


PAST_KINDS = frozenset({"past", "gradual"})
"""Objections that make the kiosk ask whether the sign is happening now ("You said ... Is that happening now?")
rather than ask the sign's own question."""


PASSED_REACH = 6
"""Words either side of a sign searched for "both sides" or a long span: neither is a stroke's warning."""
HAD = frozenset("had suffered diagnosed was were".split())
"""A word just before a warning stroke named that tells it as over ("I had a TIA"); "I might have one" is not."""
BOTH_LIMBS = frozenset("hands feet arms legs fingers fingertips toes".split())
"""Limbs said in the plural near a sign ("my hands went numb"): both sides, not a stroke's one-sided sign."""


def passed_signs(text: str, index: TriageIndex) -> tuple[str, ...]:
    """Signs of a stroke told as come and gone within weeks or months ("last week my arm went weak for ten
    minutes and then it was fine"), or a warning stroke named ("I had a TIA last week"): the ids of their red
    flags (RedFlag.warn_if_passed). Such signs are not an emergency now, but a provider should see them soon.
    Only what triage itself took as past or over counts, said plainly (not denied, hedged or asked about), in a
    sentence that puts it no years back and explains it by nothing else ("slept on it", "from the dentist"), on
    one side and not for months."""
    result = assess(text, index)
    if result.emergency:
        return ()
    words, breaks = tokens_with_breaks(text)
    # the second opinion doubts a sign told as past too ("my face drooped yesterday, it's fine now"): with the words
    # of a time gone by, such a sign counts
    past = {h.id for h in result.unsure_flags
            if h.polarity is Polarity.PAST or (h.context == "doubted" and came_and_went(words))}
    past |= {h.id for h in result.settled_flags}
    found = [m for m in index.red_flags.find(words) if m.phrase.owner in past & index.warn_if_passed]
    # a warning stroke named counts when told as had ("I had a TIA", "they said it was a mini stroke")
    found += [m for m in (index.passed.find(words) if index.passed is not None else [])
              if HAD & set(words[max(0, m.start - PASSED_REACH):m.start])]
    # a sign explained by something else ("slept on it"), or slow ("gradually", "always"): the meaning layer's cues
    cues = [index.meaning.cues.get(k) for k in ("explained", "gradual")] if index.meaning is not None else []
    out: dict[str, None] = {}
    for m in found:
        lo, hi = sentence_window(words, breaks, m.start, m.end, len(words), len(words))
        sentence, near = words[lo:hi], words[max(lo, m.start - PASSED_REACH):min(hi, m.end + PASSED_REACH)]
        if (polarity(words, m.start, m.positions, breaks, m.end) is Polarity.AFFIRMED
                and mentioned(words, m.start, m.end, breaks) is None and not years_back(sentence)
                and not both_sides(near) and not BOTH_LIMBS & set(near) and not long_standing_in(near, sentence)
                and not any(cue is not None and cue.search(" ".join(sentence)) for cue in cues)):
            out[m.phrase.owner] = None
    return tuple(out)


def tells_a_twitch(text: str, index: TriageIndex) -> bool:
    """A twitch or another symptom of the kiosk's topic said in words (guidance.toml's scope terms): something for
    cause questions to be about, beyond a stroke's sign told as passed ("I had a TIA last week"). A cause's clue
    alone is not one ("my face drooped for a day" is a clue of Bell's palsy, "last month" of ALS)."""
    return any(m.phrase.owner == "scope" for m in index.scope.find(tokens_with_breaks(text)[0]))


def read_meaning(text: str, index: TriageIndex, phrase_hit: bool) -> Reading | None:
    """The meaning layer's reading of ``text``, or None without one (no model, empty, or a very long text, which
    the kiosk asks for again in a few words). Sentences are compared only when a phrase hit may need an
    objection."""
    if index.meaning is None or not text.strip() or len(text) > MAX_CHARS:
        return None
    return index.meaning.read(text, with_sentences=phrase_hit)


def _screen_phrases(words: list[str], index: TriageIndex, breaks: Mapping[int, str] | None) -> Screened:
    """The phrase rules, on the words as written and on two more readings: where a long sign word may have been
    split by the recognizer ("face is draw ping"), the words joined back; where "having one" may stand for something
    named earlier ("my brother had a stroke, I think my mate is having one"), that name in its place. A sign found
    only in another reading is asked about."""
    screened = _screen_words(words, index, breaks)
    readings = [(r, "one") for r in one_named_again(words, breaks or {})]
    respelled = index.split_signs.respell(words, breaks or {}) if index.split_signs is not None else None
    if respelled is not None:
        readings.insert(0, (respelled, "split"))
    if not readings:
        return screened
    placed = {h.id for h in screened.affirmed + screened.unsure + screened.settled} | set(screened.negated)
    new: dict[str, RedFlagHit] = {}
    for (other, other_breaks), why in readings:
        again = _screen_words(other, index, other_breaks)
        for h in again.affirmed + again.unsure:
            if h.id not in placed and h.id not in new and h.polarity is not Polarity.PAST:
                new[h.id] = dataclasses.replace(h, polarity=Polarity.UNCERTAIN, context=why)
    return screened._replace(unsure=screened.unsure + list(new.values()))


def _screen_words(words: list[str], index: TriageIndex, breaks: Mapping[int, str] | None) -> Screened:
    """The phrase rules on one reading of the words: (affirmed, unsure, negated ids, settled)."""
    affirmed: dict[str, RedFlagHit] = {}
    unsure: dict[str, RedFlagHit] = {}
    negated: set[str] = set()
    history: dict[str, RedFlagHit] = {}
    # a sign's own phrases, then the phrases that only ask about it ("weakness" with nothing named), read alike
    asks = [a for a in (index.asks.find(words) if index.asks is not None else [])
            if not _excluded(words, a, index.exclusions.get(a.phrase.owner, ()))
            and not _a_story_done(words, a, index, breaks)]
    # an ask that holds a sign's own phrase is the narrower reading of those words ("dizzy when I stood up")
    narrower = _spans_by_word(asks)
    found = [(m, False) for m in index.red_flags.find(words) if not _inside_an_ask(m, narrower)]
    found += [(m, True) for m in asks]
    taken_back: set[str] = set()
    first_at: dict[str, int] = {}
    for m, ask_only in found:
        owner = m.phrase.owner
        if owner in affirmed and not ask_only and _denied_again(words, m, affirmed[owner].said, first_at[owner], breaks):
            taken_back.add(owner)
        if owner in affirmed or (ask_only and owner in unsure):
            continue  # already said plainly (or asked about): more mentions change nothing
        if (not ask_only and _excluded(words, m, index.exclusions.get(owner, ()))) or _said_of_a_thing(
                words, m, index, breaks or {}):
            continue  # asks were checked against the exclusions above
        # a call made: asked about when told as now ("I called 999, they're on their way"); with no time, the
        # phrase says nothing and the meaning layer reads the sentence ("somebody called 911" may be a misheard
        # "somebody call 911"); weeks back, it is history
        done = not ask_only and _excluded(words, m, index.done.get(owner, ()))
        if done and not told_as_now(words, m.start, m.end, breaks) and not weeks_back(words, m.start, m.end, breaks):
            continue
        pol, context = _phrase_polarity(words, m, breaks, done or owner not in index.unjudged)
        if (ask_only or done) and pol is Polarity.AFFIRMED:
            pol = Polarity.UNCERTAIN
        hit = RedFlagHit(m.phrase.owner, m.said, pol, context=context)
        if (done and pol is Polarity.PAST) or (
                pol in (Polarity.AFFIRMED, Polarity.PAST) and settled(words, m.start, m.end, breaks)):
            history.setdefault(hit.id, dataclasses.replace(hit, polarity=Polarity.PAST, context="over"))
        elif pol is Polarity.AFFIRMED:
            affirmed.setdefault(hit.id, hit)
            first_at.setdefault(hit.id, m.start)
        elif pol in (Polarity.UNCERTAIN, Polarity.PAST):
            if pol is Polarity.UNCERTAIN or hit.id not in unsure:
                unsure[hit.id] = hit
        else:
            negated.add(hit.id)
    for flag_id in taken_back:  # "he says I'm slurring. I'm not slurring": asked, not raised, never cleared
        unsure[flag_id] = dataclasses.replace(affirmed.pop(flag_id), polarity=Polarity.UNCERTAIN, context="denied")
    flag_alone = index.alone.get(said_alone(words)) or cried_flag(words, index) or _alone_in_a_clause(
        words, breaks or {}, index)
    if flag_alone is not None and flag_alone not in affirmed:
        unsure.setdefault(flag_alone, RedFlagHit(flag_alone, " ".join(words), Polarity.UNCERTAIN))
    for flag_id, body, verbs, sides in index.unfinished:
        span = _unfinished(words, breaks or {}, body, verbs) or _side_without_twitch(words, breaks or {}, sides, index)
        if span and flag_id not in affirmed:
            unsure.setdefault(flag_id, _asked_about(flag_id, words, *span, breaks))
    # One affirmed mention outweighs a negated or unsure one of the same flag.
    unsure = {k: v for k, v in unsure.items() if k not in affirmed}
    negated -= affirmed.keys() | unsure.keys()
    return Screened(list(affirmed.values()), list(unsure.values()), sorted(negated),
                    [h for k, h in history.items() if k not in affirmed and k not in unsure])


def _denied_again(words: list[str], m: Match, said: str, at: int, breaks: Mapping[int, str] | None) -> bool:
    """True when ``m`` says the words ``said`` of an affirmed hit at ``at`` again, later, and denies them: the sign
    said, then taken back ("he thinks I'm slurring. I'm not slurring")."""
    if m.said != said or m.start <= at or polarity(words, m.start, m.positions, breaks, m.end) is not Polarity.NEGATED:
        return False
    # of the same person and part: "my face is numb, my arm is not numb" and "my wife is slurring, I'm not" stand
    return _whose(words, m.start, breaks) <= _whose(words, at, breaks)


WHOSE_REACH = 4
PEOPLE_WORDS = frozenset("i me he him she her we us they them you".split()) | PEOPLE


def _whose(words: list[str], start: int, breaks: Mapping[int, str] | None) -> set[str]:
    """The person and body words among the WHOSE_REACH words before ``start``, in its sentence; "i" when no person
    is named ("chest pain, ... I don't have chest pain")."""
    lo, _ = sentence_window(words, breaks or {}, start, start + 1, WHOSE_REACH, 0)
    whose = {w for w in words[lo:start] if w in PERSONAL}
    return whose if whose & PEOPLE_WORDS else whose | {"i"}


Spans = dict[tuple[str, int], list[tuple[int, int]]]


def _spans_by_word(asks: Sequence[Match]) -> Spans:
    """(sign, word) -> the (start, end) of each ask of that sign over that word, said as one run: "so dizzy I can't
    stand up" is not "dizzy standing up" with three words between. Indexed by word so that 100 kB of one phrase said
    over and over stays linear."""
    spans: Spans = {}
    for a in asks:
        if a.end - a.start == len(a.positions):
            for p in range(a.start, a.end):
                spans.setdefault((a.phrase.owner, p), []).append((a.start, a.end))
    return spans


def _inside_an_ask(m: Match, spans: Spans) -> bool:
    """True when every word of the phrase hit ``m`` lies in a longer ask of the same sign (``spans``)."""
    lo, hi = min(m.positions), max(m.positions)
    return any(start <= lo and hi < end and end - start > len(set(m.positions))
               for start, end in spans.get((m.phrase.owner, lo), ()))


ALONE_FILLER = frozenset("a an the please now right quick quickly oh god um uh er erm".split())
"""Words that leave a word said alone still alone ("a stroke", "help, please, quick")."""


CRY_WORDS = frozenset("me us him her i we need someone somebody anyone anybody out".split())
"""Words a cry is made of besides the cried word, fillers aside ("help, help, I need help, help me"; "help me out,
please, I need help", which the recognizer also writes for "help me now please, I need help")."""


def cried_flag(words: Sequence[str], index: TriageIndex) -> str | None:
    """The red flag of a word cried twice or more with nothing but a cry's words (RedFlag.cried: "help, help, I need
    help"): a person in trouble, not one asking how the kiosk works, who says "help" once (the help command,
    kiosk.core.intents). None for anything else."""
    for word, flag_id in index.cried.items():
        if words.count(word) >= 2 and all(w == word or w in CRY_WORDS or w in ALONE_FILLER for w in words):
            return flag_id
    return None


def said_alone(words: Sequence[str]) -> str:
    """The words of an utterance without fillers and repeats ("help help help me" -> "help me"), to compare with the
    red flags' ``alone`` words."""
    return " ".join(dict.fromkeys(w for w in words if w not in ALONE_FILLER))


def _alone_in_a_clause(words: list[str], breaks: Mapping[int, str], index: TriageIndex) -> str | None:
    """The red flag of an ``alone`` word said as a clause of its own in a longer utterance ("help, it's a stroke, my
    dad"; "emergency? yes, it is"), unless the next clause answers it no ("ambulance? no, I can walk"). Asked about,
    as the word alone is: the words around it are often only who or where."""
    ends = [0] + sorted(breaks) + [len(words)]
    for lo, hi in pairwise(ends):
        flag_id = index.alone.get(said_alone(words[lo:hi]))
        if flag_id is not None and not (hi < len(words) and words[hi] in DENIALS_AFTER):
            return flag_id
    return None


UNFINISHED_NEXT = frozenset("and but so then um uh erm er uhm hmm".split())
"""Words after a linking verb that show the statement stopped there ("my face went, um, and ...")."""


def _phrase_polarity(words: list[str], m: Match, breaks: Mapping[int, str] | None, judged: bool = True
                     ) -> tuple[Polarity, str]:
    """(polarity, context) of a phrase hit: denied, asked about ("the nurse asked about numbness", "what if"),
    years back, weeks back (only a ``judged`` sign: a call for help or a plan to die is its own evidence whenever it
    is told), or said plainly."""
    pol = polarity(words, m.start, m.positions, breaks, m.end)
    context = ""
    if pol is not Polarity.NEGATED:
        asked = mentioned(words, m.start, m.end, breaks)
        if asked is not None:
            pol, context = asked, "question"
    if pol is Polarity.AFFIRMED and in_the_past(words, m.start, m.end, breaks):
        pol = Polarity.PAST
    elif pol is Polarity.AFFIRMED and judged and weeks_back(words, m.start, m.end, breaks):
        # not now, but not history either: asked about
        pol, context = Polarity.PAST, "weeks back"
    return pol, context


def _asked_about(flag_id: str, words: list[str], start: int, end: int, breaks: Mapping[int, str] | None) -> RedFlagHit:
    """A hit the kiosk asks about: PAST when said to be years back, else UNCERTAIN."""
    past = in_the_past(words, start, end, breaks)
    return RedFlagHit(flag_id, " ".join(words[start:end]), Polarity.PAST if past else Polarity.UNCERTAIN)


def _unfinished(words: list[str], breaks: Mapping[int, str], body: frozenset[str], verbs: frozenset[str]
                ) -> tuple[int, int] | None:
    """Where "my face feels..." is cut off after the verb (start, end of its words), or None."""
    for i, word in enumerate(words):
        if stem(word) not in body:
            continue
        for j in (i + 1, i + 2):
            if j < len(words) and words[j] in verbs and (j == i + 1 or words[i + 1] in {"just", "kind", "sort", "all"}):
                nxt = j + 1
                if nxt >= len(words) or words[nxt] in UNFINISHED_NEXT or breaks.get(nxt) == ".":
                    if not any(k in breaks and breaks[k] == "." for k in range(i + 1, j + 1)):
                        return i, j + 1
    return None


PERSONAL = frozenset("i me he him she her we us they them you myself himself herself face arm arms leg legs hand "
                     "hands side body head eye eyes mouth lip lips smile cheek speech vision words".split()) | PEOPLE
"""A person or body word: the look-back for a thing stops here ("the tv is loud and my face is drooping", "the bus
driver has collapsed", "the dog barked and my wife went limp"). Possessives are left out: "the shelf in my kitchen
is crooked" is about the shelf."""
THING_REACH = 8


def _said_of_a_thing(words: list[str], m: Match, index: TriageIndex, breaks: Mapping[int, str]) -> bool:
    """True when a one-word sign is said of a thing: "the wifi is weak", "the plant is drooping".

    Only for the sign words that can describe a thing (TriageIndex.thing_signs). Looks back at most
    THING_REACH words in the clause for a thing word, with no person or body word in between. Pairs and
    longer phrases name the body themselves and are dropped only when it is an animal's or a thing's ("my cat's
    face looks lopsided")."""
    things = index.things
    if things and _a_things_body(words, m.start, things):
        return True  # a phrase or pair that starts with an animal's body word
    if m.phrase.pair or len(m.phrase.pattern) > 1 or not things or stem(words[m.start]) not in index.thing_signs:
        return False
    for j in range(m.start - 1, max(-1, m.start - THING_REACH - 1), -1):
        # "and" ends the look-back only before a new subject: "the flowers are wilting and drooping"
        joins = words[j] in {"and", "or"} and j + 1 < len(words) and words[j + 1] in PERSONAL
        if breaks.get(j + 1) or words[j] == "but" or joins:
            return False
        if words[j] in PERSONAL:
            return _a_things_body(words, j, things)  # a person's, or an animal's ("my cats leg is weak")
        if stem(words[j]) in things:
            return True
    return False


def _a_things_body(words: list[str], j: int, things: Collection[str]) -> bool:
    """True when ``words[j]`` is a body word that an animal or a thing owns: "my cats face", "the dogs leg" (the
    text normalizer drops the apostrophe)."""
    return (j >= 1 and words[j] in PERSONAL and words[j] not in PEOPLE and _possessive(words[j - 1])
            and stem(words[j - 1]) in things)


OWNERS = frozenset("my me his her their your our the a an both left right upper lower whole half one each that "
                   "this its some".split())
"""("me lip": "my" in some dialects.)"""
ELSEWHERE_REACH = 6
"""A scope word this close to a word of something else ("cats tail keeps twitching") does not count."""
STRONG_SCORE = 0.75
"""Score of one strong clue (weight 1.0 -> 1 - e^-1.5 = 0.78): what a strong clue alone reaches."""


BODY_ADJECTIVES = frozenset("upper lower left right whole bottom top own other same".split())


def _same_clause(words: list[str], breaks: Mapping[int, str], a: int, b: int) -> bool:
    """Words ``a`` and ``b`` are close and no "and", "but" or punctuation divides them: "my cats tail keeps
    twitching" is about the cat, "my cat scratched me and my lip twitches" is not."""
    lo, hi = min(a, b), max(a, b)
    if hi - lo > ELSEWHERE_REACH:
        return False
    return not any(words[j] in {"and", "but", "so", "then"} or breaks.get(j) for j in range(lo + 1, hi + 1))


def _possessive(word: str) -> bool:
    """ "my mothers lip": a noun that lost its apostrophe (the text normalizer drops it)."""
    return len(word) > 3 and word.endswith("s") and word not in STOPWORDS and not word.endswith("ss")


def _own_twitch_beside(words: list[str], breaks: Mapping[int, str], topic: Sequence[Match], elsewhere: int) -> bool:
    """The word of something else at ``elsewhere`` only sets the scene: its clause says the person's own face or lip
    twitches ("my lip keeps twitching when I stream", "my eye twitches when my dog barks"), and it is not that
    body word's own thing ("my lip balm"). Someone else's does not count ("my dog's lip twitches")."""
    beside = [m for m in topic if _same_clause(words, breaks, m.start, elsewhere)]
    return any(m.phrase.owner == "scope" for m in beside) and any(
        m.phrase.owner == "body" and abs(m.start - elsewhere) > 1
        and any(w in {"my", "me"} for w in _owner_words(words, m.start)) for m in beside)


def _owner_words(words: list[str], start: int) -> tuple[str, ...]:
    """The word that may own the body word at ``start``: the one before it, and the one before that when a side
    word stands between ("my upper lip")."""
    if start < 1:
        return ()
    if start >= 2 and words[start - 1] in BODY_ADJECTIVES:
        return (words[start - 1], words[start - 2])
    return (words[start - 1],)


def _owned(words: list[str], start: int) -> bool:
    """A body word counts for scope right after "my", "the", "her"... or with a side word between
    ("my upper lip", "the left eye")."""
    return (start >= 1 and _possessive(words[start - 1])) or any(w in OWNERS for w in _owner_words(words, start))


def _side_without_twitch(words: list[str], breaks: Mapping[int, str], sides: tuple[tuple[str, ...], ...],
                         index: TriageIndex) -> tuple[int, int] | None:
    """ "the right side of my face went home and ...": a side of the face or body named, and nothing in its
    clause says what it does (no twitch word, no sign). A recognizer lost the word ("went numb"),
    or the person has not said it yet: the kiosk asks. (start, end) of the clause, or None."""
    for side in sides:
        n = len(side)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) != side:
                continue
            begin, end = i, i + n
            while begin > 0 and words[begin - 1] not in {"and", "but", "so"} and not breaks.get(begin):
                begin -= 1
            while end < len(words) and words[end] not in {"and", "but", "so"} and not breaks.get(end):
                end += 1
            rest = words[begin:i] + words[i + n:end]  # the clause without the side's own words
            # a cause word does not say what the side does ("...of my face when it's hum", Whisper's "went numb")
            if not (index.scope.find(rest) or index.red_flags.find(rest)):
                return begin, end
    return None


def _a_story_done(words: list[str], m: Match, index: TriageIndex, breaks: Mapping[int, str] | None) -> bool:
    """True when ``m`` lies in a run its sign lists as done (RedFlag.done) and nothing in the sentence tells it as
    now: a story ("my neighbour called an ambulance for her husband"). Told as now ("I called 999, they're on their
    way"), help may be under way, and it is asked about."""
    return _excluded(words, m, index.done.get(m.phrase.owner, ())) and not told_as_now(words, m.start, m.end, breaks)


EXCLUDE_OPTIONAL = frozenset("my the his her their our your this these those some a an".split())
"""Words an exclude's run may skip one of between two of its words: "can not swallow pills" also covers "can not
swallow my pills" and "these pills", so the content lists a look-alike once, not once per owner."""


def _excluded(words: list[str], m: Match, runs: tuple[tuple[str, ...], ...]) -> bool:
    """True when every matched word lies inside a run listed as not this sign (its words in order, with at most
    one EXCLUDE_OPTIONAL word between two of them)."""
    for run in runs:
        for i in range(max(0, m.start - 2 * len(run) + 2), m.start + 1):
            end = _run_end(words, i, run)
            if end is not None and all(i <= p < end for p in m.positions):
                return True
    return False


def _run_end(words: list[str], i: int, run: tuple[str, ...]) -> int | None:
    """Where ``run`` ends when it is said from ``words[i]`` (see :func:`_excluded`), or None."""
    for k, word in enumerate(run):
        if k and i + 1 < len(words) and words[i] != word and words[i] in EXCLUDE_OPTIONAL and words[i + 1] == word:
            i += 1
        if i >= len(words) or words[i] != word:
            return None
        i += 1
    return i


def score_causes(words: list[str], index: TriageIndex, boosts: Mapping[str, float] | None = None,
                 breaks: Mapping[int, str] | None = None) -> list[CauseScore]:
    """Causes ranked by the summed weight of the clues said (negated clues do not count).

    ``boosts`` adds evidence from answered follow-up questions (positive or negative weight).
    """
    totals: dict[str, float] = {}
    said: dict[tuple[str, str], Match] = {}
    for m, denied in _cause_clues(words, index, breaks):
        key = (m.phrase.owner, m.phrase.text)
        # a clue said twice is one clue: its best affirmed mention counts
        if not denied and (key not in said or m.similarity > said[key].similarity):
            said[key] = m
    clues: dict[str, list[Match]] = {}
    for (owner, _), m in said.items():
        clues.setdefault(owner, []).append(m)
    for cid, found in clues.items():
        weights = sorted((m.phrase.weight * m.similarity for m in found), reverse=True)
        # diminishing returns: the second clue adds half, the third a quarter...
        totals[cid] = sum(w * 0.5 ** i for i, w in enumerate(weights))
    for cid, extra in (boosts or {}).items():
        totals[cid] = totals.get(cid, 0.0) + extra
    ranked = sorted((t, cid) for cid, t in totals.items() if t >= CAUSE_MIN_EVIDENCE)
    ranked.sort(key=lambda x: (-x[0], index.cause_ids.index(x[1]) if x[1] in index.cause_ids else 0))
    return [CauseScore(cid, 1.0 - math.exp(-1.5 * t), _quoted(words, clues.get(cid, ()))) for t, cid in ranked]


def _quoted(words: list[str], clues: Sequence[Match]) -> tuple[str, ...]:
    """The words said for a cause's clues, strongest clue first. Clues that overlap or touch are quoted once, as
    the one stretch the person said: "started a new" and "new medicine" are "started a new medicine", not "started
    a new and new medicine" in the summary's "You said ..."."""
    runs: list[tuple[float, int, int]] = []  # (weight, start, end)
    for m in sorted(clues, key=lambda m: (m.start, m.end)):
        weight = m.phrase.weight * m.similarity
        if runs and m.start <= runs[-1][2]:
            last = runs.pop()
            runs.append((max(last[0], weight), last[1], max(last[2], m.end)))
        else:
            runs.append((weight, m.start, m.end))
    runs.sort(key=lambda r: -r[0])
    return tuple(dict.fromkeys(" ".join(words[start:end]) for _, start, end in runs))


def _cause_clues(words: list[str], index: TriageIndex,
                 breaks: Mapping[int, str] | None = None) -> list[tuple[Match, bool]]:
    """Every cause clue said, with whether it was denied ("I don't drink coffee")."""
    return [(m, polarity(words, m.start, m.positions, breaks, m.end) is Polarity.NEGATED)
            for m in drop_contained(index.causes.find(words))]


DENIED_REACH = 3
"""A cause counts as denied only when a negation comes at most this many words before its clue ("do not drink any
coffee", "not on any new medicines"). A negation's own scope (negation.SCOPE_WORDS) reaches further, across "and":
"my face does not show much expression and my lip quivers" denies the Parkinson's clue "quivers" to the phrase
rules, and ruling the cause out on that lost it from a held-out case (h6-pd-6) the cause guess had named."""


def denied_causes(words: list[str], index: TriageIndex, breaks: Mapping[int, str] | None = None) -> frozenset[str]:
    """Causes whose clues were said only denied, in so many words ("I don't drink coffee", "no new medicines"): the
    cause guess, which reads the line's meaning and so its words whatever their negation, never names them, and
    the dialogue does not ask about them."""
    clues = _cause_clues(words, index, breaks)
    said = {m.phrase.owner for m, denied in clues if not denied}
    return frozenset(m.phrase.owner for m, denied in clues
                     if denied and cue_just_before(words, m.start, DENIED_REACH)) - said


CAUSE_GUESS_MIN = 0.3
"""Least chance, by the cause guess (:meth:`Judge.causes`), for a cause to fill a place the phrase clues left
empty among the first three. Chosen by leaving each tuning set out in turn (scripts/train_second_opinion.py
--leave-one-out): 0.1-0.3 alike, 0.5 one fewer."""
CAUSE_PLACES = 3
"""The causes that count as the first few: the places the cause guess may fill."""
CAUSE_GUESS_SCALE = 0.5
"""A guessed cause's score is its chance times this: below what a phrase clue gives, so it never leads them."""


def fill_from_guess(causes: list[CauseScore], guess: Sequence[tuple[str, float]],
                    places: int = CAUSE_PLACES) -> list[CauseScore]:
    """``causes`` with the places the phrase clues left empty among the first ``places`` filled by the meaning
    layer's cause ``guess`` (:meth:`MeaningIndex.guess_causes`) for a description told through circumstances
    ("my manager is on my back every day"). A guessed cause names no words said (no evidence); the phrase causes
    keep their order before it."""
    if len(causes) >= places:
        return causes
    have = {c.id for c in causes}
    filled = list(causes)
    for cid, chance in guess:
        if len(filled) >= places or chance < CAUSE_GUESS_MIN:
            break
        if cid not in have:
            filled.append(CauseScore(cid, round(chance * CAUSE_GUESS_SCALE, 3), ()))
    return filled


def assess(text: str, index: TriageIndex, boosts: Mapping[str, float] | None = None) -> Assessment:
    """Assess one utterance. Never raises on any text; empty text gives an empty, out-of-scope assessment."""
    words, breaks = tokens_with_breaks(text)
    phrases = _screen_phrases(words, index, breaks)
    reading = read_meaning(text, index, bool(phrases[0])) or Reading()
    affirmed, unsure, negated, history = screen_red_flags(words, index, breaks, text, reading, phrases)
    halting = _said_haltingly(text, index, {h.id for h in affirmed} | {h.id for h in unsure})
    if halting:
        unsure = [*unsure, *halting]
        negated = [n for n in negated if all(h.id != n for h in halting)]
    found = index.scope.find(words)
    elsewhere = [m.start for m in found if m.phrase.owner == "elsewhere"]
    topic = [m for m in found if m.phrase.owner in ("scope", "passed")
             or (m.phrase.owner == "body" and _owned(words, m.start))]
    setting_aside = [e for e in elsewhere if not _own_twitch_beside(words, breaks, topic, e)]
    scope_hits = [m for m in topic if not any(_same_clause(words, breaks, m.start, e) for e in setting_aside)]
    # a vague health complaint ("mum's not right today") is about health: the kiosk screens it, never sends it away
    in_scope = bool(affirmed or unsure or negated or history or scope_hits or reading.unwell)
    causes = score_causes(words, index, boosts, breaks) if in_scope else []
    if not in_scope and index.scope_clue_causes and not elsewhere:
        # "side effect from my prescription": a strong clue of these causes is about a symptom on its own
        strong = score_causes(words, index, boosts, breaks)
        if any(c.id in index.scope_clue_causes and c.score >= STRONG_SCORE for c in strong):
            in_scope, causes = True, strong
    clear_lead = bool(causes) and causes[0].score >= CONFIDENT_SCORE and (
        len(causes) == 1 or causes[0].score - causes[1].score >= 0.15)
    if in_scope and reading.cause_guess:
        denied = denied_causes(words, index, breaks)
        causes = fill_from_guess(causes, [(cid, chance) for cid, chance in reading.cause_guess if cid not in denied])
    return Assessment(
        text=text,
        emergency=bool(affirmed),
        red_flags=tuple(affirmed),
        unsure_flags=tuple(unsure),
        negated_flags=tuple(negated),
        settled_flags=tuple(history),
        causes=tuple(causes),
        in_scope=in_scope,
        clarify=in_scope and (bool(unsure) or not clear_lead),
        scope_words=tuple(m.said for m in scope_hits),
        about_else=bool(elsewhere),
        set_aside=tuple(dict.fromkeys(m.said for m in topic if m not in scope_hits)),
    )
