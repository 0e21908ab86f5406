"""Every red-flag phrase in the content: found in a sentence, not raised when negated, and still caught when
a recognizer or a typist gets one letter of a long word wrong. Generated from content, so a clinician's new
phrase is tested the moment it is added."""
from __future__ import annotations

import pytest

from conftest import CONTENT
from kiosk.core.content import load_knowledge_base
from kiosk.core.triage import TriageIndex, assess
from kiosk.core.triage.negation import Polarity


def alarm_or_question(result) -> bool:
    """The emergency prompt at once, or a yes/no question about a sign that may be there now (not one said to
    be years back): what the batch answer's ``emergency`` meant before ``ask`` was split from it."""
    return result.emergency or any(h.polarity is Polarity.UNCERTAIN for h in result.unsure_flags)

KB = load_knowledge_base(CONTENT, with_cases=False)
INDEX = TriageIndex.build(KB)
PHRASES = sorted({(p, f.id) for f in KB.red_flags for p, _ in f.match_phrases()})
"""Listed phrases and every body-sign pair in both orders ("arm heavy", "heavy arm")."""
CLAUSE_WORDS = {"is", "are", "am", "feels", "feel", "lost", "went", "can", "not", "my", "i", "me", "came", "started",
                "come", "out", "of", "to", "hard", "sounds", "go", "going", "everything", "his", "her", "only", "then"}
"""Phrases with these words are clauses; "no <clause>" is not English, so they are negated in test_negation."""


def dropped_letter(phrase: str) -> str | None:
    """The phrase with one letter dropped from the middle of its longest word (7 letters or more)."""
    words = phrase.removeprefix("=").split()  # the literal mark is no letter
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
        assert alarm_or_question(assess(text, INDEX)), text


NOUNISH = [(p, f) for p, f in PHRASES if not set(p.lstrip("=").split()) & CLAUSE_WORDS]


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
    assert len(PHRASES) >= 1000 and len(NOUNISH) >= 40 and len(TYPOS) >= 50


@pytest.mark.parametrize("text, flag", [
    ("my whole left side feels heavy and clumsy", "one_sided_weakness"),
    ("lip is jumping and my one side of body have no power since morning", "one_sided_weakness"),
    ("the vision in one eye just went black", "vision_loss"),
    ("my words are coming out all wrong and my lip is twitching", "speech_trouble"),
    ("i can not feel anything on the left side of my face", "numbness"),
    ("the corner of my mouth is hanging down", "facial_droop"),
    ("my throat feels like it's closing", "breathing_chest"),
    ("my tongue is swelling up", "breathing_chest"),
    ("she stopped responding to me a minute ago", "passing_out"),
    ("she can't stand up without the room spinning", "dizziness"),
    ("my chest is being squeezed", "breathing_chest"),
    ("it feels like my chest is in a vice", "breathing_chest"),
    ("my arm won't go up", "one_sided_weakness"),
    ("a crushing pain in the middle of my chest", "breathing_chest"),
    ("there's a pain right across my chest", "breathing_chest"),
])
def test_a_sign_said_in_other_words_is_caught_by_its_body_sign_pair(text, flag):
    affirmed, _ = flags(text)
    assert flag in affirmed, text


@pytest.mark.parametrize("text", [
    "they said my glands are not working right and my face twitches",
    "my son has a weak immune system and his lip twitches",
    "this form is confusing and my lip twitches",
    "i feel faint hearted about needles and my lip twitches",
    "he has motor neuron disease and his lips and tongue twitch constantly",
    "my arm feels better this week and my lip twitches less",
    "my face feels puffy this week",
    "i have a sore throat",
    "i'm choking up thinking about it",
    "i have trouble swallowing pills",
    "my mouth twitches when i'm out in the cold",
    "my lip flutters every now and then",
    "i don't know where this twitch comes from",
    "my chest infection is crushing me",
    "my eyebrow won't go up since the botox",
    "i need help with my twitch",
    "he nearly killed himself laughing",
    "he could have killed himself on that ladder",
    "i was a little confused by the directions to this clinic, but i found my way",
    "i stumbled on the step outside",
    "they should do away with these queues",
    "my head's spinning with all the paperwork at work",  # the contraction read "heads" (sets 65, 66)
    "me legs are dead after a twelve hour shift",  # both legs: tired (sets 15 to 70)
    "please help my lip twitches all day",  # a plea about the twitch, not for someone in danger
    "i find it hard to swallow pills, and my lip twitches",  # no closing throat
    "how long do you have to get help for a stroke?",  # getting care for one, not "getting a stroke"
    "should i get checked for a stroke",
    # an exclude skips one "my", "the", "this"... between its words
    "i can't swallow my tablets, they're too big",
    "i'm confused by this form",
    "i'm confused about my appointment time",
    "he took a coughing fit at the bingo",
    "i don't trust myself around cake",  # not trusting oneself, with no time or "alone"
    "what is happening to my lip, it twitches all day",  # not "what is happening to me"
])
def test_look_alikes_are_not_red_flags(text):
    affirmed, unsure = flags(text)
    assert not affirmed and not unsure, text


@pytest.mark.parametrize("text, flag", [
    ("i had a seizure as a kid and my lip twitches", "passing_out"),
    ("years ago my face was numb for a day and now my lip twitches", "numbness"),
    ("he blacked out at a wedding in 2015 and now his eyelid twitches", "passing_out"),  # a year, as heard
    ("my face went numb in twenty nineteen, now my lip twitches", "numbness"),
    ("he passed out at a wedding in ninety eight and now his eyelid twitches", "passing_out"),  # a year said short
])
def test_a_sign_long_in_the_past_is_asked_about_not_cleared(text, flag):
    from kiosk.core.dialogue import Dialogue

    affirmed, unsure = flags(text)
    assert flag in unsure and flag not in affirmed, text
    assert not alarm_or_question(assess(text, INDEX))  # history is not an emergency by itself...
    dialogue = Dialogue(KB, index=INDEX)
    state, turn = dialogue.hear(dialogue.start()[0], text)
    assert turn.text == KB.dialogue["red_flag_confirm"].format(flag=KB.red_flag(flag).name)  # ...but it is asked
    state, turn = dialogue.hear(state, "yes")
    assert state.phase.value == "emergency"


def test_a_sign_days_ago_is_still_now():
    affirmed, _ = flags("two days ago my face went numb")
    assert "numbness" in affirmed


@pytest.mark.parametrize("text", [
    "My lip is twitching and the left side of my face feels...",
    "The right side of my face went and my lip twitches.",
    "the left side of my face is, um",
    "my arm just went",
])
def test_a_statement_cut_off_after_the_verb_is_asked_about(text):
    result = assess(text, INDEX)
    assert "unclear_sign" in {h.id for h in result.unsure_flags}, text
    assert not result.red_flags and alarm_or_question(result), text


@pytest.mark.parametrize("text", ["my face is twitching", "my face feels fine", "my face went red and my lip twitches",
                                  "my lip twitches when my face is cold"])
def test_a_finished_statement_is_not_asked_about(text):
    assert not assess(text, INDEX).unsure_flags, text


def test_an_unfinished_statement_in_the_dialogue_asks_and_a_yes_is_an_emergency():
    from kiosk.core.dialogue import Dialogue, Phase

    dialogue = Dialogue(KB, index=INDEX)
    state, _ = dialogue.start()
    state, turn = dialogue.hear(state, "My lip is twitching and the left side of my face feels...")
    assert turn.text == KB.red_flag("unclear_sign").question
    state, turn = dialogue.hear(state, "yes")
    assert state.phase is Phase.EMERGENCY


@pytest.mark.parametrize("text", [
    "the wifi signal is weak in here", "the plant in the waiting room is drooping", "the blinds in here are crooked",
    "the lift came to a sudden stop", "the washing machine is spinning really loudly", "i am weak at maths",
    "my eyesight is fine", "not once have i passed out", "i fainted once at my wedding twenty years ago",
    "my mother used to have seizures",
    "years ago i fainted at a concert and it never happened again", "i had a fit as a child, never since",
    "the dress is fitting nicely now",
    # a phrase that once kept one content word: "get an ambulance" was "ambulance" anywhere
    "the ambulance bay is blocked by a car", "the camera flash made me blink",
    "we learned face arm speech time at school",
    "i can still write with my own hand", "is there an emergency help button here",
    # an animal's face or leg, not a person's
    "my dog's leg is weak", "my eyelid jumps like it's having its own little seizure",
    "is this an emergency or can it wait for my gp",
])
def test_signs_said_of_things_or_long_ago_are_not_emergencies(text):
    assert not alarm_or_question(assess(text, INDEX)), text


@pytest.mark.parametrize("text", [
    "my arm is weak and the wifi is slow", "the tv is loud and my face is drooping", "he had a fit at school",
    "she collapsed and went stiff", "there are two of you", "half his face has fallen",
    "it came on like someone flipped a switch", "my head feels like it is about to explode",
    # a person named by a noun ends the look-back for a thing, as "he" or "my arm" does
    "the bus driver has collapsed", "the taxi stopped and the driver collapsed",
    "my husband is fitting on the floor",
    # "had a fit" keeps its "a", so a hedge between was nothing
    "he's had some kind of fit", "she had some sort of fit just now",
])
def test_signs_next_to_things_or_in_new_words_still_count(text):
    assert alarm_or_question(assess(text, INDEX)), text


def test_a_one_word_phrase_keeps_its_function_words():
    """'had a fit' must not fire on 'keep fit'."""
    assert not alarm_or_question(assess("i go to the gym to keep fit and my lip twitches", INDEX))


@pytest.mark.parametrize("text", [
    "dizzy no weak no only the lip is jump when i am stress",
    "nae chest pain, breathin's fine, just the cheek jumpin",
    "negative for slurred speech. negative for facial droop. eyelid twitch, two weeks.",
    "nil chest pain, nil weakness, lip twitch for a fortnight",
    "the nurse asked about numbness or weakness and i said neither",
    "the pharmacist asked if i had any sudden weakness or trouble seeing and i had not",
    "my wife wants me to ask whether chest pain and a twitch are linked, i don't have chest pain though",
    "the nurse said because i have none of the warning signs like a droopy face a weak arm or slurred speech",
    "i fainted once when i was a young girl in church but that was sixty years ago",
    "she had a fit as a toddler and never again",
    "i passed out at a wedding back when i were a lad, never happened again",  # the northern "i were" (set 73)
    "it did not come on suddenly it crept up over months",
])
def test_denied_reported_or_long_past_signs_are_not_emergencies(text):
    assert not alarm_or_question(assess(text, INDEX)), text


@pytest.mark.parametrize("text", [
    "the nurse asked about numbness",  # a mention with no answer: asked about, not cleared
    "i fainted as a kid and now my face is numb",  # the present comes back
    "it was not there at breakfast and then bang there it was",
    "when i was driving here my face went numb",  # "when i was" without an age is not the past
    "i've nae feeling in my left arm",  # "nae" is "no": no feeling is numbness
])
def test_mentions_and_the_present_are_still_flagged(text):
    assert alarm_or_question(assess(text, INDEX)), text


def test_every_pair_sign_has_a_word_of_its_own():
    """A sign of only function words and "not" ("will not do as") pairs with any body word: "hands and face
    are not numb" was a red flag."""
    from kiosk.core.triage.matching import STOPWORDS

    for flag in KB.red_flags:
        for _body, signs, _ in flag.pairs + flag.ask_pairs:
            for sign in signs:
                assert [w for w in sign.split() if w not in STOPWORDS | {"not", "no"}], (flag.id, sign)


@pytest.mark.parametrize("text, asked", [
    ("The right side of my face went home and my lip, witches.", True),  # Whisper's "went numb"
    ("one side of my face feels different today", True),
    ("the right side of my face twitches", False),
    ("spasms on the left side of my face for a year", False),
    ("years ago the right side of my face dropped and now my lip twitches", False),  # history: asked, not urgent
])
def test_a_side_named_with_nothing_about_it_is_asked_about(text, asked):
    assert alarm_or_question(assess(text, INDEX)) is asked, text


def test_a_cause_word_does_not_say_what_a_side_does():
    """Whisper on espeak-ng's en-gb voice: "...my face went numb and..." came out "...my face when it's hum, and"."""
    assert alarm_or_question(assess("The right side of my face when it's hum, and my lip witchers.", INDEX))
    assert not alarm_or_question(assess("one side of my face squeezes by itself even when i sleep", INDEX))


def test_a_very_recent_start_is_asked_about_not_raised():
    """Whisper turned "it started all of a sudden a few minutes ago" into noise, keeping "a few minutes ago"."""
    from kiosk.core.dialogue import Dialogue, Phase

    heard = "It's time to talk to them by something a few minutes ago."
    result = assess(heard, INDEX)
    assert not result.red_flags and "sudden_onset" in {h.id for h in result.unsure_flags}
    dialogue = Dialogue(KB, index=INDEX)
    state, turn = dialogue.hear(dialogue.start()[0], heard)
    assert turn.text == KB.red_flag("sudden_onset").question and state.phase is not Phase.EMERGENCY
    assert not alarm_or_question(assess("it did not start a few minutes ago it has been weeks", INDEX))


@pytest.mark.parametrize("text, flag", [
    ("my wife says my speech sounds horrible", "speech_trouble"),
    ("my voice sounds strange since this morning", "speech_trouble"),
    ("my talking sounds off", "speech_trouble"),
    ("his speech is a bit odd today", "speech_trouble"),
    ("my vision is funny", "vision_loss"),
    ("my eyesight has been off since lunch", "vision_loss"),
    ("my smile looks different", "facial_droop"),
    ("her face looks odd", "facial_droop"),
    ("my throat feels tight", "breathing_chest"),
    ("my dad won't wake up properly", "passing_out"),
    ("my alarm would not wake me up", "passing_out"),  # a deep sleeper, or a person who cannot be woken: asked
    ("my walking is off since this morning", "dizziness"),
    ("i'm tripping over my own feet since lunch", "dizziness"),
    ("i'm certain it's a stroke", "stroke_now"),  # named with certainty, but also how a story of one ends
    ("i have reason to believe i am suffering a stroke", "stroke_now"),
    ("i don't know what's happening, where is this place", "confusion"),
    ("who are all these people", "confusion"),
    ("i keep thinking of driving the van into a wall", "self_harm"),
])
def test_a_sign_in_vague_words_is_asked_about_never_raised(text, flag):
    """A body word with a vague word (ask_pair): "my voice sounds odd" may be a stroke or a cold, so the kiosk asks
    that sign's question; it never gives the emergency prompt on such words alone."""
    result = assess(text, INDEX)
    assert flag in result.ask and not result.emergency, text


@pytest.mark.parametrize("text", [
    "my speech is fine, not off at all",
    "i gave a speech at work and it went off well",
    "my lip twitches when i give a speech",
    "the speaker on my phone sounds awful",
    "my face feels funny when my lip twitches",  # the twitch itself: only a face that *looks* wrong is asked
    "i bought new shoes and my feet feel funny",
    "she walks with little shuffling steps now and her chin quivers",  # a slow gait: a clue of Parkinson's
])
def test_vague_words_away_from_the_sign_ask_nothing(text):
    result = assess(text, INDEX)
    assert not ({"speech_trouble", "vision_loss", "facial_droop", "dizziness"}
                & (set(result.ask) | set(result.red_flags))), text


@pytest.mark.parametrize("text, flag, raised, asked, denied", [
    ("no dear i feel well", "numbness", False, False, False),  # "no ... feel" is not "no feeling"
    ("there is no feeling in my left hand", "numbness", True, False, False),
    ("i'm weak with tiredness", "one_sided_weakness", False, True, False),  # no arm, leg or side named: asked
    ("i have weakness", "one_sided_weakness", False, True, False),
    ("my left arm went weak an hour ago", "one_sided_weakness", True, False, False),
    ("no weakness at all", "one_sided_weakness", False, False, True),
    ("the nurse asked about weakness and i said no", "one_sided_weakness", False, False, True),
    ("no arm can not button. can not puff my cheek", "facial_droop", True, False, False),  # the tighter reading
])
def test_a_sign_word_alone_asks_and_a_no_before_a_word_binds_to_it(text, flag, raised, asked, denied):
    result = assess(text, INDEX)
    assert (flag in {h.id for h in result.red_flags}) is raised
    assert (flag in result.ask) is asked
    assert (flag in result.negated_flags) is denied


@pytest.mark.parametrize("text, flag", [
    ("my face drooped on the left three years ago, the doctors said bells palsy and it went back to normal, "
     "now my lip twitches there", "facial_droop"),
    ("i was dizzy last summer from an ear infection but that is all gone and now my lip twitches", "dizziness"),
    ("my husband says his feet have felt numb for ages from the drink and his lip jerks", "numbness"),
    ("my lips and fingertips go numb and tingly on both sides and my face twitches", "numbness"),
])
def test_a_sign_long_over_or_long_standing_is_history_then_screened(text, flag):
    """Said to be over (weeks back and gone) or slow and long-standing: not asked about one by one; the
    screening question still asks about anything sudden now."""
    from kiosk.core.dialogue import Dialogue

    answer = assess(text, INDEX)
    assert not answer.emergency and flag not in answer.ask, answer.to_json()
    assert any(e["id"] == flag and e["context"] == "over" for e in answer.to_json()["red_flag_evidence"])
    dialogue = Dialogue(KB, index=INDEX)
    _, turn = dialogue.hear(dialogue.start()[0], text)
    assert turn.text == KB.dialogue["screening_question"]


@pytest.mark.parametrize("text, flag", [
    ("i had bells palsy last year and it went back to normal but since this morning my face is drooping again",
     "facial_droop"),
    ("my arm went weak this morning for ten minutes, it's fine now", "one_sided_weakness"),
    ("she's had parkinsons for years but her smile only goes up on one side and she's slurring, this is new today",
     "speech_trouble"),
    ("been drinking heavily for years and i passed out last night", "passing_out"),
    ("my husband is having a fit and shaking all over", "passing_out"),
    ("both my legs suddenly gave way", "one_sided_weakness"),
    ("it came on slowly over months, nothing sudden, but today my left arm went numb", "numbness"),
])
def test_a_sign_now_is_never_history(text, flag):
    """A sign that came and went today can be a stroke's warning, and old history beside a new sign is no
    reason to let the new one go."""
    answer = assess(text, INDEX).to_json()
    assert flag in answer["ask"] or (answer["emergency"] and flag in answer["red_flags"]), answer


@pytest.mark.parametrize("text, flag", [
    ("my dad's face is draw ping on one side", "facial_droop"),
    ("her face is para lysed on one side", "facial_droop"),
])
def test_a_sign_word_the_recognizer_split_is_asked_about(text, flag):
    """A split sign word is joined back and asked about, never raised: a run that merely sounds like a sign
    may be anything."""
    answer = assess(text, INDEX).to_json()
    assert not answer["emergency"] and flag in answer["ask"], answer
    assert any(e["id"] == flag and e.get("context") == "split" for e in answer["red_flag_evidence"]), answer


@pytest.mark.parametrize("text, flag", [
    ("me brother had a stroke and i know the look, i think me mate's having one right now", "stroke_now"),  # set 73
    ("my dad had a stroke last year at a wedding and now i'm scared i'm having one", "stroke_now"),
    ("he had a heart attack last month and i think he is having another one now", "urgent_help"),
    ("the blood and the stroke and i know the look, i've been the main skiers having one right now", "stroke_now"),  # heard
])
def test_a_sign_named_before_and_said_again_as_one_is_asked_about(text, flag):
    """ "having one" read as the thing named before it; asked, never raised: "one" may stand for anything."""
    answer = assess(text, INDEX).to_json()
    assert not answer["emergency"] and flag in answer["ask"], answer
    assert any(e["id"] == flag and e.get("context") == "one" for e in answer["red_flag_evidence"]), answer


@pytest.mark.parametrize("text", ["i had a cup of tea and now i'm having another one",
                                  "i had a seizure as a kid, i'm not having one now"])
def test_a_one_that_stands_for_no_sign_finds_nothing_new(text):
    answer = assess(text, INDEX).to_json()
    assert not answer["emergency"] and not any(e.get("context") == "one" for e in answer["red_flag_evidence"]), answer


def test_words_that_only_sound_like_a_sign_word_are_nothing():
    for text in ["i drink strong black tea all day and my lip twitches", "where do i pay for the parking",
                 "he pulls faces every day since he was small"]:  # "day since" sounds like "dizziness"
        answer = assess(text, INDEX).to_json()
        assert not answer["emergency"] and not answer["ask"], answer


@pytest.mark.parametrize("text", ["my arm went week and my lip twitches", "her face went week on one side"])
def test_a_recognizer_spelling_right_after_its_verb_is_the_sign(text):
    affirmed, _ = flags(text)
    assert "one_sided_weakness" in affirmed, text


@pytest.mark.parametrize("text", ["where is the bus number forty to the central station",
                                  "can i have the phone number for the pharmacy"])
def test_the_noun_number_is_not_numb(text):
    """One letter from "numbe(r)", but a bus, phone or room number is nothing to ask about."""
    result = assess(text, INDEX)
    assert not result.emergency and not result.unsure_flags


@pytest.mark.parametrize("text", ["i think my wife is having a stroke", "help my dad is having a stroke",
                                  "im having a stroke", "she's having a mini stroke i think"])
def test_a_stroke_said_to_be_happening_now_is_an_emergency(text):
    """Said in so many words: a person who says it has usually seen the signs, and a kiosk that answered "I can
    help with lip twitching" (it was out of scope before) would fail them."""
    result = assess(text, INDEX)
    assert result.emergency and "stroke_now" in {h.id for h in result.red_flags}, text


@pytest.mark.parametrize("text, raised", [
    ("what if i am having a stroke", False),
    ("how would i know if i was having a stroke", False),
    ("i am having a stroke of luck today", False),
    ("i had a stroke ten years ago and recovered and my lip twitches", False),
    ("none of that stroke stuff just a twitch in my upper lip", False),
])
def test_a_stroke_asked_about_past_or_figurative_is_not_declared(text, raised):
    result = assess(text, INDEX)
    assert ("stroke_now" in {h.id for h in result.red_flags}) is raised, text


@pytest.mark.parametrize("text, flag", [
    ("i can't breathe properly", "breathing_chest"),
    ("my mum's lips have gone blue", "breathing_chest"),
    ("my chest hurts and my lip twitches", "breathing_chest"),
    ("my throat is closing up since i took the new pill", "breathing_chest"),
    ("my son's eyes are rolling back", "passing_out"),
    ("please, this is an emergency, i need someone now", "urgent_help"),
    ("i've been looking up ways to die", "self_harm"),
    ("he says he's going to hang himself in the barn", "self_harm"),
])
def test_an_emergency_beyond_the_article_is_not_passed_over(text, flag):
    """A waiting-room kiosk hears more than its topic: "I can't breathe" must not get "I can help with lip
    twitching" (before, it was out of scope)."""
    result = assess(text, INDEX)
    assert result.emergency and flag in {h.id for h in result.red_flags}, text


@pytest.mark.parametrize("text, asked", [
    ("i get short of breath on the stairs and my lip twitches", True),
    ("my lip is swelling and twitching", True),
    ("they put me on prednisone for my chest and my lip twitches", False),
    ("i use the blue inhaler a lot and my lip twitches", False),
    ("i can't breathe through my nose because of a cold and my lip twitches", False),
    ("no chest pain and no trouble breathing just my lip", False),
])
def test_breathing_words_of_everyday_talk_ask_or_pass(text, asked):
    result = assess(text, INDEX)
    assert not result.emergency and ("breathing_chest" in result.ask) is asked, text


@pytest.mark.parametrize("text, flag", [
    ("somebody call an ambulance", "urgent_help"),
    ("i need an ambulance", "urgent_help"),
    ("i've taken too many pills", "urgent_help"),
    ("my son swallowed some of my tablets", "urgent_help"),
    ("i want to kill myself", "self_harm"),
    ("i don't want to be alive, i want to end it all", "self_harm"),
    ("i've been thinking about hurting myself", "self_harm"),
    ("life is not worth living", "self_harm"),
    ("i'm self harming again", "self_harm"),
    ("been thinking of doing myself in", "self_harm"),  # slang (set 40); "done myself in at the gym" is worn out
    ("i keep listing to one side", "dizziness"),
    ("get a paramedic to the car park now, he's gone grey", "urgent_help"),
    ("we need the paramedics in here", "urgent_help"),
])
def test_a_call_for_help_or_a_wish_to_die_gets_the_emergency_prompt(text, flag):
    """Beyond the article too: before, these were out of scope ("I help with lip and face twitching")."""
    result = assess(text, INDEX)
    assert result.emergency and flag in {h.id for h in result.red_flags}, text


DONE = sorted((run, f.id) for f in KB.red_flags for run in f.done)
"""Every run a red flag lists as its act already done ("called 999")."""


@pytest.mark.parametrize("run, flag", DONE)
def test_each_act_told_as_done_is_asked_about_when_now_and_a_story_without(run, flag):
    """Each run listed as done holds a phrase of its sign (a run that matches none would do nothing): told as now
    it asks, since help may be on its way; with no time, it is a story."""
    raised, asked = flags(f"we {run} just now")
    assert flag not in raised and flag in asked, run
    raised, asked = flags(f"we {run} for a neighbour")
    assert flag not in raised | asked, run


@pytest.mark.parametrize("text", [
    "i called 999, they're on their way",
    "i'm calling 911 right now",
    "i just called 119 for my dad",
    "we called one zero eight last night",
    "my husband called an ambulance for me ten minutes ago",
])
def test_a_call_made_today_is_asked_about(text):
    """A call made is not a call for help, but told as now help may be on its way: asked, never cleared."""
    result = assess(text, INDEX)
    assert not result.emergency and "urgent_help" in result.ask, text


@pytest.mark.parametrize("text", [
    "i called 108 last week about it",  # 108, 102, 119 and 995 raised the emergency prompt here
    "i called 995 a month ago when my dad fell",
    "i called 102 when my mum had her fall last year",
    "last month i called the ambulance for my neighbour",
    "my neighbour called the ambulance for her husband, he's fine now",  # no word of now
    "i once called 911 for a stranger",
])
def test_a_call_made_weeks_back_or_with_no_time_is_a_story(text):
    """To the phrase rules. Weeks back it is history; with no time the meaning layer, where the kiosk has one, still
    reads the sentence ("somebody called 911" may be a misheard "somebody call 911")."""
    result = assess(text, INDEX)
    assert not result.emergency and "urgent_help" not in result.ask, text


def test_a_call_asked_for_still_raises_beside_one_made():
    result = assess("i called 999 an hour ago and still no one is here. call an ambulance now", INDEX)
    assert "urgent_help" in {h.id for h in result.red_flags}


@pytest.mark.parametrize("text", [
    "i'm dying for a coffee",
    "this job is killing me and my lip twitches",
    "i'm not suicidal, just stressed, my lip twitches",
    "i had bad food poisoning last week and now my lip twitches",
    "she is on a steroid taper for a poison ivy rash",
    "last month i called the ambulance for my neighbour and my lip twitches",
    "i called 112 last winter when my dad fell, and my lip twitches",  # a call made, with any number
    "i hurt myself at the gym and my eyelid twitches",  # hurt or cut by accident: not this sign, not even asked
    "i cut myself shaving and now my lip twitches",
    "i'm not going to hurt myself, i'm just tired of this twitch",
    "i can't go to the gym because of my knee",  # "can't go on" needs its "on"
    "i forgot to take my tablets this morning",  # near a plan to die in words, not in meaning
    "i've run out of my pills and my eyelid twitches",
    "i've got plans for the weekend but my lip keeps jumping",
    "i've done myself in at the gym, my calves are twitching",
    "i top up my tea myself and my lip twitches",
    "my daughter is training to be a paramedic and says my lip twitch is nothing",
    "can you help me out? i need help with this form",  # help twice, but not only a cry's words
])
def test_everyday_talk_of_dying_poison_or_ambulances_raises_nothing(text):
    result = assess(text, INDEX)
    assert not {"urgent_help", "self_harm"} & ({h.id for h in result.red_flags} | set(result.ask)), text


@pytest.mark.parametrize("text", [
    "i feel like i can't go on anymore",
    "my lip twitches and i can't take it anymore",
    "i don't want to be here anymore",
])
def test_words_of_despair_ask_about_self_harm(text):
    """Said of a hard day as often as of a wish to die: the kiosk asks, and a yes gets the prompt and crisis line."""
    result = assess(text, INDEX)
    assert not result.emergency and "self_harm" in result.ask, text


def test_an_ask_phrase_marked_with_equals_needs_every_word():
    """"=feel like i am dying" (a panic attack, a heart) asks about emergency help; "i feel like dying" is not that
    phrase without its "i am", and asks about self-harm instead. The mark was once dropped from ask phrases."""
    assert "=feel like i am dying" in KB.red_flag("urgent_help").ask
    result = assess("i feel like dying", INDEX)
    assert "urgent_help" not in result.ask and "self_harm" in result.ask
    result = assess("i feel like i am dying", INDEX)
    assert "urgent_help" in result.ask and "self_harm" not in result.ask


@pytest.mark.parametrize("text, flag", [
    ("someone please ring 999", "urgent_help"),
    ("i think my wife is having a heart attack", "urgent_help"),
    ("help me i think it's a heart attack", "urgent_help"),
    ("i need emergency help right now", "urgent_help"),
    ("send an ambulance to the waiting room", "urgent_help"),
    ("she has taken the whole packet of her tablets", "urgent_help"),
    ("i swallowed a whole packet of paracetamol this morning", "urgent_help"),
    ("call triple zero, she's gone down", "urgent_help"),
    ("please call 108, my father is having heart attack", "urgent_help"),
    ("there's a big grey hole in the middle of whatever i look at", "vision_loss"),
    ("i keep thinking about jumping off the bridge", "self_harm"),
    ("i want to step in front of a train", "self_harm"),
    ("she told me she wants to kill herself", "self_harm"),
    ("somebody phone 999", "urgent_help"),
    ("grandma is talking to people who aren't there and doesn't know what year it is", "confusion"),
    ("he is wandering about not knowing where he is", "confusion"),
    ("my dad is clutching his chest and sweating", "breathing_chest"),
    ("quick, call one one two", "urgent_help"),
    ("my mother has heart attack, help", "urgent_help"),
    ("the man by the door is having an infarct", "urgent_help"),
    ("i want to finish my life", "self_harm"),
    ("i will end it by my own hand", "self_harm"),
    ("he said he wants to go under a train", "self_harm"),
    ("my wife doesn't know her own name", "confusion"),
    ("a headache like thunder hit me a minute ago", "worst_headache"),
    ("my chest is pressing on me and i'm sweating", "breathing_chest"),
    ("my right leg is not carrying me", "one_sided_weakness"),
    ("my chest is killing me", "breathing_chest"),
    ("my chest keeps getting tighter", "breathing_chest"),
    ("my knee just buckles under me", "one_sided_weakness"),
    ("get us emergency help, he took too many sleeping pills", "urgent_help"),
    ("i want to cut myself so badly right now", "self_harm"),
    ("i can't remember what day it is and i'm scared", "confusion"),
    ("ambulance please, she's not right", "urgent_help"),
    ("a squeezing in the centre of my chest", "breathing_chest"),
    ("acute visual loss right eye, onset ten minutes", "vision_loss"),  # clinical shorthand (set 39)
    ("ma lad's takin a fit on the flair", "passing_out"),  # Scots and Irish (sets 71, 72)
    ("she took a fit in the chair just now", "passing_out"),
    ("me kist is that tight ah canna get me breath", "breathing_chest"),
    ("ah'd be better aff deid", "self_harm"),
    ("my husband he fall, he lose the conscience for a moment", "passing_out"),  # a learner's word (set 74)
])
def test_a_sign_or_a_call_for_help_said_in_a_visitor_s_words_is_raised(text, flag):
    """Phrases, not pairs: as visitors of the blind sets 15-19 and 21 said them (eval/README.md)."""
    affirmed, _ = flags(text)
    assert flag in affirmed, text


@pytest.mark.parametrize("text, flag", [
    ("i took all my pills", "urgent_help"),  # the day's dose, or all of them: asked
    ("i'm scared i'm dying", "urgent_help"),
    ("is this a stroke", "stroke_now"),
    ("my lips are blowing up like balloons", "breathing_chest"),
    ("my walking is all over the place", "dizziness"),
    ("we need help now", "urgent_help"),
    ("please help me now", "urgent_help"),  # "help me" alone stays the help command
    ("he says he's going to hurt himself and he's got a knife", "self_harm"),
    ("i've decided i'm not going to be here much longer", "self_harm"),
    ("i've got the pills in my bag and i'm going to take the lot", "self_harm"),
    ("she keeps saying she will cut herself", "self_harm"),
    ("some days i think to jump from the balcony", "self_harm"),
    ("better if i die", "self_harm"),
    ("my chest is burning", "breathing_chest"),  # a heart, or heartburn
    ("my breath is really short", "breathing_chest"),  # or the stairs
    ("my face twitch has spread into my left hand", "passing_out"),  # a seizure marching on, or not
    ("my arm and face are jerking nonstop and i can't stop it", "passing_out"),  # or a leg falling asleep
    ("i've been thinking of doing away with myself", "self_harm"),  # not raised: "do away with it myself" matches too
    ("i have twice stumbled since i came in", "dizziness"),  # or two trips
    ("my arm went weak but it is gone now", "one_sided_weakness"),  # over, with no time: "is it happening now?"
    ("i'm going to hurt myself tonight", "self_harm"),  # or "...if I lift that box"
    ("i'm going to take all my tablets tonight", "self_harm"),  # or the day's dose
    ("my dad took too many paracetamol", "urgent_help"),
    ("his breathing sounds really strange", "breathing_chest"),
    ("the care home said she was muddled in the night but has settled now", "confusion"),  # over, no time
    ("i've been saving up my sleeping pills", "self_harm"),  # a plan, or a thrifty patient
    ("i took the tablets deliberately, all of them", "self_harm"),
    ("sorry, where am i", "confusion"),
    ("i'm mixed up, i don't know what i was doing", "confusion"),  # or mixed up about a time (set 39)
    ("not much point carrying on anymore", "self_harm"),  # or waiting in a queue
    ("i don't remember getting here", "confusion"),
    ("someone get help", "urgent_help"),
    ("get a nurse now", "urgent_help"),
    ("i think i'm having a tia", "stroke_now"),  # a warning stroke said to be now, not had
    ("i was going to jump from the car park roof before i came in", "self_harm"),  # or a stunt in a film
    ("i keep thinking about driving the van off the bridge", "self_harm"),
    ("next thing i know i'm on the floor with people over me", "passing_out"),  # or a trip
    ("i've got this fizzing down one side", "numbness"),  # tingling alone is a clue, not a sign
    ("there's something in the middle of my chest going into my jaw", "breathing_chest"),  # a pain there raises
    ("a heavy feeling in my chest going down my left arm", "breathing_chest"),
    ("i've had stroke signs that keep coming and going", "stroke_now"),  # or the leaflet's words
    ("my father he have stroke now", "stroke_now"),
    ("my mother is have a stroke in the kitchen", "stroke_now"),  # a learner's "is have" (set 55)
    ("style 999 please, it's my dad", "urgent_help"),  # "dial" misheard (set 55)
    ("she keeps going off in a swoon", "passing_out"),  # the old word for a faint, or falling for someone (set 56)
    ("her whole body started shaking and she's still not right", "passing_out"),  # a fit, or a shiver (set 57)
    ("he's shaking on the ground and won't stop", "passing_out"),  # a fit, or the floor under a machine (set 57)
    ("i want to put my car into a wall tonight", "self_harm"),  # or a crash told (set 57)
    ("i don't know what i'm doing here, who are all these people", "confusion"),  # or a long wait (set 58)
    ("it's all going blurry in front of me", "vision_loss"),  # or a photo, a screen (set 58, heard)
    ("he doesn't know where brian is", "confusion"),  # or he is looking for brian
    ("i've got the pills ready at home", "self_harm"),  # or the week's box made up
    ("i can't cope anymore", "self_harm"),  # or with the twitch
    ("i've been planning how i'd do it", "self_harm"),
    ("stroke, um, i think, stroke", "stroke_now"),
    ("she's got the f a s t signs", "stroke_now"),  # or asks what they are
    ("fetch the doctor quick", "urgent_help"),
    ("need, um, need a doctor now please", "urgent_help"),
    ("she's fitting", "passing_out"),  # or fitting in
    ("i think i'm having one of them brain attacks", "stroke_now"),  # the stroke associations' name; or "what is one"
    ("i keep thinking of stepping off the boat and not coming back up", "self_harm"),  # drowning told as going under
    ("my sister is sat in the car and she's been planning to end it, she's got it worked out", "self_harm"),  # or a boyfriend
    ("he's on the kitchen floor frothing at the mouth", "passing_out"),  # a fit, or an angry man (set 66)
    ("there's a tingle in my face and in my hand as well, all on the left", "numbness"),  # or a cramped sitting (set 65)
    ("there's a lass in the corridor and she's not coming round", "passing_out"),  # or not visiting tonight (set 66)
    ("it feels like ants crawling all down my left side", "numbness"),  # or a skin that crawls (set 68)
    ("he's bitten his tongue and he's not right", "passing_out"),  # a fit, or a bite at dinner (set 68)
    ("her arms and legs are shaking and she won't answer", "passing_out"),  # a fit, or a shiver (set 68)
    ("he won't open his eyes, he's just lying there", "passing_out"),  # or a sleepy child (set 68)
    ("please doctor come, it's my dad", "urgent_help"),  # (set 68)
    ("i was thinking about jumping off something", "self_harm"),  # or into a pool (set 68)
    ("i don't feel safe on my own tonight", "self_harm"),  # or a dark street (set 68)
    ("my dad is next to me, please somebody come", "urgent_help"),  # or for a form (set 67, heard)
    ("i think i am getting a stroke", "stroke_now"),  # or a worry for later (set 68, heard)
    ("my throat feels funny and i can hardly swallow", "breathing_chest"),  # or a stroke (set 68, heard)
    ("some days i think about driving off and never coming back", "self_harm"),  # or leaving a job (set 69)
    ("she's sat next to me and something is wrong, please help", "urgent_help"),  # a plea, its sign lost (set 68, heard)
    ("i've had enough of it all and no one'd miss me", "self_harm"),  # or a day off work (set 69)
    ("i've been savin up me tablets to take 'em all tonight", "self_harm"),  # (set 71)
    ("i won't be here after tonight, it's all planned", "self_harm"),  # or a trip (set 72, heard)
    ("pins and needles, but only down my right side", "numbness"),  # "but only" narrows, it is no new clause
    ("i've got a hosepipe in the van. i don't trust myself today.", "self_harm"),  # (set 74, heard)
    ("you hear about strokes and you think not me, but that's what's happening to me right now", "urgent_help"),
])
def test_words_that_may_tell_an_emergency_ask_its_question(text, flag):
    affirmed, unsure = flags(text)
    assert flag in unsure and flag not in affirmed, text


@pytest.mark.parametrize("text, flag", [
    ("the diver went under and did not come back up for ages, it was on telly", "self_harm"),
    ("i'm not coming back up those stairs again, my knees", "self_harm"),
    ("we're walking into the sea for a swim later", "self_harm"),
])
def test_going_under_told_of_something_else_asks_nothing(text, flag):
    affirmed, unsure = flags(text)
    assert flag not in affirmed | unsure, text


@pytest.mark.parametrize("text, flag", [
    ("my colleague collapsed at work last week", "passing_out"),
    ("my neighbour fainted in the shop two weeks ago", "passing_out"),
    ("the chest pain was last month, now it's only my lip", "breathing_chest"),
])
def test_a_sign_weeks_back_is_asked_about_not_raised(text, flag):
    """Not years back, so not history; not now either: "Is that happening now?" (a stroke's warning may be weeks old)."""
    result = assess(text, INDEX)
    assert not result.emergency and flag in result.ask, text


@pytest.mark.parametrize("text, flag", [
    ("i've had chest pain since last week and it's getting worse", "breathing_chest"),
    ("she's been confused since last week", "confusion"),
    ("two days ago my face went numb", "numbness"),
    ("i've been thinking about ending it all since last month", "self_harm"),
])
def test_a_sign_that_began_weeks_back_and_goes_on_is_raised(text, flag):
    affirmed, _ = flags(text)
    assert flag in affirmed, text


@pytest.mark.parametrize("text, flag", [
    ("stroke", "stroke_now"),
    ("a stroke, quick", "stroke_now"),
    ("ambulance!", "urgent_help"),
    ("heart attack, heart attack", "urgent_help"),
    ("um, emergency, please", "urgent_help"),
    # "help" cried more than once is a person in trouble (set 38, heard: "Help, help, I need help, help, help me.")
    ("help, help, i need help, help, help me", "urgent_help"),
    ("help me, help me please", "urgent_help"),
    ("help me out, please, i need help", "urgent_help"),  # set 54, heard for "help me now please, i need help"
])
def test_a_sign_named_with_nothing_else_is_asked_about(text, flag):
    """One word is all a person in a hurry says, or all a recognizer in noise keeps: asked, never raised."""
    affirmed, unsure = flags(text)
    assert flag in unsure and flag not in affirmed, text


@pytest.mark.parametrize("text, flag", [
    ("emergency? yes, it is", "urgent_help"),
    ("emergency? yes, it is, it help now", "urgent_help"),  # a call for help heard half
    ("my lip keeps jumping. stroke? yeah", "stroke_now"),
    ("emergency? of course it is", "urgent_help"),  # any yes that can open an answer (kiosk.core.intents)
    ("stroke? uh huh, her face", "stroke_now"),
])
def test_a_sign_word_said_back_and_answered_yes_is_asked_about(text, flag):
    """As if the kiosk had asked: the word is said alone, then answered; "yes, it is" must not hide it."""
    affirmed, unsure = flags(text)
    assert flag in unsure and flag not in affirmed, text


@pytest.mark.parametrize("text", [
    "emergency? no, just a twitch",
    "ambulance? no thanks, i can walk",
    "the emergency room was busy. yes, we waited an hour",  # the word in a sentence, not said alone
    "we watched emergency on tv. yes, the whole series",
])
def test_a_sign_word_answered_no_or_said_in_a_sentence_is_not_asked_as_said_back(text):
    result = assess(text, INDEX)
    assert not result.emergency and "urgent_help" not in result.ask, text


@pytest.mark.parametrize("text", [
    "what are the signs of a stroke",
    "my dad had a stroke years ago",
    "the ambulance bay is blocked",
    "help",  # the kiosk's help command (dialogue), not a call for help
    "help me",
    "help, how does this work, help",  # twice, but asking how the kiosk works
    "i need help with the help button",
])
def test_a_sign_named_in_a_sentence_is_not_said_alone(text):
    result = assess(text, INDEX)
    assert not result.emergency and not {"stroke_now", "urgent_help"} & set(result.ask), text


@pytest.mark.parametrize("text, flag", [
    # a sign word said as a clause of its own: the words around it are often only who or where
    ("help, it's a stroke, my dad", "stroke_now"),
    ("stroke, it's a stroke, my mum", "stroke_now"),
    ("emergency, my husband, over here", "urgent_help"),
    # dizzy on standing up: most often a head rush that passes in seconds, but not always
    ("i got dizzy standing up too fast, it passed in a second", "dizziness"),
    ("i felt light headed when i stood up, fine now", "dizziness"),
    # "want to die" said to someone else: a parent at the kerb, or the room's "do you want to do this?" misheard
    ("do you want to die?", "self_harm"),
    ("honestly you want to die when the twitch goes on all day", "self_harm"),
    # the heart's pain with the chest word lost, as a recognizer may lose it
    ("this is crushing, going into my jaw", "breathing_chest"),
    ("a pressing feeling down my left arm", "breathing_chest"),
    # a form read out and answered no, the field a word or two longer or the no a word longer
    ("self harm thoughts: none. mood: stressed but ok.", "self_harm"),
    ("seizures: none ever. family history: my aunt had epilepsy.", "passing_out"),
    ("numbness: none at all", "numbness"),
    ("twitching: yes. thoughts of self harm: no.", "self_harm"),  # the field's words before the sign (set 72)
    ("any numbness? no.", "numbness"),
    # a doctor's question said back with its answer, after a comma too (set 73, heard)
    ("doctor asked me before, is your face falling? no. only the small twitch", "facial_droop"),
    ("do you have chest pain? no.", "breathing_chest"),
    # a sign left by a stroke had before is there since then, not sudden now
    ("they said my father can't speak properly since his stroke, it's heartbreaking", "speech_trouble"),
    ("my left arm has been weak since my stroke", "one_sided_weakness"),
    # a wish to walk into the water; a muscle or someone not named "seizing"
    ("i've been thinking about walking off the end of the pier and not coming back", "self_harm"),
    ("the muscles in my calf are seizing", "passing_out"),
    # a thought of taking every pill at hand
    ("the tablets are on the table and i'm tempted to take the lot", "self_harm"),
    ("i keep thinking about, like, swallowing them all", "self_harm"),
    # what a twitch may become, asked; a story's sign
    ("could my lip twitch turn into a droopy face", "facial_droop"),
    ("can stress lead to numbness in the face", "numbness"),
    ("in the film the old man goes numb down one side", "numbness"),
    ("on the radio they said a man collapsed at the match", "passing_out"),
    ("you see it on those adverts, face falling, arm weak", "facial_droop"),  # the stroke adverts (set 72)
    # whether to call, in a what-if; a part an actor plays; going away for good
    ("should we ring 999 if her lip starts pulling sideways again?", "urgent_help"),
    ("do i need to call an ambulance in case the numbness comes back", "urgent_help"),
    ("in the script my character says she wants to die", "self_harm"),
    ("some nights i think i should just disappear for good", "self_harm"),
    # breathless or gasping alone, a pain down the left arm, a cry to anyone near: asked (sets 51 and 52, heard)
    ("corally emergency right now, my twitch is not normal", "urgent_help"),  # set 53, "call" lost
    ("i'm breathless just sitting in this chair", "breathing_chest"),
    ("there's a pain down my left arm and i feel clammy", "breathing_chest"),
    ("help me, please, someone", "urgent_help"),
    # whether a sign is reason enough to call: the sign and the call are both asked about
    ("is a drooping face something to call 999 about?", "facial_droop"),
    ("is a drooping face something to call 999 about?", "urgent_help"),
    ("is slurred speech a reason to call an ambulance?", "speech_trouble"),
    ("is slurred speech a reason to call an ambulance?", "urgent_help"),
    ("is numbness in the face dangerous? i don't have it", "numbness"),  # how bad a sign is, asked (set 71)
    ("is slurred speech serious?", "speech_trouble"),
])
def test_a_sign_told_so_that_it_may_not_be_now_or_the_speakers_is_asked_about(text, flag):
    affirmed, unsure = flags(text)
    assert flag in unsure and flag not in affirmed, text


@pytest.mark.parametrize("text, flag", [
    ("i'm so dizzy i can't stand up", "dizziness"),  # not "dizzy ... standing up" with words between
    ("so dizzy i can not get up off this bench", "dizziness"),
    ("thank you. i want to die", "self_harm"),
    ("the twitching spread down his whole body and now he's seizing", "passing_out"),
    ("she started seizing on the floor", "passing_out"),
    ("my left arm has been weak since my stroke but now my face is drooping", "facial_droop"),
    ("since his stroke this morning he can't speak properly", "speech_trouble"),
    ("i've been thinking about taking my life", "self_harm"),  # "taking" does not stem to "take"
    ("turned out it was a stroke, his face is drooping", "facial_droop"),  # an explanation is of what came before
    ("my twitch has started to turn into a droop on the left side", "facial_droop"),  # what it became, told
    ("in the film he fainted and now my arm has gone numb", "numbness"),  # the speaker's own, after the story
    ("i saw the advert and now my face is drooping", "facial_droop"),  # the speaker's own, after the advert
    ("i am dizzy. not metaphorically. the room is turning", "dizziness"),  # told, not a form's field answered
    ("in the game today i took a knock and now i'm dizzy", "dizziness"),  # a player's game is no story
    ("should i call an ambulance? my face is drooping on the left", "facial_droop"),  # no what-if: a report
    ("yes i do, i feel dizzy when i stand, even if i sit", "dizziness"),  # "do, i" is no "do i" question
    ("in the play last night i was fine but tonight my arm has gone numb", "numbness"),  # the speaker's own
    ("is there anything you can do? my face is drooping, reason to call 999 i think", "facial_droop"),  # a report
    ("is the ambulance coming? my husband collapsed, he's not a reason to wait", "passing_out"),
    ("is your arm weak? yes, the left one", "one_sided_weakness"),  # a doctor's question answered yes
])
def test_the_same_signs_told_as_now_and_the_speakers_are_raised(text, flag):
    assert flag in flags(text)[0], text


@pytest.mark.parametrize("text", [
    "my auntie in cork is after having a mini stroke, they rang me this morning",  # Irish English: she has had one
    "after having a stroke last year my dad walks with a stick",
])
def test_a_stroke_told_after_having_it_is_not_raised(text):
    assert "stroke_now" not in flags(text)[0], text


@pytest.mark.parametrize("text", [
    "my back is seizing up",
    "the police seized my car last month",
    "the bank is seizing the house",
    "we walked into the sea for a paddle",
    "we're going to walk off the pier to the chippy",
])
def test_seizing_things_and_walks_by_the_sea_ask_nothing(text):
    affirmed, unsure = flags(text)
    assert not affirmed and not {"passing_out", "self_harm"} & set(unsure), text

