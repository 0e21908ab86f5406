#!/usr/bin/env python3
"""End of speech to spoken reply, measured as benchmarks/report.md section 3 does, for several recognizer
settings on the same audio, interleaved turn by turn (so load from other users slows each alike).

    nice -n 15 python scripts/eval_turns.py [--turns 60] [--snr 10] [--variants fallback,t0]
        [--endpointers silero,webrtcvad]

Variants: ``fallback`` (the kiosk until now: faster-whisper's temperature fallback), ``t0`` (temperature 0
only), ``t0-win10`` (temperature 0, the encoder reading a 10 s window: kiosk.speech.whisper_asr.WINDOW_S);
``+again`` adds the voice kiosk's second hearing (kiosk.faces.voice.hearing_for, decoding again after the reply):
it is not part of the turn, so what is reported is whether it ended before the reply had been spoken (the
reply's spoken length, from the kiosk's own synthesis). Noise: the real kitchen recording mixed over the speech
and the 2 s of silence after it (the room stays loud while the endpointer waits for the end of speech).
Endpointers: ``silero`` (the kiosk's: Silero VAD judges when speech goes on) and ``webrtcvad`` (webrtcvad alone,
the kiosk before it and without faster-whisper); several are interleaved turn by turn like the variants.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench import engines  # noqa: E402
from kiosk.bench.latency import SAMPLE_RATE, TRAILING_SILENCE_S, first_sentence, speech_end, turn_texts  # noqa: E402
from kiosk.faces.voice import hearing_for  # noqa: E402

VARIANTS = {"fallback": {}, "t0": {"temperature": 0.0}, "t0-win10": {"temperature": 0.0, "window_s": 10},
            "base-win10": {"temperature": 0.0, "window_s": 10, "model": "base"}}
"""Hearing options of each variant; ``model: base`` decodes first with Whisper base instead of tiny.en."""


def recognizer(hearing: dict):
    from kiosk.core.content import load_knowledge_base
    from kiosk.ops.settings import Settings
    from kiosk.speech.asr import load_recognizer
    from kiosk.speech.whisper_asr import whisper_base_model

    kb = load_knowledge_base(Settings().content, with_cases=False)
    hearing = dict(hearing)
    model = whisper_base_model() if hearing.pop("model", "") == "base" else None
    return load_recognizer("whisper", settings=Settings(), cpu_threads=2, prompt_phrases=kb.recognition_phrases(),
                           prompt_keywords=kb.red_flag_keywords(), hearing=hearing, whisper_model=model)


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--turns", type=int, default=60)
    p.add_argument("--snr", default="clean", help="'clean' or dB of kitchen noise")
    p.add_argument("--variants", default="fallback,t0")
    p.add_argument("--voices", default="espeak:en-us,piper:joe", help="as the report: two voices x two speeds")
    p.add_argument("--endpointers", default="silero", help="silero (the kiosk's), webrtcvad (alone), or both")
    args = p.parse_args(argv)
    from kiosk.bench.noise import kitchen_noise, mixed
    from kiosk.core.content import load_knowledge_base
    from kiosk.core.dialogue import Dialogue
    from kiosk.faces.cli import make_index
    from kiosk.ops.settings import Settings

    settings = Settings()
    kb = load_knowledge_base(settings.content, with_cases=False)
    dialogue = Dialogue(kb, index=make_index(settings, kb))  # the kiosk's triage, meaning layer included
    variants = args.variants.split(",")
    endpointers = args.endpointers.split(",")
    if set(endpointers) - {"silero", "webrtcvad"}:
        p.error("--endpointers takes silero and/or webrtcvad")
    names = [f"{v} / {e}" if len(endpointers) > 1 else v for e in endpointers for v in variants]
    recs = {}
    again = {k: v for k, v in hearing_for(kb).items() if k in ("again", "again_prompt")}  # the variant's own temperature
    for name in variants:
        base, _, extra = name.partition("+")
        hearing = dict(VARIANTS[base], **(again if extra == "again" else {}))
        recs[name] = recognizer(hearing)
    speaker = engines.speaker()
    work = Path(tempfile.mkdtemp(prefix="eval-turns-"))
    snr = None if args.snr == "clean" else float(args.snr)
    noise = kitchen_noise() if snr is not None else None
    for rec in recs.values():  # warm-up, as the report
        engines.transcribe(rec, np.zeros(SAMPLE_RATE, dtype=np.int16))
    engines.speak_to_wav(speaker, "Hello.", work / "warm.wav")
    voices = args.voices.split(",")
    combos = [(v, s) for v in voices for s in (0.8, 1.2)]
    totals: dict[str, list[float]] = {n: [] for n in names}
    asr: dict[str, list[float]] = {n: [] for n in names}
    again_ok: dict[str, list[bool]] = {n: [] for n in names}
    again_s: dict[str, list[float]] = {n: [] for n in names}
    vads: dict[str, list[float]] = {e: [] for e in endpointers}
    unended = dict.fromkeys(endpointers, 0)
    started = time.perf_counter()
    for i, text in enumerate(turn_texts(args.turns)):
        voice, speed = combos[i % len(combos)]
        audio = engines.read(engines.synthesize(text, voice, speed))
        end = speech_end(audio)
        padded = np.concatenate([audio[:end], np.zeros(int(TRAILING_SILENCE_S * SAMPLE_RATE), dtype=audio.dtype)])
        if noise is not None:
            padded = mixed(padded, noise, snr, f"kitchen|turn{i}")
        cut = {}
        for e in endpointers:
            detected, utterance, vad_compute, ahead = engines.endpoint(padded, neural=e == "silero")
            cut[e] = (detected, utterance, ahead, max(0.0, (detected - end) / SAMPLE_RATE) + vad_compute)
            vads[e].append(cut[e][3])
            unended[e] += detected >= len(padded)  # the endpointer never heard the speech end: the audio ran out
        runs = [(e, v) for e in endpointers for v in variants]
        for e, v in runs if i % 2 == 0 else runs[::-1]:
            name = f"{v} / {e}" if len(endpointers) > 1 else v
            detected, utterance, ahead, vad_s = cut[e]
            rec = recs[v]
            t0 = time.perf_counter()
            heard, confidence = engines.transcribe(rec, utterance)
            compute = time.perf_counter() - t0
            left = compute if ahead is None else max(0.0, compute - (detected - ahead) / SAMPLE_RATE)
            state, _ = dialogue.start()
            t0 = time.perf_counter()
            state, turn = dialogue.hear(state, heard, confidence)
            dialogue_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            engines.speak_to_wav(speaker, first_sentence(turn.replies[0].text), work / "first.wav")
            tts_first = time.perf_counter() - t0
            totals[name].append(vad_s + left + dialogue_s + tts_first)
            asr[name].append(compute)
            if getattr(rec, "again", ""):
                engines.speak_to_wav(speaker, turn.text, work / "full.wav")
                with wave.open(str(work / "full.wav"), "rb") as w:
                    spoken_s = w.getnframes() / w.getframerate()
                t0 = time.perf_counter()
                rec.hear_again(np.asarray(utterance, dtype=np.int16).tobytes())
                took = time.perf_counter() - t0
                again_s[name].append(took)
                again_ok[name].append(took < spoken_s)
    print(f"{args.turns} turns, {args.snr}{' dB kitchen' if snr is not None else ''}, variants interleaved; "
          f"{time.perf_counter() - started:.0f} s")
    print("| variant | end of speech to reply, median | p95 | max | Whisper compute, median | p95 | max |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        t, a = [x * 1000 for x in totals[name]], [x * 1000 for x in asr[name]]
        print(f"| {name} | {statistics.median(t):.0f} ms | {pct(t, 95):.0f} ms | {max(t):.0f} ms | "
              f"{statistics.median(a):.0f} ms | {pct(a, 95):.0f} ms | {max(a):.0f} ms |")
    for e in endpointers:
        print(f"end-of-speech detection by {e} (in every variant): median {statistics.median(vads[e]) * 1000:.0f} "
              f"ms, p95 {pct(vads[e], 95) * 1000:.0f} ms; {unended[e]} of {len(vads[e])} turns ended only when "
              f"the audio did ({TRAILING_SILENCE_S:g} s after the speech)")
    for name in names:
        if again_s[name]:
            s = [x * 1000 for x in again_s[name]]
            print(f"{name}: second hearing {statistics.median(s):.0f} ms median, {pct(s, 95):.0f} ms p95; ended before "
                  f"the reply was spoken in {sum(again_ok[name])}/{len(again_ok[name])} turns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
