"""The text kiosk: typed (or piped) lines in, printed replies out, same dialogue as the voice kiosk."""
from __future__ import annotations

import logging
import select
import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..core.dialogue import Dialogue, Event, EventKind, State, Turn
from ..ops.events import emit, report_error

EventSink = Callable[[Event], None]
log = logging.getLogger("kiosk")

RESTART_PAUSE_S = 2.0
"""Pause after Ctrl+D at an unattended kiosk before the next greeting."""
MAX_RESTARTS_WITHOUT_INPUT = 10
"""End of input this many times in a row with no line typed between: the terminal is broken, not a person
pressing Ctrl+D; the kiosk ends (exit 0) and the service manager starts it afresh."""
MAX_READ_ERRORS = 3
"""Read errors in a row after which typed input is taken as gone for good."""


def print_turn(turn: Turn, out: TextIO) -> None:
    """Show a turn: urgent replies stand out so they cannot be missed."""
    for reply in turn.replies:
        out.write(("!! " if reply.urgent else "Kiosk: ") + reply.text + "\n")
    out.flush()


def _wait_for_line(stream: TextIO, timeout_s: float) -> bool:
    """True when a line (or end of input) is ready within the timeout."""
    try:
        ready, _, _ = select.select([stream], [], [], timeout_s)
    except (ValueError, OSError, TypeError):  # not a real file (tests): just read
        return True
    return bool(ready)


def run_text_kiosk(dialogue: Dialogue, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                   on_event: EventSink | None = None, clock: Callable[[], float] = time.monotonic,
                   resume: State | None = None, unattended: bool = False, restart_pause_s: float = RESTART_PAUSE_S,
                   sleep: Callable[[float], None] = time.sleep, live: Callable[[], Dialogue] | None = None) -> int:
    """Run sessions until end of input (exit status 0). Idle time is measured here (the edge), not in the dialogue.

    ``resume`` continues a voice session that lost its microphone or recognizer: its last replies (the
    emergency prompt, when that is where it was) are shown again.

    End of input: piped input (one line a turn) always ends the kiosk at its end. On a terminal, Ctrl+D
    ends it too, unless ``unattended``: then the session is forgotten and, after ``restart_pause_s``, the
    kiosk greets the next person (a kiosk nobody watches must not be ended by a key press). A terminal that
    keeps failing to read (hung up) ends the kiosk with status 1, so its service manager can start it afresh.

    ``live`` gives the dialogue for each new session (content edited while running, see
    :class:`kiosk.live_content.LiveContent`); a session in progress keeps the content it started with.
    """
    interactive = hasattr(stdin, "isatty") and stdin.isatty()
    if resume is None:
        state, turn = dialogue.start()
    else:
        state, turn = resume, dialogue.resume(resume)
    print_turn(turn, out)
    last_input = clock()
    read_errors = 0
    ends = 0
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        idle_s = clock() - last_input
        next_deadline = (dialogue.idle_warning_s if not state.warned_idle else dialogue.idle_timeout_s) - idle_s
        if state.started and not _wait_for_line(stdin, max(0.0, next_deadline)):
            state, idle_turn = dialogue.idle(state, clock() - last_input)
            if idle_turn is not None:
                if interactive:
                    out.write("\n")
                print_turn(idle_turn, out)
                _emit(idle_turn, on_event)
            if not state.started:
                last_input = clock()
            continue
        try:
            line = stdin.readline()
        except (UnicodeDecodeError, OSError) as err:
            report_error(on_event, "keyboard", f"typed input could not be read ({err.__class__.__name__}: {err})")
            read_errors += 1
            if isinstance(err, OSError) and read_errors >= MAX_READ_ERRORS:
                # The same error again and again (a terminal that hung up): retrying would only spin.
                log.error("typed input cannot be read (%s); the kiosk stops", err)
                return 1
            out.write(f"Kiosk: I could not read that input ({err.__class__.__name__}). Please type again.\n")
            continue
        except KeyboardInterrupt:
            out.write("\n")
            return 0
        read_errors = 0
        if not line:
            ends += 1
            if not (interactive and unattended) or ends > MAX_RESTARTS_WITHOUT_INPUT:
                return 0
            state = _start_again(dialogue, state, out, on_event, restart_pause_s, sleep)
            last_input = clock()
            continue
        ends = 0
        last_input = clock()
        said = line.rstrip("\n")
        if live is not None and not state.started:
            dialogue = live()
        state, turn = dialogue.hear(state, said)
        print_turn(turn, out)
        _emit(turn, on_event, said)


def _start_again(dialogue: Dialogue, state: State, out: TextIO, on_event: EventSink | None, pause_s: float,
                 sleep: Callable[[float], None]) -> State:
    """End of input at an unattended kiosk: forget the session, pause, greet the next person."""
    if state.started:
        emit(on_event, Event(EventKind.SESSION_END, "end of input"))
    out.write("\n")
    out.flush()
    sleep(pause_s)  # a short pause, so a held Ctrl+D does not flood the screen with greetings
    fresh, turn = dialogue.start()
    print_turn(turn, out)
    return fresh


def _emit(turn: Turn, on_event: EventSink | None, said: str = "") -> None:
    """The turn's events; ``said`` (the line that caused them) goes to the event log only if it takes it."""
    for event in turn.events:
        emit(on_event, event, said)


__all__ = ["run_text_kiosk", "print_turn", "EventKind"]
