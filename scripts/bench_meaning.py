#!/usr/bin/env python3
"""The meaning layer's accuracy per layer and its cost (issue 9), printed as markdown tables.

    python scripts/bench_meaning.py [--shipped] [--cost] [--out benchmarks/meaning.md]

Accuracy on the blind sets in eval/ with five matchers: the keyword baseline, the phrase rules alone, the
meaning layer alone (a sign close to the content's examples is asked about; it never raises one), both without
the second opinion, and both with it (the kiosk). Caught: emergency true or ask names a red flag. False alarm:
emergency true on a non-emergency.
Cost: the sentence model's load time, resident memory before and after, and triage time per utterance with
the model (median and p95), on this machine. The model is the kiosk's: converted once to int8 MatMuls in
models/cache (converted first in a child process when it is not there yet, so the figures are those of a usual
start); ``--shipped`` measures the model as shipped instead (float32 at run time), with its own cache of content
embeddings so that runs of the two do not evict each other's. ``--cost``: the cost alone, not the accuracy.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.baseline import KeywordBaseline  # noqa: E402
from kiosk.bench.eval_sets import eval_sets, read_vignettes  # noqa: E402
from kiosk.bench.evaluation import percentile  # noqa: E402
from kiosk.core.content import load_knowledge_base  # noqa: E402
from kiosk.core.triage import TriageIndex, assess  # noqa: E402

SHARED = ROOT.parent / "shared"
def scored_sets() -> list[tuple[str, Path, str]]:
    """(row name, file, part) for every set in eval/sets.toml, everyday and hard traps apart, then the dev vignettes."""
    rows = []
    for s in eval_sets():
        if s.traps:
            rows += [(f"{s.name}, {s.role} (everyday)", s.cases, "everyday"),
                     (f"{s.name}, {s.role} (hard traps)", s.cases, "trap")]
        else:
            rows.append((f"{s.name}, {s.role}", s.cases, "all"))
    return rows + [("dev vignettes", SHARED / "eval" / "dev_vignettes.json", "all")]


def rss_mb() -> float:
    """Peak resident memory so far (loading a model briefly holds more than it keeps)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb() -> float:
    """Resident memory now (Linux), or the peak where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss_mb()


def cases_of(path: Path, part: str) -> list[dict]:
    cases = read_vignettes(path)
    if part == "trap":
        return [c for c in cases if "trap" in c["id"] or c["emergency"]]
    if part == "everyday":
        return [c for c in cases if "trap" not in c["id"]]
    return cases


def figures(cases: list[dict], answer) -> dict[str, str]:
    tp = fn = fp = tn = asks = 0
    for c in cases:
        a = answer(c["text"])
        if c["emergency"]:
            tp += bool(a["emergency"] or a.get("ask"))
            fn += not (a["emergency"] or a.get("ask"))
        else:
            fp += bool(a["emergency"])
            tn += not a["emergency"]
            asks += bool(not a["emergency"] and a.get("ask"))
    return {"sensitivity": f"{tp / max(1, tp + fn):.1%} ({tp}/{tp + fn})",
            "specificity": f"{tn / max(1, tn + fp):.1%} ({tn}/{tn + fp})",
            "asks on non-emergencies": f"{asks / max(1, tn):.1%} ({asks}/{tn})"}


def table(rows: list[dict[str, str]]) -> str:
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the tables to this markdown file")
    parser.add_argument("--shipped", action="store_true", help="the model as shipped, not converted to int8 MatMuls")
    parser.add_argument("--cost", action="store_true", help="measure the cost only, not the accuracy")
    args = parser.parse_args(argv)
    cache_dir = None if args.shipped else ROOT / "models" / "cache"
    if cache_dir is not None:  # convert in another process: its memory and time are not a kiosk start's
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from kiosk.meaning.encoder import "
                        "default_model_path; from kiosk.meaning.quantize import cached_model; "
                        "note = cached_model(default_model_path(), Path(sys.argv[1]))[1]; print(note) if note else None", str(cache_dir)],
                       cwd=ROOT, check=True)
    kb = load_knowledge_base(ROOT / "content")
    before, before_now = rss_mb(), resident_mb()
    start = time.perf_counter()
    from kiosk.meaning.encoder import ContentEmbeddings, load_encoder

    encoder, why = load_encoder(cache_dir=cache_dir)
    load_s = time.perf_counter() - start
    if encoder is None:
        print(why)
        return 1
    print(f"model: {encoder.model_id}")
    # the converted model's cache is the kiosk's own file
    cache_name = "content-embeddings-shipped.npz" if args.shipped else "content-embeddings.npz"
    content = ContentEmbeddings(encoder, ROOT / "models" / "cache" / cache_name)
    start = time.perf_counter()
    from kiosk.meaning import load_judge

    both = TriageIndex.build(kb, encoder.embed, content, None if args.shipped else load_judge())
    index_s = time.perf_counter() - start
    unjudged = TriageIndex.build(kb, encoder.embed, content)
    after = rss_mb()
    phrases = TriageIndex.build(kb)
    baseline = KeywordBaseline.build(kb)
    assert both.meaning is not None

    def meaning_only(text: str) -> dict:
        return {"emergency": False, "ask": [h.id for h in both.meaning.read(text).hits]}

    matchers = [("keyword baseline", baseline.answer), ("phrases only", lambda t: assess(t, phrases).to_json()),
                ("meaning only", meaning_only),
                ("both, no second opinion", lambda t: assess(t, unjudged).to_json()),
                ("both (the kiosk)", lambda t: assess(t, both).to_json())]
    rows = []
    for name, path, part in [] if args.cost else scored_sets():
        cases = cases_of(path, part)
        for matcher, answer in matchers:
            rows.append({"set": name, "layer": matcher, **figures(cases, answer)})
    times = []
    texts = [c["text"] for c in cases_of(ROOT / "eval" / "heldout8_cases.json", "all")]
    for text in texts:
        t0 = time.perf_counter()
        assess(text, both)
        times.append((time.perf_counter() - t0) * 1000)
    clause = []
    for _ in range(50):  # the unit of work: a short utterance is one clause
        t0 = time.perf_counter()
        encoder.embed(["my right hand keeps letting go of my cup"])
        clause.append((time.perf_counter() - t0) * 1000)
    after_now = resident_mb()
    cost = [{"figure": "sentence model", "value": encoder.model_id},
            {"figure": "sentence model load (onnxruntime session and tokenizer)", "value": f"{load_s * 1000:.0f} ms"},
            {"figure": "content examples embedded (from the cache when present)", "value": f"{index_s * 1000:.0f} ms"},
            {"figure": "peak resident memory before / after loading", "value": f"{before:.0f} MB / {after:.0f} MB (+{after - before:.0f} MB)"},
            {"figure": "resident memory before loading / after the triage runs",
             "value": f"{before_now:.0f} MB / {after_now:.0f} MB (+{after_now - before_now:.0f} MB)"},
            {"figure": f"triage with the meaning layer, {len(texts)} utterances: median / p95",
             "value": f"{statistics.median(times):.1f} ms / {percentile(times, 95):.1f} ms"},
            {"figure": "one clause embedded alone, 50 times: median", "value": f"{statistics.median(clause):.1f} ms"}]
    text = ("## Meaning layer: accuracy per layer\n\n" + table(rows) + "\n\n" if rows else "")
    text += "## Meaning layer: cost on this machine\n\n" + table(cost) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
