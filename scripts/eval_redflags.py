#!/usr/bin/env python3
"""Emergency sensitivity on spoken red-flag sentences, through `kiosk listen --json`, clean and in noise.

    nice -n 15 python scripts/eval_redflags.py [--emergencies 40] [--others 12] [--snrs clean,10,5]
                                               [--save run.json] [-- LISTEN OPTIONS...]
    python scripts/eval_redflags.py --score a.json [b.json]   # score saved runs (b: its hypotheses added)
    nice -n 15 python scripts/eval_redflags.py --set vignettes --snrs clean,10   # the dev vignettes, with top-3 cause
    nice -n 15 python scripts/eval_redflags.py --cases blind.json --emergencies 0 --others 50   # any set, as it came

Sentences: emergencies of eval/redflag_sentences.json and eval/heldout_cases.json (spread evenly when
subsampled), and some non-emergencies of the red-flag set (look-alikes, negated, past) to watch false alarms
and needless asks. Voices: espeak-ng en-us, espeak-ng en-gb, Piper joe (speed 1.0), synthesized once and
cached in .cache/speech (git-ignored). Noise: the real kitchen recording at each SNR, the same stretch for
each utterance in every run; mixed WAVs are cached in .cache/redflag-mixes. Every recognition goes through
the kiosk's own `kiosk listen --json --asr whisper`, one process per run.

Counted: "declared" = listen's ``emergency``; "declared or asked" = that, or a red flag in listen's ``ask``
list (the kiosk asks that sign's yes/no question, so an emergency is not lost; a false ask costs a question,
not an alarm).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.bench.corpus import spread  # noqa: E402

VOICES = ("espeak:en-us", "espeak:en-gb", "piper:joe")
MIXES = ROOT / ".cache" / "redflag-mixes"


def sentences(n_em: int, n_other: int) -> list[dict]:
    rf = json.loads((ROOT / "eval" / "redflag_sentences.json").read_text())["cases"]
    ho = json.loads((ROOT / "eval" / "heldout_cases.json").read_text())["cases"]
    rf_em = [c for c in rf if c.get("emergency") is True]
    ho_em = [c for c in ho if c.get("emergency") is True]
    share = round(n_em * len(rf_em) / (len(rf_em) + len(ho_em)))
    others = [c for c in rf if c.get("emergency") is False]
    return spread(rf_em, share) + spread(ho_em, n_em - share) + spread(others, n_other)


def tuning(n_em: int, n_other: int) -> list[dict]:
    """Red-flag sentences of the tuning sets (eval/tuning/set*_redflags.json), spread evenly: for judging a
    change to the asks; eval/redflag_sentences.json stays held out for measurement."""
    return split(sorted((ROOT / "eval" / "tuning").glob("set*_redflags.json")), n_em, n_other)


def split(files: list[Path], n_em: int, n_other: int) -> list[dict]:
    """Red-flag sentences of ``files`` (vignette format): ``n_em`` emergencies and ``n_other`` look-alikes, each
    spread evenly; 0 emergencies takes every one, 0 look-alikes none."""
    cases = [c for f in files for c in json.loads(f.read_text())["cases"]]
    em = [c for c in cases if c.get("emergency") is True]
    others = [c for c in cases if c.get("emergency") is False]
    return (spread(em, n_em) if n_em else em) + (spread(others, n_other) if n_other else [])


def typed(cases: list[dict]) -> dict[str, int]:
    """The same sentences typed (a perfect recognizer): emergencies, declared, declared or asked (the ceiling)."""
    proc = subprocess.run([sys.executable, "-m", "kiosk", "triage", "--json"], cwd=ROOT, capture_output=True,
                          text=True, input="".join(c["text"] + "\n" for c in cases))
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    em = [a for c, a in zip(cases, answers, strict=True) if c["emergency"]]
    return {"em": len(em), "dec": sum(bool(a["emergency"]) for a in em),
            "dec_or_ask": sum(bool(a["emergency"] or a["ask"]) for a in em)}


def rescore(results: list[dict]) -> list[dict]:
    """Each saved recognition answered again by today's triage and asks (no audio, no recognizer): the saved
    transcript, other hypotheses and word probabilities go through kiosk listen's own heard_json."""
    from kiosk.core.content import load_knowledge_base
    from kiosk.faces.cli import make_index
    from kiosk.faces.listen import heard_json
    from kiosk.faces.phonetic import sign_sounds
    from kiosk.ops.settings import Settings
    from kiosk.speech.asr import Transcript, Word

    settings = Settings()
    kb = load_knowledge_base(settings.content)
    index, sounds = make_index(settings, kb), sign_sounds(kb)
    out = []
    for r in results:
        a = r["answer"]
        words = tuple(Word(t, p, 0.0, 0.0) for t, p in a.get("words") or ())
        heard = Transcript(a.get("transcript", ""), a.get("confidence", 0.0), True, words,
                           tuple(a.get("alternatives") or ()))
        out.append(dict(r, answer=dict(a, **heard_json(heard, index, sounds=sounds))))
    return out


def typed_tuning() -> str:
    """The hearing asks on the tuning sets' typed sentences (each sentence taken as a perfect transcript): on a
    non-emergency a hearing ask is needless (a question about a sign the person never said); counted only where
    the voice kiosk would use it, i.e. the triage itself has no red flag and no ask."""
    from kiosk.core.content import load_knowledge_base
    from kiosk.faces.cli import make_index
    from kiosk.faces.listen import heard_json
    from kiosk.faces.phonetic import sign_sounds
    from kiosk.ops.settings import Settings
    from kiosk.speech.asr import Transcript

    settings = Settings()
    kb = load_knowledge_base(settings.content)
    index, sounds = make_index(settings, kb), sign_sounds(kb)
    lines = ["| tuning file | non-emergencies | needless hearing asks | emergencies | caught only by a hearing ask |",
             "|---|---|---|---|---|"]
    total = [0, 0, 0, 0]
    for f in sorted((ROOT / "eval" / "tuning").glob("set*.json")):
        cases = [c for c in json.loads(f.read_text()).get("cases", []) if isinstance(c, dict) and c.get("text")]
        row = [0, 0, 0, 0]
        for c in cases:
            a = heard_json(Transcript(c["text"], 1.0, True), index, sounds=sounds)
            hearing = [k for k in a["ask"] if k["why"] != "triage"]
            plain = a["emergency"] or a["red_flags"] or any(k["why"] == "triage" for k in a["ask"])
            if c.get("emergency") is False:
                row[0] += 1
                row[1] += bool(hearing) and not plain
            elif c.get("emergency") is True:
                row[2] += 1
                row[3] += bool(hearing) and not plain
        total = [x + y for x, y in zip(total, row, strict=True)]
        lines.append(f"| {f.name} | {row[0]} | {row[1]} | {row[2]} | {row[3]} |")
    lines.append(f"| all | {total[0]} | {total[1]} | {total[2]} | {total[3]} |")
    return "\n".join(lines)


def vignettes() -> list[dict]:
    """The shared dev vignettes (38: emergencies, causes, out of scope), with the causes they should rank."""
    from kiosk.bench.corpus import DEV_VIGNETTES

    return json.loads(DEV_VIGNETTES.read_text())["cases"]


def audio_jobs(cases: list[dict], snrs: list[float | None]) -> list[dict]:
    """Synthesize (cached) and mix (cached): one job per case x voice x SNR."""
    import numpy as np

    from kiosk.bench.engines import read, synthesize
    from kiosk.bench.noise import kitchen_noise, mixed
    from kiosk.speech.audio import write_wav

    noise = kitchen_noise()
    MIXES.mkdir(parents=True, exist_ok=True)
    jobs = []
    for case in cases:
        for voice in VOICES:
            wav = synthesize(case["text"], voice, 1.0)
            for snr in snrs:
                if snr is None:
                    path = wav
                else:
                    path = MIXES / f"{wav.stem}-kitchen{snr:g}.wav"
                    if not path.exists():
                        speech = read(wav)
                        # half a second of silence on each side, as an endpointer would hand it over
                        pad = np.zeros(8000, np.int16)
                        write_wav(path, mixed(np.concatenate([pad, speech, pad]), noise, snr, f"kitchen|{wav.stem}"))
                jobs.append({"id": case["id"], "voice": voice, "snr": "clean" if snr is None else f"{snr:g} dB",
                             "emergency": case["emergency"], "text": case["text"], "wav": str(path),
                             "causes": case.get("causes") or []})
    return jobs


def listen(jobs: list[dict], options: list[str]) -> list[dict]:
    cmd = [sys.executable, "-m", "kiosk", "listen", "--json", "--asr", "whisper", *options, *[j["wav"] for j in jobs]]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.stderr.strip():
        print(proc.stderr.strip().splitlines()[-1], file=sys.stderr)
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if len(answers) != len(jobs):
        raise SystemExit(f"kiosk listen answered {len(answers)} of {len(jobs)} files (exit {proc.returncode})")
    return [dict(j, answer=a) for j, a in zip(jobs, answers, strict=False)]


KINDS = {"alt": "another hypothesis", "sound": "sounds like", "unclear": "unclear word", "triage": "triage",
         "denial": "no way to deny it", "phonetic": "has the sounds of", "spelling": "is spelled like",
         "number": "may be the number"}
"""Each kind of ask by the words of its ``why`` (kiosk.faces.asks); a kind not listed here is never counted."""


def ask_kind(ask: dict) -> str:
    why = ask.get("why", "")
    return next((k for k, text in KINDS.items() if text == why or text in why), "other")


ASK_KINDS = set(KINDS)
"""The kinds of ask counted (--ask-kinds)."""


def asked(answer: dict) -> bool:
    return any(ask_kind(a) in ASK_KINDS for a in answer.get("ask") or ())


def score(results: list[dict], extra: list[dict] | None = None) -> str:
    """Table per voice and condition; ``extra``: a second run on the same audio whose red flags are asked about."""
    rows = tally(results, extra)
    lines = ["| voice | condition | emergencies | sensitivity, declared | declared or asked | non-emergencies "
             "| false alarms | asked needlessly | top-3 cause |", "|---|---|---|---|---|---|---|---|---|"]
    for (voice, snr), x in sorted(rows.items(), key=lambda kv: (kv[0][0] == "all voices", kv[0][0],
                                                                 CONDITIONS.index(kv[0][1]))):
        lines.append(f"| {voice} | {snr} | {x['em']} | {x['dec'] / max(1, x['em']):.1%} | "
                     f"{x['dec_or_ask'] / max(1, x['em']):.1%} | {x['other']} | {x['fa']} | {x['other_ask']} | "
                     + (f"{x['top3'] / x['with_cause']:.1%} ({x['top3']}/{x['with_cause']}) |" if x["with_cause"] else "|"))
    return "\n".join(lines)


CONDITIONS = ["clean", "20 dB", "10 dB", "5 dB", "0 dB"]


def tally(results: list[dict], extra: list[dict] | None = None) -> dict[tuple[str, str], dict[str, int]]:
    """Counts per (voice, condition), and per ("all voices", condition): emergencies (em), declared (dec),
    declared or asked, non-emergencies (other), false alarms (fa), needless asks (other_ask), top-3 cause."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for i, r in enumerate(results):
        a = r["answer"]
        declared = bool(a.get("emergency"))
        ask = asked(a)
        if extra is not None:
            b = extra[i]["answer"]
            ask = ask or (not declared and bool(b.get("emergency") or b.get("red_flags")))
        for key in ((r["voice"], r["snr"]), ("all voices", r["snr"])):
            row = rows.setdefault(key, {"em": 0, "dec": 0, "dec_or_ask": 0, "other": 0, "fa": 0, "other_ask": 0,
                                        "with_cause": 0, "top3": 0})
            if r.get("causes") and not r["emergency"]:  # a cause to rank: top-3 as the benchmark counts it
                row["with_cause"] += 1
                row["top3"] += bool({c["id"] for c in (a.get("causes") or [])[:3]} & set(r["causes"]))
            if r["emergency"]:
                row["em"] += 1
                row["dec"] += declared
                row["dec_or_ask"] += declared or ask
            else:
                row["other"] += 1
                row["fa"] += declared
                row["other_ask"] += (not declared) and ask
    return rows


def misses(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        a = r["answer"]
        if r["emergency"] and not a.get("emergency") and not asked(a):
            out.append(f"{r['id']} {r['voice']} {r['snr']}: said \"{r['text']}\" heard \"{a.get('transcript', '')}\"")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    listen_opts = []
    if "--" in argv:
        cut = argv.index("--")
        argv, listen_opts = argv[:cut], argv[cut + 1:]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", choices=["redflags", "vignettes", "tuning"], default="redflags",
                   help="red-flag sentences (default), the 38 dev vignettes (all of them; scores top-3 cause too), "
                        "or the tuning sets' red-flag sentences")
    p.add_argument("--rescore", action="store_true", help="with --score: answer the saved transcripts again "
                   "with today's triage and asks")
    p.add_argument("--cases", type=Path, help="red-flag sentences from this file (vignette format) instead of --set")
    p.add_argument("--emergencies", type=int, default=40)
    p.add_argument("--others", type=int, default=12)
    p.add_argument("--snrs", default="clean,10,5")
    p.add_argument("--save", type=Path)
    p.add_argument("--score", nargs="+", type=Path, help="score saved runs instead of running")
    p.add_argument("--misses", action="store_true", help="list the missed emergencies")
    p.add_argument("--report", nargs=2, type=Path, metavar=("REDFLAGS.json", "VIGNETTES.json"),
                   help="print the benchmark report's noise section from two saved runs (kiosk.bench.noise_stage)")
    p.add_argument("--typed-tuning", action="store_true",
                   help="count the hearing asks on the tuning sets' typed sentences (needless on non-emergencies)")
    p.add_argument("--ask-kinds", default=",".join(KINDS),
                   help=f"which asks count ({', '.join(k for k in KINDS if k != 'triage')}; triage: the triage's "
                        "own ask list)")
    args = p.parse_args(argv)
    ASK_KINDS.clear()
    ASK_KINDS.update(k for k in args.ask_kinds.split(",") if k)
    if args.report:
        from kiosk.bench import noise_stage

        rf, vig = (json.loads(f.read_text())["results"] for f in args.report)
        if args.rescore:
            rf, vig = rescore(rf), rescore(vig)
        ids = list(dict.fromkeys(r["id"] for r in rf))
        by_id = {c["id"]: c for c in sentences(noise_stage.WHOLE, noise_stage.WHOLE)}
        section, headline = noise_stage.section(rf, vig, typed([by_id[i] for i in ids]))
        print(section.markdown(ROOT / "benchmarks"))
        print("\n".join(f"| {a} | {b} | {c} |" for a, b, c in headline))
        return 0
    if args.typed_tuning:
        print(typed_tuning())
        return 0
    if args.score:
        runs = [json.loads(f.read_text()) for f in args.score]
        if args.rescore:
            for run in runs:
                run["results"] = rescore(run["results"])
        print(score(runs[0]["results"], runs[1]["results"] if len(runs) > 1 else None))
        if args.misses:
            print("\n".join(misses(runs[0]["results"])))
        return 0
    snrs = [None if s == "clean" else float(s) for s in args.snrs.split(",")]
    cases = (split([args.cases], args.emergencies, args.others) if args.cases
             else vignettes() if args.set == "vignettes" else tuning(args.emergencies, args.others)
             if args.set == "tuning" else sentences(args.emergencies, args.others))
    t0 = time.perf_counter()
    jobs = audio_jobs(cases, snrs)
    print(f"{len(jobs)} recordings ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    results = listen(jobs, listen_opts)
    wall = time.perf_counter() - t0
    print(f"kiosk listen {' '.join(listen_opts)}: {len(jobs)} files in {wall:.0f} s", file=sys.stderr)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"options": listen_opts, "wall_s": wall, "results": results}, indent=1))
    print(score(results))
    if args.misses:
        print("\n".join(misses(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
