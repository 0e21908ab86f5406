"""Yes/no answers in many forms, and commands that must not fire on descriptions."""
import pytest

from kiosk.intents import Answer, Command, parse_answer, parse_command


@pytest.mark.parametrize("text", ["yes", "Yeah.", "yep", "I think so", "uh huh", "sure", "yes i do", "a little",
                                  "Yes, about five cups a day"])
def test_yes(text):
    assert parse_answer(text) is Answer.YES


@pytest.mark.parametrize("text", ["no", "Nope", "nah", "not really", "I don't think so", "never", "not at all",
                                  "no it came on slowly"])
def test_no(text):
    assert parse_answer(text) is Answer.NO


@pytest.mark.parametrize("text", ["maybe", "I'm not sure", "I don't know", "no idea"])
def test_unsure(text):
    assert parse_answer(text) is Answer.UNSURE


def test_other_text_is_not_an_answer():
    assert parse_answer("my lip twitches when i drink coffee") is Answer.UNKNOWN
    assert parse_answer("") is Answer.UNKNOWN


@pytest.mark.parametrize("text,command", [
    ("repeat", Command.REPEAT), ("say that again", Command.REPEAT), ("can you repeat that please", Command.REPEAT),
    ("start over", Command.START_OVER), ("help", Command.HELP), ("stop", Command.STOP), ("goodbye", Command.STOP),
    ("I want to talk to a person", Command.STAFF), ("can i speak to a nurse please", Command.STAFF),
    ("get me a real person my lip is twitching", Command.STAFF),
])
def test_commands(text, command):
    assert parse_command(text) is command


@pytest.mark.parametrize("text", ["my lip won't stop twitching", "it started again today",
                                  "when i see people my lip twitches", "i need help with my twitching lip please now"])
def test_descriptions_are_not_commands(text):
    assert parse_command(text) is None


def test_answer_phrases_cover_every_answer_and_command():
    from kiosk.intents import answer_phrases

    phrases = answer_phrases()
    assert len(phrases) == len(set(phrases))
    for phrase in ("yes", "nope", "not sure", "say that again", "start over", "talk to a person"):
        assert phrase in phrases
    assert all(parse_answer(p) is not Answer.UNKNOWN or parse_command(p) is not None for p in phrases)
