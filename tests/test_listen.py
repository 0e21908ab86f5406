"""`kiosk listen --json`: real recordings through the real recognizer into triage, one JSON line per file."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def espeak(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True)
    return path


def listen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "listen", *args], capture_output=True, text=True,
                          timeout=600)


def test_listen_json_per_file_with_a_bad_file_in_the_middle(tmp_path):
    pytest.importorskip("faster_whisper")
    numb = espeak("my lip is twitching and my face feels numb", tmp_path / "numb.wav")
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt ")  # truncated header
    coffee = espeak("i drink five cups of coffee a day and my lip twitches", tmp_path / "coffee.wav")
    p = listen("--json", "--asr", "whisper", str(numb), str(bad), str(coffee))
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert p.returncode == 1 and len(lines) == 3, p.stderr  # 1: one file failed, the rest went on
    first, broken, last = lines
    assert first["file"].endswith("numb.wav") and first["emergency"] is True and "numbness" in first["red_flags"]
    assert {"transcript", "confidence", "causes", "in_scope", "asr_ms", "total_ms"} <= first.keys()
    assert broken["file"].endswith("broken.wav") and "\n" not in broken["error"]
    assert last["emergency"] is False and last["causes"][0]["id"] == "caffeine"
    assert 0 < last["asr_ms"] <= last["total_ms"]


def test_listen_real_coffee_order_with_noise_is_out_of_scope(tmp_path):
    pytest.importorskip("faster_whisper")
    orders = sorted((SHARED / "audio" / "coffee-orders").rglob("*.wav"))[:2]
    noise = sorted((SHARED / "audio" / "noise").rglob("*.wav"))[0]
    if not orders:
        pytest.skip("no coffee-order recordings in ../shared")
    p = listen("--json", "--asr", "whisper", "--noise", str(noise), "--snr", "10", *map(str, orders))
    assert p.returncode == 0, p.stderr
    for line in p.stdout.splitlines():
        obj = json.loads(line)
        assert obj["emergency"] is False and obj["causes"] == [] and obj["in_scope"] is False, obj


def test_listen_without_a_recognizer_is_one_line(tmp_path):
    wav = espeak("hello", tmp_path / "a.wav")
    p = listen("--asr", "vosk", str(wav))  # no English Vosk model on this machine
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "download" in p.stderr or "KIOSK_VOSK_MODEL" in p.stderr
