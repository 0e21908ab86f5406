"""Vosk recognizer: streaming partials for live captions, a final result with word confidences, and a
grammar mode for short answers.

Vosk kills the whole process (SIGSEGV) on an empty or malformed grammar and on some damaged models, so
every grammar is validated here before Vosk sees it, and a model is loaded in a throw-away process first
(:func:`probe_model`, cached per folder and file sizes/times) before it is loaded in this one.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .asr import GET_VOSK, SAMPLE_RATE, AsrError, Transcript, Word
from .models import check_model_files, find_vosk_model, is_english_model

__all__ = ["VoskRecognizer", "GrammarError", "probe_model", "validate_grammar", "find_vosk_model",
           "is_english_model", "confidence_of"]

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 120.0
_KEY_FILES = ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst", "graph/HCLr.fst", "graph/Gr.fst",
              "graph/words.txt")
_probe_cache: dict[tuple, dict] = {}


class GrammarError(AsrError):
    """A grammar that cannot be given to Vosk (empty, not a list of phrases, or no phrase in the vocabulary)."""


def _model_key(folder: Path) -> tuple:
    """Identity of a model on disk: its resolved path and the sizes and times of its key files."""
    stats = []
    for rel in _KEY_FILES:
        p = folder / rel
        if p.exists():
            st = p.stat()  # follows links, so a replaced target counts as a change
            stats.append((rel, st.st_size, st.st_mtime_ns))
    return (str(folder.resolve()), tuple(stats))


def probe_model(folder: Path, timeout_s: float = PROBE_TIMEOUT_S) -> dict:
    """Load ``folder`` in a child process and make a recognizer there; {"ok": True, "unk": token} or AsrError.

    The result is cached in memory per folder, so a kiosk that reloads its model does not pay twice."""
    folder = Path(folder)
    key = _model_key(folder)
    if key in _probe_cache:
        return _probe_cache[key]
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("_probe.py")), str(folder)],
                              capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise AsrError(f"Vosk model {folder} took more than {timeout_s:g} s to load: {GET_VOSK}") from None
    if done.returncode < 0:
        raise AsrError(f"Vosk model {folder} is damaged (loading it crashed with signal {-done.returncode}): "
                       f"download it again ({GET_VOSK})")
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        last = [line for line in done.stderr.splitlines() if line.strip()]
        raise AsrError(f"Vosk model {folder} could not be checked ({last[-1] if last else done.returncode})") from None
    if not result.get("ok"):
        raise AsrError(f"Vosk model {folder} does not load ({result.get('error')}): download it again ({GET_VOSK})")
    _probe_cache[key] = result
    return result


def validate_grammar(grammar: Any, in_vocabulary, unk: str) -> list[str]:
    """The phrase list to give Vosk: lower-cased, de-duplicated, only phrases whose every word is in the
    model's vocabulary, plus the unknown-word token so out-of-grammar speech comes out as unknown.

    ``in_vocabulary(word) -> bool``. Phrases with unknown words are dropped with a warning; GrammarError when
    the grammar is not a list of non-empty strings or nothing usable is left (an empty grammar crashes Vosk).
    """
    if isinstance(grammar, (str, bytes)) or not isinstance(grammar, Sequence):
        raise GrammarError("a grammar must be a list of phrases, not a single string or other value")
    if not grammar:
        raise GrammarError("a grammar must have at least one phrase")
    phrases: list[str] = []
    for phrase in grammar:
        if not isinstance(phrase, str) or not phrase.strip():
            raise GrammarError(f"grammar phrases must be non-empty strings, not {phrase!r}")
        norm = " ".join(phrase.lower().split())
        unknown = [w for w in norm.split() if not in_vocabulary(w)]
        if unknown:
            log.warning("grammar phrase %r dropped: not in the model's vocabulary: %s", phrase, ", ".join(unknown))
            continue
        if norm not in phrases:
            phrases.append(norm)
    if not phrases:
        raise GrammarError(f"no grammar phrase is in the model's vocabulary ({', '.join(map(str, grammar))})")
    if unk and unk not in phrases:
        phrases.append(unk)
    return phrases


def confidence_of(words: Sequence[Word]) -> float:
    """One confidence for an utterance: the mean of its word confidences, unknown words counting as 0.

    The mean, not the minimum: one mumbled filler word ("uh") should not discard a clearly spoken symptom,
    while an utterance that is mostly out-of-grammar (unknown) or unsure still falls below the threshold."""
    return sum(w.confidence for w in words) / len(words) if words else 0.0


class VoskRecognizer:
    """A Vosk model loaded once; each :meth:`start` begins a new utterance (optionally with a grammar)."""

    name = "vosk"
    streaming = True

    def __init__(self, model_path: str | Path, probe: bool = True) -> None:
        """Load ``model_path``; AsrError with one line when it is missing, incomplete or damaged.

        ``probe`` loads it in a child process first (cached); turn it off only for a model already known good."""
        folder = Path(model_path).expanduser()
        problem = check_model_files(folder)
        if problem:
            raise AsrError(f"{problem}: {GET_VOSK}")
        try:
            import vosk
        except ImportError:
            raise AsrError("Vosk is not installed: bash scripts/setup.sh installs it") from None
        vosk.SetLogLevel(-1)
        self.unk = probe_model(folder)["unk"] if probe else ""
        try:
            self._model = vosk.Model(str(folder))  # str: vosk rejects Path objects
        except Exception as err:  # noqa: BLE001 - Vosk raises a bare Exception
            raise AsrError(f"Vosk model {folder} does not load ({err}): {GET_VOSK}") from None
        if not probe:
            self.unk = next((w for w in ("[unk]", "<UNK>", "<unk>") if self._model.vosk_model_find_word(w) != -1), "")
        self._vosk = vosk
        self.path = folder
        # Only lookahead models (HCLr.fst + Gr.fst) can build a grammar at run time; a static HCLG graph
        # ignores one, so there a grammar is skipped here instead of being passed along.
        self.supports_grammar = (folder / "graph" / "Gr.fst").is_file()
        self._rec = None
        self._rec_grammar: str | None = "unset"
        self._segments: list[Word] = []
        self._last_partial = ""

    def in_vocabulary(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) != -1

    def start(self, grammar: Sequence[str] | None = None) -> None:
        """Begin an utterance; ``grammar`` restricts it to those phrases (validated: see validate_grammar)."""
        key = None
        if grammar is not None:
            if self.supports_grammar:
                key = json.dumps(validate_grammar(grammar, self.in_vocabulary, self.unk), ensure_ascii=False)
            else:
                validate_grammar(grammar, self.in_vocabulary, self.unk)
                log.info("this Vosk model has a static graph: the grammar is ignored")
        if self._rec is not None and key == self._rec_grammar:
            self._rec.Reset()
        else:
            vosk = self._vosk
            rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, key) if key else \
                vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
            rec.SetWords(True)
            self._rec = rec
            self._rec_grammar = key
        self._segments = []
        self._last_partial = ""

    def accept(self, frames: bytes) -> Transcript | None:
        """Feed audio; a partial transcript when the words heard so far changed, else None."""
        if self._rec is None:
            raise RuntimeError("VoskRecognizer.accept() before start()")
        if len(frames) % 2:
            raise ValueError("frames must be whole 16-bit samples (an even number of bytes)")
        if self._rec.AcceptWaveform(bytes(frames)):
            # Vosk found a pause inside the utterance and closed a segment; keep it for the final result.
            self._segments.extend(self._words(json.loads(self._rec.Result())))
            partial = ""
        else:
            partial = json.loads(self._rec.PartialResult()).get("partial", "")
        text = self._clean(" ".join([w.text for w in self._segments] + partial.split()))
        if text == self._last_partial:
            return None
        self._last_partial = text
        return Transcript(text, 0.0, False)

    def finish(self) -> Transcript:
        """The final transcript of the utterance (unknown words removed from the text, counted in confidence)."""
        if self._rec is None:
            raise RuntimeError("VoskRecognizer.finish() before start()")
        words = self._segments + self._words(json.loads(self._rec.FinalResult()))
        self._segments = []
        self._last_partial = ""
        known = tuple(w for w in words if w.text != self.unk)
        text = " ".join(w.text for w in known)
        return Transcript(text, round(confidence_of(words), 4) if known else 0.0, True, known)

    def _words(self, result: dict) -> list[Word]:
        out = []
        for w in result.get("result", []):
            text = w.get("word", "")
            conf = 0.0 if text == self.unk else float(w.get("conf", 0.0))
            out.append(Word(text, conf, float(w.get("start", 0.0)), float(w.get("end", 0.0))))
        if not out and result.get("text"):  # some models give text without word details
            out = [Word(t, 0.0, 0.0, 0.0) for t in result["text"].split()]
        return out

    def _clean(self, text: str) -> str:
        return " ".join(t for t in text.split() if t != self.unk)
