#!/usr/bin/env python3
"""Session-level safety on the blind sets: whole conversations with a simulated visitor (issue 9).

    python scripts/eval_sessions.py [--layer both|phrases] [--misses]

Emergency visitors say their case and answer each question truthfully in their own words (the sets' session
files) or "yes" to the screening question (the vignette files); the prompt must come. Visitors without one
answer "no", or first ask what the question means (seven wordings) and then say "no"; it must not come.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.eval_sets import eval_sets, read_vignettes  # noqa: E402
from kiosk.bench.sessions import run_session, summarize, visitors_from_cases, visitors_from_sessions  # noqa: E402
from kiosk.core.content import load_knowledge_base  # noqa: E402
from kiosk.core.dialogue import Dialogue  # noqa: E402
from kiosk.meaning import triage_index  # noqa: E402


def session_sets() -> list[tuple[str, Path, str]]:
    """(row name, file, kind) for every set in eval/sets.toml: its session scripts, then its cases."""
    rows = []
    for s in eval_sets():
        if s.sessions is not None:
            rows.append((f"{s.name} sessions ({s.role})", s.sessions, "sessions"))
        rows.append((f"{s.name} cases ({s.role})", s.cases, "cases"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", choices=("both", "phrases"), default="both")
    parser.add_argument("--misses", action="store_true", help="print every session that ended wrong")
    parser.add_argument("--sets", default="", help="only the sets whose name holds this text (e.g. 'set 9')")
    args = parser.parse_args(argv)
    kb = load_knowledge_base(ROOT / "content")
    index = triage_index(kb, args.layer == "both", ROOT / "models")
    if index.meaning is not None:
        # the same lines come back in many sessions ("no", each opening): each batch is embedded once. Keyed
        # by the whole batch, not by text: the int8 model scales its activations per batch, so a clause's
        # vector depends a little on the clauses beside it, as it does in the kiosk
        embed, seen = index.meaning.embed, {}

        def remembered(texts):
            key = tuple(texts)
            if key not in seen:
                seen[key] = embed(list(texts))
            return seen[key]

        index = dataclasses.replace(index, meaning=dataclasses.replace(index.meaning, embed=remembered))
    dialogue = Dialogue(kb, index=index)
    rows = []
    for name, path, kind in session_sets():
        if args.sets not in name or not path.exists():
            continue
        cases = read_vignettes(path)
        visitors = visitors_from_sessions(cases) if kind == "sessions" else visitors_from_cases(cases)
        outcomes = [run_session(dialogue, v) for v in visitors]
        rows.append({"set": name, **summarize(outcomes)})
        if args.misses:
            for o in outcomes:
                if not o.ok:
                    print(f"{'MISSED' if o.visitor.emergency else 'FALSE ALARM'} {o.visitor.id}: "
                          + " | ".join(f"> {said} < {reply[:90]}" for said, reply in o.transcript))
    cols = list(rows[0])
    width = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    print(f"Session-level safety, layer: {args.layer}")
    print("  ".join(c.ljust(width[c]) for c in cols))
    print("  ".join("-" * width[c] for c in cols))
    for r in rows:
        print("  ".join(r[c].ljust(width[c]) for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
