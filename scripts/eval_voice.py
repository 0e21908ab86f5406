#!/usr/bin/env python3
"""Issue 4's "done when" figures for the voice kiosk, printed (not timed tests).

    .venv/bin/python scripts/eval_voice.py [--quick]

Spoken dev vignettes (three synthetic voices x two speeds; clean, 20, 10 and 5 dB kitchen noise): emergency
sensitivity and top-3 cause through each installed kiosk recognizer; the 40 real coffee orders (no emergency,
no cause, all out of scope); WER of each backend per set of real speech; end of speech to spoken reply
latency with Whisper; Vosk real-time factor, load time and peak memory. Runs the benchmark suite's stages
(kiosk/bench) with this selection; see benchmarks/report.md for the full suite.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench import BenchError  # noqa: E402
from kiosk.bench.corpus import SPEEDS, VOICES  # noqa: E402
from kiosk.bench.report import Table  # noqa: E402
from kiosk.bench.suite import Plan, build_context, run_stages, stand_in_note  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a few utterances of each kind only")
    p.add_argument("--content", type=Path, default=ROOT / "content")
    args = p.parse_args(argv)
    plan = Plan.make(args.quick)
    plan.regression_cases = 0  # issue 4 asks for the dev vignettes only
    plan.snrs = (None, 20.0, 10.0, 5.0)
    if not args.quick:
        plan.voices, plan.speeds = VOICES, SPEEDS
    try:
        ctx = build_context(args.content, plan, Path(tempfile.mkdtemp(prefix="eval-voice-")),
                            backends=("whisper", "vosk", "vosk-ko"))
        sections = run_stages(ctx, ("asr", "symptom", "triage", "latency"))
    except BenchError as err:
        print(f"eval_voice: {err}", file=sys.stderr)
        return 2
    for s in sections:
        print(s.text())
    head = Table("Issue 4: done-when figures", ["figure", "value", "measured on / target"])
    for row in ctx.headline:
        head.add(*row)
    if ctx.backends.get("vosk"):
        head.add("Vosk English", "not measured", ctx.backends["vosk"] + "; the Korean model's speed and memory are in the table above")
    print(head.text())
    print(stand_in_note())
    return 0


if __name__ == "__main__":
    sys.exit(main())
