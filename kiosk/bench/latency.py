"""Latency of one spoken turn, broken down: end-of-speech detection, recognition, triage, dialogue, and speech
synthesis up to the first audio. Everything runs in this process, one turn at a time, as the kiosk does."""
from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.content import KnowledgeBase, load_cases
from ..core.dialogue import Dialogue
from ..core.triage import assess
from .corpus import DEV_VIGNETTES
from .triage_bench import kiosk_index

SAMPLE_RATE = 16000
TRAILING_SILENCE_S = 2.0
"""Silence after the speech: more than the endpointer needs, as when a person stops and waits."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class TurnTiming:
    text: str
    heard: str
    vad_s: float
    """From the true end of speech to the endpointer's decision (audio time plus its compute time)."""
    asr_s: float
    triage_s: float
    dialogue_s: float
    tts_first_s: float
    tts_full_s: float
    asr_compute_s: float = 0.0
    """Recognition compute time; asr_s is what is left of it after the end decision."""

    @property
    def total_s(self) -> float:
        """End of speech to the start of the spoken reply (the dialogue runs triage itself)."""
        return self.vad_s + self.asr_s + self.dialogue_s + self.tts_first_s


def speech_end(audio: np.ndarray, rate: int = SAMPLE_RATE, floor_db: float = -35.0) -> int:
    """Sample index where speech ends: after the last 10 ms frame within ``floor_db`` of the loudest frame."""
    n = rate // 100
    frames = len(audio) // n
    if frames == 0:
        return len(audio)
    x = audio[:frames * n].astype(np.float64).reshape(frames, n)
    rms = np.sqrt(np.mean(x * x, axis=1)) + 1e-9
    loud = np.nonzero(20 * np.log10(rms / rms.max()) > floor_db)[0]
    return int((loud[-1] + 1) * n) if len(loud) else len(audio)


def first_sentence(text: str) -> str:
    """The first sentence of a reply: what the kiosk can say while the rest is synthesized."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def turn_texts(count: int) -> list[str]:
    """``count`` first utterances, cycling through the dev vignettes."""
    cases = [c for c in load_cases(DEV_VIGNETTES) if c.in_scope]
    return [cases[i % len(cases)].text for i in range(count)]


def measure_turns(kb: KnowledgeBase, count: int, voices: Sequence[str]) -> tuple[list[TurnTiming], str]:
    """Time ``count`` spoken first turns (dev vignettes in the given voices) end to end with Whisper."""
    from tqdm import tqdm

    from . import engines
    recognizer = engines.load("whisper", None)
    speaker = engines.speaker()
    index = kiosk_index(kb)
    dialogue = Dialogue(kb, index=index)
    texts = turn_texts(count)
    combos = [(v, s) for v in voices for s in (0.8, 1.2)]
    out: list[TurnTiming] = []
    workdir = Path(tempfile.mkdtemp(prefix="kiosk-bench-tts-"))
    # one warm-up turn: the first synthesis and recognition pay one-off costs a running kiosk has paid at start-up
    engines.transcribe(recognizer, np.zeros(SAMPLE_RATE, dtype=np.int16))
    engines.speak_to_wav(speaker, "Hello.", workdir / "warm.wav")
    for i, text in enumerate(tqdm(texts, desc="latency: spoken turns", unit="turn")):
        voice, speed = combos[i % len(combos)]
        audio = engines.read(engines.synthesize(text, voice, speed))
        end = speech_end(audio)
        padded = np.concatenate([audio[:end], np.zeros(int(TRAILING_SILENCE_S * SAMPLE_RATE), dtype=audio.dtype)])
        detected, utterance, vad_compute, ahead = engines.endpoint(padded)
        vad_s = max(0.0, (detected - end) / SAMPLE_RATE) + vad_compute
        t0 = time.perf_counter()
        heard_text, confidence = engines.transcribe(recognizer, utterance)
        asr_compute = time.perf_counter() - t0
        # Started at the pause when the pause heard the same audio: only what is left after the decision counts.
        asr_s = asr_compute if ahead is None else max(0.0, asr_compute - (detected - ahead) / SAMPLE_RATE)
        t0 = time.perf_counter()
        assess(heard_text, index)
        triage_s = time.perf_counter() - t0
        state, _ = dialogue.start()
        t0 = time.perf_counter()
        state, turn = dialogue.hear(state, heard_text, confidence)
        dialogue_s = time.perf_counter() - t0
        reply = turn.text
        t0 = time.perf_counter()
        engines.speak_to_wav(speaker, first_sentence(turn.replies[0].text), workdir / "first.wav")
        tts_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        engines.speak_to_wav(speaker, reply, workdir / "full.wav")
        tts_full = time.perf_counter() - t0
        out.append(TurnTiming(text, heard_text, vad_s, asr_s, triage_s, dialogue_s, tts_first, tts_full, asr_compute))
    how = (f"{len(out)} first turns: dev vignettes spoken by {', '.join(voices)} at x0.8 and x1.2, clean, each followed by "
           f"{TRAILING_SILENCE_S:g} s of silence and fed to the endpointer in its frames. End-of-speech detection = audio time "
           "from the true end of speech (last 10 ms frame within 35 dB of the loudest) to the endpointer's decision, plus its "
           "compute time. Recognition = what is left of Whisper's time after the end decision: the session starts Whisper at "
           "the first 300 ms pause and uses that result when nothing more was said (its full compute time is shown too). Dialogue includes its own "
           "triage (triage is also shown alone). Speech synthesis to first audio = pyttsx3 writing the reply's first sentence "
           "to a WAV (the whole reply is shown for comparison). One warm-up turn is not counted. Whisper hears as in the "
           f"voice kiosk: its encoder reading a {getattr(recognizer, 'window_s', None) or 30} s window; its second "
           "hearings run while the reply is spoken, after this turn's figure, and are not in it.")
    return out, how
