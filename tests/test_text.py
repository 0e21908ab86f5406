from kiosk.core.text import MAX_CHARS, normalize, readable_problem, tokens


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
