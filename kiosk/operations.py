"""Route the dialogue's events to the operator's tools: the staff alert and the optional event log."""
from __future__ import annotations

import contextlib
import logging
from typing import Callable, Iterator

from .dialogue import Event, EventKind
from .settings import Settings

log = logging.getLogger("kiosk")


@contextlib.contextmanager
def event_handler(settings: Settings) -> Iterator[Callable[[Event], None]]:
    """A callback for dialogue events; alerts staff and logs events as the settings say."""
    from .alerts import StaffAlerter
    from .eventlog import open_event_log

    alerter = StaffAlerter.from_settings(settings)
    event_log = open_event_log(settings)

    def on_event(event: Event) -> None:
        event_log.record(event.kind.value, detail=event.detail)
        if event.kind is EventKind.STAFF_ALERT:
            alerter.alert(event.detail or "staff needed")

    try:
        yield on_event
    finally:
        alerter.close(timeout=2.0)
        event_log.close()
