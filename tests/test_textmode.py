"""End of input at the text kiosk: piped input ends it as before; on a real terminal (a pty) Ctrl+D ends it,
or with ``unattended = true`` starts a new session; a terminal that keeps failing ends it with status 1.
Also the systemd unit restarts the kiosk after any exit."""
from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT
from kiosk.core.dialogue import Dialogue
from kiosk.faces.textmode import MAX_READ_ERRORS, run_text_kiosk

CTRL_D = b"\x04"


class Kiosk:
    """`python -m kiosk --text` on the slave side of a pty, as on the kiosk's console; stdout is a pipe."""

    def __init__(self, cwd: Path):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--text"], cwd=cwd, stdin=slave,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True)
        os.close(slave)
        self.out = b""

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_for(self, text: str, count: int = 1, timeout: float = 60) -> str:
        """Read the kiosk's output until ``text`` was shown ``count`` times; the output so far."""
        deadline = time.monotonic() + timeout
        while self.out.decode(errors="replace").count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} x{count} not shown; output:\n{self.out.decode(errors='replace')}"
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                assert chunk, f"the kiosk ended; output:\n{self.out.decode(errors='replace')}"
                self.out += chunk
            self._drain_echo()
        return self.out.decode(errors="replace")

    def _drain_echo(self) -> None:
        # the terminal echoes what is typed back to the master; read it so the pty buffer never fills
        while select.select([self.master], [], [], 0)[0]:
            try:
                if not os.read(self.master, 65536):
                    return
            except OSError:
                return

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        os.close(self.master)


def test_ctrl_d_on_a_terminal_ends_the_kiosk_by_default(tmp_path, kb):
    kiosk = Kiosk(tmp_path)
    try:
        kiosk.wait_for(kb.dialogue["greeting"])
        kiosk.type(CTRL_D)
        assert kiosk.proc.wait(timeout=60) == 0  # a clean exit: the service's Restart=always starts it again
    finally:
        kiosk.close()


def test_ctrl_d_at_an_unattended_kiosk_starts_a_new_session(tmp_path, kb):
    (tmp_path / "kiosk.toml").write_text(f'unattended = true\nevent_log = "{tmp_path / "log"}"\n'
                                         "staff_alert_bell = false\n")
    kiosk = Kiosk(tmp_path)
    try:
        kiosk.wait_for(kb.dialogue["greeting"])
        kiosk.type(b"my lip keeps twitching since I started energy drinks\n")
        kiosk.wait_for(kb.dialogue["screening_question"])
        started = time.monotonic()
        kiosk.type(CTRL_D)
        kiosk.wait_for(kb.dialogue["greeting"], count=2)
        assert time.monotonic() - started >= 1.5  # the short pause before the next person
        assert kiosk.proc.poll() is None  # still running
        kiosk.type(b"my face went numb\n")  # the new session works
        kiosk.wait_for("!! ")
        kiosk.type(CTRL_D)
        kiosk.wait_for(kb.dialogue["greeting"], count=3)
        assert kiosk.proc.poll() is None
    finally:
        kiosk.close()
    events = [json.loads(line) for line in (tmp_path / "log" / "events.jsonl").read_text().splitlines()]
    ends = [e["detail"] for e in events if e["event"] == "session_end"]
    assert ends == ["end of input", "end of input"]


def test_piped_input_still_ends_at_its_end_even_when_unattended(tmp_path, kb):
    (tmp_path / "kiosk.toml").write_text("unattended = true\n")
    p = subprocess.run([sys.executable, "-m", "kiosk", "--text"], input="my lip twitches\n", text=True,
                       capture_output=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.count(kb.dialogue["greeting"]) == 1, p.stderr
    assert kb.dialogue["screening_question"] in p.stdout


class DeadTerminal(io.StringIO):
    """A terminal that hung up: every read fails with EIO."""

    reads = 0

    def isatty(self) -> bool:
        return True

    def readline(self, *args):
        self.reads += 1
        raise OSError(5, "Input/output error")


def test_a_terminal_that_keeps_failing_ends_the_kiosk_instead_of_spinning(kb):
    stdin, out = DeadTerminal(), io.StringIO()
    assert run_text_kiosk(Dialogue(kb), stdin=stdin, out=out, unattended=True) == 1
    assert stdin.reads == MAX_READ_ERRORS
    assert out.getvalue().count("could not read that input") == MAX_READ_ERRORS - 1


class EndlessEnd(io.StringIO):
    """A terminal that only ever says end of input."""

    def isatty(self) -> bool:
        return True


def test_end_of_input_forever_is_not_a_person_and_ends_the_kiosk(kb):
    out, pauses = io.StringIO(), []
    assert run_text_kiosk(Dialogue(kb), stdin=EndlessEnd(""), out=out, unattended=True, sleep=pauses.append) == 0
    assert len(pauses) == 10 and out.getvalue().count(kb.dialogue["greeting"]) == 11


def test_the_service_restarts_the_kiosk_after_any_exit():
    unit = (ROOT / "deploy" / "kiosk.service").read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["Restart"] == "always"
    assert 0 < float(settings["RestartSec"]) <= 5
    assert "unattended" in (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")


def test_the_service_runs_the_kiosk_from_the_venv_that_setup_makes():
    """Not the system's python3 (it has none of the kiosk's packages: pip refuses it, PEP 668), but the .venv that
    deploy/README.md's `bash /opt/kiosk/scripts/setup.sh` makes."""
    unit = (ROOT / "deploy" / "kiosk.service").read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["ExecStart"].split()[0] == "/opt/kiosk/.venv/bin/kiosk"
    assert settings["WorkingDirectory"] == "/opt/kiosk"
    assert "bash /opt/kiosk/scripts/setup.sh" in (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
