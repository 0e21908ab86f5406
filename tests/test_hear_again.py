"""A sign only a second hearing finds (the voice kiosk decodes each utterance again while its reply is spoken):
the next question is that sign's own, never an emergency by itself. Pure steps first (kiosk.core.dialogue's
ask_later, the conversation driver), then the voice kiosk on real speech (espeak-ng, Whisper)."""
from __future__ import annotations

from kiosk.core.conversation import Conversation
from kiosk.core.dialogue import EventKind, Phase

LIP = "my lip twitches when I drink coffee"


def question(dialogue, flag: str) -> str:
    return dialogue.kb.red_flag(flag).question


def test_with_a_question_open_the_sign_is_the_next_question(dialogue):
    state, _ = dialogue.start()
    state, turn = dialogue.hear(state, LIP)
    assert state.pending.kind == "screening"
    state, now = dialogue.ask_later(state, "speech_trouble")
    assert now is None  # the open question is not talked over
    state, turn = dialogue.hear(state, "no")
    assert turn.text == question(dialogue, "speech_trouble")
    assert not any(e.kind is EventKind.EMERGENCY for e in turn.events)
    state, turn = dialogue.hear(state, "no")  # cleared by a clear no: the session goes on to the causes
    assert state.phase is Phase.QUESTION and state.pending.kind == "cause"


def test_a_yes_to_the_asked_sign_is_the_emergency(dialogue):
    state, _ = dialogue.start()
    state, _ = dialogue.hear(state, LIP)
    state, _ = dialogue.ask_later(state, "numbness")
    state, turn = dialogue.hear(state, "no")
    assert turn.text == question(dialogue, "numbness")
    state, turn = dialogue.hear(state, "yes")
    assert state.phase is Phase.EMERGENCY
    assert any(e.kind is EventKind.EMERGENCY and e.detail == "numbness" for e in turn.events)


def test_after_a_cause_question_too(dialogue):
    state, _ = dialogue.start()
    state, _ = dialogue.hear(state, LIP)
    state, _ = dialogue.hear(state, "no")
    assert state.pending.kind == "cause"
    state, _ = dialogue.ask_later(state, "dizziness")
    state, turn = dialogue.hear(state, "yes")
    assert turn.text == question(dialogue, "dizziness")


def test_with_no_question_open_it_is_asked_at_once(dialogue):
    state, _ = dialogue.start()
    state, _ = dialogue.hear(state, LIP)
    while state.pending is not None and state.pending.kind != "anything_else":
        state, turn = dialogue.hear(state, "no")
    state, turn = dialogue.ask_later(state, "vision_loss")
    assert turn is not None and turn.text == question(dialogue, "vision_loss")
    assert state.pending.target == "vision_loss" and state.last == turn.replies  # "say that again" repeats it
    assert not turn.events


def test_nothing_in_an_emergency_before_a_session_or_twice(dialogue):
    fresh, _ = dialogue.start()
    assert dialogue.ask_later(fresh, "numbness") == (fresh, None)
    state, _ = dialogue.hear(fresh, "my face went numb")
    assert state.phase is Phase.EMERGENCY
    assert dialogue.ask_later(state, "dizziness") == (state, None)
    state, _ = dialogue.hear(fresh, LIP)
    state, _ = dialogue.ask_later(state, "numbness")
    assert dialogue.ask_later(state, "numbness")[0] == state
    assert dialogue.ask_later(state, "no_such_flag")[0] == state


def test_two_signs_are_asked_one_after_the_other(dialogue):
    state, _ = dialogue.start()
    state, _ = dialogue.hear(state, LIP)
    state, _ = dialogue.ask_later(state, "numbness")
    state, _ = dialogue.ask_later(state, "speech_trouble")
    state, first = dialogue.hear(state, "no")
    state, second = dialogue.hear(state, "no")
    assert [first.text, second.text] == [question(dialogue, "numbness"), question(dialogue, "speech_trouble")]


def test_the_driver_drops_an_ask_from_a_session_that_is_over(dialogue):
    talk = Conversation(dialogue)
    seen = []
    talk.subscribe(seen.append)
    talk.start(0.0)
    talk.hear(LIP, 1.0)
    while talk.state.pending is not None and talk.state.pending.kind != "anything_else":
        talk.hear("no", 2.0)
    session = talk.session
    turn = talk.ask_later("numbness", 3.0, session)
    assert turn is not None and seen[-1].kind == "ask" and seen[-1].turn is turn
    talk.reset("staff done", 4.0)  # the next person: what the last one's audio held is not theirs
    talk.hear(LIP, 5.0)
    assert talk.ask_later("numbness", 6.0, session) is None
    assert talk.state.later == () and talk.state.pending.kind == "screening"
