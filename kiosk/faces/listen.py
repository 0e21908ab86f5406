"""`kiosk listen`: recognize WAV files and triage what was heard, one line (or JSON object) per file.

This is the interface benchmarks and acceptance checks use: the same recognizer the voice kiosk would
choose (``--asr``), the same triage as `kiosk triage --json`, plus the transcript, its confidence and
timings. A bad file gives an error object for that file and the others go on.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..core.content import KnowledgeBase, load_knowledge_base
from ..core.triage import TriageIndex, assess
from ..ops.settings import Settings
from .phonetic import SignSounds, sign_sounds
from .voice import HEARING, TEMPERATURE, hearing_for


def listen_one(path: Path, recognizer, index: TriageIndex, noise: np.ndarray | None = None,
               snr_db: float = 10.0, seed: int = 0, asks: bool = True,
               sounds: SignSounds | None = None) -> dict[str, Any]:
    """Recognize one file (optionally with noise mixed in) and triage the transcript.

    With ``asks`` the answer also has ``alternatives`` (other hypotheses of the recognizer) and ``ask``: signs
    the kiosk would ask about but does not declare (kiosk.faces.asks): a red flag found only in another
    hypothesis, a word or stretch that sounds like a sign (``sounds``: the sign phrases as sounds), an unclear word
    next to a body word."""
    from ..speech.asr import transcribe
    from ..speech.audio import AudioError, mix_noise, read_wav

    started = time.perf_counter()
    try:
        samples = read_wav(path)
    except AudioError as err:
        return {"file": str(path), "error": str(err)}
    if noise is not None:
        samples = mix_noise(samples, noise, snr_db, seed=seed)
    asr_start = time.perf_counter()
    try:
        heard = transcribe(recognizer, samples.astype("<i2").tobytes())
    except Exception as err:  # noqa: BLE001 - one file's failure must not end the batch
        return {"file": str(path), "error": f"recognizer failed on this file: {err.__class__.__name__}: {err}"}
    asr_ms = (time.perf_counter() - asr_start) * 1000
    answer = heard_json(heard, index, asks, sounds)
    total_ms = (time.perf_counter() - started) * 1000
    return {"file": str(path), **answer, "asr": recognizer.name, "asr_ms": round(asr_ms, 1),
            "total_ms": round(total_ms, 1)}


def heard_json(heard, index: TriageIndex, asks: bool = True, sounds: SignSounds | None = None) -> dict[str, Any]:
    """The answer for one recognition (a Transcript): its triage and, with ``asks``, the other hypotheses,
    the word probabilities and every sign the kiosk would ask about. No audio: a saved run is scored again
    with this (scripts/eval_redflags.py --rescore)."""
    result = triage_json(heard.text, index)
    extra: dict[str, Any] = {}
    if asks:
        from .asks import asks_for
        extra["alternatives"] = list(getattr(heard, "alternatives", ()) or ())
        if getattr(heard, "words", ()):  # word probabilities (--word-confidence), so asks can be scored again later
            extra["words"] = [[w.text, round(w.confidence, 3)] for w in heard.words]
        # the triage's own asks (a sign found by meaning, a hedged or past sign) first: they must not be
        # replaced by the hearing asks, or a batch score would lose every sign the meaning layer only asks about
        own = [{"id": flag, "why": "triage", "heard": heard.text} for flag in result.get("ask") or ()]
        hearing = asks_for(heard, result, lambda text: triage_json(text, index), sounds)
        extra["ask"] = own + [a.to_json() for a in hearing]
    return {"transcript": heard.text, "confidence": round(heard.confidence, 3), **result, **extra}


def triage_json(text: str, index: TriageIndex) -> dict[str, Any]:
    """The public triage call's JSON answer; empty text is an empty, out-of-scope answer."""
    return assess(text, index).to_json() if text.strip() else {
        "emergency": False, "red_flags": [], "causes": [], "in_scope": False}


def listen_files(files: Iterable[Path], recognizer, index: TriageIndex, out: TextIO, as_json: bool,
                 noise: np.ndarray | None = None, snr_db: float = 10.0, asks: bool = True,
                 sounds: SignSounds | None = None) -> int:
    """Write one line per file; exit status 1 when any file failed, else 0."""
    failed = 0
    for number, path in enumerate(files):
        obj = listen_one(Path(path), recognizer, index, noise, snr_db, seed=number, asks=asks, sounds=sounds)
        failed += "error" in obj
        if as_json:
            out.write(json.dumps(obj) + "\n")
        elif "error" in obj:
            out.write(f"{obj['file']}: error: {obj['error']}\n")
        else:
            causes = ", ".join(f"{c['id']} {c['score']:.2f}" for c in obj["causes"][:3]) or "none"
            flag = "EMERGENCY" if obj["emergency"] else ("ok" if obj["in_scope"] else "out of scope")
            if not obj["emergency"] and obj.get("ask"):
                flag += " (ask: " + ", ".join(a["id"] for a in obj["ask"]) + ")"
            out.write(f"{obj['file']}: \"{obj['transcript']}\" ({obj['confidence']:.2f}, {obj['asr_ms']:.0f} ms)"
                      f"  {flag}  causes: {causes}\n")
        out.flush()
    return 1 if failed else 0


def listen_hearing(args: argparse.Namespace, kb: KnowledgeBase) -> dict:
    """Whisper's options for `kiosk listen`: the voice kiosk's, but for what the command line changes."""
    window = getattr(args, "window", None)
    return {"second": getattr(args, "second", "") or "", "enhance": getattr(args, "enhance", False),
            "again_prompt": hearing_for(kb)["again_prompt"],  # the voice kiosk's, so listen measures it
            "word_timestamps": getattr(args, "word_confidence", False),
            "temperature": None if getattr(args, "fallback", False) else TEMPERATURE,
            "window_s": HEARING.get("window_s") if window is None else window or None}  # 0: the whole 30 s


def main(settings: Settings, args: argparse.Namespace) -> int:
    """`kiosk listen [--json] [--asr X] [--noise FILE --snr DB] FILE.wav ...`"""
    from ..speech.asr import open_recognizer
    from ..speech.audio import AudioError, read_wav

    kb = load_knowledge_base(settings.content)
    noise = None
    if args.noise is not None:
        try:
            noise = read_wav(args.noise)
        except AudioError as err:
            print(f"kiosk listen: --noise: {err}", file=sys.stderr)
            return 2
    recognizer, reason = open_recognizer(settings, kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords(),
                                         hearing=listen_hearing(args, kb))
    if recognizer is None:
        print(f"kiosk listen: no recognizer: {reason}", file=sys.stderr)
        return 2
    from .cli import make_index

    asks = not getattr(args, "no_asks", False)
    return listen_files(args.files, recognizer, make_index(settings, kb), sys.stdout, args.json, noise, args.snr,
                        asks=asks, sounds=sign_sounds(kb) if asks else None)
