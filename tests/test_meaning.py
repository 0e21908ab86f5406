"""The meaning layer: the real sentence model, its place beside the phrase rules, and what happens without it."""
from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.core.content import ContentError, load_knowledge_base
from kiosk.core.dialogue import Dialogue, Phase
from kiosk.core.triage import TriageIndex, assess
from kiosk.core.triage.meaning import split_clauses

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
encoder_module = pytest.importorskip("kiosk.meaning.encoder")


@pytest.fixture(scope="module")
def encoder():
    # the kiosk's own model: converted once to int8 MatMuls in models/cache, as `kiosk` and `kiosk triage` run it
    enc, why = encoder_module.load_encoder(cache_dir=ROOT / "models" / "cache")
    if enc is None:
        pytest.skip(why)
    return enc


@pytest.fixture(scope="module")
def index(encoder, kb):
    return TriageIndex.build(kb, encoder.embed)


def test_the_model_gives_unit_vectors_that_put_like_meanings_together(encoder):
    v = encoder.embed(["one side of my mouth is sagging", "my face droops on the left", "the wifi is weak", ""])
    assert v.shape == (4, 384) and np.allclose(np.linalg.norm(v[:3], axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert encoder.embed([]).shape == (0, 384)


def test_clauses_and_sentences():
    sentences, clauses = split_clauses("My lip twitches, and my hand keeps dropping things. Is that bad?")
    assert sentences == ["My lip twitches and my hand keeps dropping things", "Is that bad"]  # embedded as typed
    assert "my hand keeps dropping things" in clauses and "My lip twitches" in clauses



def as_whisper_writes(text: str) -> str:
    """A typed sentence as Whisper writes it: a capital, a comma before the first joining word, a full stop."""
    for joint in (" and ", " but ", " so "):
        if joint in text:
            text = text.replace(joint, "," + joint, 1)
            break
    return text[:1].upper() + text[1:] + "."


def test_a_transcripts_commas_do_not_change_what_the_triage_finds(index):
    # the blind sets are typed without punctuation and Whisper punctuates: before the second opinion read sentences
    # without their commas, 6 of the tuning sets' declared emergencies were only asked about once punctuated
    from kiosk.bench.eval_sets import eval_sets, read_vignettes

    joined = [c for s in eval_sets() if s.role == "tuning" for c in read_vignettes(s.cases)
              if any(j in c["text"] for j in (" and ", " but ", " so "))]
    cases = [c for c in joined if c["emergency"]] + [c for c in joined if not c["emergency"]][::3]
    assert len(cases) > 500
    worse = []
    for case in cases:
        typed, heard = assess(case["text"], index), assess(as_whisper_writes(case["text"]), index)
        if typed.emergency != heard.emergency and heard.emergency != case["emergency"]:
            worse.append((case["text"], typed.emergency, heard.emergency))
    assert not worse


def test_a_sign_found_only_by_meaning_is_asked_with_its_example(index):
    answer = assess("my right hand keeps letting go of my cup", index).to_json()
    assert not answer["emergency"] and answer["ask"][0] == "one_sided_weakness"
    evidence = answer["red_flag_evidence"][0]
    assert evidence["how"] == "meaning" and evidence["example"] and 0.5 < evidence["score"] <= 1


@pytest.mark.parametrize("text", [
    "my lip is still numb from the dentist, the injection has not worn off yet",
    "what should I do if my face starts drooping",
    "I felt dizzy on the rollercoaster last week",
    "i was spinning on the roundabout with my son and got giddy",
    "i was scared i was having a stroke but it was bells palsy",
    "how would i know if i was having a stroke",
    "i watched a programme about epilepsy last night and now i'm paranoid my twitchy lip is a seizure",  # set 73
])
def test_a_sign_with_a_question_a_past_or_an_explanation_is_asked_not_raised(index, text):
    answer = assess(text, index).to_json()
    assert not answer["emergency"] and answer["ask"], answer


@pytest.mark.parametrize("text", [
    "should i call an ambulance, my face is drooping",
    "is it normal to have a headache this bad, it came on in seconds, it's the worst i've ever had",
])
def test_a_sign_told_in_its_own_clause_beside_a_question_is_raised(index, text):
    """The question is the call's or the kiosk's, not the sign's: the clause that tells the sign has its subject and
    no question word (it was asked about, the whole sentence read as a question)."""
    assert assess(text, index).emergency, text


@pytest.mark.parametrize("text", [
    "if my lip twitches and my arm goes weak, i must call an ambulance?",
    "my student asked me what to do if someone can't breathe, i told her to call 999, is that right",
])
def test_a_clause_after_a_what_if_or_a_report_stays_part_of_it(index, text):
    answer = assess(text, index).to_json()
    assert not answer["emergency"] and answer["ask"], answer


class _SureJudge:
    """A second opinion that is sure every clause tells of a sign now (and has no sign finder of its own)."""

    find_weights = None
    cause_ids = ()

    def chance(self, vectors):
        return np.ones(len(vectors))

    finds = chance

    def causes(self, vector):
        return ()

    def recalls(self, vectors):  # no memory
        n = len(vectors)
        return np.full(n, -1), np.full(n, -1.0), np.full(n, -1.0)


def test_a_clause_the_second_opinion_is_sure_of_is_asked_about(index):
    """A clause no example is close enough to ("my husband talks"), but that the second opinion is sure tells
    of a sign now, is asked about as the sign it is nearest to; one near no sign stays nothing."""

    assert not assess("my husband talks", index).ask  # not close enough to any example on its own
    sure = dataclasses.replace(index, meaning=dataclasses.replace(index.meaning, judge=_SureJudge()))
    answer = assess("my husband talks", sure).to_json()
    assert not answer["emergency"] and answer["ask"] == ["speech_trouble"], answer
    assert answer["red_flag_evidence"][0]["how"] == "meaning"
    assert not assess("where do i pay for the car park", sure).ask


@pytest.mark.parametrize("text", ["my left arm suddenly went weak", "my arm feels weak and my lip twitches",
                                  "my face is drooping on one side and I can't talk properly"])
def test_a_plain_sign_is_still_an_emergency_at_once(index, text):
    assert assess(text, index).to_json()["emergency"], text


def test_a_vague_health_complaint_is_screened_not_sent_away(index, kb):
    assert assess("I came over all funny in the car park", index).in_scope
    assert not assess("where is the bathroom", index).in_scope
    dialogue = Dialogue(kb, index=index)
    state, _ = dialogue.start()
    state, turn = dialogue.hear(state, "I came over all funny in the car park")
    assert state.pending is not None and state.pending.kind == "screening"


def test_a_described_sign_in_an_answer_leads_to_the_emergency(index, kb):
    dialogue = Dialogue(kb, index=index)
    state, _ = dialogue.start()
    state, _ = dialogue.hear(state, "my lip keeps twitching")
    state, turn = dialogue.hear(state, "my right hand keeps letting go of things, I dropped my cup twice just now")
    assert state.pending is not None and state.pending.kind == "red_flag"  # asked about it by name
    state, turn = dialogue.hear(state, "yes")
    assert state.phase is Phase.EMERGENCY


def test_content_examples_are_validated(tmp_path):
    import shutil

    shutil.copytree(CONTENT, tmp_path / "c")
    red = tmp_path / "c" / "red_flags.toml"
    red.write_text(red.read_text().replace('examples = [\n', 'examples = [\n    3,\n', 1))
    (tmp_path / "c" / "meaning.toml").write_text("[not_now.past]\ncues = []\n")
    with pytest.raises(ContentError) as err:
        load_knowledge_base(tmp_path / "c")
    text = "\n".join(err.value.problems)
    assert "'examples' must be a list of non-empty strings" in text and "[not_now.past]: needs 'examples'" in text


def test_without_the_model_the_kiosk_says_so_once_and_runs_on_phrases(monkeypatch, kb, caplog):
    import kiosk.meaning as meaning

    monkeypatch.setattr(encoder_module, "default_model_path", lambda: None)
    monkeypatch.setattr(encoder_module, "_SHARED", {})
    monkeypatch.setattr(meaning, "_WARNED", set())
    index = meaning.triage_index(kb, True, None)
    assert index.meaning is None
    assert assess("my face is numb", index).emergency
    assert [r.getMessage() for r in caplog.records if "meaning layer off" in r.getMessage()] != []
    assert encoder_module.load_encoder(Path("/nonexistent/model.onnx"))[0] is None


def test_a_broken_model_file_gives_one_line(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    enc, why = encoder_module.load_encoder(bad)
    assert enc is None and why.startswith("meaning layer off:") and "\n" not in why


def test_content_embeddings_are_cached_in_a_file_and_only_content(tmp_path, encoder):
    cache = tmp_path / "cache" / "content.npz"
    first = encoder_module.ContentEmbeddings(encoder, cache)
    v = first(["my face droops", "my arm is weak"])
    assert cache.exists()
    again = encoder_module.ContentEmbeddings(encoder, cache)
    assert set(again.known) == {"my face droops", "my arm is weak"}
    assert np.allclose(again(["my arm is weak"]), v[1:])


def test_the_batch_answer_lists_asks_apart_and_says_how(tmp_path):
    lines = ["my lip twitches after coffee", "my face is drooping", "what are the warning signs of a stroke",
             "tea keeps dribbling out of one side of my mouth"]
    done = subprocess.run([sys.executable, "-m", "kiosk", "triage", "--json"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert out[0]["emergency"] is False and out[0]["ask"] == []
    assert out[1]["emergency"] is True and out[1]["red_flag_evidence"][0]["how"] == "phrase"  # nothing to doubt
    assert out[2]["emergency"] is False
    assert out[3]["emergency"] or out[3]["ask"]


def test_asking_what_counts_gets_the_sign_explained_not_the_emergency_prompt(index, kb):
    from kiosk.core.dialogue import Dialogue, EventKind, Expect, Phase

    dialogue = Dialogue(kb, index=index)
    state, turn = dialogue.hear(dialogue.start()[0], "i had a tooth out this morning and the numbness wore off but now my lip twitches")
    assert state.pending is not None and state.pending.target == "numbness"
    state, turn = dialogue.hear(state, "does the numb bit from the dentist count")
    assert EventKind.EMERGENCY not in [e.kind for e in turn.events] and state.phase is not Phase.EMERGENCY
    assert turn.replies[0].text == kb.red_flag("numbness").explain and turn.expect is Expect.YES_NO


@pytest.fixture(scope="module")
def judged(encoder, kb):
    from kiosk.meaning import load_judge

    judge = load_judge()
    assert judge is not None, "kiosk/meaning/second_opinion.npz is shipped: scripts/train_second_opinion.py"
    return TriageIndex.build(kb, encoder.embed, judge=judge)


@pytest.mark.parametrize("text", [
    "my bank account has been paralysed since christmas and my lip twitches",
    "this tax form gave me the worst headache of my life",
    "our old spaniel's face droops on one side, he was born like that",
])
def test_the_second_opinion_asks_about_a_plain_sign_it_doubts(judged, text):
    result = assess(text, judged)
    assert not result.emergency and result.ask, text


def test_a_doubted_sign_says_why_in_the_batch_answer(judged):
    evidence = assess("our budgie slurs his words when he copies my dad on the phone", judged).to_json()["red_flag_evidence"]
    assert evidence and evidence[0]["context"] == "doubted" and evidence[0]["second_opinion"] < 0.5


@pytest.mark.parametrize("text", [
    "my face is drooping on one side since this morning",
    "my face is drooping",
    "i can't lift my right arm and my words come out slurred",
    "everything went double about ten minutes ago and my lip twitches",
])
def test_the_second_opinion_leaves_a_plain_emergency_at_once(judged, text):
    result = assess(text, judged)
    assert result.emergency, text
    assert all(e["second_opinion"] >= 0.5 for e in result.to_json()["red_flag_evidence"] if "second_opinion" in e)


@pytest.mark.parametrize("text", [
    "i keep thinking about ending it all tonight",
    "my neighbour's boy cut his wrist and it will not stop bleeding",
])
def test_a_call_for_help_or_a_plan_to_die_is_not_doubted_by_the_second_opinion(judged, text):
    # it learned from body signs and doubted these (0.2-0.4): a call or a plan is its own evidence
    result = assess(text, judged)
    assert result.emergency and not result.ask, text
    assert all("second_opinion" not in e for e in result.to_json()["red_flag_evidence"]), text



def test_a_doubted_sign_is_asked_and_a_yes_is_the_emergency(judged, kb):
    from kiosk.core.dialogue import EventKind

    dialogue = Dialogue(kb, index=judged)
    state, turn = dialogue.hear(dialogue.start()[0], "this tax form gave me the worst headache of my life")
    assert state.pending is not None and state.pending.kind == "red_flag" and state.phase is not Phase.EMERGENCY
    state, turn = dialogue.hear(state, "yes")
    assert EventKind.EMERGENCY in [e.kind for e in turn.events]


def test_the_second_opinion_is_a_logistic_regression_on_the_vector():
    from kiosk.core.triage.meaning import Judge

    judge = Judge(np.array([2.0, -2.0], dtype=np.float32), 0.0)
    chances = judge.chance(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], dtype=np.float32))
    assert chances[0] > 0.85 and chances[1] < 0.15 and abs(chances[2] - 0.5) < 1e-6


def test_the_shipped_second_opinion_has_a_sign_finder(judged):
    judge = judged.meaning.judge
    assert judge.find_weights is not None and judge.find_weights.shape == judge.weights.shape


def test_slang_for_a_wish_to_die_is_asked_by_meaning_where_a_phrase_would_catch_top_up(judged):
    """"top myself" as a phrase also matched "topping up my coffee myself" (words between): it is an example."""
    assert "self_harm" in assess("i keep thinking i could just top myself", judged).ask
    answer = assess("topping up my coffee myself, my lip twitches", judged)
    assert not answer.emergency and "self_harm" not in answer.ask


@pytest.mark.parametrize(("text", "sign"), [
    ("i went to grab the door handle and my hand went past it", "one_sided_weakness"),
    ("he reached for his glass and knocked it over, his right hand overshoots everything", "one_sided_weakness"),
])
def test_the_sign_finder_asks_about_a_described_sign_no_example_is_near(judged, text, sign):
    from kiosk.core.triage.meaning import SIGN_MIN

    answer = assess(text, judged).to_json()
    assert not answer["emergency"] and answer["ask"] == [sign], answer
    evidence = answer["red_flag_evidence"][0]
    assert evidence["how"] == "meaning" and evidence["score"] < SIGN_MIN  # no example was near enough alone
    # it is the sign finder that asks: fairly sure the clause tells of a sign
    from kiosk.core.triage.meaning import FINDER_ASK

    vector = np.asarray(judged.meaning.embed([evidence["said"]]), dtype=np.float32)
    assert float(judged.meaning.judge.finds(vector)[0]) >= FINDER_ASK


@pytest.mark.parametrize("text", [
    "my lip keeps twitching after my third coffee",
    "my eyelid flickers when i'm tired from night shifts",
    "where do i pay for the car park",
    "the shelf is sagging on one side",  # nearer the things bank than any sign (FINDER_YIELDS_TO)
])
def test_the_sign_finder_leaves_everyday_lines_alone(judged, text):
    answer = assess(text, judged).to_json()
    assert not answer["ask"] and not answer["emergency"], answer


def test_a_clause_nearer_a_twitch_than_any_sign_is_not_asked_by_the_finder(judged):
    """Hemifacial spasm, one of the causes, is told as one side of the face: the finder alone (no sign example
    near) does not turn a clause that is the twitch into a question about a sign."""
    from kiosk.core.triage.meaning import FINDER_ASK, split_clauses

    text = "the whole one side of my face clenches"
    vector = judged.meaning.embed(split_clauses(text)[1])
    assert judged.meaning.judge.finds(vector)[0] >= FINDER_ASK  # the finder alone would ask
    assert not assess(text, judged).ask


def test_a_second_opinion_file_without_a_finder_still_loads(tmp_path):
    import kiosk.meaning as meaning

    np.savez(tmp_path / "old.npz", weights=np.zeros(384, dtype=np.float32), bias=np.float32(0))
    judge = meaning.load_judge(tmp_path / "old.npz")
    assert judge is not None and judge.find_weights is None
    vectors = np.zeros((2, 384), dtype=np.float32)
    assert np.array_equal(judge.finds(vectors), judge.chance(vectors))


def test_without_the_second_opinion_the_kiosk_says_so_once_and_raises_plain_signs(tmp_path, caplog, monkeypatch):
    import kiosk.meaning as meaning

    monkeypatch.setattr(meaning, "_WARNED", set())
    assert meaning.load_judge(tmp_path / "missing.npz") is None
    assert meaning.load_judge(tmp_path / "missing.npz") is None
    np.savez(tmp_path / "wrong.npz", weights=np.zeros(10, dtype=np.float32), bias=np.float32(0))
    assert meaning.load_judge(tmp_path / "wrong.npz") is None
    np.savez(tmp_path / "wrong_finder.npz", weights=np.zeros(384, dtype=np.float32), bias=np.float32(0),
             find_weights=np.zeros(10, dtype=np.float32), find_bias=np.float32(0))
    assert meaning.load_judge(tmp_path / "wrong_finder.npz") is None
    lines = [r.getMessage() for r in caplog.records if "second opinion" in r.getMessage()]
    assert len(lines) == 3 and all("train_second_opinion" in line for line in lines)


def test_doctor_warns_when_the_second_opinion_is_missing(monkeypatch, tmp_path):
    import kiosk.meaning as meaning
    from kiosk.ops.doctor import Status, check_meaning
    from kiosk.ops.settings import Settings

    assert check_meaning(Settings()).status is Status.OK
    monkeypatch.setattr(meaning, "SECOND_OPINION", tmp_path / "gone.npz")
    monkeypatch.setattr(meaning, "load_judge", lambda path=tmp_path / "gone.npz": None)
    check = check_meaning(Settings())
    assert check.status is Status.WARN and "train_second_opinion" in check.detail


def test_the_cause_guess_is_a_softmax_on_the_utterance_vector():
    from kiosk.core.triage.meaning import Judge, utterance_vector

    judge = Judge(np.zeros(2, dtype=np.float32), 0.0, cause_ids=("a", "b"),
                  cause_weights=np.array([[4.0, -4.0], [-4.0, 4.0]], dtype=np.float32),
                  cause_bias=np.zeros(2, dtype=np.float32))
    guess = judge.causes(utterance_vector(np.array([[1.0, 0.0], [0.8, 0.2]])))
    assert [cid for cid, _ in guess] == ["a", "b"] and guess[0][1] > 0.9
    assert abs(sum(p for _, p in guess) - 1.0) < 1e-9
    assert Judge(np.zeros(2, dtype=np.float32)).causes(np.ones(2)) == ()


@pytest.mark.parametrize(("causes", "guess", "want"), [
    # empty places filled in the guess's order, above the least chance only
    ([], [("stress_mood", 0.7), ("caffeine", 0.2)], ["stress_mood"]),
    # the clues' causes keep their places; a guess already among them is not repeated
    (["caffeine"], [("caffeine", 0.6), ("stress_mood", 0.35), ("als", 0.31)], ["caffeine", "stress_mood", "als"]),
    # three clue causes leave no place
    (["caffeine", "medication", "als"], [("stress_mood", 0.9)], ["caffeine", "medication", "als"]),
])
def test_the_cause_guess_only_fills_places_the_clues_leave_empty(causes, guess, want):
    from kiosk.core.triage import CauseScore, fill_from_guess
    from kiosk.core.triage.assess import CAUSE_GUESS_SCALE

    filled = fill_from_guess([CauseScore(c, 0.8, ("clue",)) for c in causes], guess)
    assert [c.id for c in filled] == want
    assert all(c.evidence == () and c.score <= CAUSE_GUESS_SCALE for c in filled[len(causes):])


@pytest.mark.parametrize(("text", "cause"), [
    ("i dread every shift with my supervisor and my lip keeps jumping", "stress_mood"),
    ("my landlord wants us out by friday and my lip won't stop flickering", "stress_mood"),
])
def test_a_cause_told_through_circumstances_is_guessed(judged, text, cause):
    answer = assess(text, judged).to_json()
    assert cause in [c["id"] for c in answer["causes"][:3]], answer
    guessed = next(c for c in answer["causes"] if c["id"] == cause)
    assert guessed["evidence"] == []  # no words said name it: the guess says so by naming none


def test_a_guessed_cause_reaches_the_summary_of_a_session(judged, kb):
    from kiosk.core.dialogue import EventKind

    dialogue = Dialogue(kb, index=judged)
    state, turn = dialogue.hear(dialogue.start()[0], "i dread every shift with my supervisor and my lip keeps jumping")
    state, turn = dialogue.hear(state, "no")
    while state.phase is Phase.QUESTION:
        state, turn = dialogue.hear(state, "yes" if turn.text in kb.cause("stress_mood").questions else "no")
    assert EventKind.SUMMARY in [e.kind for e in turn.events]
    summary = next(e for e in turn.events if e.kind is EventKind.SUMMARY)
    assert "stress_mood" in summary.detail.split(",")
    assert kb.cause("stress_mood").name in turn.text


def test_a_cause_answered_no_is_not_guessed_back_into_the_summary(judged, kb):
    """Before: "my kid's lip keeps twitching", no to every question, and the summary led with Tourette's, whose
    own question had been answered no (the guess put it back once the no took its clue's place), and said its
    explanation twice in a row."""
    from kiosk.core.dialogue import EventKind

    dialogue = Dialogue(kb, index=judged)
    state, turn = dialogue.hear(dialogue.start()[0], "my kid's lip keeps twitching")
    answered_no = []
    while True:
        state, turn = dialogue.hear(state, "no")
        if state.phase is not Phase.QUESTION:
            break
        if state.pending.kind == "cause":
            answered_no.append(state.pending.target)
    assert "tourette_syndrome" in answered_no and EventKind.SUMMARY in [e.kind for e in turn.events]
    summary = next(e for e in turn.events if e.kind is EventKind.SUMMARY)
    assert not set(answered_no) & set(summary.detail.split(",")), summary.detail
    said = [r.text for r in turn.replies]
    assert all(b.rstrip(".") not in a for a, b in itertools.pairwise(said)), said  # nothing said twice in a row


def test_a_cause_denied_in_so_many_words_is_not_guessed(judged):
    """The guess reads the line's meaning: "I don't drink coffee" is about coffee. Before, it was the one cause named."""
    denied = assess("i don't drink coffee and my lip keeps twitching", judged)
    assert denied.in_scope and "caffeine" not in [c.id for c in denied.causes], denied.causes
    said = assess("i drink a lot of coffee and my lip keeps twitching", judged)
    assert said.causes[0].id == "caffeine"


def test_a_cause_named_with_no_words_said_is_explained_once(judged, kb):
    """A guessed cause confirmed by a yes leads the summary with no words said to name as its reason: its line
    gives its explanation instead, which was then said again as the leading cause's."""
    from kiosk.core.dialogue import EventKind

    dialogue = Dialogue(kb, index=judged)
    state, turn = dialogue.hear(dialogue.start()[0], "i dread every shift with my supervisor and my lip keeps jumping")
    state, turn = dialogue.hear(state, "no")
    while state.phase is Phase.QUESTION:
        state, turn = dialogue.hear(state, "yes" if turn.text in kb.cause("stress_mood").questions else "no")
    summary = next(e for e in turn.events if e.kind is EventKind.SUMMARY).detail.split(",")
    said = [r.text for r in turn.replies]
    top = kb.cause("stress_mood")
    assert summary[0] == top.id and sum(top.explanation.rstrip(".") in line for line in said) == 1, said


def test_a_second_opinion_file_without_a_cause_guess_still_loads(tmp_path):
    import kiosk.meaning as meaning

    np.savez(tmp_path / "finder_only.npz", weights=np.zeros(384, dtype=np.float32), bias=np.float32(0),
             find_weights=np.zeros(384, dtype=np.float32), find_bias=np.float32(0))
    judge = meaning.load_judge(tmp_path / "finder_only.npz")
    assert judge is not None and judge.cause_ids == () and judge.causes(np.zeros(384)) == ()
    np.savez(tmp_path / "bad_causes.npz", weights=np.zeros(384, dtype=np.float32), bias=np.float32(0),
             cause_ids=np.array(["a", "b"]), cause_weights=np.zeros((384, 3), dtype=np.float32),
             cause_bias=np.zeros(3, dtype=np.float32))
    assert meaning.load_judge(tmp_path / "bad_causes.npz") is None


@pytest.mark.parametrize("text", [
    "for over a year my right eye has been squeezing shut on its own",
    "since last year one side of my cheek keeps clenching up",
    "my lip twitches, my left eye, always the same side",
    "it's the corner of my mouth, um, only ever the left side",
    "my lip twitches and there's tingling in the fingers and around the mouth",
])
def test_a_long_standing_telling_or_a_bare_place_is_not_asked_about(judged, text):
    """A stroke's signs are new: a clause that is itself months or years long is history; and a fragment that
    only names a place ("my left eye") says nothing meaning can weigh."""
    answer = assess(text, judged).to_json()
    assert not answer["emergency"] and not answer["ask"], answer


@pytest.mark.parametrize("text", [
    "i've had a lip twitch for two years but since lunch my face is drooping on the left",
    "for about a year my lip has twitched and today my right arm won't lift",
    "my face has been sagging on one side for two hours",
])
def test_a_new_sign_beside_a_long_history_is_still_raised_or_asked(judged, text):
    answer = assess(text, judged).to_json()
    assert answer["emergency"] or answer["ask"], answer


@pytest.mark.parametrize("text", [
    "the corner of my mouth pulls up on one side every few minutes",
    "half my face is jumping by itself",
])
def test_a_face_that_moves_on_its_own_is_not_asked_about_as_a_droop(judged, text):
    """Hemifacial spasm pulls the mouth up; MiniLM puts that next to "my mouth is pulling down on the left"."""
    assert "facial_droop" not in assess(text, judged).ask, text


@pytest.mark.parametrize("text", [
    "my left eye won't close on its own",
    "one side of my face is sagging and my lip twitches",
    "the right half of my smile has vanished since breakfast in my lip twitches",  # a recognizer's "in" for "and"
])
def test_a_droop_beside_a_twitch_or_a_denial_is_still_raised_or_asked(judged, text):
    answer = assess(text, judged).to_json()
    assert answer["emergency"] or "facial_droop" in answer["ask"], answer


def test_a_content_example_gets_the_same_vector_whatever_was_new_beside_it(encoder, tmp_path):
    """A fresh install and a cache filled bit by bit over months must judge a line alike."""
    from kiosk.meaning.encoder import ContentEmbeddings

    example = "one side of my face is sagging"
    alone = ContentEmbeddings(encoder, None)([example])[0]
    beside = ContentEmbeddings(encoder, None)(["my arm went heavy and useless an hour ago, out of nowhere", example])[1]
    assert np.array_equal(alone, beside)



def test_what_a_person_says_gets_the_same_vector_beside_a_long_sentence_or_alone(encoder):
    """Each clause is embedded on its own: beside a long sentence in one batch, int8 activations scaled over the
    batch (and padding to the longest) would read the same clause differently."""
    clause = "my hand went past the door handle"
    sentence = "i was getting off the bus this morning and my hand went past the door handle and i nearly fell over"
    together = encoder.embed([clause, sentence])
    assert np.array_equal(together[0], encoder.embed([clause])[0])
    assert np.array_equal(together[1], encoder.embed([sentence])[0])


@pytest.mark.parametrize(("text", "sign"), [
    ("my right hand does a rolling thing with my fingers", "one_sided_weakness"),
    ("my fingers cramp up on the steering wheel", "numbness"),
    ("she puckers her lips over and over", "facial_droop"),
    ("my cheek and lip keep pulling up on the one side", "numbness"),
])
def test_a_limb_or_lips_moving_by_themselves_are_not_that_sign_by_meaning(judged, text, sign):
    """A hand rolling or cramping, lips puckering: movements, not a loss of strength, feeling or tone (the
    content's not_by_meaning words); a denial beside them ("won't pucker") still counts."""
    assert sign not in assess(text, judged).to_json()["ask"]


def test_a_clause_that_ends_saying_all_is_well_is_not_a_sign_by_meaning(judged):
    """"Both sides of my face move normally in between" is near a droop's examples, but says the opposite."""
    assert "facial_droop" not in assess("my cheek jumps now and then, both sides of my face move normally in between",
                                        judged).to_json()["ask"]


@pytest.mark.parametrize("text", [
    "grandma was fine at breakfast now she keeps saying fork when she means phone",
    "i'm okay i think just my face feels odd on one side",
])
def test_well_before_or_well_first_still_tells_a_sign(judged, text):
    """Well at breakfast and not now is when a stroke began; "I'm okay, just ..." goes on to the sign."""
    answer = assess(text, judged).to_json()
    assert answer["emergency"] or answer["ask"], answer


@pytest.mark.parametrize("text", ["my face is not drooping", "i do not have any blurred vision or loss of sight",
                                  "i am not dizzy and the room is not spinning i just drink a lot",
                                  "no slurring and no trouble finding my words",
                                  "my face is not numb it just tingles a little around the lips"])
def test_a_sign_plainly_denied_is_not_asked_about_by_meaning(judged, text):
    """The meaning layer cannot read a "no": a clause that denies a sign in so many words is near that sign's
    examples. Where the phrase rules read the denial right before the sign, the meaning hit is dropped."""
    assert not assess(text, judged).to_json()["ask"], text


@pytest.mark.parametrize("text", ["i am feeling left side of body like it is not mine cannot feel the hand",
                                  "no hand's a bit useless is all"])
def test_a_denial_further_off_is_still_asked_about(judged, text):
    """ "not mine cannot feel the hand", and "no" answering a question before the sign: the phrase rules read a
    denial of the sign; the meaning layer still asks."""
    answer = assess(text, judged).to_json()
    assert answer["emergency"] or {"numbness", "one_sided_weakness"} & set(answer["ask"]), answer


@pytest.mark.parametrize("text, emergency", [
    ("i can't breathe properly", True),
    ("he's choking on his food right now", True),
    ("it's so stuffy in here i can't breathe lol", False),
    ("my chest is tight from a cold", False),
])
def test_breathing_said_plainly_is_an_emergency_and_a_figure_of_speech_is_asked(judged, text, emergency):
    result = assess(text, judged)
    assert result.emergency is emergency and (emergency or "breathing_chest" in result.ask), text


@pytest.mark.parametrize("text, emergency", [
    ("my dad's face dropped for a few minutes this morning and then it went back to normal", True),
    ("this morning my arm went weak for five minutes and then recovered", True),
    ("my face drooped back in january and it cleared up", False),
    ("my hand was numb this morning because i slept on it funny, it came back after i shook it", False),
])
def test_a_sign_that_came_and_went_today_is_a_warning_not_history(judged, text, emergency):
    """Stroke advice is to call even when the signs have passed: "is that happening now?" and a "no" used to clear a
    face that drooped this morning. Long ago, or with its everyday reason, it is still history or asked about."""
    assert assess(text, judged).emergency is emergency, text


@pytest.mark.parametrize(("text", "sign"), [
    ("i see a ghost image next to everything", "vision_loss"),
    ("there's a second picture beside everything i look at", "vision_loss"),
    ("i feel seasick standing still", "dizziness"),
    ("his speech is all mushed together", "speech_trouble"),
])
def test_a_sign_told_in_a_picture_of_it_is_asked_about(judged, text, sign):
    """A double image, seasickness on dry land, mushy words: no sign word, but near the content's examples of
    that sign, so the kiosk asks its question."""
    answer = assess(text, judged).to_json()
    assert answer["emergency"] or sign in answer["ask"], text


@pytest.mark.parametrize("text", [
    "nothing wrong with my balance, i'm not confused, just fed up with the twitching",
    "there's nothing wrong with my walking",
    "no problems with my speech or my eyes",
])
def test_a_clause_that_opens_denying_a_fault_is_not_a_sign_by_meaning(judged, text):
    """ "Nothing wrong with my balance" is near "I can't keep my balance at all", and says the opposite."""
    answer = assess(text, judged).to_json()
    assert not answer["emergency"] and not answer["ask"], answer


def test_a_sign_after_a_fault_denied_is_still_raised(judged):
    answer = assess("nothing wrong with my balance but my left arm went weak just now", judged).to_json()
    assert answer["emergency"] and "one_sided_weakness" in answer["red_flags"]


@pytest.mark.parametrize("said, flag", [
    ("my arm, it's, um, it's not... it won't go up", "one_sided_weakness"),
    ("my face, it's, the side of it, it's gone all... slack", "facial_droop"),
])
def test_a_sign_split_by_pauses_is_asked_about(judged, said, flag):
    """Stroke makes speech halting: a sign cut from its arm or face by a pause is asked about, not lost."""
    result = assess(said, judged)
    assert flag in [h.id for h in result.unsure_flags] and not result.emergency, said


def test_a_halting_denial_is_not_made_a_sign(judged):
    result = assess("no, no, um, my arm is fine, it's just, just my lip", judged)
    assert not result.emergency and not result.unsure_flags


def test_a_loss_of_sight_denied_in_so_many_words_is_not_asked_about(judged):
    answer = assess("my eyelid twitches but i haven't lost any sight, honestly", judged).to_json()
    assert not answer["emergency"] and "vision_loss" not in answer["ask"], answer


def _remembering(index, encoder, signs: list[tuple[str, str]], unlike: list[str]):
    """``index`` with the shipped second opinion and only this memory: (clause, red flag) told of a sign, and
    clauses not to mistake for one."""
    judge = dataclasses.replace(
        index.meaning.judge, recall_vectors=encoder.embed([t for t, _ in signs]),
        recall_flags=tuple(f for _, f in signs), recall_texts=tuple(t for t, _ in signs),
        unlike_vectors=encoder.embed(unlike) if unlike else np.zeros((0, 384), dtype=np.float32))
    return dataclasses.replace(index, meaning=dataclasses.replace(index.meaning, judge=judge))


def test_the_shipped_second_opinion_remembers_the_tuning_sets_signs(judged, kb):
    judge = judged.meaning.judge
    assert judge.recall_vectors is not None and len(judge.recall_vectors) > 1000
    assert len(judge.recall_flags) == len(judge.recall_texts) == len(judge.recall_vectors)
    assert set(judge.recall_flags) <= {f.id for f in kb.red_flags}
    assert judge.unlike_vectors is not None and judge.unlike_vectors.shape[1:] == judge.recall_vectors.shape[1:]


def test_a_clause_close_to_a_remembered_sign_is_asked_about_as_its_sign(judged, encoder):
    said = "she dey ask me who i be"
    forgetting = _remembering(judged, encoder, [("the sky is blue today", "confusion")], [])
    assert not assess(said, forgetting).ask, "nothing but the memory finds it"
    remembering = _remembering(judged, encoder, [("he dey ask me who i be", "confusion")], [])
    answer = assess(said, remembering).to_json()
    assert not answer["emergency"] and answer["ask"] == ["confusion"], answer
    evidence = answer["red_flag_evidence"][0]
    assert evidence["how"] == "meaning" and evidence["example"] == "he dey ask me who i be"


def test_a_clause_as_close_to_a_remembered_look_alike_is_not_asked_about(judged, encoder):
    said = "the pikin dey tremble for ground"
    remembering = _remembering(judged, encoder, [("my pikin dey tremble for ground", "passing_out")], [])
    assert assess(said, remembering).ask == ("passing_out",)
    remembering = _remembering(judged, encoder, [("my pikin dey tremble for ground", "passing_out")],
                               ["the pikin dey tremble for ground on the telly"])
    assert assess(said, remembering).ask == ()


def test_a_remembered_sign_the_content_puts_far_from_the_clause_is_not_asked(judged, encoder):
    # the clause is near the remembered one in words only: none of the content's confusion examples is near it
    remembering = _remembering(judged, encoder, [("his eyes look glassy", "confusion")], [])
    assert assess("he reached for his glass and knocked it over", remembering).ask == ()


def test_a_memory_without_a_sure_sign_asks_for_help_instead(judged, encoder):
    from kiosk.core.triage.meaning import RECALL_OTHERWISE

    # remembered as trouble seeing (its nearest example was "she can't see the clock"), but it tells of confusion
    remembering = _remembering(judged, encoder, [("she think it is night", "vision_loss")], [])
    answer = assess("my da think it is night", remembering)
    assert answer.ask == (RECALL_OTHERWISE,) and not answer.emergency


def test_a_second_opinion_without_a_memory_still_loads(tmp_path):
    from kiosk.meaning import SECOND_OPINION, load_judge

    with np.load(SECOND_OPINION) as saved:
        older = {k: saved[k] for k in saved.files if not k.startswith(("recall_", "unlike_"))}
    np.savez(tmp_path / "older.npz", **older)
    judge = load_judge(tmp_path / "older.npz")
    assert judge is not None and judge.recall_vectors is None and judge.find_weights is not None
    n = 3
    best, score, unlike = judge.recalls(np.zeros((n, 384), dtype=np.float32))
    assert (score == -1).all() and (unlike == -1).all() and len(best) == n
