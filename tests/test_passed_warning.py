"""A stroke's warning that has passed: signs told as come and gone within weeks, or a "TIA" named, are no
emergency now, but the summary says first to see a provider today (dialogue.toml's passed_warning)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.core.content import ContentError, load_knowledge_base
from kiosk.core.dialogue import Dialogue, EventKind, Phase, State, Turn
from kiosk.core.triage import TriageIndex, passed_signs

ROOT = Path(__file__).resolve().parents[1]


def no_to_everything(dialogue: Dialogue, opening: str) -> list[tuple[State, Turn]]:
    """The opening, then "no" to every question until the kiosk stops asking: each (state, turn) after it."""
    state, _ = dialogue.start()
    state, turn = dialogue.hear(state, opening)
    steps = [(state, turn)]
    for _ in range(12):
        if state.phase is not Phase.QUESTION:
            break
        state, turn = dialogue.hear(state, "no")
        steps.append((state, turn))
    return steps


def summary_of(dialogue: Dialogue, opening: str) -> Turn:
    """A whole session: the opening, then "no" to every question, up to the summary turn."""
    turn = no_to_everything(dialogue, opening)[-1][1]
    assert EventKind.SUMMARY in [e.kind for e in turn.events], turn.text
    return turn


@pytest.mark.parametrize("said, flag", [
    ("two weeks ago my face drooped for a day and it got better", "facial_droop"),
    ("i had a tia last week", "stroke_now"),
    ("my doctor said i had a mini stroke in march", "stroke_now"),
    ("my dad had a mini stroke last month and now his lip twitches", "stroke_now"),
    ("they told me it was a transient ischaemic attack", "stroke_now"),
])
def test_signs_that_came_and_went_weeks_ago_are_passed_signs(index, said, flag):
    assert flag in passed_signs(said, index)


@pytest.mark.parametrize("said", [
    "what is a tia",  # a question
    "i never had a tia",  # denied
    "i'm worried i might have a mini stroke",  # a fear, not a stroke had
    "i had a mini stroke ten years ago and recovered fully",  # years back
    "my grandmother had a mini stroke in the nineties and has been fine ever since",
    "my speech was slurry for a day after surgery in twenty eighteen and it went back to normal",
    "my lip twitches when i drink coffee",
    "my face is drooping on one side right now",  # an emergency: the prompt, not a summary
    "i had a stroke five years ago and now my lip twitches",
])
def test_questions_denials_fears_old_history_and_emergencies_are_not(index, said):
    assert passed_signs(said, index) == ()


def test_the_summary_starts_with_the_warning_and_the_number_in_use(kb, index):
    dialogue = Dialogue(kb, index=index, emergency_number="112")
    turn = summary_of(dialogue, "my lip twitches and two weeks ago my face drooped for a day and it got better")
    warning = kb.dialogue["passed_warning"].format(number="112")
    assert turn.replies[0].text == warning
    # the causes follow, as in every summary
    assert kb.dialogue["summary_intro"] in turn.text and kb.guidance["disclaimer"] in turn.text


@pytest.mark.parametrize("opening", [
    "i had a tia last week",
    "two weeks ago my face drooped for a day and it got better",  # a clue of Bell's palsy, but no twitch told
])
def test_only_a_passed_sign_gets_the_warning_and_no_twitch_questions_or_care(dialogue, kb, opening):
    steps = no_to_everything(dialogue, opening)
    asked = [t.text for _, t in steps]
    turn = steps[-1][1]
    assert EventKind.SUMMARY in [e.kind for e in turn.events]
    # the safety questions only: not one question about the causes of a twitch
    cause_questions = {q for c in kb.causes for q in c.questions}
    assert not any(q in text for text in asked for q in cause_questions), asked
    assert [r.text for r in turn.replies] == [kb.dialogue["passed_warning"].format(number="911"),
                                              kb.dialogue["passed_only"], kb.guidance["disclaimer"],
                                              kb.dialogue["anything_else"]]


def test_a_passed_sign_with_a_twitch_gets_the_warning_then_the_causes(dialogue, kb):
    turn = summary_of(dialogue, "i had a tia last week and now my eyelid keeps twitching")
    assert turn.replies[0].text == kb.dialogue["passed_warning"].format(number="911")
    assert kb.dialogue["passed_only"] not in turn.text and kb.dialogue["summary_home"] in turn.text


@pytest.mark.parametrize("opening", [
    "my lip keeps twitching since I started these energy drinks",
    "my lip twitches and i had a mini stroke ten years ago and recovered fully",
    "my lip twitches, what is a tia?",
])
def test_no_warning_without_a_recent_sign(dialogue, kb, opening):
    turn = summary_of(dialogue, opening)
    assert kb.dialogue["passed_warning"].format(number="911") not in turn.text


def test_passed_phrases_need_the_warning_flag(content_copy):
    path = content_copy / "red_flags.toml"
    text = path.read_text()
    path.write_text(text.replace('id = "stroke_now"\nin_prompt = false  # added after the recognizer\'s prompts were '
                                 'chosen (content/README.md)\nwarn_if_passed = true',
                                 'id = "stroke_now"\nin_prompt = false\nwarn_if_passed = "yes"', 1))
    with pytest.raises(ContentError) as info:
        load_knowledge_base(content_copy)
    problems = " ".join(info.value.problems)
    assert "'warn_if_passed' must be true or false" in problems
    assert "'passed' phrases need 'warn_if_passed = true'" in problems


@pytest.fixture(scope="module")
def judged(kb):
    """The index `kiosk` runs: phrases, the meaning layer and its second opinion."""
    encoder_module = pytest.importorskip("kiosk.meaning.encoder")
    from kiosk.meaning import load_judge

    enc, why = encoder_module.load_encoder(cache_dir=ROOT / "models" / "cache")
    if enc is None:
        pytest.skip(why)
    return TriageIndex.build(kb, enc.embed, judge=load_judge())


@pytest.mark.parametrize("said, flag", [
    ("last month my arm went weak for ten minutes and then it was fine", "one_sided_weakness"),
    ("my face drooped yesterday but it's fine now", "facial_droop"),
    ("my arm went numb for an hour on saturday and now it's fine, and my lip twitches", "numbness"),
    ("three weeks ago my left arm went weak for a bit, my lip twitches since then", "one_sided_weakness"),
    ("my lip twitches and last week i couldn't find my words for a few minutes but it passed", "speech_trouble"),
])
def test_with_meaning_a_sign_asked_about_as_past_is_a_passed_sign(judged, said, flag):
    assert flag in passed_signs(said, judged)


@pytest.mark.parametrize("said", [
    "last week my hands went numb in the cold",  # both sides
    "i had a panic attack last month where my hands went numb but that passed",
    "my leg went numb last month because i sat on it, it went away",  # explained
    "my left hand is weaker than my right but it always has been",  # always
    "over the last few months my hands have slowly got weaker",  # slow, not sudden
    "the wifi went weak last week but it's fine now",  # a thing
    "i'm numb to all the bad news these days",
])
def test_with_meaning_explained_slow_both_sided_or_figurative_signs_are_not(judged, said):
    assert passed_signs(said, judged) == ()


def test_with_meaning_a_session_answered_no_now_gets_the_warning(kb, judged):
    dialogue = Dialogue(kb, index=judged)
    steps = no_to_everything(dialogue, "my lip twitches and last month my arm went weak for ten minutes and then it was fine")
    assert steps[0][0].phase is not Phase.EMERGENCY  # asked: "Is that happening now?"
    turn = steps[-1][1]
    assert turn.replies[0].text == kb.dialogue["passed_warning"].format(number="911")
