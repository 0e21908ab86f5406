"""Triage accuracy, typed and as heard, for the kiosk's triage and for the plain keyword baseline."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.content import Case, KnowledgeBase, load_cases
from ..core.triage import TriageIndex, assess
from ..ops.settings import PROJECT_ROOT
from .baseline import KeywordBaseline
from .corpus import DEV_VIGNETTES
from .evaluation import Metrics, score

Answerer = Callable[[str], Mapping]


def case_sets(kb: KnowledgeBase | None, root: Path = PROJECT_ROOT) -> list[tuple[str, tuple[Case, ...]]]:
    """The labelled sets that exist: dev vignettes, the content's regression cases, the held-out sets."""
    out: list[tuple[str, tuple[Case, ...]]] = []
    if DEV_VIGNETTES.exists():
        out.append(("dev vignettes", load_cases(DEV_VIGNETTES)))
    if kb is not None and kb.cases:
        out.append(("content regression cases", kb.cases))
    for name, rel in (("held-out cases", "eval/heldout_cases.json"),
                      ("held-out red-flag sentences", "eval/redflag_sentences.json")):
        if (root / rel).exists():
            out.append((name, load_cases(root / rel)))
    return out


def kiosk_index(kb: KnowledgeBase) -> TriageIndex:
    """The triage index the kiosk itself runs (kiosk.faces.cli.make_index, default settings): the phrase rules and,
    when the sentence model loads, the meaning layer with its second opinion. A figure measured on the phrase
    rules alone is not the kiosk's: they raised 'the stock market took a sudden dip' that the kiosk only asks."""
    from ..faces.cli import make_index
    from ..ops.settings import Settings

    return make_index(Settings(), kb)


@dataclass(frozen=True)
class Matchers:
    """The kiosk's triage and the keyword baseline over the same knowledge base."""

    kiosk: Answerer
    baseline: Answerer

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Matchers:
        index = kiosk_index(kb)
        base = KeywordBaseline.build(kb)
        return cls(lambda text: assess(text, index).to_json(), base.answer)

    def items(self) -> list[tuple[str, Answerer]]:
        return [("kiosk triage", self.kiosk), ("keyword baseline", self.baseline)]


def evaluate(cases: Sequence[Case], texts: Sequence[str], answer: Answerer) -> Metrics:
    """Score ``answer`` on ``texts`` (what was typed or heard) against the labels of ``cases``."""
    return score(cases, [answer(t) for t in texts])


def as_heard(case: Case, text: str, suffix: str) -> Case:
    """The case with what a recognizer heard in place of its text, and an id naming the audio."""
    return replace(case, id=f"{case.id}{suffix}", text=text)


def metric_cells(m: Metrics) -> list[str]:
    """sensitivity, specificity, top-1, top-3, out of scope: each as percent with counts."""
    def frac(a: int, b: int) -> str:
        return "n/a" if b == 0 else f"{100 * a / b:.1f}% ({a}/{b})"
    return [frac(m.em_tp, m.em_tp + m.em_fn), frac(m.em_tn, m.em_tn + m.em_fp), frac(m.top1, m.with_cause),
            frac(m.top3, m.with_cause), frac(m.oos_ok, m.oos)]


METRIC_COLUMNS = ["emergency sensitivity", "specificity", "top-1 cause", "top-3 cause", "out of scope"]
