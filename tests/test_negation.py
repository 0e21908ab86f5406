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
