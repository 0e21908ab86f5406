"""`kiosk wyoming`: the kiosk's conversation as a Wyoming handle service, driven the way Home Assistant does.

Home Assistant's Wyoming conversation agent opens one connection per sentence, sends a ``transcript`` with a
context holding ``conversation_id`` (and device_id / satellite_id), and reads until ``handled`` or
``not-handled``. The pure part (ConversationBook) is tested with plain numbers for time; the server in-process
and as the real `kiosk wyoming` process, with the ``wyoming`` package's own AsyncTcpClient.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("wyoming")

from wyoming.asr import Transcript  # noqa: E402
from wyoming.client import AsyncTcpClient  # noqa: E402
from wyoming.event import Event  # noqa: E402
from wyoming.handle import Handled, NotHandled  # noqa: E402
from wyoming.info import Describe, Info  # noqa: E402

from kiosk.core.dialogue import Dialogue  # noqa: E402
from kiosk.faces.wyoming import ConversationBook, serve  # noqa: E402
from kiosk.ops.events import EventRouter  # noqa: E402
from kiosk.ops.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CAFFEINE = ["my lip keeps twitching since I started energy drinks", "no", "yes"]
EMERGENCY = "my arm went weak and my face is drooping on one side"


class Alerts:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def alert(self, reason: str, **details) -> None:
        self.reasons.append(reason)

    def close(self, timeout: float = 0.0) -> None:
        pass


class Log:
    def __init__(self) -> None:
        self.records: list[tuple[str, dict]] = []

    def record(self, kind: str, **fields) -> None:
        self.records.append((kind, fields))

    def close(self) -> None:
        pass


@pytest.fixture
def router():
    return EventRouter(Settings(), alerter=Alerts(), event_log=Log())


@pytest.fixture
def book(kb, router):
    ids = iter(f"new-{i}" for i in range(1000))
    return ConversationBook(Dialogue(kb), on_event=router, new_id=lambda: next(ids))


# ---- the conversations (pure, time in seconds) ----------------------------------------------------------

def test_a_whole_conversation_to_the_summary_and_goodbye(book, kb):
    answers = [book.handle(text, "home-1", now=float(i)) for i, text in enumerate(CAFFEINE)]
    assert all(a.handled and a.conversation_id == "home-1" for a in answers)
    assert answers[0].text == kb.dialogue["screening_question"]
    assert "caffeine" in answers[2].text.lower() and answers[2].text.endswith(kb.dialogue["anything_else"])
    bye = book.handle("no", "home-1", now=5.0)
    assert bye.handled and bye.text == kb.dialogue["goodbye"]  # no greeting for a next person at home
    assert len(book) == 0  # the session is forgotten at once


def test_conversations_keep_their_own_state(book, kb):
    book.handle(CAFFEINE[0], "kitchen", now=0.0)
    book.handle(EMERGENCY, "bedroom", now=1.0)
    second = book.handle("no", "kitchen", now=2.0)  # kitchen answers its screening question
    assert second.handled and not second.urgent and "?" in second.text
    again = book.handle("what now", "bedroom", now=3.0)  # bedroom stays in its emergency
    assert again.urgent and "911" in again.text
    assert len(book) == 2


def test_an_emergency_comes_first_and_raises_the_staff_alert(book, router):
    first = book.handle(CAFFEINE[0], "c", now=0.0)
    assert not first.urgent
    answer = book.handle("yes it came on suddenly and my arm feels weak", "c", now=1.0)
    assert answer.urgent and answer.text.startswith("This may be an emergency") and "911" in answer.text
    assert router.alerter.reasons == ["emergency"]
    kinds = [kind for kind, _ in router.event_log.records]
    assert "emergency" in kinds and "red_flag" in kinds
    assert all("transcript" not in fields for _, fields in router.event_log.records)  # no words by default


def test_emergency_prompt_comes_before_anything_else_in_the_reply(book):
    book.handle(EMERGENCY, "e", now=0.0)
    answer = book.handle("I want to talk to a person", "e", now=1.0)
    assert answer.urgent and answer.text.startswith("This may be an emergency")
    assert "staff" in answer.text.lower() or "person" in answer.text.lower() or "desk" in answer.text.lower()


def test_idle_conversations_are_forgotten_with_a_session_end(book, router, kb):
    book.handle(CAFFEINE[0], "idle", now=0.0)
    timeout = book.idle_timeout_s
    assert book.expire(now=timeout - 1) == 0 and len(book) == 1
    assert book.expire(now=timeout) == 1 and len(book) == 0
    assert ("session_end", {"detail": "idle"}) in router.event_log.records
    again = book.handle("no", "idle", now=timeout + 1)  # the old question is gone: "no" starts afresh
    assert not again.handled


def test_a_new_sentence_after_the_timeout_starts_a_new_session(book, kb):
    book.handle(CAFFEINE[0], "late", now=0.0)
    answer = book.handle(CAFFEINE[0], "late", now=book.idle_timeout_s + 5)
    assert answer.handled and answer.text == kb.dialogue["screening_question"]


def test_not_handled_out_of_scope_other_language_and_nonsense(book):
    lights = book.handle("turn on the kitchen lights", "x", now=0.0)
    assert not lights.handled and "twitching" in lights.text and len(book) == 0
    french = book.handle("ma lèvre tremble", "y", now=0.0, language="fr")
    assert not french.handled and "English" in french.text
    long = book.handle("twitch " * 1000, "z", now=0.0)
    assert not long.handled and len(book) == 0


def test_without_a_conversation_id_one_is_made_and_given_back(book):
    answer = book.handle(CAFFEINE[0], None, now=0.0)
    assert answer.conversation_id == "new-0" and answer.handled
    assert book.handle("no", answer.conversation_id, now=1.0).handled


def test_empty_text_repeats_the_open_question(book, kb):
    book.handle(CAFFEINE[0], "q", now=0.0)
    assert book.handle("", "q", now=1.0).text == kb.dialogue["screening_question"]


def test_start_over_keeps_the_greeting(book, kb):
    book.handle(CAFFEINE[0], "s", now=0.0)
    answer = book.handle("start over", "s", now=1.0)
    assert answer.handled and answer.text.endswith(kb.dialogue["greeting"]) and len(book) == 0


def test_memory_is_bounded(kb, router):
    book = ConversationBook(Dialogue(kb), on_event=router, max_conversations=3)
    for i in range(6):
        book.handle(CAFFEINE[0], f"c{i}", now=float(i))
    assert sorted(book.conversations) == ["c3", "c4", "c5"]  # the longest silent go first
    assert sum(1 for kind, f in router.event_log.records if kind == "session_end") == 3


# ---- the server, as Home Assistant drives it ----------------------------------------------------------------

async def ha_turn(port: int, text, conversation_id: str, **extra):
    """What Home Assistant's WyomingConversationEntity does for one sentence."""
    context = {"conversation_id": conversation_id, **extra}
    async with AsyncTcpClient("127.0.0.1", port, connect_timeout=5, read_timeout=10) as client:
        await client.write_event(Transcript(text, context=context, language="en").event())
        while True:
            event = await client.read_event()
            assert event is not None, "connection lost"
            if Handled.is_type(event.type):
                return Handled.from_event(event), True
            if NotHandled.is_type(event.type):
                return NotHandled.from_event(event), False


async def describe(port: int) -> Info:
    async with AsyncTcpClient("127.0.0.1", port, connect_timeout=5, read_timeout=10) as client:
        await client.write_event(Describe().event())
        return Info.from_event(await client.read_event())


def check_info(info: Info) -> None:
    assert len(info.handle) == 1
    program = info.handle[0]
    assert program.installed and program.name and program.description and program.version
    assert program.attribution.name
    assert [m.languages for m in program.models] == [["en"]] and program.models[0].installed


def free_port() -> int:
    from kiosk.bench.wyoming_servers import free_port as port

    return port()


def test_in_process_server_holds_conversations_like_home_assistant(kb, router):
    book = ConversationBook(Dialogue(kb), on_event=router)
    port = free_port()

    async def scenario():
        ready = asyncio.Event()
        server = asyncio.create_task(serve(book, f"tcp://127.0.0.1:{port}", ready=ready.set, sweep_s=0.05))
        await asyncio.wait_for(ready.wait(), 5)
        try:
            check_info(await describe(port))
            replies = []
            for text in CAFFEINE:
                replies.append(await ha_turn(port, text, "01HS6SP2XD", device_id="dev1", satellite_id="sat1"))
            emergency = await ha_turn(port, EMERGENCY, "01HS6SP2XE")
            lights = await ha_turn(port, "what's the weather", "01HS6SP2XF")
            # an event the service does not know is dropped, and the connection still answers
            async with AsyncTcpClient("127.0.0.1", port, connect_timeout=5, read_timeout=10) as client:
                await client.write_event(Event("ping-me", {"x": 1}))
                await client.write_event(Event("transcript", {"context": {"conversation_id": "n"}}))
                no_text = await client.read_event()
            return replies, emergency, lights, no_text
        finally:
            server.cancel()
            try:
                await server
            except asyncio.CancelledError:
                pass

    replies, emergency, lights, no_text = asyncio.run(scenario())
    assert all(ok for _, ok in replies)
    assert [r.context for r, _ in replies] == [{"conversation_id": "01HS6SP2XD", "device_id": "dev1",
                                                "satellite_id": "sat1"}] * 3
    assert "caffeine" in replies[-1][0].text.lower()
    handled, ok = emergency
    assert ok and handled.text.startswith("This may be an emergency") and "911" in handled.text
    assert handled.context == {"conversation_id": "01HS6SP2XE"}
    assert router.alerter.reasons == ["emergency"]
    assert lights[1] is False and lights[0].context == {"conversation_id": "01HS6SP2XF"}
    assert NotHandled.is_type(no_text.type) and no_text.data["context"]["conversation_id"] == "n"


@pytest.mark.slow
def test_kiosk_wyoming_process_whole_conversations_and_alerts(tmp_path):
    """The real `kiosk wyoming` command: info, two whole conversations at once (one an emergency whose staff
    alert runs the configured command), and the event log, then a clean stop."""
    alert_file = tmp_path / "alerts.txt"
    config = tmp_path / "kiosk.toml"
    script = tmp_path / "page_front_desk.py"
    script.write_text(f"import sys\nopen({str(alert_file)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    config.write_text(f"staff_alert_command = [{json.dumps(sys.executable)}, {json.dumps(str(script))}]\n"
                      f"staff_alert_bell = false\nevent_log = {json.dumps(str(tmp_path / 'log'))}\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "wyoming", "--uri", f"tcp://127.0.0.1:{port}",
                             "--config", str(config)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                info = asyncio.run(describe(port))
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1]
                time.sleep(0.1)
        check_info(info)

        async def conversations():
            out = {"a": [], "b": []}
            scripts = {"a": CAFFEINE + ["no"], "b": ["my eyelid twitches", "yes, it started suddenly", "okay"]}
            for step in range(4):
                for cid, script in scripts.items():
                    if step < len(script):
                        out[cid].append(await ha_turn(port, script[step], cid))
            return out

        out = asyncio.run(conversations())
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    a, b = out["a"], out["b"]
    assert all(ok for _, ok in a) and "caffeine" in a[2][0].text.lower()
    assert b[1][1] and b[1][0].text.startswith("This may be an emergency")
    assert b[2][0].text.startswith("This may be an emergency")  # it stays an emergency
    deadline = time.monotonic() + 10
    while not alert_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alert_file.read_text().splitlines()[0] == "emergency"
    log = [json.loads(line) for f in sorted((tmp_path / "log").glob("*.jsonl*")) for line in f.read_text().splitlines()]
    kinds = [r.get("kind") or r.get("event") for r in log]
    assert "emergency" in kinds and "summary" in kinds, log[:5]


def test_a_port_in_use_is_one_line(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "kiosk", "wyoming", "--uri", f"tcp://127.0.0.1:{port}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "cannot listen" in proc.stderr, proc.stderr


def test_a_bad_uri_is_one_line():
    proc = subprocess.run([sys.executable, "-m", "kiosk", "wyoming", "--uri", "http://x:1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "tcp://HOST:PORT" in proc.stderr and "Traceback" not in proc.stderr


def test_the_server_forgets_idle_conversations_without_traffic(kb, router):
    book = ConversationBook(Dialogue(kb, idle_warning_s=0.1, idle_timeout_s=0.2), on_event=router)
    port = free_port()

    async def scenario():
        ready = asyncio.Event()
        server = asyncio.create_task(serve(book, f"tcp://127.0.0.1:{port}", ready=ready.set, sweep_s=0.05))
        await asyncio.wait_for(ready.wait(), 5)
        try:
            await ha_turn(port, CAFFEINE[0], "sleepy")
            kept = len(book)
            for _ in range(100):  # the sweep runs every 0.05 s; give it up to 5 s on a busy machine
                await asyncio.sleep(0.05)
                if not book.conversations:
                    break
            return kept, len(book)
        finally:
            server.cancel()
            try:
                await server
            except asyncio.CancelledError:
                pass

    kept, left = asyncio.run(scenario())
    assert (kept, left) == (1, 0)
    assert ("session_end", {"detail": "idle"}) in router.event_log.records
