"""Meaning: the sentence-embedding model behind the triage's meaning layer (an adapter: it loads files).

:func:`triage_index` is how every face builds its triage index: with the meaning layer when the setting is on
and the model loads, else on phrases alone, after one line saying why.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from ..core.content import KnowledgeBase
    from ..core.triage import TriageIndex

log = logging.getLogger("kiosk")
_CACHES: dict[Path, object] = {}
_WARNED: set[str] = set()

CACHE_NAME = "content-embeddings.npz"
SECOND_OPINION = Path(__file__).with_name("second_opinion.npz")
"""The second opinion's weights (scripts/train_second_opinion.py writes them from the tuning sets)."""


def load_judge(path: Path = SECOND_OPINION, dimensions: int = 384):
    """The second opinion on signs said in plain words, or None after one line (every such sign is then raised
    at once, as before it existed)."""
    import numpy as np

    from ..core.triage.meaning import Judge

    try:
        with np.load(path, allow_pickle=False) as saved:
            weights = np.asarray(saved["weights"], dtype=np.float32)
            bias = float(saved["bias"])
            # the sign finder came later: a file without it still gives the second opinion
            finder = np.asarray(saved["find_weights"], dtype=np.float32) if "find_weights" in saved else None
            find_bias = float(saved["find_bias"]) if "find_bias" in saved else 0.0
            causes = tuple(str(c) for c in saved["cause_ids"]) if "cause_ids" in saved else ()
            cause_weights = np.asarray(saved["cause_weights"], dtype=np.float32) if causes else None
            cause_bias = np.asarray(saved["cause_bias"], dtype=np.float32) if causes else None
            memory = memory_fields(saved)
    except (OSError, KeyError, ValueError) as err:
        _warn_once(f"second opinion not loaded ({err.__class__.__name__}): signs said plainly are raised at once; "
                   "run scripts/train_second_opinion.py")
        return None
    if (weights.shape != (dimensions,) or (finder is not None and finder.shape != (dimensions,))
            or (cause_weights is not None and cause_weights.shape != (dimensions, len(causes)))
            or (memory and (memory["recall_vectors"].shape != (len(memory["recall_flags"]), dimensions)
                            or len(memory["recall_texts"]) != len(memory["recall_flags"])
                            or memory["unlike_vectors"].shape[1:] != (dimensions,)))):
        _warn_once(f"second opinion {path.name} does not fit the sentence model: run scripts/train_second_opinion.py")
        return None
    return Judge(weights, bias, finder, find_bias, causes, cause_weights, cause_bias, **memory)


def memory_fields(saved: Mapping[str, Any]) -> dict[str, Any]:
    """The memory's :class:`Judge` fields from a second opinion's arrays (its file, or what
    scripts/train_second_opinion.py makes): vectors as float32, flags and texts as tuples of str. Empty when the
    arrays hold no memory: it came after the rest, and a file without it still gives the second opinion."""
    import numpy as np

    if "recall_vectors" not in saved:
        return {}
    return {"recall_vectors": np.asarray(saved["recall_vectors"], dtype=np.float32),
            "recall_flags": tuple(str(f) for f in saved["recall_flags"]),
            "recall_texts": tuple(str(t) for t in saved["recall_texts"]),
            "unlike_vectors": np.asarray(saved["unlike_vectors"], dtype=np.float32)}


def _warn_once(why: str) -> None:
    if why not in _WARNED:
        _WARNED.add(why)
        log.warning("%s", why)


def triage_index(kb: KnowledgeBase, meaning: bool = True, models_dir: Path | None = None,
                 everyday: Collection[str] = frozenset()) -> TriageIndex:
    """The triage index for ``kb``: with the meaning layer when ``meaning`` and the sentence model loads.
    The content's embedded examples and the sentence model converted to int8 MatMuls are kept in
    ``models_dir``/cache (content only, never what was said). ``everyday``: the language's words
    (:meth:`TriageIndex.build`)."""
    from ..core.triage import TriageIndex

    if not meaning:
        return TriageIndex.build(kb, everyday=everyday)
    from .encoder import ContentEmbeddings, shared_encoder

    cache_dir = models_dir / "cache" if models_dir is not None else None
    encoder, why = shared_encoder(cache_dir)
    if encoder is None:
        if why not in _WARNED:
            _WARNED.add(why)
            log.warning("%s", why)
        return TriageIndex.build(kb, everyday=everyday)
    cache_file = cache_dir / CACHE_NAME if cache_dir is not None else None
    key = cache_file or Path("-")
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = ContentEmbeddings(encoder, cache_file)
    return TriageIndex.build(kb, encoder.embed, cache, load_judge(), everyday)  # type: ignore[arg-type]
