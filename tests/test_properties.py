"""Property-based tests (hypothesis) over triage and the dialogue.

* Any text (empty, 100 kB, control and format characters, emoji, other scripts, SQL and shell
  metacharacters, punctuation) never raises, and each call ends within a bounded time.
* An utterance that holds an un-negated red-flag phrase anywhere, with punctuation, mixed case and filler
  around it, is always an emergency, in the batch answer and in the dialogue.

Time bounds here are hang guards, far above the usual milliseconds, not performance targets; hypothesis's
own per-example deadline is off (a loaded CI machine would make it flaky), and each call is timed instead.
"""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CONTENT
from kiosk.core.content import load_knowledge_base
from kiosk.core.dialogue import Dialogue, Phase
from kiosk.core.triage import TriageIndex, assess
from kiosk.core.triage.negation import BREAKERS, HEDGE_AFTER_NOT, NEGATION_CUES

KB = load_knowledge_base(CONTENT)
INDEX = TriageIndex.build(KB)
DIALOGUE = Dialogue(KB, index=INDEX)
PHRASES = sorted({(p, f.id) for f in KB.red_flags for p, _ in f.match_phrases()})

HANG_GUARD_S = 5.0
"""Most CPU time any one call may take, even on 100 kB of text (typical: well under 0.1 s). CPU time, not wall
time: on a 2-core machine shared with other work (load 6) the 100 kB case took 6.7 s by the clock."""
BIG = 100_000

# Filler words people use around a symptom, with no negation or hedge among them.
FILLER = sorted(set("""my lip keeps twitching and today also the left side corner of mouth eye cheek started after coffee
work stress i have been feeling it is very bad since morning yesterday doctor said maybe please help tired
drink energy pills new medicine sometimes again really quite lot twitch twitches jumps flutters""".split())
                - NEGATION_CUES - HEDGE_AFTER_NOT - {"sure", "know"} - set(KB.things[0]))
# (words for things are left out: "the coffee is weak" is about the coffee, tested in test_red_flag_phrases)

# --- hostile text, piece by piece ---------------------------------------------------------------------------

CONTROL = st.characters(whitelist_categories=("Cc", "Cf"))  # NUL, BEL, ESC, DEL; bidi overrides, zero-width
EMOJI = st.one_of(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
                  st.sampled_from(["🙂", "👍🏽", "👨‍👩‍👧", "❤️", "🇺🇸", "\u2764\ufe0f"]))
OTHER_SCRIPTS = st.one_of(
    st.characters(whitelist_categories=("Lo", "Lm", "Mn", "Mc", "Nd", "No", "Nl")),  # CJK, Arabic, marks, digits
    st.sampled_from(["я не знаю", "我的嘴唇在跳", "شفتي ترتعش", "मेरा होंठ", "ÉCOLE", "ﬁ", "Ⅻ", "e\u0301",
                     "\u0130stanbul", "ß", "ǅ"]))
PUNCTUATION = st.characters(whitelist_categories=("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"))
METACHARACTERS = st.sampled_from([
    "'; DROP TABLE cases;--", "\" OR 1=1 --", "' UNION SELECT * FROM users --", "$(rm -rf /)", "`reboot`",
    "| sh", "&& echo pwned", "> /dev/sda", "; kill -9 1", "${IFS}", "%s%n%x%p", "{0}{}{!r}", "\\", "\\n", "\\x00",
    "<script>alert(1)</script>", "../../etc/passwd", "*", "?", "~", "#", "\r\n", "\t", "\x1b[2J", "\u2028"])
WORDS = st.sampled_from(FILLER + sorted(NEGATION_CUES) + ["numb", "weak", "face", "drooping", "dizzy", "suddenly",
                                                        "not sure", "years ago", "yes", "no", "help", "repeat"])
PIECE = st.one_of(CONTROL, EMOJI, OTHER_SCRIPTS, PUNCTUATION, METACHARACTERS, WORDS, st.text(max_size=12),
                  st.just(" "), st.just("\n"))
HOSTILE = st.lists(PIECE, max_size=80).map("".join)
ANY_TEXT = st.one_of(
    st.just(""),
    st.text(max_size=300),
    HOSTILE,
    st.lists(st.one_of(WORDS, METACHARACTERS, EMOJI), max_size=60).map(" ".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1000, max_size=5000),
)
# Lone surrogates are left out: typed input is decoded with errors="replace" and recognizers return valid text.


def timed(call, *args):
    start = time.thread_time()
    result = call(*args)
    elapsed = time.thread_time() - start
    assert elapsed < HANG_GUARD_S, f"{call.__name__} took {elapsed:.1f} s on {len(args[0])} characters"
    return result


def hear(text: str, confidence: float = 1.0, state=None):
    state = state if state is not None else DIALOGUE.start()[0]
    start = time.thread_time()
    state, turn = DIALOGUE.hear(state, text, confidence)
    elapsed = time.thread_time() - start
    assert elapsed < HANG_GUARD_S, f"the dialogue took {elapsed:.1f} s on {len(text)} characters"
    return state, turn


def check_assessment(text: str) -> None:
    obj = timed(assess, text, INDEX).to_json()
    assert isinstance(obj["emergency"], bool) and all(0 <= c["score"] <= 1 for c in obj["causes"])
    if not obj["in_scope"]:
        assert obj["causes"] == []


# --- never raises, bounded time -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_triage_never_raises(text):
    check_assessment(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_TEXT, min_size=1, max_size=6), st.floats(0, 1))
def test_dialogue_never_raises_and_always_answers(lines, confidence):
    state = None
    for line in lines:
        state, turn = hear(line, confidence, state)
        assert turn.replies and all(r.text for r in turn.replies)
    state, _ = DIALOGUE.idle(state, DIALOGUE.idle_timeout_s)
    assert not state.said


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.one_of(CONTROL, EMOJI, OTHER_SCRIPTS, PUNCTUATION, METACHARACTERS), min_size=1,
                max_size=30).map("".join))
def test_100_kb_of_anything_never_raises_within_a_bound(chunk):
    # (symptom words repeated thousands of times are slow: see the known-bug test below)
    text = (chunk * (BIG // len(chunk) + 1))[:BIG]
    check_assessment(text)
    _, turn = hear(text)
    assert turn.replies and all(r.text for r in turn.replies)


@pytest.mark.parametrize("text", [
    "", " " * BIG, "x" * BIG, "\x00" * BIG, "🙂" * BIG, ("я не знаю 我的嘴唇 " * 7000)[:BIG],
    ("'; DROP TABLE cases;-- $(rm -rf /) " * 3000)[:BIG], ("?!." * 40000)[:BIG], "no " * 40000,
    " ".join(FILLER * 1000)[:BIG],
], ids=["empty", "spaces", "one-word", "nul", "emoji", "scripts", "sql-shell", "punctuation", "no-no-no", "filler"])
def test_fixed_100_kb_inputs_never_raise_within_a_bound(text):
    check_assessment(text)
    _, turn = hear(text)
    assert turn.replies


SLOW_CHILD = """
import signal, sys
from pathlib import Path
from kiosk.core.content import load_knowledge_base
from kiosk.core.triage import TriageIndex, assess
index = TriageIndex.build(load_knowledge_base(Path(sys.argv[1])))
for chunk in ("left side ", "face weak ", "my face is drooping. "):
    signal.setitimer(signal.ITIMER_PROF, float(sys.argv[2]))  # killed by SIGPROF when one call uses more CPU time
    assess((chunk * 20000)[:100000], index)
    signal.setitimer(signal.ITIMER_PROF, 0)
"""


def test_100_kb_of_symptom_words_repeated_within_a_bound():
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", SLOW_CHILD, str(CONTENT), str(int(HANG_GUARD_S))],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, f"a call took more than {HANG_GUARD_S:g} s of CPU (status {child.returncode})"


@pytest.mark.parametrize("where", [0.0, 0.5, 1.0], ids=["start", "middle", "end"])
def test_a_red_flag_anywhere_in_100_kb_is_an_emergency(where):
    import random

    rng = random.Random(int(where * 10))
    phrase, flag = rng.choice(PHRASES)
    words = [rng.choice(FILLER) for _ in range(BIG // 5)]
    words.insert(int(where * len(words)), phrase + ".")
    text = " ".join(words)
    assert len(text) >= BIG
    result = timed(assess, text, INDEX)
    assert result.emergency and flag in {h.id for h in result.red_flags}, phrase
    state, _ = hear(text)
    assert state.phase is Phase.EMERGENCY, phrase


# --- an un-negated red-flag phrase anywhere is an emergency -------------------------------------------------

SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", "! ", "? ", "... ", " - ", " -- ", "; ", ": ", "\t", " \n ",
                              "!! ", "?! ", ", um, ", ". so ", " … "])


def styled(words: list[str], styles: list[str]) -> list[str]:
    """Mixed case, word by word."""
    out = []
    for word, style in zip(words, styles, strict=False):
        out.append(word.upper() if style == "upper" else word.title() if style == "title"
                   else word[:1].upper() + word[1:].swapcase() if style == "odd" else word)
    return out


def joined(words: list[str], seps: list[str]) -> str:
    text = ""
    for i, word in enumerate(words):
        text += (seps[i % len(seps)] if i else "") + word
    return text


CASE_STYLES = st.lists(st.sampled_from(["lower", "upper", "title", "odd"]), min_size=40, max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FILLER), max_size=12), st.sampled_from(PHRASES),
       st.lists(st.sampled_from(FILLER), max_size=12), st.lists(SEPARATORS, min_size=1, max_size=6),
       CASE_STYLES, st.sampled_from(["", ".", "!", "?", "...", "!!!", " :(", " please"]))
def test_unnegated_red_flag_phrase_anywhere_is_an_emergency(before, phrase_flag, after, seps, styles, end):
    """Filler before and after, any punctuation between the words around the phrase (never inside it), and
    any mix of upper and lower case."""
    phrase, flag = phrase_flag
    words = styled(before + phrase.split() + after, styles)
    n = len(before)
    head = joined(words[:n], seps)
    body = " ".join(words[n:n + len(phrase.split())])
    tail = joined(words[n + len(phrase.split()):], seps[::-1])
    text = head + (seps[0] if head else "") + body + (seps[-1] if tail else "") + tail + end
    result = assess(text, INDEX)
    assert result.emergency, text
    assert flag in {h.id for h in result.red_flags}, text
    state, _ = hear(text)
    assert state.phase is Phase.EMERGENCY, text


NEGATED_CLAUSE = ["no {p}", "i do not have {p}", "there is no {p}", "never had {p}", "not {p}"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PHRASES), st.sampled_from(PHRASES), st.sampled_from(NEGATED_CLAUSE),
       st.sampled_from([". ", "! ", "? ", "; ", ". but now ", ". now ", ". then "]),
       st.lists(st.sampled_from(FILLER), max_size=6))
def test_a_denial_in_an_earlier_sentence_does_not_hide_a_later_red_flag(denied, phrase_flag, clause, stop, filler):
    """'No headache. My face is drooping.': the no ends with its sentence (another sign denied before)."""
    phrase, flag = phrase_flag
    if denied[1] == flag:
        return  # the same sign denied, then said: see the known-bug test below
    text = clause.format(p=denied[0]) + stop + " ".join(filler + [phrase])
    result = assess(text, INDEX)
    assert result.emergency and flag in {h.id for h in result.red_flags}, text
    state, _ = hear(text)
    assert state.phase is Phase.EMERGENCY, text


def test_a_sign_denied_then_said_again_is_an_emergency():
    missed = []
    for flag in KB.red_flags:
        phrases = [p for p, f in PHRASES if f == flag.id]
        if not phrases:
            continue
        text = f"i have no {phrases[0]}. but now {phrases[0]}"
        if not assess(text, INDEX).emergency:
            missed.append(text)
    assert not missed, missed


def test_filler_has_no_breakers_that_would_hide_a_negation_bug():
    # the properties above must not pass because filler happens to break a negation scope
    assert not (set(FILLER) & NEGATION_CUES)
    assert BREAKERS  # sanity: the module exposes its breakers
