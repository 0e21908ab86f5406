"""Staff alerts against a real HTTP server on 127.0.0.1 and real commands; nothing leaves this machine."""
from __future__ import annotations

import io
import json
import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.ops.alerts import StaffAlerter
from kiosk.ops.settings import Settings, SettingsError

GENEROUS_S = 2.0
"""alert() must return well before an action could finish; generous so a busy machine never fails the test."""


class Clinic:
    """A local stand-in for the clinic's alert endpoint: answers with ``statuses`` in turn, then 200."""

    def __init__(self, statuses=(), delay_s: float = 0.0):
        self.statuses = list(statuses)
        self.delay_s = delay_s
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append({"path": self.path, "type": self.headers.get("Content-Type"),
                                           "body": json.loads(body)})
                    status = outer.statuses.pop(0) if outer.statuses else 200
                if outer.delay_s:
                    time.sleep(outer.delay_s)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the kiosk gave up waiting and closed the connection

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alert"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def timed_alert(alerter: StaffAlerter, reason: str, **details) -> float:
    start = time.monotonic()
    assert alerter.alert(reason, **details) is None
    return time.monotonic() - start


def test_post_is_received_with_a_json_body_and_no_transcript():
    with Clinic() as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=5, retries=0)
        timed_alert(alerter, "emergency", transcript="my face is drooping", count=1)
        assert alerter.wait_idle(30)
        alerter.close(1)
    (req,) = clinic.requests
    assert req["path"] == "/alert" and req["type"] == "application/json"
    assert set(req["body"]) == {"alert_id", "reason", "kiosk_time"}
    assert req["body"]["reason"] == "emergency"
    assert "drooping" not in json.dumps(req["body"])
    (outcome,) = alerter.outcomes
    assert outcome.delivered and outcome.attempts == 1 and outcome.alert_id == req["body"]["alert_id"]


def test_server_errors_are_retried_until_delivered(caplog):
    caplog.set_level(logging.INFO, logger="kiosk.ops.alerts")
    with Clinic(statuses=[500, 500]) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=5, retries=2, backoff_s=0.05)
        alerter.alert("asked for a person")
        assert alerter.wait_idle(30)
    assert len(clinic.requests) == 3
    assert len({r["body"]["alert_id"] for r in clinic.requests}) == 1  # the same alert, sent again
    (outcome,) = alerter.outcomes
    assert outcome.delivered and outcome.attempts == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("HTTP 500" in w for w in warnings)


def test_retries_are_bounded_when_the_server_keeps_failing(caplog):
    with Clinic(statuses=[503] * 10) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=5, retries=1, backoff_s=0.05)
        alerter.alert("not understood")
        assert alerter.wait_idle(30)
    assert len(clinic.requests) == 2
    (outcome,) = alerter.outcomes
    assert not outcome.delivered and outcome.attempts == 2 and "HTTP 503" in outcome.error
    assert any(r.levelno == logging.ERROR and "failed after 2 attempt(s)" in r.getMessage() for r in caplog.records)


def test_a_refused_request_is_not_sent_again():
    with Clinic(statuses=[404]) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=5, retries=3, backoff_s=0.05)
        alerter.alert("emergency")
        assert alerter.wait_idle(30)
    assert len(clinic.requests) == 1
    assert not alerter.outcomes[0].delivered and "404" in alerter.outcomes[0].error


def test_a_slow_server_does_not_hold_the_kiosk(caplog):
    with Clinic(delay_s=3.0) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=0.3, retries=1, backoff_s=0.05)
        took = timed_alert(alerter, "emergency")
        assert not alerter.outcomes  # returned before the first attempt could even time out
        assert took < GENEROUS_S
        assert alerter.wait_idle(30)
        alerter.close(1)
    (outcome,) = alerter.outcomes
    assert not outcome.delivered and outcome.attempts == 2
    assert "timed out" in outcome.error
    assert any("failed after 2 attempt(s)" in r.getMessage() for r in caplog.records)


def test_nobody_listening_is_logged_not_raised(caplog):
    with Clinic() as clinic:
        url = clinic.url
    alerter = StaffAlerter(url=url, timeout_s=1, retries=1, backoff_s=0.01)
    alerter.alert("emergency")
    assert alerter.wait_idle(30)
    (outcome,) = alerter.outcomes
    assert not outcome.delivered and outcome.attempts == 2 and "refused" in outcome.error.lower()


def test_command_runs_with_the_reason_as_its_last_argument(tmp_path):
    out = tmp_path / "called.txt"
    script = "import sys, os; open(sys.argv[1], 'w').write(sys.argv[2] + '|' + os.environ['KIOSK_ALERT_ID'])"
    alerter = StaffAlerter(command=[sys.executable, "-c", script, str(out)], timeout_s=30, retries=0)
    alerter.alert("asked for a person")
    assert alerter.wait_idle(60)
    reason, alert_id = out.read_text().split("|")
    assert reason == "asked for a person"
    assert alerter.outcomes[0].delivered and alerter.outcomes[0].alert_id == alert_id


def test_command_placeholders_are_filled_in(tmp_path):
    out = tmp_path / "called.txt"
    script = "import sys; open(sys.argv[1], 'w').write('\\n'.join(sys.argv[2:]))"
    alerter = StaffAlerter(command=[sys.executable, "-c", script, str(out), "kiosk: {reason}", "{alert_id}"],
                           timeout_s=30, retries=0)
    alerter.alert("emergency")
    assert alerter.wait_idle(60)
    said, alert_id = out.read_text().splitlines()
    assert said == "kiosk: emergency" and alert_id == alerter.outcomes[0].alert_id


def test_a_failing_command_is_retried_and_its_message_logged(tmp_path, caplog):
    count = tmp_path / "count"
    script = ("import sys, pathlib; p = pathlib.Path(sys.argv[1]); p.write_text(p.read_text() + 'x' if p.exists() "
              "else 'x'); sys.stderr.write('pager offline'); sys.exit(3)")
    alerter = StaffAlerter(command=[sys.executable, "-c", script, str(count)], timeout_s=30, retries=2, backoff_s=0.01)
    alerter.alert("emergency")
    assert alerter.wait_idle(60)
    assert count.read_text() == "xxx"
    (outcome,) = alerter.outcomes
    assert not outcome.delivered and outcome.attempts == 3
    assert "status 3" in outcome.error and "pager offline" in outcome.error


def test_a_missing_command_is_logged_once_and_not_retried(caplog):
    alerter = StaffAlerter(command=["/nonexistent/page-staff", "--loud"], retries=5, backoff_s=0.01)
    alerter.alert("emergency")
    assert alerter.wait_idle(30)
    (outcome,) = alerter.outcomes
    assert not outcome.delivered and outcome.attempts == 1 and "No such file" in outcome.error
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and "/nonexistent/page-staff" in errors[0]


def test_a_hanging_command_is_killed_and_does_not_hold_the_kiosk(tmp_path):
    alerter = StaffAlerter(command=[sys.executable, "-c", "import time; time.sleep(60)"], timeout_s=0.5,
                           retries=1, backoff_s=0.01)
    took = timed_alert(alerter, "emergency")
    assert not alerter.outcomes and took < GENEROUS_S
    assert alerter.wait_idle(30)
    (outcome,) = alerter.outcomes
    assert not outcome.delivered and outcome.attempts == 2 and "did not finish" in outcome.error


def test_each_action_runs_on_its_own_so_a_slow_one_does_not_delay_another(tmp_path):
    out = tmp_path / "called.txt"
    with Clinic(delay_s=2.0) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=1.5, retries=0,
                               command=[sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write('ok')", str(out)])
        alerter.alert("emergency")
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        # the command finished while the web hook was still waiting for its answer
        assert out.read_text() == "ok"
        assert not any(o.action == "url" for o in alerter.outcomes)
        assert alerter.wait_idle(30)
    assert {o.action: o.delivered for o in alerter.outcomes} == {"command": True, "url": False}


def test_bell_rings_on_the_given_terminal():
    screen = io.StringIO()
    alerter = StaffAlerter(bell=True, terminal=screen)
    alerter.alert("asked for a person")
    alerter.alert("emergency")
    assert alerter.wait_idle(10)
    assert screen.getvalue() == "\a\a"
    assert [o.delivered for o in alerter.outcomes] == [True, True]


def test_bell_is_off_when_output_is_not_a_terminal():
    # under pytest standard output is captured, as it is in the journal under systemd
    assert StaffAlerter.from_settings(Settings()).actions == ()


def test_no_action_configured_is_a_warning_not_an_error(caplog):
    alerter = StaffAlerter()
    alerter.alert("emergency")
    assert alerter.wait_idle(1) and list(alerter.outcomes) == []
    assert any("no staff alert action is configured" in r.getMessage() for r in caplog.records)


def test_from_settings_and_a_bad_url_is_one_settings_line():
    s = Settings(staff_alert_command=("notify-staff",), staff_alert_url="http://127.0.0.1:9/x", staff_alert_bell=False,
                 staff_alert_timeout_s=1.5, staff_alert_retries=4)
    alerter = StaffAlerter.from_settings(s)
    assert alerter.actions == ("command", "url") and alerter.timeout_s == 1.5 and alerter.retries == 4
    with pytest.raises(SettingsError, match="staff_alert_url must start with http"):
        StaffAlerter(url="ftp://nurses/alert")


def test_close_drains_then_refuses_new_alerts(caplog):
    with Clinic(statuses=[500]) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=5, retries=1, backoff_s=0.05)
        alerter.alert("emergency")
        assert alerter.close(timeout=30)
        alerter.alert("after close")
        time.sleep(0.1)
    assert len(clinic.requests) == 2 and alerter.outcomes[-1].delivered
    assert any("alerter is closed" in r.getMessage() for r in caplog.records)


def test_close_with_a_short_timeout_abandons_retries():
    with Clinic(statuses=[500] * 10) as clinic:
        alerter = StaffAlerter(url=clinic.url, timeout_s=5, retries=5, backoff_s=5)
        alerter.alert("emergency")
        deadline = time.monotonic() + 30
        while not clinic.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert alerter.close(timeout=0.2) is False
        assert alerter.wait_idle(30)  # the backoff wait was cut short: no second attempt
    assert len(clinic.requests) == 1
    assert alerter.outcomes[-1].attempts == 1 and not alerter.outcomes[-1].delivered


def test_test_alert_command_for_the_it_person(tmp_path, capsys):
    from kiosk.ops.alerts import main

    with Clinic() as clinic:
        config = tmp_path / "kiosk.toml"
        config.write_text(f'staff_alert_url = "{clinic.url}"\nstaff_alert_bell = false\n')
        assert main(["--config", str(config), "hello from the test"]) == 0
    assert clinic.requests[0]["body"]["reason"] == "hello from the test"
    out = capsys.readouterr().out
    assert out.startswith("url      delivered after 1 attempt(s)")
    bad = tmp_path / "bad.toml"
    bad.write_text('staff_alert_url = "nurse:80"\n')
    assert main(["--config", str(bad)]) == 2
    assert "staff_alert_url must start with http" in capsys.readouterr().err
    none = tmp_path / "none.toml"
    none.write_text("staff_alert_bell = false\n")
    assert main(["--config", str(none)]) == 1


def test_dialogue_events_reach_the_event_log_and_the_staff(tmp_path):
    """The kiosk's router (kiosk.operations) with these pieces: a staff-alert event runs the command."""
    from kiosk.core.dialogue import Event, EventKind
    from kiosk.ops.events import event_handler

    out = tmp_path / "paged.txt"
    settings = Settings(event_log=str(tmp_path / "log"), staff_alert_bell=False,
                        staff_alert_command=(sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
                                             str(out)))
    with event_handler(settings) as on_event:
        on_event(Event(EventKind.SESSION_START))
        on_event(Event(EventKind.STAFF_ALERT, "asked for a person"))
    assert out.read_text() == "asked for a person"  # closing the router drained the alert
    events = [json.loads(line)["event"] for line in (tmp_path / "log" / "events.jsonl").read_text().splitlines()]
    assert events == ["session_start", "staff_alert"]
