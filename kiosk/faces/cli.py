"""Command line: `kiosk` (voice when possible, else text), triage, check, listen, devices, models, doctor.

Every user-facing failure is one line on stderr and an exit status; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core.content import ContentError, KnowledgeBase, load_knowledge_base
from ..core.text import readable_problem
from ..ops.settings import Settings, SettingsError, find_settings_file, load_settings
from ..speech.whisper_asr import SECOND_DECODES

log = logging.getLogger("kiosk")


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", type=Path, default=argparse.SUPPRESS, help="knowledge base folder (default: the packaged content/)")
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="settings file (default: ./kiosk.toml when present)")
    common.add_argument("--emergency-number", default=argparse.SUPPRESS, help="number said in the emergency prompt (default 911)")
    common.add_argument("--asr", default=argparse.SUPPRESS, metavar="{auto,vosk,whisper,wyoming://HOST:PORT}",
                        help="speech recognizer; a wyoming:// address uses a shared Wyoming recognizer, with the "
                             "local one as its fallback")
    common.add_argument("--tts", default=argparse.SUPPRESS, metavar="{local,wyoming://HOST:PORT}",
                        help="speech output; a wyoming:// address uses a shared Wyoming voice, with the local one "
                             "as its fallback")
    common.add_argument("--idle-timeout", type=float, default=argparse.SUPPRESS, help="seconds before a silent session is forgotten")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="more detail")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="kiosk", parents=[common],
                                     description="Offline symptom-guidance kiosk for lip and facial twitching.")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--text", action="store_true", help="typed input and printed replies")
    mode.add_argument("--voice", action="store_true", help="insist on voice (microphone + recognizer)")
    parser.add_argument("--push-to-talk", action="store_true", default=None, help="press Enter before speaking")
    parser.add_argument("--screen", action="store_true", default=None,
                        help="also serve the kiosk's full-screen page (touch, big text); with --text: the page only")
    parser.add_argument("--port", type=int, default=None, metavar="N", help="port of the screen's page (default 8765)")
    parser.add_argument("--from-wav", type=Path, metavar="FILE.wav",
                        help="run one voice session from a recording instead of the microphone")
    parser.add_argument("--reply-wav", type=Path, metavar="OUT.wav", help="also save the last spoken reply here")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("triage", parents=[common], help="assess one utterance per line of stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p = sub.add_parser("check", parents=[common], help="validate content, grade its language, run its regression cases")
    p.add_argument("path", nargs="?", type=Path, help="content folder (default: --content or the packaged content/)")
    p = sub.add_parser("listen", parents=[common], help="recognize WAV files and triage what was said")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--noise", type=Path, help="noise WAV mixed in before recognition")
    p.add_argument("--snr", type=float, default=10.0, help="signal-to-noise ratio in dB for --noise")
    p.add_argument("--second", choices=["", *SECOND_DECODES], default="",
                   help="Whisper: decode each file again this way (both: Whisper base, then tiny.en on the enhanced "
                        "audio; all: those and Moonshine tiny, as the voice kiosk hears); red flags only they find are "
                        "asked about")
    p.add_argument("--enhance", action="store_true", help="Whisper: DeepFilterNet3 front end (if installed)")
    p.add_argument("--word-confidence", action="store_true",
                   help="Whisper: word probabilities; an unclear word next to a body word is asked about (costs about "
                        "1.7x recognition time, so the voice kiosk does not use it: benchmarks/noise.md)")
    p.add_argument("--no-fallback", action="store_true",
                   help="Whisper: temperature 0 only (the default now, as in the voice kiosk; kept for old scripts)")
    p.add_argument("--fallback", action="store_true",
                   help="Whisper: faster-whisper's temperature fallback (decode again, hotter, when a result looks bad)")
    p.add_argument("--window", type=int, default=None, metavar="SECONDS",
                   help="Whisper: the shortest audio window its encoder reads in the first decode (default: the voice "
                        "kiosk's; 0 reads Whisper's whole 30 s)")
    p.add_argument("--no-asks", action="store_true", help="leave out the 'ask' and 'alternatives' fields")
    sub.add_parser("devices", parents=[common], help="list microphones and speakers")
    # bench and models hand every argument they do not know to their own parser (main, parse_known_args):
    # argparse.REMAINDER would refuse one that starts with a dash, as in `kiosk bench --quick`.
    sub.add_parser("bench", parents=[common], help="run the benchmark suite (same as scripts/benchmark.py)",
                   epilog="Other arguments go to scripts/benchmark.py: --quick, --out DIR, --only STAGE ...")
    sub.add_parser("models", parents=[common], help="list or download English Vosk models",
                   epilog="Other arguments go to scripts/download_model.py: list, download [NAME] ...")
    p = sub.add_parser("wyoming", parents=[common],
                       help="serve the conversation as a Wyoming handle service (a Home Assistant conversation agent)")
    p.add_argument("--uri", default="tcp://127.0.0.1:10700",
                   help="where to listen: tcp://HOST:PORT or unix://PATH (default tcp://127.0.0.1:10700; "
                        "tcp://0.0.0.0:10700 to let Home Assistant on another machine in)")
    p = sub.add_parser("doctor", parents=[common], help="check this machine for running a kiosk")
    p.add_argument("--record-test", action="store_true", help="also record and play back 2 seconds")
    return parser


def settings_from_args(args: argparse.Namespace, read_file: bool = True) -> Settings:
    """The settings file (``--config``, else ./kiosk.toml) with the command-line options on top.

    A short ``--idle-timeout`` moves an idle warning that was not set with it (see load_settings).
    ``read_file=False`` leaves the file out (the doctor, when the file itself is broken).
    """
    overrides = {
        "content": getattr(args, "content", None),
        "emergency_number": getattr(args, "emergency_number", None),
        "asr": getattr(args, "asr", None),
        "tts": getattr(args, "tts", None),
        "idle_timeout_s": getattr(args, "idle_timeout", None),
        "push_to_talk": getattr(args, "push_to_talk", None),
        "screen": getattr(args, "screen", None),
        "screen_port": getattr(args, "port", None),
    }
    return load_settings(getattr(args, "config", None), {k: v for k, v in overrides.items() if v is not None},
                         read_file=read_file)


def load_content(settings: Settings) -> KnowledgeBase:
    return load_knowledge_base(settings.content)


def make_index(settings: Settings, kb: KnowledgeBase):
    """The triage index every face uses: phrases, and meaning when the setting is on and the model loads. The
    pronouncing dictionary's words tell a word of the language from a typo (without it, one line and no such
    guard)."""
    from ..meaning import triage_index
    from .phonetic import load_pronouncer

    pronouncer = load_pronouncer()
    return triage_index(kb, settings.meaning, settings.models_dir, pronouncer.words if pronouncer else frozenset())


def make_dialogue(settings: Settings, kb: KnowledgeBase):
    from ..core.dialogue import Dialogue

    return Dialogue(kb, emergency_number=settings.emergency_number, emergency_message=settings.emergency_message,
                    crisis_line=settings.crisis_line.strip(),
                    idle_warning_s=settings.idle_warning_s, idle_timeout_s=settings.idle_timeout_s,
                    min_confidence=settings.min_confidence, index=make_index(settings, kb))


def cmd_triage(settings: Settings, as_json: bool, stdin=None, out=None) -> int:
    """Batch triage: one utterance per input line, one answer per output line, in order."""
    from ..core.triage import assess

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    index = make_index(settings, load_content(settings))
    for number, line in enumerate(stdin, 1):
        line = line.rstrip("\r\n")
        problem = readable_problem(line)
        if problem is not None:
            obj = {"line": number, "error": problem}
            out.write(json.dumps(obj) + "\n" if as_json else f"line {number}: error: {problem}\n")
            continue
        result = assess(line, index)
        if as_json:
            out.write(json.dumps(result.to_json()) + "\n")
        else:
            causes = ", ".join(f"{c.id} {c.score:.2f}" for c in result.causes[:3]) or "none"
            flags = ", ".join(h.id for h in result.red_flags + result.unsure_flags) or "none"
            out.write(f"{'EMERGENCY' if result.to_json()['emergency'] else 'ok':9}  red flags: {flags}  causes: {causes}"
                      f"{'' if result.in_scope else '  (out of scope)'}\n")
        out.flush()
    return 0


def cmd_check(settings: Settings, path: Path | None, verbose: bool) -> int:
    from ..ops.check import report

    root = path or settings.content
    try:
        kb = load_knowledge_base(root)
    except ContentError as err:
        print(f"Content in {root} is not valid ({len(err.problems)} problem(s)):")
        for line in err.problems:
            print(f"  - {line}")
        return 1
    return 0 if report(kb, sys.stdout, verbose, make_index(settings, kb)) else 1


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """The kiosk itself: voice when a microphone and a recognizer are there (or --voice), else text."""
    kb = load_content(settings)
    dialogue = make_dialogue(settings, kb)
    if settings.screen:
        try:
            from .screen import run_screen_kiosk, server  # noqa: F401 - starlette and uvicorn are there
        except ImportError as err:
            print(f"kiosk: the screen is not available here ({err}); install it with pip install -e '.[screen]'",
                  file=sys.stderr)
            return 2
        return run_screen_kiosk(settings, dialogue, voice=not args.text, wav=args.from_wav,
                                rebuild=lambda kb: make_dialogue(settings, kb))
    if not args.text:
        try:
            from .voice import start_voice_kiosk  # the voice layer; absent in a text-only build
        except ImportError as err:
            reason = f"the voice layer is not available ({err})"
        else:
            status, reason = start_voice_kiosk(settings, dialogue, insist=args.voice, wav=args.from_wav,
                                               reply_wav=args.reply_wav, rebuild=lambda kb: make_dialogue(settings, kb))
            if status is not None:
                return status
        if args.from_wav is not None:
            print(f"kiosk: cannot run a voice session from {args.from_wav}: {reason}", file=sys.stderr)
            return 2
        if args.voice:
            print(f"kiosk: cannot start voice: {reason}", file=sys.stderr)
            return 2
        print(f"Text mode: {reason}. Type what is wrong and press Enter.", file=sys.stderr)
    else:
        print("Text mode (--text). Type what is wrong and press Enter.", file=sys.stderr)
    from ..ops.events import event_handler, report_error
    from ..ops.live_content import LiveContent
    from .textmode import run_text_kiosk

    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    with event_handler(settings) as on_event:
        live = LiveContent(settings.content, dialogue, lambda kb: make_dialogue(settings, kb),
                           on_problem=lambda line: report_error(on_event, "content", line))
        return run_text_kiosk(dialogue, on_event=on_event, unattended=settings.unattended, live=live)


def cmd_devices() -> int:
    """`kiosk devices`: the microphones and speakers PortAudio sees, for the input/output_device settings."""
    from ..speech.audio import AudioError, format_devices, list_devices

    try:
        devices = list_devices()
    except AudioError as err:
        print(f"kiosk devices: {err}", file=sys.stderr)
        return 2
    if not devices:
        print("No audio devices found (no sound card, or PortAudio sees none); the kiosk will use text mode.")
        return 0
    print(format_devices(devices))
    return 0


def _delegate(module: str, func: str, *call_args) -> int:
    """Run a command that lives in an optional module, with one clear line when it is missing."""
    import importlib

    try:
        target = getattr(importlib.import_module(module, __package__), func)
    except (ImportError, AttributeError) as err:
        print(f"kiosk: this command is not available here ({err}).", file=sys.stderr)
        return 2
    return int(target(*call_args) or 0)


def _doctor_settings(args: argparse.Namespace) -> tuple[Settings, Path | None]:
    """Settings for `kiosk doctor` and the settings file it checks.

    A broken settings file must not stop the doctor: it reports the file's mistakes as its failing lines
    and runs every other check with the defaults (and the options). Mistakes in the options themselves,
    or a file that is fine alone but clashes with them, stay one line each and exit status 2.
    """
    path = find_settings_file(getattr(args, "config", None))
    try:
        return settings_from_args(args), path
    except SettingsError:
        if path is None:
            raise
        try:
            load_settings(path)
        except SettingsError:  # the file is broken: the doctor says how, one FAIL line per mistake
            return settings_from_args(args, read_file=False), path
        raise


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="kiosk: %(message)s")
    parser = build_parser()
    args, passed_on = parser.parse_known_args(argv)
    if passed_on and args.command not in ("bench", "models"):
        parser.error(f"unrecognized arguments: {' '.join(passed_on)}")
    if getattr(args, "verbose", False):
        logging.getLogger().setLevel(logging.INFO)
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    try:
        if args.command == "doctor":
            return _delegate("..ops.doctor", "main", *_doctor_settings(args), args.record_test)
        settings = settings_from_args(args)
        if args.command == "triage":
            return cmd_triage(settings, args.json)
        if args.command == "check":
            return cmd_check(settings, args.path, getattr(args, "verbose", False))
        if args.command == "listen":
            return _delegate(".listen", "main", settings, args)
        if args.command == "wyoming":
            return _delegate(".wyoming", "main", settings, args)
        if args.command == "devices":
            return cmd_devices()
        if args.command == "models":
            return _delegate("..speech.models", "main", ["--models-dir", str(settings.models_dir), *passed_on])
        if args.command == "bench":
            content = ["--content", str(args.content)] if hasattr(args, "content") else []
            return _delegate("..bench", "main", [*content, *passed_on])
        return cmd_run(settings, args)
    except SettingsError as err:
        for problem in err.problems:  # every mistake at once, one line each
            print(f"kiosk: {problem}", file=sys.stderr)
        return 2
    except ContentError as err:
        print(f"kiosk: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
