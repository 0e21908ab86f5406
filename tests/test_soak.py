"""The soak script runs, and its text sessions end well with every emergency prompt shown."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_soak_text_sessions_end_well():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "soak.py"), "--text-sessions", "300",
                        "--voice-sessions", "0"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    row = next(line for line in p.stdout.splitlines() if line.startswith("| text"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    sessions, faults, ended_well, _, missed, errors = cells[1:7]
    assert sessions == ended_well == "300" and missed == errors == "0" and int(faults) >= 2
    assert "Traceback" not in p.stderr
