"""The meaning layer of red-flag screening: what was said, clause by clause, compared with the content's examples.

Beside the phrase rules, not instead of them. Each red flag in the content has a bank of example descriptions
(how the sign looks and feels, from the inside and from the outside: red_flags.toml ``examples``), and
meaning.toml has banks of what sounds like a sign but is not one now (questions about warning signs, figures
of speech, signs long past or explained, sign words said of things, the twitching itself). Two readings come
out of the comparison:

- a *meaning hit*: a clause close to a sign's examples (at least :data:`SIGN_MIN`) and closer to them than to
  any "not now" example (by :data:`SIGN_MARGIN`). The kiosk asks about the sign; it never raises it alone.
- an *objection* to a phrase hit: the sentence it was said in is closer to a "not now" example than to the
  sign's own examples (by :data:`CONTEXT_MARGIN`). The kiosk asks instead of raising the emergency at once.

Pure: the embedding function is passed in (the model is loaded at the edge, :mod:`kiosk.meaning.encoder`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..content import KnowledgeBase
from ..text import normalize

Embed = Callable[[Sequence[str]], np.ndarray]
"""Texts in, one unit-length vector a text out (rows of a 2-D array)."""

SIGN_MIN = 0.60
"""Least cosine similarity between a clause and one of a sign's examples for a meaning hit. Chosen on the
tuning sets (eval/tuning): 0.55 asked on a quarter of everyday cases, 0.65 missed described signs."""
SIGN_MARGIN = 0.05
"""How much closer to the sign than to any "not now" example a clause must be for a meaning hit."""
CONTEXT_MARGIN = -0.05
"""How close to a "not now" example, against the sign's own examples, a sentence must be to object when it also
holds one of that kind's cues ("ago", "if", "because"): nearly as close is enough, since the cue says the rest.
The cue is required because meaning alone confuses a sign with a look-alike on the same topic ("my left arm
suddenly went weak" is close to "my arm was weak after surgery last year"). Chosen on the tuning sets: +0.02
left 10 of set 7's 60 traps raised, -0.05 left 4, with no emergency lost (an objection only asks)."""
UNWELL_MIN = 0.55
"""Least similarity to an [unwell] example for a vague health complaint to be in scope. The out-of-scope lines
of the tuning and earlier sets reach at most 0.50 ("hello how are you today")."""
NO_CUE_MARGIN = 0.03
"""The same for a kind with no cues (figures of speech): only a closer look-alike objects."""

JUDGE_MIN = 0.5
"""Least chance, by the second opinion (:class:`Judge`), that a sentence with a sign said in plain words reports an
emergency now, for the emergency prompt at once; below it the kiosk asks about the sign first. Chosen on set 8 and
the earlier sets (scripts/train_second_opinion.py trains on the tuning sets only): at 0.5 their phrase false alarms
went 15 -> 3 and 4 of 227 phrase-caught emergencies were asked about first; at 0.6, 1 and 9."""

FINDER_ASK = 0.8
"""A clause no example is close enough to, but that the sign finder (:meth:`Judge.finds`) gives at least this
chance of telling of a warning sign: asked about, as the sign it is nearest to (when at least FINDER_SIGN_MIN
near). Without a finder the second opinion's chance stands in, which needs 0.95 (it was never trained on
clauses without a sign). Chosen on the tuning sets, each scored by a finder trained without it (leave one set
out): see benchmarks/meaning.md."""
FINDER_ASK_WITHOUT = 0.95
FINDER_SIGN_MIN = 0.45
RECALL_MIN = 0.60
"""Least similarity between a clause and a remembered sign clause (:attr:`Judge.recall_vectors`) for the kiosk
to ask about that clause's sign..."""
RECALL_MARGIN = 0.10
"""...when it is also closer to it, by this much, than to any remembered look-alike or everyday clause and any
"not now" example. Chosen on the tuning sets, each scored with a memory made without it (leave one set out):
see benchmarks/meaning.md."""
RECALL_AGREE = 5
"""...and when that sign is among this many nearest to the clause by the content's own examples (of 14 red flags
with examples). Chosen on the tuning sets (leave one set out): 5 kept every emergency that 13 caught, with 1 fewer
ask on everyday cases and 2 fewer on look-alikes, and drops "he reached for his glass" for being near "his eyes look
glassy" (confusion, 7th)."""
RECALL_SAME = 2
"""The remembered clause's sign is asked about when it is among this many nearest to the clause; further down the
list the memory knows the clause tells of an emergency better than it knows which, and the kiosk asks the plain
question of RECALL_OTHERWISE ("she thinks it is night" was remembered as trouble seeing)."""
RECALL_OTHERWISE = "urgent_help"
"""The red flag whose plain question a memory hit asks when unsure which sign it tells of."""
FINDER_YIELDS_TO = frozenset({"twitch", "thing"})
"""Look-alike banks a clause found only by the sign finder yields to, when closer to one of them than to any sign
and close in its own right: the twitch itself, and sign words said of things or animals ("my battery's dead",
"the horse went lame")."""
JUDGE_CONTEXT_WORDS = 3
"""Words besides the sign's own and function words that a sentence needs for the second opinion to doubt it: "my
face is drooping" is the sign and nothing else, so there is nothing to weigh ("my love life is totally
paralysed" has three)."""
_FUNCTION_WORDS = frozenset(
    "a an the my your his her their our its this that these those of to in on at for with by from as is am are was "
    "were be been being it i me we you he she they them him us and or some really very just so quite get got has "
    "have had does do did will would should could keep keeps kept im it's i'm he's she's".split())

_PLACE_WORDS = frozenset(
    "left right side sides one same other whole both half top bottom upper lower corner only ever always every time "
    "times again um uh er erm like face eye eyes eyelid lip lips mouth cheek cheeks chin jaw forehead brow nose arm "
    "arms leg legs hand hands foot feet finger fingers head body fingertips toes tongue neck shoulder shoulders ear "
    "ears temple lid lids eyelids brow eyebrow around round near under over across inside below above behind".split())
"""Words that name a place on the body (or where on it: "around the mouth"), a side, or how often, and say
nothing of what it does."""
PEOPLE = frozenset("man woman lady guy boy girl baby child kid person someone somebody wife husband partner mum mom "
                   "mam mother dad father son daughter grandson granddaughter brother sister nan gran grandma granny "
                   "grandad grandpa friend mate neighbour neighbor colleague coworker patient driver".split())
"""Words for people: whose a body part is, once "'s" is taken off ("my wife's left cheek"), and who a sign is said
of (assess.PERSONAL: "the bus driver has collapsed" is not about the bus)."""
_SENTENCES = re.compile(r"[.!?;]+")
_WELL = re.compile(r"(?<![a-z'])(?:normal|normally|fine|okay|ok|alright|all right)(?![a-z'])")
"""Words that say all is well: a clause with them and no denial is not a sign by meaning ("both sides of my face
move normally")..."""
WELL_AT_END = 3
"""...said of what the clause tells, at its end ("my face feels fine", "move normally in between"; not "I'm okay,
just my face feels odd")..."""
_WAS_WELL = re.compile(r"(?<![a-z'])(?:was|were|until|till|then|now|suddenly|but)(?![a-z'])")
"""...unless it was well before, or is well no more: "grandma was fine at breakfast now she keeps saying fork" tells
when a stroke began."""
_NO_FAULT = re.compile(r"(?:(?:there is|there has been|i have|i have got|i have had|have had|i had)\s+)?"
                       r"(?:nothing wrong|no problem|no problems|no trouble|no issue|no issues)\s+with\b")
"""A clause that opens by denying a fault ("nothing wrong with my balance", "no problems with my speech"): all is
well with what it names."""
_DENIAL = re.compile(r"(?<![a-z'])(?:no|not|never|cannot|cant|wont|unable|nothing)(?![a-z'])")
"""A denial in a clause normalized as content is ("won't" is "will not")."""
_CLAUSE_BREAKS = re.compile(r",|\b(?:and|but|so|because|cause|cos|then|while|though|although|plus|except)\b", re.I)
_COMMAS = re.compile(r"(?<!\d),(?!\d)")
"""A comma that is not inside a number ("1,000")."""
_WORDS = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class MeaningHit:
    """A red flag found by meaning in one clause."""

    id: str
    clause: str
    example: str
    """The content example it is closest to (so a clinician can see why, and add one)."""
    score: float
    """Cosine similarity to that example."""


@dataclass(frozen=True)
class Objection:
    """Why a phrase hit is asked about rather than raised: the "not now" example its sentence is closest to."""

    kind: str
    """The meaning.toml bank: question, figurative, past, explained, thing, gradual, denied or twitch."""
    sentence: str
    example: str
    score: float


@dataclass(frozen=True)
class Judge:
    """A second opinion on a sign said in plain words: does the sentence report an emergency now? A logistic
    regression on the sentence vector, trained on the tuning sets' utterances that hold a phrase hit and on the
    content's banks (red_flags.toml examples: yes; meaning.toml look-alikes: no) by
    scripts/train_second_opinion.py. It can only make the kiosk ask before the emergency prompt, never clear a
    sign: a figure of speech, an explained or past sign it doubts is asked about, not raised at once."""

    weights: np.ndarray = field(repr=False)
    bias: float = 0.0
    find_weights: np.ndarray | None = field(default=None, repr=False)
    """The sign finder, a second logistic regression, on clauses: does this clause tell of a warning sign at all
    (now or not)? Trained on the banks and on the tuning sets' clauses: the clause nearest a sign of each emergency
    (yes), every clause of their everyday cases (no)."""
    find_bias: float = 0.0
    cause_ids: tuple[str, ...] = ()
    """The cause guess, a softmax regression over these causes on the utterance vector (:func:`utterance_vector`),
    trained on the tuning sets' cause cases: which cause does this description sound like? (Empty: no guess.)"""
    cause_weights: np.ndarray | None = field(default=None, repr=False)
    cause_bias: np.ndarray | None = field(default=None, repr=False)
    recall_vectors: np.ndarray | None = field(default=None, repr=False)
    """The memory: the clause that tells of the sign in each emergency of the tuning sets (one row each)..."""
    recall_flags: tuple[str, ...] = ()
    """...the red flag each tells of (the phrase rules' when they found one, else its nearest sign example's)..."""
    recall_texts: tuple[str, ...] = ()
    """...and the clause itself, shown as the example a hit is closest to (so a clinician can see why)."""
    unlike_vectors: np.ndarray | None = field(default=None, repr=False)
    """Clauses the memory must not be mistaken for: the sign-like clause of each look-alike of the tuning sets and
    the clauses of their everyday cases that are close to a remembered sign."""

    def recalls(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row of ``vectors``: the nearest remembered sign clause (its row), its similarity, and the highest
        similarity to a remembered look-alike (-1 without one). Without a memory, rows of -1."""
        n = len(vectors)
        if self.recall_vectors is None or not len(self.recall_vectors):
            return np.full(n, -1), np.full(n, -1.0), np.full(n, -1.0)
        near = vectors @ self.recall_vectors.T
        best = near.argmax(axis=1)
        unlike = ((vectors @ self.unlike_vectors.T).max(axis=1) if self.unlike_vectors is not None
                  and len(self.unlike_vectors) else np.full(n, -1.0))
        return best, near[np.arange(n), best], unlike

    def chance(self, vectors: np.ndarray) -> np.ndarray:
        """Per row of ``vectors``, the chance that it reports an emergency now."""
        return np.asarray(1.0 / (1.0 + np.exp(-(vectors @ self.weights + self.bias))), dtype=np.float64)

    def causes(self, vector: np.ndarray) -> tuple[tuple[str, float], ...]:
        """(cause id, chance) for one utterance vector, most likely first; () without a cause guess."""
        if not self.cause_ids or self.cause_weights is None or self.cause_bias is None:
            return ()
        logits = np.asarray(vector, dtype=np.float64) @ self.cause_weights + self.cause_bias
        chances = np.exp(logits - logits.max())
        chances /= chances.sum()
        return tuple((self.cause_ids[k], float(chances[k])) for k in np.argsort(-chances))

    def finds(self, vectors: np.ndarray) -> np.ndarray:
        """Per row of ``vectors``, the chance that it tells of a warning sign (without a finder, :meth:`chance`)."""
        if self.find_weights is None:
            return self.chance(vectors)
        return np.asarray(1.0 / (1.0 + np.exp(-(vectors @ self.find_weights + self.find_bias))), dtype=np.float64)


@dataclass(frozen=True)
class Reading:
    """What the meaning layer makes of one utterance."""

    hits: tuple[MeaningHit, ...] = ()
    """The best clause for each red flag that some clause is close to."""
    sentences: tuple[str, ...] = ()
    sentence_signs: tuple[dict[str, float], ...] = ()
    """Per sentence, each red flag's best similarity."""
    sentence_context: tuple[Objection | None, ...] = ()
    """Per sentence, its closest "not now" example."""
    unwell: str = ""
    """The [unwell] example some clause is close to ("I came over all funny"), or "": a vague health complaint."""
    chances: tuple[tuple[str, float], ...] = ()
    """(sentence or clause, the second opinion's chance that it reports an emergency now), when there is one."""
    cause_guess: tuple[tuple[str, float], ...] = ()
    """The second opinion's cause guess for the whole utterance (:meth:`Judge.causes`), when it has one."""

    def emergency_chance(self, said: str) -> float | None:
        """The second opinion on a phrase hit (its words ``said``): the mean of the chance for the narrowest
        clause or sentence that holds those words with some context and the highest chance among all that hold
        them (every sentence when none does), or None without a second opinion."""
        if not self.chances:
            return None
        wanted = _WORDS.findall(said.lower())
        holding = [(piece, p) for piece, p in self.chances
                   if wanted and all(w in _WORDS.findall(piece.lower()) for w in wanted)]
        if not holding:
            holding = [(piece, p) for piece, p in self.chances if piece in self.sentences] or list(self.chances)
        weighed = [(piece, p) for piece, p in holding if _context_words(piece, wanted) >= JUDGE_CONTEXT_WORDS]
        if not weighed:
            return None  # the sign said and little else: nothing for a second opinion to weigh
        # the sign's own clause and the most alarming reading, weighed alike: the whole sentence alone let
        # "my face dropped when I saw the parking fine, and now my lip twitches" through (0.56), the clause
        # alone (0.19) doubted plain signs such as "seeing two of everything since lunch"
        narrowest = min(weighed, key=lambda x: len(x[0]))[1]
        return (narrowest + max(p for _, p in holding)) / 2

    def objection(self, flag_id: str, said: str = "") -> Objection | None:
        """The context that makes a phrase hit of ``flag_id`` (its words ``said``) doubtful, or None. Only the
        sentences that hold those words are looked at, or every sentence when none does."""
        wanted = _WORDS.findall(said.lower())
        where = [i for i, s in enumerate(self.sentences) if wanted and all(w in _WORDS.findall(s.lower()) for w in wanted)]
        best: Objection | None = None
        for i in where or range(len(self.sentences)):
            context = self.sentence_context[i]
            if context is None:
                continue
            if context.score >= self.sentence_signs[i].get(flag_id, 0.0) + CONTEXT_MARGIN:
                if best is None or context.score > best.score:
                    best = context
        return best


@dataclass(frozen=True)
class MeaningIndex:
    """The content's example banks, embedded once."""

    embed: Embed
    flag_ids: tuple[str, ...]
    flag_rows: tuple[np.ndarray, ...]
    """Per red flag (same order as ``flag_ids``), the rows of ``vectors`` that are its examples."""
    examples: tuple[str, ...]
    vectors: np.ndarray
    kinds: tuple[str, ...]
    """The "not now" kind of each row of ``context_vectors``."""
    context_examples: tuple[str, ...]
    context_vectors: np.ndarray = field(repr=False)
    cues: dict[str, re.Pattern[str] | None] = field(default_factory=dict)
    """Per objecting kind, its cue words as one pattern (None: a kind with no cues)."""
    kind_rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    """Per objecting kind, the rows of ``context_vectors`` that are its examples."""
    unwell_examples: tuple[str, ...] = ()
    unwell_vectors: np.ndarray | None = field(default=None, repr=False)
    judge: Judge | None = None
    """The second opinion on signs said in plain words, or None (then every such sign is raised at once)."""
    not_by_meaning: dict[str, re.Pattern[str]] = field(default_factory=dict)
    """Per red flag, words that make a clause something else when it is found only by meaning
    (RedFlag.not_by_meaning)."""

    @classmethod
    def build(cls, kb: KnowledgeBase, embed: Embed, embed_content: Embed | None = None,
              judge: Judge | None = None) -> MeaningIndex | None:
        """The index of ``kb``'s banks, or None when no red flag has examples. ``embed_content`` (a cached
        embedder the edge may have for content) embeds the banks; ``embed`` what people say."""
        flags = [f for f in kb.red_flags if f.examples]
        if not flags:
            return None
        examples = tuple(e for f in flags for e in f.examples)
        rows, start = [], 0
        for f in flags:
            rows.append(np.arange(start, start + len(f.examples)))
            start += len(f.examples)
        kinds = tuple(k for k, kind in kb.not_now.items() for _ in kind.examples)
        context = tuple(e for kind in kb.not_now.values() for e in kind.examples)
        content = embed_content or embed
        vectors = np.asarray(content(list(examples + context + kb.unwell)), dtype=np.float32)
        cues = {k: _cue_pattern(kind.cues) for k, kind in kb.not_now.items() if kind.objects}
        kind_rows = {k: np.array([i for i, row_kind in enumerate(kinds) if row_kind == k]) for k in cues}
        n, m = len(examples), len(examples) + len(context)
        others = {f.id: pattern for f in flags if (pattern := _cue_pattern(f.not_by_meaning)) is not None}
        return cls(embed, tuple(f.id for f in flags), tuple(rows), examples, vectors[:n], kinds, context,
                   vectors[n:m], cues, kind_rows, kb.unwell, vectors[m:], judge, others)

    def read(self, text: str, with_sentences: bool = True) -> Reading:
        """Compare every clause of ``text`` with the banks, and every sentence when ``with_sentences`` (the
        sentences serve only to object to a phrase hit: without one, embedding them is time spent for nothing)."""
        sentences, clauses = split_clauses(text)
        if not with_sentences:
            sentences = []
        pieces = list(dict.fromkeys(clauses + sentences))
        if not pieces:
            return Reading()
        vectors = np.asarray(self.embed(pieces), dtype=np.float32)
        sign_sim = vectors @ self.vectors.T
        if self.context_examples:
            ctx_sim = vectors @ self.context_vectors.T
            ctx_best = ctx_sim.argmax(axis=1)
            ctx_score = ctx_sim[np.arange(len(pieces)), ctx_best]
        else:
            ctx_best, ctx_score = np.zeros(len(pieces), dtype=int), np.full(len(pieces), -1.0)
        best_rows = [sign_sim[:, rows].argmax(axis=1) for rows in self.flag_rows]
        hits: dict[str, MeaningHit] = {}
        clause_set = set(clauses)
        judged = self.judge.chance(vectors) if self.judge is not None else None
        has_finder = self.judge is not None and self.judge.find_weights is not None
        found = self.judge.finds(vectors) if self.judge is not None and has_finder else judged
        ask_at = FINDER_ASK if has_finder else FINDER_ASK_WITHOUT
        recalled, recall_score, unlike_score = (self.judge.recalls(vectors) if self.judge is not None
                                                else (None, np.zeros(0), np.zeros(0)))
        for p, piece in enumerate(pieces):
            if piece not in clause_set or names_only_a_place(piece):
                continue
            for f, flag_id in enumerate(self.flag_ids):
                row = int(self.flag_rows[f][best_rows[f][p]])
                score = float(sign_sim[p, row])
                if (score >= SIGN_MIN and score >= float(ctx_score[p]) + SIGN_MARGIN
                        and not self._tells_else(flag_id, piece)):
                    if flag_id not in hits or score > hits[flag_id].score:
                        hits[flag_id] = MeaningHit(flag_id, piece, self.examples[row], round(score, 3))
            if found is not None and float(found[p]) >= ask_at and not any(h.clause == piece for h in hits.values()):
                # no example close enough, but the sign finder is fairly sure it tells of a sign ("she keeps
                # saying fork when she means phone"): asked about, as the sign it is nearest to
                f = int(np.argmax([sign_sim[p, rows].max() for rows in self.flag_rows]))
                row = int(self.flag_rows[f][best_rows[f][p]])
                score = float(sign_sim[p, row])
                # ...unless it is closer, and close in its own right, to a twitch ("it's always the same side of
                # my face that jumps") or a thing (FINDER_YIELDS_TO). Not the denial bank: a denial ("my smile is
                # even") is too near its sign ("the left side of my smile is gone") for nearness alone to tell
                yields = (self.kinds[int(ctx_best[p])] in FINDER_YIELDS_TO and float(ctx_score[p]) >= SIGN_MIN
                          and float(ctx_score[p]) > score)
                if (score >= FINDER_SIGN_MIN and not yields and self.flag_ids[f] not in hits
                        and not self._tells_else(self.flag_ids[f], piece)):
                    hits[self.flag_ids[f]] = MeaningHit(self.flag_ids[f], piece, self.examples[row], round(score, 3))
            if recalled is not None and float(recall_score[p]) >= RECALL_MIN:
                hit = self._recall(piece, int(recalled[p]), float(recall_score[p]),
                                   max(float(unlike_score[p]), float(ctx_score[p])), sign_sim[p], hits)
                if hit is not None:
                    hits[hit.id] = hit
        signs, contexts = [], []
        for sentence, marked in zip(sentences, marked_sentences(text) if sentences else [], strict=True):
            p = pieces.index(sentence)
            signs.append({flag_id: float(sign_sim[p, self.flag_rows[f]].max()) for f, flag_id in enumerate(self.flag_ids)})
            contexts.append(self._context(marked, ctx_sim[p]) if self.context_examples else None)
        unwell = ""
        if self.unwell_examples and self.unwell_vectors is not None:
            near = vectors @ self.unwell_vectors.T
            best = int(near.max(axis=0).argmax())
            if float(near[:, best].max()) >= UNWELL_MIN:
                unwell = self.unwell_examples[best]
        chances: tuple[tuple[str, float], ...] = ()
        if judged is not None and with_sentences:
            chances = tuple(zip(pieces, (float(p) for p in judged), strict=True))
        guess = self._guess(vectors[[pieces.index(c) for c in dict.fromkeys(clauses)]]) if clauses else ()
        return Reading(tuple(hits.values()), tuple(sentences), tuple(signs), tuple(contexts), unwell, chances, guess)

    def _recall(self, clause: str, row: int, score: float, unlike: float, sign_sim: np.ndarray,
                hits: dict[str, MeaningHit]) -> MeaningHit | None:
        """The memory's reading of a clause that its remembered sign clause ``row`` is ``score`` close to (and the
        closest look-alike or "not now" example ``unlike`` close), or None: no example was close enough, but a
        clause that told of a sign in a tuning set is, and nothing known not to be one is as close. Asked about as
        that clause's sign, or as RECALL_OTHERWISE (see RECALL_SAME)."""
        if self.judge is None or score < unlike + RECALL_MARGIN or any(h.clause == clause for h in hits.values()):
            return None
        flag_id = self.judge.recall_flags[row]
        near = [self.flag_ids[f] for f in np.argsort([-float(sign_sim[rows].max()) for rows in self.flag_rows],
                                                      kind="stable")]
        rank = near.index(flag_id) if flag_id in near else len(near)
        if rank >= RECALL_AGREE:
            return None
        if rank >= RECALL_SAME and RECALL_OTHERWISE in near:
            flag_id = RECALL_OTHERWISE
        if flag_id in hits or self._tells_else(flag_id, clause):
            return None
        return MeaningHit(flag_id, clause, self.judge.recall_texts[row], round(score, 3))

    def _tells_else(self, flag_id: str, clause: str) -> bool:
        """True when ``clause`` says in words that it tells something other than ``flag_id`` (its
        ``not_by_meaning`` words), or that all is well ("both sides of my face move normally"), and denies nothing
        ("it won't close on its own", "it's not normal" may still be the sign)."""
        pattern = self.not_by_meaning.get(flag_id)
        said = normalize(clause)  # as the content's words are ("on its own" is "on it is own")
        if _NO_FAULT.match(said):
            return True
        if _DENIAL.search(said):
            return False
        return ((pattern is not None and pattern.search(said) is not None)
                or (_WELL.search(" ".join(said.split()[-WELL_AT_END:])) is not None and not _WAS_WELL.search(said)))

    def guess_causes(self, text: str) -> tuple[tuple[str, float], ...]:
        """The second opinion's cause guess for ``text`` (most likely first), or () without one."""
        clauses = list(dict.fromkeys(split_clauses(text)[1]))
        if self.judge is None or not self.judge.cause_ids or not clauses:
            return ()
        return self._guess(np.asarray(self.embed(clauses), dtype=np.float32))

    def _guess(self, clause_vectors: np.ndarray) -> tuple[tuple[str, float], ...]:
        """The cause guess on the utterance's clauses: their mean vector, made unit length again (the clauses
        are embedded anyway; embedding the whole utterance too would cost a model call)."""
        return self.judge.causes(utterance_vector(clause_vectors)) if self.judge is not None else ()

    def _context(self, sentence: str, similarity: np.ndarray) -> Objection | None:
        """The closest look-alike whose kind is shown in the sentence (a cue), or is clearly closer (no cues);
        its score is lowered by the margin a kind without cues must clear, so one threshold serves both."""
        best: Objection | None = None
        lowered = sentence.lower()
        for kind, pattern in self.cues.items():
            rows = self.kind_rows[kind]
            j = int(rows[int(similarity[rows].argmax())])
            score = float(similarity[j])
            if pattern is None:
                score -= NO_CUE_MARGIN - CONTEXT_MARGIN
            elif not pattern.search(lowered):
                continue
            if best is None or score > best.score:
                best = Objection(kind, sentence.rstrip("?!. "), self.context_examples[j], round(score, 3))
        return best


def names_only_a_place(clause: str) -> bool:
    """True when ``clause`` names a body part or a side and says nothing of it ("my left eye", "it's always the
    same side"): a fragment of a longer telling, which meaning alone would put near "I've lost the sight in my
    left eye". (A statement cut off after its verb, "my face went...", is the phrase rules' to ask about.)"""
    words = [w[:-2] if w.endswith("'s") else w for w in _WORDS.findall(clause.lower())]
    return bool(words) and all(w in _FUNCTION_WORDS or w in _PLACE_WORDS or w in PEOPLE for w in words)


def utterance_vector(clause_vectors: np.ndarray) -> np.ndarray:
    """The unit-length mean of an utterance's clause vectors: what the cause guess reads."""
    mean = np.asarray(clause_vectors, dtype=np.float64).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm if norm > 0 else mean, dtype=np.float64)


def _context_words(piece: str, sign_words: Sequence[str]) -> int:
    """Words of ``piece`` that are neither the sign's own nor function words."""
    return sum(1 for w in _WORDS.findall(piece.lower()) if w not in _FUNCTION_WORDS and w not in sign_words)


def _cue_pattern(cues: Sequence[str]) -> re.Pattern[str] | None:
    if not cues:
        return None
    words = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9'])(?:{words})(?![a-z0-9'])")


def marked_sentences(text: str) -> list[str]:
    """The sentences of :func:`split_clauses`, each with the mark that ended it ("is that a stroke?")."""
    out = []
    for m in re.finditer(r"[^.!?;]+[.!?;]*", text):
        sentence = as_typed(m.group())
        if len(_SENTENCES.sub(" ", sentence).split()) >= 2:
            out.append(sentence)
    return out


def as_typed(piece: str) -> str:
    """A sentence as the sets the second opinion learned from are written: one space between words and no commas.

    Whisper punctuates and the sets do not, and the sentence model reads a comma: "My lip is twitching, and my face
    feels numb" got an emergency chance of 0.48 (doubted: asked, not raised), the same words without it 0.61.
    Clauses still split at commas (:func:`split_clauses`); only what is embedded whole loses them."""
    return " ".join(_COMMAS.sub(" ", piece).split())


def split_clauses(text: str) -> tuple[list[str], list[str]]:
    """(sentences, clauses): sentences split at full stops, question and exclamation marks; clauses split
    further at commas and joining words. Pieces of one word are dropped (they carry no meaning alone)."""
    sentences, clauses = [], []
    for raw in _SENTENCES.split(text):
        sentence = " ".join(raw.split())
        if len(sentence.split()) < 2:
            continue
        sentences.append(as_typed(sentence))
        for part in _CLAUSE_BREAKS.split(sentence):
            part = " ".join(part.split())
            if len(part.split()) >= 2:
                clauses.append(part)
    return sentences, clauses
