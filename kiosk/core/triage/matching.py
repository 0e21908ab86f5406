"""Find content phrases (clues, red-flag phrases, scope terms) in what a person said.

Matching works word by word, then phrase by phrase:

* each spoken word is compared with the words of every phrase: equal stems match at once; longer words
  that are not ordinary function words are compared with rapidfuzz's ``ratio`` against phrase words of a
  similar length, with a threshold that grows stricter as words get shorter. Short words (4 letters or
  fewer) must match exactly, because one changed letter turns "week" into "weak". We do not use
  ``token_set_ratio``: it scores 100 whenever one side is a subset of the other.
* two neighbouring spoken words are also tried joined, exactly ("di george" -> "digeorge", "red bull" ->
  "redbull"); fuzzy matching of joined pairs made too many false red flags.
* a phrase matches when its content words appear in order, with at most ``MAX_GAP`` other words between
  neighbours ("my arm suddenly went weak" matches "arm went weak"). Function words in a phrase are optional.

Fuzzy look-ups are cached per spoken word, so the cost of a turn is a few dictionary look-ups per word.
"""
from __future__ import annotations

import bisect
import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

MAX_GAP = 3
"""Most words that may stand between two neighbouring words of a phrase."""
PAIR_GAP = 4
"""The same for a red flag's body-sign pairs ("words are coming out all wrong"); their gaps may not hold a
word that joins two clauses (PAIR_BLOCKERS), so "not working right and my face twitches" is no pair."""
TIGHT_WORDS = frozenset({"no"})
"""Pattern words that make a phrase with the next one ("no feeling", "no power"): at most one word between."""
TIGHT_BEFORE = frozenset({"week"})
"""A recognizer's spelling of a sign that is also an everyday word ("arm feels week"): it counts only right after
the word before it, so "my arm feels better this week" is no sign."""
PAIR_BLOCKERS = frozenset("and but or so because then when while after before if now".split())
"""("and"/"or" only before a new subject: see _new_clause.)"""

STOPWORDS = frozenset(
    "a an the my your his her their our its this that these those of to in on at for with by from as is am are "
    "was were be been being it i me we you he she they them him us and or some really very just so quite "
    "get got gets getting has have had having does do did will would should could keep keeps kept".split()
)
"""Function words: never fuzzy-matched, and optional inside a phrase. Negations are deliberately absent."""

_FUZZY_CACHE_MAX = 20000
LITERAL = "="
"""A phrase written "=she is mumbling" needs every one of its words, function words too."""
LITERAL_BELOW = 4
"""A phrase whose only content word is this short keeps its function words as required words."""
JOIN_MIN_LENGTH = 8
"""Content words this long may be matched by two or three spoken words joined (fuzzy_joins)."""
JOIN_THRESHOLD = 85.0
MAX_JOINED = 4
"""Most spoken words tried joined as one content word ("hypo para thigh roid" -> "hypoparathyroid")."""
WORD_FOR_WORD = 75.0
"""How alike (rapidfuzz ratio) each spoken word must be to its word, when a phrase of several words is matched by
spoken words joined: "give" is 75 to "gave", "now" 57 to "nose"."""
SOUND_MIN_LENGTH = 7
"""Content words this long are also matched by sound (metaphone) from joined spoken words: recognizers
write rare drug and disease names as common words that sound alike ("hollow perry doll" -> "haloperidol",
"pot a sium" -> "potassium"). Shorter words would collide with everyday words ("stairs" -> "stress")."""
SOUND_SIMILARITY = 0.85
TYPO_MIN_LENGTH = 6
"""Words this long may also match a content word as written, one letter off ("numbess" for "numbness"),
which the stem comparison misses when the typo hides a suffix. The first letter must agree: "painted" is
not "fainted"."""


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix-stripper so "twitches", "twitching" and "twitch" compare equal (remembered: the same few
    thousand words are stemmed again at every utterance)."""
    if len(word) <= 3:
        return word
    for suffix, replacement in (("nesses", ""), ("ness", ""), ("ings", ""), ("ing", ""), ("edly", ""),
                                ("ied", "y"), ("ies", "y"), ("ed", ""), ("ches", "ch"), ("shes", "sh"),
                                ("sses", "ss"), ("xes", "x"), ("s", ""), ("ly", "")):
        if suffix == "s" and word.endswith(("ss", "us", "is")):  # "stress", "nervous", "paralysis"
            break
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + replacement
            break
    if word.endswith("i"):
        word = word[:-1] + "y"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz" and word[-1].isalpha():
        word = word[:-1]
    return word


def fuzzy_threshold(length: int) -> float | None:
    """Lowest rapidfuzz ratio (0-100) accepted for a word of this many letters; None: exact only."""
    if length <= 4:
        return None
    # one threshold for every longer word: two letters off in a 7-10 letter word is another word
    # ("constant"/"instant", "concussion"/"confusion")
    return 85.0


@dataclass(frozen=True)
class Phrase:
    """One phrase of the content, ready for matching."""

    text: str
    owner: str
    """Cause id, red-flag id, or "scope"."""
    weight: float
    pattern: tuple[str, ...]
    """Stems of the content words that must appear in order."""
    pair: bool = False
    """A generated body-sign pair: a wider gap, but not across a clause."""
    slack: tuple[int, ...] = ()
    """For each pattern word, the phrase's own function words before it: each may be said, so each adds
    one to the gap allowed there ("like i have been to the dentist")."""


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    start: int
    """Index of the first spoken word of the match."""
    end: int
    """Index after the last spoken word of the match."""
    positions: tuple[int, ...]
    similarity: float
    """0..1; 1 when every word matched exactly."""
    said: str
    """The words the person actually said, for evidence ("you mentioned energy drinks")."""


class PhraseIndex:
    """All phrases of one kind (say, every red-flag phrase), indexed for fast matching."""

    def __init__(self, phrases: Iterable[tuple[str, str, float] | tuple[str, str, float, bool]],
                 fuzzy_joins: bool = False, known: Iterable[str] = (), every: bool = False,
                 everyday: Collection[str] = frozenset()):
        """``phrases``: (text, owner, weight) or (text, owner, weight, is_pair).

        ``fuzzy_joins``: also compare two or three spoken words joined with long content words, loosely, for
        a recognizer that splits a rare word ("pred nis own" -> "prednisone"). Cause clues only: on red
        flags it made false alarms (see :meth:`find`).

        ``known``: words the knowledge base uses for other things (cause clues, scope words). Said exactly,
        they stand for themselves and are never read loosely as one of these phrases' words: "blinking"
        (a tic) is not "blinding", one letter off.

        ``every``: :meth:`find` returns every occurrence of a phrase, not only its best: red flags need it,
        since "no numbness ... now my face feels numb" says the sign twice and only the second counts.

        ``everyday``: the words of the language (a word list the edge reads). Said, such a word is itself, never a
        one-letter typo of a content word: "stopped" is not "stooped". A typo is what the list lacks ("numbess")."""
        self.fuzzy_joins = fuzzy_joins
        self.every = every
        self._known = set(known)
        self._everyday = everyday
        self.phrases: list[Phrase] = []
        by_first: dict[str, list[Phrase]] = {}
        joined_stems: set[str] = set()
        self._joined_words: dict[str, list[tuple[str, ...]]] = {}
        """Per joined form of a phrase of several words ("redbull"), those words; only forms that are no content
        word of their own (those, "tourette" beside "tour ettes", a recognizer may split as it likes)."""
        for text, owner, weight, *rest in phrases:
            literal = text.startswith(LITERAL)
            text = text[len(LITERAL):] if literal else text
            words = text.split()
            content = [w for w in words if w not in STOPWORDS] or words
            if literal or (len(words) > 1 and len(content) == 1 and len(content[0]) <= LITERAL_BELOW):
                content = words  # "had a fit" is not "fit", "my son" is not "son": keep every word
            slack, run = [], 0
            for w in words:
                if content is not words and w in STOPWORDS:
                    run += 1
                else:
                    slack.append(run)
                    run = 0
            phrase = Phrase(text, owner, weight, tuple(stem(w) for w in content), bool(rest and rest[0]),
                            tuple(slack))
            self.phrases.append(phrase)
            by_first.setdefault(phrase.pattern[0], []).append(phrase)
            if len(content) > 1:  # "red bull" also said as one word "redbull"
                joined = "".join(content)
                by_first.setdefault(stem(joined), []).append(Phrase(text, owner, weight, (stem(joined),)))
                joined_stems.add(stem(joined))
                self._joined_words.setdefault(stem(joined), []).append(tuple(content))
        self._by_first = by_first
        self._surface: dict[str, str] = {}
        self._surface_near: dict[tuple[str, int], list[str]] = {}
        for phrase in self.phrases:
            for word in phrase.text.split():
                if len(word) >= TYPO_MIN_LENGTH and word not in STOPWORDS and word not in self._surface:
                    self._surface[word] = stem(word)
                    self._surface_near.setdefault((word[0], len(word)), []).append(word)
        # in the content's order, not a set's: where stems tie (a fuzzy score, a sound key) the one first in the
        # content wins, the same on every run (with a set, "pa rotted" went to "parotid" or to "poor diet" by
        # the process's string hashing)
        self._vocab: dict[str, None] = dict.fromkeys(s for p in by_first.values() for ph in p for s in ph.pattern)
        self._by_length: dict[int, list[str]] = {}
        pattern_words = {s for ph in self.phrases for s in ph.pattern}
        exact_only = joined_stems - pattern_words  # a joined form matches exactly, never loosely:
        # "eyesight" is one letter pair off "eyesightgo" ("eyesight going" joined)
        self._joined_words = {k: v for k, v in self._joined_words.items() if k in exact_only}
        for word in self._vocab:
            if word not in exact_only:
                self._by_length.setdefault(len(word), []).append(word)
        self._fuzzy_cache: dict[str, tuple[tuple[str, float], ...]] = {}
        self._long = [w for w in self._vocab if len(w) >= JOIN_MIN_LENGTH]
        self._join_cache: dict[str, tuple[tuple[str, float], ...]] = {}
        self._long_near: dict[int, list[str]] = {}
        """Per length of a joined run, the long stems within two letters of it (a hot loop otherwise)."""
        self._sounds: dict[str, dict[str, None]] = {}
        """Stems by their metaphone key, each group in the content's order."""
        if fuzzy_joins:
            for phrase in self.phrases:
                written = [w for w in phrase.text.split() if w not in STOPWORDS]
                for word in written + ["".join(written)]:
                    if len(word) >= SOUND_MIN_LENGTH and stem(word) in self._vocab:
                        self._sounds.setdefault(jellyfish.metaphone(word), {})[stem(word)] = None

    def _word_matches(self, word: str) -> tuple[tuple[str, float], ...]:
        """Vocabulary stems that a spoken word may stand for, with a similarity in 0..1."""
        s = stem(word)
        exact = ((s, 1.0),) if s in self._vocab else ()
        threshold = fuzzy_threshold(len(s))
        if word in STOPWORDS or (threshold is None and len(word) < TYPO_MIN_LENGTH) or (word in self._known and not exact):
            return exact
        cached = self._fuzzy_cache.get(word)
        if cached is None:
            found = []
            if threshold is not None:
                span = max(1, len(s) // 4)
                choices = [w for n in range(len(s) - span, len(s) + span + 1) for w in self._by_length.get(n, ())
                           if fuzzy_threshold(min(n, len(s))) is not None]
                found = process.extract(s, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=5)
            cached = tuple((w, score / 100.0) for w, score, _ in found if w != s)
            if len(word) >= TYPO_MIN_LENGTH and word not in self._surface and word not in self._everyday:
                near = dict.fromkeys(self._surface[w] for n in (len(word) - 1, len(word), len(word) + 1)
                                     for w in self._surface_near.get((word[0], n), ())
                                     if Levenshtein.distance(word, w, score_cutoff=1) <= 1)
                cached += tuple((t, 0.9) for t in near if t != s and all(t != c for c, _ in cached))
            if len(self._fuzzy_cache) >= _FUZZY_CACHE_MAX:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[word] = cached
        return exact + cached

    def _joined_matches(self, joined: str) -> tuple[tuple[str, float], ...]:
        """Long vocabulary stems that a run of joined spoken words may stand for."""
        if len(joined) < JOIN_MIN_LENGTH:
            return ()
        cached = self._join_cache.get(joined)
        if cached is None:
            choices = self._long_near.get(len(joined))
            if choices is None:  # the same list for every run of this length: built once, in the same order
                choices = self._long_near[len(joined)] = [w for w in self._long if abs(len(w) - len(joined)) <= 2]
            found = process.extract(joined, choices, scorer=fuzz.ratio, score_cutoff=JOIN_THRESHOLD, limit=2)
            cached = tuple((w, score / 100.0) for w, score, _ in found)
            if len(self._join_cache) >= _FUZZY_CACHE_MAX:
                self._join_cache.clear()
            self._join_cache[joined] = cached
        return cached

    def _word_for_word(self, vocab: str, part: list[str], by_sound: bool = False) -> bool:
        """True unless ``vocab`` is the joined form of a phrase of several words that the spoken words ``part`` do
        not say word for word, each about as written (:data:`WORD_FOR_WORD`) or, ``by_sound``, with the same
        sounds (metaphone). Joined, a long word they share carries the rest: "twitches now" is 87 to "twitches his
        nose", "twitches sometimes" to "twitch at the same time", and "twitches since" sounds like "twitches nose";
        "face dropped" ("face drooping"), "doctor give" ("the doctor gave me") and "red bowl" (by sound, "red
        bull") are said word for word."""
        phrases = self._joined_words.get(vocab)
        if phrases is None:
            return True  # one long word, split by a recognizer ("pred nis own")
        said = [w for w in part if w not in STOPWORDS]

        def alike(a: str, b: str) -> bool:
            return fuzz.ratio(stem(a), stem(b)) >= WORD_FOR_WORD or (
                by_sound and jellyfish.metaphone(a) == jellyfish.metaphone(b))

        return any(len(said) == len(words) and all(alike(a, b) for a, b in zip(said, words, strict=True))
                   for words in phrases)

    def _sounds_like(self, joined: str) -> tuple[tuple[str, float], ...]:
        """Long vocabulary stems that sound like the joined spoken words (same metaphone key) and are still spelt
        somewhat alike (:data:`SOUND_FLOOR`): the key drops vowels and most doubled sounds, so "the right" has the
        key of "thyroid", "straight i" of "steroid" and "deep cut" of "depakote"; "hollow perry doll" is still
        spelt near "haloperidol"."""
        if len(joined) < SOUND_MIN_LENGTH - 1:
            return ()
        return tuple((w, SOUND_SIMILARITY) for w in self._sounds.get(jellyfish.metaphone(joined), ())
                     if fuzz.ratio(joined, w) >= SOUND_FLOOR)

    def find(self, words: list[str]) -> list[Match]:
        """The phrases said in ``words`` (normalized tokens): the best occurrence of each, or every
        occurrence when the index was built with ``every``."""
        # candidates: stem -> list of (start, end, similarity); single words and joined neighbours
        where: dict[str, list[tuple[int, int, float]]] = {}
        for i, word in enumerate(words):
            for vocab, sim in self._word_matches(word):
                where.setdefault(vocab, []).append((i, i + 1, sim))
            if i + 1 < len(words) and len(words[i]) + len(words[i + 1]) >= 6:
                # Joined words must match exactly: fuzzy on a joined pair reads "trouble sleeping" as
                # "trouble seeing" and "feel fine" as "feel faint".
                joined = stem(words[i] + words[i + 1])
                if joined in self._vocab:
                    where.setdefault(joined, []).append((i, i + 2, 1.0))
            if self.fuzzy_joins:
                for n in range(2, MAX_JOINED + 1):
                    part = words[i:i + n]
                    if len(part) < n:
                        continue
                    joined = "".join(part)
                    # by letters, a split word may hold a stopword inside ("pot a sium"), never at its ends;
                    # by sound, anywhere ("really zole" is riluzole): extra words change the sound key anyway
                    near = tuple(m for m in self._sounds_like(joined) if self._word_for_word(m[0], part, by_sound=True))
                    if part[0] not in STOPWORDS and part[-1] not in STOPWORDS:
                        near += tuple(m for m in self._joined_matches(stem(joined))
                                      if self._word_for_word(m[0], part))
                    for vocab, sim in near:
                        where.setdefault(vocab, []).append((i, i + n, sim))
        for spots in where.values():
            spots.sort()  # by start: _match_phrase looks up the spots just before each word with bisect
        best: dict[tuple[str, str], Match] = {}
        every: list[Match] = []
        for first in list(where):
            for phrase in self._by_first.get(first, ()):
                found = _match_phrase(phrase, where, words)
                if not found:
                    continue
                if self.every:
                    every += found
                    continue
                match = max(found, key=lambda m: m.similarity)
                key = (phrase.owner, phrase.text)
                if key not in best or match.similarity > best[key].similarity:
                    best[key] = match
        return every if self.every else list(best.values())


def _match_phrase(phrase: Phrase, where: dict[str, list[tuple[int, int, float]]], words: list[str]) -> list[Match]:
    """Every in-order occurrence of the phrase's pattern (the best one ending at each place), or [].

    Dynamic programming over the pattern's words; ``where`` lists each word's spots sorted by start. For
    each spot only the chains ending within the allowed gap before it are looked at (found by bisect), so a
    long text with one word said a thousand times costs n log n, not n squared."""
    # a chain: (end, summed similarity, start, the start of each pattern word)
    chains: list[tuple[int, float, int, tuple[int, ...]]] = sorted(
        (end, sim, start, (start,)) for start, end, sim in where.get(phrase.pattern[0], ()))
    blockers = PAIR_BLOCKERS.difference(phrase.text.split()) if phrase.pair else frozenset()  # "hurts so bad" keeps its "so"
    for k, part in enumerate(phrase.pattern[1:], start=1):
        extra = max(0, phrase.slack[k] - MAX_GAP) if k < len(phrase.slack) else 0
        gap = (PAIR_GAP if phrase.pair else MAX_GAP) + extra
        if phrase.pattern[k - 1] in TIGHT_WORDS:
            gap = min(gap, 1)  # "no feeling" is one thing said; "no dear, I feel well" is not
        if part in TIGHT_BEFORE:
            gap = 0
        options = where.get(part)
        if not options or not chains:
            return []
        ends = [c[0] for c in chains]
        nxt: list[tuple[int, float, int, tuple[int, ...]]] = []
        for start, end, sim in options:
            lo, hi = bisect.bisect_left(ends, start - gap), bisect.bisect_right(ends, start)
            reach = [c for c in chains[lo:hi]
                     if (not phrase.pair or not _new_clause(words, c[0], start, blockers))
                     and (words[c[0] - 1] != "not" or _bridges_not(words[c[0]:start]))]
            if reach:
                # equal similarity: the tighter chain, so "no arm can not button. can not puff my cheek" is
                # read from the second "can not", not from the denied first one
                _, total, first, pos = max(reach, key=lambda c: (c[1], c[2]))
                nxt.append((end, total + sim, first, pos + (start,)))
        if not nxt:
            return []
        chains = sorted(nxt)
    by_start: dict[int, tuple[int, float, int, tuple[int, ...]]] = {}
    for end, total, start, positions in chains:
        if start not in by_start or total > by_start[start][1]:
            by_start[start] = (end, total, start, positions)
    return [Match(phrase, start, end, positions, total / len(phrase.pattern), " ".join(words[start:end]))
            for end, total, start, positions in by_start.values()]


def _bridges_not(gap: list[str]) -> bool:
    """What may stand between "not" and the next word of a phrase: function words ("can not keep my
    balance") or one coordinated word ("can not whistle or smile"), not a whole clause ("is not confused he
    knows where he is" is no "not know where")."""
    return all(w in STOPWORDS for w in gap) or (len(gap) == 2 and gap[1] in {"or", "and", "nor"})


CLAUSE_OPENERS = frozenset("i my he his she her they their we our it its this that someone".split())


def _new_clause(words: list[str], lo: int, hi: int, blockers: frozenset[str]) -> bool:
    """True when ``words[lo:hi]`` starts a new clause: a blocker word, except "and"/"or" joining two words
    about the same thing ("tingling and heavy"); those block only before a new subject ("and my face"). "but only"
    narrows what was said, it starts no clause: "pins and needles, but only down my right side"."""
    for j in range(lo, hi):
        if words[j] in blockers:
            after = words[j + 1] if j + 1 < len(words) else ""
            if (words[j] in {"and", "or"} and after not in CLAUSE_OPENERS) or (words[j] == "but" and after == "only"):
                continue
            return True
    return False


def drop_contained(matches: list[Match]) -> list[Match]:
    """Keep the longest matches: a match whose words all lie inside a longer accepted match is dropped.

    "energy drinks" is a caffeine clue; the "drinks" inside it must not also count for alcohol, and
    "palsy" inside "bells palsy" must not count a second time for the same cause.
    """
    accepted: list[Match] = []
    covering: dict[int, list[set[int]]] = {}
    """Per spoken word, the words of each accepted match that holds it: only those can hold a later match (a
    scan of every accepted match made 100 kB of one clue said over and over take seconds)."""
    for m in sorted(matches, key=lambda m: (-(m.end - m.start), -len(m.phrase.pattern), -m.similarity)):
        used = set(m.positions)
        # only the words a match is made of count: "drink cola all day" must leave "cola" to caffeine
        if any(used <= held for held in covering.get(m.positions[0], ())):
            continue
        accepted.append(m)
        held = set(m.positions) | {m.end - 1}
        for p in held:
            covering.setdefault(p, []).append(held)
    return accepted


SPLIT_MIN_LENGTH = 7
"""Sign words this long may come back from a recognizer as two or three words ("draw ping")."""
SPLIT_THRESHOLD = 85.0
SOUND_FLOOR = 60.0
"""How alike in spelling a run that sounds like a long word (a sign word, a cause clue) must still be: "draw ping"
is 75 to "drooping", but "day since" (47 to "dizziness", the same metaphone) and "the right" (53 to "thyroid")
are everyday phrases."""


@dataclass(frozen=True)
class SplitSigns:
    """Long sign words, by spelling and by sound (metaphone), to join back what a recognizer split."""

    by_sound: dict[str, tuple[str, ...]]
    by_length: dict[int, tuple[str, ...]]

    @classmethod
    def build(cls, words: Iterable[str]) -> SplitSigns:
        """From the words of the red flags' phrases; only long content words are kept."""
        long = sorted({w for w in words if len(w) >= SPLIT_MIN_LENGTH and w.isalpha() and w not in STOPWORDS})
        by_length: dict[int, list[str]] = {}
        by_sound: dict[str, list[str]] = {}
        for w in long:
            by_length.setdefault(len(w), []).append(w)
            by_sound.setdefault(jellyfish.metaphone(w), []).append(w)
        return cls({k: tuple(ws) for k, ws in by_sound.items()}, {n: tuple(ws) for n, ws in by_length.items()})

    def _joined(self, run: list[str]) -> str | None:
        joined = "".join(run)
        if len(joined) < SPLIT_MIN_LENGTH - 1 or any(w in STOPWORDS or not w.isalpha() for w in (run[0], run[-1])):
            return None
        choices = [w for n in range(len(joined) - 2, len(joined) + 3) for w in self.by_length.get(n, ())]
        found = process.extractOne(joined, choices, scorer=fuzz.ratio, score_cutoff=SPLIT_THRESHOLD)
        if found is not None:
            return found[0]
        alike = [w for w in self.by_sound.get(jellyfish.metaphone(joined), ()) if fuzz.ratio(joined, w) >= SOUND_FLOOR]
        # words that sound the same ("drooping", "tripping"): the one spelt most like what was written
        return max(alike, key=lambda w: fuzz.ratio(joined, w), default=None)

    def respell(self, words: list[str], breaks: dict[int, str] | Mapping[int, str]
                ) -> tuple[list[str], dict[int, str]] | None:
        """``words`` with each run of two or three words that spells or sounds like a long sign word joined
        into it, and ``breaks`` moved to match; None when there is no such run."""
        out: list[str] = []
        moved: dict[int, str] = {}
        i = changed = 0
        while i < len(words):
            if i in breaks:
                moved[len(out)] = breaks[i]
            for n in (3, 2):
                run = words[i:i + n]
                if len(run) == n and not any(i + k in breaks for k in range(1, n)) and len(words[i]) < SPLIT_MIN_LENGTH:
                    sign = self._joined(run)
                    if sign is not None and sign not in run:
                        out.append(sign)
                        i += n
                        changed += 1
                        break
            else:
                out.append(words[i])
                i += 1
        return (out, moved) if changed else None


ONE_AFTER = frozenset("having have has".split())
"""Verbs before a "one" that may stand for something named earlier ("my brother had a stroke, I think my mate is
having one"). Not "had": one told as had is history; nor "getting", more often a fear for later ("scared of getting
one")."""
ONE_ANTECEDENTS = 6
"""Earlier "a ..." or "the ..." names tried for each such "one", nearest first: a long story holds many."""
ONE_ARTICLES = frozenset("a an the".split())
"""Words that open a name a "one" may stand for ("a stroke"; heard, "the stroke")."""


def one_named_again(words: list[str], breaks: Mapping[int, str]) -> list[tuple[list[str], dict[int, str]]]:
    """Readings of ``words`` with a "having one" (or "having another one") told as a thing named before it: each of
    the nearest "a", "an" or "the" before it with the one or two words after ("a stroke", "a heart attack"), unbroken by
    punctuation, put in its place, with ``breaks`` moved to match. Which of them names a sign is for the phrase rules
    to say."""
    readings: list[tuple[list[str], dict[int, str]]] = []
    for at, word in enumerate(words):
        verb = at - 2 if at > 1 and words[at - 1] == "another" else at - 1  # "having another one"
        if word != "one" or verb < 0 or words[verb] not in ONE_AFTER:
            continue
        starts = [i for i in range(verb - 1, -1, -1) if words[i] in ONE_ARTICLES][:ONE_ANTECEDENTS]
        for i in starts:
            for n in (3, 2):
                name = words[i:i + n]
                if i + n > verb or any(i + k in breaks for k in range(1, n)):
                    continue
                shift = n - (at - verb)
                readings.append((words[:verb + 1] + name + words[at + 1:],
                                 {k + shift if k > at else k: v for k, v in breaks.items() if not verb < k <= at}))
    return readings
