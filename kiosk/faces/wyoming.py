"""`kiosk wyoming`: the kiosk's conversation as a Wyoming handle service (a Home Assistant conversation agent).

Home Assistant's Wyoming integration, given a server whose ``info`` lists a ``handle`` program, offers it as a
conversation agent. For every sentence of the person it opens a TCP connection, sends a ``transcript`` event
(the text, its language, and a context holding the ``conversation_id``; see the ``wyoming`` package's asr.py)
and reads until ``handled`` (the reply text) or ``not-handled`` (handle.py). Answers carry the conversation id
back in their context, and a client that sent none gets a new one to use.

Each conversation id has its own :class:`kiosk.core.conversation.Conversation` (the driver every face uses), so
several homes or satellites can talk at once, each with its own questions and answers; one is forgotten after
``idle_timeout_s`` without a sentence (with a session-end event, as at the kiosk). Every conversation's events
go through the same event router as the kiosk's: an emergency raises the staff alert and is logged (no words
unless ``log_transcripts``). The emergency prompt comes first in the reply text.

:class:`ConversationBook` is the pure part (time passed in); :class:`HandleEventHandler` is the thin asyncio
adapter on the ``wyoming`` package's server.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ..core.conversation import Conversation, EventSink
from ..core.dialogue import Dialogue, EventKind, Turn

log = logging.getLogger("kiosk")

PROGRAM = "symptom-kiosk"
MODEL = "lip-and-face-twitching"
LANGUAGES = ["en"]
MAX_CONVERSATIONS = 1000
"""Conversations kept at once; past this the one silent longest is forgotten first (a flood of new ids must
not grow memory without end)."""
MAX_TEXT_CHARS = 2000
"""A transcript longer than this is not a sentence someone said; not handled."""
MAX_ID_CHARS = 200
SWEEP_S = 5.0
"""How often the server forgets idle conversations when nobody talks."""


@dataclass(frozen=True)
class Answer:
    """What the handle service says back for one transcript."""

    text: str
    conversation_id: str
    handled: bool = True
    """False: ``not-handled`` (not English, nothing the kiosk can help with at the start, not a sentence)."""
    urgent: bool = False
    """The reply holds the emergency prompt."""


class ConversationBook:
    """The conversations of a handle service, by conversation id. Pure: the time is passed in (seconds)."""

    def __init__(self, dialogue: Dialogue, *, live: Callable[[], Dialogue] | None = None,
                 on_event: EventSink | None = None, max_conversations: int = MAX_CONVERSATIONS,
                 new_id: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:
        self.dialogue = dialogue
        self.live = live
        self.on_event = on_event
        self.max_conversations = max_conversations
        self.new_id = new_id
        self.conversations: dict[str, Conversation] = {}

    def __len__(self) -> int:
        return len(self.conversations)

    @property
    def idle_timeout_s(self) -> float:
        return self.dialogue.idle_timeout_s

    def handle(self, text: str, conversation_id: str | None, now: float, language: str | None = None) -> Answer:
        """One sentence of conversation ``conversation_id`` (None or empty: a new one) and the reply."""
        self.expire(now)
        cid = str(conversation_id)[:MAX_ID_CHARS] if conversation_id else self.new_id()
        if language and not language.lower().startswith("en"):
            return Answer("Sorry, I can only help in English.", cid, handled=False)
        text = " ".join(str(text or "").split())
        if len(text) > MAX_TEXT_CHARS:
            return Answer("Sorry, that was too long for me. Please tell me in a few words.", cid, handled=False)
        talk = self.conversations.get(cid)
        fresh = talk is None
        if talk is None:
            dialogue = self.live() if self.live is not None else self.dialogue
            # a home assistant hears lines meant for its other skills: those are not handled, not screened
            talk = Conversation(dataclasses.replace(dialogue, screen_unclear=False), on_event=self.on_event)
            talk.start(now)  # the greeting is not sent: the person has already said something
        if not text:  # nothing said: the greeting, or the last question again
            assert talk.last is not None
            self._keep(cid, talk, now)
            return Answer(_reply_text(talk.last.turn), cid, urgent=_urgent(talk.last.turn))
        turn = talk.hear(text, now, source="wyoming")
        if fresh and _is_out_of_scope(talk.dialogue, turn):
            # Nothing the kiosk helps with ("turn on the lights"): not handled, and nothing kept.
            talk.reset("not handled", now)
            return Answer(_reply_text(turn), cid, handled=False)
        ended = [e for e in turn.events if e.kind is EventKind.SESSION_END]
        if ended:
            self.conversations.pop(cid, None)  # goodbye or start over: the session is forgotten at once
            greeting = ended[0].detail == "start_over"
            return Answer(_reply_text(turn, keep_greeting=greeting), cid, urgent=_urgent(turn))
        self._keep(cid, talk, now)
        return Answer(_reply_text(turn), cid, urgent=_urgent(turn))

    def expire(self, now: float) -> int:
        """Forget every conversation silent for ``idle_timeout_s`` or more (a session-end "idle" event each)."""
        gone = 0
        for cid, talk in list(self.conversations.items()):
            if now - talk.last_input >= talk.dialogue.idle_timeout_s:
                talk.tick(now)  # the dialogue's idle reset: its SESSION_END event goes to the event router
                del self.conversations[cid]
                gone += 1
        return gone

    def _keep(self, cid: str, talk: Conversation, now: float) -> None:
        self.conversations[cid] = talk
        while len(self.conversations) > self.max_conversations:
            oldest = min(self.conversations, key=lambda k: self.conversations[k].last_input)
            ended = self.conversations.pop(oldest)
            if ended.started:
                ended.reset("too many conversations", now)


def _urgent(turn: Turn) -> bool:
    return any(r.urgent for r in turn.replies)


def _reply_text(turn: Turn, keep_greeting: bool = True) -> str:
    """The turn as one text, the emergency prompt first. ``keep_greeting=False`` (a goodbye) leaves out the
    greeting the kiosk adds for the next person: on a home assistant the conversation simply ends."""
    replies = [r for r in turn.replies if r.urgent] + [r for r in turn.replies if not r.urgent]
    if not keep_greeting and len(replies) > 1:
        replies = replies[:1]
    return " ".join(r.text for r in replies)


def _is_out_of_scope(dialogue: Dialogue, turn: Turn) -> bool:
    said = dialogue.kb.dialogue.get("out_of_scope")
    return bool(said) and any(r.text == said for r in turn.replies)


# ---- the Wyoming server --------------------------------------------------------------------------------

def handle_info():
    """The ``info`` answer: one handle program with one English model."""
    from wyoming.info import Attribution, HandleModel, HandleProgram, Info

    version = _version()
    attribution = Attribution(name="Symptom kiosk", url="")
    return Info(handle=[HandleProgram(
        name=PROGRAM, description="Symptom guidance for lip and facial twitching: emergencies first, then a few "
                                  "questions and what may cause it. Not a diagnosis.",
        attribution=attribution, installed=True, version=version,
        models=[HandleModel(name=MODEL, description="Lip and facial twitching guidance (English)",
                            attribution=attribution, installed=True, version=version, languages=list(LANGUAGES))],
        supports_handled_streaming=False)])


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("kiosk")
    except Exception:  # noqa: BLE001 - not installed as a package (a source checkout)
        return "0.1.0"


def make_handler_class():
    """The handler class, made when the wyoming package is there (the module imports without it)."""
    from wyoming.asr import Transcript
    from wyoming.handle import Handled, NotHandled
    from wyoming.info import Describe
    from wyoming.server import AsyncEventHandler

    class HandleEventHandler(AsyncEventHandler):
        """One client connection: describe -> info; transcript -> handled or not-handled."""

        def __init__(self, book: ConversationBook, clock: Callable[[], float], reader, writer) -> None:
            super().__init__(reader, writer)
            self.book = book
            self.clock = clock

        async def handle_event(self, event) -> bool:
            if Describe.is_type(event.type):
                await self.write_event(handle_info().event())
                return True
            if not Transcript.is_type(event.type):
                return True  # servers drop events they do not know (the protocol's rule)
            context = event.data.get("context") if isinstance(event.data.get("context"), dict) else {}
            text = event.data.get("text")
            cid = context.get("conversation_id")
            cid = str(cid) if isinstance(cid, (str, int)) and str(cid) else None
            if not isinstance(text, str):
                answer = Answer("Sorry, I did not get any words.", cid or self.book.new_id(), handled=False)
            else:
                language = event.data.get("language")
                try:
                    answer = self.book.handle(text, cid, self.clock(),
                                              language if isinstance(language, str) else None)
                except Exception as err:  # noqa: BLE001 - one bad turn must not end the service
                    log.error("handle service: turn failed (%s: %s)", err.__class__.__name__, err)
                    answer = Answer("Sorry, something went wrong. If this is an emergency, call for help now.",
                                    cid or self.book.new_id(), handled=False)
            reply_context = {**{k: v for k, v in context.items() if isinstance(k, str)},
                             "conversation_id": answer.conversation_id}
            kind = Handled if answer.handled else NotHandled
            await self.write_event(kind(text=answer.text, context=reply_context).event())
            return True

    return HandleEventHandler


async def serve(book: ConversationBook, uri: str, clock: Callable[[], float] = time.monotonic,
                ready: Callable[[], None] | None = None, sweep_s: float = SWEEP_S) -> None:
    """Serve ``book`` at ``uri`` (tcp://host:port or unix://path) until cancelled; idle conversations are
    forgotten every ``sweep_s`` even when nobody talks."""
    from functools import partial

    from wyoming.server import AsyncServer

    handler = make_handler_class()
    server = AsyncServer.from_uri(uri)
    await server.start(partial(handler, book, clock))
    if ready is not None:
        ready()
    try:
        while True:
            await asyncio.sleep(sweep_s)
            book.expire(clock())
    finally:
        await server.stop()


def main(settings, args) -> int:
    """`kiosk wyoming --uri tcp://127.0.0.1:10700`: serve until stopped (Ctrl+C or SIGTERM)."""
    import signal

    from ..ops.events import event_handler, report_error
    from ..ops.live_content import LiveContent
    from .cli import load_content, make_dialogue

    try:
        import wyoming  # noqa: F401
    except ImportError:
        print("kiosk wyoming: the wyoming package is not installed: pip install -e '.[wyoming]'", file=sys.stderr)
        return 2
    uri = args.uri
    if not (uri.startswith("tcp://") or uri.startswith("unix://")):
        print(f"kiosk wyoming: --uri must be tcp://HOST:PORT or unix://PATH, not {uri!r}", file=sys.stderr)
        return 2
    dialogue = make_dialogue(settings, load_content(settings))
    with event_handler(settings) as on_event:
        live = LiveContent(settings.content, dialogue, lambda kb: make_dialogue(settings, kb),
                           on_problem=lambda line: report_error(on_event, "content", line))
        book = ConversationBook(dialogue, live=live, on_event=on_event)

        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None  # inside a running coroutine
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, task.cancel)
                except (NotImplementedError, RuntimeError):
                    pass
            await serve(book, uri, ready=lambda: print(
                f"kiosk wyoming: serving the kiosk's conversation at {uri} (a Wyoming handle service; "
                f"conversations forgotten after {settings.idle_timeout_s:g} s)", file=sys.stderr, flush=True))

        try:
            asyncio.run(run())
        except asyncio.CancelledError:
            pass
        except KeyboardInterrupt:
            pass
        except OSError as err:
            print(f"kiosk wyoming: cannot listen on {uri} ({err.strerror or err})", file=sys.stderr)
            return 2
        except ValueError as err:
            print(f"kiosk wyoming: {err}", file=sys.stderr)
            return 2
        for talk in list(book.conversations.values()):
            if talk.started:
                talk.reset("service stopped", time.monotonic())
    return 0


__all__ = ["Answer", "ConversationBook", "handle_info", "main", "serve"]
