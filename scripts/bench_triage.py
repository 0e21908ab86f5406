#!/usr/bin/env python3
"""Triage accuracy and speed, printed as tables (issue: text core, "done when").

    .venv/bin/python scripts/bench_triage.py [--content content/] [--repeat 20]

Accuracy of the kiosk's own triage (phrase rules and meaning layer, as `kiosk triage`) on: the dev vignettes
(../shared/eval), the content's own regression cases, and the held-out sets in eval/ (never tuned on). Speed:
median and p95 time of one triage by the phrase rules (the part that grows with the knowledge base; the meaning
layer's cost is in scripts/bench_meaning.py --cost) over all utterances, with the shipped knowledge base and with
generated ones 10x and 100x larger.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.evaluation import percentile, scaled_knowledge_base, score  # noqa: E402
from kiosk.bench.triage_bench import kiosk_index  # noqa: E402
from kiosk.core.content import load_cases, load_knowledge_base  # noqa: E402
from kiosk.core.triage import TriageIndex, assess  # noqa: E402

SHARED = ROOT.parent / "shared"
SETS = [
    ("dev vignettes", SHARED / "eval" / "dev_vignettes.json"),
    ("content regression cases", ROOT / "content" / "cases.toml"),
    ("held-out cases", ROOT / "eval" / "heldout_cases.json"),
    ("held-out red-flag sentences", ROOT / "eval" / "redflag_sentences.json"),
]


def table(rows: list[dict[str, str]], title: str) -> str:
    cols = list(rows[0])
    width = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    lines = [title, "  ".join(c.ljust(width[c]) for c in cols), "  ".join("-" * width[c] for c in cols)]
    lines += ["  ".join(r[c].ljust(width[c]) for c in cols) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over all utterances")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    kb = load_knowledge_base(args.content)
    index = kiosk_index(kb)
    rows, all_texts = [], []
    for name, path in SETS:
        if not path.exists():
            print(f"(skipped {name}: {path} not found)")
            continue
        cases = load_cases(path)
        answers = [assess(c.text, index).to_json() for c in cases]
        all_texts += [c.text for c in cases]
        m = score(cases, answers)
        rows.append({"set": name, **m.row()})
        for cid, text in m.missed:
            print(f"MISSED EMERGENCY [{name}] {cid}: {text}")
        if args.show_misses:
            for cid, text in m.false_alarms:
                print(f"false alarm [{name}] {cid}: {text}")
            for cid, text, why in m.cause_misses:
                print(f"cause [{name}] {cid}: {text}  ({why})")
            for cid, text in m.oos_misses:
                print(f"scope [{name}] {cid}: {text}")
    print(table(rows, "\nTriage accuracy (typed text; the kiosk's triage)"))

    timing = []
    for factor in (1, 10, 100):
        big = kb if factor == 1 else scaled_knowledge_base(kb, factor)
        t0 = time.perf_counter()
        big_index = TriageIndex.build(big)
        build_ms = (time.perf_counter() - t0) * 1000
        cold, samples = [], []
        for rep in range(args.repeat + 1):  # the first pass meets every word for the first time
            for text in all_texts:
                t0 = time.perf_counter()
                assess(text, big_index)
                (cold if rep == 0 else samples).append((time.perf_counter() - t0) * 1000)
        phrases = sum(len(c.clues) for c in big.causes) + sum(len(f.phrases) for f in big.red_flags)
        timing.append({"knowledge base": f"{factor}x", "phrases": str(phrases), "index build ms": f"{build_ms:.0f}",
                       "triage median ms": f"{statistics.median(samples):.3f}",
                       "p95 ms": f"{percentile(samples, 95):.3f}", "max ms": f"{max(samples):.3f}",
                       "cold median ms": f"{statistics.median(cold):.3f}", "cold p95 ms": f"{percentile(cold, 95):.3f}",
                       "samples": str(len(samples))})
    print(table(timing, f"\nPhrase-rule triage time per utterance ({len(all_texts)} utterances x {args.repeat}, one core; 'cold' = first pass, every word new to the cache)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
