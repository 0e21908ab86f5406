"""Triage: what was said -> emergency, red flags, ranked causes with evidence, scope. Pure, no I/O."""
from .assess import (
    CAUSE_PLACES,
    Assessment,
    CauseScore,
    RedFlagHit,
    TriageIndex,
    assess,
    denied_causes,
    fill_from_guess,
    passed_signs,
    score_causes,
    screen_red_flags,
    tells_a_twitch,
)
from .negation import Polarity

__all__ = ["CAUSE_PLACES", "Assessment", "CauseScore", "RedFlagHit", "TriageIndex", "assess", "denied_causes",
           "fill_from_guess", "passed_signs", "tells_a_twitch", "score_causes", "screen_red_flags", "Polarity"]
