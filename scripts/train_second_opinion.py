"""Train the meaning layer's second opinion (kiosk/meaning/second_opinion.npz) from the tuning sets.

A sign said in plain words ("my face went numb") is raised at once by the phrase rules. Some such sentences are
not an emergency now: a figure of speech, a sign explained or long past, a sign of a pet. The second opinion is a
logistic regression on the sentence vector that answers "does this report an emergency now?"; below
kiosk.core.triage.meaning.JUDGE_MIN the kiosk asks about the sign before the emergency prompt (it never clears
a sign). Trained on:

- every utterance of the tuning sets (eval/tuning: cases, red-flag sentences, and the session files' answers)
  in which the phrase rules raise a sign, labelled by the set (emergency or not);
- the content's banks: red_flags.toml examples (yes) and meaning.toml look-alikes (no).

The same file holds the sign finder, a second logistic regression, on clauses: does this clause tell of a
warning sign at all? It is trained on the banks (sign examples: yes; look-alikes: no) and on the tuning sets'
clauses: of each emergency utterance or answer, the clause nearest a sign's examples (yes), and every clause of
the everyday (not trap) cases and of the answers without an emergency (no). The kiosk asks about a clause the
finder is fairly sure of though no example is near, and drops a meaning hit the finder rules out.

The same file holds a memory (:class:`kiosk.core.triage.meaning.Judge`, ``recall_*`` and ``unlike_vectors``): the
clause that tells of the sign in each emergency of the tuning sets' cases and red-flag sentences, with its red flag
(the phrase rules' when they find one, else its nearest sign example's), and the clauses not to mistake for one:
the sign-like clause of each look-alike and the everyday clauses near a remembered sign. Stored as float16 vectors,
with the clauses' text (shown as the example a hit is closest to). ``--memory-only`` remakes the memory alone;
``--memory-leave-one-out 0.6/0.1/5,...`` measures it, each tuning set scored with a memory made without it, at
each RECALL_MIN / RECALL_MARGIN / RECALL_AGREE (benchmarks/meaning.md).

Never on the held-out sets (eval/heldout*.json, eval/redflag_sentences.json). The classes are weighted to
balance (the tuning sets hold far more real emergencies than look-alikes). Run again after the content's
banks or the tuning sets change:

    .venv/bin/python scripts/train_second_opinion.py [--judge-only | --memory-only]

``--judge-only`` refits the second opinion alone and keeps the shipped sign finder and cause guess. The shipped
file was made so on 2026-12-05 (session 26): the finder refit with the red-flag sets 15-25 stopped asking about two
described signs that tests keep ("his right hand overshoots everything", "keeps saying fork when she means phone").
Its memory was added with ``--memory-only`` on 2026-12-05 (session 28), from the tuning sets up to set 30.

``--leave-one-out`` measures instead how well that generalizes: each tuning set in turn is scored by the kiosk
with a second opinion trained without it (emergencies caught; asks on its everyday cases), beside the kiosk
without the finder.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.eval_sets import read_vignettes  # noqa: E402
from kiosk.core.content import KnowledgeBase, load_knowledge_base  # noqa: E402
from kiosk.core.triage import TriageIndex, assess, meaning  # noqa: E402
from kiosk.core.triage.meaning import (  # noqa: E402
    FINDER_ASK,
    RECALL_AGREE,
    RECALL_MARGIN,
    RECALL_MIN,
    Judge,
    split_clauses,
    utterance_vector,
)
from kiosk.meaning import SECOND_OPINION, memory_fields  # noqa: E402
from kiosk.meaning.encoder import ContentEmbeddings, SentenceEncoder, load_encoder  # noqa: E402

L2 = 1e-4
STEPS = 4000
RATE = 1.0


def tuning_utterances(tuning: Path, leave_out: str = "") -> list[tuple[str, bool, bool]]:
    """(text, emergency, trap) of every tuning case, red-flag sentence and session answer (but the set named
    ``leave_out``, as "set11")."""
    out: list[tuple[str, bool, bool]] = []
    for path in sorted(tuning.glob("*.json")):
        if leave_out and path.name.split("_")[0] == leave_out:
            continue
        for c in read_vignettes(path):
            if not isinstance(c.get("emergency"), bool):
                continue
            trap = "trap" in str(c.get("id", ""))
            if path.name.endswith("_sessions.json"):
                out += [(a, c["emergency"], trap) for a in c.get("answers") or ()]
            else:
                out.append((c["text"], c["emergency"], trap))
    return out


def fit(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression with an L2 penalty, by plain gradient descent (384 weights)."""
    share = labels.mean()
    sample = np.where(labels > 0, 0.5 / share, 0.5 / (1.0 - share))
    weights, bias = np.zeros(vectors.shape[1]), 0.0
    for _ in range(STEPS):
        chance = 1.0 / (1.0 + np.exp(-(vectors @ weights + bias)))
        grad = (chance - labels) * sample
        weights -= RATE * (vectors.T @ grad / len(labels) + L2 * weights)
        bias -= RATE * float(grad.mean())
    return weights, bias


def cause_cases(tuning: Path, leave_out: str = "") -> list[tuple[str, list[str]]]:
    """(text, cause ids) of every tuning case that names a cause and is not an emergency (but set ``leave_out``)."""
    out: list[tuple[str, list[str]]] = []
    for path in sorted(tuning.glob("*_cases.json")):
        if leave_out and path.name.split("_")[0] == leave_out:
            continue
        for c in read_vignettes(path):
            if c.get("causes") and not c.get("emergency"):
                out.append((c["text"], [x if isinstance(x, str) else x["id"] for x in c["causes"]]))
    return out


def fit_softmax(vectors: np.ndarray, shares: np.ndarray, steps: int = 1500, rate: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression with an L2 penalty, by plain gradient descent; ``shares`` holds each row's target
    share of each class (a case naming two causes gives each half)."""
    weights, bias = np.zeros((vectors.shape[1], shares.shape[1])), np.zeros(shares.shape[1])
    for _ in range(steps):
        logits = vectors @ weights + bias
        chances = np.exp(logits - logits.max(axis=1, keepdims=True))
        chances /= chances.sum(axis=1, keepdims=True)
        grad = (chances - shares) / len(vectors)
        weights -= rate * (vectors.T @ grad + L2 * weights)
        bias -= rate * grad.sum(axis=0)
    return weights, bias


def embed_all(encoder: SentenceEncoder | ContentEmbeddings, texts: list[str]) -> np.ndarray:
    embed = encoder.embed if isinstance(encoder, SentenceEncoder) else encoder
    return np.vstack([embed(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float64)


def train(encoder: SentenceEncoder, kb: KnowledgeBase, leave_out: str = "", keep: Judge | None = None
          ) -> tuple[Judge, str]:
    """The second opinion with its sign finder, from the banks and the tuning sets (but ``leave_out``), and a
    line saying what it learnt from. With ``keep``, only the second opinion is fit; the finder and the cause guess
    are ``keep``'s."""
    utterances = tuning_utterances(ROOT / "eval" / "tuning", leave_out)
    phrases = TriageIndex.build(kb)
    said = [(t, em) for t, em, _ in utterances if assess(t, phrases).emergency]
    signs = [e for f in kb.red_flags for e in f.examples]
    look_alikes = [e for kind in kb.not_now.values() for e in kind.examples]
    texts = [t for t, _ in said] + signs + look_alikes
    labels = np.array([float(em) for _, em in said] + [1.0] * len(signs) + [0.0] * len(look_alikes))
    vectors = embed_all(encoder, texts)
    weights, bias = fit(vectors, labels)
    agree = float(((1.0 / (1.0 + np.exp(-(vectors @ weights + bias))) >= 0.5) == (labels > 0)).mean())
    learnt = (f"{len(said)} tuning utterances with a phrase hit ({sum(em for _, em in said)} emergencies), "
              f"{len(signs)} sign examples, {len(look_alikes)} look-alikes; agrees with {agree:.1%} of them")
    if keep is not None:
        return (dataclasses.replace(keep, weights=weights.astype(np.float32), bias=float(bias)),
                f"{learnt}; sign finder and cause guess kept")

    sign_vectors = embed_all(encoder, signs)
    found, everyday = [], []
    for text, emergency, trap in utterances:
        clauses = split_clauses(text)[1] or [text]
        if emergency:  # the clause nearest a sign tells of it; the others may be about the twitch
            near = (embed_all(encoder, clauses) @ sign_vectors.T).max(axis=1)
            found.append(clauses[int(near.argmax())])
        elif not trap:
            everyday += clauses
    clause_texts = signs + found + look_alikes + everyday
    clause_labels = np.array([1.0] * (len(signs) + len(found)) + [0.0] * (len(look_alikes) + len(everyday)))
    find_weights, find_bias = fit(embed_all(encoder, clause_texts), clause_labels)

    cause_ids = tuple(c.id for c in kb.causes)
    described = [(t, cs) for t, cs in cause_cases(ROOT / "eval" / "tuning", leave_out) if set(cs) & set(cause_ids)]
    shares = np.zeros((len(described), len(cause_ids)))
    for row, (_, cs) in enumerate(described):
        named = [c for c in cs if c in cause_ids]
        shares[row, [cause_ids.index(c) for c in named]] = 1.0 / len(named)
    # as the kiosk reads an utterance: its clauses embedded together, their mean
    read_as_kiosk = np.array([utterance_vector(encoder.embed(split_clauses(t)[1] or [t])) for t, _ in described])
    cause_weights, cause_bias = fit_softmax(read_as_kiosk, shares)
    judge = Judge(weights.astype(np.float32), float(bias), find_weights.astype(np.float32), float(find_bias),
                  cause_ids, cause_weights.astype(np.float32), cause_bias.astype(np.float32))
    return judge, (f"{learnt}; sign finder: {len(found)} clauses that tell of a sign, {len(everyday)} everyday "
                   f"clauses; cause guess: {len(described)} cause cases")


UNLIKE_NEAR = 0.5
"""An everyday clause is kept as a look-alike of the memory when it is at least this close to a remembered sign
(the others could never be nearer than a sign clause that clears RECALL_MIN)."""


def memory_clauses(encoder: SentenceEncoder | ContentEmbeddings, kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    """(set, role, clause, red flag) for the memory, from the tuning sets' cases and red-flag sentences: the clause
    that tells of the sign in each emergency ("sign", with its red flag: the phrase rules' when they find one, in
    the clause that holds its words, else the nearest sign example's), the sign-like clause of each look-alike
    ("unlike") and every clause of the everyday cases ("everyday")."""
    phrases = TriageIndex.build(kb)
    flag_of = [f.id for f in kb.red_flags for _ in f.examples]
    sign_vectors = embed_all(encoder, [e for f in kb.red_flags for e in f.examples])
    out: list[tuple[str, str, str, str]] = []
    for path in sorted((ROOT / "eval" / "tuning").glob("*.json")):
        if path.name.endswith("_sessions.json"):
            continue
        name = path.name.split("_")[0]
        for c in read_vignettes(path):
            if not isinstance(c.get("emergency"), bool):
                continue
            clauses = list(dict.fromkeys(split_clauses(c["text"])[1])) or [c["text"]]
            near = embed_all(encoder, clauses) @ sign_vectors.T
            nearest = int(near.max(axis=1).argmax())
            if c["emergency"]:
                clause, flag = clauses[nearest], flag_of[int(near[nearest].argmax())]
                for hit in assess(c["text"], phrases).red_flags:
                    said = hit.said.lower().split()
                    holding = [x for x in clauses if all(w in x.lower().split() for w in said)]
                    if holding:
                        clause, flag = holding[0], hit.id
                        break
                out.append((name, "sign", clause, flag))
            elif "trap" in str(c.get("id", "")):
                out.append((name, "unlike", clauses[nearest], ""))
            else:
                out += [(name, "everyday", x, "") for x in clauses]
    return out


def memory(encoder: SentenceEncoder | ContentEmbeddings, rows: list[tuple[str, str, str, str]], leave_out: str = ""
           ) -> dict[str, Any]:
    """The memory's arrays (:class:`Judge`) from :func:`memory_clauses` (but set ``leave_out``'s): each sign
    clause once, and the look-alikes with the everyday clauses at least UNLIKE_NEAR close to a sign clause."""
    told: dict[str, str] = {}
    for name, role, text, flag in rows:
        if role == "sign" and name != leave_out:
            told.setdefault(text, flag)
    texts = list(told)
    recall = embed_all(encoder, texts)
    everyday = list(dict.fromkeys(t for n, r, t, _ in rows if r == "everyday" and n != leave_out and t not in told))
    near = (embed_all(encoder, everyday) @ recall.T).max(axis=1) >= UNLIKE_NEAR
    unlike = list(dict.fromkeys([t for n, r, t, _ in rows if r == "unlike" and n != leave_out and t not in told]
                                + [t for t, keep in zip(everyday, near, strict=True) if keep]))
    return {"recall_vectors": recall.astype(np.float16), "recall_flags": np.array([told[t] for t in texts]),
            "recall_texts": np.array(texts), "unlike_vectors": embed_all(encoder, unlike).astype(np.float16)}


def with_memory(judge: Judge, arrays: dict[str, Any]) -> Judge:
    """``judge`` with the memory ``arrays`` (as :func:`kiosk.meaning.load_judge` reads them)."""
    return dataclasses.replace(judge, **memory_fields(arrays))


def memory_leave_one_out(encoder: SentenceEncoder, kb: KnowledgeBase, grid: list[tuple[float, float, int]]) -> None:
    """Each tuning set's cases and red-flag sentences scored by the kiosk with the shipped second opinion and a
    memory made without that set, at each (RECALL_MIN, RECALL_MARGIN, RECALL_AGREE) of ``grid``, beside no memory."""
    from kiosk.meaning import load_judge

    shipped = load_judge()
    if shipped is None:
        print("no second opinion to add a memory to")
        return
    shipped = dataclasses.replace(shipped, recall_vectors=None, recall_flags=(), recall_texts=(), unlike_vectors=None)
    remembered = ContentEmbeddings(encoder, None)  # each clause embedded once, though every fold reads them all
    rows = memory_clauses(remembered, kb)
    heads = ["no memory"] + [f"{m:g}/{g:g}/{k}" for m, g, k in grid]
    totals = np.zeros((len(heads), 5), dtype=int)
    print("| tuning set (left out) | " + " | ".join(f"caught, everyday asked, look-alikes asked, false alarms: {h}"
                                                   for h in heads) + " |")
    for path in sorted((ROOT / "eval" / "tuning").glob("*_cases.json")) + sorted((ROOT / "eval" / "tuning").glob("*_redflags.json")):
        cases = [c for c in read_vignettes(path) if isinstance(c.get("emergency"), bool)]
        judge = with_memory(shipped, memory(remembered, rows, leave_out=path.name.split("_")[0]))
        found = []
        for at in [None, *grid]:
            if at is None:
                index = TriageIndex.build(kb, remembered, judge=shipped)
            else:
                meaning.RECALL_MIN, meaning.RECALL_MARGIN, meaning.RECALL_AGREE = at  # a measurement: the kiosk's thresholds, tried
                index = TriageIndex.build(kb, remembered, judge=judge)
            counts = np.zeros(5, dtype=int)
            for c in cases:
                answer = assess(c["text"], index)
                trap = "trap" in str(c.get("id", ""))
                counts += [c["emergency"] and bool(answer.emergency or answer.ask), c["emergency"],
                           not c["emergency"] and not trap and bool(answer.ask or answer.emergency),
                           not c["emergency"] and trap and bool(answer.ask) and not answer.emergency,
                           not c["emergency"] and bool(answer.emergency)]
            found.append(counts)
        meaning.RECALL_MIN, meaning.RECALL_MARGIN, meaning.RECALL_AGREE = RECALL_MIN, RECALL_MARGIN, RECALL_AGREE
        totals += np.array(found)
        print(f"| {path.stem} | " + " | ".join(f"{r[0]}/{r[1]}, {r[2]}, {r[3]}, {r[4]}" for r in found) + " |",
              flush=True)
    print("| all | " + " | ".join(f"{r[0]}/{r[1]}, {r[2]}, {r[3]}, {r[4]}" for r in totals) + " |")


def score(cases: list[dict], index: TriageIndex) -> tuple[int, int, int, int, int, int]:
    """(emergencies caught, emergencies, everyday cases asked about, everyday cases, cause cases with a right
    cause in the first three, cause cases) of one set's cases."""
    caught = emergencies = asked = everyday = top3 = described = 0
    for c in cases:
        answer = assess(c["text"], index)
        if c.get("emergency") is True:
            emergencies += 1
            caught += bool(answer.emergency or answer.ask)
        elif c.get("emergency") is False and "trap" not in str(c.get("id", "")) and not answer.emergency:
            everyday += 1
            asked += bool(answer.ask)
        if c.get("causes") and not c.get("emergency"):
            described += 1
            wanted = {x if isinstance(x, str) else x["id"] for x in c["causes"]}
            top3 += bool(wanted & {k.id for k in answer.causes[:3]})
    return caught, emergencies, asked, everyday, top3, described


def leave_one_out(encoder: SentenceEncoder, kb: KnowledgeBase, thresholds: list[float]) -> None:
    """Each tuning set's cases scored with a second opinion trained without it: without the finder and the cause
    guess, and with them at each of ``thresholds`` (FINDER_ASK)."""
    heads = ["without"] + [f"finder {t:g}" for t in thresholds]
    print("| tuning set (left out) | " + " | ".join(f"caught, {h}" for h in heads) + " | "
          + " | ".join(f"everyday asked, {h}" for h in heads) + " | top-3 cause, without | top-3 cause, with the guess |")
    print("|---" * (3 + 2 * len(heads)) + "|")
    totals = np.zeros((len(heads), 6), dtype=int)
    for path in sorted((ROOT / "eval" / "tuning").glob("*_cases.json")) + sorted((ROOT / "eval" / "tuning").glob("*_redflags.json")):
        judge, _ = train(encoder, kb, leave_out=path.name.split("_")[0])
        cases = read_vignettes(path)
        alone = dataclasses.replace(judge, find_weights=None, cause_ids=(), cause_weights=None, cause_bias=None)
        rows = [score(cases, TriageIndex.build(kb, encoder.embed, judge=alone))]
        with_both = TriageIndex.build(kb, encoder.embed, judge=judge)
        for t in thresholds:
            meaning.FINDER_ASK = t  # a measurement: the kiosk's own threshold, tried at each value
            rows.append(score(cases, with_both))
        meaning.FINDER_ASK = FINDER_ASK
        totals += np.array(rows)
        print(f"| {path.stem} | " + " | ".join(f"{r[0]}/{r[1]}" for r in rows) + " | "
              + " | ".join(f"{r[2]}/{r[3]}" for r in rows) + f" | {rows[0][4]}/{rows[0][5]} | {rows[-1][4]}/{rows[-1][5]} |",
              flush=True)
    print("| all | " + " | ".join(f"{c}/{n} ({c / n:.1%})" for c, n, *_ in totals) + " | "
          + " | ".join(f"{q}/{m} ({q / m:.1%})" for _, _, q, m, *_ in totals)
          + f" | {totals[0][4]}/{totals[0][5]} ({totals[0][4] / totals[0][5]:.1%}) | "
          f"{totals[-1][4]}/{totals[-1][5]} ({totals[-1][4] / totals[-1][5]:.1%}) |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SECOND_OPINION)
    parser.add_argument("--leave-one-out", metavar="THRESHOLDS", default="",
                        help="score each tuning set with a second opinion trained without it, at these FINDER_ASK "
                             "values (as 0.75,0.8,0.85); writes nothing")
    parser.add_argument("--judge-only", action="store_true",
                        help="refit only the second opinion on phrase hits; keep the sign finder and the cause guess "
                             "of the file at --out")
    parser.add_argument("--memory-leave-one-out", metavar="GRID", default="",
                        help="score each tuning set with a memory made without it, at these RECALL_MIN/RECALL_MARGIN/"
                             "RECALL_AGREE (as 0.6/0.1/5,0.65/0.1/5); writes nothing")
    parser.add_argument("--memory-only", action="store_true",
                        help="remake only the memory; keep the rest of the file at --out")
    args = parser.parse_args(argv)
    encoder, why = load_encoder(cache_dir=ROOT / "models" / "cache")  # the model the kiosk runs (int8 MatMuls)
    if encoder is None:
        print(why)
        return 1
    kb = load_knowledge_base(ROOT / "content")
    if args.memory_leave_one_out:
        grid = [(float(m), float(g), int(k)) for m, g, k in (p.split("/") for p in args.memory_leave_one_out.split(","))]
        memory_leave_one_out(encoder, kb, grid)
        return 0
    if args.leave_one_out:
        leave_one_out(encoder, kb, [float(t) for t in args.leave_one_out.split(",")])
        return 0
    kept = None
    if args.judge_only or args.memory_only:
        from kiosk.meaning import load_judge

        kept = load_judge(args.out)
        if kept is None:
            print(f"--judge-only and --memory-only need a second opinion at {args.out} to keep")
            return 1
    judge, learnt = (kept, "second opinion, sign finder and cause guess kept") if args.memory_only and kept else \
        train(encoder, kb, keep=kept)
    remembered = memory(encoder, memory_clauses(encoder, kb))
    learnt += (f"; memory: {len(remembered['recall_texts'])} sign clauses, {len(remembered['unlike_vectors'])} "
               "clauses not to mistake for them")
    arrays: dict[str, Any] = {"weights": judge.weights, "bias": np.float32(judge.bias),
                              "cause_ids": np.array(judge.cause_ids), "model": np.array(encoder.model_id)}
    if judge.find_weights is not None:  # a kept file may predate the finder or the cause guess (load_judge)
        arrays.update(find_weights=judge.find_weights, find_bias=np.float32(judge.find_bias))
    if judge.cause_weights is not None and judge.cause_bias is not None:
        arrays.update(cause_weights=judge.cause_weights, cause_bias=judge.cause_bias)
    arrays.update(remembered)
    np.savez_compressed(args.out, **arrays)
    print(f"{learnt}; wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
