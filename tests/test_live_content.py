"""Content edited while the kiosk runs: picked up at the next session; a broken edit or a vanished folder
keeps the last good content and the kiosk keeps serving."""
from __future__ import annotations

import io
import shutil

from kiosk.core.content import load_knowledge_base
from kiosk.core.dialogue import Dialogue
from kiosk.faces.textmode import run_text_kiosk
from kiosk.ops.live_content import LiveContent


class Lines(io.StringIO):
    """Typed input that runs an action before a given line is read (the clinician's edit, mid-run)."""

    def __init__(self, lines, actions):
        super().__init__()
        self.lines, self.actions, self.n = list(lines), dict(actions), 0

    def readline(self, *_):
        if self.n in self.actions:
            self.actions.pop(self.n)()
        if self.n >= len(self.lines):
            return ""
        self.n += 1
        return self.lines[self.n - 1] + "\n"


def session(line="my lip twitches after energy drinks"):
    return [line, "no", "no", "no", "no", "no"]


def test_an_edit_is_used_from_the_next_session_and_a_broken_one_is_not(content_copy):
    kb = load_knowledge_base(content_copy)
    problems: list[str] = []
    live = LiveContent(content_copy, Dialogue(kb), Dialogue, on_problem=problems.append)
    causes = content_copy / "causes.toml"
    new_care = "Have less caffeine each day, a little at a time."

    def edit():
        old = kb.cause("caffeine").home_care
        causes.write_text(causes.read_text(encoding="utf-8").replace(old, new_care), encoding="utf-8")

    def break_it():
        causes.write_text(causes.read_text(encoding="utf-8") + "\n[[cause]\n", encoding="utf-8")

    def remove_it():
        shutil.rmtree(content_copy)

    first, second, third, fourth = (len(session()) * k for k in range(4))
    lines = session() * 4
    out = io.StringIO()
    status = run_text_kiosk(Dialogue(kb), stdin=Lines(lines, {second: edit, third: break_it, fourth: remove_it}),
                            out=out, live=live)
    text = out.getvalue()
    assert status == 0
    summaries = [part for part in text.split("Here are some things that may help at home.")[1:]]
    assert len(summaries) == 4  # every session got its summary, whatever happened to the files
    assert kb.cause("caffeine").home_care in summaries[0]
    assert all(new_care in s for s in summaries[1:])  # the edit, kept when later edits broke the folder
    assert len(problems) == 2 and "causes.toml" in problems[0] and "cannot be read" in problems[1]


def test_nothing_changed_means_nothing_reloaded(content_copy):
    kb = load_knowledge_base(content_copy)
    dialogue = Dialogue(kb)
    live = LiveContent(content_copy, dialogue, Dialogue)
    assert live() is dialogue and live() is dialogue
