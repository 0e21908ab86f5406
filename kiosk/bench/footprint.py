"""Installed size of the base install and of each extra, and peak memory / wall time of a subprocess."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(req: str) -> str | None:
    """The distribution name of a requirement string, or None when it only applies to an extra."""
    if ";" in req and "extra" in req.split(";", 1)[1]:
        return None
    m = _NAME.match(req)
    return canonical(m.group(1)) if m else None


def dist_size(name: str) -> int:
    """Bytes on disk of the files an installed distribution recorded (0 when not installed)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0
    total = 0
    for f in dist.files or ():
        try:
            total += os.path.getsize(str(dist.locate_file(f)))
        except OSError:
            pass
    return total


def closure(names: Iterable[str]) -> set[str]:
    """The named distributions and everything they pull in (installed ones only; extras' extras ignored)."""
    seen: set[str] = set()
    todo = [canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        todo += [n for n in (requirement_name(r) for r in reqs) if n and n not in seen]
    return seen


@dataclass
class InstallSize:
    what: str
    packages: list[str]
    bytes: int
    missing: list[str]


def install_sizes(pyproject: Path, extra_groups: dict[str, Sequence[str]] | None = None) -> list[InstallSize]:
    """Size of the base dependencies of ``pyproject`` and, for each extra, of what it adds beyond the base."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    groups: dict[str, list[str]] = {"base": list(project.get("dependencies", []))}
    for extra, reqs in project.get("optional-dependencies", {}).items():
        groups[f"extra [{extra}]"] = list(reqs)
    for extra, reqs in (extra_groups or {}).items():
        groups.setdefault(f"extra [{extra}]", list(reqs))
    base = closure(n for n in (requirement_name(r) for r in groups["base"]) if n)
    out = []
    for what, reqs in groups.items():
        direct = [n for n in (requirement_name(r) for r in reqs) if n]
        pulled = closure(direct)
        if what != "base":
            pulled -= base
        missing = [n for n in direct if n not in closure([n])]
        out.append(InstallSize(what, sorted(pulled), sum(dist_size(n) for n in pulled), missing))
    return out


@dataclass
class RunResult:
    returncode: int
    wall_s: float
    peak_rss_bytes: int
    stdout: str
    stderr: str


def run_measured(cmd: Sequence[str], *, stdin: str | None = None, env: dict | None = None, cwd: Path | None = None,
                 on_line: Callable[[str], None] | None = None, wrap: bool = True) -> RunResult:
    """Run ``cmd`` as its own process; wall time and that process's own peak RSS (so peaks never mix).

    ``on_line`` is called with each stdout line as it arrives (progress reporting). ``wrap=False`` skips the
    small measuring process (no peak figure) where its start-up time would distort a timing.
    """
    t0 = time.perf_counter()
    argv = [sys.executable, "-c", _PEAK_WRAPPER, *cmd] if wrap else list(cmd)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    lines: list[str] = []
    assert proc.stdout is not None and proc.stderr is not None
    err_stream = proc.stderr
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(err_stream.read()), daemon=True)
    reader.start()
    for line in proc.stdout:
        lines.append(line)
        if on_line:
            on_line(line)
    proc.wait()
    wall = time.perf_counter() - t0
    reader.join(timeout=5)
    stderr = "".join(err)
    peak = 0
    if _PEAK_MARK in stderr:
        stderr, _, tail = stderr.rpartition(_PEAK_MARK)
        peak = int(tail.split()[0]) * 1024
    return RunResult(proc.returncode, wall, peak, "".join(lines), stderr)


_PEAK_MARK = "\n@@peak-rss-kib "
# A small process starts the measured one and reports that child's own peak RSS. Measuring from the
# benchmark process itself would count the benchmark's memory too: a forked child's peak includes the
# parent pages it shared before exec.
_PEAK_WRAPPER = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    f"sys.stderr.write({_PEAK_MARK!r} + str(usage.ru_maxrss) + '\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n")
