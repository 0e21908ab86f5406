#!/usr/bin/env python3
"""The benchmark suite (issue 5): writes benchmarks/report.md and PNG plots, prints the tables.

    .venv/bin/python scripts/benchmark.py [--quick] [--out DIR] [--only STAGE ...]

--quick runs a small subset of every stage in under two minutes; the full run takes about 45 minutes on a
2-core machine, most of it the noise stage hearing every held-out red-flag sentence. Same as `kiosk bench`.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
