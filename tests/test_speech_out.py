"""Speech out: pyttsx3 writes real speech to WAV, played through the real sounddevice path (ALSA's file
plugin stands in for a speaker), interruptible; without an engine or a speaker the kiosk prints only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech.audio import read_wav
from kiosk.speech.tts import PrintSpeaker, TtsError, WavSpeaker, open_speaker, split_sentences, synthesize

ROOT = Path(__file__).resolve().parents[1]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def test_synthesize_real_speech_and_rate(tmp_path):
    text = "Please see a provider within a week if the twitching does not stop."
    normal = read_wav(synthesize(text, tmp_path / "n.wav", rate_wpm=160))
    slow = read_wav(synthesize(text, tmp_path / "s.wav", rate_wpm=110))
    words = len(text.split())
    assert 0.2 < len(normal) / 16000 / words < 0.8  # seconds per word of real speech
    assert rms(normal) > 300
    assert len(slow) > 1.2 * len(normal)


def test_empty_text_is_one_line(tmp_path):
    with pytest.raises(TtsError) as info:
        synthesize("   ", tmp_path / "x.wav")
    assert "\n" not in str(info.value)


def test_first_sentence_is_made_first_and_captions_do_not_get_pyttsx3_noise(tmp_path, capsys):
    speaker = WavSpeaker(play=False)
    reply = "This may be an emergency. Call 911 now. Tell the front desk."
    speaker.say(reply)
    text, wavs = speaker.said[-1]
    assert text == reply and len(wavs) == len(split_sentences(reply)) == 3
    assert all(rms(read_wav(p)) > 300 for p in wavs)
    assert "Audio saved" not in capsys.readouterr().out
    folder = speaker.folder
    speaker.close()
    assert not folder.exists()  # nothing said is kept on disk


def test_a_speaker_never_closed_leaves_nothing_on_disk(tmp_path):
    """Dropped, or still open when the program ends (a test, a benchmark, a kiosk stopped by its service)."""
    speaker = WavSpeaker(play=False)
    speaker.say("Your lip twitches.")
    dropped = speaker.folder
    del speaker
    assert not dropped.exists()
    code = ("from kiosk.speech.tts import WavSpeaker; s = WavSpeaker(play=False); s.say('Your lip twitches.'); "
            "print(s.folder); assert any(s.folder.iterdir())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not Path(done.stdout.strip()).exists()


def test_no_speaker_on_this_machine_means_print_only():
    speaker, why = open_speaker()
    if not why:
        pytest.skip("this machine has a speaker")
    assert isinstance(speaker, PrintSpeaker) and "\n" not in why and "screen" in why
    speaker.say("hello")
    assert speaker.spoken == ["hello"] and not speaker.speaking


def test_no_tts_engine_is_one_line(tmp_path):
    # pyttsx3.init() raises RuntimeError where libespeak-ng is missing (STACK-NOTES); reproduce just that
    fake = tmp_path / "fake" / "pyttsx3"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("def init(*a, **k):\n    raise RuntimeError('libespeak.so.1: not found')\n")
    code = "from kiosk.speech.tts import open_speaker; s, why = open_speaker(); print(type(s).__name__, '|', why)"
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'fake'}:{ROOT}"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    kind, why = p.stdout.strip().split(" | ")
    assert kind == "PrintSpeaker" and "install espeak-ng" in why


PLAY = """
import json, sys, time
from kiosk.speech.tts import WavSpeaker, open_speaker
speaker, why = open_speaker()
text = "Twitching of the lip is common. Most of the time it is harmless. Less caffeine often helps."
if sys.argv[1] == "stop":
    # twelve sentences: the rest is still being synthesized when stop() comes, whatever the device's pace
    speaker.say(" ".join([text] * 4), block=False)
    speaker.stop()  # at once: the fake device is not paced in real time, so a later stop would find it done
else:
    speaker.say(text, block=True)
speaker.close()
print(json.dumps({"kind": type(speaker).__name__, "why": why}))
"""


@pytest.mark.parametrize("mode", ["full", "stop"])
def test_playback_through_a_fake_alsa_speaker(tmp_path, mode):
    out = tmp_path / "played.raw"
    (tmp_path / ".asoundrc").write_text(
        f'pcm.!default {{\n type file\n slave.pcm "null"\n file "{out}"\n format "raw"\n}}\n')
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-c", PLAY, mode], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["kind"] == "WavSpeaker", result
    played = out.read_bytes() if out.exists() else b""  # stopped before the stream opened: nothing played
    seconds = len(played) / 2 / 22050  # espeak-ng's rate, mono 16-bit
    if mode == "full":
        assert seconds > 4.0 and rms(np.frombuffer(played[: len(played) // 2 * 2], dtype="<i2")) > 300
    else:
        assert seconds < 10.0  # far short of the whole reply (about 23 s): barge-in on the real output path


def test_rate_changes_apply_to_the_right_file_every_time(tmp_path):
    # pyttsx3 2.99 applied rate changes to the wrong file at times; the emergency prompt is said slower
    text = "Call 911 now and tell the front desk."
    seconds = {}
    for i, rate in enumerate([160, 110, 200, 160, 110, 130, 200, 130]):
        samples = read_wav(synthesize(text, tmp_path / f"{i}.wav", rate_wpm=rate))
        seconds.setdefault(rate, []).append(len(samples) / 16000)
    assert all(max(v) - min(v) < 0.05 for v in seconds.values()), seconds  # same rate, same length
    assert min(seconds[110]) > max(seconds[130]) > max(seconds[160]) > max(seconds[200])
