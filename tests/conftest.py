"""Shared fixtures: the real shipped content, its triage index and dialogue."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.core.content import load_knowledge_base
from kiosk.core.dialogue import Dialogue
from kiosk.core.triage import TriageIndex

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def kb():
    return load_knowledge_base(CONTENT)


@pytest.fixture(scope="session")
def index(kb):
    return TriageIndex.build(kb)


@pytest.fixture(scope="session")
def dialogue(kb, index):
    return Dialogue(kb, index=index)


@pytest.fixture
def content_copy(tmp_path):
    """A writable copy of the shipped content, for tests that break it on purpose."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    return dest
