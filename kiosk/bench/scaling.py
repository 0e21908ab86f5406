"""How triage time and memory grow with the knowledge base (1x, 10x, 100x generated content) and with
the length of what was said (5 to 200 words)."""
from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..core.content import KnowledgeBase
from ..core.triage import TriageIndex, assess
from .evaluation import scaled_knowledge_base

Progress = Callable[[int], None]


@dataclass
class KbPoint:
    factor: int
    phrases: int
    build_s: float
    index_bytes: int
    """Memory held by the built index (tracemalloc, Python allocations)."""
    triage_peak_bytes: int
    """Extra memory allocated at the peak of one triage of the longest utterance."""
    times_s: list[float] = field(default_factory=list)
    cold_s: list[float] = field(default_factory=list)
    """First pass: every word new to the matcher's caches."""


def _phrases(kb: KnowledgeBase) -> int:
    return sum(len(c.clues) for c in kb.causes) + sum(len(f.phrases) for f in kb.red_flags)


def _time_all(texts: Sequence[str], index: TriageIndex, out: list[float], tick: Progress | None) -> None:
    for text in texts:
        t0 = time.perf_counter()
        assess(text, index)
        out.append(time.perf_counter() - t0)
        if tick:
            tick(1)


def kb_scaling(kb: KnowledgeBase, texts: Sequence[str], factors: Sequence[int] = (1, 10, 100), repeat: int = 3,
               tick: Progress | None = None) -> list[KbPoint]:
    """Triage every text ``repeat`` times (after one cold pass) against each scaled knowledge base."""
    points = []
    longest = max(texts, key=len)
    for factor in factors:
        big = kb if factor == 1 else scaled_knowledge_base(kb, factor)
        gc.collect()
        t0 = time.perf_counter()
        index = TriageIndex.build(big)
        build_s = time.perf_counter() - t0
        del index
        gc.collect()
        # memory is measured apart from timing: tracemalloc slows every allocation
        tracemalloc.start()
        index = TriageIndex.build(big)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assess(longest, index)
        peak = tracemalloc.get_traced_memory()[1] - held
        tracemalloc.stop()
        del index
        gc.collect()
        index = TriageIndex.build(big)
        point = KbPoint(factor, _phrases(big), build_s, held, max(0, peak))
        _time_all(texts, index, point.cold_s, tick)
        for _ in range(repeat):
            _time_all(texts, index, point.times_s, tick)
        points.append(point)
    return points


@dataclass
class LengthPoint:
    factor: int
    words: int
    times_s: list[float] = field(default_factory=list)


def utterances_of_length(texts: Sequence[str], n_words: int, count: int) -> list[str]:
    """``count`` utterances of exactly ``n_words`` words cut from the given texts run together."""
    words = " ".join(texts).split()
    if not words:
        return []
    while len(words) < n_words + count:
        words = words + words
    step = max(1, (len(words) - n_words) // count)
    return [" ".join(words[i * step:i * step + n_words]) for i in range(count)]


def length_scaling(kb: KnowledgeBase, texts: Sequence[str], lengths: Sequence[int] = (5, 10, 20, 50, 100, 200),
                   factors: Sequence[int] = (1, 10), count: int = 20, repeat: int = 5,
                   tick: Progress | None = None) -> list[LengthPoint]:
    """Triage time against utterance length, for each knowledge-base size."""
    points = []
    for factor in factors:
        index = TriageIndex.build(kb if factor == 1 else scaled_knowledge_base(kb, factor))
        for n in lengths:
            utts = utterances_of_length(texts, n, count)
            for u in utts:  # warm the caches: the table is about steady state
                assess(u, index)
            point = LengthPoint(factor, n)
            for _ in range(repeat):
                _time_all(utts, index, point.times_s, tick)
            points.append(point)
    return points
