"""Talking to a Wyoming server (a shared recognizer or voice) with every wait and every size bounded.

The Wyoming protocol is one JSON header line per event, then optional JSON data (``data_length`` bytes) and an
optional binary payload (``payload_length`` bytes), over TCP. Events are built and read with the ``wyoming``
package's own classes (``pip install -e '.[wyoming]'``); only the framing is read here, because the package's
reader waits as long as a server likes and believes any length a server announces. Here a server that is down,
silent, slow, or answers garbage or a huge payload becomes one :class:`WyomingError` line within the deadline.

The socket code is synchronous on purpose: the kiosk's recognizer and speaker interfaces are synchronous and
already run off the main loop where it matters (the voice session's recognition thread).
"""
from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger("kiosk")

SCHEME = "wyoming://"
GET_WYOMING = "pip install -e '.[wyoming]'"


class WyomingError(Exception):
    """A Wyoming server that could not be used for this request; the message is one line for the operator."""


@dataclass(frozen=True)
class Endpoint:
    """Where a Wyoming server listens."""

    host: str
    port: int

    @property
    def uri(self) -> str:
        return f"{SCHEME}{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.uri


def parse_endpoint(value: str) -> Endpoint:
    """``wyoming://host:port`` (or ``tcp://host:port``, as the Wyoming tools write it) as an Endpoint.

    ValueError with one line when it is not one."""
    text = str(value).strip()
    if not (text.startswith(SCHEME) or text.startswith("tcp://")):
        raise ValueError(f"{value!r} is not a Wyoming address (write wyoming://host:port)")
    try:
        parsed = urlparse(text)
        port = parsed.port
    except ValueError:
        raise ValueError(f"{value!r} has no valid port (write wyoming://host:port)") from None
    if not parsed.hostname or port is None or port <= 0:
        raise ValueError(f"{value!r} needs a host and a port (write wyoming://host:port)")
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        raise ValueError(f"{value!r} has more than a host and a port (write wyoming://host:port)")
    return Endpoint(parsed.hostname, port)


def is_wyoming(value: str) -> bool:
    return isinstance(value, str) and value.strip().startswith(SCHEME)


@dataclass(frozen=True)
class Limits:
    """The most the kiosk reads from a server for one event; anything larger is refused, not read."""

    header_bytes: int = 64 * 1024
    """The JSON header line (the ``wyoming`` package's own reader stops at this too)."""
    data_bytes: int = 1024 * 1024
    """The JSON data after the header."""
    payload_bytes: int = 1024 * 1024
    """One payload (an audio chunk is a few kilobytes)."""
    total_bytes: int = 16 * 1024 * 1024
    """Everything read for one request (16 MB is over 6 minutes of 22 kHz speech)."""
    events: int = 20_000
    """Events read for one request."""


DEFAULT_LIMITS = Limits()
"""The bounds every remote call uses unless told otherwise."""


def _wyoming():
    try:
        import wyoming.event  # noqa: F401
    except ImportError:
        raise WyomingError(f"the wyoming package is not installed: {GET_WYOMING}") from None
    return wyoming


def wyoming_installed() -> bool:
    try:
        _wyoming()
    except WyomingError:
        return False
    return True


class Connection:
    """One TCP connection to a Wyoming server, every operation bounded by one deadline (time.monotonic)."""

    def __init__(self, endpoint: Endpoint, deadline: float, limits: Limits = Limits(),
                 connect_timeout_s: float = 3.0) -> None:
        _wyoming()
        self.endpoint = endpoint
        self.deadline = deadline
        self.limits = limits
        self._buffer = bytearray()
        self._read_total = 0
        self._events = 0
        remaining = self._remaining()
        try:
            self._sock = socket.create_connection((endpoint.host, endpoint.port),
                                                  timeout=min(connect_timeout_s, remaining))
        except TimeoutError:
            raise WyomingError(f"{endpoint} did not accept a connection within "
                               f"{min(connect_timeout_s, remaining):.1f} s") from None
        except OSError as err:
            raise WyomingError(f"{endpoint} cannot be reached ({_reason(err)})") from None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WyomingError(f"{self.endpoint} did not answer in time")
        return remaining

    def send(self, event) -> None:
        """Write one ``wyoming.event.Event`` (serialized by the wyoming package itself)."""
        from wyoming.event import write_event

        out = io.BytesIO()
        write_event(event, out)
        try:
            self._sock.settimeout(self._remaining())
            self._sock.sendall(out.getvalue())
        except TimeoutError:
            raise WyomingError(f"{self.endpoint} stopped taking data (did not answer in time)") from None
        except OSError as err:
            raise WyomingError(f"{self.endpoint} dropped the connection ({_reason(err)})") from None

    def _fill(self) -> None:
        try:
            self._sock.settimeout(self._remaining())
            data = self._sock.recv(65536)
        except TimeoutError:
            raise WyomingError(f"{self.endpoint} did not answer in time") from None
        except OSError as err:
            raise WyomingError(f"{self.endpoint} dropped the connection ({_reason(err)})") from None
        if not data:
            raise WyomingError(f"{self.endpoint} closed the connection before answering")
        self._read_total += len(data)
        if self._read_total > self.limits.total_bytes:
            raise WyomingError(f"{self.endpoint} sent more than {self.limits.total_bytes // (1024 * 1024)} MB "
                               f"for one request")
        self._buffer += data

    def _line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                if end > self.limits.header_bytes:
                    break
                line = bytes(self._buffer[:end])
                del self._buffer[:end + 1]
                return line
            if len(self._buffer) > self.limits.header_bytes:
                break
            self._fill()
        raise WyomingError(f"{self.endpoint} sent a header line over {self.limits.header_bytes // 1024} KB "
                           f"(not a Wyoming server?)")

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def read(self):
        """The next event (a ``wyoming.event.Event``); WyomingError for anything that is not one."""
        from wyoming.event import Event

        self._events += 1
        if self._events > self.limits.events:
            raise WyomingError(f"{self.endpoint} sent more than {self.limits.events} events for one request")
        line = self._line()
        try:
            header = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise WyomingError(f"{self.endpoint} answered something that is not Wyoming "
                               f"({_preview(line)})") from None
        if not isinstance(header, dict) or not isinstance(header.get("type"), str):
            raise WyomingError(f"{self.endpoint} answered something that is not Wyoming ({_preview(line)})")
        data = header.get("data") or {}
        data_length = _length(header, "data_length", self.limits.data_bytes, self.endpoint)
        payload_length = _length(header, "payload_length", self.limits.payload_bytes, self.endpoint)
        if not isinstance(data, dict):
            raise WyomingError(f"{self.endpoint} sent event data that is not an object")
        if data_length:
            try:
                extra = json.loads(self._exactly(data_length))
            except (ValueError, UnicodeDecodeError):
                raise WyomingError(f"{self.endpoint} sent event data that is not JSON") from None
            if not isinstance(extra, dict):
                raise WyomingError(f"{self.endpoint} sent event data that is not an object")
            data = {**data, **extra}
        payload = self._exactly(payload_length) if payload_length else None
        return Event(type=header["type"], data=data, payload=payload)


def _length(header: dict, key: str, limit: int, endpoint: Endpoint) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WyomingError(f"{endpoint} sent a {key} that is not a size ({value!r})")
    if value > limit:
        raise WyomingError(f"{endpoint} announced a {value}-byte {key.split('_')[0]} "
                           f"(the limit is {limit // 1024} KB); not read")
    return value


def _reason(err: OSError) -> str:
    return err.strerror or err.__class__.__name__


def _preview(raw: bytes) -> str:
    text = raw[:40].decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return f"{text!r}" + ("..." if len(raw) > 40 else "")


def error_text(event) -> str | None:
    """The text of a Wyoming ``error`` event, else None."""
    from wyoming.error import Error

    if Error.is_type(event.type):
        try:
            err = Error.from_event(event)
            return f"{err.text}" + (f" ({err.code})" if err.code else "")
        except (KeyError, TypeError):
            return "an error without text"
    return None


def describe(endpoint: Endpoint, timeout_s: float = 2.0) -> dict:
    """The server's ``info`` data (``describe`` -> ``info``); WyomingError when it does not give one."""
    from wyoming.info import Describe, Info

    with Connection(endpoint, time.monotonic() + timeout_s, connect_timeout_s=timeout_s) as conn:
        conn.send(Describe().event())
        while True:
            event = conn.read()
            if Info.is_type(event.type):
                return dict(event.data)
            problem = error_text(event)
            if problem is not None:
                raise WyomingError(f"{endpoint} answered describe with an error: {problem}")


def program_names(info: dict, kind: str) -> list[str]:
    """Names of the installed programs of ``kind`` ("asr", "tts", "handle") in an info answer."""
    programs = info.get(kind) or []
    if not isinstance(programs, list):
        return []
    return [str(p.get("name", "?")) for p in programs if isinstance(p, dict) and p.get("installed", True)]


class RemoteHealth:
    """Whether a remote server is worth asking, so an outage costs one line, not one per utterance.

    After a failure the local fallback is used for ``retry_s`` seconds; then the server is tried again. The
    first failure of an outage and the recovery are reported, one line each, through ``on_problem`` (the
    caller routes it to the operator's log and the event log); further failures of the same outage are not.
    """

    def __init__(self, label: str, retry_s: float = 30.0, clock: Callable[[], float] = time.monotonic,
                 on_problem: Callable[[str], None] | None = None, fallback: str = "the local one") -> None:
        self.label = label
        self.retry_s = retry_s
        self.clock = clock
        self.on_problem = on_problem
        self.fallback = fallback
        self.down = False
        self.failures = 0
        self.lines: list[str] = []
        """Every line reported (tests, the benchmark)."""
        self._since = 0.0
        self._lock = threading.Lock()

    def usable(self) -> bool:
        with self._lock:
            return not self.down or self.clock() - self._since >= self.retry_s

    def failed(self, reason: str, report: bool = True) -> None:
        """Count a failure; the first of an outage is reported unless ``report`` is False (the caller says it)."""
        with self._lock:
            self.failures += 1
            first = not self.down
            self.down = True
            self._since = self.clock()
        if first and report:
            self._report(f"{self.label} failed: {reason}; using {self.fallback} (trying it again every "
                         f"{self.retry_s:g} s)")

    def succeeded(self) -> None:
        with self._lock:
            was_down, self.down = self.down, False
        if was_down:
            self._report(f"{self.label} answers again; using it")

    def _report(self, line: str) -> None:
        line = " ".join(line.split())
        self.lines.append(line)
        sink = self.on_problem
        try:
            if sink is None:
                log.warning("%s", line)
            else:
                sink(line)
        except Exception:  # noqa: BLE001 - reporting must never break speech
            log.warning("%s", line)


__all__ = ["Connection", "Endpoint", "GET_WYOMING", "Limits", "RemoteHealth", "WyomingError", "describe",
           "error_text", "is_wyoming", "parse_endpoint", "program_names", "wyoming_installed"]
