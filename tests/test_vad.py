"""The endpointer on real audio: espeak-ng sentences with known pauses, real human recordings, real kitchen
noise; clicks dropped, long speech truncated, silence reported, the end of speech found in noise. webrtcvad
and Silero (the model faster-whisper ships) are the real ones throughout."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from kiosk.bench.latency import speech_end
from kiosk.ops.settings import Settings
from kiosk.speech import vad
from kiosk.speech.audio import FRAME_BYTES, SAMPLE_RATE, MemorySource, mix_noise, noise_gain, read_wav
from kiosk.speech.vad import Endpointer, EventKind, Utterance, silero_model, utterances

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "audio"
NOISE = sorted((SHARED / "noise").glob("*.wav"))
REAL = sorted((SHARED / "speech" / "librispeech-test-clean-mini").glob("*.wav")) + sorted(
    (SHARED / "coffee-orders").glob("*.wav"))[:6]
# clean read speech whose true end the loudness shows (the other sets carry their own room noise)
LIBRISPEECH = sorted((SHARED / "speech" / "librispeech-test-clean-mini").glob("*.wav"))
CLEAN_REAL = LIBRISPEECH + sorted((SHARED / "speech" / "pocketsphinx-testdata").glob("*.wav"))
needs_noise = pytest.mark.skipif(not NOISE, reason="no noise recordings in ../shared/audio/noise")
needs_silero = pytest.mark.skipif(silero_model() is None, reason="faster-whisper (with its Silero model) not installed")


def espeak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return read_wav(path)


@pytest.fixture(scope="module")
def sentences(tmp_path_factory) -> tuple[np.ndarray, np.ndarray]:
    folder = tmp_path_factory.mktemp("espeak")
    return (espeak("my lip is twitching", folder / "a.wav"),
            espeak("it started three days ago after I drank a lot of coffee", folder / "b.wav"))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(SAMPLE_RATE * seconds), dtype=np.int16)


def events(audio: np.ndarray, **kwargs) -> list:
    endpointer = Endpointer(**kwargs)
    return [e for frame in MemorySource(audio).frames() for e in endpointer.push(frame)]


def speech_bounds(samples: np.ndarray) -> tuple[float, float]:
    """Where the synthetic speech really starts and ends: espeak pads with digital zeros."""
    loud = np.nonzero(np.abs(samples) > 0)[0]
    return loud[0] / SAMPLE_RATE, (loud[-1] + 1) / SAMPLE_RATE


@pytest.mark.slow
def test_two_sentences_with_a_1_5_s_pause_are_two_utterances(sentences):
    a, b = sentences
    audio = np.concatenate([silence(0.5), a, silence(1.5), b])
    found = events(audio)
    kinds = [e.kind for e in found if e.kind is not EventKind.PAUSE]
    assert kinds == [EventKind.SPEECH_START, EventKind.UTTERANCE] * 2
    first, second = (e.utterance for e in found if e.kind is EventKind.UTTERANCE)
    a_start, a_end = speech_bounds(a)
    b_start, b_end = speech_bounds(b)
    b_offset = 0.5 + len(a) / SAMPLE_RATE + 1.5
    assert first.start_s == pytest.approx(0.5 + a_start, abs=0.1)
    assert first.end_s == pytest.approx(0.5 + a_end, abs=0.25)
    assert second.start_s == pytest.approx(b_offset + b_start, abs=0.1)
    assert second.end_s == pytest.approx(b_offset + b_end, abs=0.25)
    assert not first.truncated and not second.truncated
    # the audio handed to the recognizer holds the whole sentence plus the pre-roll
    assert len(first.pcm) >= (a_end - a_start + 0.25) * SAMPLE_RATE * 2
    pcm = np.frombuffer(first.pcm, dtype="<i2")
    assert not pcm[:int(0.2 * SAMPLE_RATE)].any()  # it begins in the silence before the speech


@pytest.mark.slow
def test_a_short_pause_inside_a_sentence_does_not_split_it(sentences):
    a, b = sentences
    found = list(utterances(MemorySource(np.concatenate([a, silence(0.3), b])).frames()))
    assert len(found) == 1


def test_a_100_ms_click_and_a_single_burst_are_dropped():
    rng = np.random.default_rng(0)
    click = rng.normal(0, 12000, int(0.1 * SAMPLE_RATE)).clip(-32768, 32767).astype(np.int16)
    audio = np.concatenate([silence(1.0), click, silence(1.5), click, silence(1.0)])
    found = events(audio, no_speech_s=None)
    assert not [e for e in found if e.kind is EventKind.UTTERANCE]


@pytest.mark.slow
def test_a_short_voiced_burst_is_dropped(sentences):
    a, _ = sentences
    start, _ = speech_bounds(a)
    burst = a[int(start * SAMPLE_RATE):int((start + 0.12) * SAMPLE_RATE)]  # 120 ms of real voice
    found = events(np.concatenate([silence(1.0), burst, silence(1.5)]))
    assert not [e for e in found if e.kind is EventKind.UTTERANCE]


@pytest.mark.slow
def test_long_speech_is_truncated_at_max_utterance_s(sentences):
    _, b = sentences
    long_speech = np.tile(b, 5)  # about 17 s; espeak's pauses are shorter than the 2 s end silence
    found = list(utterances(MemorySource(long_speech, trailing_silence_ms=3000).frames(), max_utterance_s=5.0,
                             end_silence_ms=2000))
    assert found[0].truncated
    assert found[0].end_s - found[0].start_s == pytest.approx(5.0, abs=0.05)
    assert len(found) >= 3  # speaking on starts the next utterance
    assert not found[-1].truncated  # the last one ends in the trailing silence


def test_no_speech_is_reported_once_then_again_after_reset():
    endpointer = Endpointer(no_speech_s=1.0)
    kinds = [e.kind for f in MemorySource(silence(3.0), trailing_silence_ms=0).frames() for e in endpointer.push(f)]
    assert kinds == [EventKind.NO_SPEECH]
    endpointer.reset()
    at = [e.at_s for f in MemorySource(silence(1.5), trailing_silence_ms=0).frames() for e in endpointer.push(f)
          if e.kind is EventKind.NO_SPEECH]
    assert at == [pytest.approx(3.0 + 1.0, abs=0.031)]  # times run on from the source start
    assert not [e for e in events(silence(5.0)) if e.kind is EventKind.NO_SPEECH]  # off by default


@pytest.mark.slow
def test_reset_forgets_speech_in_progress(sentences):
    a, _ = sentences
    endpointer = Endpointer()
    frames = list(MemorySource(a).frames())
    half = len(frames) // 2
    started = [e for f in frames[:half] for e in endpointer.push(f)]
    assert EventKind.SPEECH_START in [e.kind for e in started] and endpointer.in_speech
    endpointer.reset()
    rest = [e.kind for f in MemorySource(silence(2.0)).frames() for e in endpointer.push(f)]
    assert EventKind.UTTERANCE not in rest


@pytest.mark.slow
def test_pause_audio_is_the_utterance_when_nothing_more_is_said(sentences):
    a, _ = sentences
    found = events(a)
    pauses = [e.utterance.pcm for e in found if e.kind is EventKind.PAUSE]
    final = [e.utterance.pcm for e in found if e.kind is EventKind.UTTERANCE]
    assert len(final) == 1 and pauses and pauses[-1] == final[0]


def test_short_or_long_frames_are_padded_or_cut():
    endpointer = Endpointer(no_speech_s=0.06)
    assert [e.kind for e in endpointer.push(b"\0" * 100)] == []
    assert [e.kind for e in endpointer.push(b"\0" * (FRAME_BYTES * 2))] == [EventKind.NO_SPEECH]


def test_from_settings_takes_the_speech_settings():
    endpointer = Endpointer.from_settings(Settings(end_silence_ms=900, max_utterance_s=6.0, vad_aggressiveness=3))
    assert endpointer.end_frames == 30 and endpointer.max_frames == 200


@pytest.mark.skipif(not REAL, reason="no real speech in ../shared/audio")
def test_real_human_recordings_are_one_utterance_each():
    for path in REAL:
        samples = read_wav(path)
        found = list(utterances(MemorySource(samples).frames()))
        assert len(found) == 1, (path.name, found)
        utterance: Utterance = found[0]
        # the utterance holds nearly all of the recording's sound, and ends where the sound ends
        power = samples.astype(np.float64) ** 2
        first = int(utterance.start_s * SAMPLE_RATE)
        inside = power[max(0, first - SAMPLE_RATE * 3 // 10):int(utterance.end_s * SAMPLE_RATE) + 3000].sum()
        assert inside > 0.97 * power.sum(), (path.name, inside / power.sum())
        assert utterance.end_s <= len(samples) / SAMPLE_RATE + 0.2, path.name


@needs_noise
def test_false_starts_on_real_kitchen_noise_are_measured():
    noise = read_wav(NOISE[0])
    minutes = len(noise) / SAMPLE_RATE / 60
    rates = {}
    for aggressiveness in (1, 2, 3):
        found = list(utterances(MemorySource(noise).frames(), aggressiveness=aggressiveness, neural=False))
        rates[aggressiveness] = len(found) / minutes
        assert all(u.end_s - u.start_s < 15.0 for u in found)
    print(f"false utterances per minute of {NOISE[0].name}: {rates}")
    # webrtcvad alone takes this kitchen (clatter, voices in the background) for speech at every setting:
    # measured 17.6, 16.1 and 16.6 per minute. The recognizer returns nothing for most of them and the
    # session ignores empty transcripts. The bound catches a regression, not a goal. With Silero there are
    # none (test_kitchen_noise_alone_makes_no_utterance).
    assert all(rate < 25 for rate in rates.values()), rates


@needs_noise
@pytest.mark.slow
def test_speech_in_real_noise_is_found_and_ended(sentences):
    _, b = sentences
    noise = read_wav(NOISE[0])
    start, end = speech_bounds(b)
    audio = np.concatenate([silence(1.0), b, silence(3.0)])
    hits = 0
    for seed in range(5):
        noisy = mix_noise(audio, noise, 10.0, seed=seed)
        found = [u for u in utterances(MemorySource(noisy).frames(), aggressiveness=3)
                 if u.start_s < 1.0 + end and u.end_s > 1.0 + start]
        hits += len(found) == 1 and found[0].start_s < 1.0 + start + 0.3
    assert hits >= 4


def ends(audio: np.ndarray, **kwargs) -> list[float]:
    """When the endpointer decided each utterance had ended (seconds from the start); no silence is added
    after the audio, so noise that runs to the end leaves an utterance open."""
    endpointer = Endpointer(**kwargs)
    return [e.at_s for frame in MemorySource(audio, trailing_silence_ms=0).frames() for e in endpointer.push(frame)
            if e.kind is EventKind.UTTERANCE]


@needs_noise
@needs_silero
@pytest.mark.skipif(len(CLEAN_REAL) < 10, reason="no real speech in ../shared/audio")
@pytest.mark.parametrize("snr", [10.0, 5.0])
def test_the_end_of_real_speech_is_found_in_real_kitchen_noise(snr):
    """The noise goes on over the 2.5 s after the speech, as in a waiting room: each recording ends once, within
    the 0.7 s end silence plus 0.3 s of its true end, and never before it."""
    noise = read_wav(NOISE[0])
    late = []
    waited = 0
    for seed, path in enumerate(CLEAN_REAL):
        speech = read_wav(path)
        end = 1.0 + speech_end(speech) / SAMPLE_RATE
        audio = mix_noise(np.concatenate([silence(1.0), speech, silence(2.5)]), noise, snr, seed=seed)
        found = ends(audio)
        assert found and all(at > end for at in found), (path.name, end, found)  # nobody is cut off
        if found[0] > end + 1.0:
            late.append((path.name, round(found[0] - end, 2)))
        waited += not any(end < at <= end + 1.0 for at in ends(audio, neural=False))
    assert not late, late
    # webrtcvad alone calls this kitchen speech: without Silero many recordings are not ended in time
    assert waited >= len(CLEAN_REAL) // 4, waited


@needs_silero
@pytest.mark.skipif(len(LIBRISPEECH) < 2, reason="no real speech in ../shared/audio")
def test_a_pause_inside_a_sentence_in_a_quiet_room_does_not_end_it():
    """Real read sentences joined two by two with 0.4 s of silence (a person thinking mid-sentence) stay one
    utterance each, holding all of both."""
    # the recordings' own silence before and after their speech would lengthen the pause: cut it
    clips = []
    for path in LIBRISPEECH:
        samples = read_wav(path)
        samples = samples[:speech_end(samples)]
        clips.append(samples[len(samples) - speech_end(samples[::-1]):])
    for i, first in enumerate(clips):
        for j, second in enumerate(clips):
            if i != j:
                audio = np.concatenate([silence(1.0), first, silence(0.4), second, silence(1.0)])
                found = list(utterances(MemorySource(audio).frames()))
                assert len(found) == 1, (i, j, [(u.start_s, u.end_s) for u in found])
                assert found[0].end_s >= (len(audio) - SAMPLE_RATE) / SAMPLE_RATE - 0.25, (i, j)


def kept_until(samples: np.ndarray, **kwargs) -> list[int]:
    """Where the audio handed to the recognizer ends, in samples of ``samples``, for each utterance."""
    out = []
    for u in utterances(MemorySource(samples).frames(), **kwargs):
        pcm = np.frombuffer(u.pcm, dtype="<i2")
        first = next(i for i in range(0, len(samples), FRAME_BYTES // 2)
                     if np.array_equal(samples[i:i + FRAME_BYTES // 2], pcm[:FRAME_BYTES // 2]))
        out.append(first + len(pcm))
    return out


@needs_silero
@pytest.mark.skipif(not REAL, reason="no real speech in ../shared/audio")
def test_the_recognizer_gets_the_last_words_of_each_real_recording():
    """Silero ends speech before a quiet last sound that webrtcvad keeps (up to 0.4 s on these recordings);
    the longer tail kept after it must make up for that: the audio handed on holds every 10 ms within 25 dB
    of the recording's loudest (a last word said 20 dB down, as "...counselled him" here, included)."""
    for path in sorted(set(REAL + CLEAN_REAL)):
        samples = read_wav(path)
        kept = kept_until(samples)
        assert len(kept) == 1, path.name
        assert kept[0] >= speech_end(samples, floor_db=-25.0), (path.name, kept[0] / SAMPLE_RATE)


@needs_noise
@needs_silero
def test_kitchen_noise_alone_makes_few_utterances():
    """webrtcvad starts on clatter and background voices; Silero drops the clatter (webrtcvad alone: 15-18 false
    utterances a minute, see test_false_starts_on_real_kitchen_noise_are_measured). The recording's own distant
    talk ("Thank you.", "See you later") is speech to Silero: measured 5 utterances in its 123 s."""
    noise = read_wav(NOISE[0])
    found = list(utterances(MemorySource(noise).frames()))
    assert len(found) <= 6 * len(noise) / SAMPLE_RATE / 120, [(u.start_s, u.end_s) for u in found]


@needs_noise
@needs_silero
@pytest.mark.parametrize("snr", [10.0, 5.0])
def test_an_answer_after_minutes_of_room_noise_is_still_heard(tmp_path, snr):
    """A kiosk waits in its room between visitors. Silero fed a room's noise without a break drifts until it hears
    no speech at all (after 30-90 s of this kitchen at 5-10 dB, not one frame of a spoken "no"), so its state is
    cleared between utterances: an answer after two minutes of the room is still an utterance."""
    noise = read_wav(NOISE[0]).astype(np.float64)
    missed = []
    for word in ("no", "yes", "not really"):
        said = espeak(word, tmp_path / "w.wav")
        at = SAMPLE_RATE * 120
        clean = np.concatenate([np.zeros(at), said, silence(1.0)])
        room = np.tile(noise, 3)[:len(clean)] * noise_gain(said, noise, snr)
        mixed = np.clip(clean + room, -32768, 32767).astype(np.int16)
        start, end = speech_bounds(said)
        found = utterances(MemorySource(mixed).frames())
        if not any(u.start_s < 120 + end and u.end_s > 120 + start for u in found):
            missed.append(word)
    assert not missed, missed


@pytest.mark.slow
@needs_silero
def test_a_short_answer_in_a_fast_voice_is_kept(tmp_path):
    """Speech is counted without webrtcvad's hangover now, so the shortest answers must still be long enough."""
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "210", "-w", str(tmp_path / "two.wav"), "two"], check=True)
    word = read_wav(tmp_path / "two.wav")
    assert len(list(utterances(MemorySource(np.concatenate([silence(0.5), word])).frames()))) == 1


def test_without_silero_webrtcvad_decides_alone_after_one_log_line(monkeypatch, caplog):
    monkeypatch.setattr(vad, "silero_model", lambda: None)
    with caplog.at_level("WARNING", logger="kiosk.speech.vad"):
        endpointer = Endpointer()
    assert endpointer.neural is None
    assert endpointer.tail_frames == vad.TAIL_FRAMES
    assert len(caplog.records) == 1 and "webrtcvad alone" in caplog.records[0].getMessage()
    assert [e.kind for e in endpointer.push(b"\0" * FRAME_BYTES)] == []


COFFEE = sorted((SHARED / "coffee-orders").glob("*.wav"))
needs_babble = pytest.mark.skipif(len(COFFEE) < 8, reason="no coffee orders in ../shared/audio to make babble from")


def people_talking(seconds: float) -> np.ndarray:
    """Eight real people talking at once (the benchmarks' babble, made from the coffee orders), looped."""
    from kiosk.bench.noise import babble_noise

    babble = babble_noise()
    return babble[np.arange(int(seconds * SAMPLE_RATE)) % len(babble)]


def lines_in_a_talking_room(lines: list[np.ndarray], snr: float, lead_s: float = 20.0,
                            quiet_first_s: float = 0.0) -> list[tuple[float, float, float]]:
    """Each line said after ``lead_s`` of the room (the first ``quiet_first_s`` of it quiet), with people talking
    at ``snr`` dB under it; per line (its true end, when the endpointer ended it, where the audio handed on ends),
    in seconds of that line's recording."""
    out = []
    for i, line in enumerate(lines):
        end = lead_s + speech_end(line) / SAMPLE_RATE
        clean = np.concatenate([silence(lead_s), line, silence(4.0)])
        room = people_talking(len(clean) / SAMPLE_RATE + 7 * i)[SAMPLE_RATE * 7 * i:].astype(np.float64)
        room[:int(quiet_first_s * SAMPLE_RATE)] = 0.0
        gain = noise_gain(line, people_talking(60.0), snr)
        audio = np.clip(clean + gain * room, -32768, 32767).astype(np.int16)
        endpointer = Endpointer()
        found = []
        for frame in MemorySource(audio, trailing_silence_ms=0).frames():
            for e in endpointer.push(frame):
                if e.kind is EventKind.UTTERANCE and e.utterance.start_s < end and e.at_s > lead_s:
                    found.append((e.at_s, e.utterance.end_s, e.utterance.audio_end_s))
        at, _, audio_end = found[-1] if found else (float("inf"), 0.0, 0.0)
        out.append((end, at, audio_end))
    return out


@needs_silero
@needs_babble
@pytest.mark.parametrize("snr", [20.0, 10.0])
def test_the_end_of_speech_is_found_while_people_talk_in_the_room(sentences, snr):
    """Silero calls other people's talk speech at almost any level, so with people talking in the waiting room
    20 dB under the visitor, a line ended only at the 15 s cut (8-9 s late). In a talking room only frames that
    stand out of the room toward the visitor's own level go on an utterance: each line ends within the 0.7 s end
    silence plus 0.3 s of its true end, and the audio handed to the recognizer still holds all of it."""
    lines = list(sentences) + [read_wav(path) for path in LIBRISPEECH[:2]]
    for end, at, audio_end in lines_in_a_talking_room(lines, snr):
        assert end < at <= end + 1.0, (snr, end, at)
        assert audio_end >= end - 0.15, (snr, end, audio_end)


@needs_silero
@needs_babble
def test_people_who_start_talking_while_the_kiosk_waits_are_learned(sentences):
    """The room is quiet for 10 s, then people start talking: the room's talk, never ended by silence, is cut once at
    the longest utterance, and from then on it is known for the room's and the visitor's lines end in time."""
    _, b = sentences
    [(end, at, _)] = lines_in_a_talking_room([b], 10.0, lead_s=40.0, quiet_first_s=10.0)
    assert end < at <= end + 1.0, (end, at)


@needs_silero
@needs_babble
def test_people_talking_alone_make_few_utterances():
    """A minute and a half of people talking in the room, nobody at the kiosk: after the first cut (the room is not
    known yet) almost nothing of it is an utterance (measured: 2 short ones in 105 s; before, back-to-back 15 s
    utterances, each heard by the recognizer as the visitor's words)."""
    found = list(utterances(MemorySource(people_talking(120.0)).frames()))
    assert found and found[0].truncated
    assert len(found[1:]) <= 4, [(u.start_s, u.end_s) for u in found]
    assert all(u.end_s - u.start_s < 5.0 for u in found[1:])
