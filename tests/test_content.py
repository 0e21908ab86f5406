"""Loading validates everything; every mistake is one line naming the file and the entry."""
import re

import pytest

from kiosk.core.content import CAUSE_IDS, ContentError, load_knowledge_base
from kiosk.core.triage import TriageIndex, assess


def test_shipped_content_loads_with_all_13_causes(kb):
    assert tuple(c.id for c in kb.causes) == CAUSE_IDS
    assert len(kb.sources) == 20  # the article says 21 sources but cites 20
    for cause in kb.causes:
        assert cause.clues and 1 <= len(cause.questions) <= 2
        assert all(s in kb.sources for s in cause.sources)
        assert {c.tier for c in cause.clues} >= {"strong"}
    assert {"sudden_onset", "numbness", "dizziness"} <= {f.id for f in kb.red_flags}
    assert len(kb.cases) >= 100


def test_article_slips_are_fixed(kb):
    hypo = kb.cause("hypoparathyroidism")
    assert "hyperparathyroidism" not in (hypo.explanation + hypo.home_care + hypo.provider_care).lower()
    als = kb.cause("als").explanation.lower()
    assert "inherited disorder" not in als


def problems_for(root):
    with pytest.raises(ContentError) as info:
        load_knowledge_base(root)
    return info.value.problems


def edit(path, old, new, count=1):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def test_toml_syntax_error_names_the_file(content_copy):
    (content_copy / "causes.toml").write_text("[[cause]\nid = ")
    problems = problems_for(content_copy)
    assert any(p.startswith(str(content_copy / "causes.toml")) and "TOML syntax error" in p for p in problems)


def test_missing_field_names_the_entry(content_copy):
    path = content_copy / "causes.toml"
    text = path.read_text()
    text = re.sub(r'(?m)^home_care\s*=.*$', "", text, count=1)
    path.write_text(text)
    problems = problems_for(content_copy)
    assert any("causes.toml: cause 'caffeine'" in p and "missing field 'home_care'" in p for p in problems)


def test_unknown_source_id(content_copy):
    path = content_copy / "causes.toml"
    text = re.sub(r'(?m)^sources\s*=\s*\[', 'sources = ["s99", ', path.read_text(), count=1)
    path.write_text(text)
    assert any("unknown source id 's99'" in p and "cause 'caffeine'" in p for p in problems_for(content_copy))


def test_duplicate_id(content_copy):
    edit(content_copy / "causes.toml", 'id = "medication"', 'id = "caffeine"')
    assert any("cause 'caffeine'" in p and "duplicate id" in p for p in problems_for(content_copy))


def test_clue_under_two_causes(content_copy):
    path = content_copy / "causes.toml"
    text = path.read_text()
    # add the first caffeine clue to the medication cause too
    first = re.search(r'(?s)id = "caffeine".*?strong = \[\s*"([^"]+)"', text).group(1)
    idx = text.index('id = "medication"')
    head, tail = text[:idx], text[idx:]
    tail = re.sub(r'strong = \[', f'strong = ["{first}", ', tail, count=1)
    path.write_text(head + tail)
    assert any(f"clue '{first}' is also listed under cause 'caffeine'" in p for p in problems_for(content_copy))


def test_missing_dialogue_key_and_bad_placeholder(content_copy):
    path = content_copy / "dialogue.toml"
    text = re.sub(r'(?m)^goodbye\s*=.*$', "", path.read_text())
    text = re.sub(r'(?m)^emergency\s*=\s*"', 'emergency = "{nmber} ', text)
    path.write_text(text)
    problems = problems_for(content_copy)
    assert any("dialogue.toml: 'goodbye'" in p for p in problems)
    assert any("unknown placeholder '{nmber}'" in p for p in problems)


def test_missing_folder_and_file(tmp_path, content_copy):
    assert "content folder not found" in problems_for(tmp_path / "nope")[0]
    (content_copy / "red_flags.toml").unlink()
    assert any("red_flags.toml: file is missing" in p for p in problems_for(content_copy))


def test_binary_junk_file(content_copy):
    (content_copy / "guidance.toml").write_bytes(b"\xff\xfe\x00\x81junk")
    assert any("guidance.toml" in p and "UTF-8" in p for p in problems_for(content_copy))


def test_an_ask_pair_is_read_like_a_pair(content_copy, kb):
    speech = kb.red_flag("speech_trouble")
    assert ("voice sounds off", True) not in speech.match_phrases()
    assert ("voice off", True) in speech.ask_phrases() and ("off voice", True) in speech.ask_phrases()
    edit(content_copy / "red_flags.toml", "[[red_flag.ask_pair]]\nbody = [", "[[red_flag.ask_pair]]\nbodies = [")
    assert any("ask_pair 1" in p and "'body'" in p for p in problems_for(content_copy))


def test_ask_phrases_keep_the_mark_that_needs_every_word(kb):
    assert "=feel like i am dying" in kb.red_flag("urgent_help").ask


def test_a_red_flag_key_written_below_its_pair_tables_is_a_mistake(content_copy):
    """TOML gives every key after [[red_flag.pair]] to the pair: an 'exclude' there would quietly do nothing."""
    edit(content_copy / "red_flags.toml", 'sign = ["slurred", "slurring", "jumbled"',
         'exclude = ["trouble speaking italian"]\nsign = ["slurred", "slurring", "jumbled"')
    assert any("unknown key 'exclude'" in p for p in problems_for(content_copy))


def test_error_message_is_one_line_with_a_count(content_copy):
    (content_copy / "sources.toml").write_text("")
    (content_copy / "causes.toml").write_text("x = 1")
    with pytest.raises(ContentError) as info:
        load_knowledge_base(content_copy)
    message = str(info.value)
    assert "\n" not in message and "more problem" in message


def test_no_cause_question_asks_about_a_red_flag(kb, index):
    """A yes to such a question is taken as that red flag (an emergency), so it would not separate causes."""
    from kiosk.core.text import tokens_with_breaks
    from kiosk.core.triage import screen_red_flags

    for cause in kb.causes:
        for question in cause.questions:
            words, breaks = tokens_with_breaks(question)
            affirmed, unsure, _, _ = screen_red_flags(words, index, breaks)
            assert not affirmed and not unsure, (cause.id, question)


def test_a_red_flag_may_list_words_that_make_a_meaning_hit_something_else(kb):
    droop = kb.red_flag("facial_droop")
    assert {"pulls up", "on it is own"} <= set(droop.not_by_meaning)  # normalized as what people say is


def test_the_second_opinion_flag_is_read_and_checked(content_copy, kb):
    assert {f.id for f in kb.red_flags if not f.second_opinion} == {"urgent_help", "self_harm"}
    path = content_copy / "red_flags.toml"
    path.write_text(path.read_text().replace("second_opinion = false", 'second_opinion = "no"', 1))
    with pytest.raises(ContentError) as info:
        load_knowledge_base(content_copy)
    assert "'second_opinion' must be true or false" in " ".join(info.value.problems)


def test_a_cried_word_is_read_checked_and_drives_the_cry_for_help(content_copy, kb):
    """The cry for help is content a clinician can edit: the words, and which red flag they ask about."""
    assert kb.red_flag("urgent_help").cried == ("help",)
    cry = "help, help, i need help, help me"
    assert "urgent_help" in assess(cry, TriageIndex.build(kb)).ask
    path = content_copy / "red_flags.toml"
    edit(path, 'cried = ["help"]', "cried = []")
    assert "urgent_help" not in assess(cry, TriageIndex.build(load_knowledge_base(content_copy))).ask
    edit(path, "cried = []", 'cried = ["help me"]')
    assert any("'cried' word 'help me' must be one word" in p for p in problems_for(content_copy))
