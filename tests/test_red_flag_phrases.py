"""Every red-flag phrase in the content: found in a sentence, not raised when negated, and still caught when
a recognizer or a typist gets one letter of a long word wrong. Generated from content, so a clinician's new
phrase is tested the moment it is added."""
from __future__ import annotations

import pytest

from conftest import CONTENT
from kiosk.content import load_knowledge_base
from kiosk.triage import TriageIndex, assess

KB = load_knowledge_base(CONTENT, with_cases=False)
INDEX = TriageIndex.build(KB)
PHRASES = sorted({(p, f.id) for f in KB.red_flags for p in f.phrases})
CLAUSE_WORDS = {"is", "are", "am", "feels", "feel", "lost", "went", "can", "not", "my", "i", "me", "came", "started",
                "come", "out", "of", "to", "hard", "sounds", "go", "going"}
"""Phrases with these words are clauses; "no <clause>" is not English, so they are negated in test_negation."""


def dropped_letter(phrase: str) -> str | None:
    """The phrase with one letter dropped from the middle of its longest word (7 letters or more)."""
    words = phrase.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    if len(word) < 7:
        return None
    words[i] = word[:len(word) // 2] + word[len(word) // 2 + 1:]
    return " ".join(words)


def flags(text: str) -> tuple[set[str], set[str]]:
    result = assess(text, INDEX)
    return {h.id for h in result.red_flags}, {h.id for h in result.unsure_flags}


@pytest.mark.parametrize("phrase, flag", PHRASES)
def test_phrase_in_a_sentence_is_an_emergency(phrase, flag):
    for text in (f"my lip is twitching and {phrase}", f"{phrase} and my lip twitches"):
        affirmed, _ = flags(text)
        assert flag in affirmed, text
        assert assess(text, INDEX).to_json()["emergency"], text


NOUNISH = [(p, f) for p, f in PHRASES if not set(p.split()) & CLAUSE_WORDS]


@pytest.mark.parametrize("phrase, flag", NOUNISH)
def test_negated_phrase_is_not_raised(phrase, flag):
    for text in (f"my lip twitches but no {phrase}", f"there is no {phrase} just a twitchy lip"):
        affirmed, _ = flags(text)
        assert flag not in affirmed, text


TYPOS = [(dropped_letter(p), p, f) for p, f in PHRASES if dropped_letter(p)]


@pytest.mark.parametrize("typo, phrase, flag", TYPOS)
def test_one_letter_off_is_still_caught_or_asked(typo, phrase, flag):
    affirmed, unsure = flags(f"my lip is twitching and {typo}")
    assert flag in affirmed | unsure, f"{typo!r} (from {phrase!r})"


def test_the_generated_sets_are_not_empty():
    assert len(PHRASES) >= 100 and len(NOUNISH) >= 40 and len(TYPOS) >= 50
