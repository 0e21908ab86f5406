"""The screen face without a browser: the view of each turn, the settings, the HTTP headers, the token, and the
live channel's refusals (a foreign Origin, malformed messages) that must not drop the session.
The page itself is played in a real browser in test_screen_browser.py."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from kiosk.core.conversation import Conversation
from kiosk.core.dialogue import Dialogue
from kiosk.ops.settings import SettingsError, is_loopback, settings_from_mapping

starlette = pytest.importorskip("starlette", reason="the screen needs starlette: pip install -e '.[screen]'")
pytest.importorskip("uvicorn", reason="the screen needs uvicorn: pip install -e '.[screen]'")

from kiosk.faces.screen.server import SECURITY_HEADERS, ScreenFace, ScreenServer  # noqa: E402
from kiosk.faces.screen.view import STARTERS, TAPS, build_view, page_of  # noqa: E402

LIP = "my lip keeps twitching since I started energy drinks"
NUMB = "my lip is twitching and the left side of my face feels numb"


def exchanges(dialogue, said):
    talk = Conversation(dialogue)
    seen = []
    talk.subscribe(seen.append)
    talk.start(0)
    for i, text in enumerate(said, 1):
        talk.hear(text, i, source="screen")
    return talk, seen


def test_pages_follow_the_conversation(dialogue):
    talk, seen = exchanges(dialogue, [LIP, "no", "no", "no", "no"])
    pages = [page_of(x) for x in seen]
    assert pages[0] == "greeting" and pages[1] == "question" and "summary" in pages
    talk.tick(10_000)  # the warning... then the reset
    talk.tick(20_000)
    assert page_of(seen[-1]) == "greeting" and build_view(seen[-1], "911")["clear"]


def test_the_view_carries_the_question_and_what_was_said(dialogue, kb):
    _, seen = exchanges(dialogue, [LIP])
    view = build_view(seen[-1], "911")
    assert view["question"] == kb.dialogue["screening_question"] and view["yes_no"]
    assert view["said"] == f"You said: {LIP}" and not view["clear"] and view["starters"] == []
    greeting = build_view(seen[0], "911")
    assert greeting["page"] == "greeting" and greeting["starters"] == list(STARTERS) and greeting["said"] == ""


def test_a_tap_is_shown_as_a_choice(dialogue):
    talk = Conversation(dialogue)
    talk.start(0)
    talk.hear(LIP, 1)
    seen = []
    talk.subscribe(seen.append)
    talk.hear(TAPS["no"], 2, source="tap:no")
    assert build_view(seen[-1], "911")["said"] == "You chose: No"


def test_emergency_view_has_the_configured_number(dialogue):
    _, seen = exchanges(dialogue, [NUMB])
    view = build_view(seen[-1], "112")
    assert view["page"] == "emergency" and view["urgent"] and view["number"] == "112"
    assert not view["yes_no"]


def test_idle_warning_view(kb):
    quick = Dialogue(kb, idle_warning_s=1, idle_timeout_s=2)
    talk = Conversation(quick)
    seen = []
    talk.subscribe(seen.append)
    talk.start(0)
    talk.hear(LIP, 0)
    talk.tick(1)
    assert build_view(seen[-1], "911")["page"] == "idle"


@pytest.mark.parametrize("starter", STARTERS)
def test_every_starter_is_in_scope_and_no_emergency(dialogue, starter):
    from kiosk.core.triage import assess

    result = assess(starter, dialogue.index)
    assert result.in_scope and not result.red_flags


def test_every_tap_means_what_it_says():
    from kiosk.core.intents import Answer, Command, parse_answer, parse_command

    assert [parse_answer(TAPS[k]) for k in ("yes", "no", "unsure")] == [Answer.YES, Answer.NO, Answer.UNSURE]
    commands = {k: parse_command(TAPS[k]) for k in TAPS if k not in {"yes", "no", "unsure"}}
    assert commands == {"repeat": Command.REPEAT, "start_over": Command.START_OVER, "staff": Command.STAFF,
                        "louder": Command.LOUDER, "softer": Command.SOFTER, "slower": Command.SLOWER,
                        "faster": Command.FASTER}


# --- settings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("0.0.0.0", False), ("10.0.0.5", False),
                                            ("kiosk.example", False)])
def test_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_another_address_needs_a_token():
    with pytest.raises(SettingsError, match="screen_token"):
        settings_from_mapping({"screen_host": "0.0.0.0"})
    with pytest.raises(SettingsError, match="screen_token"):
        settings_from_mapping({"screen_host": "0.0.0.0", "screen_token": "short"})
    s = settings_from_mapping({"screen": True, "screen_host": "0.0.0.0", "screen_token": "a" * 16, "screen_port": 0})
    assert s.screen and s.screen_port == 0
    with pytest.raises(SettingsError, match="screen_port"):
        settings_from_mapping({"screen_port": 70000})


# --- the server ------------------------------------------------------------------------------------------


@pytest.fixture
def served(dialogue):
    talk = Conversation(dialogue)
    face = ScreenFace(talk, emergency_number="911")
    with ScreenServer(face) as url:
        yield url, talk, face


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


@pytest.mark.parametrize("path", ["", "static/screen.js", "static/screen.css", "health", "static/index.html",
                                  "static/..%2Fserver.py", "static/nothing.js", "nowhere"])
def test_every_response_is_locked_down(served, path):
    url, _, _ = served
    status, headers, body = get(url + path)
    assert status == (200 if path in {"", "static/screen.js", "static/screen.css", "health"} else 404) and body
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, name
    assert "'unsafe-inline'" not in headers["content-security-policy"]


def test_the_page_uses_nothing_from_outside():
    from kiosk.faces.screen.server import STATIC

    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path.name
        assert "localStorage" not in text and "sessionStorage" not in text and "document.cookie" not in text
        assert "innerHTML" not in text and "eval(" not in text
        assert "style=" not in text and "onclick" not in text.lower()  # nothing inline: the CSP forbids it


def test_a_foreign_host_name_is_refused(served):
    url, _, _ = served
    status, _, _ = get(url, {"Host": "kiosk.attacker.example"})
    assert status == 400


def test_a_token_is_required_when_set(dialogue):
    face = ScreenFace(Conversation(dialogue), token="s" * 20, loopback=False)
    with ScreenServer(face) as url:
        assert url.endswith("?token=" + "s" * 20)
        assert get(url)[0] == 200
        assert get(url.split("?")[0])[0] == 403
        assert get(url.split("?")[0] + "?token=wrong")[0] == 403


def ws_url(url):
    return url.split("?")[0].replace("http://", "ws://") + "ws"


def test_a_foreign_origin_is_refused_and_the_session_goes_on(served):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url, talk, _ = served
    talk.hear(LIP, 1)
    for origin in ("http://attacker.example", None):
        with pytest.raises(InvalidStatus) as refused:
            with connect(ws_url(url), origin=origin, open_timeout=5):
                pass
        assert refused.value.response.status_code == 403
    assert talk.started and talk.state.said == (LIP,)


MALFORMED = ['{"type": "tap", "action": "staff_done"}', "not json", "[]", "{}", '{"type": 5}', '{"type": "explode"}', '{"type": "tap", "action": "explode"}',
             '{"type": "tap", "action": "starter", "index": 99}', '{"type": "tap", "action": "starter", "index": true}',
             '{"type": "say", "text": ""}', '{"type": "say", "text": 7}', json.dumps({"type": "say", "text": "x" * 1001}),
             "x" * 5000]


def test_malformed_messages_get_an_error_and_keep_the_connection(served, kb):
    from websockets.sync.client import connect

    url, talk, face = served
    origin = url.split("/?")[0].rstrip("/")
    with connect(ws_url(url), origin=origin, open_timeout=5) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert first["type"] == "view" and first["page"] == "greeting"
        for message in MALFORMED:
            ws.send(message)
            answer = json.loads(ws.recv(timeout=5))
            assert answer["type"] == "error" and answer["message"], message
        ws.send(b"\x00\x01binary")
        assert json.loads(ws.recv(timeout=5))["type"] == "error"
        assert not talk.started and face.malformed == len(MALFORMED) + 1
        ws.send(json.dumps({"type": "say", "text": LIP}))
        view = json.loads(ws.recv(timeout=5))
        assert view["page"] == "question" and view["question"] == kb.dialogue["screening_question"]
        ws.send(json.dumps({"type": "tap", "action": "no"}))
        assert json.loads(ws.recv(timeout=5))["said"] == "You chose: No"


# --- kiosk doctor ----------------------------------------------------------------------------------------


def test_doctor_finds_the_page(served):
    from kiosk.ops.doctor import Status, check_screen_page

    url, _, _ = served
    port = int(url.rsplit(":", 1)[1].strip("/"))
    check = check_screen_page(settings_from_mapping({"screen": True, "screen_port": port}))
    assert check.status is Status.OK and f"127.0.0.1:{port}" in check.detail


def test_doctor_warns_when_nothing_answers():
    from kiosk.faces.screen.server import bind
    from kiosk.ops.doctor import Status, check_screen_page

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()  # a port nobody listens on
    check = check_screen_page(settings_from_mapping({"screen": True, "screen_port": port}), timeout_s=1)
    assert check.status is Status.WARN and "start the kiosk" in check.detail


def test_doctor_fails_on_another_program(tmp_path):
    import functools
    import http.server
    import threading

    from kiosk.ops.doctor import Status, check_screen_page

    (tmp_path / "health").write_text("{}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = settings_from_mapping({"screen": True, "screen_port": server.server_address[1]})
        check = check_screen_page(settings, timeout_s=2)
    finally:
        server.shutdown()
    assert check.status is Status.FAIL and "not with the kiosk's page" in check.detail


def test_doctor_runs_the_screen_checks_only_when_the_screen_is_on():
    from kiosk.ops.doctor import check_chromium

    assert check_chromium(lambda name: None).status.value == "WARN"
    assert check_chromium(lambda name: "/usr/bin/chromium" if name == "chromium" else None).status.value == "OK"


# --- run at boot -----------------------------------------------------------------------------------------


def test_the_boot_script_waits_for_the_page_then_starts_chromium_in_kiosk_mode(served, tmp_path):
    import os
    import subprocess

    from conftest import ROOT

    url, _, _ = served
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path / "args"}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "TMPDIR": str(tmp_path)}
    p = subprocess.run(["sh", str(ROOT / "deploy" / "kiosk-screen.sh"), url], env=env, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    args = (tmp_path / "args").read_text().splitlines()
    assert "--kiosk" in args and f"--app={url}" in args and "--incognito" in args
    profile = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    assert not os.path.exists(profile)  # the throw-away profile is gone


def test_the_screen_unit_starts_after_the_kiosk():
    from conftest import ROOT

    unit = (ROOT / "deploy" / "kiosk-screen.service").read_text()
    assert "After=kiosk.service" in unit and "kiosk-screen.sh" in unit and "Restart=always" in unit


def test_the_screen_benchmark_table_is_built_from_its_figures():
    from kiosk.bench.screen_bench import ScreenFigures, format_table, rows

    figures = ScreenFigures(load_s=[0.2, 0.3, 0.4], tap_s=[0.05, 0.06, 0.2], driver_tap_s=[0.01, 0.02],
                            kiosk_rss=50 * 2**20, chromium_rss=900 * 2**20, chromium_pss=400 * 2**20,
                            chromium_processes=8, load_average=(1.0, 1.0, 1.0))
    table = rows(figures)
    assert table[0][0].startswith("Tap to the reply") and "MISSED" in table[0][2]  # p95 of 0.05, 0.06, 0.2
    assert "met" in table[2][2] and table[3][1] == "50 MiB" and table[4][1] == "900 MiB / 400 MiB"
    assert "Tap to the reply" in format_table(figures)
    assert rows(ScreenFigures(error="no chromium"))[0][1] == "not measured: no chromium"


# --- speech for a screen without a microphone ------------------------------------------------------------


class RecordingSpeaker:
    def __init__(self, fail=False):
        self.said = []
        self.fail = fail

    def say(self, text, *, rate_wpm=None, volume=None, block=True):
        if self.fail:
            raise RuntimeError("no sound card")
        self.said.append((text, rate_wpm, round(volume, 2), block))

    def stop(self):
        pass

    speaking = False

    def close(self):
        pass


def test_the_announcer_says_every_turn_the_page_causes(dialogue):
    from kiosk.faces.voice import Announcer, Mouth

    talk = Conversation(dialogue)
    speaker = RecordingSpeaker()
    announcer = Announcer(talk, Mouth(speaker, rate_wpm=160, emergency_rate_wpm=130))
    talk.start(0)
    _wait(lambda: len(speaker.said) >= 1)
    talk.hear("slower", 1, source="tap:slower")
    _wait(lambda: len(speaker.said) >= 2)
    talk.hear(NUMB, 2, source="screen")
    _wait(lambda: any(block for _, _, _, block in speaker.said))
    talk.hear("repeat", 3, source="tap:repeat")  # the emergency prompt said again
    _wait(lambda: sum("911" in text for text, *_ in speaker.said) >= 2)
    announcer.close()
    rates = [rate for _, rate, _, _ in speaker.said]
    assert rates[0] == 160 and rates[1] < 160  # slower speech asked for on the screen
    urgent = [said for said in speaker.said if said[3]]
    assert urgent and all(rate <= 130 for _, rate, _, _ in urgent)  # the emergency prompt slower, to its end


def test_a_failing_speaker_becomes_one_error_and_captions_only(dialogue):
    from kiosk.faces.voice import Mouth

    errors = []
    mouth = Mouth(RecordingSpeaker(fail=True), on_error=errors.append)
    talk = Conversation(dialogue)
    mouth.say_turn(talk.start(0))
    mouth.say_turn(talk.hear(LIP, 1))
    assert len(errors) == 1 and "no sound card" in errors[0]


def _wait(condition, timeout_s=5.0):
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- the command -----------------------------------------------------------------------------------------


def test_screen_true_in_kiosk_toml_serves_the_page_and_sigterm_ends_cleanly(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from conftest import ROOT

    (tmp_path / "kiosk.toml").write_text("screen = true\nscreen_port = 0\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--text"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Screen: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[1]
        status, _, body = get(url + "health")
        assert status == 200 and json.loads(body)["ok"]
        status, _, body = get(url)
        assert status == 200 and b"Or type your answer" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_a_busy_port_is_one_line(served):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    url, _, _ = served
    port = url.rsplit(":", 1)[1].strip("/")
    p = subprocess.run([sys.executable, "-m", "kiosk", "--screen", "--text", "--port", port], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "--port" in p.stderr, p.stderr
