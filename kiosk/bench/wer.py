"""Word error rate with the scoring rule of ../shared/audio/speech/INDEX.txt, and WER of chosen terms.

Rule: upper case, hyphens become spaces, everything but A-Z, apostrophes and spaces is dropped; then
word-level Levenshtein distance, summed over a set and divided by the set's reference words.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_DROP = re.compile(r"[^A-Z' ]+")


def normalize(text: str) -> list[str]:
    """Words of ``text`` under the INDEX.txt rule."""
    text = text.upper().replace("-", " ")
    return _DROP.sub("", text).split()


_DIGIT_WORDS = "ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE".split()


def spell_digits(text: str) -> str:
    """Each digit as its word ("1,0001" -> "ONE ZERO ZERO ZERO ONE"): a recognizer that writes digits is not
    charged for them (the INDEX.txt rule drops digits). Used only for the second, labelled figure."""
    text = re.sub(r"(?<=\d)[,.](?=\d)", "", text)
    return re.sub(r"\d", lambda m: f" {_DIGIT_WORDS[int(m.group())]} ", text)


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[str | None, str | None]]:
    """A minimum-edit alignment as (ref word or None, hyp word or None) pairs."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    pairs: list[tuple[str | None, str | None]] = []
    i, j = n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            pairs.append((ref[i - 1], None))
            i -= 1
        else:
            pairs.append((None, hyp[j - 1]))
            j -= 1
    return pairs[::-1]


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Word-level Levenshtein distance (substitutions, deletions, insertions)."""
    return sum(1 for r, h in align(ref, hyp) if r != h)


@dataclass
class WerCount:
    """Errors and reference words, summed over a set (WER = errors / words)."""

    errors: int = 0
    words: int = 0
    utterances: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        ref, hyp = normalize(reference), normalize(hypothesis)
        self.errors += edit_distance(ref, hyp)
        self.words += len(ref)
        self.utterances += 1

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else float("nan")


def wer(pairs: Iterable[tuple[str, str]]) -> float:
    """WER of (reference, hypothesis) pairs, errors summed over all pairs."""
    count = WerCount()
    for ref, hyp in pairs:
        count.add(ref, hyp)
    return count.wer


@dataclass
class TermCount:
    """Errors on chosen reference words only: a term counts as wrong when it is substituted or deleted.

    Insertions are not counted because they belong to no reference term.
    """

    errors: int = 0
    terms: int = 0

    def add(self, reference: str, hypothesis: str, vocabulary: frozenset[str]) -> None:
        for r, h in align(normalize(reference), normalize(hypothesis)):
            if r is not None and r in vocabulary:
                self.terms += 1
                self.errors += r != h

    @property
    def wer(self) -> float:
        return self.errors / self.terms if self.terms else float("nan")


FUNCTION_WORDS = frozenset(
    "A AN THE MY YOUR OF ON IN AT TO AND OR IS ARE AM BE IT I ME FOR WITH NOT NO CAN DO DOES HAVE HAS "
    "SIDE ONE THAT THIS FROM BY AS UP OUT".split())
"""Grammar words dropped from the medical-term vocabulary: they are in every sentence, not terms."""


def term_vocabulary(phrases: Iterable[str]) -> frozenset[str]:
    """The words of the given content phrases (normalized as for WER), less the grammar words."""
    words: set[str] = set()
    for phrase in phrases:
        words.update(w for w in normalize(phrase) if w not in FUNCTION_WORDS and len(w) > 2)
    return frozenset(words)
