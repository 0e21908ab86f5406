"""Thoughts of self-harm: the emergency prompt, then the crisis line an operator set (988 by default, none when
empty). Other emergencies do not get it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.dialogue import Dialogue, EventKind, Phase
from kiosk.ops.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def first_turn(dialogue: Dialogue, line: str):
    state, _ = dialogue.start()
    return dialogue.hear(state, line)


def test_self_harm_gets_the_prompt_then_the_crisis_line(kb, index):
    dialogue = Dialogue(kb, index=index, crisis_line="988")
    state, turn = first_turn(dialogue, "i want to kill myself")
    assert state.phase is Phase.EMERGENCY and EventKind.STAFF_ALERT in [e.kind for e in turn.events]
    texts = [r.text for r in turn.replies]
    # the emergency prompt first, never replaced; the line after it, urgent like the prompt
    assert texts[0] == kb.dialogue["emergency"].format(number="911")
    assert texts[-1] == kb.dialogue["crisis_line"].format(line="988") and turn.replies[-1].urgent
    # said again with the prompt whatever the person says next
    state, again = dialogue.hear(state, "what do i do")
    assert kb.dialogue["crisis_line"].format(line="988") in again.text


def test_other_emergencies_and_an_empty_setting_say_no_crisis_line(kb, index):
    with_line = Dialogue(kb, index=index, crisis_line="988")
    _, turn = first_turn(with_line, "my lip twitches and my face is drooping on one side")
    assert "988" not in turn.text
    without = Dialogue(kb, index=index, crisis_line="")
    state, turn = first_turn(without, "i want to kill myself")
    assert state.phase is Phase.EMERGENCY and "988" not in turn.text
    assert turn.replies[0].text == kb.dialogue["emergency"].format(number="911")


def test_the_setting_defaults_to_988_and_is_checked(tmp_path):
    assert Settings().crisis_line == "988"
    path = tmp_path / "kiosk.toml"
    path.write_text('crisis_line = "13 11 14"\n')
    assert load_settings(path).crisis_line == "13 11 14"
    path.write_text('crisis_line = "988\\u0007"\n')
    with pytest.raises(SettingsError, match="crisis_line"):
        load_settings(path)


def test_the_text_kiosk_says_the_line_it_is_set_to(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('crisis_line = "116 123"\nmeaning = false\n')
    done = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "--text"], cwd=ROOT,
                          input="i want to kill myself\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Call 911 now" in done.stdout and "call or text 116 123" in done.stdout


def test_a_yes_to_the_self_harm_question_gets_the_prompt_then_the_crisis_line(kb, index):
    dialogue = Dialogue(kb, index=index, crisis_line="988")
    state, turn = first_turn(dialogue, "i feel like i can't go on anymore")
    assert turn.text == kb.red_flag("self_harm").question and state.phase is not Phase.EMERGENCY
    state, turn = dialogue.hear(state, "yes")
    assert state.phase is Phase.EMERGENCY
    texts = [r.text for r in turn.replies]
    assert texts[0] == kb.dialogue["emergency"].format(number="911")
    assert texts[-1] == kb.dialogue["crisis_line"].format(line="988")
