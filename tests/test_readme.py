"""The README's commands, run as a new user pastes them (issue 10): every shell code block (indented, or fenced
without a language or with sh/bash/shell/console; a ```text block is a picture, not a command) and every command
of the "Using it" table, each in a temporary folder with a short timeout and harmless input, must exit 0.

The install steps themselves (`bash scripts/setup.sh ...`) are recognized and skipped: .ci/run has just run
them, in this clone, and the tests run in the .venv they made. The README's test command is this very run, so
it is not run again; instead .ci/run is checked to end with exactly that command. Commands run in tmp_path with
a `.venv` link to the project's, so the README's relative `.venv/bin/...` paths work and the files a command
writes (question.wav, reply.wav) land in tmp_path, not in the checkout.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

README = ROOT / "README.md"
VENV = ROOT / ".venv"
SHELL_INFO = {"", "sh", "bash", "shell", "console"}
SETUP = re.compile(r"^bash scripts/setup\.sh( --[a-z]+)*$")
TEST_COMMAND = ".venv/bin/python -m pytest -q"
TIMEOUT_S = 180
# Whisper loads (a few seconds each) or the benchmark: marked slow
SLOW = re.compile(r"--from-wav|\blisten\b|\bbench\b|\bdoctor\b")
HARMLESS_INPUT = "my lip keeps twitching\ngoodbye\n"
SERVER = re.compile(r"--screen|\bkiosk wyoming\b")
"""Commands that serve until stopped (the screen's page, the Wyoming service): each must say where it listens,
then stop cleanly on SIGTERM, as its service manager stops it."""
SERVER_READY = re.compile(r"^Screen: http://|serving the kiosk's conversation at", re.M)
SERVER_WAIT_S = 60


def code_blocks(text: str) -> list[tuple[int, str, str]]:
    """(first line number, info string, code) of every code block: fenced, and indented by 4 spaces after a
    blank line (a list item's own text is indented by 2 here, so it is never taken for code)."""
    blocks: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(```+|~~~+)\s*([\w+-]*)", line)
        if fence:
            end = i + 1
            while end < len(lines) and not lines[end].startswith(fence.group(1)):
                end += 1
            blocks.append((i + 2, fence.group(2).lower(), "\n".join(lines[i + 1:end])))
            i = end + 1
            continue
        if line.startswith("    ") and line.strip() and (i == 0 or not lines[i - 1].strip()):
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            body = [entry[4:] for entry in lines[i:end]]
            while body and not body[-1].strip():
                body.pop()
            blocks.append((i + 1, "", "\n".join(body)))
            i = end
            continue
        i += 1
    return blocks


def to_run(command: str) -> str | None:
    """The part of a README command line that this test runs: install steps dropped, None for nothing left
    (an install alone, or the README's test command, which is this run)."""
    parts = [part.strip() for part in command.split("&&")]
    kept = [part for part in parts if not SETUP.match(part)]
    if not kept or kept == [TEST_COMMAND]:
        return None
    return " && ".join(kept)


def readme_commands() -> list:
    """One pytest param per shell block that has something to run."""
    params = []
    for line, info, code in code_blocks(README.read_text(encoding="utf-8")):
        if info not in SHELL_INFO:
            continue
        commands = [c for c in (to_run(entry) for entry in code.splitlines() if entry.strip()) if c]
        if commands:
            marks = [pytest.mark.slow] if SLOW.search(" ".join(commands)) else []
            params.append(pytest.param(commands, id=f"README-line-{line}", marks=marks))
    return params


def run(command: str, cwd: Path, stdin: str | None) -> subprocess.CompletedProcess:
    if not (VENV / "bin" / "kiosk").exists():
        pytest.skip("no .venv in the project: run `bash scripts/setup.sh --test` first")
    if not (cwd / ".venv").exists():
        (cwd / ".venv").symlink_to(VENV)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    if SERVER.search(command):
        return serve(on_free_ports(command), cwd, env)
    return subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=env, stdin=subprocess.DEVNULL if stdin is None else None,
                          input=stdin)


def on_free_ports(command: str) -> str:
    """The same command on a port nobody uses (a kiosk may already serve the README's default port here)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = re.sub(r"tcp://127\.0\.0\.1:\d+", f"tcp://127.0.0.1:{port}", command)
    command = command.replace("--port N", f"--port {port}")
    if "--screen" in command and "--port" not in command:
        command = re.sub(r"--screen\b", f"--screen --port {port}", command, count=1)
    return command


def serve(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Start a serving command, wait until it says where it listens, stop it with SIGTERM: a clean exit (0) and
    the address in its output, or the output so far when it never got there."""
    import signal
    import threading
    import time

    proc = subprocess.Popen(["bash", "-c", "exec " + command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + SERVER_WAIT_S
    while time.monotonic() < deadline and proc.poll() is None and not SERVER_READY.search("".join(lines)):
        time.sleep(0.2)
    ready = bool(SERVER_READY.search("".join(lines))) and proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    reader.join(timeout=5)
    out = "".join(lines)
    clean = proc.returncode in (0, -signal.SIGTERM)
    return subprocess.CompletedProcess(command, 0 if ready and clean else (proc.returncode or 1), out, "")


@pytest.mark.parametrize("commands", readme_commands())
def test_readme_code_block_runs(commands, tmp_path):
    """A block's commands run one after another, as pasted; stdin is empty (an interactive kiosk sees the end of
    input at once and says goodbye)."""
    # a block of servers runs one server at a time (each stopped before the next); others run as pasted
    runs = commands if any(SERVER.search(c) for c in commands) else ["\n".join(commands)]
    for command in runs:
        done = run(command, tmp_path, None)
        assert done.returncode == 0, f"{command}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    if any("--reply-wav reply.wav" in c for c in commands):
        assert (tmp_path / "reply.wav").stat().st_size > 1000 and (tmp_path / "question.wav").exists()
        assert "numb" in done.stdout.lower(), done.stdout  # it asks about the sign it heard


def test_readme_shows_the_two_commands_and_ci_runs_exactly_the_test_one():
    text = README.read_text(encoding="utf-8")
    shown = [entry.strip() for _, info, code in code_blocks(text) if info in SHELL_INFO
             for entry in code.splitlines()]
    assert "bash scripts/setup.sh && .venv/bin/kiosk" in shown
    test_command = f"bash scripts/setup.sh --test && {TEST_COMMAND}"
    assert test_command in shown
    ci = [entry for entry in (ROOT / ".ci" / "run").read_text().splitlines() if entry.strip()]
    assert ci[-1] == test_command


def table_commands() -> list:
    """The commands of the "Using it" table, made concrete: every [optional part] left out and put in,
    placeholders replaced by files the test makes. `kiosk bench` runs --quick with one stage into tmp_path:
    the full suite takes 17 minutes and writes benchmarks/ in the checkout."""
    text = README.read_text(encoding="utf-8").split("## Using it", 1)[1].split("\n## ", 1)[0]
    params = []
    for row in re.findall(r"^\| (.+?) \|", text, flags=re.M):
        for shown in re.findall(r"`(kiosk[^`]*)`", row):
            optional = re.findall(r" \[([^]]+)\]", shown)
            bare = re.sub(r" \[[^]]+\]", "", shown)
            variants = [bare, bare + "".join(f" {o}" for o in optional)] if optional else [bare]
            for variant in dict.fromkeys(variants):
                command = (".venv/bin/" + variant).replace(" ...", "").replace("FILE.wav", "question.wav")
                command = command.replace("Q.wav", "question.wav").replace("R.wav", "reply.wav")
                command = command.replace("PATH", str(ROOT / "content")).replace("HOST", "127.0.0.1")
                if command.split()[1:2] == ["bench"]:
                    if "--quick" not in command:
                        continue
                    command += " --only triage --out bench"
                marks = [pytest.mark.slow] if SLOW.search(command) else []
                params.append(pytest.param(command, id=variant, marks=marks))
    return params


@pytest.mark.parametrize("command", table_commands())
def test_readme_table_command_runs(command, tmp_path):
    if "question.wav" in command:
        subprocess.run(["espeak-ng", "-w", str(tmp_path / "question.wav"), "my lip keeps twitching"], check=True)
    done = run(command, tmp_path, HARMLESS_INPUT)
    assert done.returncode == 0, f"{command}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    assert done.stdout.strip(), command
    if " bench " in command:
        assert (tmp_path / "bench" / "report.md").is_file()


def test_table_covers_every_command():
    ids = {p.id for p in table_commands()}
    assert {"kiosk", "kiosk --text", "kiosk triage", "kiosk triage --json", "kiosk check", "kiosk devices",
            "kiosk doctor", "kiosk models", "kiosk bench --quick", "kiosk --from-wav Q.wav --reply-wav R.wav"} <= ids


def test_the_parser_reads_indented_and_fenced_blocks():
    text = "intro\n\n    one\n    two\n\nprose\n\n```text\npicture\n```\n\n```sh\nthree\n```\n* item\n  more\n"
    assert code_blocks(text) == [(3, "", "one\ntwo"), (9, "text", "picture"), (13, "sh", "three")]
    assert to_run("bash scripts/setup.sh && .venv/bin/kiosk") == ".venv/bin/kiosk"
    assert to_run("bash scripts/setup.sh --test && .venv/bin/python -m pytest -q") is None
