"""Score triage answers against labelled cases, the way ../shared/eval/score_triage.py does.

Pure: cases and answers (the JSON objects of `kiosk triage --json`) in, figures out. Shared by the
triage benchmark, the voice benchmark and the benchmark suite.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.content import Case, Cause, Clue, KnowledgeBase, RedFlag


@dataclass
class Metrics:
    cases: int = 0
    em_tp: int = 0
    em_fn: int = 0
    em_tn: int = 0
    em_fp: int = 0
    top1: int = 0
    top3: int = 0
    with_cause: int = 0
    oos_ok: int = 0
    oos: int = 0
    asks: int = 0
    """Non-emergencies that were not raised but asked about (each costs the visitor a question)."""
    missed: list[tuple[str, str]] = field(default_factory=list)
    """(case id, text) of every missed emergency."""
    false_alarms: list[tuple[str, str]] = field(default_factory=list)
    cause_misses: list[tuple[str, str, str]] = field(default_factory=list)
    oos_misses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sensitivity(self) -> float:
        return self.em_tp / max(1, self.em_tp + self.em_fn)

    @property
    def specificity(self) -> float:
        return self.em_tn / max(1, self.em_tn + self.em_fp)

    @property
    def top1_rate(self) -> float:
        return self.top1 / max(1, self.with_cause)

    @property
    def top3_rate(self) -> float:
        return self.top3 / max(1, self.with_cause)

    def row(self) -> dict[str, str]:
        return {
            "cases": str(self.cases),
            "emergency sensitivity": f"{self.sensitivity:.1%} ({self.em_tp}/{self.em_tp + self.em_fn})",
            "specificity": f"{self.specificity:.1%} ({self.em_tn}/{self.em_tn + self.em_fp})",
            "top-1 cause": f"{self.top1_rate:.1%} ({self.top1}/{self.with_cause})",
            "top-3 cause": f"{self.top3_rate:.1%} ({self.top3}/{self.with_cause})",
            "out of scope": f"{self.oos_ok}/{self.oos}",
            "asks on non-emergencies": f"{self.asks / max(1, self.em_tn):.1%} ({self.asks}/{self.em_tn})",
        }


def cause_ids(answer: Mapping) -> list[str]:
    return [c["id"] if isinstance(c, Mapping) else c for c in answer.get("causes") or []]


def score(cases: Sequence[Case], answers: Sequence[Mapping]) -> Metrics:
    """Compare answers with cases, pairwise and in order. An emergency counts as caught when ``emergency`` is
    true (the prompt at once) or ``ask`` names a red flag (a yes/no question first); a false alarm is
    ``emergency`` true on a non-emergency."""
    m = Metrics(cases=len(cases))
    for case, answer in zip(cases, answers, strict=True):
        emergency = bool(answer.get("emergency"))
        asked = bool(answer.get("ask"))
        ids = cause_ids(answer)
        if case.emergency is True:
            if emergency or asked:
                m.em_tp += 1
            else:
                m.em_fn += 1
                m.missed.append((case.id, case.text))
        elif case.emergency is False:
            if emergency:
                m.em_fp += 1
                m.false_alarms.append((case.id, case.text))
            else:
                m.em_tn += 1
                m.asks += asked
        if case.causes and case.emergency is not True:
            m.with_cause += 1
            if ids[:1] and ids[0] in case.causes:
                m.top1 += 1
            else:
                m.cause_misses.append((case.id, case.text, f"got {ids[:3]} want {list(case.causes)}"))
            if set(ids[:3]) & set(case.causes):
                m.top3 += 1
        if not case.in_scope:
            m.oos += 1
            if not ids and answer.get("in_scope") is False:
                m.oos_ok += 1
            else:
                m.oos_misses.append((case.id, case.text))
    return m


def scaled_knowledge_base(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    """A knowledge base ``factor`` times larger, for scaling benchmarks.

    Each cause and red flag is copied ``factor - 1`` more times with every clue given a made-up extra
    word, so the vocabulary and the number of phrases both grow by the factor, like real new content.
    """
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def word() -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(5, 9)))

    causes: list[Cause] = list(kb.causes)
    flags: list[RedFlag] = list(kb.red_flags)
    for copy in range(1, factor):
        for c in kb.causes:
            clues = tuple(Clue(f"{clue.phrase} {word()}", clue.weight, clue.tier) for clue in c.clues)
            causes.append(Cause(f"{c.id}_{copy}", c.name, c.explanation, c.reason, c.sources, c.urgency,
                                c.see_provider, c.home_care, c.provider_care, clues, c.questions))
        for f in kb.red_flags:
            flags.append(RedFlag(f"{f.id}_{copy}", f.name, tuple(f"{word()} {p}" for p in f.phrases), f.question))
    return KnowledgeBase(tuple(causes), tuple(flags), kb.guidance, kb.scope_terms, kb.dialogue, kb.sources, (), kb.root,
                         kb.scope_body, kb.scope_clue_causes, kb.scope_not_about, kb.things)


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation, as numpy does by default."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)
