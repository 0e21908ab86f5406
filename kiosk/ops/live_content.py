"""The knowledge base as it is on disk now: picked up between sessions when a clinician edits it, and kept
as last loaded when an edit breaks it or the folder becomes unreadable, so the kiosk keeps serving."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ..core.content import ContentError, KnowledgeBase, load_knowledge_base
from ..core.dialogue import Dialogue

log = logging.getLogger("kiosk")

Stamp = tuple[tuple[str, int, int], ...] | None


def _stamp(root: Path) -> Stamp:
    """Name, size and modification time of every file in the content folder; None when it cannot be read."""
    try:
        return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in root.iterdir() if p.is_file()))
    except OSError:
        return None


class LiveContent:
    """Call it for the dialogue to use for the next session."""

    def __init__(self, root: Path, dialogue: Dialogue, build: Callable[[KnowledgeBase], Dialogue],
                 on_problem: Callable[[str], None] | None = None) -> None:
        """``dialogue`` is the one built from ``root`` at start; ``build`` makes a dialogue from new content;
        ``on_problem`` hears one line when a change cannot be used (besides the log)."""
        self.root = Path(root)
        self.dialogue = dialogue
        self.build = build
        self.on_problem = on_problem
        self._seen = _stamp(self.root)

    def __call__(self) -> Dialogue:
        stamp = _stamp(self.root)
        if stamp == self._seen:
            return self.dialogue
        self._seen = stamp
        try:
            if stamp is None:
                raise OSError(f"{self.root} cannot be read")
            self.dialogue = self.build(load_knowledge_base(self.root))
            log.info("content reloaded from %s", self.root)
        except (ContentError, OSError) as err:
            line = f"the content in {self.root} changed but cannot be used ({err}); keeping the content loaded before"
            log.warning("%s", line)
            if self.on_problem is not None:
                self.on_problem(line)
        return self.dialogue
