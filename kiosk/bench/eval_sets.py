"""The evaluation sets listed in eval/sets.toml, so every eval script scores the same sets under the same names."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"


@dataclass(frozen=True)
class EvalSet:
    """One blind set: its name, its role (held out, tuning, ...) and its files."""

    name: str
    role: str
    cases: Path
    sessions: Path | None
    traps: bool

    @property
    def held_out(self) -> bool:
        """Never tuned on: its misses must not be read."""
        return self.role == "held out"


def eval_sets(listing: Path = EVAL_DIR / "sets.toml") -> list[EvalSet]:
    """The sets in ``listing``, newest first; their files are relative to the listing's folder."""
    data = tomllib.loads(listing.read_text(encoding="utf-8"))
    here = listing.parent
    return [EvalSet(name=s["name"], role=s["role"], cases=here / s["cases"],
                    sessions=here / s["sessions"] if s.get("sessions") else None,
                    traps=bool(s.get("traps", False)))
            for s in data["set"]]


def read_vignettes(path: Path) -> list[dict]:
    """The cases of a vignette-format file (an object with "cases", or a bare list)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["cases"] if isinstance(data, dict) else data
