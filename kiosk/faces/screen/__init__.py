"""The screen face: the kiosk's full-screen local web page (``kiosk --screen``).

``server`` serves the page and its live channel, ``view`` turns the conversation's turns into what the page
shows, ``static/`` is the page itself (plain HTML, CSS and JavaScript). :func:`run_screen_kiosk` runs the page
and, when a microphone (or ``--from-wav``) is there, the voice face on the same conversation.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ...core.content import KnowledgeBase
from ...core.conversation import Conversation
from ...core.dialogue import Dialogue
from ...ops.settings import Settings, is_loopback


def run_screen_kiosk(settings: Settings, dialogue: Dialogue, *, voice: bool = True, wav: Path | None = None,
                     rebuild: Callable[[KnowledgeBase], Dialogue] | None = None, out: TextIO = sys.stdout) -> int:
    """Serve the page until stopped (Ctrl+C, SIGTERM); exit status. With ``voice`` the microphone (or
    ``wav``, one recording played in) feeds the same conversation as the page."""
    from ...ops.events import event_handler, report_error
    from ...ops.live_content import LiveContent
    from .server import ScreenFace, address, bind, make_server

    host, port = settings.screen_host, settings.screen_port
    try:
        sock = bind(host, port)
    except OSError as err:
        print(f"kiosk: the screen cannot listen on {host}:{port} ({err.strerror or err}); is another kiosk "
              f"running? Choose another port with --port or screen_port.", file=sys.stderr)
        return 2
    parts = None
    if voice or wav is not None:
        from ..voice import open_voice, with_reprompt

        parts, reason = open_voice(settings, dialogue, wav)
        if parts is None and wav is not None:
            print(f"kiosk: cannot run a voice session from {wav}: {reason}", file=sys.stderr)
            sock.close()
            return 2
        if parts is not None:
            dialogue, rebuild = with_reprompt(settings, dialogue, rebuild)
        print(f"Voice: {reason}." if parts is not None else f"Voice: off ({reason}); the page takes touch and typing.",
              file=sys.stderr)
    with event_handler(settings) as on_event:
        live = None if rebuild is None else LiveContent(
            settings.content, dialogue, rebuild, on_problem=lambda line: report_error(on_event, "content", line))
        talk = Conversation(dialogue, live=live, on_event=on_event)
        session = announcer = None
        if parts is not None:
            from ..voice import voice_session

            session = voice_session(settings, parts, talk, out=out, clock=time.monotonic)
        else:
            announcer = _announcer(settings, talk, on_event)
        talk.start(time.monotonic())  # one greeting, shown on the page and spoken by the voice face
        face = ScreenFace(talk, emergency_number=settings.emergency_number, token=settings.screen_token,
                          loopback=is_loopback(host))
        server = make_server(face, sock)
        worker = None
        if session is not None:
            def listen() -> None:
                result = session.run()
                session.close()  # the page goes on alone: stop queueing its turns for a voice that is gone
                if result.fault:
                    print(f"Voice stopped: {result.fault}. The page goes on.", file=sys.stderr)

            worker = threading.Thread(target=listen, name="kiosk-voice", daemon=True)
            worker.start()
        print(f"Screen: {address(sock, host, settings.screen_token)}", file=out, flush=True)
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            if announcer is not None:
                announcer.close()
            if session is not None and parts is not None:
                session.close()
                parts.source.close()
                if worker is not None:
                    worker.join(5)
                parts.close()
    return 0


def _announcer(settings: Settings, talk: Conversation, on_event):
    """Speech for a screen with no microphone: every turn is said when a speaker is there (Repeat says the
    emergency prompt again; the page's louder/slower buttons change how). None when there is no speaker."""
    try:
        from ...ops.events import report_error
        from ...speech.tts import PrintSpeaker, open_speaker
        from ..voice import Announcer, Mouth
    except ImportError as err:
        print(f"Speech: off ({err}).", file=sys.stderr)
        return None
    speaker, why = open_speaker(settings.tts_voice, settings.tts_rate_wpm, settings.tts_volume, settings.output_device)
    if isinstance(speaker, PrintSpeaker):
        print(f"Speech: off ({why}).", file=sys.stderr)
        return None
    mouth = Mouth(speaker, rate_wpm=settings.tts_rate_wpm, emergency_rate_wpm=settings.emergency_rate_wpm,
                  volume=settings.tts_volume, on_error=lambda line: report_error(on_event, "speech output", line))
    return Announcer(talk, mouth)


__all__ = ["run_screen_kiosk"]
