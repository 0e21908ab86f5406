"""Moonshine tiny: a second, different recognizer that hears an utterance again (an adapter; no Whisper in it).

Whisper base and tiny.en on the enhanced audio are Whisper too, and in noise they often mishear a sign word the same
way the first decode did ("only once I've gone up" for "only one side goes up"). Moonshine (Useful Sensors, MIT) is
another model family, trained apart, and in noise it loses different words: as a third hearing of the kiosk's
utterances it found emergencies both Whisper hearings lost (benchmarks/noise.md section 18). Like every second
hearing, what it finds is only asked about, never declared.

The model is the English int8 ONNX pair of the npm package ``@moonshine-ai/moonshine-js`` and the tokenizer of the
PyPI package ``useful-moonshine-onnx``; ``scripts/fetch_moonshine.py`` (run by ``scripts/setup.sh``) puts them in
``models/moonshine-tiny``. It runs on onnxruntime and tokenizers, which the meaning layer already needs.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE

FILES = ("encoder_model.onnx", "decoder_model_merged.onnx", "tokenizer.json")
"""What a Moonshine folder holds."""
FETCH = "run bash scripts/setup.sh (or .venv/bin/python scripts/fetch_moonshine.py) to fetch it"
"""What to do when the model is missing from :func:`default_folder`."""
START, END = 1, 2
"""Moonshine's start-of-transcript and end-of-text token ids."""
TOKENS_PER_S = 6
"""The longest transcript decoded, in tokens per second of audio: Moonshine's own bound on runaway decoding (read
speech here is 1.5-3 tokens a second: the 20 VoxForge utterances' transcripts, median 2.4)."""
_PAST = re.compile(r"past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)")


def default_folder(models_dir: Path | None = None) -> Path:
    """The model's folder in ``models_dir`` (``Settings.models_dir``); None: where setup puts it,
    ``models/moonshine-tiny`` of this checkout."""
    from ..ops.settings import DEFAULT_MODELS

    return Path(models_dir or DEFAULT_MODELS) / "moonshine-tiny"


def fetch_hint(folder: Path) -> str:
    """How to fetch the model into ``folder``: setup fetches only into :func:`default_folder`."""
    if folder.expanduser().resolve() == default_folder().resolve():
        return FETCH
    return f"run .venv/bin/python scripts/fetch_moonshine.py --dest {folder} to fetch it"


class Moonshine:
    """Greedy decoding of 16 kHz int16 audio with Moonshine's encoder and merged (cached) decoder."""

    def __init__(self, folder: Path, cpu_threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_threads
        options.inter_op_num_threads = 1
        cpu = ["CPUExecutionProvider"]
        self._encoder = ort.InferenceSession(str(folder / FILES[0]), options, providers=cpu)
        self._decoder = ort.InferenceSession(str(folder / FILES[1]), options, providers=cpu)
        self._tokenizer = Tokenizer.from_file(str(folder / FILES[2]))
        # the cache's layout comes from the model's own inputs: (batch, heads, length, head size) per layer
        self._past = {i.name: (int(i.shape[1]), int(i.shape[3])) for i in self._decoder.get_inputs()
                      if _PAST.fullmatch(i.name)}
        if not self._past:
            raise ValueError("its decoder takes no key/value cache (not a merged Moonshine decoder)")
        self._outputs = [o.name for o in self._decoder.get_outputs()]

    def __call__(self, pcm: np.ndarray) -> str:
        """The transcript of one utterance (int16 samples at 16 kHz); "" for one under a tenth of a second."""
        if len(pcm) < SAMPLE_RATE // 10:
            return ""
        audio = (np.asarray(pcm, dtype=np.float32) / 32768.0)[None, :]
        encoded = self._encoder.run(None, {"input_values": audio})[0]
        past = {name: np.zeros((1, heads, 0, size), np.float32) for name, (heads, size) in self._past.items()}
        tokens: list[int] = []
        last = START
        for step in range(max(1, int(len(pcm) / SAMPLE_RATE * TOKENS_PER_S))):
            feeds = {"input_ids": np.array([[last]], np.int64), "encoder_hidden_states": encoded,
                     "use_cache_branch": np.array([step > 0]), **past}
            out = dict(zip(self._outputs, self._decoder.run(None, feeds), strict=True))
            logits = out["logits"][0, -1]
            if step == 0:
                # Moonshine sometimes ends at once on speech that starts or ends in silence: the kiosk hands it
                # only what its endpointer took for speech, so the first token is never the end
                logits = logits.copy()
                logits[END] = -np.inf
            last = int(np.argmax(logits))
            if last == END:
                break
            tokens.append(last)
            for name in past:  # the encoder's part of the cache is made once, at the first step
                if step == 0 or ".decoder." in name:
                    past[name] = out[name.replace("past_key_values", "present")]
        return self._tokenizer.decode(tokens).strip()


def load_moonshine(folder: Path | None = None, cpu_threads: int = 2) -> tuple[Moonshine | None, str]:
    """(Moonshine, "") or (None, one line saying why not and what to do)."""
    folder = Path(folder).expanduser() if folder else default_folder()
    fetch = fetch_hint(folder)
    missing = [f for f in FILES if not (folder / f).is_file()]
    if len(missing) == len(FILES):
        return None, f"Moonshine tiny is not in {folder}: {fetch}"
    if missing:
        return None, f"Moonshine tiny in {folder} has no {' or '.join(missing)}: {fetch}"
    try:
        return Moonshine(folder, cpu_threads), ""
    except ImportError as err:
        return None, f"Moonshine tiny needs onnxruntime and tokenizers ({err}): {FETCH}"
    except Exception as err:  # noqa: BLE001 - onnxruntime and tokenizers raise their own errors for bad files
        return None, f"Moonshine tiny in {folder} does not load ({str(err).splitlines()[0][:160]}): {fetch}"
