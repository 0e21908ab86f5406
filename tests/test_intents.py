"""Yes/no answers in many forms, and commands that must not fire on descriptions.

A red-flag question treats anything but NO as yes, so the answer tables below pin down the safe side:
NO only for a clear no, UNSURE for hedges and mixed signals, UNKNOWN when a description follows a "no".
"""
import pytest

from kiosk.core.intents import Answer, Command, answer_phrases, parse_answer, parse_command

YES, NO, UNSURE, UNKNOWN, CLARIFY = Answer.YES, Answer.NO, Answer.UNSURE, Answer.UNKNOWN, Answer.CLARIFY

ANSWERS = [
    # --- asking for the question again or explained: never a yes (no alarm for "huh?"), never a no
    ("huh", CLARIFY), ("huh?", CLARIFY), ("eh?", CLARIFY), ("what?", CLARIFY), ("sorry?", CLARIFY),
    ("what does numb mean", CLARIFY), ("what does that mean", CLARIFY), ("what do you mean by dizzy", CLARIFY),
    ("sorry I didn't hear you", CLARIFY), ("I didn't catch that", CLARIFY), ("I don't understand the question", CLARIFY),
    ("I don't get it", CLARIFY), ("one at a time please", CLARIFY), ("too many questions at once", CLARIFY),
    ("can you explain", CLARIFY), ("what is dizzy", CLARIFY), ("which one", CLARIFY), ("say that again please", CLARIFY),
    ("i have no idea what you mean", CLARIFY), ("could you say it in simpler words", CLARIFY),
    ("does the numb bit from the dentist count", CLARIFY), ("is tingling the same as numb", CLARIFY),
    ("does that count", CLARIFY), ("do you mean my lip", CLARIFY),
    ("no, what I mean is my lip twitches", UNKNOWN), ("nope, just the twitch", UNKNOWN),
    # --- plain yes, in the forms people use
    ("yes", YES), ("Yeah.", YES), ("yep", YES), ("yup", YES), ("ya", YES), ("sure", YES), ("correct", YES),
    ("that's right", YES), ("absolutely", YES), ("definitely", YES), ("of course", YES), ("certainly", YES),
    ("I think so", YES), ("I guess so", YES), ("I believe so", YES), ("I'd say so", YES), ("probably", YES),
    ("uh huh", YES), ("mm-hmm", YES), ("mhm", YES), ("yes please", YES), ("yes I do", YES), ("I do", YES),
    ("it does", YES), ("I have", YES), ("a little", YES), ("a little bit", YES), ("a bit", YES), ("a lot", YES),
    ("sometimes", YES), ("often", YES), ("every day", YES), ("all the time", YES), ("once or twice", YES),
    ("hell yes", YES), ("oh yes", YES), ("yes yes", YES), ("well yeah", YES), ("um yes", YES), ("no doubt", YES),
    ("I do sometimes", YES), ("yes, I am sure", YES), ("yes and", YES),
    # a yes that opens a description still answers (yes is the cautious side for a red flag)
    ("Yes, about five cups a day", YES), ("yeah it started last week", YES), ("yes I have a headache", YES),
    ("yes but only in the morning", YES),
    # --- plain no
    ("no", NO), ("Nope", NO), ("nah", NO), ("not really", NO), ("I don't think so", NO),
    ("I do not believe so", NO), ("never", NO), ("not at all", NO), ("none", NO), ("nothing", NO),
    ("negative", NO), ("no way", NO), ("no thanks", NO), ("no thank you", NO), ("I don't", NO), ("it didn't", NO),
    ("I haven't", NO), ("not that I know of", NO), ("none of those", NO), ("neither", NO), ("nothing else", NO),
    ("I think not", NO), ("I wouldn't say so", NO), ("that's not right", NO), ("not", NO),
    # --- the bug: a negation after a yes-word takes it back
    ("absolutely not", NO), ("definitely not", NO), ("yeah no", NO), ("yeah nah", NO), ("yes I do not", NO),
    ("sure not", NO), ("of course not", NO), ("certainly not", NO), ("totally not", NO), ("yes actually no", NO),
    # --- several no-words together, intensifiers and fillers
    ("hell no", NO), ("no not at all", NO), ("nah not really", NO), ("no no no", NO), ("no never", NO),
    ("well no", NO), ("um no", NO), ("oh no", NO), ("no sir", NO), ("no I don't", NO), ("no it didn't", NO),
    ("nope, not at all, thanks", NO), ("no and no", NO), ("aw no", NO),  # Scots "aw" reads "all", a filler here
    # a "no" whose rest only echoes the question is still a clean no
    ("no I don't have any of those", NO), ("never had it before", NO), ("I've never had that", NO),
    ("no to all of them", NO),
    # --- hedges
    ("maybe", UNSURE), ("perhaps", UNSURE), ("possibly", UNSURE), ("I'm not sure", UNSURE), ("not sure", UNSURE),
    ("I don't know", UNSURE), ("dunno", UNSURE), ("no idea", UNSURE), ("I have no idea", UNSURE),
    ("kind of", UNSURE), ("sort of", UNSURE), ("kinda", UNSURE), ("hard to say", UNSURE), ("I guess", UNSURE),
    ("I can't remember", UNSURE), ("it depends", UNSURE), ("could be", UNSURE), ("not exactly", UNSURE),
    ("definitely not sure", UNSURE), ("maybe my face is a bit numb", UNSURE),
    # hedged no: not a clear no
    ("probably not", UNSURE), ("maybe not", UNSURE), ("I guess not", UNSURE), ("I think so, not really", UNSURE),
    # over now, or rare: it did happen
    ("not anymore", UNSURE), ("not right now", UNSURE), ("it went away", UNSURE), ("not much", UNSURE),
    ("hardly ever", UNSURE), ("rarely", UNSURE), ("almost never", UNSURE),
    # "uh-uh" (no) and "uh-huh" (yes) are one breath apart for a recognizer
    ("uh uh", UNSURE), ("mm mm", UNSURE),
    # --- mixed signals
    ("yes and no", UNSURE), ("yes but no", UNSURE), ("kind of not", UNSURE), ("yes or no", UNSURE),
    ("no yes", UNSURE), ("no yeah", UNSURE), ("no wait yes", UNSURE), ("yes wait no", UNSURE),
    ("no I do", UNSURE), ("no it is", UNSURE), ("not sure yes", UNSURE), ("yes kind of", UNSURE),
    ("mmm hmm kind of", UNSURE), ("yes but", UNSURE), ("no wait", UNSURE), ("no but", UNSURE),
    ("I don't feel right", UNSURE),
    # --- a "no" followed by a description is not a clean no: the caller triages it
    ("no my face is numb", UNKNOWN), ("no, my arm went weak", UNKNOWN), ("no it came on slowly", UNKNOWN),
    ("no but my face feels numb", UNKNOWN), ("not really but I feel a bit dizzy", UNKNOWN),
    ("yeah no my face is numb", UNKNOWN), ("no just my lip", UNKNOWN), ("nope, dizzy", UNKNOWN),
    ("no numbness", UNKNOWN), ("I don't have chest pain", UNKNOWN), ("I am not feeling well", UNKNOWN),
    ("I don't feel well", UNKNOWN), ("I'm not okay", UNKNOWN), ("no it is getting worse", UNKNOWN),
    # --- not answers at all
    ("my lip twitches when i drink coffee", UNKNOWN), ("the room is spinning", UNKNOWN),
    ("I have a headache", UNKNOWN), ("a little numb", UNKNOWN), ("sometimes it hurts", UNKNOWN),
    ("right side of my face", UNKNOWN), ("it is numb", UNKNOWN), ("okay", UNKNOWN), ("hmm", UNKNOWN),
    ("either", UNKNOWN), ("", UNKNOWN), ("   ", UNKNOWN), ("?!", UNKNOWN),
    # --- misrecognized short answers
    ("yess", YES), ("yesss", YES), ("noo", NO), ("nooo way", NO), ("no pe", NO), ("ye s", YES), ("n o", NO),
    ("uhhuh", YES), ("mhmm", YES), ("definately", YES), ("definately not", NO), ("absolutly not", NO),
    ("nott", NO), ("i thing so", YES), ("i do not thing so", NO), ("I don't no", UNSURE),
]


@pytest.mark.parametrize("text,expected", ANSWERS, ids=[f"{t!r}->{a.value}" for t, a in ANSWERS])
def test_answers(text, expected):
    assert parse_answer(text) is expected


def test_the_table_is_broad():
    assert len(ANSWERS) >= 60 and len({t for t, _ in ANSWERS}) == len(ANSWERS)
    assert all(any(a is answer for _, a in ANSWERS) for answer in Answer)


NO_OPENERS = ["no", "nope", "nah", "no no", "not really", "never", "no thanks", "yeah no", "absolutely not",
              "I don't", "no not at all"]
DESCRIPTIONS = ["my face is numb", "my arm went weak", "but my face feels numb", "I feel dizzy",
                "it started suddenly", "just my lip", "the left side is drooping", "and I can't talk properly"]


@pytest.mark.parametrize("opener", NO_OPENERS)
@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_a_no_followed_by_a_description_is_never_a_clean_no(opener, description):
    assert parse_answer(opener) is NO
    assert parse_answer(f"{opener} {description}") is UNKNOWN
    assert parse_answer(f"{opener}, {description}.") is UNKNOWN


@pytest.mark.parametrize("yes_word", ["yes", "yeah", "sure", "absolutely", "definitely", "of course", "correct"])
@pytest.mark.parametrize("negation", ["not", "no", "not really", "not at all", "i do not", "never"])
def test_a_negation_after_a_yes_word_is_never_yes(yes_word, negation):
    assert parse_answer(f"{yes_word} {negation}") is NO
    assert parse_answer(f"{yes_word} and {negation}") is UNSURE
    assert parse_answer(f"{yes_word} but {negation}") is UNSURE


@pytest.mark.parametrize("hedge", ["maybe", "kind of", "i am not sure", "i do not know", "probably not"])
@pytest.mark.parametrize("other", ["yes", "no", "not really", "yeah no"])
def test_a_hedge_anywhere_in_a_short_answer_is_unsure(hedge, other):
    assert parse_answer(f"{hedge} {other}") is UNSURE
    assert parse_answer(f"{other} {hedge}") is UNSURE


@pytest.mark.parametrize("text,command", [
    ("repeat", Command.REPEAT), ("say that again", Command.REPEAT), ("can you repeat that please", Command.REPEAT),
    ("start over", Command.START_OVER), ("help", Command.HELP), ("stop", Command.STOP), ("goodbye", Command.STOP),
    ("I want to talk to a person", Command.STAFF), ("can i speak to a nurse please", Command.STAFF),
    ("get me a real person my lip is twitching", Command.STAFF),
])
def test_commands(text, command):
    assert parse_command(text) is command


@pytest.mark.parametrize("text", ["my lip won't stop twitching", "it started again today",
                                  "when i see people my lip twitches", "i need help with my twitching lip please now",
                                  "absolutely not", "yes and no", "no my face is numb"])
def test_descriptions_and_answers_are_not_commands(text):
    assert parse_command(text) is None


@pytest.mark.parametrize("heard", ["That's really...", "that is really"])
def test_a_whole_word_misheard_does_not_end_the_session(heard):
    # "not really" in kitchen noise came back as "That's really..." (whole spoken sessions): 88% like
    # "that is all" letter by letter, which ended the session before its summary
    assert parse_command(heard) is None


@pytest.mark.parametrize("heard,command", [("good bye", Command.STOP), ("nevermind", Command.STOP),
                                           ("start over please", Command.START_OVER), ("that's all", Command.STOP),
                                           ("star over", Command.START_OVER), ("begin agan", Command.START_OVER)])
def test_a_session_ending_command_still_survives_small_mishearings(heard, command):
    assert parse_command(heard) is command


def test_answer_phrases_cover_every_answer_and_command():
    phrases = answer_phrases()
    assert len(phrases) == len(set(phrases))
    for phrase in ("yes", "nope", "nah", "dunno", "not sure", "absolutely not", "of course not", "hell no",
                   "yes and no", "say that again", "start over", "talk to a person"):
        assert phrase in phrases
    assert all(parse_answer(p) is not Answer.UNKNOWN or parse_command(p) is not None for p in phrases)
