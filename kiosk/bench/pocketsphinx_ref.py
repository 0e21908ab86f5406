"""PyPI pocketsphinx with its bundled en-us model: the outside reference recognizer (not a kiosk backend).

Wrapped in the same start / accept / finish shape as the kiosk's recognizers so the benchmark drives
every engine the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class PocketsphinxMissing(RuntimeError):
    """pocketsphinx is not installed."""


@dataclass(frozen=True)
class RefTranscript:
    text: str
    confidence: float


class PocketsphinxRecognizer:
    """Batch decoding of one utterance with the default acoustic model, dictionary and language model."""

    name = "pocketsphinx"

    def __init__(self, sample_rate: int = 16000) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise PocketsphinxMissing("pocketsphinx is not installed: bash scripts/setup.sh --bench") from None
        self._decoder = Decoder(samprate=sample_rate, loglevel="FATAL")
        self._chunks: list[bytes] = []

    def start(self, grammar: object = None) -> None:
        self._chunks = []

    def accept(self, frames: bytes | np.ndarray) -> str:
        if isinstance(frames, np.ndarray):
            frames = frames.astype(np.int16).tobytes()
        self._chunks.append(bytes(frames))
        return ""

    def finish(self) -> RefTranscript:
        d = self._decoder
        d.start_utt()
        d.process_raw(b"".join(self._chunks), full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        self._chunks = []
        if hyp is None:
            return RefTranscript("", 0.0)
        return RefTranscript(hyp.hypstr, float(d.get_logmath().exp(hyp.prob)))
