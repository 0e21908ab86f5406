"""The event router (kiosk.operations) end to end: error events from voice-session faults and failed staff
alerts reach the real event log, and what was said is written only when log_transcripts is on."""
from __future__ import annotations

import http.server
import io
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from kiosk.core.dialogue import Dialogue, Event, EventKind
from kiosk.faces.textmode import run_text_kiosk
from kiosk.ops.eventlog import LOG_NAME
from kiosk.ops.events import ErrorEvent, EventRouter, emit, event_handler
from kiosk.ops.settings import Settings

NUMB = "my lip is twitching and the left side of my face feels numb"
TYPED = ["my lip keeps twitching since I drink energy drinks", "no", "my face went numb", "start over"]


def logged(folder: Path) -> list[dict]:
    path = folder / LOG_NAME
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def quiet_settings(tmp_path: Path, **changes) -> Settings:
    return Settings(event_log=str(tmp_path / "log"), staff_alert_bell=False, **changes)


# what was said ----------------------------------------------------------------------------------------------

def typed_session(kb, settings: Settings) -> str:
    out = io.StringIO()
    with event_handler(settings) as on_event:
        run_text_kiosk(Dialogue(kb), stdin=io.StringIO("\n".join(TYPED) + "\n"), out=out, on_event=on_event)
    return out.getvalue()


def test_nothing_said_is_written_by_default(kb, tmp_path):
    typed_session(kb, quiet_settings(tmp_path))
    raw = (tmp_path / "log" / LOG_NAME).read_text(encoding="utf-8")
    events = [e["event"] for e in logged(tmp_path / "log")]
    assert events[0] == "session_start" and "red_flag" in events and events[-1] == "session_end"
    for word in ("energy", "drinks", "went", "face", "start over"):
        assert word not in raw
    assert all("transcript" not in e for e in logged(tmp_path / "log"))


def test_with_log_transcripts_the_events_carry_what_was_said(kb, tmp_path):
    typed_session(kb, quiet_settings(tmp_path, log_transcripts=True))
    said = {e["event"]: e.get("transcript") for e in logged(tmp_path / "log")}
    assert said["session_start"] == TYPED[0]
    assert said["red_flag"] == said["emergency"] == said["staff_alert"] == TYPED[2]
    assert said["session_end"] == TYPED[3]


def test_the_transcript_never_goes_to_the_staff(kb, tmp_path):
    """Even with log_transcripts on, the staff alert command gets the reason only."""
    got = tmp_path / "paged.txt"
    command = (sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write(' '.join(sys.argv[2:]) + '\\n')",
               str(got))
    typed_session(kb, quiet_settings(tmp_path, log_transcripts=True, staff_alert_command=command))
    paged = got.read_text().splitlines()
    assert paged == ["emergency"]
    assert not any(word in got.read_text() for word in ("went", "face", "energy"))


def test_the_kiosk_command_logs_transcripts_only_when_asked(tmp_path):
    for on in (False, True):
        folder = tmp_path / f"log-{on}"
        (tmp_path / "kiosk.toml").write_text(f'event_log = "{folder}"\nlog_transcripts = {str(on).lower()}\n'
                                             "staff_alert_bell = false\n")
        p = subprocess.run([sys.executable, "-m", "kiosk", "--text"], input="my face went numb\n", text=True,
                           capture_output=True, timeout=120, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        assert ("my face went numb" in (folder / LOG_NAME).read_text(encoding="utf-8")) is on


def test_a_simple_callback_keeps_its_one_argument():
    got: list = []
    emit(got.append, Event(EventKind.SESSION_START), said="words")  # list.append takes no transcript
    assert got == [Event(EventKind.SESSION_START)]
    emit(None, Event(EventKind.SESSION_START))  # no sink: nothing happens

    def broken(event):
        raise RuntimeError("log gone")

    emit(broken, Event(EventKind.SESSION_START))  # never reaches the conversation


# failed staff alerts ---------------------------------------------------------------------------------------

class FailingClinic(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_failed_staff_alerts_are_error_events(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FailingClinic)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = quiet_settings(tmp_path, staff_alert_retries=1, staff_alert_timeout_s=5.0,
                                  staff_alert_command=(sys.executable, "-c", "import sys; sys.exit(3)"),
                                  staff_alert_url=f"http://127.0.0.1:{server.server_address[1]}/alert")
        with event_handler(settings) as on_event:
            on_event(Event(EventKind.STAFF_ALERT, "emergency"))
    finally:
        server.shutdown()
        server.server_close()
    errors = [e for e in logged(tmp_path / "log") if e["event"] == "error"]
    assert {e["source"] for e in errors} == {"staff alert"}
    details = sorted(e["detail"] for e in errors)
    assert len(details) == 2, details
    assert "by command failed after 2 attempt(s)" in details[0] and "status 3" in details[0]
    assert "by url failed after 2 attempt(s)" in details[1] and "503" in details[1]


def test_an_alert_to_a_closed_port_is_an_error_event(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    settings = quiet_settings(tmp_path, staff_alert_retries=0, staff_alert_url=f"http://127.0.0.1:{port}/alert")
    with event_handler(settings) as on_event:
        on_event(Event(EventKind.STAFF_ALERT, "asked for a person"))
    (error,) = [e for e in logged(tmp_path / "log") if e["event"] == "error"]
    assert error["source"] == "staff alert" and "refused" in error["detail"].lower()


# voice-session faults --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def whisper(kb):
    pytest.importorskip("faster_whisper")
    from kiosk.speech.whisper_asr import WhisperRecognizer

    return WhisperRecognizer(prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords())


@pytest.fixture(scope="module")
def numb_audio(tmp_path_factory):
    from kiosk.speech.audio import read_wav

    wav = tmp_path_factory.mktemp("speech") / "numb.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), NUMB], check=True)
    return np.concatenate([read_wav(wav), np.zeros(16000 * 2, dtype=np.int16)])


def voice_session(kb, settings, source, recognizer, speaker):
    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.vad import Endpointer

    out = io.StringIO()
    with event_handler(settings) as on_event:
        result = VoiceSession(Dialogue(kb), source, recognizer, speaker, Endpointer(), on_event=on_event,
                              captions=out, asr_timeout_s=5.0).run()
    return result, out.getvalue(), logged(Path(settings.event_log))


@pytest.mark.slow
@pytest.mark.parametrize("fault, source_name", [("mic", "microphone"), ("asr", "recognizer"),
                                                ("tts", "speech output")])
def test_voice_faults_are_error_events(kb, tmp_path, whisper, numb_audio, fault, source_name):
    from kiosk.speech.audio import MemorySource
    from kiosk.speech.faults import FailingRecognizer, FailingSpeaker, VanishingSource
    from kiosk.speech.tts import WavSpeaker

    source, recognizer, speaker = MemorySource(numb_audio), whisper, WavSpeaker(play=False)
    if fault == "mic":
        source = VanishingSource(source, len(numb_audio) // 480 // 3)  # a third of the way into the sentence
    elif fault == "asr":
        recognizer = FailingRecognizer(whisper, mode="raise", at=1)
    else:
        speaker = FailingSpeaker(speaker, at=1)  # the greeting already fails
    result, captions, events = voice_session(kb, quiet_settings(tmp_path), source, recognizer, speaker)
    errors = [e for e in events if e["event"] == "error"]
    assert len(errors) == 1, events
    (error,) = errors
    assert error["source"] == source_name and error["detail"] and "\n" not in error["detail"]
    if fault == "tts":
        # the session went on in captions only: the utterance after the fault was heard and answered
        assert result.fault == "" and result.turns == 1, captions
        assert "Speech output failed" in captions and events[0]["event"] == "error"
    else:
        assert result.fault and result.fault in error["detail"]


@pytest.mark.slow
def test_a_failing_speaker_is_logged_once_not_per_reply(kb, tmp_path, whisper, numb_audio):
    from kiosk.speech.audio import MemorySource
    from kiosk.speech.faults import FailingSpeaker
    from kiosk.speech.tts import WavSpeaker

    _, _, events = voice_session(kb, quiet_settings(tmp_path), MemorySource(numb_audio), whisper,
                                 FailingSpeaker(WavSpeaker(play=False), at=1))
    assert [e["source"] for e in events if e["event"] == "error"] == ["speech output"]


def test_error_events_from_the_router_need_no_dialogue_kind(tmp_path):
    router = EventRouter(quiet_settings(tmp_path))
    router(ErrorEvent("keyboard", "typed input could not be read"))
    router.close()
    (event,) = logged(tmp_path / "log")
    assert (event["event"], event["source"], event["detail"]) == ("error", "keyboard", "typed input could not be read")


def test_unreadable_typed_input_is_an_error_event(kb, tmp_path):
    class Broken(io.StringIO):
        reads = 0

        def readline(self, *args):
            self.reads += 1
            if self.reads == 1:
                raise OSError(5, "Input/output error")
            return super().readline(*args)

    out = io.StringIO()
    with event_handler(quiet_settings(tmp_path)) as on_event:
        assert run_text_kiosk(Dialogue(kb), stdin=Broken("my lip twitches\n"), out=out, on_event=on_event) == 0
    errors = [e for e in logged(tmp_path / "log") if e["event"] == "error"]
    assert [e["source"] for e in errors] == ["keyboard"] and "Input/output error" in errors[0]["detail"]
    assert "could not read that input" in out.getvalue()


def test_deploy_readme_describes_what_is_logged():
    text = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert '"event": "error"' in text and "log_transcripts" in text and '"transcript"' in text


@pytest.mark.slow
def test_a_voice_session_logs_what_was_heard_only_when_asked(kb, tmp_path, whisper, numb_audio):
    from kiosk.speech.audio import MemorySource
    from kiosk.speech.tts import WavSpeaker

    for on in (False, True):
        settings = quiet_settings(tmp_path / str(on), log_transcripts=on)
        result, captions, events = voice_session(kb, settings, MemorySource(numb_audio), whisper,
                                                 WavSpeaker(play=False))
        heard = captions.split("You said: ", 1)[1].splitlines()[0]
        assert result.turns == 1 and events[0]["event"] == "session_start"
        assert events[0].get("transcript") == (heard if on else None)
        raw = (tmp_path / str(on) / "log" / LOG_NAME).read_text(encoding="utf-8")
        assert ("twitching" in raw.lower()) is on
