"""Route the kiosk's events to the operator's tools: the staff alert and the optional event log.

Two kinds of event come here: the dialogue's (session start and end, red flags, staff alerts, ...) and
:class:`ErrorEvent`, a fault at the kiosk's edge (microphone, recognizer, speech output, keyboard) or a staff
alert that could not be delivered. The dialogue module knows nothing of the second kind; the voice session,
the text kiosk and the alerter report those.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..core.conversation import emit
from ..core.dialogue import EventKind
from .settings import Settings

log = logging.getLogger("kiosk")


class OperatorEventKind(str, Enum):
    """Event kinds that do not come from the dialogue."""

    ERROR = "error"


@dataclass(frozen=True)
class ErrorEvent:
    """A fault the kiosk worked around (the person was told, and it fell back); for the event log only."""

    source: str
    """What failed: "microphone", "recognizer", "speech output", "keyboard" or "staff alert"."""
    detail: str = ""
    """One line; never what the person said."""
    kind: OperatorEventKind = OperatorEventKind.ERROR


def report_error(sink: Callable[..., None] | None, source: str, detail: str) -> None:
    """Send an :class:`ErrorEvent` to ``sink`` (never raises)."""
    emit(sink, ErrorEvent(source, " ".join(str(detail).split())))


class EventRouter:
    """The kiosk's event sink: every event goes to the event log; a staff-alert event also alerts staff.

    What the person said reaches the log only when ``log_transcripts`` is on; even then it is never part of
    a staff alert.
    """

    takes_transcript = True

    def __init__(self, settings: Settings, alerter: Any = None, event_log: Any = None) -> None:
        from .alerts import StaffAlerter
        from .eventlog import open_event_log

        self.log_transcripts = settings.log_transcripts
        self.event_log = event_log if event_log is not None else open_event_log(settings)
        self.alerter = alerter if alerter is not None else StaffAlerter.from_settings(
            settings, on_outcome=self.alert_outcome)

    def __call__(self, event: Any, transcript: str = "") -> None:
        """Record one event (a dialogue :class:`Event` or an :class:`ErrorEvent`) and act on it."""
        kind = getattr(event.kind, "value", event.kind)
        fields: dict[str, Any] = {"detail": event.detail}
        if isinstance(event, ErrorEvent):
            fields["source"] = event.source
        if transcript and self.log_transcripts:
            fields["transcript"] = transcript
        self.event_log.record(str(kind), **fields)
        if event.kind is EventKind.STAFF_ALERT:
            self.alerter.alert(event.detail or "staff needed")

    def alert_outcome(self, outcome: Any) -> None:
        """A staff alert that was not delivered is an error event (called on the alerter's threads)."""
        if outcome.delivered:
            return
        self(ErrorEvent("staff alert", f"alert {outcome.alert_id} by {outcome.action} failed after "
                                       f"{outcome.attempts} attempt(s): {outcome.error}"))

    def close(self) -> None:
        """Give pending staff alerts a moment, then close the log (their failures are still logged)."""
        try:
            self.alerter.close(timeout=2.0)
        finally:
            self.event_log.close()


@contextlib.contextmanager
def event_handler(settings: Settings) -> Iterator[EventRouter]:
    """An :class:`EventRouter` for the kiosk's run; alerts are drained and the log closed at the end."""
    router = EventRouter(settings)
    try:
        yield router
    finally:
        router.close()


__all__ = ["ErrorEvent", "EventRouter", "OperatorEventKind", "emit", "event_handler", "report_error"]
