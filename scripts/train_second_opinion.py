"""Train the meaning layer's second opinion (kiosk/meaning/second_opinion.npz) from the tuning sets.

A sign said in plain words ("my face went numb") is raised at once by the phrase rules. Some such sentences are
not an emergency now: a figure of speech, a sign explained or long past, a sign of a pet. The second opinion is a
logistic regression on the sentence vector that answers "does this report an emergency now?"; below
kiosk.core.triage.meaning.JUDGE_MIN the kiosk asks about the sign before the emergency prompt (it never clears
a sign). Trained on:

- every utterance of the tuning sets (eval/tuning: cases, red-flag sentences, and the session files' answers)
  in which the phrase rules raise a sign, labelled by the set (emergency or not);
- the content's banks: red_flags.toml examples (yes) and meaning.toml look-alikes (no).

Never on the held-out sets (eval/heldout*.json, eval/redflag_sentences.json). The classes are weighted to
balance (the tuning sets hold far more real emergencies than look-alikes). Run again after the content's
banks or the tuning sets change:

    .venv/bin/python scripts/train_second_opinion.py
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.core.content import load_knowledge_base  # noqa: E402
from kiosk.core.triage import TriageIndex, assess  # noqa: E402
from kiosk.meaning import SECOND_OPINION  # noqa: E402
from kiosk.meaning.encoder import load_encoder  # noqa: E402

L2 = 1e-4
STEPS = 4000
RATE = 1.0


def tuning_utterances(tuning: Path) -> list[tuple[str, bool]]:
    """(text, emergency) of every tuning case, red-flag sentence and session answer."""
    out: list[tuple[str, bool]] = []
    for path in sorted(tuning.glob("*.json")):
        data = json.loads(path.read_text())
        cases = data["cases"] if isinstance(data, dict) else data
        for c in cases:
            if not isinstance(c.get("emergency"), bool):
                continue
            if path.name.endswith("_sessions.json"):
                out += [(a, c["emergency"]) for a in c.get("answers") or ()]
            else:
                out.append((c["text"], c["emergency"]))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SECOND_OPINION)
    args = parser.parse_args(argv)
    encoder, why = load_encoder(cache_dir=ROOT / "models" / "cache")  # the model the kiosk runs (int8 MatMuls)
    if encoder is None:
        print(why)
        return 1
    kb = load_knowledge_base(ROOT / "content")
    phrases = TriageIndex.build(kb)
    said = [(t, em) for t, em in tuning_utterances(ROOT / "eval" / "tuning") if assess(t, phrases).emergency]
    signs = [e for f in kb.red_flags for e in f.examples]
    look_alikes = [e for kind in kb.not_now.values() for e in kind.examples]
    texts = [t for t, _ in said] + signs + look_alikes
    labels = np.array([float(em) for _, em in said] + [1.0] * len(signs) + [0.0] * len(look_alikes))
    vectors = np.vstack([encoder.embed(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float64)
    weights, bias = fit(vectors, labels)
    agree = float(((1.0 / (1.0 + np.exp(-(vectors @ weights + bias))) >= 0.5) == (labels > 0)).mean())
    np.savez(args.out, weights=weights.astype(np.float32), bias=np.float32(bias), model=np.array(encoder.model_id))
    print(f"{len(said)} tuning utterances with a phrase hit ({sum(em for _, em in said)} emergencies), "
          f"{len(signs)} sign examples, {len(look_alikes)} look-alikes; agrees with {agree:.1%} of them; "
          f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
