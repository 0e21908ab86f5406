"""Recognizers side by side on the same audio: WER per set, real-time factor, load time, peak memory."""
from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .corpus import NOISE_WAV, Utterance
from .evaluation import percentile
from .footprint import run_measured
from .wer import TermCount, WerCount, spell_digits

ENGLISH_BACKENDS = ("whisper", "vosk", "pocketsphinx")
LABELS = {"whisper": "Whisper tiny.en (kiosk)", "vosk": "Vosk English (kiosk)",
          "vosk-ko": "Vosk Korean model (speed/memory only)", "pocketsphinx": "pocketsphinx en-us (reference)"}


@dataclass(frozen=True)
class Job:
    id: str
    wav: Path
    snr: float | None = None


@dataclass
class Heard:
    id: str
    text: str
    confidence: float
    asr_s: float
    audio_s: float
    measured_snr: float | None = None


@dataclass
class EngineRun:
    """What one engine process did: load, per-job results, peak memory of the whole process."""

    backend: str
    load_s: float = float("nan")
    rss_before: int = 0
    rss_loaded: int = 0
    peak_rss: int = 0
    wall_s: float = 0.0
    heard: dict[str, Heard] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def rtf(self, ids: Iterable[str] | None = None) -> list[float]:
        """Real-time factor (recognition time / audio duration) of each job."""
        hs = self.heard.values() if ids is None else [self.heard[i] for i in ids if i in self.heard]
        return [h.asr_s / h.audio_s for h in hs if h.audio_s > 0]


def run_engine(backend: str, jobs: Sequence[Job], desc: str, threads: int | None = None,
               noise: Path = NOISE_WAV) -> EngineRun:
    """Run ``jobs`` through ``backend`` in a fresh process, with a progress bar."""
    spec = {"backend": backend, "threads": threads, "noise": str(noise),
            "jobs": [{"id": j.id, "wav": str(j.wav), "snr": j.snr} for j in jobs]}
    run = EngineRun(backend)
    bar = tqdm(total=len(jobs), desc=desc, unit="utt", leave=True, file=sys.stderr)

    def on_line(line: str) -> None:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return
        event = obj.get("event")
        if event == "loaded":
            run.load_s, run.rss_before, run.rss_loaded = obj["load_s"], obj["rss_before"], obj["rss_loaded"]
        elif event == "error":
            run.error = obj["error"]
        elif event is None:
            if "error" in obj:
                run.errors[obj["id"]] = obj["error"]
            else:
                run.heard[obj["id"]] = Heard(obj["id"], obj["text"], obj["confidence"], obj["asr_s"], obj["audio_s"],
                                             obj.get("measured_snr"))
            bar.update(1)

    result = run_measured([sys.executable, "-m", "kiosk.bench.worker"], stdin=json.dumps(spec), on_line=on_line,
                          cwd=Path(__file__).resolve().parents[2])
    bar.close()
    run.peak_rss, run.wall_s = result.peak_rss_bytes, result.wall_s
    if result.returncode != 0 and not run.error:
        tail = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        run.error = tail[0]
    return run


def wer_by_group(run: EngineRun, utts: Sequence[Utterance], suffix: str = "", digits: bool = False) -> dict[str, WerCount]:
    """Summed WER counts per utterance group ('all' too); jobs that failed count as empty transcripts.

    ``digits`` spells out digits in the transcripts first (see :func:`spell_digits`)."""
    counts: dict[str, WerCount] = {}
    for u in utts:
        heard = run.heard.get(u.id + suffix)
        text = heard.text if heard else ""
        if digits:
            text = spell_digits(text)
        for key in (u.group, "all"):
            counts.setdefault(key, WerCount()).add(u.reference, text)
    return counts


def term_wer(run: EngineRun, utts: Sequence[Utterance], vocabulary: frozenset[str], suffix: str = "") -> TermCount:
    count = TermCount()
    for u in utts:
        heard = run.heard.get(u.id + suffix)
        count.add(u.reference, heard.text if heard else "", vocabulary)
    return count


def rtf_summary(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.3f} / {percentile(values, 95):.3f}"
