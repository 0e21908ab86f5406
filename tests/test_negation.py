"""Negation and its scope, decided word by word."""
import pytest

from kiosk.text import tokens
from kiosk.triage.negation import Polarity, polarity


def pol(text, target):
    words = tokens(text)
    return polarity(words, words.index(target))


@pytest.mark.parametrize("text,target", [
    ("no numbness", "numbness"),
    ("i am not dizzy", "dizzy"),
    ("without any weakness", "weakness"),
    ("it did not come on suddenly", "suddenly"),
    ("no numbness and no weakness just my lip twitching", "weakness"),
    ("i don't have any numbness in my face or weakness", "weakness"),
    ("never had slurred speech", "slurred"),
    ("neither dizzy nor numb", "numb"),
    ("i'm not feeling dizzy at all", "dizzy"),
])
def test_negated(text, target):
    assert pol(text, target) is Polarity.NEGATED


@pytest.mark.parametrize("text,target", [
    ("i'm not sure but my arm feels weak", "weak"),
    ("not only twitching but my face is numb", "numb"),
    ("no pain my face is numb", "numb"),
    ("i am not dizzy and my arm is weak", "weak"),
    ("no, my face is numb", "numb"),
    ("i don't know why but i suddenly feel dizzy", "dizzy"),
    ("it is not getting better and now i feel dizzy", "dizzy"),
    ("my face is numb", "numb"),
])
def test_affirmed(text, target):
    assert pol(text, target) is Polarity.AFFIRMED


@pytest.mark.parametrize("text,target", [
    ("i'm not sure if my arm is weak", "weak"),
    ("i don't think i am dizzy", "dizzy"),
])
def test_hedged_is_uncertain_not_cleared(text, target):
    assert pol(text, target) is Polarity.UNCERTAIN


def test_negation_inside_a_gappy_phrase_match():
    from kiosk.triage.matching import PhraseIndex

    idx = PhraseIndex([("my face is numb", "numbness", 1.0), ("can not feel my face", "numbness", 1.0)])
    for text, expected in [("my face is not numb", Polarity.NEGATED), ("my face is numb", Polarity.AFFIRMED),
                           ("i can not feel my face", Polarity.AFFIRMED)]:
        words = tokens(text)
        (m,) = idx.find(words)
        assert polarity(words, m.start, m.positions) is expected, text
