"""The text kiosk: typed (or piped) lines in, printed replies out, same dialogue as the voice kiosk."""
from __future__ import annotations

import select
import sys
import time
from typing import Callable, TextIO

from .dialogue import Dialogue, Event, EventKind, State, Turn
from .operations import emit, report_error

EventSink = Callable[[Event], None]


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
                   resume: State | None = None) -> int:
    """Run sessions until end of input. Idle time is measured here (the edge), not in the dialogue.

    ``resume`` continues a voice session that lost its microphone or recognizer: its last replies (the
    emergency prompt, when that is where it was) are shown again."""
    interactive = hasattr(stdin, "isatty") and stdin.isatty()
    if resume is None:
        state, turn = dialogue.start()
    else:
        state, turn = resume, dialogue.resume(resume)
    print_turn(turn, out)
    last_input = clock()
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
            out.write(f"Kiosk: I could not read that input ({err.__class__.__name__}). Please type again.\n")
            report_error(on_event, "keyboard", f"typed input could not be read ({err.__class__.__name__}: {err})")
            continue
        except KeyboardInterrupt:
            out.write("\n")
            return 0
        if not line:
            return 0
        last_input = clock()
        said = line.rstrip("\n")
        state, turn = dialogue.hear(state, said)
        print_turn(turn, out)
        _emit(turn, on_event, said)


def _emit(turn: Turn, on_event: EventSink | None, said: str = "") -> None:
    """The turn's events; ``said`` (the line that caused them) goes to the event log only if it takes it."""
    for event in turn.events:
        emit(on_event, event, said)


__all__ = ["run_text_kiosk", "print_turn", "EventKind"]
