"""A plain keyword baseline over the same content: exact word-sequence lookup, no fuzzy matching, no negation.

It answers in the shape of ``kiosk triage --json`` so the same scorer grades it. Comparing it with the
kiosk's triage shows what fuzzy and stemmed matching, proximity and negation scope are worth.
Text and phrases are split into words by the kiosk's own tokenizer (lower case, punctuation dropped,
contractions expanded) so that only the matching differs, not the spelling rules.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.content import KnowledgeBase
from ..core.text import tokens


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class KeywordBaseline:
    """Exact lookup of every clue, red-flag phrase and scope term of a knowledge base."""

    flags: tuple[tuple[str, tuple[str, ...]], ...]
    clues: tuple[tuple[str, tuple[str, ...], float], ...]
    scope: tuple[tuple[str, ...], ...]
    order: tuple[str, ...]

    @classmethod
    def build(cls, kb: KnowledgeBase) -> KeywordBaseline:
        return cls(
            flags=tuple((f.id, tuple(tokens(p))) for f in kb.red_flags for p in f.phrases),
            clues=tuple((c.id, tuple(tokens(clue.phrase)), clue.weight) for c in kb.causes for clue in c.clues),
            scope=tuple(tuple(tokens(t)) for t in kb.scope_terms),
            order=tuple(c.id for c in kb.causes),
        )

    def answer(self, text: str) -> dict:
        """Emergency when any red-flag phrase occurs; causes ranked by the summed weight of the clues that occur."""
        words = tokens(text)
        flags = list(dict.fromkeys(fid for fid, p in self.flags if _contains(words, p)))
        totals: dict[str, float] = {}
        for cid, phrase, weight in self.clues:
            if _contains(words, phrase):
                totals[cid] = totals.get(cid, 0.0) + weight
        # the same scope gate as the kiosk: a red flag or a twitching word, so only matching differs
        in_scope = bool(flags or any(_contains(words, p) for p in self.scope))
        ranked = sorted(totals, key=lambda c: (-totals[c], self.order.index(c))) if in_scope else []
        return {"emergency": bool(flags), "red_flags": flags,
                "causes": [{"id": c, "score": round(totals[c], 3)} for c in ranked], "in_scope": in_scope}
