#!/usr/bin/env python3
"""Screenshots of the kiosk's page in Debian's Chromium: greeting, question, summary and emergency, at
1280x800 (landscape) and 800x1280 (portrait), written to docs/screenshots/ as PNG.

    python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.core.content import load_knowledge_base  # noqa: E402
from kiosk.core.conversation import Conversation  # noqa: E402
from kiosk.core.dialogue import Dialogue  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}
STATES = ("greeting", "question", "summary", "emergency")


def drive(talk: Conversation, state: str) -> None:
    """Bring the conversation to ``state`` (from a fresh session)."""
    now = time.monotonic()
    talk.reset("screenshot", now)
    if state == "greeting":
        return
    talk.hear("my lip keeps twitching since I started drinking energy drinks", now, source="screen")
    if state == "question":
        talk.hear("no", now, source="tap:no")
        return
    if state == "summary":
        talk.hear("no", now, source="tap:no")
        for _ in range(5):
            if talk.state.pending is not None and talk.state.pending.kind == "anything_else":
                break
            talk.hear("yes", now, source="tap:yes")
        return
    talk.hear("and now the left side of my face feels numb", now, source="voice")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from kiosk.faces.screen.server import ScreenFace, ScreenServer

    args.out.mkdir(parents=True, exist_ok=True)
    kb = load_knowledge_base(ROOT / "content")
    talk = Conversation(Dialogue(kb))
    with ScreenServer(ScreenFace(talk)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            for state in STATES:
                drive(talk, state)
                page.wait_for_selector(f'body[data-page="{state}"]', timeout=10000)
                path = args.out / f"{state}-{name}.png"
                page.screenshot(path=str(path))
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size // 1024} KB")
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
