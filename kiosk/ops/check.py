"""`kiosk check`: validate the content, grade every spoken text, run the clinicians' regression cases."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from ..core.content import Case, KnowledgeBase
from ..core.triage import TriageIndex, assess
from ..core.triage.matching import stem

MAX_GRADE = 8.0
"""Highest Flesch-Kincaid grade allowed for anything a person hears."""


@dataclass(frozen=True)
class CaseResult:
    case: Case
    passed: bool
    got_emergency: bool
    got_causes: tuple[str, ...]
    got_in_scope: bool
    why: str


def reading_grades(kb: KnowledgeBase) -> list[tuple[str, float, str]]:
    """(where, grade, text) for every text a person hears, graded with textstat's Flesch-Kincaid."""
    import textstat  # imported here: only `kiosk check` needs it

    return [(where, float(textstat.flesch_kincaid_grade(text)), text) for where, text in kb.spoken_texts()]


def one_word_phrases(index: TriageIndex) -> list[tuple[str, str, str]]:
    """(red flag, phrase, word) for each red-flag phrase that the matcher reads as one everyday word: its other
    words are function words, which are optional ("get an ambulance" fired on "the ambulance bay"). Write it with
    "=" to need every word, or as the one word if that word alone is the sign. Read off the matcher's own patterns
    (:class:`kiosk.core.triage.matching.PhraseIndex`), so the check and the matching cannot disagree."""
    found = []
    for phrases in (index.red_flags, index.asks):
        for p in phrases.phrases if phrases is not None else ():
            words = p.text.split()
            if not p.pair and len(words) > 1 and len(p.pattern) == 1:
                found.append((p.owner, p.text, next(w for w in words if stem(w) == p.pattern[0])))
    return found


def run_case(case: Case, index: TriageIndex) -> CaseResult:
    """Check one case: an emergency must be raised or asked about, and a non-emergency never raised; the top
    cause must be one of the expected ones."""
    result = assess(case.text, index).to_json()
    got = tuple(c["id"] for c in result["causes"])
    problems = []
    if case.emergency is True and not (result["emergency"] or result["ask"]):
        problems.append("missed emergency")
    if case.emergency is False and result["emergency"]:
        problems.append("false emergency")
    if not case.in_scope:
        if result["in_scope"] or got:
            problems.append("should be out of scope")
    elif result["in_scope"] is False and (case.causes or case.emergency):
        problems.append("taken as out of scope")
    if case.causes and case.emergency is not True and (not got or got[0] not in case.causes):
        problems.append(f"top cause {got[0] if got else 'none'}, want {'/'.join(case.causes)}")
    return CaseResult(case, not problems, result["emergency"], got, result["in_scope"], "; ".join(problems))


def run_cases(cases: Iterable[Case], index: TriageIndex) -> list[CaseResult]:
    return [run_case(c, index) for c in cases]


def report(kb: KnowledgeBase, out: TextIO, verbose: bool = False, index: TriageIndex | None = None) -> bool:
    """Print the grade table and the regression table; True when everything passes."""
    grades = reading_grades(kb)
    too_hard = [g for g in grades if g[1] > MAX_GRADE]
    out.write(f"Content: {kb.root} - {len(kb.causes)} causes, {len(kb.red_flags)} red flags, "
              f"{sum(len(c.clues) for c in kb.causes)} clues, {sum(len(f.phrases) for f in kb.red_flags)} red-flag phrases, "
              f"{len(kb.sources)} sources: valid\n\n")
    out.write(f"Reading grade (Flesch-Kincaid) of every text a person hears; at most {MAX_GRADE:g} allowed\n")
    out.write(f"{'grade':>6}  {'ok':4}  where\n")
    for where, grade, text in sorted(grades, key=lambda g: -g[1]):
        if verbose or grade > MAX_GRADE or grade >= MAX_GRADE - 1:
            out.write(f"{grade:6.1f}  {'FAIL' if grade > MAX_GRADE else 'ok':4}  {where}: {text[:70]}\n")
    worst = max(g[1] for g in grades) if grades else 0.0
    out.write(f"{len(grades)} texts graded, highest {worst:.1f}, {len(too_hard)} above grade {MAX_GRADE:g}"
              f"{'' if verbose else ' (texts within a grade of the limit listed; --verbose lists all)'}\n\n")

    index = index or TriageIndex.build(kb)
    loose = one_word_phrases(index)
    out.write(f"Red-flag phrases read as one everyday word (write them with '=' to need every word): {len(loose)}\n")
    for flag_id, phrase, word in loose:
        out.write(f"FAIL  {flag_id}: '{phrase}' matches '{word}' alone\n")
    out.write("\n")

    results = run_cases(kb.cases, index)
    failed = [r for r in results if not r.passed]
    out.write(f"Regression cases ({len(results)})\n{'result':6}  {'id':12}  {'emergency':9}  {'top cause':22}  text\n")
    for r in results:
        if verbose or not r.passed:
            out.write(f"{'pass' if r.passed else 'FAIL':6}  {r.case.id:12}  {str(r.got_emergency):9}  "
                      f"{(r.got_causes[0] if r.got_causes else '-'):22}  {r.case.text[:60]}"
                      f"{'  <- ' + r.why if r.why else ''}\n")
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    return not too_hard and not failed and not loose
