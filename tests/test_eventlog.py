"""The event log: JSON lines, privacy filter, rotation by size, and write failures that never reach the kiosk."""
from __future__ import annotations

import errno
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.ops.eventlog import LOG_NAME, EventLog, NullEventLog, open_event_log
from kiosk.ops.settings import Settings

SAID = "my upper lip keeps twitching since tuesday"


def lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / LOG_NAME).read_text(encoding="utf-8").splitlines()]


def test_every_line_is_json_with_utc_time_and_kind(tmp_path):
    elog = EventLog(tmp_path)
    elog.record("session_start")
    elog.record("red_flag", detail="weakness,speech", count=2)
    elog.record("session_end", detail="idle", path=Path("/x"))  # a non-JSON value is written as text
    elog.close()
    got = lines(tmp_path)
    assert [g["event"] for g in got] == ["session_start", "red_flag", "session_end"]
    assert got[1]["detail"] == "weakness,speech" and got[1]["count"] == 2
    assert got[2]["path"] == "/x"
    for g in got:
        ts = datetime.fromisoformat(g["ts"])
        assert ts.utcoffset() == UTC.utcoffset(None)
    assert elog.written == 3 and elog.failures == 0


def test_fields_do_not_overwrite_time_or_kind(tmp_path):
    fixed = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    elog = EventLog(tmp_path, clock=lambda: fixed)
    elog.record("error", ts="forged", event="forged")
    elog.close()
    (got,) = lines(tmp_path)
    assert got["ts"].startswith("2024-05-01T12:00:00") and got["event"] == "error"
    assert got["field_ts"] == "forged" and got["field_event"] == "forged"


def test_what_was_said_is_not_written_by_default(tmp_path):
    elog = EventLog(tmp_path)
    elog.record("not_understood", transcript=SAID, text=SAID, detail="1")
    elog.close()
    raw = (tmp_path / LOG_NAME).read_text(encoding="utf-8")
    assert "twitching" not in raw
    assert lines(tmp_path) == [{"ts": lines(tmp_path)[0]["ts"], "event": "not_understood", "detail": "1"}]


def test_what_was_said_is_written_when_the_operator_turns_it_on(tmp_path):
    elog = EventLog(tmp_path, log_transcripts=True)
    elog.record("utterance", transcript=SAID, text="Ça va? 😀")
    elog.close()
    (got,) = lines(tmp_path)
    assert got["transcript"] == SAID and got["text"] == "Ça va? 😀"


def test_settings_choose_between_no_log_and_a_log(tmp_path):
    off = open_event_log(Settings())
    assert isinstance(off, NullEventLog)
    off.record("session_start", transcript=SAID)
    off.close()
    on = open_event_log(Settings(event_log=str(tmp_path / "events"), log_transcripts=True, event_log_max_bytes=500))
    assert isinstance(on, EventLog)
    assert on.log_transcripts and on.path == tmp_path / "events" / LOG_NAME
    on.record("session_start")
    on.close()
    assert len(lines(tmp_path / "events")) == 1


def test_rotates_at_the_size_and_keeps_a_few_backups(tmp_path):
    elog = EventLog(tmp_path, max_bytes=400, backups=2)
    for n in range(60):
        elog.record("session_end", detail=f"number {n:03d}")
    elog.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [LOG_NAME, f"{LOG_NAME}.1", f"{LOG_NAME}.2"]
    for p in tmp_path.iterdir():
        assert p.stat().st_size <= 400
        for line in p.read_text(encoding="utf-8").splitlines():
            json.loads(line)
    # the newest events are in the current file, in order, and nothing was lost between the kept files
    kept = lines(tmp_path)
    assert kept[-1]["detail"] == "number 059"
    older = [json.loads(x) for x in (tmp_path / f"{LOG_NAME}.1").read_text(encoding="utf-8").splitlines()]
    assert int(older[-1]["detail"].split()[1]) + 1 == int(kept[0]["detail"].split()[1])
    assert elog.failures == 0 and elog.written == 60


def test_folder_is_made_and_made_again_when_removed(tmp_path):
    folder = tmp_path / "a" / "b"
    elog = EventLog(folder)
    elog.record("session_start")
    elog.close()
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    elog = EventLog(folder)
    elog.record("session_start")
    elog.close()
    assert len(lines(folder)) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_unwritable_folder_never_raises_chmod(tmp_path, caplog):
    tmp_path.chmod(0o500)
    try:
        elog = EventLog(tmp_path)
        elog.record("session_start")
        elog.close()
    finally:
        tmp_path.chmod(0o700)
    assert elog.failures == 1


def test_unwritable_folder_never_raises_chmod_as_another_user(tmp_path):
    """The same as above where the tests run as root: a child process drops to 'nobody' first."""
    import subprocess
    import sys

    if os.geteuid() != 0:
        pytest.skip("needs root to switch user")
    tmp_path.chmod(0o755)  # nobody may enter, not write
    code = (
        # everything is imported before dropping to 'nobody', who cannot read root's Python install
        "import os, logging, sys; from kiosk.ops.eventlog import EventLog;"
        "logging.basicConfig(level=logging.WARNING, format='%(message)s', stream=sys.stdout);"
        "os.setgid(65534); os.setuid(65534);"
        f"e = EventLog({str(tmp_path)!r});"
        "[e.record('session_start') for _ in range(3)]; e.close();"
        "print('failures', e.failures)"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[-1] == "failures 3"
    assert len([x for x in out if "cannot write the event log" in x]) == 1
    assert "Permission denied" in out[0]
    assert done.stderr == ""  # no traceback from logging's default error handler


def test_a_path_under_a_file_never_raises_and_is_reported_once(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    caplog.set_level(logging.WARNING, logger="kiosk.ops.eventlog")
    elog = EventLog(blocker / "events")
    for _ in range(5):
        elog.record("session_start")
    elog.close()
    assert elog.failures == 5 and elog.written == 0
    reports = [r for r in caplog.records if r.name == "kiosk.ops.eventlog"]
    assert len(reports) == 1
    assert "cannot write the event log" in reports[0].getMessage()
    assert "\n" not in reports[0].getMessage()


def test_full_disk_dev_full_never_raises(tmp_path, caplog, capsys):
    caplog.set_level(logging.WARNING, logger="kiosk.ops.eventlog")
    elog = EventLog(tmp_path)
    elog._handler.baseFilename = "/dev/full"  # the kernel answers every write with ENOSPC
    for _ in range(4):
        elog.record("red_flag", detail="weakness")
    elog.close()
    assert elog.failures == 4 and elog.written == 0
    reports = [r.getMessage() for r in caplog.records if r.name == "kiosk.ops.eventlog"]
    assert len(reports) == 1 and "No space left on device" in reports[0]
    assert "Traceback" not in capsys.readouterr().err


def test_full_disk_then_space_again(tmp_path, caplog, monkeypatch):
    """A write that fails with ENOSPC is counted; once there is space the log goes on."""
    caplog.set_level(logging.WARNING, logger="kiosk.ops.eventlog")
    elog = EventLog(tmp_path)
    elog.record("session_start")
    full = True
    real_open = elog._handler._open

    def opener():
        stream = real_open()
        real_write = stream.write

        def write(s):
            if full:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(s)

        stream.write = write
        return stream

    # replace the open stream with one that fails, as a disk that just filled up would
    elog._handler.stream.close()
    elog._handler.stream = None
    monkeypatch.setattr(elog._handler, "_open", opener)
    elog.record("red_flag", detail="weakness")
    elog.record("staff_alert", detail="emergency")
    full = False
    elog.record("session_end", detail="done")
    elog.close()
    assert elog.failures == 2 and elog.written == 2
    assert [g["event"] for g in lines(tmp_path)] == ["session_start", "session_end"]
    messages = [r.getMessage() for r in caplog.records if r.name == "kiosk.ops.eventlog"]
    assert len(messages) == 2 and "No space left" in messages[0] and "written again" in messages[1]


def test_values_that_cannot_be_written_are_counted_not_raised(tmp_path):
    loop: list = []
    loop.append(loop)
    elog = EventLog(tmp_path)
    elog.record("error", detail=loop)
    elog.record("session_start")
    elog.close()
    elog.record("after_close")
    assert elog.failures == 1 and [g["event"] for g in lines(tmp_path)] == ["session_start"]


def test_a_size_of_zero_still_rotates(tmp_path, caplog):
    """RotatingFileHandler never rotates at 0 bytes; an unattended kiosk would fill its disk."""
    elog = EventLog(tmp_path, max_bytes=0)
    assert elog._handler.maxBytes == 1_000_000
    assert any("event_log_max_bytes" in r.getMessage() for r in caplog.records)


def test_events_from_several_threads_are_whole_lines_and_all_counted(tmp_path):
    """Failed staff alerts are recorded from the alerter's threads while the conversation records its own."""
    import threading

    elog = EventLog(tmp_path, max_bytes=20_000, backups=50)
    workers = [threading.Thread(target=lambda n=n: [elog.record("error", detail=f"{n}-{i}") for i in range(300)])
               for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elog.close()
    got = [json.loads(line) for p in tmp_path.iterdir() for line in p.read_text(encoding="utf-8").splitlines()]
    assert len(got) == elog.written == 2400 and elog.failures == 0
    assert len({g["detail"] for g in got}) == 2400
