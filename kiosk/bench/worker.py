"""One recognizer in its own process: load it, recognize a list of WAV jobs, print JSON lines.

    python -m kiosk.bench.worker < spec.json

spec: {"backend": "whisper" | "vosk" | "vosk-ko" | "pocketsphinx", "threads": int | null,
       "noise": path | null, "jobs": [{"id", "wav", "snr": dB | null}]}
out:  {"event": "loaded", "load_s", "rss_before", "rss_loaded"}, then one {"id", "text", "confidence",
      "asr_s", "audio_s", "measured_snr"} per job (or {"id", "error"}), then {"event": "done"}.
Running each engine in a process of its own keeps peak memory and load time apart.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .corpus import measure_snr, noise_segment

CHUNK_SAMPLES = 4000
"""Audio is handed to the recognizer in 0.25 s chunks, as a live microphone would."""


def rss_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_recognizer(backend: str, threads: int | None):
    """The named engine, loaded and ready."""
    if backend == "pocketsphinx":
        from .pocketsphinx_ref import PocketsphinxRecognizer
        return PocketsphinxRecognizer()
    from . import engines
    return engines.load(backend, threads)


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> int:
    spec = json.loads(sys.stdin.read())
    from .engines import mix, read, to_frames

    rss_before = rss_bytes()
    t0 = time.perf_counter()
    try:
        rec = make_recognizer(spec["backend"], spec.get("threads"))
    except Exception as err:  # reported as data: the parent writes it into the report
        _emit({"event": "error", "error": f"{type(err).__name__}: {err}"})
        return 1
    load_s = time.perf_counter() - t0
    # one second of silence first: one-off costs of the first call belong to start-up, not to every utterance
    t0 = time.perf_counter()
    rec.start(None)
    rec.accept(np.zeros(16000, dtype=np.int16).tobytes())
    rec.finish()
    _emit({"event": "loaded", "load_s": load_s, "warmup_s": time.perf_counter() - t0, "rss_before": rss_before,
           "rss_loaded": rss_bytes()})
    noise = read(Path(spec["noise"])) if spec.get("noise") else None
    for job in spec["jobs"]:
        try:
            speech = read(Path(job["wav"]))
            measured = None
            if job.get("snr") is not None and noise is not None:
                segment = noise_segment(noise, len(speech), job["id"])
                audio = mix(speech, segment, float(job["snr"]))
                measured = measure_snr(speech, audio)
            else:
                audio = speech
            t0 = time.perf_counter()
            rec.start(None)
            for chunk in to_frames(audio, CHUNK_SAMPLES):
                rec.accept(chunk)
            result = rec.finish()
            asr_s = time.perf_counter() - t0
            _emit({"id": job["id"], "text": result.text, "confidence": float(result.confidence), "asr_s": asr_s,
                   "audio_s": len(audio) / 16000, "measured_snr": measured})
        except Exception as err:  # one bad file must not stop the run
            _emit({"id": job["id"], "error": f"{type(err).__name__}: {err}"})
    _emit({"event": "done", "rss_end": rss_bytes()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
