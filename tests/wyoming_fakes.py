"""Broken Wyoming servers on 127.0.0.1 for the fault tests: silent, garbage, oversized, closing, wrong answers."""
from __future__ import annotations

import json
import socket
import threading

from kiosk.speech.asr import Transcript
from kiosk.speech.wyoming_io import Endpoint


class FaultServer:
    """Accepts connections and misbehaves in one way (``mode``), until closed.

    silent     accepts, reads everything, never answers
    garbage    answers bytes that are not Wyoming
    oversized  announces a payload of a gigabyte
    long_line  sends a header line that never ends
    close      closes at once
    bad_text   answers a transcript whose text is a number
    error      answers a Wyoming error event
    bad_audio  answers audio in a format nobody can play (8-bit, 7 channels)
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.endpoint = Endpoint("127.0.0.1", self.sock.getsockname()[1])
        self.connections = 0
        self._closed = threading.Event()
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name=f"fault-{mode}").start()

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        for conn in [self.sock, *self._conns]:
            try:
                conn.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.mode == "close":
                conn.close()
                return
            conn.settimeout(0.2)
            first = b""
            try:
                first = conn.recv(65536)
            except TimeoutError:
                pass
            answer = {
                "garbage": b"\x00\xff\xfeHTTP/1.1 200 OK\r\n\r\n<html>",
                "oversized": json.dumps({"type": "audio-chunk", "payload_length": 10 ** 9}).encode() + b"\n",
                "long_line": b"{" + b"x" * 200_000,
                "bad_text": json.dumps({"type": "transcript", "data": {"text": 123}}).encode() + b"\n",
                "error": json.dumps({"type": "error", "data": {"text": "model exploded", "code": "X"}}).encode() + b"\n",
                "bad_audio": json.dumps({"type": "audio-start", "data": {"rate": 16000, "width": 1,
                                                                          "channels": 7}}).encode() + b"\n",
            }.get(self.mode)
            if answer is not None and b"describe" not in first:
                conn.sendall(answer)
            elif b"describe" in first and self.mode != "silent":
                conn.sendall(json.dumps({"type": "info", "data": {"asr": [{"name": "fake", "installed": True}],
                                                                   "tts": [{"name": "fake", "installed": True}]}
                                         }).encode() + b"\n")
            while not self._closed.is_set():  # hold the connection open, draining what comes
                try:
                    if not conn.recv(65536):
                        return
                except TimeoutError:
                    continue
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def closed_port() -> Endpoint:
    """An address where nothing listens (connection refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return Endpoint("127.0.0.1", port)


class LocalRecognizer:
    """Stands in for the local recognizer: says what it was given to say, and counts its calls."""

    name = "local-fake"
    streaming = False

    def __init__(self, text: str = "my lip keeps twitching") -> None:
        self.text = text
        self.calls = 0
        self.audio = b""

    def start(self, grammar=None) -> None:
        self.audio = b""

    def accept(self, frames: bytes):
        self.audio += frames
        return None

    def finish(self) -> Transcript:
        self.calls += 1
        return Transcript(self.text, 0.9, True)
