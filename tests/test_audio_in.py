"""Audio in: WAV files of any format, bad files as one line, noise mixing, the endpointer on real speech and
noise, and the real sounddevice microphone path through ALSA's file plugin (no sound card here)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech.audio import (
    AudioError,
    MemorySource,
    find_device,
    mix_noise,
    open_microphone,
    read_wav,
    snr_db,
    write_wav,
)
from kiosk.speech.vad import Endpointer, EventKind, utterances

ROOT = Path(__file__).resolve().parents[1]
NOISE = sorted((ROOT.parent / "shared" / "audio" / "noise").rglob("*.wav"))


def espeak(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return path


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    return read_wav(espeak("my lip keeps twitching since i started energy drinks", tmp_path_factory.mktemp("s") / "s.wav"))


@pytest.mark.parametrize("rate, channels, bits", [(8000, 1, 16), (44100, 2, 16), (48000, 1, 24), (22050, 2, 8)])
def test_any_wav_format_is_converted(tmp_path, speech, rate, channels, bits):
    src = tmp_path / "src.wav"
    write_wav(src, speech)
    out = tmp_path / "conv.wav"
    subprocess.run(["sox", str(src), "-r", str(rate), "-c", str(channels), "-b", str(bits), str(out)], check=True)
    samples = read_wav(out)
    assert samples.dtype == np.int16
    assert abs(len(samples) - len(speech)) < 16000 * 0.01
    assert np.corrcoef(samples[:len(speech)].astype(float), speech[:len(samples)].astype(float))[0, 1] > 0.8


def _bad_files(tmp_path: Path, speech: np.ndarray) -> dict[str, Path]:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    good = tmp_path / "good.wav"
    write_wav(good, speech)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:30])
    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(16000, dtype=np.int16))
    return {"empty": empty, "not a WAV": text, "truncated": truncated, "silent": silent,
            "not found": tmp_path / "missing.wav"}


def test_bad_files_are_one_clear_line(tmp_path, speech):
    for what, path in _bad_files(tmp_path, speech).items():
        with pytest.raises(AudioError) as info:
            read_wav(path)
        message = str(info.value)
        assert "\n" not in message and path.name in message, (what, message)


def test_mix_noise_hits_the_snr(speech):
    noise = np.random.default_rng(1).normal(0, 3000, 50000).astype(np.int16)
    for target in (20.0, 10.0, 5.0, 0.0):
        mixed = mix_noise(speech, noise, target, seed=3)
        added = mixed.astype(np.float64) - speech.astype(np.float64)
        assert abs(snr_db(speech, added) - target) < 0.5


def test_endpointer_splits_two_sentences_and_drops_a_click(tmp_path, speech):
    click = (np.random.default_rng(0).normal(0, 8000, 960)).astype(np.int16)  # a 60 ms click
    gap = np.zeros(int(16000 * 1.5), dtype=np.int16)
    audio = np.concatenate([speech, gap, click, gap, speech])
    found = list(utterances(MemorySource(audio).frames()))
    assert len(found) == 2
    first, second = found
    assert first.end_s < len(speech) / 16000 + 0.3 and not first.truncated
    assert second.start_s > (len(speech) + 2 * len(gap)) / 16000 - 0.5


def test_pause_audio_equals_the_utterance_when_nothing_more_is_said(speech):
    endpointer = Endpointer()
    pause = utterance = None
    for frame in MemorySource(speech).frames():
        for event in endpointer.push(frame):
            pause = event.utterance.pcm if event.kind is EventKind.PAUSE else pause
            utterance = event.utterance.pcm if event.kind is EventKind.UTTERANCE else utterance
    assert pause is not None and pause == utterance


def test_endpointer_truncates_and_reports_no_speech(speech):
    long_speech = np.tile(speech, 8)  # about 20 s with no pause long enough to end
    found = list(utterances(MemorySource(long_speech).frames(), max_utterance_s=5.0, end_silence_ms=2000))
    assert found[0].truncated and found[0].end_s - found[0].start_s <= 5.1
    endpointer = Endpointer(no_speech_s=1.0)
    events = [e for f in MemorySource(np.zeros(16000 * 2, dtype=np.int16)).frames() for e in endpointer.push(f)]
    assert [e.kind for e in events] == [EventKind.NO_SPEECH]


@pytest.mark.skipif(not NOISE, reason="no noise recordings in ../shared/audio/noise")
def test_background_noise_starts_are_counted_and_speech_in_noise_is_found(speech):
    noise = read_wav(NOISE[0])
    minutes = len(noise) / 16000 / 60
    starts = len(list(utterances(MemorySource(noise).frames(), aggressiveness=3)))
    # Measured, not zero: webrtcvad takes kitchen clatter for speech. Such utterances come back from the
    # recognizer empty and the session ignores them; the count is reported in the closing note.
    print(f"{starts} utterances in {minutes:.1f} min of {NOISE[0].name}")
    assert starts / minutes < 30
    pad = np.zeros(16000 * 2, dtype=np.int16)
    noisy = mix_noise(np.concatenate([pad, speech, pad]), noise, 10.0, seed=2)
    found = [u for u in utterances(MemorySource(noisy).frames()) if u.start_s < 2.5 + len(speech) / 16000]
    assert any(u.start_s <= 2.3 and u.end_s >= 1.5 + len(speech) / 16000 for u in found), found


def test_no_devices_here_means_text_mode_with_one_line():
    source, why = open_microphone("")
    if source is not None:  # a machine with a microphone
        source.close()
        pytest.skip("this machine has a microphone")
    assert why and "\n" not in why
    with pytest.raises(AudioError, match="kiosk devices"):
        find_device("USB headset", "input")


FAKE_MIC = """
import json, sys
from kiosk.speech.audio import MicrophoneSource, list_devices
from kiosk.speech.vad import Endpointer, EventKind
names = [d.name for d in list_devices()]
mic = MicrophoneSource(sys.argv[1] or None)
endpointer = Endpointer()
found = []
for n, frame in enumerate(mic.frames()):
    for event in endpointer.push(frame):
        if event.kind is EventKind.UTTERANCE:
            found.append(len(event.utterance.pcm))
    if n > 400:
        break
mic.close()
print(json.dumps({"devices": names, "utterances": found}))
"""


@pytest.mark.parametrize("device", ["", "default"])
def test_real_sounddevice_path_with_a_fake_alsa_microphone(tmp_path, speech, device):
    raw = tmp_path / "rec.raw"
    raw.write_bytes(np.concatenate([np.zeros(8000, np.int16), speech]).astype("<i2").tobytes())
    (tmp_path / ".asoundrc").write_text(
        f'pcm.!default {{\n type file\n slave.pcm "null"\n file "/dev/null"\n infile "{raw}"\n format "raw"\n}}\n')
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-c", FAKE_MIC, device], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert "default" in result["devices"]
    assert len(result["utterances"]) == 1 and result["utterances"][0] > len(speech)  # the whole sentence
