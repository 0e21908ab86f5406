"""The text kiosk: typed (or piped) lines in, printed replies out; the conversation is the shared driver."""
from __future__ import annotations

import logging
import select
import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..core.conversation import Conversation
from ..core.dialogue import Dialogue, Event, EventKind, State, Turn
from ..ops.events import report_error

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
                   sleep: Callable[[float], None] = time.sleep, live: Callable[[], Dialogue] | None = None,
                   conversation: Conversation | None = None) -> int:
    """Run sessions until end of input (exit status 0): lines in, printed turns out. The conversation itself
    (state, idle timing, events, live content) is the shared driver, kiosk.core.conversation.

    ``resume`` continues a voice session that lost its microphone or recognizer: its last replies (the
    emergency prompt, when that is where it was) are shown again.

    End of input: piped input (one line a turn) always ends the kiosk at its end. On a terminal, Ctrl+D
    ends it too, unless ``unattended``: then the session is forgotten and, after ``restart_pause_s``, the
    kiosk greets the next person (a kiosk nobody watches must not be ended by a key press). A terminal that
    keeps failing to read (hung up) ends the kiosk with status 1, so its service manager can start it afresh.

    ``live`` gives the dialogue for each new session (content edited while running, see
    :class:`kiosk.ops.live_content.LiveContent`); a session in progress keeps the content it started with.
    ``conversation`` (instead of ``dialogue``, ``on_event`` and ``live``) is one already shared with another face.
    """
    interactive = hasattr(stdin, "isatty") and stdin.isatty()
    talk = conversation or Conversation(dialogue, live=live, on_event=on_event)
    on_event = talk.on_event
    if resume is None:
        turn = talk.start(clock())
    else:
        turn = talk.resume(resume, clock())
    print_turn(turn, out)
    read_errors = 0
    ends = 0
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        deadline = talk.next_deadline()
        if deadline is not None and not _wait_for_line(stdin, max(0.0, deadline - clock())):
            idle_turn = talk.tick(clock())
            if idle_turn is not None:
                if interactive:
                    out.write("\n")
                print_turn(idle_turn, out)
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
            # End of input at an unattended kiosk: a short pause, so a held Ctrl+D does not flood the screen
            # with greetings, then the session is forgotten and the next person greeted.
            out.write("\n")
            out.flush()
            sleep(restart_pause_s)
            print_turn(talk.reset("end of input", clock()), out)
            continue
        ends = 0
        print_turn(talk.hear(line.rstrip("\n"), clock(), source="text"), out)


__all__ = ["run_text_kiosk", "print_turn", "EventKind"]
