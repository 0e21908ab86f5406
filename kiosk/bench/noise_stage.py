"""The noise stage of the benchmark (issue 11): spoken red-flag sentences and dev vignettes, clean and in real
kitchen noise, through `kiosk listen --json` as the voice kiosk hears them, scored against the issue's targets.

The recognition and scoring are scripts/eval_redflags.py's (run alone it also saves and rescores runs); this
module runs it for the suite and turns its counts into the report's tables and one line per target.
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

from ..ops.settings import PROJECT_ROOT
from .report import Section, Table

VOICE_KIOSK = ["--second", "all"]
"""`kiosk listen` options that give the voice kiosk's hearing: the first decode (tiny.en), then Whisper base,
tiny.en on the enhanced audio and Moonshine tiny decoding the same audio again (the voice kiosk does that while its
reply is spoken and asks what only they find)."""
KIOSK_ASKS = "triage,sound,denial,phonetic,alt"
"""The asks the voice kiosk makes: the triage's own, sound-alikes, a sign word after "won't" or "don't"
(kiosk.faces.asks.misheard_denial_asks), a stretch with a sign phrase's sounds (kiosk.faces.phonetic), a second
hearing's red flags (no word probabilities: they would cost the turn 1.7x recognition time)."""
FIRST_ONLY = "triage,sound,denial,phonetic"
TARGETS = {"clean": 0.99, "10 dB": 0.98, "5 dB": 0.95}
"""Issue 11's emergency sensitivity targets; top-3 cause at 10 dB: 90%."""


def eval_redflags() -> ModuleType:
    """scripts/eval_redflags.py as a module (it is a script so it runs without the package installed)."""
    path = PROJECT_ROOT / "scripts" / "eval_redflags.py"
    spec = importlib.util.spec_from_file_location("eval_redflags", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_redflags"] = module
    spec.loader.exec_module(module)
    return module


WHOLE = 10**6
"""As many sentences as there are: all of them."""


def run(quick: bool) -> tuple[list[dict], list[dict], dict[str, int]]:
    """Recognize and answer: (red-flag results, vignette results, typed ceiling of the red-flag sentences). The
    full run hears every held-out red-flag sentence: a subsample of 30 emergencies made one recording 1.1 points
    and read 98.9% at 10 dB where the whole set reads 97.2% (benchmarks/noise.md section 19.1)."""
    ev = eval_redflags()
    n_em, n_other = (6, 3) if quick else (WHOLE, WHOLE)
    cases = ev.sentences(n_em, n_other)
    rf = ev.listen(ev.audio_jobs(cases, [None, 10.0, 5.0]), VOICE_KIOSK)
    vig_cases = ev.vignettes()
    vig = ev.listen(ev.audio_jobs(vig_cases[::4] if quick else vig_cases, [None, 10.0]), VOICE_KIOSK)
    return rf, vig, ev.typed(cases)


def rate(n: int, d: int) -> str:
    return f"{n / d:.1%} ({n}/{d})" if d else "-"


def section(rf: Sequence[dict], vig: Sequence[dict], typed: dict[str, int], wer_line: str = "",
            turn_line: str = "") -> tuple[Section, list[tuple[str, str, str]]]:
    """The report's section and its headline rows, from listen results (see :func:`run`)."""
    ev = eval_redflags()
    sec = Section("7. Hearing in a noisy room (issue 11)")
    n_em = len({r["id"] for r in rf if r["emergency"]})
    n_other = len({r["id"] for r in rf if not r["emergency"]})
    sec.say(f"Spoken red-flag sentences ({n_em} emergencies of eval/redflag_sentences.json and "
            f"eval/heldout_cases.json, {n_other} non-emergencies) and the 38 dev vignettes, each in three voices "
            "(espeak-ng en-us, espeak-ng en-gb, Piper joe), clean and with the real kitchen recording mixed in, every one through "
            f"`kiosk listen --json --asr whisper {' '.join(VOICE_KIOSK)}` (scripts/eval_redflags.py). *Declared*: the "
            "emergency prompt at once. *Asked*: the kiosk asks that sign's own yes/no question (only a yes or "
            "'not sure' is an emergency): the triage's own asks and sound-alikes on the first decode, and, in the "
            "last column, a red flag (or a sound-alike) that only the second hearing (Whisper base prompted with the kiosk's own "
            "red-flag questions, then tiny.en on the DeepFilterNet3-enhanced audio, then Moonshine tiny, decoding "
            "the same audio again while the reply is spoken) finds.")
    ev.ASK_KINDS.clear()
    ev.ASK_KINDS.update(FIRST_ONLY.split(","))
    first = ev.tally(list(rf))
    ev.ASK_KINDS.clear()
    ev.ASK_KINDS.update(KIOSK_ASKS.split(","))
    both = ev.tally(list(rf))
    t = Table("Emergency sensitivity on spoken red-flag sentences", [
        "condition", "emergencies", "declared", "declared or asked, first decode", "declared or asked, with the "
        "second hearing", "false alarms", "asked needlessly", "target"],
        note=f"3 voices; typed, the same emergency sentences are declared {rate(typed['dec'], typed['em'])} and "
             f"declared or asked {rate(typed['dec_or_ask'], typed['em'])} (the ceiling of these sentences)")
    headline = []
    for cond in ("clean", "10 dB", "5 dB"):
        a, b = first.get(("all voices", cond)), both.get(("all voices", cond))
        if not a or not b:
            continue
        got = b["dec_or_ask"] / max(1, b["em"])
        verdict = "met" if got >= TARGETS[cond] else f"not met, {100 * (TARGETS[cond] - got):.1f} points short"
        t.add(cond, a["em"], rate(a["dec"], a["em"]), rate(a["dec_or_ask"], a["em"]), rate(b["dec_or_ask"], b["em"]),
              rate(b["fa"], b["other"]), rate(b["other_ask"], b["other"]), f">= {TARGETS[cond]:.0%}: {verdict}")
        headline.append((f"Spoken red-flag sentences, {cond}: declared / declared or asked (voice kiosk)",
                         f"{a['dec'] / max(1, a['em']):.1%} / {got:.1%}",
                         f"{b['em']} emergencies, 3 voices; target >= {TARGETS[cond]:.0%} (issue 11): {verdict}"))
    sec.table(t)
    per_voice = Table("Per voice, declared or asked with the second hearing", ["voice", "clean", "10 dB", "5 dB"])
    for voice in ev.VOICES:
        per_voice.add(voice, *(rate(both[(voice, c)]["dec_or_ask"], both[(voice, c)]["em"]) if (voice, c) in both
                               else "-" for c in ("clean", "10 dB", "5 dB")))
    sec.table(per_voice)
    vt = ev.tally(list(vig))
    v = Table("Spoken dev vignettes", ["condition", "emergency sensitivity, declared or asked", "false alarms",
                                       "asked needlessly", "top-3 cause", "target"],
              note="38 vignettes x 3 voices; asks as the voice kiosk makes them")
    for cond in ("clean", "10 dB"):
        x = vt.get(("all voices", cond))
        if not x:
            continue
        top3 = x["top3"] / max(1, x["with_cause"])
        target = "" if cond == "clean" else (
            "top-3 >= 90%: " + ("met" if top3 >= 0.9 else f"not met, {100 * (0.9 - top3):.1f} points short"))
        v.add(cond, rate(x["dec_or_ask"], x["em"]), rate(x["fa"], x["other"]), rate(x["other_ask"], x["other"]),
              rate(x["top3"], x["with_cause"]), target)
        headline.append((f"Spoken dev vignettes (3 voices), {cond}: emergency sensitivity / top-3",
                         f"{x['dec_or_ask'] / max(1, x['em']):.1%} / {top3:.1%}",
                         f"{x['em'] + x['other']} utterances" + (f"; {target} (issue 11)" if target else "")))
    sec.table(v)
    for line in (wer_line, turn_line):
        if line:
            sec.say(line)
    return sec, headline
