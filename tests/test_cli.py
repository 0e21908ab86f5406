"""The command line as a person or a script uses it: real processes, real stdin/stdout."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import CONTENT, ROOT, SHARED


def kiosk(*args, stdin="", env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, cwd=cwd or ROOT, env=env)


def test_triage_reads_a_word_of_the_language_as_itself_and_a_typo_as_a_typo():
    """The kiosk's index holds the pronouncing dictionary's words: "stopped" was read as a one-letter typo of the
    Parkinson's clue "stooped", and "this morning" as "mourning" (a stress clue)."""
    lines = ["i stopped taking my medicine and my lip twitches", "my lip twitches since this morning",
             "my lip twitches and i take preednisone"]
    p = kiosk("triage", "--json", stdin="\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    stopped, morning, typo = (json.loads(line) for line in p.stdout.splitlines())
    assert [c["id"] for c in stopped["causes"]][:1] == ["medication"], stopped["causes"]
    assert "stress_mood" not in [c["id"] for c in morning["causes"] if c["evidence"]], morning["causes"]
    assert typo["causes"][0]["id"] == "medication" and typo["causes"][0]["evidence"] == ["preednisone"]


def test_triage_json_batch_keeps_order_and_reports_bad_lines():
    lines = ["my lip twitches after energy drinks", "", "x" * 2001, "my left arm suddenly went weak",
             "\x00\x01\x02", "where is the bathroom", "Mi labio tiembla mucho", "no numbness just coffee twitching"]
    p = kiosk("triage", "--json", stdin="\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["causes"][0]["id"] == "caffeine" and out[0]["emergency"] is False and out[0]["in_scope"]
    assert 0 < out[0]["causes"][0]["score"] <= 1
    assert out[1] == {"line": 2, "error": "empty input"}
    assert "longer than 2000" in out[2]["error"]
    assert out[3]["emergency"] is True and "one_sided_weakness" in out[3]["red_flags"]
    assert "error" in out[4]
    assert out[5]["in_scope"] is False and out[5]["causes"] == [] and out[5]["emergency"] is False
    assert out[6]["emergency"] is False and out[6]["causes"] == []
    assert out[7]["emergency"] is False
    for obj in out:
        if "error" not in obj:
            assert {"emergency", "red_flags", "causes", "in_scope"} <= obj.keys()


def test_triage_scores_dev_vignettes_with_the_project_scorer():
    p = subprocess.run([sys.executable, str(SHARED / "eval" / "score_triage.py"), str(SHARED / "eval" / "dev_vignettes.json"),
                        "--", sys.executable, "-m", "kiosk", "triage", "--json"], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    summary = p.stdout.strip().splitlines()[-1]
    assert p.returncode == 0 and summary.startswith("cases="), p.stdout + p.stderr
    fields = dict(part.split("=", 1) for part in summary.split() if "=" in part)
    assert float(fields["emergency_sensitivity"]) == 1.0, p.stdout


def test_text_kiosk_piped_session_shows_the_full_flow(kb):
    script = "my lip keeps twitching since I started these energy drinks\nno\nyes\nno\nno\nno\nno\n"
    p = kiosk("--text", stdin=script)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert kb.dialogue["greeting"] in out
    assert kb.dialogue["screening_question"] in out
    assert kb.cause("caffeine").name in out and kb.guidance["disclaimer"] in out
    assert kb.dialogue["goodbye"] in out
    assert "Traceback" not in p.stderr


def test_text_kiosk_emergency_is_marked():
    p = kiosk("--text", stdin="the room is spinning and my lip twitches\n")
    assert "!! " in p.stdout and "911" in p.stdout


def test_text_kiosk_survives_junk_and_huge_input():
    junk = "\n".join(["", "\x00\x7f\x1b[31m", "🙂" * 50, "a" * 100_000, "Где туалет?", "my lip twitches"]) + "\n"
    p = kiosk("--text", stdin=junk)
    assert p.returncode == 0 and "Traceback" not in p.stderr
    assert p.stdout.count("Kiosk:") >= 6


def test_check_passes_on_shipped_content():
    p = kiosk("check")
    assert p.returncode == 0, p.stdout[-3000:]
    assert "0 failed" in p.stdout and "0 above grade 8" in p.stdout


def test_check_fails_on_bad_content_with_clear_lines(content_copy):
    (content_copy / "causes.toml").write_text("[[cause]\n")
    p = kiosk("check", str(content_copy))
    assert p.returncode == 1 and "TOML syntax error" in p.stdout and "Traceback" not in p.stdout + p.stderr


def test_check_fails_when_a_case_fails(content_copy):
    with open(content_copy / "cases.toml", "a") as f:
        f.write('\n[[case]]\nid = "wrong-1"\ntext = "my face is numb"\nemergency = false\n')
    p = kiosk("check", str(content_copy))
    assert p.returncode == 1 and "wrong-1" in p.stdout and "false emergency" in p.stdout


def test_check_fails_on_a_phrase_that_is_one_everyday_word(content_copy):
    """"get an ambulance" once matched "the ambulance bay": its other words are optional function words."""
    path = content_copy / "red_flags.toml"
    path.write_text(path.read_text().replace('"=get an ambulance"', '"get an ambulance"', 1))
    p = kiosk("check", str(content_copy))
    assert p.returncode == 1 and "urgent_help: 'get an ambulance' matches 'ambulance' alone" in p.stdout


def test_content_option_and_settings_file(tmp_path, content_copy):
    (tmp_path / "kiosk.toml").write_text(f'content = "{content_copy}"\nemergency_number = "112"\n')
    p = kiosk("--text", stdin="my face went numb\n", cwd=tmp_path)
    assert "112" in p.stdout, p.stdout + p.stderr
    p = kiosk("--text", "--emergency-number", "000", stdin="my face went numb\n", cwd=tmp_path)
    assert "000" in p.stdout
    p = kiosk("triage", "--content", str(tmp_path / "missing"), stdin="hi\n")
    assert p.returncode == 2 and "content folder not found" in p.stderr and "Traceback" not in p.stderr


def test_bad_settings_file_is_one_line(tmp_path):
    (tmp_path / "kiosk.toml").write_text("idle_timeout_s = 'soon'\n")
    p = kiosk("--text", stdin="", cwd=tmp_path)
    assert p.returncode == 2 and "idle_timeout_s" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_every_settings_mistake_is_its_own_line(tmp_path):
    (tmp_path / "kiosk.toml").write_text('emergency_numbr = "112"\nidle_timeout_s = "soon"\nvad_aggressiveness = 7\n'
                                         'emergency_message = "Call {numbr} now"\n')
    p = kiosk("--text", stdin="", cwd=tmp_path)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(lines) == 4, p.stderr
    for line, name in zip(lines, ["emergency_numbr", "idle_timeout_s", "vad_aggressiveness", "emergency_message"], strict=True):
        assert line.startswith("kiosk: kiosk.toml: ") and f"'{name}'" in line


def test_a_short_idle_timeout_on_the_command_line_works(tmp_path):
    p = kiosk("--text", "--idle-timeout", "60", stdin="my lip twitches\n", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Kiosk:" in p.stdout and "idle_warning_s" not in p.stderr


def test_a_short_idle_timeout_warns_at_three_quarters(tmp_path):
    """Real time on a real pipe: with --idle-timeout 2 the warning comes at 1.5 s and the reset at 2 s."""
    import time

    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--text", "--idle-timeout", "2"], cwd=tmp_path,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stdin.write("my lip twitches\n")
        proc.stdin.flush()
        time.sleep(5.5)  # start-up (the sentence model loads in about a second) + warning + reset
        out, err = proc.communicate(timeout=60)  # closes stdin: end of input
    finally:
        proc.kill()
    from kiosk.core.content import load_knowledge_base

    said = load_knowledge_base(CONTENT).dialogue
    assert proc.returncode == 0, err
    assert out.index(said["idle_warning"]) < out.index(said["idle_reset"])


def test_bench_and_models_pass_their_options_through(monkeypatch):
    """`kiosk bench --quick` (README) used to stop with "unrecognized arguments: --quick" (argparse.REMAINDER
    does not take a leading option); every argument the kiosk does not know goes on, in order."""
    import kiosk.bench
    import kiosk.speech.models
    from kiosk.faces import cli

    seen = {}
    monkeypatch.setattr(kiosk.bench, "main", lambda argv: seen.setdefault("bench", argv) and 0)
    monkeypatch.setattr(kiosk.speech.models, "main", lambda argv: seen.setdefault("models", argv) and 0)
    assert cli.main(["bench", "--quick", "--out", "/tmp/x", "--only", "asr", "triage"]) == 0
    assert seen["bench"] == ["--quick", "--out", "/tmp/x", "--only", "asr", "triage"]
    seen.clear()
    assert cli.main(["bench", "--content", str(CONTENT), "--quick"]) == 0
    assert seen["bench"] == ["--content", str(CONTENT), "--quick"]
    assert cli.main(["models", "download", "--quiet"]) == 0
    assert seen["models"][-2:] == ["download", "--quiet"] and seen["models"][0] == "--models-dir"


def test_other_commands_still_refuse_unknown_options():
    p = kiosk("triage", "--quick")
    assert p.returncode == 2 and "unrecognized arguments: --quick" in p.stderr
