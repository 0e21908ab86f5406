#!/usr/bin/env python3
"""Soak and fault run: many scripted sessions back to back in one process, with faults injected.

    .venv/bin/python scripts/soak.py [--text-sessions 10000] [--voice-sessions 40] [--seed 7] [--out benchmarks/soak.md]

Text part. Every session goes through the real text kiosk loop (kiosk.textmode.run_text_kiosk), with the
real event router (event log in a temporary folder, staff alerts through the `true` command) and the real
live content (kiosk.live_content.LiveContent). The input is an in-memory stream played by a scripted
visitor who reads the replies written to an in-memory screen (io.StringIO) and answers what was asked;
idle time is a fake clock the visitor moves on, so idle warnings and resets cost no real time. Sessions
are served in runs of 1 to 25 back to back (a kiosk restarted now and then by its service manager).

The sessions are built from the content's regression cases (content/cases.toml) and a stated mix
(MIX below, about 15% emergencies): most run the full flow (description, red-flag screening answer,
follow-up answers in varied yes/no forms, summary, "anything else?" no), others bring commands, idle
warnings and resets, hedged red flags, out-of-scope requests, garbage and very long input. A session
"ended well" when it reached the end its script expects (see ``Visit.verdict``), with no exception, at
least one reply to every line and every idle step, and an emergency prompt exactly when the script has
a red flag. Faults injected part way: the log disk fills up (a 128 KB tmpfs when run as root, otherwise
the log folder is made read-only), the content becomes unparsable, then its folder is deleted (the kiosk
keeps the last good content), then it is restored (picked up again).

Voice part: recordings synthesized with espeak-ng, through webrtcvad and Whisper, with every fourth session
given a fault: the microphone vanishes mid-sentence, the recognizer raises or hangs, the speech engine fails.

Prints: the session mix and how each kind ended; sessions run, faults injected, sessions that ended well
(and the first few that did not), emergency prompts, missed emergencies, staff alerts raised, delivered
and dropped, memory (RSS) at start, at 10% and at the end, threads and open file descriptors at start and
end. Exit status 1 when a text session did not end well or the text run leaked threads or files.
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import io
import itertools
import logging
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.core.content import Case, KnowledgeBase, load_cases, load_knowledge_base  # noqa: E402
from kiosk.core.dialogue import Dialogue, Event, EventKind, Phase  # noqa: E402
from kiosk.ops.settings import Settings  # noqa: E402

# The session mix: (kind, share of sessions). Emergencies: 8 + 3 + 3 + 1 = 15%.
MIX: tuple[tuple[str, float], ...] = (
    ("full flow", 0.41),
    ("full flow with commands", 0.08),
    ("full flow with an idle warning", 0.05),
    ("hedged red flag, denied", 0.03),
    ("very long input, then the flow", 0.03),
    ("emergency described", 0.08),
    ("emergency part way", 0.03),
    ("hedged red flag, confirmed", 0.03),
    ("very long input with a red flag", 0.01),
    ("out of scope", 0.08),
    ("talk to a person", 0.04),
    ("start over", 0.03),
    ("walks away (idle reset)", 0.05),
    ("garbage input", 0.05),
)
EMERGENCY_KINDS = frozenset({"emergency described", "emergency part way", "hedged red flag, confirmed",
                             "very long input with a red flag"})

# How people answer. Only clear no's go to the red-flag screening question (anything else is taken as yes).
NO_FORMS = ("no", "No.", "nope", "nah", "NO!", "not really", "no i do not", "none of those", "no, none of that",
            "never", "not at all", "i do not think so", "no it did not", "i have not", "No, no.")
YES_FORMS = ("yes", "Yes.", "yeah", "yep", "yes i do", "i think so", "a little", "sometimes", "definitely",
             "uh huh", "Yes!", "YES", "sure", "i do")
UNSURE_FORMS = ("maybe", "i am not sure", "i do not know", "kind of", "probably not", "not sure")
DONE_FORMS = ("no", "no thanks", "no thank you", "nope", "no, nothing else", "not really", "No.")
STILL_HERE = ("yes", "yes please", "yeah", "Yes.", "sure")
COMMANDS = (("repeat", "repeat"), ("say that again", "repeat"), ("What?", "repeat"), ("pardon", "repeat"),
            ("help", "help"), ("what can i say", "help"), ("louder", "louder"), ("Speak up please", "louder"),
            ("slower", "slower"), ("slow down", "slower"), ("softer", "softer"), ("faster", "faster"))
STAFF_PHRASES = ("i want to talk to a person", "can i speak to a nurse", "get me a staff member", "I need a human!",
                 "talk to a person please")
START_OVER = ("start over", "Start again.", "restart", "let us start over")
GOODBYE = ("goodbye", "bye", "Bye!", "never mind", "that is all", "ok bye")
AFTER_EMERGENCY = ("ok", "what should i do", "is it serious?", "my lip is still twitching", "repeat", "help")
JUNK = ("", " ", "asdf qwerty", "\x00\x07\x1b[2J", "🙂🙂🙂", "SELECT * FROM users; DROP TABLE cases;--",
        "$(rm -rf /) `reboot` && echo pwned | sh", "?!?!...", "кто здесь", "我的嘴唇", "\u202e\u200b\ufeff",
        "%s%s%n{0}{}", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "<script>alert(1)</script>", "qwx zzv blorp")
HEDGES = ("{t}, not sure if my arm is weak", "{t} and i am not sure if my face is numb",
          "{t} and i do not know if my face is drooping", "{t} and i fainted once as a teenager",
          "{t} and the left side of my face feels...")
LONG_FILLER = ("and then i went to work and came home and made dinner and watched the news and went to bed "
               "and the next day it was the same again")
LONG_SIZES = (2_500, 5_000, 20_000, 100_000)
"""Characters in a very long line (the kiosk analyses up to kiosk.text.MAX_CHARS and asks for fewer words)."""
RUN_LENGTHS = range(1, 26)
"""Sessions served by one run of the text kiosk before it is started again."""
MAX_ACTIONS = 40
"""A visit that takes more turns than this has lost its way (counted as not ended well)."""
SHOW_FAILURES = 5


def rss_mb() -> float:
    """Resident memory now, from /proc (peak RSS would never come down, so it cannot show a leak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_files() -> int:
    """Open file descriptors of this process (the listing's own descriptor included, at start and end alike)."""
    return len(os.listdir("/proc/self/fd"))


def snapshot() -> dict[str, Any]:
    gc.collect()
    return {"rss": rss_mb(), "threads": threading.active_count(), "files": open_files(),
            "thread names": sorted(t.name for t in threading.enumerate())}


# --- the scripted visitor -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Idle:
    """The visitor says nothing for this many seconds (on the fake clock)."""

    seconds: float


class Screen(io.StringIO):
    """The kiosk's output: an in-memory text stream that also keeps what was written since it was last read."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh: list[str] = []

    def write(self, s: str) -> int:
        self.fresh.append(s)
        return super().write(s)

    def take(self) -> str:
        text = "".join(self.fresh)
        self.fresh.clear()
        return text


def replies(shown: str) -> list[str]:
    return [line for line in shown.splitlines() if line.startswith(("Kiosk: ", "!! "))]


class Texts:
    """What the kiosk says, from the content, to recognise what is on the screen."""

    def __init__(self, kb: KnowledgeBase, dialogue: Dialogue) -> None:
        d = kb.dialogue
        self.d = d
        self.kinds: dict[str, str] = {d["screening_question"]: "screening", d["anything_else"]: "anything_else",
                                      d["idle_warning"]: "idle_warning", d["greeting"]: "describe",
                                      d["ask_describe"]: "describe"}
        for flag in kb.red_flags:
            if flag.question:
                self.kinds[flag.question] = "red_flag"
            self.kinds[d["red_flag_confirm"].format(flag=flag.name)] = "red_flag"
        for cause in kb.causes:
            for q in cause.questions:
                self.kinds.setdefault(q, "cause")
        self.warn_s = dialogue.idle_warning_s
        self.timeout_s = dialogue.idle_timeout_s

    def kind(self, shown: str) -> str:
        """What the kiosk's last line asks: screening, red_flag, cause, anything_else, idle_warning, describe,
        emergency, or other."""
        lines = replies(shown)
        if not lines:
            return "nothing"
        last = lines[-1]
        if last.startswith("!! "):
            return "emergency"
        return self.kinds.get(last[len("Kiosk: "):], "other")

    def says(self, shown: str, key: str) -> bool:
        return self.d[key] in shown


class Visit:
    """One person's session: a script (a generator of lines and idle steps that sees each reply), what the
    kiosk showed and recorded for it, and the checks of how it ended."""

    def __init__(self, number: int, kind: str, script: Callable[[Visit], Generator], rng: random.Random,
                 texts: Texts, case: Case) -> None:
        self.number, self.kind, self.case, self.case_id = number, kind, case, case.id
        self.rng, self.t = rng, texts
        self.expect: set[str] = set()
        """What must have happened: summary, emergency, out_of_scope, nothing_found, idle_reset, start_over, staff,
        not_understood, too_long, idle_warning."""
        self.events: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.transcript: list[str] = []
        self.seen: set[str] = set()
        self.urgent = False
        self.actions = 0
        self.error = ""
        self.closing = False
        self.notes: list[str] = []
        """Shown with a failure: what the script put in that the transcript does not show."""
        self.gen = script(self)

    # the script's helpers
    def require(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)

    def pick(self, options):
        return self.rng.choice(options)

    def typed(self, text: str) -> str:
        """A case's text as a person might type it: as is, in a sentence, with filler, in capitals."""
        r = self.rng.random()
        if r < 0.5:
            return text
        if r < 0.7:
            return text[:1].upper() + text[1:] + self.pick((".", "!", "...", "?"))
        if r < 0.85:
            return self.pick(("um, ", "so ", "well, ", "hi. ", "Hello, ")) + text + self.pick(("", " please help", ". thanks"))
        if r < 0.95:
            return "  " + text.replace(" ", "  ") + " \t"
        return text.upper()

    # what the kiosk did
    def saw(self, action: Any, shown: str) -> None:
        lines = replies(shown)
        label = (f"<idle {action.seconds:g} s>" if isinstance(action, Idle) else repr(action[:80])
                 + (f" ({len(action)} characters)" if len(action) > 80 else ""))
        self.transcript.append(f"  > {label}")
        self.transcript += [f"    {line[:160]}" for line in lines]
        if not lines:
            self.problems.append(f"no reply to {label}")
        self.urgent |= any(line.startswith("!! ") for line in lines)
        for key in ("goodbye", "out_of_scope", "nothing_found", "idle_warning", "idle_reset", "start_over", "staff_alert",
                    "not_understood_again", "too_long", "summary_home", "summary_none"):
            if self.t.says(shown, key):
                self.seen.add(key)

    def verdict(self) -> list[str]:
        """Why this session did not end well (empty when it did)."""
        why = list(self.problems)
        if self.error:
            return [self.error] + why
        why += self._end_checks()
        return list(dict.fromkeys(why))  # each reason once

    def _end_checks(self) -> list[str]:
        why: list[str] = []
        kinds = [k for k, _ in self.events]
        details = dict(self.events)
        if not kinds or kinds[0] != EventKind.SESSION_START.value:
            why.append("no session_start event first")
        ends = [i for i, k in enumerate(kinds) if k == EventKind.SESSION_END.value]
        if len(ends) != 1 or ends[0] != len(kinds) - 1:
            why.append(f"expected one session_end, last; events were {kinds}")
        end_detail = details.get(EventKind.SESSION_END.value)
        alerts = [d for k, d in self.events if k == EventKind.STAFF_ALERT.value]
        if "emergency" in self.expect:
            if not self.urgent:
                why.append("no emergency prompt")
            if EventKind.EMERGENCY.value not in kinds or "emergency" not in alerts:
                why.append("no emergency and staff-alert events")
        elif self.urgent:
            why.append("an emergency prompt the script did not call for")
        if "summary" in self.expect:
            if EventKind.SUMMARY.value not in kinds or not self.seen & {"summary_home", "summary_none"}:
                why.append("no summary")
            if "goodbye" not in self.seen or end_detail != "done":
                why.append("no goodbye after 'anything else?'")
        checks = {"out_of_scope": ("out_of_scope" in self.seen, "no out-of-scope reply"),
                  "nothing_found": ("nothing_found" in self.seen, "no way back after the safety question"),
                  "idle_warning": ("idle_warning" in self.seen, "no idle warning"),
                  "idle_reset": ("idle_reset" in self.seen and end_detail == "idle", "no idle reset"),
                  "start_over": ("start_over" in self.seen and end_detail == "start_over", "no start over"),
                  "staff": ("staff_alert" in self.seen and "asked for a person" in alerts, "no staff alert"),
                  "not_understood": ("not_understood_again" in self.seen and "not understood" in alerts,
                                     "no staff alert after repeated misunderstanding"),
                  "too_long": ("too_long" in self.seen, "no 'too long' reply")}
        for key, (ok, what) in checks.items():
            if key in self.expect and not ok:
                why.append(what)
        return why


EOF = object()


class Visitors(io.TextIOBase):
    """The kiosk's input: lines typed by one scripted visitor after another, each reacting to the screen.

    The text loop asks the clock, then (mid-session) whether a line is ready, then reads it. The next action
    is decided when the kiosk has answered the last one: a line is ready at once (like io.StringIO, this
    stream has no file descriptor); an idle step moves the fake clock on and offers an empty pipe, so the
    loop's wait runs out and the kiosk's idle handling runs.
    """

    def __init__(self, visits: Iterator[Visit], screen: Screen, idle_fd: int, done: Callable[[Visit], None]) -> None:
        super().__init__()
        self.visits, self.screen, self.idle_fd, self.done = visits, screen, idle_fd, done
        self.now = 0.0
        self.current: Visit | None = None
        self.pending: Any = None
        self.last: Any = None
        self.applied = False
        self.lines = 0

    def isatty(self) -> bool:
        return False

    def clock(self) -> float:
        if self.pending is None and self.screen.fresh:
            self._decide()
        if isinstance(self.pending, Idle) and not self.applied:
            self.now += self.pending.seconds
            self.applied = True
        return self.now

    def fileno(self) -> int:
        if self.pending is None:
            self._decide()
        if isinstance(self.pending, Idle):
            self.last, self.pending = self.pending, None
            return self.idle_fd
        raise io.UnsupportedOperation("in-memory input: a line is ready")

    def readline(self, size: int = -1) -> str:  # noqa: ARG002 - the kiosk reads whole lines
        if self.pending is None:
            self._decide()
        action, self.pending = self.pending, None
        if action is EOF:
            self.pending = EOF
            return ""
        if isinstance(action, Idle):  # an idle step while no session was open: the kiosk just waits
            self.last = action
            return self.readline()
        self.last = action
        self.lines += 1
        return action.replace("\n", " ") + "\n"

    def _decide(self) -> None:
        shown = self.screen.take()
        if self.current is not None and self.last is not None:
            self.current.saw(self.last, shown)
        while True:
            if self.current is None:
                self.current = next(self.visits, None)
                if self.current is None:
                    self.pending = EOF
                    return
                send: Any = None
            else:
                send = shown
            visit = self.current
            try:
                action = visit.gen.send(send) if send is not None else next(visit.gen)
                visit.actions += 1
                if visit.actions > MAX_ACTIONS:
                    visit.gen.close()
                    raise StopIteration
            except StopIteration:
                if not visit.closing and EventKind.SESSION_END.value not in (k for k, _ in visit.events):
                    # The script ended with the session still open: reset the kiosk, as staff would, so
                    # the next visitor does not inherit it (this visit is not counted as ended well).
                    visit.closing = True
                    visit.problems.append("the session did not end; the kiosk was reset with 'start over'")
                    self.pending, self.applied, self.last = "start over", False, None
                    return
                self.finish()
                continue
            self.pending, self.applied, self.last = action, False, None
            return

    def finish(self, error: str = "") -> None:
        if self.current is not None:
            visit, self.current = self.current, None
            if error:
                visit.error = error
            if visit.actions > MAX_ACTIONS:
                visit.problems.append(f"more than {MAX_ACTIONS} turns")
            visit.gen.close()
            self.done(visit)
        self.last = None


# --- the scripts: one generator per kind of session ----------------------------------------------------

Script = Generator[Any, str, str]


def answer_until_summary(v: Visit, shown: str, commands: int = 0, idle: bool = False) -> Script:
    """Answer the kiosk's questions as a person without a red flag, until 'anything else?' (after the
    summary). ``commands`` commands and an ``idle`` pause are put in at question points."""
    extras = ["command"] * commands + (["idle"] if idle else [])
    v.rng.shuffle(extras)
    for _ in range(15):
        kind = v.t.kind(shown)
        if kind == "anything_else":
            if extras:  # a command at the last question: "help" at "anything else?"
                shown = yield from do_extra(v, shown, extras.pop())
            return shown
        if kind not in ("screening", "red_flag", "cause"):
            v.require(False, f"unexpected reply while answering questions: {replies(shown)[-1:]}")
            return shown
        if extras and v.rng.random() < 0.5:
            shown = yield from do_extra(v, shown, extras.pop())
            continue
        if kind in ("screening", "red_flag"):
            shown = yield v.pick(NO_FORMS)
        else:
            r = v.rng.random()
            shown = yield v.pick(YES_FORMS if r < 0.45 else NO_FORMS if r < 0.85 else UNSURE_FORMS)
    v.require(False, "no summary after 15 answers")
    return shown


def do_extra(v: Visit, shown: str, extra: str) -> Script:
    """A command or an idle pause at a question; the same question must be open afterwards."""
    before = v.t.kind(shown)
    question = replies(shown)[-1]
    if extra == "idle":
        shown = yield Idle(v.t.warn_s + 1)
        v.require(v.t.kind(shown) == "idle_warning", "no idle warning")
        shown = yield v.pick(STILL_HERE)
        v.require(replies(shown)[-1:] == [question], "the open question was not asked again after the idle warning")
        return shown
    said, command = v.pick(COMMANDS)
    shown = yield said
    if command == "repeat":
        v.require(question in replies(shown), f"{said!r} did not repeat the question")
    else:
        key = "help" if command == "help" else command
        v.require(v.t.says(shown, key), f"no reply to {said!r}")
        if before != "anything_else":
            v.require(replies(shown)[-1:] == [question], f"the question was not asked again after {said!r}")
    return shown


def finish_flow(v: Visit, shown: str) -> Script:
    """At 'anything else?': sometimes a second problem first, then no: the goodbye."""
    if v.rng.random() < 0.1:
        shown = yield v.typed(v.pick(CASES.ordinary).text)
        shown = yield from answer_until_summary(v, shown)
    shown = yield v.pick(DONE_FORMS)
    return shown


def end_emergency(v: Visit, shown: str) -> Script:
    """After the emergency prompt: a question or two (the prompt again each time), then staff take over or
    the person leaves."""
    v.require(v.t.kind(shown) == "emergency", "no emergency prompt")
    for _ in range(v.rng.randint(0, 2)):
        shown = yield v.pick(AFTER_EMERGENCY)
        v.require("!! " in shown, "the emergency prompt was not repeated")
    r = v.rng.random()
    if r < 0.15:
        shown = yield v.pick(STAFF_PHRASES)
        v.require("!! " in shown, "the emergency prompt was not repeated with the staff alert")
    if r < 0.55:
        shown = yield v.pick(START_OVER)  # staff arrive and reset the kiosk
    elif r < 0.85:
        shown = yield Idle(v.t.warn_s + 1)
        v.require("!! " in shown, "the emergency prompt was not repeated when idle")
        shown = yield Idle(v.t.timeout_s - v.t.warn_s)
    else:
        shown = yield v.pick(GOODBYE)
    return shown


def walk_away(v: Visit, shown: str) -> Script:
    shown = yield Idle(v.t.warn_s + 1)
    v.require(v.t.kind(shown) == "idle_warning", "no idle warning")
    shown = yield Idle(v.t.timeout_s - v.t.warn_s)
    return shown


def some_answers(v: Visit, shown: str, most: int = 2) -> Script:
    """Answer up to ``most`` of the kiosk's questions (no red flag)."""
    for _ in range(v.rng.randint(0, most)):
        kind = v.t.kind(shown)
        if kind in ("screening", "red_flag"):
            shown = yield v.pick(NO_FORMS)
        elif kind == "cause":
            shown = yield v.pick(YES_FORMS + NO_FORMS)
        else:
            break
    return shown


def s_full(v: Visit) -> Script:
    v.expect |= {"summary"}
    shown = yield v.typed(v.case.text)
    shown = yield from answer_until_summary(v, shown)
    yield from finish_flow(v, shown)


def s_full_commands(v: Visit) -> Script:
    v.expect |= {"summary"}
    shown = yield v.typed(v.case.text)
    shown = yield from answer_until_summary(v, shown, commands=v.rng.randint(1, 3))
    yield from finish_flow(v, shown)


def s_full_idle(v: Visit) -> Script:
    v.expect |= {"summary", "idle_warning"}
    shown = yield v.typed(v.case.text)
    shown = yield from answer_until_summary(v, shown, idle=True)
    yield from finish_flow(v, shown)


def s_hedged(v: Visit, confirm: bool) -> Script:
    v.expect |= {"emergency"} if confirm else {"summary"}
    shown = yield v.pick(HEDGES).format(t=v.case.text)
    if confirm and v.t.kind(shown) == "emergency":  # taken as a red flag at once: the cautious side, fine
        yield from end_emergency(v, shown)
        return
    v.require(v.t.kind(shown) == "red_flag", "a hedged red flag was not asked about")
    if confirm:
        shown = yield v.pick(YES_FORMS + UNSURE_FORMS)
        yield from end_emergency(v, shown)
    else:
        shown = yield v.pick(NO_FORMS)
        shown = yield from answer_until_summary(v, shown)
        yield from finish_flow(v, shown)


def confirm_if_asked(v: Visit, shown: str) -> Script:
    """A sign the kiosk asks about instead of raising at once (said as a question, with a time or a cause that
    may explain it): the visitor, who has it, says yes."""
    for _ in range(3):
        if v.t.kind(shown) not in ("red_flag", "screening"):
            break
        shown = yield v.pick(YES_FORMS)
    return shown


def s_emergency(v: Visit) -> Script:
    v.expect |= {"emergency"}
    shown = yield v.typed(v.case.text)
    shown = yield from confirm_if_asked(v, shown)
    yield from end_emergency(v, shown)


def s_emergency_part_way(v: Visit) -> Script:
    v.expect |= {"emergency"}
    shown = yield v.typed(v.case.text)
    shown = yield from some_answers(v, shown, most=3)
    shown = yield v.typed(v.pick(CASES.emergency).text)
    shown = yield from confirm_if_asked(v, shown)
    yield from end_emergency(v, shown)


def long_text(v: Visit, inside: str) -> str:
    size = v.pick(LONG_SIZES)
    story = [v.case.text]
    while sum(map(len, story)) < size:
        story.append(LONG_FILLER)
    if inside:
        story.insert(v.rng.randint(1, len(story)), inside)
    return " ".join(story)


def s_long(v: Visit) -> Script:
    v.expect |= {"too_long", "summary"}
    shown = yield long_text(v, "")
    shown = yield v.typed(v.case.text)
    shown = yield from answer_until_summary(v, shown)
    yield from finish_flow(v, shown)


def s_long_red_flag(v: Visit) -> Script:
    v.expect |= {"emergency"}
    inside = v.pick(CASES.emergency)
    v.notes.append(f"the red flag inside: {inside.id} {inside.text!r}")
    shown = yield long_text(v, inside.text + ".")
    shown = yield from confirm_if_asked(v, shown)
    yield from end_emergency(v, shown)


def s_out_of_scope(v: Visit) -> Script:
    shown = yield v.typed(v.case.text)
    if v.t.says(shown, "unclear_screening_question"):
        # a line it cannot place gets one safety question first; a no leads back to listening
        v.expect |= {"nothing_found"}
        shown = yield v.pick(NO_FORMS)
    else:
        v.expect |= {"out_of_scope"}
    if v.rng.random() < 0.6:
        yield v.pick(GOODBYE)
    else:
        yield from walk_away(v, shown)


def s_staff(v: Visit) -> Script:
    v.expect |= {"staff"}
    shown = ""
    if v.rng.random() < 0.7:
        shown = yield v.typed(v.case.text)
        shown = yield from some_answers(v, shown)
    shown = yield v.pick(STAFF_PHRASES)
    if v.rng.random() < 0.6:
        yield v.pick(GOODBYE)  # the staff member ends it
    else:
        yield from walk_away(v, shown)


def s_start_over(v: Visit) -> Script:
    v.expect |= {"start_over"}
    shown = yield v.typed(v.case.text)
    shown = yield from some_answers(v, shown)
    yield v.pick(START_OVER)


def s_idle_reset(v: Visit) -> Script:
    v.expect |= {"idle_reset"}
    shown = yield v.typed(v.case.text)
    shown = yield from some_answers(v, shown)
    yield from walk_away(v, shown)


def s_garbage(v: Visit) -> Script:
    v.expect |= {"not_understood"}
    shown = ""
    for _ in range(4):
        shown = yield v.pick(JUNK)
        if v.t.says(shown, "not_understood_again"):
            break
    if v.rng.random() < 0.6:
        yield v.pick(GOODBYE)
    else:
        yield from walk_away(v, shown)


@dataclasses.dataclass
class CasePools:
    ordinary: list[Case]
    """In scope, no red flag: the full flow."""
    plain: list[Case]
    """Ordinary cases that deny nothing: a hedged red flag added to one does not contradict it ("no numbness
    ... and I am not sure if my face is numb")."""
    emergency: list[Case]
    out_of_scope: list[Case]


CASES: CasePools  # set by build_visits


SCRIPTS: dict[str, tuple[Callable[[Visit], Script], str]] = {
    "full flow": (s_full, "ordinary"),
    "full flow with commands": (s_full_commands, "ordinary"),
    "full flow with an idle warning": (s_full_idle, "ordinary"),
    "hedged red flag, denied": (lambda v: s_hedged(v, False), "plain"),
    "very long input, then the flow": (s_long, "ordinary"),
    "emergency described": (s_emergency, "emergency"),
    "emergency part way": (s_emergency_part_way, "ordinary"),
    "hedged red flag, confirmed": (lambda v: s_hedged(v, True), "plain"),
    "very long input with a red flag": (s_long_red_flag, "ordinary"),
    "out of scope": (s_out_of_scope, "out_of_scope"),
    "talk to a person": (s_staff, "ordinary"),
    "start over": (s_start_over, "ordinary"),
    "walks away (idle reset)": (s_idle_reset, "ordinary"),
    "garbage input": (s_garbage, "ordinary"),
}


def case_pools(kb: KnowledgeBase) -> CasePools:
    cases = [c for c in kb.cases if c.text]
    if not cases and kb.root is not None:  # a knowledge base loaded without its cases
        cases = list(load_cases(kb.root / "cases.toml"))
    from kiosk.core.text import tokens
    from kiosk.core.triage.negation import NEGATION_CUES

    ordinary = [c for c in cases if c.in_scope and c.emergency is False]
    return CasePools(ordinary=ordinary, plain=[c for c in ordinary if not set(tokens(c.text)) & NEGATION_CUES],
                     emergency=[c for c in cases if c.in_scope and c.emergency],
                     out_of_scope=[c for c in cases if not c.in_scope])


def session_kinds(n: int, rng: random.Random) -> list[str]:
    """Exactly the stated mix for n sessions (largest remainders), in a seeded random order."""
    raw = [(kind, share * n) for kind, share in MIX]
    counts = {kind: int(x) for kind, x in raw}
    for kind, _x in sorted(raw, key=lambda kx: kx[1] - int(kx[1]), reverse=True)[: n - sum(counts.values())]:
        counts[kind] += 1
    kinds = [kind for kind, _ in MIX for _ in range(counts[kind])]
    rng.shuffle(kinds)
    return kinds


def build_visits(n: int, pools: CasePools, texts: Texts, seed: int) -> Iterator[Visit]:
    global CASES
    CASES = pools
    rng = random.Random(seed)
    for number, kind in enumerate(session_kinds(n, rng)):
        script, pool = SCRIPTS[kind]
        case = rng.choice(getattr(CASES, pool))
        yield Visit(number, kind, script, random.Random(rng.random()), texts, case)


# --- the text soak -------------------------------------------------------------------------------------


class Sink:
    """The real event router, with each dialogue event also noted on the session it belongs to."""

    takes_transcript = True

    def __init__(self, router: Any, visitors: Callable[[], Visitors | None], tally: Counter) -> None:
        self.router, self.visitors, self.tally = router, visitors, tally

    def __call__(self, event: Any, transcript: str = "") -> None:
        if isinstance(event, Event):
            stream = self.visitors()
            if stream is not None and stream.current is not None:
                stream.current.events.append((event.kind.value, event.detail))
            if event.kind is EventKind.STAFF_ALERT:
                self.tally["alerts raised"] += 1
        else:
            self.tally[f"error events: {getattr(event, 'source', '?')}"] += 1
        self.router(event, transcript=transcript)


def text_soak(n: int, content: Path, seed: int = 7, progress: bool = False) -> dict:
    """n scripted sessions through the real text kiosk loop, event router, event log and live content."""
    from kiosk.faces.cli import make_dialogue
    from kiosk.faces.textmode import run_text_kiosk
    from kiosk.ops.events import event_handler, report_error
    from kiosk.ops.live_content import LiveContent

    work = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    content_copy = work / "content"
    shutil.copytree(content, content_copy)
    (work / "log").mkdir()
    settings = Settings(content=content_copy, event_log=str(work / "log"), staff_alert_bell=False,
                        staff_alert_command=("true",), event_log_max_bytes=200_000)
    kb = load_knowledge_base(content_copy)
    dialogue = make_dialogue(settings, kb)
    texts = Texts(kb, dialogue)
    rng = random.Random(seed)
    visits = build_visits(n, case_pools(kb), texts, seed)
    stats: dict[str, Any] = {"sessions": 0, "ok": 0, "faults": 0, "emergencies": 0, "missed": 0,
                             "false alarms": 0, "errors": 0, "kinds": Counter(), "kinds ok": Counter(),
                             "failures": [], "fault list": [], "rss curve": []}
    tally: Counter = Counter()

    # A real full disk: the log folder is a 128 KB tmpfs that fills up during the run (needs root).
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(work / "log")], capture_output=True).returncode == 0

    def done(visit: Visit) -> None:
        stats["sessions"] += 1
        stats["kinds"][visit.kind] += 1
        stats["emergencies"] += visit.urgent
        if visit.kind in EMERGENCY_KINDS and not visit.urgent:
            stats["missed"] += 1
        if visit.kind not in EMERGENCY_KINDS and visit.urgent:
            stats["false alarms"] += 1
        stats["errors"] += bool(visit.error)
        why = visit.verdict()
        if not why:
            stats["ok"] += 1
            stats["kinds ok"][visit.kind] += 1
        elif len(stats["failures"]) < SHOW_FAILURES:
            stats["failures"].append(f"session {visit.number} ({visit.kind}, case {visit.case_id}): "
                                     + "; ".join(why) + "".join(f"\n  {note}" for note in visit.notes)
                                     + "\n" + "\n".join(visit.transcript[-30:]))
        if progress and stats["sessions"] % 1000 == 0:
            print(f"  {stats['sessions']} sessions, {stats['ok']} ended well", file=sys.stderr)

    def fault(i: int) -> None:
        """Faults at fixed points of the run, between runs of the kiosk."""
        if i >= n // 3 and "log" not in done_faults:
            done_faults.add("log")
            if not mounted:
                os.chmod(work / "log", stat.S_IRUSR | stat.S_IXUSR)
            stats["fault list"].append("log disk a 128 KB tmpfs, which fills up" if mounted
                                       else f"log folder read-only from session {i}")
        if i >= 2 * n // 5 and "broken" not in done_faults:
            done_faults.add("broken")
            with open(content_copy / "red_flags.toml", "a", encoding="utf-8") as f:
                f.write("\n[[red_flag\nthis is not toml = \n")
            stats["fault list"].append(f"content file made unparsable at session {i}")
        if i >= n // 2 and "deleted" not in done_faults:
            done_faults.add("deleted")
            shutil.rmtree(content_copy, ignore_errors=True)
            stats["fault list"].append(f"content folder deleted at session {i}")
        if i >= 3 * n // 4 and "restored" not in done_faults:
            done_faults.add("restored")
            shutil.copytree(content, content_copy)
            stats["fault list"].append(f"content folder restored at session {i} (picked up again)")

    done_faults: set[str] = set()
    current: list[Visitors | None] = [None]
    start = snapshot()
    t0 = time.perf_counter()
    idle_r, idle_w = os.pipe()  # never written: "no line yet" for the kiosk's idle wait
    with event_handler(settings) as router:
        original = router.alerter.on_outcome

        def outcome(o: Any) -> None:
            tally["alerts delivered" if o.delivered else
                  "alerts dropped" if "dropped" in o.error else "alerts failed"] += 1
            original(o)

        router.alerter.on_outcome = outcome
        sink = Sink(router, lambda: current[0], tally)
        live = LiveContent(content_copy, dialogue, lambda new_kb: make_dialogue(settings, new_kb),
                           on_problem=lambda line: report_error(sink, "content", line))
        del kb, dialogue  # from here on only the kiosk holds its content (a reload must free the old one)
        pending = iter(visits)
        while True:
            first = next(pending, None)
            if first is None:
                break
            fault(first.number)
            while first.number >= len(stats["rss curve"]) * n / 10:  # every tenth of the run
                stats["rss curve"].append(rss_mb())
                if len(stats["rss curve"]) == 2:
                    stats["rss_10pct"] = stats["rss curve"][1]
            block = itertools.chain([first], itertools.islice(pending, rng.choice(RUN_LENGTHS) - 1))
            screen = Screen()
            stream = Visitors(block, screen, idle_r, done)
            current[0] = stream
            try:
                status = run_text_kiosk(live(), stream, screen, on_event=sink, clock=stream.clock, live=live)
                if status != 0:
                    stream.finish(f"the text kiosk ended with status {status}")
            except Exception as err:  # noqa: BLE001 - counted and shown, never hidden
                stream.finish(f"{err.__class__.__name__}: {err}")
                print("".join(traceback.format_exc(limit=-4)), file=sys.stderr)
            for rest in stream.visits:  # the visitors who did not get their turn (after a crash)
                stream.current = rest
                stream.finish("not served: the kiosk run ended early")
            current[0] = None
        stats["seconds"] = time.perf_counter() - t0
        log_stats = (getattr(router.event_log, "written", 0), getattr(router.event_log, "failures", 0))
    os.close(idle_r)
    os.close(idle_w)
    end = snapshot()
    stats["faults"] = len(stats["fault list"])
    stats["alerts"] = dict(tally)
    stats["log"] = {"mounted": mounted, "written": log_stats[0], "failed": log_stats[1],
                    "bytes": sum(f.stat().st_size for f in (work / "log").iterdir())}
    if mounted:
        subprocess.run(["umount", str(work / "log")], capture_output=True)
    os.chmod(work / "log", stat.S_IRWXU)
    shutil.rmtree(work, ignore_errors=True)
    return {**stats, "start": start, "end": end}


# --- the voice soak ------------------------------------------------------------------------------------


def voice_soak(n: int, content: Path, seed: int = 11) -> dict:
    """n sessions from synthesized recordings through webrtcvad + Whisper; every fourth gets a fault."""
    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.audio import MemorySource, read_wav
    from kiosk.speech.faults import FailingRecognizer, FailingSpeaker, VanishingSource
    from kiosk.speech.tts import WavSpeaker
    from kiosk.speech.vad import Endpointer
    from kiosk.speech.whisper_asr import WhisperRecognizer

    rng = random.Random(seed)
    kb = load_knowledge_base(content)
    dialogue = Dialogue(kb)
    recognizer = WhisperRecognizer(prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords())
    work = Path(tempfile.mkdtemp(prefix="kiosk-voice-soak-"))
    cases = [c for c in kb.cases if c.text and len(c.text.split()) <= 20]
    stats: dict[str, Any] = {"sessions": 0, "ok": 0, "faults": 0, "emergencies": 0, "missed": 0,
                             "false alarms": 0, "errors": 0, "failures": [], "fault list": [],
                             "red-flag questions": 0}
    import numpy as np

    gap = np.zeros(16000, dtype=np.int16)

    def recording(text: str, i: int):
        wav = work / f"{i % 8}.wav"
        subprocess.run(["espeak-ng", "-v", rng.choice(["en-us", "en-us+f3"]), "-s", str(rng.choice([140, 175])),
                        "-w", str(wav), text], check=True)
        return np.concatenate([read_wav(wav), gap, gap])

    # A warm-up session, not counted: the first recognition starts faster-whisper's one tqdm monitor thread
    # (a library singleton, not a per-session leak) and fills the model's caches.
    warm_speaker = WavSpeaker(play=False)
    VoiceSession(dialogue, MemorySource(recording(cases[0].text, 0)), recognizer, warm_speaker, Endpointer(),
                 captions=io.StringIO(), asr_timeout_s=3.0).run()
    warm_speaker.close()
    start = snapshot()
    t0 = time.perf_counter()
    for i in range(n):
        if i == max(1, n // 10):
            stats["rss_10pct"] = rss_mb()
        case = rng.choice(cases)
        audio = recording(case.text, i)
        source, rec, speaker = MemorySource(audio), recognizer, WavSpeaker(play=False)
        fault = ["", "mic", "asr-raise", "asr-hang", "tts"][(i // 4) % 5] if i % 4 == 3 else ""
        if fault == "mic":
            source = VanishingSource(source, len(audio) // 480 // 3)
        elif fault.startswith("asr"):
            rec = FailingRecognizer(recognizer, mode=fault.split("-")[1], at=1)
        elif fault == "tts":
            speaker = FailingSpeaker(speaker, at=2)
        if fault:
            stats["faults"] += 1
            stats["fault list"].append(fault)
        out = io.StringIO()
        session = VoiceSession(dialogue, source, rec, speaker, Endpointer(), captions=out, asr_timeout_s=3.0)
        try:
            result = session.run()
            stats["sessions"] += 1
            urgent = result.state.phase is Phase.EMERGENCY
            stats["emergencies"] += urgent
            heard_ok = not result.fault or fault in {"mic", "asr-raise", "asr-hang"}
            pending = result.state.pending
            asked = pending is not None and pending.kind == "red_flag"  # "Did it start all of a sudden?"
            heard = " / ".join(line[len("You said: "):] for line in out.getvalue().splitlines()
                               if line.startswith("You said: "))
            if case.emergency and not urgent and asked:
                stats["red-flag questions"] += 1  # misheard a little: the kiosk asks, it does not clear
            if case.emergency and not urgent and not asked and not result.fault:
                stats["missed"] += 1  # heard, but no emergency prompt (a recognition miss, counted)
                why = f"no emergency prompt; heard {heard!r}"
            elif heard_ok and "Traceback" not in out.getvalue():
                stats["ok"] += 1
                why = ""
            else:
                why = f"fault reported {result.fault!r}"
            if why and len(stats["failures"]) < SHOW_FAILURES:
                stats["failures"].append(f"voice session {i} (case {case.id}, fault {fault or 'none'}): {why}")
        except Exception as err:  # noqa: BLE001
            stats["errors"] += 1
            print(f"voice session {i}: {err.__class__.__name__}: {err}", file=sys.stderr)
        finally:
            if isinstance(rec, FailingRecognizer):
                rec.release.set()
            speaker.close()
    stats["seconds"] = time.perf_counter() - t0
    del recognizer, rec, session
    end = snapshot()
    shutil.rmtree(work, ignore_errors=True)
    return {**stats, "start": start, "end": end}


# --- the report ----------------------------------------------------------------------------------------


def table(rows: list[tuple[str, dict]]) -> str:
    head = ("run", "sessions", "faults injected", "ended well", "emergency prompts", "missed emergencies",
            "errors", "RSS start MB", "RSS at 10% MB", "RSS end MB", "threads start/end", "open fds start/end",
            "seconds")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, s in rows:
        lines.append("| " + " | ".join(map(str, (
            name, s["sessions"], s["faults"], s["ok"], s["emergencies"], s["missed"], s["errors"],
            f"{s['start']['rss']:.1f}", f"{s.get('rss_10pct', float('nan')):.1f}", f"{s['end']['rss']:.1f}",
            f"{s['start']['threads']}/{s['end']['threads']}", f"{s['start']['files']}/{s['end']['files']}",
            f"{s['seconds']:.1f}"))) + " |")
    return "\n".join(lines)


def mix_table(s: dict) -> str:
    lines = ["| session kind | share | sessions | ended well |", "|---|---|---|---|"]
    for kind, share in MIX:
        lines.append(f"| {kind}{' (emergency)' if kind in EMERGENCY_KINDS else ''} | {share:.0%} | "
                     f"{s['kinds'][kind]} | {s['kinds ok'][kind]} |")
    return "\n".join(lines)


def details(name: str, s: dict) -> list[str]:
    out = []
    if "alerts" in s:
        a = s["alerts"]
        out.append(f"{name}: staff alerts raised {a.get('alerts raised', 0)}, delivered {a.get('alerts delivered', 0)}, "
                   f"dropped (too many waiting) {a.get('alerts dropped', 0)}, failed {a.get('alerts failed', 0)}; "
                   f"false alarms (emergency prompt not in the script) {s['false alarms']}")
        errors = {k.split(': ', 1)[1]: v for k, v in a.items() if k.startswith("error events")}
        if errors:
            out.append(f"{name}: error events recorded: " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())))
    if "log" in s:
        lg = s["log"]
        out.append(f"{name}: event log lines written {lg['written']}, writes failed {lg['failed']}, "
                   f"{lg['bytes']} bytes on the log disk")
    if s.get("red-flag questions"):
        out.append(f"{name}: emergency cases misheard a little, where the kiosk asked the red-flag question "
                   f"instead of the prompt (not cleared): {s['red-flag questions']}")
    if s.get("fault list"):
        faults = Counter(s["fault list"]) if name.startswith("voice") else s["fault list"]
        out.append(f"{name}: faults: " + "; ".join(f"{k} x{v}" for k, v in faults.items()) if isinstance(faults, Counter)
                   else f"{name}: faults: " + "; ".join(faults))
    if len(s.get("rss curve", ())) > 2:
        out.append(f"{name}: RSS MB at each tenth of the run: " + ", ".join(f"{x:.1f}" for x in s["rss curve"])
                   + f", end {s['end']['rss']:.1f}")
    st, en = s["start"], s["end"]
    if st["thread names"] != en["thread names"]:
        out.append(f"{name}: threads at start {st['thread names']}, at end {en['thread names']}")
    not_ok = s["sessions"] - s["ok"]
    out.append(f"{name}: {s['ok']} of {s['sessions']} sessions ended well" + (":" if not_ok else ""))
    for failure in s["failures"]:
        out.append("  " + failure.replace("\n", "\n  "))
    if not_ok > len(s["failures"]):
        out.append(f"  ... and {not_ok - len(s['failures'])} more")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-sessions", type=int, default=10_000)
    parser.add_argument("--voice-sessions", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7, help="seed of the session mix and answers (repeatable runs)")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--progress", action="store_true", help="a line on standard error every 1000 sessions")
    parser.add_argument("--out", type=Path, help="also write the report (markdown) here")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.CRITICAL, format="kiosk: %(message)s")  # faults are counted, not shown
    rows = [("text", text_soak(args.text_sessions, args.content, args.seed, args.progress))]
    if args.voice_sessions:
        try:
            rows.append(("voice (WAV, Whisper)", voice_soak(args.voice_sessions, args.content, args.seed + 4)))
        except ImportError as err:
            print(f"voice soak skipped: {err}", file=sys.stderr)
    text = table(rows)
    text_row = rows[0][1]
    report = [text, "", f"Text session mix (seed {args.seed}):", "", mix_table(text_row), ""]
    for name, s in rows:
        report += details(name, s)
    report.append(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; peak RSS of the whole run {peak_rss_mb():.0f} MB")
    print("\n".join(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("# Soak and fault run\n\n" + "\n".join(report) + "\n", encoding="utf-8")
    leaked = (text_row["end"]["threads"] > text_row["start"]["threads"]
              or text_row["end"]["files"] > text_row["start"]["files"])
    bad = text_row["ok"] != text_row["sessions"] or text_row["errors"] or text_row["missed"] or leaked
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
