"""choose_backend is pure: every branch, without any engine."""
from __future__ import annotations

import pytest

from kiosk.speech.asr import AsrError, Transcript, choose_backend, load_recognizer, transcribe, whisper_name


@pytest.mark.parametrize("vosk", [True, False])
@pytest.mark.parametrize("whisper", [True, False])
def test_auto_prefers_english_vosk_then_whisper_then_text(vosk, whisper):
    backend, reason = choose_backend("auto", vosk, whisper)
    assert backend == ("vosk" if vosk else "whisper" if whisper else None)
    assert "\n" not in reason and reason


def test_auto_without_any_engine_says_how_to_get_voice():
    backend, reason = choose_backend("auto", False, False)
    assert backend is None
    assert "text mode" in reason
    assert "python scripts/download_model.py" in reason
    assert "bash scripts/setup.sh" in reason


@pytest.mark.parametrize("whisper", [True, False])
def test_explicit_vosk(whisper):
    assert choose_backend("vosk", True, whisper)[0] == "vosk"
    backend, reason = choose_backend("vosk", False, whisper)
    assert backend is None  # never silently switches to the other engine
    assert "no English Vosk model" in reason and "download_model.py" in reason


@pytest.mark.parametrize("vosk", [True, False])
def test_explicit_whisper(vosk):
    assert choose_backend("whisper", vosk, True)[0] == "whisper"
    backend, reason = choose_backend("whisper", vosk, False)
    assert backend is None
    assert "bash scripts/setup.sh" in reason


@pytest.mark.parametrize("requested", ["auto", "whisper"])
def test_the_reason_names_the_whisper_model_in_use(requested):
    """An operator who set whisper_model to another folder is not told tiny.en is running."""
    assert "tiny.en" in choose_backend(requested, False, True)[1]
    named = choose_backend(requested, False, True, whisper_name("~/models/whisper-base"))[1]
    assert "whisper-base" in named and "tiny.en" not in named
    assert whisper_name("") == "tiny.en"


def test_unknown_request_is_text_mode_with_reason():
    backend, reason = choose_backend("sphinx", True, True)
    assert backend is None and "sphinx" in reason


def test_load_recognizer_unknown_backend_and_missing_model(tmp_path):
    with pytest.raises(AsrError, match="unknown recognizer"):
        load_recognizer("sphinx")
    with pytest.raises(AsrError) as err:
        load_recognizer("vosk", models_dir=tmp_path, vosk_model="", env={})
    assert str(err.value).startswith(f"No English Vosk model in {tmp_path}")
    assert "download_model.py" in str(err.value) and "KIOSK_VOSK_MODEL" in str(err.value)


class _Scripted:
    """A recognizer that records what transcribe() feeds it."""

    name = "scripted"

    def __init__(self):
        self.calls = []

    def start(self, grammar=None):
        self.calls.append(("start", grammar))

    def accept(self, frames):
        self.calls.append(("accept", len(frames)))
        return None

    def finish(self):
        self.calls.append(("finish",))
        return Transcript("yes", 0.9, True)


def test_transcribe_feeds_chunks_between_start_and_finish():
    rec = _Scripted()
    out = transcribe(rec, b"\0" * 20000, grammar=["yes", "no"], chunk_bytes=8000)
    assert out == Transcript("yes", 0.9, True)
    assert rec.calls == [("start", ["yes", "no"]), ("accept", 8000), ("accept", 8000), ("accept", 4000), ("finish",)]
