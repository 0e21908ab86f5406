"""Call a person: a staff alert through a command, a JSON POST on the clinic network, and/or a terminal bell.

:meth:`StaffAlerter.alert` returns at once. Each configured action has its own daemon thread and queue, so a
dead web hook never delays the command or the bell, and nothing here can block or end the conversation.
Failures are logged and retried a bounded number of times. For privacy the alert carries only the reason,
the kiosk's time and an alert id: never what was said.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from .settings import Settings, SettingsError

log = logging.getLogger("kiosk.ops.alerts")

MAX_QUEUED = 50
"""Alerts waiting per action; beyond this new ones are dropped (and logged) rather than piling up."""


@dataclass(frozen=True)
class Alert:
    """What is sent to staff. No transcript, by design."""

    alert_id: str
    reason: str
    kiosk_time: str
    """Local time with its UTC offset, ISO 8601, to the second."""

    def payload(self) -> dict[str, str]:
        return {"alert_id": self.alert_id, "reason": self.reason, "kiosk_time": self.kiosk_time}


@dataclass(frozen=True)
class AlertOutcome:
    """How one action went for one alert."""

    alert_id: str
    action: str
    """"command", "url" or "bell"."""
    delivered: bool
    attempts: int
    error: str = ""


class _Permanent(Exception):
    """A failure that another attempt cannot fix (no such program, a 4xx answer)."""


def _one_line(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return " ".join(str(text).split())


@dataclass
class _Channel:
    name: str
    send: Callable[[Alert], None]
    # one slot more than MAX_QUEUED: room for the stop marker that close() puts behind a full queue
    queue: queue.Queue[Alert] = field(default_factory=lambda: queue.Queue(MAX_QUEUED + 1))
    thread: threading.Thread | None = None


_STOP: Any = object()
"""Put on a channel's queue by close(): its worker thread ends once everything queued before it is done."""


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class StaffAlerter:
    """Raise staff alerts through the configured actions, on background threads."""

    def __init__(self, *, command: Sequence[str] = (), url: str = "", bell: bool = False,
                 timeout_s: float = 5.0, retries: int = 2, backoff_s: float = 0.5,
                 terminal: TextIO | None = None,
                 on_outcome: Callable[[AlertOutcome], None] | None = None) -> None:
        """``terminal`` receives the bell; None means standard output, only when it is a terminal."""
        if url:
            scheme = urllib.parse.urlsplit(url).scheme
            if scheme not in ("http", "https"):
                raise SettingsError(f"staff_alert_url must start with http:// or https://, not {url!r}")
        self.command = tuple(command)
        self.url = url
        self.timeout_s = max(0.1, float(timeout_s))
        self.retries = max(0, int(retries))
        self.backoff_s = max(0.0, float(backoff_s))
        self.terminal = terminal
        self.on_outcome = on_outcome
        self.outcomes: deque[AlertOutcome] = deque(maxlen=100)
        """The latest outcomes, newest last: for tests and for `kiosk doctor`."""
        self._idle = threading.Condition()
        self._pending = 0
        self._abandon = threading.Event()
        self._closed = False
        # An opener without proxies: the alert goes to the clinic's own network, never through a proxy
        # that an environment variable happens to name.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._channels: list[_Channel] = []
        if bell and terminal is None and not _is_terminal(sys.stdout):
            # Under systemd without a console, standard output is the journal: a bell there is only noise.
            log.info("staff alert bell is off: standard output is not a terminal")
            bell = False
        if bell:
            self._channels.append(_Channel("bell", self._ring))
        if self.command:
            self._channels.append(_Channel("command", self._run_command))
        if self.url:
            self._channels.append(_Channel("url", self._post))

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> StaffAlerter:
        return cls(command=settings.staff_alert_command, url=settings.staff_alert_url,
                   bell=settings.staff_alert_bell, timeout_s=settings.staff_alert_timeout_s,
                   retries=settings.staff_alert_retries, **kwargs)

    @property
    def actions(self) -> tuple[str, ...]:
        """The configured actions, e.g. ("bell", "url")."""
        return tuple(c.name for c in self._channels)

    def alert(self, reason: str, **details: Any) -> None:
        """Queue an alert for every action and return at once. Never raises.

        ``details`` go to the local log only (never to staff systems), without transcript fields.
        """
        try:
            self._alert(reason, details)
        except Exception as err:  # noqa: BLE001 - the conversation must go on whatever happens here
            log.error("staff alert could not be queued: %s", _one_line(err))

    def _alert(self, reason: str, details: dict[str, Any]) -> None:
        reason = " ".join(str(reason).split())[:200] or "staff needed"
        alert = Alert(uuid.uuid4().hex[:12], reason, datetime.now().astimezone().isoformat(timespec="seconds"))
        shown = {k: v for k, v in details.items() if k not in ("transcript", "text")}
        log.info("staff alert %s: %s%s", alert.alert_id, reason, f" {shown}" if shown else "")
        if self._closed:
            log.error("staff alert %s not sent: the alerter is closed", alert.alert_id)
            return
        if not self._channels:
            log.warning("staff alert %s (%s): no staff alert action is configured", alert.alert_id, reason)
            return
        for channel in self._channels:
            with self._idle:
                self._pending += 1
            try:
                if channel.queue.qsize() >= MAX_QUEUED:
                    raise queue.Full
                channel.queue.put_nowait(alert)
            except queue.Full:
                self._done()
                log.error("staff alert %s: too many alerts waiting for %s; this one is dropped",
                          alert.alert_id, channel.name)
                # an outcome like any failed delivery, so the event log records the dropped alert too
                self._outcome(AlertOutcome(alert.alert_id, channel.name, False, 0, "too many alerts waiting; dropped"))
                continue
            if channel.thread is None:
                channel.thread = threading.Thread(target=self._work, args=(channel,),
                                                  name=f"staff-alert-{channel.name}", daemon=True)
                channel.thread.start()

    def _work(self, channel: _Channel) -> None:
        while True:
            alert = channel.queue.get()
            if alert is _STOP:
                return  # close(): nothing is left to send on this channel
            try:
                self._deliver(channel, alert)
            except Exception as err:  # noqa: BLE001 - keep the worker alive for the next alert
                log.error("staff alert %s: %s failed unexpectedly: %s", alert.alert_id, channel.name, _one_line(err))
            finally:
                self._done()

    def _deliver(self, channel: _Channel, alert: Alert) -> None:
        tries = 1 + self.retries
        error = ""
        attempt = 0
        for attempt in range(1, tries + 1):
            try:
                channel.send(alert)
            except _Permanent as err:
                error = _one_line(err)
                log.error("staff alert %s (%s): %s failed: %s; not retried",
                          alert.alert_id, alert.reason, channel.name, error)
                break
            except Exception as err:  # noqa: BLE001 - any failure of an action is logged, never raised
                error = _one_line(err)
                if attempt < tries and not self._abandon.is_set():
                    wait = self.backoff_s * 2 ** (attempt - 1)
                    log.warning("staff alert %s (%s): %s attempt %d of %d failed: %s; retrying in %.1f s",
                                alert.alert_id, alert.reason, channel.name, attempt, tries, error, wait)
                    if self._abandon.wait(wait):
                        break
                    continue
                log.error("staff alert %s (%s): %s failed after %d attempt(s): %s",
                          alert.alert_id, alert.reason, channel.name, attempt, error)
                break
            else:
                log.info("staff alert %s delivered by %s (attempt %d)", alert.alert_id, channel.name, attempt)
                self._outcome(AlertOutcome(alert.alert_id, channel.name, True, attempt))
                return
        self._outcome(AlertOutcome(alert.alert_id, channel.name, False, attempt, error))

    def _outcome(self, outcome: AlertOutcome) -> None:
        self.outcomes.append(outcome)
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception as err:  # noqa: BLE001 - a broken listener must not stop alerts
                log.error("staff alert outcome listener failed: %s", _one_line(err))

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending <= 0:
                self._idle.notify_all()

    # the actions -------------------------------------------------------------------------------------------

    def _ring(self, alert: Alert) -> None:
        out = self.terminal if self.terminal is not None else sys.stdout
        out.write("\a")
        out.flush()

    def _command_args(self, alert: Alert) -> list[str]:
        fields = {"{reason}": alert.reason, "{alert_id}": alert.alert_id, "{kiosk_time}": alert.kiosk_time}
        if not any(key in arg for arg in self.command for key in fields):
            return [*self.command, alert.reason]  # no placeholder: the reason is the last argument
        args = []
        for arg in self.command:
            for key, value in fields.items():
                arg = arg.replace(key, value)
            args.append(arg)
        return args

    def _run_command(self, alert: Alert) -> None:
        env = {**os.environ, "KIOSK_ALERT_ID": alert.alert_id, "KIOSK_ALERT_REASON": alert.reason,
               "KIOSK_ALERT_TIME": alert.kiosk_time}
        try:
            # Own session: on a timeout the whole group (the program and anything it started) is killed.
            proc = subprocess.Popen(self._command_args(alert), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, env=env, start_new_session=True)
        except (FileNotFoundError, PermissionError, NotADirectoryError) as err:
            raise _Permanent(f"cannot run {self.command[0]!r}: {_one_line(err)}") from None
        try:
            _, err_bytes = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            raise TimeoutError(f"{self.command[0]} did not finish within {self.timeout_s:g} s") from None
        if proc.returncode != 0:
            said = " ".join(err_bytes.decode("utf-8", "replace").split())[:200]
            raise RuntimeError(f"{self.command[0]} exited with status {proc.returncode}"
                               f"{': ' + said if said else ''}")

    def _post(self, alert: Alert) -> None:
        body = json.dumps(alert.payload()).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "kiosk"})
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                response.read(65536)
        except urllib.error.HTTPError as err:
            err.close()
            message = f"HTTP {err.code} {err.reason}"
            if 400 <= err.code < 500 and err.code not in (408, 429):
                raise _Permanent(message) from None  # the request itself is wrong; sending it again won't help
            raise RuntimeError(message) from None
        except urllib.error.URLError as err:
            raise ConnectionError(_one_line(err.reason) if isinstance(err.reason, BaseException)
                                  else str(err.reason)) from None

    # shutdown and tests ----------------------------------------------------------------------------------

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued alert is delivered or given up; False when ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._pending > 0:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self, timeout: float = 5.0) -> bool:
        """Stop taking alerts and give the queued ones up to ``timeout`` seconds. Never raises.

        True when everything was delivered or given up in time, and then the worker threads have ended;
        otherwise what is left is abandoned (its threads end after their attempt in progress; they are
        daemons and do not hold the process).
        """
        self._closed = True
        idle = self.wait_idle(timeout)
        if not idle:
            self._abandon.set()  # no more retries; the attempt in progress ends with its own timeout
            log.warning("staff alerts still pending at shutdown were abandoned")
        # The workers wait on their queues for ever: tell each to end, so no thread outlives the alerter.
        # An abandoned one ends after the attempt in progress (it is a daemon, so it never holds the process).
        for channel in self._channels:
            if channel.thread is None:
                continue
            try:
                channel.queue.put_nowait(_STOP)
            except queue.Full:  # cannot happen (a slot is kept for it); the daemon thread is left behind
                continue
            if idle and channel.thread is not threading.current_thread():
                channel.thread.join(timeout=1.0)
        return idle


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m kiosk.ops.alerts [--config FILE] [REASON]`: send one test alert and wait for the outcome.

    For the IT person setting up the kiosk: every configured action runs once, and each result is one line.
    """
    import argparse

    from .settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m kiosk.ops.alerts", description="Send a test staff alert.")
    parser.add_argument("--config", help="settings file (default: ./kiosk.toml when present)")
    parser.add_argument("reason", nargs="?", default="test alert from the kiosk (please ignore)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="kiosk: %(message)s")
    try:
        settings = load_settings(args.config)
        alerter = StaffAlerter.from_settings(settings, terminal=sys.stdout if settings.staff_alert_bell else None)
    except SettingsError as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return 2
    if not alerter.actions:
        print("No staff alert action is configured: set staff_alert_command or staff_alert_url.")
        return 1
    alerter.alert(args.reason)
    limit = (1 + alerter.retries) * (alerter.timeout_s + alerter.backoff_s * 2 ** alerter.retries) + 5
    alerter.close(timeout=limit)
    for outcome in alerter.outcomes:
        status = "delivered" if outcome.delivered else f"FAILED ({outcome.error})"
        print(f"{outcome.action:8} {status} after {outcome.attempts} attempt(s), alert id {outcome.alert_id}")
    return 0 if alerter.outcomes and all(o.delivered for o in alerter.outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
