"""Audio in: WAV files of every common format, bad files as one line naming the file, resampling without
aliasing, noise mixing at a known SNR, memory/WAV frame sources, and the real sounddevice path (devices,
microphone) through ALSA's file plugin, since this machine has no sound card."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech.audio import (
    FRAME_BYTES,
    FRAME_SAMPLES,
    SAMPLE_RATE,
    AudioError,
    Device,
    MemorySource,
    WavSource,
    format_devices,
    line_in_room,
    mix_noise,
    read_wav,
    resample,
    snr_db,
    write_wav,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "audio"
NOISE = sorted((SHARED / "noise").glob("*.wav"))
REAL_SPEECH = sorted((SHARED / "speech" / "librispeech-test-clean-mini").glob("*.wav"))
needs_noise = pytest.mark.skipif(not NOISE, reason="no noise recordings in ../shared/audio/noise")


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    """A real espeak-ng recording at 16 kHz (espeak writes 22050 Hz, so read_wav resamples it)."""
    path = tmp_path_factory.mktemp("espeak") / "s.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), "my lip is twitching"], check=True)
    return read_wav(path)


def _similar(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n].astype(float), b[:n].astype(float))[0, 1])


# ---- reading any WAV -----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("rate, channels, sox_format", [
    (8000, 1, ["-b", "16"]), (44100, 1, ["-b", "16"]), (44100, 2, ["-b", "16"]), (48000, 1, ["-b", "24"]),
    (22050, 2, ["-b", "8", "-e", "unsigned-integer"]), (16000, 1, ["-b", "32"]),
    (32000, 2, ["-b", "32", "-e", "floating-point"]),
])
def test_sox_formats_come_back_as_16k_mono_int16(tmp_path, speech, rate, channels, sox_format):
    src = tmp_path / "src.wav"
    write_wav(src, speech)
    out = tmp_path / f"{rate}-{channels}.wav"
    subprocess.run(["sox", str(src), "-r", str(rate), "-c", str(channels), *sox_format, str(out)], check=True)
    samples = read_wav(out)
    assert samples.dtype == np.int16 and samples.ndim == 1
    assert abs(len(samples) - len(speech)) <= SAMPLE_RATE * 0.005
    # 8 kHz loses everything above 4 kHz, and 8-bit adds quantization noise, hence not 0.99 everywhere
    assert _similar(samples, speech) > (0.85 if rate == 8000 else 0.95)


def test_stereo_written_by_the_wave_module_is_mixed_to_mono(tmp_path):
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    left = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    right = (4000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(np.column_stack([left, right]).astype("<i2").tobytes())
    mono = read_wav(path)
    assert len(mono) == SAMPLE_RATE
    assert abs(int(np.abs(mono).max()) - 6000) <= 2  # the mean of the two channels


def test_resampling_keeps_the_tone_and_removes_what_16k_cannot_hold():
    t = np.arange(44100) / 44100
    tone = 10000 * np.sin(2 * np.pi * 1000 * t)
    out = resample(tone, 44100, SAMPLE_RATE)
    assert len(out) == SAMPLE_RATE
    spectrum = np.abs(np.fft.rfft(out))
    assert int(np.argmax(spectrum)) == 1000  # 1 Hz bins over one second
    # a 10 kHz tone is above the new Nyquist frequency (8 kHz): a proper resampler filters it out instead
    # of folding it down to 6 kHz
    high = resample(10000 * np.sin(2 * np.pi * 10000 * t), 44100, SAMPLE_RATE)
    assert np.sqrt(np.mean(high[1000:-1000] ** 2)) < 10000 / np.sqrt(2) * 0.01


def test_write_then_read_is_exact(tmp_path, speech):
    path = tmp_path / "round.wav"
    write_wav(path, speech)
    assert np.array_equal(read_wav(path), speech)


@pytest.mark.skipif(not REAL_SPEECH, reason="no real speech in ../shared/audio/speech")
def test_real_recordings_read_unchanged():
    for path in REAL_SPEECH:
        with wave.open(str(path)) as w:
            raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert np.array_equal(read_wav(path), raw)


def _bad_files(tmp_path: Path, speech: np.ndarray) -> dict[str, Path]:
    good = tmp_path / "good.wav"
    write_wav(good, speech)
    files = {"missing": tmp_path / "missing.wav"}
    for what, data in {
        "empty": b"",
        "text": b"this is not audio at all, just text\n",
        "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(200),
        "header cut": good.read_bytes()[:30],
        "no data chunk": good.read_bytes()[:36],
        "data chunk empty": good.read_bytes()[:44],
        "riff but not wave": b"RIFF\x10\x00\x00\x00AVI LIST" + bytes(40),
    }.items():
        path = tmp_path / f"{what.replace(' ', '_')}.wav"
        path.write_bytes(data)
        files[what] = path
    for what, samples in {"silent": np.zeros(SAMPLE_RATE, np.int16),
                          "almost silent": np.random.default_rng(0).integers(-3, 4, SAMPLE_RATE).astype(np.int16)}.items():
        files[what] = tmp_path / f"{what.replace(' ', '_')}.wav"
        write_wav(files[what], samples)
    return files


@pytest.mark.slow
def test_every_bad_file_is_one_line_naming_the_file(tmp_path, speech):
    for what, path in _bad_files(tmp_path, speech).items():
        with pytest.raises(AudioError) as info:
            read_wav(path)
        message = str(info.value)
        assert "\n" not in message and path.name in message, (what, message)
    with pytest.raises(AudioError, match="not a WAV.*sox"):
        read_wav(tmp_path / "text.wav")
    with pytest.raises(AudioError, match="silent"):
        read_wav(tmp_path / "silent.wav")


def test_a_folder_is_not_a_wav(tmp_path):
    with pytest.raises(AudioError) as info:
        read_wav(tmp_path)
    assert "\n" not in str(info.value) and tmp_path.name in str(info.value)


# ---- noise ---------------------------------------------------------------------------------------------

@needs_noise
@pytest.mark.slow
def test_mix_noise_hits_the_snr_with_real_kitchen_noise(speech):
    noise = read_wav(NOISE[0])
    for target in (20.0, 10.0, 5.0, 0.0):
        mixed = mix_noise(speech, noise, target, seed=7)
        added = mixed.astype(np.float64) - speech
        assert abs(snr_db(speech, added) - target) < 0.5, target
    assert np.array_equal(mix_noise(speech, noise, 10.0, seed=1), mix_noise(speech, noise, 10.0, seed=1))
    assert not np.array_equal(mix_noise(speech, noise, 10.0, seed=1), mix_noise(speech, noise, 10.0, seed=2))


def test_short_noise_is_looped_and_loud_mixes_clip_instead_of_wrapping():
    loud = np.full(SAMPLE_RATE, 30000, dtype=np.int16)
    noise = np.random.default_rng(0).normal(0, 1000, 500).astype(np.int16)  # far shorter than the speech
    mixed = mix_noise(loud, noise, 10.0)  # noise of about 9500 around 30000: the peaks go past 32767
    assert mixed.dtype == np.int16 and len(mixed) == len(loud)
    assert mixed.max() == 32767 and mixed.min() > -20000  # clipped at the top, never wrapped round to negative


@needs_noise
def test_line_in_room_waits_in_the_room_then_says_the_line_at_the_snr(speech):
    room = read_wav(NOISE[0])
    mixed = line_in_room(speech, room, 5.0, lead_s=2.0, after_s=1.0, offset=1000)
    lead = 2 * SAMPLE_RATE
    assert len(mixed) == lead + len(speech) + SAMPLE_RATE and mixed.dtype == np.int16
    looped = room[(1000 + np.arange(len(mixed))) % len(room)].astype(np.float64)
    added = mixed.astype(np.float64) - np.concatenate([np.zeros(lead), speech, np.zeros(SAMPLE_RATE)])
    gain = added @ looped / (looped @ looped)  # the room as it is, only scaled, from the offset on
    assert abs(snr_db(speech, gain * room) - 5.0) < 0.01  # its level against the line's, over the whole room
    assert np.abs(added - gain * looped).max() <= 0.51  # rounding only: nothing clipped at this level
    alone = line_in_room(np.zeros(0, np.int16), room, 5.0, lead_s=1.0, after_s=0.0, offset=1000, level_from=speech)
    assert np.array_equal(alone, mixed[:SAMPLE_RATE])  # the room alone, at the level the line set


# ---- frame sources -------------------------------------------------------------------------------------

def test_memory_source_frames_and_trailing_silence():
    samples = np.arange(1000, dtype=np.int16)
    source = MemorySource(samples, trailing_silence_ms=300)
    frames = list(source.frames())
    assert all(len(f) == FRAME_BYTES for f in frames)
    pcm = np.frombuffer(b"".join(frames), dtype="<i2")
    assert np.array_equal(pcm[:1000], samples) and not pcm[1000:].any()
    assert len(pcm) >= 1000 + SAMPLE_RATE * 300 // 1000 and len(pcm) % FRAME_SAMPLES == 0


def test_memory_source_stops_when_closed_and_realtime_gives_the_same_frames():
    samples = np.ones(FRAME_SAMPLES * 10, dtype=np.int16)
    source = MemorySource(samples, trailing_silence_ms=0)
    frames = source.frames()
    next(frames)
    source.close()
    source.close()
    assert list(frames) == []
    paced = list(MemorySource(samples[:FRAME_SAMPLES * 3], trailing_silence_ms=0, realtime=True).frames())
    assert paced == list(MemorySource(samples[:FRAME_SAMPLES * 3], trailing_silence_ms=0).frames())


@needs_noise
@pytest.mark.slow
def test_wav_source_mixes_noise(tmp_path, speech):
    path = tmp_path / "s.wav"
    write_wav(path, speech)
    noise = read_wav(NOISE[0])
    clean = np.frombuffer(b"".join(WavSource(path, trailing_silence_ms=0).frames()), "<i2")[:len(speech)]
    noisy = np.frombuffer(b"".join(WavSource(path, trailing_silence_ms=0, noise=noise, snr_db=5.0).frames()),
                          "<i2")[:len(speech)]
    assert np.array_equal(clean, speech)
    assert abs(snr_db(speech, noisy.astype(float) - speech) - 5.0) < 0.5


def test_format_devices_table():
    table = format_devices([Device(0, "USB Audio Device", 1, 0, 48000.0, True, False),
                            Device(1, "HDA Intel PCH: ALC3246 Analog", 2, 2, 44100.0, False, True)])
    lines = table.splitlines()
    assert "USB Audio Device" in lines[1] and lines[1].startswith(">")
    assert "HDA Intel" in lines[2] and "44100" in lines[2]


# ---- the real sounddevice path, in a child process (PortAudio reads the ALSA config once, at import) ------

def _run_child(script: str, home: Path, *args: str) -> dict:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("ALSA_CONFIG_PATH", None)
    p = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


NO_DEVICES = """
import json
from kiosk.speech.audio import AudioError, find_device, list_devices, open_microphone
source, why = open_microphone("")
try:
    find_device("USB", "input")
    error = ""
except AudioError as err:
    error = str(err)
print(json.dumps({"devices": len(list_devices()), "source": source is not None, "why": why, "error": error,
                  "default": find_device("", "input")}))
"""


def test_no_sound_card_means_no_microphone_and_one_line_reasons(tmp_path):
    result = _run_child(NO_DEVICES, tmp_path)
    if result["devices"]:
        pytest.skip("this machine has audio devices")
    assert result["source"] is False and result["why"] and "\n" not in result["why"]
    assert result["error"] == "no input device matching 'USB'; run `kiosk devices` to list them"
    assert result["default"] is None


FAKE_MIC = """
import json, sys
from kiosk.speech.audio import AudioError, MicrophoneSource, find_device, list_devices, open_microphone, format_devices
from kiosk.speech.vad import Endpointer, EventKind
devices = list_devices()
errors = []
for spec in ("USB", 99):
    try:
        find_device(spec, "input")
    except AudioError as err:
        errors.append(str(err))
mic = MicrophoneSource(sys.argv[1] or None)
endpointer = Endpointer()
found, starts = [], 0
for n, frame in enumerate(mic.frames()):
    assert len(frame) == 960
    for event in endpointer.push(frame):
        starts += event.kind is EventKind.SPEECH_START
        if event.kind is EventKind.UTTERANCE:
            found.append([event.utterance.start_s, event.utterance.end_s, len(event.utterance.pcm)])
    if n > 200:  # 6 s: the file plugin gives zeros after the recording
        break
mic.close()
mic.close()
opened, why = open_microphone("default")
if opened is not None:
    opened.close()
print(json.dumps({"devices": [d.name for d in devices], "inputs": [d.inputs for d in devices],
                  "index": find_device("DEFAULT", "input"), "errors": errors, "utterances": found,
                  "starts": starts, "opened": opened is not None, "why": why, "table": format_devices(devices)}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("device", ["", "default", "0"])
def test_fake_alsa_microphone_through_sounddevice_gives_one_utterance(tmp_path, speech, device):
    lead = SAMPLE_RATE // 2
    raw = tmp_path / "rec.raw"
    raw.write_bytes(np.concatenate([np.zeros(lead, np.int16), speech]).astype("<i2").tobytes())
    (tmp_path / ".asoundrc").write_text(
        f'pcm.!default {{\n type file\n slave.pcm "null"\n file "/dev/null"\n infile "{raw}"\n format "raw"\n}}\n')
    result = _run_child(FAKE_MIC, tmp_path, device)
    assert "default" in result["devices"] and "default" in result["table"]
    assert isinstance(result["index"], int)
    assert len(result["errors"]) == 2 and all("\n" not in e and "kiosk devices" in e for e in result["errors"])
    assert result["starts"] == 1 and len(result["utterances"]) == 1
    start_s, end_s, size = result["utterances"][0]
    assert start_s == pytest.approx(lead / SAMPLE_RATE, abs=0.15)
    assert end_s == pytest.approx((lead + len(speech)) / SAMPLE_RATE, abs=0.3)
    assert size >= len(speech) * 2 * 0.9  # the whole sentence, as bytes
    assert result["opened"] and result["why"] == ""
