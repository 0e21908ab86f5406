"""The benchmark suite: recognizers, triage accuracy in noise, turn latency, scaling, start-up and footprint.

``kiosk bench [--quick]`` and ``.venv/bin/python scripts/benchmark.py [--quick]`` run :func:`main`; it writes
benchmarks/report.md and PNG plots beside it and prints the tables.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..ops.settings import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "benchmarks"


class BenchError(RuntimeError):
    """The benchmark cannot run; the message says what to do."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Options of the benchmark command line."""
    p = argparse.ArgumentParser(prog="kiosk bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a small subset of every stage (under two minutes)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for report.md and the plots")
    p.add_argument("--content", type=Path, default=PROJECT_ROOT / "content", help="knowledge base folder")
    p.add_argument("--only", nargs="+", metavar="STAGE", default=None,
                   help="run only these stages: asr, symptom, triage, latency, scaling, footprint, screen, noise; "
                        "over a full report in --out their sections and headline rows replace its own, and the "
                        "rest of it stays, marked as older")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the suite; 0 when the report was written, 2 with one line when it could not run."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        from .suite import run_suite
    except ImportError as err:  # the bench extra (matplotlib, pocketsphinx) is not installed
        print(f"kiosk bench: {err}: install the benchmark's packages with: bash scripts/setup.sh --bench",
              file=sys.stderr)
        return 2
    try:
        run_suite(args)
    except BenchError as err:
        print(f"kiosk bench: {err}", file=sys.stderr)
        return 2
    return 0
