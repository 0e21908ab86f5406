"""Start-up time (starting the kiosk to ready to listen) per backend, and peak memory of a voice session.

    python -m kiosk.bench.startup BACKEND CONTENT    (BACKEND: text | whisper | vosk | vosk-ko)

runs the kiosk's load path in a fresh process and prints one JSON line when ready; the parent times it.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..ops.settings import PROJECT_ROOT
from .footprint import run_measured


@dataclass
class Startup:
    backend: str
    ready_s: list[float] = field(default_factory=list)
    load_s: list[float] = field(default_factory=list)
    peak_rss: list[int] = field(default_factory=list)
    error: str = ""


def measure_startup(backend: str, repeats: int, content: Path) -> Startup:
    """Start a fresh process ``repeats`` times; time from spawning it to its 'ready' line."""
    out = Startup(backend)
    for _ in range(repeats):
        t0 = time.perf_counter()
        seen: dict = {}

        def on_line(line: str, seen: dict = seen, t0: float = t0) -> None:
            if line.startswith("{") and "ready" in line and not seen:
                seen.update(json.loads(line), at=time.perf_counter() - t0)

        r = run_measured([sys.executable, "-m", "kiosk.bench.startup", backend, str(content)], on_line=on_line,
                         cwd=PROJECT_ROOT, wrap=False)
        if r.returncode != 0 or not seen:
            out.error = (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[-1]
            return out
        out.ready_s.append(seen["at"])
        if seen.get("load_s") is not None:
            out.load_s.append(seen["load_s"])
        out.peak_rss.append(seen["peak_rss"])
    return out


def session_memory(ctx) -> str:
    """Peak memory of a whole WAV-driven voice session (`kiosk listen --json`, hearing again as the voice kiosk
    does), as one Markdown paragraph."""
    from .corpus import coffee_orders, spread
    from .noise_stage import VOICE_KIOSK

    wavs = [str(u.wav) for u in spread(coffee_orders(), 5)]
    cmd = [sys.executable, "-m", "kiosk", "listen", "--json", "--asr", "whisper", *VOICE_KIOSK, *wavs]
    runs = [run_measured(cmd, cwd=PROJECT_ROOT) for _ in range(3)]
    bad = [r for r in runs if r.returncode != 0]
    if bad:
        return f"Peak memory of a full voice session: `kiosk listen` failed ({(bad[0].stderr.strip().splitlines() or ['?'])[-1]})."
    import statistics
    peaks = sorted(r.peak_rss_bytes for r in runs)
    walls = [r.wall_s for r in runs]
    return (f"Peak memory of a full voice session (`kiosk listen --json --asr whisper {' '.join(VOICE_KIOSK)}` on "
            f"{len(wavs)} real recordings, "
            f"3 runs): median {statistics.median(peaks) / 2**20:.0f} MiB (max {peaks[-1] / 2**20:.0f} MiB); wall time "
            f"median {statistics.median(walls):.1f} s per run.")


def peak_rss_self() -> int:
    """This process's peak resident set size so far (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    from .engines import ready_to_listen
    info = ready_to_listen(sys.argv[1], Path(sys.argv[2]))
    print(json.dumps({"ready": True, "peak_rss": peak_rss_self(), **info}), flush=True)
