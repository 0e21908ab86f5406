import pytest

from kiosk.core.text import MAX_CHARS, fluent, normalize, readable_problem, tokens


def test_recognizer_and_typed_text_look_the_same():
    assert tokens("I can't feel my face!") == tokens("i cant feel my face") == ["i", "can", "not", "feel", "my", "face"]
    assert normalize("Bell's palsy") == "bells palsy"
    assert normalize("I have A L S") == "i have als"
    assert normalize("I drink 5 coffees") == "i drink five coffees"


def test_bad_input_is_described_not_raised():
    assert readable_problem("") == "empty input"
    assert readable_problem("   ") == "empty input"
    assert "longer" in readable_problem("a" * (MAX_CHARS + 1))
    assert readable_problem("\x00\x01\x02 \ufffd") == "no words found in the input"
    assert readable_problem("my lip twitches") is None
    assert tokens("Лицо дёргается 😀") == ["лицо", "дергается"] or tokens("Лицо дёргается 😀") == []


@pytest.mark.parametrize("said", ["couldn't find my words", "unable to find my words", "not able to find my words",
                                  "have not been able to find my words", "can't find my words"])
def test_every_way_of_saying_cannot_reads_as_can_not(said):
    assert "can not find my words" in normalize(said)


@pytest.mark.parametrize("said, read", [
    ("a cannae find my words", "a can not find my words"),
    ("she didnae know me", "she did not know me"),
    ("she's havin a fit", "she is having a fit"),
    ("me chest is killin' me", "me chest is killing me"),
    ("i take aspirin and insulin", "i take aspirin and insulin"),  # not every word that ends in "in"
    ("he keeled ower", "he keeled over"),
    ("ma heid is splittin", "ma head is splitting"),
    ("he inna respondin", "he is not responding"),
    ("i want to hurt mysen", "i want to hurt myself"),
    ("there's nowt wrong wi me arm", "there is nothing wrong with me arm"),
    ("she's not movin", "she is not moving"),
    ("he ent answering me", "he is not answering me"),
    ("me face en't drooping", "me face is not drooping"),
    ("I saw ENT last week", "i saw ear nose and throat last week"),  # the clinic, in a recognizer's capitals
    ("no one'd notice", "no one would notice"),
    ("me kist is tight, ah'd be better aff deid", "me chest is tight i would be better off dead"),
    ("the warst sair heid", "the worst sore head"),
    ("he disna ken whaur he is, seein twa o aathing", "he does not ken where he is seeing two o everything"),
    ("da bairn is takkin a fit, me wirds is aw wrang", "da bairn is taking a fit me words is all wrong"),
    ("i hent got no reason, savin up me tablets", "i have not got no reason saving up me tablets"),
    ("no wantin tae be here ony mair, walkin intae the sea", "no wanting to be here any more walking into the sea"),
])
def test_scots_denials_and_a_dropped_g_read_as_plain_english(said, read):
    assert normalize(said) == read


@pytest.mark.parametrize("said, read", [
    ("'e's 'avin a stroke, look at 'im", "he is having a stroke look at him"),
    ("me 'ead's killin' me", "me heads killing me"),
    # an apostrophe before a word that drops no "h" is only dropped itself
    ("rock 'n' roll 'til", "rock n roll til"),
    # and "'em" is "them" ("em" alone is a filler)
    ("i'll take 'em all", "i will take them all"),
    ("em, my lip", "em my lip"),
    ("and 'is arm and 'and", "and his arm and hand"),
])
def test_a_dropped_h_marked_by_an_apostrophe_is_read_with_its_h(said, read):
    assert normalize(said) == read


@pytest.mark.parametrize("said", ["i wasn't able to find words for a minute", "i couldn't find words for a minute",
                                  "i'm not able to lift my arm"])
def test_a_sign_said_with_could_not_or_not_able_to_is_the_sign(index, said):
    from kiosk.core.triage import assess

    assert assess(said, index).emergency, said


@pytest.mark.parametrize("said, straight", [
    ("my arm, it's, um, it's not... it won't go up", "my arm it's not it won't go up"),
    ("the pain, in my head, it's, it's so bad", "the pain in my head it's so bad"),
    ("i i can't feel my face", "i can't feel my face"),
    ("it's not, it's not working, my hand", "it's not working my hand"),
    ("er my face \u2014 it's gone\u2026 funny", "my face it's gone funny"),
])
def test_a_halting_sentence_is_read_straight(said, straight):
    assert fluent(said) == straight


@pytest.mark.parametrize("said", ["my lip twitches, no numbness.", "my left arm went weak an hour ago", ""])
def test_a_sentence_that_does_not_halt_has_no_straight_reading(said):
    assert fluent(said) is None
