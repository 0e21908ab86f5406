"""The screen face: a Starlette app that serves the kiosk's page and a WebSocket live channel to it.

The page (static/) is plain HTML, CSS and JavaScript with no build step and nothing from outside. It draws
the view the server sends (kiosk.faces.screen.view) and sends back taps and typed text. The conversation is
the shared driver (kiosk.core.conversation): a microphone and the screen at one kiosk feed the same one, and
every tab open on the page shows the same session (it is one kiosk).

Security: served on 127.0.0.1 by default, with a Host check against DNS rebinding; any other address needs a
token in the page's address (settings refuse it without). Every response carries a strict
Content-Security-Policy and ``Cache-Control: no-store``. The live channel refuses a foreign Origin at the
handshake, and answers a malformed message with an error message, keeping the connection and the session.
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ...core.conversation import Conversation, Exchange
from ...core.dialogue import Phase
from .view import STARTERS, TAPS, build_view

log = logging.getLogger("kiosk")

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {"screen.css": "text/css; charset=utf-8", "screen.js": "text/javascript; charset=utf-8"}
"""The page's files besides index.html, read once at start and served from memory."""
VIEW_MARK = 'data-view=""'
"""Where index.html carries the current view, so the page is drawn before its live channel opens."""
MAX_MESSAGE_CHARS = 4000
"""A message from the page longer than this is refused (the text box allows 1,000 characters)."""
MAX_TEXT_CHARS = 1000
TICK_S = 0.25
"""How often, at most, the idle timer is looked at while nobody is in a session or nothing is due sooner."""
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
                                "frame-ancestors 'none'"),
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


class _SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (pure ASGI, so streaming and WebSockets are untouched)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ScreenFace:
    """The page for one kiosk's conversation. ``clock`` is the conversation's time (monotonic seconds)."""

    def __init__(self, talk: Conversation, *, emergency_number: str = "911", token: str = "",
                 loopback: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.talk = talk
        self.emergency_number = emergency_number
        self.token = token
        self.loopback = loopback
        self.clock = clock
        self.loop: asyncio.AbstractEventLoop | None = None
        self.clients: set[asyncio.Queue] = set()
        self.view: dict[str, Any] | None = None
        self.malformed = 0
        """Messages refused (for tests and the operator's log)."""
        self._unsubscribe: Callable[[], None] | None = None
        self._changed: asyncio.Event | None = None
        self.index = (STATIC / "index.html").read_text(encoding="utf-8")
        if VIEW_MARK not in self.index:
            raise RuntimeError(f"{STATIC / 'index.html'} lacks {VIEW_MARK}")
        self.assets = {name: (STATIC / name).read_bytes() for name in ASSETS}

    # --- the app ------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        routes = [
            Route("/", self.page),
            Route("/health", self.health),
            Route("/favicon.ico", lambda request: Response(status_code=204)),  # no icon; not a 404 in the log
            WebSocketRoute("/ws", self.live),
            Route("/static/{name}", self.asset),
        ]
        middleware = [Middleware(_SecurityHeaders)]
        if self.loopback:  # a page on this machine only: refuse other Host names (DNS rebinding)
            middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"]))
        return Starlette(routes=routes, middleware=middleware, lifespan=self._lifespan)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app):
        self.loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._unsubscribe = self.talk.subscribe(self._on_exchange)
        with self.talk.lock:
            if not self.talk.opened:
                self.talk.start(self.clock())
            elif self.talk.last is not None:
                self.view = build_view(self.talk.last, self.emergency_number)
        ticker = asyncio.create_task(self._ticker())
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            if self._unsubscribe:
                self._unsubscribe()

    def _token_ok(self, given: str | None) -> bool:
        return not self.token or (given is not None and secrets.compare_digest(given.encode(), self.token.encode()))

    async def page(self, request: Request) -> Response:
        if not self._token_ok(request.query_params.get("token")):
            return PlainTextResponse("This page needs the kiosk's token in its address (?token=...).", 403)
        view = html.escape(json.dumps(self.view), quote=True) if self.view is not None else ""
        return Response(self.index.replace(VIEW_MARK, f'data-view="{view}"', 1), media_type="text/html; charset=utf-8")

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.assets:
            return PlainTextResponse("Not found", 404)
        return Response(self.assets[name], media_type=ASSETS[name])

    async def health(self, request: Request) -> Response:
        """For `kiosk doctor` and the Chromium start script: the page's server answers (nothing of the person)."""
        return JSONResponse({"ok": True, "clients": len(self.clients)})

    # --- the live channel ---------------------------------------------------------------------------

    def _origin_ok(self, ws: WebSocket) -> bool:
        origin = ws.headers.get("origin")
        host = ws.headers.get("host")
        return bool(origin and host) and origin in {f"http://{host}", f"https://{host}"}

    async def live(self, ws: WebSocket) -> None:
        if not self._origin_ok(ws) or not self._token_ok(ws.query_params.get("token")):
            log.warning("screen: a live connection from %r was refused", ws.headers.get("origin"))
            await ws.close(code=1008)  # before accept: the handshake is refused (HTTP 403)
            return
        await ws.accept()
        queue: asyncio.Queue = asyncio.Queue()
        self.clients.add(queue)
        if self.view is not None:
            queue.put_nowait(self.view)
        sender = asyncio.create_task(self._send(ws, queue))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                problem = self.handle(message.get("text"))
                if problem:
                    self.malformed += 1
                    queue.put_nowait({"type": "error", "message": problem})
        except WebSocketDisconnect:
            pass
        finally:
            self.clients.discard(queue)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def _send(self, ws: WebSocket, queue: asyncio.Queue) -> None:
        while True:
            message = await queue.get()
            try:
                await ws.send_text(json.dumps(message))
            except Exception:  # noqa: BLE001 - the page went away; its receive loop ends the connection
                return

    def handle(self, text: Any) -> str:
        """Act on one message from the page; '' when it was fine, else why it was refused (one line)."""
        if not isinstance(text, str):
            return "only text messages are understood"
        if len(text) > MAX_MESSAGE_CHARS:
            return "message too long"
        try:
            message = json.loads(text)
        except ValueError:
            return "not JSON"
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return "a message is an object with a type"
        now = self.clock()
        kind = message["type"]
        if kind == "say":
            said = message.get("text")
            if not isinstance(said, str) or not said.strip():
                return "'say' needs some text"
            if len(said) > MAX_TEXT_CHARS:
                return f"at most {MAX_TEXT_CHARS} characters"
            self.talk.hear(said.strip(), now, source="screen")
            return ""
        if kind != "tap":
            return f"unknown message type {kind[:40]!r}"
        action = message.get("action")
        if action in TAPS:
            self.talk.hear(TAPS[action], now, source=f"tap:{action}")
        elif action == "more_time":
            self.talk.more_time(now, source="tap:more_time")
        elif action == "staff_done":
            if self.talk.state.phase is not Phase.EMERGENCY:
                return "no emergency to end"  # a stray or forged message must not wipe a session
            self.talk.reset("staff done", now)
        elif action == "starter":
            index = message.get("index")
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(STARTERS):
                return "unknown starter"
            self.talk.hear(STARTERS[index], now, source="tap:starter")
        else:
            return "unknown button"
        return ""

    def _on_exchange(self, exchange: Exchange) -> None:
        """A listener on the conversation (any thread, under its lock): the new view to every page."""
        view = build_view(exchange, self.emergency_number)
        self.view = view
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._broadcast, view)

    def _broadcast(self, view: dict[str, Any]) -> None:
        for queue in list(self.clients):
            queue.put_nowait(view)
        if self._changed is not None:
            self._changed.set()

    async def _ticker(self) -> None:
        """The idle warning and reset, when due (also while no page is connected)."""
        while True:
            now = self.clock()
            deadline = self.talk.next_deadline()
            if deadline is not None and deadline <= now:
                self.talk.tick(now)
                continue
            wait = TICK_S if deadline is None else max(0.01, min(TICK_S, deadline - now))
            await asyncio.sleep(wait)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: any free one)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket, host: str, token: str = "") -> str:
    """The page's address for people (and Chromium) to open."""
    port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    if shown in {"0.0.0.0", "[::]"}:
        shown = socket.gethostname()
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def make_server(face: ScreenFace, sock: socket.socket):
    """A uvicorn server for the page. Ctrl+C and SIGTERM stop it and return from run() (uvicorn itself would
    raise the signal again after its shutdown, ending the kiosk before it drains staff alerts and closes its
    event log)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            import signal

            def stop(sig, frame) -> None:
                if self.should_exit and sig == signal.SIGINT:
                    self.force_exit = True
                self.should_exit = True

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(face.app(), log_level="warning", access_log=False, ws_max_size=64 * 1024,
                            ws_ping_interval=5.0, ws_ping_timeout=10.0, timeout_graceful_shutdown=2,
                            lifespan="on", server_header=False)
    return Server(config)


class ScreenServer:
    """The page served on a thread (tests, screenshots, the benchmark): ``with ScreenServer(face) as url:``."""

    def __init__(self, face: ScreenFace, host: str = "127.0.0.1", port: int = 0) -> None:
        self.face = face
        self.sock = bind(host, port)
        self.url = address(self.sock, host, face.token)
        self.server = make_server(face, self.sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="kiosk-screen", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            raise RuntimeError("the screen server did not start")
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


__all__ = ["ScreenFace", "ScreenServer", "SECURITY_HEADERS", "address", "bind", "make_server"]
