"""What the page shows for one exchange of the conversation: a plain dict sent to the page as JSON.

Pure: no I/O. The page keeps nothing of its own; it draws each view from scratch, so a view that says
``clear`` (a session ended) leaves nothing of the person behind.
"""
from __future__ import annotations

from typing import Any

from ...core.conversation import Exchange
from ...core.dialogue import EventKind, Expect, Phase

TAPS: dict[str, str] = {
    # button -> what the conversation hears (the same words a person could say)
    "yes": "yes",
    "no": "no",
    "unsure": "not sure",
    "repeat": "repeat",
    "start_over": "start over",
    "staff": "talk to a person",
    "louder": "louder",
    "softer": "softer",
    "slower": "slower",
    "faster": "faster",
}
SHOWN_TAPS: dict[str, str] = {
    "yes": "Yes", "no": "No", "unsure": "Not sure", "repeat": "Repeat", "start_over": "Start over",
    "staff": "Talk to a person", "louder": "Louder", "softer": "Softer", "slower": "Slower", "faster": "Faster",
    "more_time": "I need more time",
}
STARTERS: tuple[str, ...] = (
    "My lip keeps twitching",
    "My eyelid keeps twitching",
    "My face twitches on one side",
)
"""Descriptions a person can tap instead of saying or typing one (shown while the kiosk waits for one)."""


def page_of(exchange: Exchange) -> str:
    """Which page: greeting, question, summary, emergency, idle (the "more time?" warning) or message."""
    state = exchange.state
    if state.phase is Phase.EMERGENCY:
        return "emergency"
    if exchange.ended or exchange.kind == "start" or not state.started:
        return "greeting"
    if state.pending is not None and state.pending.kind == "idle":
        return "idle"
    if any(e.kind is EventKind.SUMMARY for e in exchange.turn.events):
        return "summary"
    if state.pending is not None:
        return "question"
    return "message"


def build_view(exchange: Exchange, emergency_number: str) -> dict[str, Any]:
    """The page for ``exchange``; ``emergency_number`` is the number the emergency page shows."""
    page = page_of(exchange)
    replies = [r.text for r in exchange.turn.replies]
    question = replies[-1] if replies else ""
    lines = replies[:-1]
    said = ""
    if exchange.said and not exchange.ended:
        shown = SHOWN_TAPS.get(exchange.source.removeprefix("tap:"), "") if exchange.source.startswith("tap:") else ""
        said = f"You chose: {shown}" if shown else f"You said: {exchange.said}"
    yes_no = exchange.turn.expect is Expect.YES_NO or page in {"idle", "summary"} or (
        exchange.state.pending is not None and exchange.state.pending.kind == "anything_else")
    return {
        "type": "view",
        "seq": exchange.seq,
        "page": page,
        "question": question,
        "lines": lines,
        "said": said,
        "yes_no": yes_no and page != "emergency",
        "starters": list(STARTERS) if page in {"greeting", "message"} else [],
        "urgent": any(r.urgent for r in exchange.turn.replies),
        "number": emergency_number,
        "clear": exchange.ended or exchange.kind in {"start", "reset"},
        "voice": {"rate": round(exchange.state.voice.rate, 2), "volume": round(exchange.state.voice.volume, 2)},
    }
