"""The soak script: a small run through the real text kiosk loop computes its figures, and every session
ends the way its script expects; the checks of "ended well" can fail; the mix is the stated one."""
from __future__ import annotations

import importlib.util
import io
import random
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import CONTENT
from kiosk.core.content import load_knowledge_base
from kiosk.core.dialogue import Dialogue
from kiosk.faces.textmode import run_text_kiosk
from kiosk.ops.alerts import StaffAlerter

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = 300


def _load_soak():
    spec = importlib.util.spec_from_file_location("soak", ROOT / "scripts" / "soak.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module
    spec.loader.exec_module(module)
    return module


soak = _load_soak()


@pytest.fixture(scope="module")
def run():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "soak.py"), "--text-sessions", str(SESSIONS),
                        "--voice-sessions", "0"], capture_output=True, text=True, timeout=600)
    return p


def _row(p) -> dict[str, str]:
    lines = p.stdout.splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    row = next(line for line in lines if line.startswith("| text |"))
    return dict(zip(head, (c.strip() for c in row.strip("|").split("|")), strict=True))


def test_small_soak_ends_every_session_well(run):
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    row = _row(run)
    assert row["sessions"] == row["ended well"] == str(SESSIONS)
    assert row["errors"] == row["missed emergencies"] == "0"
    assert f"{SESSIONS} of {SESSIONS} sessions ended well" in run.stdout


def test_small_soak_figures_are_computed(run):
    row = _row(run)
    assert int(row["faults injected"]) >= 3  # log disk, broken content, deleted content
    # about 15% emergencies: the prompt shown in exactly the sessions whose script has a red flag
    assert int(row["emergency prompts"]) == round(SESSIONS * 0.15)
    for key in ("RSS start MB", "RSS at 10% MB", "RSS end MB", "seconds"):
        assert float(row[key]) > 0, key  # a number, not nan (no timing or memory bound is asserted)
    threads, files = row["threads start/end"].split("/"), row["open fds start/end"].split("/")
    assert threads[0] == threads[1] and files[0] == files[1], row  # no thread or file left behind
    alerts = re.search(r"staff alerts raised (\d+), delivered (\d+), dropped \(too many waiting\) (\d+), "
                       r"failed (\d+)", run.stdout)
    assert alerts, run.stdout
    raised, delivered, dropped, failed = map(int, alerts.groups())
    assert raised > round(SESSIONS * 0.15) and delivered == raised and dropped == failed == 0
    assert re.search(r"event log lines written \d+, writes failed \d+", run.stdout)
    assert "RSS MB at each tenth of the run" in run.stdout
    for kind, _share in soak.MIX:  # every kind of session was run, and is listed with how it ended
        assert re.search(rf"\| {re.escape(kind)}( \(emergency\))? \| \d+% \| [1-9]\d* \| [1-9]\d* \|", run.stdout), kind


def test_the_mix_is_the_stated_one_and_repeatable():
    assert abs(sum(share for _, share in soak.MIX) - 1) < 1e-9
    assert abs(sum(share for kind, share in soak.MIX if kind in soak.EMERGENCY_KINDS) - 0.15) < 1e-9
    kinds = soak.session_kinds(10_000, random.Random(7))
    assert len(kinds) == 10_000
    for kind, share in soak.MIX:
        assert kinds.count(kind) == round(share * 10_000)
    assert kinds == soak.session_kinds(10_000, random.Random(7)) != soak.session_kinds(10_000, random.Random(8))
    full = sum(share for kind, share in soak.MIX if kind.startswith("full flow"))
    assert full > 0.5  # most sessions run the whole flow


def test_the_answer_forms_mean_what_the_scripts_assume():
    from kiosk.core.intents import Answer, Command, parse_answer, parse_command

    assert all(parse_answer(a) is Answer.NO for a in soak.NO_FORMS + soak.DONE_FORMS)
    assert all(parse_answer(a) is Answer.YES for a in soak.YES_FORMS + soak.STILL_HERE)
    assert all(parse_answer(a) is Answer.UNSURE for a in soak.UNSURE_FORMS)
    assert all(parse_command(c) is Command.STAFF for c in soak.STAFF_PHRASES)
    assert all(parse_command(c) is Command.START_OVER for c in soak.START_OVER)
    assert all(parse_command(c) is Command.STOP for c in soak.GOODBYE)
    assert all(parse_command(said).value == command for said, command in soak.COMMANDS)


def _serve(kb, dialogue, visits):
    """Visits through the real text kiosk loop, with a plain event sink; returns them with their verdicts."""
    import os

    texts = soak.Texts(kb, dialogue)
    finished = []
    events = []

    class Sink:
        def __call__(self, event, transcript=""):
            events.append(event)
            if stream.current is not None:
                stream.current.events.append((event.kind.value, event.detail))

    screen = soak.Screen()
    idle_r, idle_w = os.pipe()
    try:
        stream = soak.Visitors(iter(visits(texts)), screen, idle_r, finished.append)
        assert run_text_kiosk(dialogue, stream, screen, on_event=Sink(), clock=stream.clock) == 0
    finally:
        os.close(idle_r)
        os.close(idle_w)
    return finished, screen.getvalue()


def test_ended_well_is_checked_not_assumed():
    kb = load_knowledge_base(CONTENT)
    dialogue = Dialogue(kb)
    pools = soak.case_pools(kb)
    soak.CASES = pools
    case = pools.ordinary[0]

    def leaves_early(v):  # expects the summary, but says goodbye after the description
        v.expect |= {"summary"}
        yield case.text
        yield "goodbye"

    def walks_away(v):
        v.expect |= {"idle_reset"}
        yield case.text
        yield soak.Idle(v.t.warn_s + 1)
        yield soak.Idle(v.t.timeout_s - v.t.warn_s)

    def visits(texts):
        yield soak.Visit(0, "leaves early", leaves_early, random.Random(1), texts, case)
        yield soak.Visit(1, "walks away", walks_away, random.Random(2), texts, case)
        yield soak.Visit(2, "full flow", soak.s_full, random.Random(3), texts, case)
        yield soak.Visit(3, "emergency described", soak.s_emergency, random.Random(4), texts, pools.emergency[0])

    finished, shown = _serve(kb, dialogue, visits)
    verdicts = {v.kind: v.verdict() for v in finished}
    assert "no summary" in verdicts["leaves early"]
    assert verdicts["walks away"] == [] and kb.dialogue["idle_reset"] in shown  # the fake clock ran the idle reset
    assert verdicts["full flow"] == [] and kb.dialogue["anything_else"] in shown
    assert verdicts["emergency described"] == [] and "!! " in shown
    assert [v.number for v in finished] == [0, 1, 2, 3]


def test_alerter_close_ends_its_worker_threads():
    before = set(threading.enumerate())
    alerter = StaffAlerter(command=("true",), terminal=io.StringIO(), bell=True)
    for _ in range(3):
        alerter.alert("test")
    assert alerter.close(timeout=30)
    assert [o.delivered for o in alerter.outcomes] == [True] * 6
    assert set(threading.enumerate()) <= before  # the command and bell workers are gone
