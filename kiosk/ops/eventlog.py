"""Optional JSON-lines event log for the operator: what happened at the kiosk, never (by default) what was said.

Privacy first: nothing is written unless ``Settings.event_log`` names a folder. Even then, fields that carry
speech (``transcript``, ``text``) are dropped unless ``log_transcripts`` is on. A failure to write never
reaches the kiosk: it is counted and reported once through :mod:`logging`.
"""
from __future__ import annotations

import io
import json
import logging
import logging.handlers
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from .settings import Settings

log = logging.getLogger("kiosk.ops.eventlog")

LOG_NAME = "events.jsonl"
DEFAULT_MAX_BYTES = 1_000_000
BACKUPS = 5
"""Rotated files kept (events.jsonl.1 ... .5); older ones are deleted."""
TRANSCRIPT_FIELDS = frozenset({"transcript", "text"})
"""Fields that may hold what a person said; written only when transcripts are logged."""
_RESERVED = ("ts", "event")


class EventRecorder(Protocol):
    """What the kiosk needs from an event log."""

    def record(self, kind: str, **fields: Any) -> None: ...

    def close(self) -> None: ...


class NullEventLog:
    """The event log when the operator has not turned one on: records nothing."""

    failures = 0
    written = 0

    def record(self, kind: str, **fields: Any) -> None:
        """Do nothing: nothing is written to disk."""

    def close(self) -> None:
        """Nothing to close."""


class _Handler(logging.handlers.RotatingFileHandler):
    """Rotating file handler that hands its errors to the event log instead of printing tracebacks."""

    def __init__(self, path: Path, max_bytes: int, backups: int, on_error: Callable[[BaseException], None]):
        # delay=True: the file is opened on the first event, so an unwritable folder fails inside emit().
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
        self._on_error = on_error
        self.failed = False

    def _open(self) -> io.TextIOWrapper:
        # The folder may have been removed while the kiosk runs; make it again rather than lose every event.
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        self.failed = True
        err = _current_exception()
        if self.stream is not None:
            # A stream that failed (e.g. disk full) may keep the unwritten line in its buffer; drop it and
            # reopen next time so one bad write does not poison every later one.
            stream, self.stream = self.stream, None
            try:
                stream.close()
            except Exception:  # noqa: BLE001 - closing a broken stream may fail the same way
                pass
        self._on_error(err)


def _current_exception() -> BaseException:
    import sys

    err = sys.exc_info()[1]
    return err if err is not None else OSError("unknown error")


class EventLog:
    """Append one JSON object per line to ``folder``/events.jsonl, rotated by size.

    Every line has ``ts`` (UTC, ISO 8601) and ``event`` (the kind), then the given fields.
    """

    def __init__(self, folder: str | os.PathLike[str], *, log_transcripts: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES, backups: int = BACKUPS,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(folder).expanduser() / LOG_NAME
        self.log_transcripts = log_transcripts
        self.failures = 0
        """Events that could not be written."""
        self.written = 0
        """Events written."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._reported = False
        self._closed = False
        self._lock = threading.Lock()
        """Staff-alert failures are recorded from the alerter's threads: one event at a time."""
        if max_bytes <= 0:
            # RotatingFileHandler would never rotate: on an unattended kiosk that fills the disk in the end.
            log.warning("event_log_max_bytes must be more than 0; using %d", DEFAULT_MAX_BYTES)
            max_bytes = DEFAULT_MAX_BYTES
        self._handler = _Handler(self.path, int(max_bytes), max(1, int(backups)), self._failed)

    @classmethod
    def from_settings(cls, settings: Settings) -> EventLog:
        return cls(settings.event_log, log_transcripts=settings.log_transcripts,
                   max_bytes=settings.event_log_max_bytes)

    def line(self, kind: str, **fields: Any) -> str:
        """The JSON line for an event, after the privacy filter (no newline at the end)."""
        try:
            ts = self._clock().astimezone(UTC).isoformat(timespec="milliseconds")
        except Exception:  # noqa: BLE001 - a broken clock must not cost the event
            ts = ""
        obj: dict[str, Any] = {"ts": ts, "event": str(kind)}
        for name, value in fields.items():
            if name in TRANSCRIPT_FIELDS and not self.log_transcripts:
                continue
            obj[f"field_{name}" if name in _RESERVED else name] = value
        # default=str: an odd value (a Path, an Enum) is written as text rather than losing the event.
        return json.dumps(obj, ensure_ascii=False, default=str)

    def record(self, kind: str, **fields: Any) -> None:
        """Write one event. Never raises: a failure is counted and reported once. Thread-safe."""
        with self._lock:
            self._record(kind, fields)

    def _record(self, kind: str, fields: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            text = self.line(kind, **fields)
        except Exception as err:  # noqa: BLE001 - e.g. a circular value; the kiosk goes on
            self._failed(err)
            return
        handler = self._handler
        handler.failed = False
        try:
            handler.handle(logging.makeLogRecord({"msg": text, "levelno": logging.INFO, "levelname": "INFO"}))
        except Exception as err:  # noqa: BLE001 - handle() should not raise, but the kiosk must not stop
            self._failed(err)
            return
        if not handler.failed:
            self.written += 1
            if self._reported:
                log.warning("event log %s is being written again", self.path)
                self._reported = False

    def _failed(self, err: BaseException) -> None:
        self.failures += 1
        if not self._reported:
            self._reported = True
            reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
            log.warning("cannot write the event log %s (%s); the kiosk goes on without it", self.path, reason)

    def close(self) -> None:
        """Flush and close the file. Never raises."""
        with self._lock:
            self._closed = True
        try:
            self._handler.close()
        except Exception as err:  # noqa: BLE001 - a final flush on a full disk
            self._failed(err)


def open_event_log(settings: Settings) -> EventLog | NullEventLog:
    """The event log the settings ask for: a :class:`NullEventLog` when ``event_log`` is empty."""
    if not settings.event_log.strip():
        return NullEventLog()
    return EventLog.from_settings(settings)
