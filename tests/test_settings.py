"""load_settings: defaults, the file, command-line overrides, one-line errors; and the shipped example file."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from kiosk.ops.settings import DEFAULT_CONTENT, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "deploy" / "kiosk.example.toml"
FIELDS = [f.name for f in dataclasses.fields(Settings)]


def write(tmp_path: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(excinfo) -> str:
    message = str(excinfo.value)
    assert message and "\n" not in message
    return message


# the example file

def test_example_file_loads_and_holds_the_defaults():
    assert load_settings(EXAMPLE) == Settings()


def test_example_file_explains_every_setting():
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    for name in FIELDS:
        at = [i for i, line in enumerate(lines) if re.match(rf"#?\s*{name}\s*=", line)]
        assert at, f"{name} is not in {EXAMPLE.name}"
        comment = lines[at[0] - 1]
        assert comment.startswith("#") and len(comment) > 10, f"{name} has no comment above it"


def test_example_file_with_changes_an_it_person_would_make(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('event_log = ""', 'event_log = "/var/log/kiosk"')
    text = text.replace('staff_alert_url = ""', 'staff_alert_url = "http://10.0.0.5:8080/kiosk-alert"')
    text = text.replace("staff_alert_command = []", 'staff_alert_command = ["/usr/local/bin/page", "--desk", "2"]')
    text = text.replace("# content = ", "content = ")
    s = load_settings(write(tmp_path, text))
    assert s.event_log == "/var/log/kiosk" and s.staff_alert_command == ("/usr/local/bin/page", "--desk", "2")
    assert s.staff_alert_url.startswith("http://10.0.0.5") and s.content == Path("/opt/kiosk/content")


# load_settings

def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./kiosk.toml here
    s = load_settings()
    assert s == Settings()
    assert s.content == DEFAULT_CONTENT and s.event_log == "" and not s.log_transcripts


def test_kiosk_toml_in_the_working_folder_is_read(tmp_path, monkeypatch):
    write(tmp_path, 'emergency_number = "112"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings().emergency_number == "112"


def test_file_values(tmp_path):
    path = write(tmp_path, 'emergency_number = "999"\nidle_timeout_s = 300\nidle_warning_s = 200\n'
                           'vad_aggressiveness = 3\npush_to_talk = true\nstaff_alert_command = ["notify", "-u"]\n')
    s = load_settings(path)
    assert (s.emergency_number, s.idle_timeout_s, s.idle_warning_s) == ("999", 300.0, 200.0)
    assert isinstance(s.idle_timeout_s, float)  # a whole number in the file is still a float setting
    assert s.vad_aggressiveness == 3 and s.push_to_talk is True and s.staff_alert_command == ("notify", "-u")


def test_values_in_a_kiosk_table(tmp_path):
    path = write(tmp_path, '[kiosk]\nasr = "vosk"\n')
    assert load_settings(path).asr == "vosk"


def test_relative_paths_are_taken_from_the_files_folder(tmp_path, monkeypatch):
    conf = tmp_path / "etc"
    conf.mkdir()
    path = write(conf, 'content = "clinic-content"\nmodels_dir = "../models"\n')
    monkeypatch.chdir(tmp_path)  # the working folder must not matter
    s = load_settings(path)
    assert s.content == conf / "clinic-content"
    assert s.models_dir == conf / "../models"
    assert load_settings(write(conf, 'content = "/srv/content"\n', "abs.toml")).content == Path("/srv/content")


def test_command_line_overrides_win(tmp_path):
    path = write(tmp_path, 'emergency_number = "999"\nasr = "vosk"\n')
    s = load_settings(path, {"emergency_number": "112", "asr": None})
    assert s.emergency_number == "112"
    assert s.asr == "vosk"  # an option not given (None) leaves the file's value


def test_unknown_key_is_one_line_naming_it(tmp_path):
    path = write(tmp_path, 'emergency_numbr = "112"\n')
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    message = one_line_error(excinfo)
    assert "emergency_numbr" in message and str(path) in message


def test_unknown_option_is_one_line_too():
    with pytest.raises(SettingsError) as excinfo:
        load_settings(None, {"colour": "blue"})
    assert "colour" in one_line_error(excinfo)


@pytest.mark.parametrize("line, name", [
    ('idle_timeout_s = "soon"', "idle_timeout_s"),
    ("push_to_talk = 1", "push_to_talk"),
    ("vad_aggressiveness = 2.5", "vad_aggressiveness"),
    ('staff_alert_command = "notify-send help"', "staff_alert_command"),
    ("content = 7", "content"),
    ("emergency_number = true", "emergency_number"),
])
def test_wrong_type_is_one_line(tmp_path, line, name):
    with pytest.raises(SettingsError) as excinfo:
        load_settings(write(tmp_path, line + "\n"))
    assert name in one_line_error(excinfo)


def test_bad_toml_is_one_line_naming_the_file(tmp_path):
    path = write(tmp_path, "idle_timeout_s = = 3\n")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    message = one_line_error(excinfo)
    assert str(path) in message and "not valid TOML" in message


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(SettingsError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes('emergency_message = "Urgence: appelez le 15 tout de suite \xe9"\n'
                                           .encode("latin-1"))
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "latin1.toml")
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path)  # a folder, not a file


@pytest.mark.parametrize("warning, timeout", [(120, 120), (200, 120)])
def test_idle_warning_must_come_before_the_timeout(tmp_path, warning, timeout):
    path = write(tmp_path, f"idle_warning_s = {warning}\nidle_timeout_s = {timeout}\n")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    assert "idle_warning_s" in one_line_error(excinfo)


@pytest.mark.parametrize("line, name", [
    ('asr = "google"', "asr"),
    ("vad_aggressiveness = 4", "vad_aggressiveness"),
    ("min_confidence = 1.5", "min_confidence"),
    ("tts_volume = -0.1", "tts_volume"),
    ('emergency_number = "  "', "emergency_number"),
    ("idle_timeout_s = 0", "idle"),
])
def test_values_out_of_range_are_one_line(tmp_path, line, name):
    with pytest.raises(SettingsError) as excinfo:
        load_settings(write(tmp_path, line + "\n"))
    assert name in one_line_error(excinfo)


# Known gaps in kiosk/settings.py (reported to its owner); strict, so fixing them makes these tests say so.


def test_kiosk_key_that_is_not_a_table(tmp_path):
    with pytest.raises(SettingsError):
        load_settings(write(tmp_path, "kiosk = 1\n"))



def test_nan_idle_time_is_rejected(tmp_path):
    with pytest.raises(SettingsError):
        load_settings(write(tmp_path, "idle_timeout_s = nan\nidle_warning_s = nan\n"))



def test_empty_content_path_in_a_file_is_rejected(tmp_path):
    with pytest.raises(SettingsError):
        load_settings(write(tmp_path, 'content = ""\n'))


def test_negative_durations_and_relative_log_path(tmp_path):
    with pytest.raises(SettingsError, match="end_silence_ms"):
        load_settings(write(tmp_path, "end_silence_ms = -5\n"))
    settings = load_settings(write(tmp_path, 'event_log = "logs"\n'))
    assert settings.event_log == str(tmp_path / "logs")


# every mistake at once

def test_four_mistakes_give_four_lines_each_naming_its_setting(tmp_path):
    path = write(tmp_path, 'emergency_numbr = "112"\nidle_timeout_s = "soon"\nvad_aggressiveness = 7\n'
                           'tts_volume = 3\n')
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    problems = excinfo.value.problems
    assert str(excinfo.value).splitlines() == list(problems)
    assert len(problems) == 4
    for line, name in zip(problems, ["emergency_numbr", "idle_timeout_s", "vad_aggressiveness", "tts_volume"], strict=True):
        assert f"'{name}'" in line and line.startswith(f"{path}: ") and "\n" not in line


def test_a_wrong_type_does_not_also_blame_the_setting_it_is_compared_with(tmp_path):
    # the timeout keeps its default (120) while its own value is wrong; 100 for the warning is not the mistake
    path = write(tmp_path, 'idle_timeout_s = "soon"\nidle_warning_s = 100\n')
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    assert len(excinfo.value.problems) == 1 and "idle_timeout_s" in excinfo.value.problems[0]


def test_every_range_mistake_is_reported(tmp_path):
    path = write(tmp_path, 'asr = "google"\nmin_confidence = 2.0\nend_silence_ms = 0\nstaff_alert_retries = -1\n'
                           'event_log_max_bytes = -1\nemergency_number = " "\n')
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    named = [re.search(r"'(\w+)'", p).group(1) for p in excinfo.value.problems]
    assert named == ["asr", "min_confidence", "end_silence_ms", "staff_alert_retries", "event_log_max_bytes",
                     "emergency_number"]


# the emergency wording

@pytest.mark.parametrize("message", ["Call {number} now.", "Call emergency services now.", "Braces {{like this}} {number}",
                                     ""])
def test_emergency_message_with_known_placeholders_loads(tmp_path, message):
    s = load_settings(write(tmp_path, f"emergency_message = {message!r}\n".replace("'", '"')))
    assert s.emergency_message == message
    message.format(number=s.emergency_number)  # what kiosk.core.dialogue does with it


@pytest.mark.parametrize("message, says", [
    ("Call {numbr} now.", "{numbr}"),
    ("Call {} now.", "{}"),
    ("Call {0} now.", "{0}"),
    ("Call {number.real} now.", "{number.real}"),
    ("Call {number now.", "stray"),
    ("Call number} now.", "stray"),
    ("Call {number:d} now.", "cannot be filled in"),
    ("Call {number!x} now.", "cannot be filled in"),
])
def test_emergency_message_with_an_unknown_placeholder_or_a_stray_brace_is_one_line(tmp_path, message, says):
    path = write(tmp_path, f'emergency_message = "{message}"\n')
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    line = one_line_error(excinfo)
    assert "'emergency_message'" in line and says in line and str(path) in line and "{number}" in line


def test_emergency_message_from_the_dialogue_uses_the_number(tmp_path, kb):
    from kiosk.core.dialogue import Dialogue

    s = load_settings(write(tmp_path, 'emergency_number = "112"\nemergency_message = "Call {number} now."\n'))
    dialogue = Dialogue(kb, emergency_number=s.emergency_number, emergency_message=s.emergency_message)
    _, turn = dialogue.hear(dialogue.start()[0], "my face went numb")
    assert "Call 112 now." in turn.text


# a short idle timeout

def test_a_short_idle_timeout_moves_the_default_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(None, {"idle_timeout_s": 60})
    assert (s.idle_timeout_s, s.idle_warning_s) == (60.0, 45.0)
    assert load_settings(write(tmp_path, "idle_timeout_s = 20\n", "short.toml")).idle_warning_s == 15.0
    long = load_settings(None, {"idle_timeout_s": 600})
    assert long.idle_warning_s == Settings().idle_warning_s  # a longer timeout keeps the default warning


def test_an_option_timeout_overrides_the_files_and_takes_its_own_warning(tmp_path):
    path = write(tmp_path, "idle_timeout_s = 30\n")
    assert load_settings(path).idle_warning_s == 22.5
    s = load_settings(path, {"idle_timeout_s": 300})
    assert (s.idle_timeout_s, s.idle_warning_s) == (300.0, 90.0)


def test_an_explicit_warning_is_kept_and_checked(tmp_path):
    path = write(tmp_path, "idle_warning_s = 20\n")
    assert load_settings(path, {"idle_timeout_s": 60}).idle_warning_s == 20.0
    clash = write(tmp_path, "idle_warning_s = 100\nidle_timeout_s = 200\n", "clash.toml")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(clash, {"idle_timeout_s": 60})
    assert "idle_warning_s" in one_line_error(excinfo) and "options" in one_line_error(excinfo)


def test_read_file_false_ignores_the_working_folders_file(tmp_path, monkeypatch):
    write(tmp_path, "emergency_numbr = 1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError):
        load_settings()
    assert load_settings(None, {"emergency_number": "112"}, read_file=False).emergency_number == "112"
