#!/usr/bin/env python3
"""Soak and fault run: many scripted sessions back to back in one process, with faults injected.

    python scripts/soak.py [--text-sessions 10000] [--voice-sessions 40] [--out benchmarks/soak.md]

Text part: sessions built from the content's own regression cases, answers and commands (yes, no, repeat,
start over, louder, "talk to a person", junk), with the event log on (in a temporary folder) and, part way
through, the log folder made read-only (a full or unwritable disk) and the content folder deleted (the kiosk
keeps the content it loaded). Voice part: recordings synthesized with espeak-ng, through webrtcvad and
Whisper, with every fourth session given a fault: the microphone vanishes mid-sentence, the recognizer
raises or hangs, the speech engine fails. Prints one table: sessions run, faults injected, sessions that
ended well (the last reply was shown; an emergency prompt was shown whenever the script had a red flag),
peak memory (RSS) at start and end, threads and open files before and after.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.content import load_knowledge_base  # noqa: E402
from kiosk.dialogue import Dialogue, EventKind, Phase  # noqa: E402
from kiosk.settings import Settings  # noqa: E402

ANSWERS = ["yes", "no", "yeah", "nope", "not really", "i think so", "maybe", "repeat", "say that again", "louder",
           "slower", "help", "", "asdf qwerty", "\x00\x07 emoji 🙂", "SELECT * FROM users; rm -rf /", "no no no",
           "i want to talk to a person"]


def rss_mb() -> float:
    """Resident memory now, from /proc (peak RSS would never come down, so it cannot show a leak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _dev_cases():
    from kiosk.content import load_cases

    return list(load_cases(ROOT.parent / "shared" / "eval" / "dev_vignettes.json"))


def text_soak(n: int, content: Path, seed: int = 7) -> dict:
    """n scripted text sessions through the real dialogue and the real event log/alert router."""
    from kiosk.operations import event_handler

    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    content_copy = work / "content"
    shutil.copytree(content, content_copy)
    kb = load_knowledge_base(content_copy)
    dialogue = Dialogue(kb)
    cases = [c for c in kb.cases if c.text] or _dev_cases()
    settings = Settings(content=content_copy, event_log=str(work / "log"), staff_alert_bell=False, staff_alert_command=("true",),
                        event_log_max_bytes=200_000)
    stats = {"sessions": 0, "ok": 0, "faults": 0, "emergencies": 0, "missed": 0, "errors": 0}
    (work / "log").mkdir()
    # A real full disk: the log folder is a 128 KB tmpfs that fills up during the run (needs root).
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(work / "log")],
                             capture_output=True).returncode == 0
    stats["faults"] += 1
    stats["log fault"] = "log disk (128 KB tmpfs) fills up" if mounted else "log folder made read-only"
    gc.collect()
    start = {"rss": rss_mb(), "threads": threading.active_count(), "files": open_files()}
    t0 = time.perf_counter()
    with event_handler(settings) as on_event:
        for i in range(n):
            if i == n // 3 and not mounted:
                os.chmod(work / "log", stat.S_IRUSR | stat.S_IXUSR)
            if i == n // 2:  # the content folder disappears while running
                shutil.rmtree(content_copy, ignore_errors=True)
                stats["faults"] += 1
            if i == max(1, n // 10):
                stats["rss_10pct"] = rss_mb()
            case = rng.choice(cases)
            lines = [case.text] + [rng.choice(ANSWERS) for _ in range(rng.randint(1, 6))] + ["no", "no", "no", "goodbye"]
            try:
                state, turn = dialogue.start()
                showed_emergency = False
                for turn_no, line in enumerate(lines):
                    # the description is heard clearly; answers sometimes with a low confidence
                    confidence = 1.0 if turn_no == 0 else rng.choice([1.0, 1.0, 1.0, 0.3])
                    state, turn = dialogue.hear(state, line, confidence=confidence)
                    for event in turn.events:
                        on_event(event)
                    showed_emergency |= any(r.urgent for r in turn.replies)
                stats["sessions"] += 1
                stats["emergencies"] += showed_emergency
                if case.emergency and not showed_emergency:
                    stats["missed"] += 1
                elif turn.replies:
                    stats["ok"] += 1
            except Exception as err:  # noqa: BLE001 - counted, printed, never hidden
                stats["errors"] += 1
                print(f"session {i}: {err.__class__.__name__}: {err}", file=sys.stderr)
    stats["seconds"] = time.perf_counter() - t0
    gc.collect()
    end = {"rss": rss_mb(), "threads": threading.active_count(), "files": open_files()}
    stats["log bytes"] = sum(f.stat().st_size for f in (work / "log").iterdir())
    if mounted:
        subprocess.run(["umount", str(work / "log")], capture_output=True)
    os.chmod(work / "log", stat.S_IRWXU)
    shutil.rmtree(work, ignore_errors=True)
    return {**stats, "start": start, "end": end}


def voice_soak(n: int, content: Path, seed: int = 11) -> dict:
    """n sessions from synthesized recordings through webrtcvad + Whisper; every fourth gets a fault."""
    from kiosk.faults import FailingRecognizer, FailingSpeaker, VanishingSource
    from kiosk.session import VoiceSession
    from kiosk.speech.audio import MemorySource, read_wav
    from kiosk.speech.tts import WavSpeaker
    from kiosk.speech.vad import Endpointer
    from kiosk.speech.whisper_asr import WhisperRecognizer

    rng = random.Random(seed)
    kb = load_knowledge_base(content)
    dialogue = Dialogue(kb)
    recognizer = WhisperRecognizer(prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords())
    work = Path(tempfile.mkdtemp(prefix="kiosk-voice-soak-"))
    cases = [c for c in (kb.cases or _dev_cases()) if c.text and len(c.text.split()) <= 20]
    stats = {"sessions": 0, "ok": 0, "faults": 0, "emergencies": 0, "missed": 0, "errors": 0}
    import numpy as np

    gap = np.zeros(16000, dtype=np.int16)
    gc.collect()
    start = {"rss": rss_mb(), "threads": threading.active_count(), "files": open_files()}
    t0 = time.perf_counter()
    for i in range(n):
        if i == max(1, n // 10):
            stats["rss_10pct"] = rss_mb()
        case = rng.choice(cases)
        wav = work / f"{i % 8}.wav"
        subprocess.run(["espeak-ng", "-v", rng.choice(["en-us", "en-us+f3"]), "-s", str(rng.choice([140, 175])),
                        "-w", str(wav), case.text], check=True)
        audio = np.concatenate([read_wav(wav), gap, gap])
        source, rec, speaker = MemorySource(audio), recognizer, WavSpeaker(play=False)
        fault = ["", "mic", "asr-raise", "asr-hang", "tts"][(i // 4) % 5] if i % 4 == 3 else ""
        if fault == "mic":
            source = VanishingSource(source, len(audio) // 480 // 3)
        elif fault.startswith("asr"):
            rec = FailingRecognizer(recognizer, mode=fault.split("-")[1], at=1)
        elif fault == "tts":
            speaker = FailingSpeaker(speaker, at=2)
        stats["faults"] += bool(fault)
        out = io.StringIO()
        session = VoiceSession(dialogue, source, rec, speaker, Endpointer(), captions=out, asr_timeout_s=3.0)
        try:
            result = session.run()
            stats["sessions"] += 1
            urgent = result.state.phase is Phase.EMERGENCY
            stats["emergencies"] += urgent
            heard_ok = not result.fault or fault in {"mic", "asr-raise", "asr-hang"}
            if case.emergency and not urgent and not result.fault:
                stats["missed"] += 1  # heard, but no emergency prompt (a recognition miss, counted)
            elif heard_ok and "Traceback" not in out.getvalue():
                stats["ok"] += 1
        except Exception as err:  # noqa: BLE001
            stats["errors"] += 1
            print(f"voice session {i}: {err.__class__.__name__}: {err}", file=sys.stderr)
        finally:
            if isinstance(rec, FailingRecognizer):
                rec.release.set()
            speaker.close()
    stats["seconds"] = time.perf_counter() - t0
    gc.collect()
    end = {"rss": rss_mb(), "threads": threading.active_count(), "files": open_files()}
    shutil.rmtree(work, ignore_errors=True)
    return {**stats, "start": start, "end": end}


def table(rows: list[tuple[str, dict]]) -> str:
    head = ("run", "sessions", "faults injected", "ended well", "emergency prompts", "missed emergencies",
            "errors", "RSS start MB", "RSS at 10% MB", "RSS end MB", "threads start/end", "open files start/end", "seconds")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, s in rows:
        lines.append("| " + " | ".join(map(str, (
            name, s["sessions"], s["faults"], s["ok"], s["emergencies"], s["missed"], s["errors"],
            f"{s['start']['rss']:.1f}", f"{s.get('rss_10pct', float('nan')):.1f}", f"{s['end']['rss']:.1f}", f"{s['start']['threads']}/{s['end']['threads']}",
            f"{s['start']['files']}/{s['end']['files']}", f"{s['seconds']:.1f}"))) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-sessions", type=int, default=10_000)
    parser.add_argument("--voice-sessions", type=int, default=40)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--out", type=Path, help="also write the table (markdown) here")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR, format="kiosk: %(message)s")  # alert/log warnings are counted, not shown
    rows = [("text", text_soak(args.text_sessions, args.content))]
    if args.voice_sessions:
        try:
            rows.append(("voice (WAV, Whisper)", voice_soak(args.voice_sessions, args.content)))
        except ImportError as err:
            print(f"voice soak skipped: {err}", file=sys.stderr)
    text = table(rows)
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; peak RSS of the whole run {peak_rss_mb():.0f} MB"
    notes = "; ".join(f"{name}: {s['log fault']}, {s['log bytes']} bytes logged" for name, s in rows if "log fault" in s)
    machine += f"\nFaults: {notes}; content folder deleted half way (the kiosk keeps what it loaded)."
    print(text)
    print(machine)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(f"# Soak and fault run\n\n{text}\n\n{machine}\n", encoding="utf-8")
    bad = any(s["errors"] or s["missed"] for name, s in rows if name == "text")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
