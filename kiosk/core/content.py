"""Load and validate the knowledge base (TOML files in content/) into frozen dataclasses.

Every problem becomes one line that names the file and the entry, so a clinician can fix the
content without reading Python. :func:`load_knowledge_base` collects all problems it can find
before raising, so one run of ``kiosk check`` shows every mistake at once.
"""
from __future__ import annotations

import json
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .text import normalize

CAUSE_IDS = (
    "caffeine", "medication", "potassium_deficiency", "alcoholic_neuropathy", "stress_mood",
    "bells_palsy", "hemifacial_spasm", "facial_nerve_trauma", "tourette_syndrome", "als",
    "parkinsons_disease", "digeorge_syndrome", "hypoparathyroidism",
)
"""The cause ids other tools rely on; the shipped content must have exactly these."""

CLUE_WEIGHTS = {"strong": 1.0, "medium": 0.6, "weak": 0.3}
URGENCIES = ("routine", "soon", "prompt")

DIALOGUE_KEYS = {
    "greeting": (), "ask_describe": (), "not_understood": (), "not_understood_again": (), "too_long": (),
    "out_of_scope": (), "need_more": (), "screening_question": (), "red_flag_confirm": ("flag",),
    "emergency": ("number",), "emergency_repeat": ("number",), "staff_alert": (), "help": (),
    "yes_no_retry": (), "not_heard": (), "check_no": (), "cause_unclear": (), "summary_intro": (), "summary_cause": ("name", "reason"),
    "summary_none": (), "summary_home": (), "summary_when": (), "anything_else": (), "goodbye": (), "start_over": (),
    "idle_warning": (), "idle_reset": (), "nothing_to_repeat": (), "reason_default": ("clue",),
    "louder": (), "softer": (), "slower": (), "faster": (),
    "screening_one_at_a_time": (), "screening_unsure": (), "warning_signs": ("number",),
    "unclear_opening": (), "unclear_screening_question": (), "nothing_found": (), "passed_warning": ("number",),
    "passed_only": (), "crisis_line": ("line",),
}
"""Every sentence the dialogue needs, with the placeholders each must contain."""

GUIDANCE_KEYS = ("diagnosis", "home_measures", "when_to_see", "disclaimer")
FILES = ("sources.toml", "causes.toml", "red_flags.toml", "guidance.toml", "dialogue.toml")
CASES_FILE = "cases.toml"


class ContentError(ValueError):
    """The knowledge base cannot be used. ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        more = f" (and {len(problems) - 1} more problem(s); run `kiosk check` to see all)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True)
class Clue:
    phrase: str
    weight: float
    tier: str


@dataclass(frozen=True)
class Cause:
    id: str
    name: str
    explanation: str
    reason: str
    sources: tuple[str, ...]
    urgency: str
    see_provider: str
    home_care: str
    provider_care: str
    clues: tuple[Clue, ...]
    questions: tuple[str, ...]


PairGroup = tuple[tuple[str, ...], tuple[str, ...], bool]
"""A [[red_flag.pair]] or ask_pair group: (body words, sign words, body first only)."""


@dataclass(frozen=True)
class RedFlag:
    id: str
    name: str
    phrases: tuple[str, ...]
    question: str
    pairs: tuple[PairGroup, ...] = ()
    """(body words, sign words, body first only) groups: any body word said near any sign word, in either
    order unless the third is true, is this red flag ("my whole left side feels heavy")."""
    exclude: tuple[str, ...] = ()
    """Exact words that look like a phrase but are not the sign ("this form is confusing")."""
    done: tuple[str, ...] = ()
    """Exact words that tell the sign's act as done, not asked for ("I called 999"): asked about when its
    sentence tells it as now ("they're on their way"), else a story."""
    ask: tuple[str, ...] = ()
    """Phrases that make the kiosk ask about this sign, never raise it: "a few minutes ago" may be a
    sudden start ("Did it start all of a sudden?")."""
    ask_pairs: tuple[PairGroup, ...] = ()
    """Body-sign groups, as ``pairs``, whose sign words are too vague to raise the sign and only ask about it:
    "my speech sounds awful" ("Are you having trouble speaking right now?")."""
    unfinished: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None
    """(body words, linking verbs): "my face feels..." with nothing after the verb (the recognizer lost
    the last word, or the person trailed off) makes this red flag uncertain, so the kiosk asks."""
    examples: tuple[str, ...] = ()
    """How the sign looks and feels, one short clause each, as people say it: the meaning layer compares
    what is said with these (kiosk.core.triage.meaning)."""
    explain: str = ""
    """The sign in simpler words, said before the question again when a person asks what it means."""
    not_by_meaning: tuple[str, ...] = ()
    """Words that show a clause found only by meaning tells something else ("the corner of my mouth pulls up"
    is the twitch, not a droop: meaning alone does not tell up from down). A clause with a denial keeps it."""
    in_prompt: bool = True
    """Whether its first word and its question go into the recognizer's prompts. Those prompts were chosen on the
    tuning sets' recordings, and a prompt's words change what Whisper hears; a flag added later stays out of them
    until it is measured there."""
    warn_if_passed: bool = False
    """A sign of a stroke: told as come and gone, and not years back ("last week my arm went weak for ten minutes"),
    the summary says first to see a provider soon (dialogue.toml's passed_warning): it may have been a warning
    stroke."""
    passed: tuple[str, ...] = ()
    """Phrases that tell of this sign only as over ("a TIA", "a mini stroke"): never raised or asked about, but
    told not years back they bring the same warning."""
    second_opinion: bool = True
    """Whether the second opinion may doubt a phrase of this sign (asked about, not raised). It learned from signs
    of the body; a call for help or a plan to die is its own evidence, and it doubted most of the blind ones it saw
    ("ring triple zero, my husband's having a heart attack"). Questions, stories and denials are still read."""
    alone: tuple[str, ...] = ()
    """Words that, said with nothing else ("stroke", "ambulance", "heart attack"), make the kiosk ask about this sign: a
    person in a hurry says one word, and a recognizer in noise may keep only the sign's name. Said within a
    sentence they are a topic ("what are the signs of a stroke"), left to the phrases."""
    cried: tuple[str, ...] = ()
    """Single words that, said twice or more with nothing but a cry's words ("help, help, I need help, help me"),
    make the kiosk ask about this sign. Said once such a word may be a command ("help" is the help command), and
    ``alone`` folds repeats, so a cry needs its own list."""
    crisis: bool = False
    """Thoughts of self-harm: the emergency prompt for this sign is followed by dialogue.toml's crisis_line, with
    the crisis line an operator set (none: not said)."""

    def match_phrases(self) -> tuple[tuple[str, bool], ...]:
        """Every phrase the matcher looks for, with whether it is a body-sign pair (said in either order)."""
        return _with_pairs(self.phrases, self.pairs)

    def ask_phrases(self) -> tuple[tuple[str, bool], ...]:
        """Every phrase that only asks about this sign (``ask`` and ``ask_pairs``), as :meth:`match_phrases`."""
        return _with_pairs(self.ask, self.ask_pairs)


def _with_pairs(phrases: tuple[str, ...], pairs: tuple[PairGroup, ...]) -> tuple[tuple[str, bool], ...]:
    made = {f"{a} {b}": True for body, sign, body_first in pairs for x in body for y in sign
            for a, b in (((x, y),) if body_first else ((x, y), (y, x)))}
    return tuple({**made, **{p: False for p in phrases}}.items())


@dataclass(frozen=True)
class Case:
    """A clinician's regression case: what a person says and what the kiosk must answer."""

    id: str
    text: str
    causes: tuple[str, ...]
    emergency: bool | None
    in_scope: bool = True


@dataclass(frozen=True)
class NotNow:
    """One kind of look-alike of a warning sign (meaning.toml): a question about signs, a sign long past..."""

    examples: tuple[str, ...]
    cues: tuple[str, ...] = ()
    """Words that show this context in a sentence ("ago", "if", "because")."""
    objects: bool = True
    """False: only keeps a clause from being a meaning hit, never makes a phrase hit a question (the twitch)."""


@dataclass(frozen=True)
class KnowledgeBase:
    causes: tuple[Cause, ...]
    red_flags: tuple[RedFlag, ...]
    guidance: Mapping[str, str]
    scope_terms: tuple[str, ...]
    dialogue: Mapping[str, str]
    sources: Mapping[str, str]
    cases: tuple[Case, ...] = ()
    root: Path | None = None
    scope_body: tuple[str, ...] = ()
    """Body words that show a request is about the body only after "my", "the", "his"...: "my mouth" is,
    a recognizer's "12-mouth coffee" is not."""
    scope_clue_causes: tuple[str, ...] = ()
    """Causes whose strong clues alone put a request in scope ("side effect from my prescription")."""
    scope_not_about: tuple[str, ...] = ()
    """Words that show a request is about something else ("streaming on twitch", "my cat's tail")."""
    things: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    """(words for things, sign words): a sign word said of a thing ("the plant is drooping", "the wifi is
    weak") is not a red flag. From red_flags.toml's [things] table."""
    not_now: Mapping[str, NotNow] = field(default_factory=dict)
    """Kind ("question", "figurative", "past", ...) -> what sounds like a warning sign but is not one now.
    From the optional meaning.toml."""
    unwell: tuple[str, ...] = ()
    """Feeling unwell in vague words ("I came over all funny"): about health, so in scope. meaning.toml."""

    def cause(self, cause_id: str) -> Cause:
        return next(c for c in self.causes if c.id == cause_id)

    def red_flag(self, flag_id: str) -> RedFlag:
        return next(f for f in self.red_flags if f.id == flag_id)

    def recognition_phrases(self) -> list[str]:
        """Cause names and strong clues: the content's own terms, from which a recognizer prompt is built."""
        return [c.name for c in self.causes] + [k.phrase for c in self.causes for k in c.clues if k.tier == "strong"]

    def red_flag_keywords(self) -> list[str]:
        """The first one-word phrase of each red flag ("numb", "dizzy"): words a recognizer must not miss."""
        words = ["twitching"]
        for flag in self.red_flags:
            if flag.in_prompt:
                words += [p for p in flag.phrases if " " not in p][:1]
        return list(dict.fromkeys(words))

    def red_flag_questions(self) -> list[str]:
        """Each red flag's own yes/no question, for the red flags a person can say in words (those with phrases):
        the kiosk's questions as a recognizer prompt for the second hearing (kiosk.speech.whisper_asr)."""
        return [flag.question for flag in self.red_flags if flag.phrases and flag.in_prompt]

    def spoken_texts(self) -> list[tuple[str, str]]:
        """(where, text) for every text a person hears, for the reading-grade check."""
        out: list[tuple[str, str]] = []
        reason_key = self.dialogue["summary_cause"]
        for c in self.causes:
            reason = c.reason.format(clue=c.clues[0].phrase) if c.clues else c.reason
            out.append((f"causes.toml:{c.id}.name", reason_key.format(name=c.name, reason=reason)))
            for key in ("explanation", "see_provider", "home_care", "provider_care"):
                out.append((f"causes.toml:{c.id}.{key}", getattr(c, key)))
            out += [(f"causes.toml:{c.id}.question", q) for q in c.questions]
        for f in self.red_flags:
            out.append((f"red_flags.toml:{f.id}.question", f.question))
            if f.explain:
                out.append((f"red_flags.toml:{f.id}.explain", f.explain))
            out.append((f"red_flags.toml:{f.id}.name", self.dialogue["red_flag_confirm"].format(flag=f.name)))
        out += [(f"guidance.toml:{k}", v) for k, v in self.guidance.items()]
        for key, text in self.dialogue.items():
            if key != "summary_cause":
                out.append((f"dialogue.toml:{key}", fill_placeholders(text)))
        return out


def fill_placeholders(text: str) -> str:
    """Fill every {placeholder} with a typical value so a template can be graded as heard."""
    sample = {"number": "911", "flag": "numbness", "clue": "coffee", "name": "Too much caffeine", "reason": "You mentioned coffee"}
    return text.format(**{k: sample.get(k, "this") for _, k, _, _ in string.Formatter().parse(text) if k})


class _Problems:
    """Collects one-line problems, each naming the file and the entry."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


def _read_toml(path: Path, problems: _Problems) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.add(str(path), "file is missing")
    except UnicodeDecodeError:
        problems.add(str(path), "is not UTF-8 text")
    except OSError as err:
        problems.add(str(path), f"cannot be read ({err.strerror or err})")
    except tomllib.TOMLDecodeError as err:
        problems.add(str(path), f"TOML syntax error: {err}")
    return None


def _text(entry: Mapping[str, Any], key: str, where: str, problems: _Problems, required: bool = True) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            problems.add(where, f"missing field '{key}'")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"field '{key}' must be non-empty text")
        return ""
    return " ".join(value.split())


def _str_list(entry: Mapping[str, Any], key: str, where: str, problems: _Problems, required: bool = True) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        if required:
            problems.add(where, f"missing field '{key}'")
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.add(where, f"field '{key}' must be a list of non-empty text")
        return ()
    return tuple(" ".join(v.split()) for v in value)


def _check_template(text: str, allowed: tuple[str, ...], required: tuple[str, ...], where: str, problems: _Problems) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as err:
        problems.add(where, f"bad braces in text ({err})")
        return
    for name in names - set(allowed):
        problems.add(where, f"unknown placeholder '{{{name}}}' (allowed: {', '.join(allowed) or 'none'})")
    for name in set(required) - names:
        problems.add(where, f"must contain the placeholder '{{{name}}}'")


def _entries(data: Mapping[str, Any] | None, table: str, fname: str, problems: _Problems) -> list[Mapping[str, Any]]:
    if data is None:
        return []
    items = data.get(table)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        problems.add(fname, f"needs one or more [[{table}]] entries")
        return []
    return items


def _unique_ids(items: list[Mapping[str, Any]], fname: str, kind: str, problems: _Problems) -> list[tuple[str, Mapping[str, Any]]]:
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items, 1):
        ident = item.get("id")
        if not isinstance(ident, str) or not re.fullmatch(r"[a-z0-9_\-]+", ident or ""):
            problems.add(f"{fname}: {kind} #{i}", "missing or bad 'id' (lower-case letters, digits, _ or -)")
            continue
        if ident in seen:
            problems.add(f"{fname}: {kind} '{ident}'", "duplicate id")
            continue
        seen.add(ident)
        out.append((ident, item))
    return out


def _load_sources(root: Path, problems: _Problems) -> dict[str, str]:
    fname = "sources.toml"
    data = _read_toml(root / fname, problems)
    sources = {}
    for ident, item in _unique_ids(_entries(data, "source", fname, problems), fname, "source", problems):
        sources[ident] = _text(item, "citation", f"{fname}: source '{ident}'", problems)
    return sources


def _load_causes(root: Path, sources: Mapping[str, str], problems: _Problems) -> tuple[Cause, ...]:
    fname = "causes.toml"
    data = _read_toml(root / fname, problems)
    causes = []
    clue_owner: dict[str, str] = {}
    for ident, item in _unique_ids(_entries(data, "cause", fname, problems), fname, "cause", problems):
        where = f"{fname}: cause '{ident}'"
        def get(key: str, required: bool = True, item: Any = item, where: str = where) -> str:
            return _text(item, key, where, problems, required)

        reason = get("reason", False) or ""
        if reason:
            _check_template(reason, ("clue",), (), where, problems)
        urgency = get("urgency")
        if urgency and urgency not in URGENCIES:
            problems.add(where, f"urgency must be one of {', '.join(URGENCIES)}, not '{urgency}'")
        cited = _str_list(item, "sources", where, problems)
        for sid in cited:
            if sid not in sources:
                problems.add(where, f"unknown source id '{sid}' (not in sources.toml)")
        clues: list[Clue] = []
        table = item.get("clues")
        if not isinstance(table, dict):
            problems.add(where, "missing [cause.clues] table (strong / medium / weak lists)")
            table = {}
        for tier in table:
            if tier not in CLUE_WEIGHTS:
                problems.add(where, f"unknown clue tier '{tier}' (use strong, medium or weak)")
        for tier, weight in CLUE_WEIGHTS.items():
            for phrase in _str_list(table, tier, f"{where} clues", problems, required=False):
                key = normalize_clue(phrase)
                if not key:
                    problems.add(where, f"clue '{phrase}' has no letters or digits")
                    continue
                owner = clue_owner.get(key)
                if owner is not None:
                    problems.add(where, f"clue '{phrase}' is also listed under cause '{owner}'")
                    continue
                clue_owner[key] = ident
                clues.append(Clue(key, weight, tier))
        if table and not clues:
            problems.add(where, "has no clues")
        questions = []
        raw_questions = item.get("question", [])
        if not isinstance(raw_questions, list) or not raw_questions:
            problems.add(where, "needs one or two [[cause.question]] entries with 'text'")
        else:
            for q in raw_questions:
                text = _text(q if isinstance(q, dict) else {}, "text", f"{where} question", problems)
                if text:
                    questions.append(text)
        causes.append(Cause(
            id=ident, name=get("name"), explanation=get("explanation"), reason=reason,
            sources=cited, urgency=urgency, see_provider=get("see_provider"), home_care=get("home_care"),
            provider_care=get("provider_care"), clues=tuple(clues), questions=tuple(questions),
        ))
    return tuple(causes)


def _load_red_flags(root: Path, problems: _Problems
                    ) -> tuple[tuple[RedFlag, ...], tuple[tuple[str, ...], tuple[str, ...]]]:
    fname = "red_flags.toml"
    data = _read_toml(root / fname, problems)
    flags = []
    owner: dict[str, str] = {}
    for ident, item in _unique_ids(_entries(data, "red_flag", fname, problems), fname, "red_flag", problems):
        where = f"{fname}: red_flag '{ident}'"
        phrases = []
        for phrase in _str_list(item, "phrases", where, problems):
            key = _phrase_key(phrase)
            if not key:
                problems.add(where, f"phrase '{phrase}' has no letters or digits")
            elif owner.get(key, ident) != ident:
                problems.add(where, f"phrase '{phrase}' is also listed under red_flag '{owner[key]}'")
            else:
                owner[key] = ident
                phrases.append(key)
        pairs = _pairs(item, "pair", where, problems)
        ask_pairs = _pairs(item, "ask_pair", where, problems)
        exclude = tuple(normalize_clue(w) for w in _str_list(item, "exclude", where, problems, required=False))
        done = tuple(normalize_clue(w) for w in _str_list(item, "done", where, problems, required=False))
        ask = tuple(k for k in map(_phrase_key, _str_list(item, "ask", where, problems, required=False)) if k)
        alone = tuple(k for k in map(normalize_clue, _str_list(item, "alone", where, problems, required=False)) if k)
        cried = tuple(k for k in map(normalize_clue, _str_list(item, "cried", where, problems, required=False)) if k)
        for word in cried:
            if " " in word:
                problems.add(where, f"'cried' word '{word}' must be one word (it is counted: said twice or more)")
        unfinished = None
        if "unfinished" in item:
            group, at = item["unfinished"], f"{where} unfinished"
            if not isinstance(group, dict):
                problems.add(at, "[red_flag.unfinished] needs 'body' and 'verbs' lists")
            else:
                body = tuple(normalize_clue(w) for w in _str_list(group, "body", at, problems))
                verbs = tuple(normalize_clue(w) for w in _str_list(group, "verbs", at, problems))
                sides = tuple(normalize_clue(w) for w in _str_list(group, "sides", at, problems, required=False))
                unfinished = (body, verbs, sides) if body and verbs else None
        if not phrases and not pairs and unfinished is None:
            problems.add(where, "needs 'phrases', a [[red_flag.pair]] or a [red_flag.unfinished] table")
        examples = _examples(item, "examples", where, problems)
        not_by_meaning = tuple(normalize_clue(w) for w in _str_list(item, "not_by_meaning", where, problems,
                                                                    required=False))
        explain = item.get("explain", "")
        if not isinstance(explain, str):
            problems.add(where, "'explain' must be a string")
            explain = ""
        in_prompt = _flag(item, "in_prompt", True, where, problems)
        warn_if_passed = _flag(item, "warn_if_passed", False, where, problems)
        crisis = _flag(item, "crisis", False, where, problems)
        second_opinion = _flag(item, "second_opinion", True, where, problems)
        passed = tuple(normalize_clue(w) for w in _str_list(item, "passed", where, problems, required=False))
        if passed and not warn_if_passed:
            problems.add(where, "'passed' phrases need 'warn_if_passed = true' (they bring its warning)")
        flags.append(RedFlag(ident, _text(item, "name", where, problems), tuple(dict.fromkeys(phrases)),
                             _text(item, "question", where, problems), tuple(pairs), exclude=exclude, done=done,
                             ask=ask, ask_pairs=ask_pairs, unfinished=unfinished, examples=examples, explain=explain.strip(),
                             not_by_meaning=not_by_meaning, in_prompt=in_prompt,
                             warn_if_passed=warn_if_passed, passed=passed, crisis=crisis,
                             second_opinion=second_opinion, alone=alone, cried=cried))
    things: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if data is not None and "things" in data:
        table = data["things"]
        if not isinstance(table, dict):
            problems.add(f"{fname}: [things]", "must be a table with a 'words' list")
        else:
            words = tuple(normalize_clue(w) for w in _str_list(table, "words", f"{fname}: [things]", problems))
            signs = tuple(normalize_clue(w) for w in _str_list(table, "signs", f"{fname}: [things]", problems))
            things = (words, signs)
    return tuple(flags), things


def _phrase_key(phrase: str) -> str:
    """A red-flag phrase normalized; "=she is mumbling" keeps its mark: every word is required, "she" and "is"
    too (see LITERAL in matching). Empty when it has no letters or digits."""
    literal = phrase.startswith("=")
    key = normalize_clue(phrase[1:] if literal else phrase)
    return f"={key}" if literal and key else key


def _pairs(item: Mapping[str, Any], key: str, where: str, problems: _Problems) -> tuple[PairGroup, ...]:
    """A red flag's [[red_flag.pair]] (or ask_pair) groups: (body words, sign words, body first only)."""
    pairs = []
    groups = item.get(key, [])
    for k, group in enumerate(groups if isinstance(groups, list) else [None]):
        at = f"{where} {key} {k + 1}"
        if not isinstance(group, dict):
            problems.add(at, f"each [[red_flag.{key}]] needs 'body' and 'sign' lists")
            continue
        for extra in sorted(set(group) - {"body", "sign", "order"}):
            # TOML puts every key after a table header into that table: a red flag's own key written below its
            # pairs ("exclude", "ask") would silently stop working
            problems.add(at, f"unknown key '{extra}' (a key written after [[red_flag.{key}]] belongs to it: put "
                             "the red flag's own keys above its pair tables)")
        body = tuple(normalize_clue(w) for w in _str_list(group, "body", at, problems))
        sign = tuple(normalize_clue(w) for w in _str_list(group, "sign", at, problems))
        order = group.get("order", "either")
        if order not in ("either", "body first"):
            problems.add(at, f"'order' must be \"either\" or \"body first\", not {order!r}")
        if body and sign:
            pairs.append((body, sign, order == "body first"))
    return tuple(pairs)


def _flag(item: Mapping[str, Any], key: str, default: bool, where: str, problems: _Problems) -> bool:
    """An optional true/false field."""
    value = item.get(key, default)
    if not isinstance(value, bool):
        problems.add(where, f"'{key}' must be true or false")
        return default
    return value


def _examples(table: Mapping[str, Any], key: str, where: str, problems: _Problems) -> tuple[str, ...]:
    """An optional list of example sentences: each a non-empty string, said once."""
    items = table.get(key, [])
    if not isinstance(items, list) or not all(isinstance(e, str) and e.strip() for e in items):
        problems.add(where, f"'{key}' must be a list of non-empty strings")
        return ()
    return tuple(dict.fromkeys(" ".join(e.split()) for e in items))


def _load_meaning(root: Path, problems: _Problems, thing_words: tuple[str, ...]
                  ) -> tuple[dict[str, NotNow], tuple[str, ...]]:
    """meaning.toml (optional): [not_now.KIND] tables with examples, cues and objects, and [unwell] examples.
    The "thing" kind's cues are the words for things of red_flags.toml's [things] table besides its own."""
    fname = "meaning.toml"
    if not (root / fname).exists():
        return {}, ()
    data = _read_toml(root / fname, problems)
    if data is None:
        return {}, ()
    unwell = data.get("unwell", {})
    if not isinstance(unwell, dict):
        problems.add(f"{fname}: [unwell]", "must be a table with 'examples'")
        unwell = {}
    return _load_not_now(data, problems, thing_words), _examples(unwell, "examples", f"{fname}: [unwell]", problems)


def _load_not_now(data: Mapping[str, Any], problems: _Problems, thing_words: tuple[str, ...]) -> dict[str, NotNow]:
    fname = "meaning.toml"
    table = data.get("not_now", {})
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        problems.add(f"{fname}: [not_now]", "must hold [not_now.KIND] tables with 'examples'")
        return {}
    kinds = {}
    for kind, item in table.items():
        where = f"{fname}: [not_now.{kind}]"
        examples = _examples(item, "examples", where, problems)
        if not examples:
            problems.add(where, "needs 'examples'")
        cues = tuple(c.strip().lower() for c in _str_list(item, "cues", where, problems, required=False) if c.strip())
        objects = item.get("objects", True)
        if not isinstance(objects, bool):
            problems.add(where, "'objects' must be true or false")
            objects = True
        kinds[kind] = NotNow(examples, cues + (thing_words if kind == "thing" else ()), objects)
    return kinds


def _load_guidance(root: Path, problems: _Problems
                   ) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    fname = "guidance.toml"
    data = _read_toml(root / fname, problems)
    if data is None:
        return {}, (), (), (), ()
    guidance = {key: _text(data, key, fname, problems) for key in GUIDANCE_KEYS}
    scope = data.get("scope")
    terms: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    clue_causes: tuple[str, ...] = ()
    not_about: tuple[str, ...] = ()
    if not isinstance(scope, dict):
        problems.add(fname, "missing [scope] table with 'terms'")
    else:
        where = f"{fname}: [scope]"
        terms = tuple(normalize_clue(t) for t in _str_list(scope, "terms", where, problems))
        body = tuple(normalize_clue(t) for t in _str_list(scope, "body", where, problems, required=False))
        clue_causes = _str_list(scope, "strong_clues_from", where, problems, required=False)
        not_about = tuple(normalize_clue(t) for t in _str_list(scope, "not_about", where, problems, required=False))
    return guidance, terms, body, clue_causes, not_about


def _load_dialogue(root: Path, problems: _Problems) -> dict[str, str]:
    fname = "dialogue.toml"
    data = _read_toml(root / fname, problems)
    if data is None:
        return {}
    out = {}
    for key, required in DIALOGUE_KEYS.items():
        text = _text(data, key, f"{fname}: '{key}'", problems)
        if text:
            _check_template(text, required, required, f"{fname}: '{key}'", problems)
        out[key] = text
    for key in data.keys() - DIALOGUE_KEYS.keys():
        problems.add(f"{fname}: '{key}'", "unknown key (the dialogue never says it; check the spelling)")
    return out


def load_cases(path: Path, cause_ids: set[str] | None = None) -> tuple[Case, ...]:
    """Read regression cases from a cases.toml or a vignettes .json file (dev_vignettes format)."""
    problems = _Problems()
    fname = path.name
    if path.suffix == ".json":
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ContentError([f"{path}: cannot read cases ({err})"]) from None
        items = raw.get("cases", []) if isinstance(raw, dict) else raw
        data: dict[str, Any] | None = {"case": items}
    else:
        data = _read_toml(path, problems)
    cases = []
    for ident, item in _unique_ids(_entries(data, "case", fname, problems), fname, "case", problems):
        where = f"{fname}: case '{ident}'"
        causes = _str_list(item, "causes", where, problems, required=False)
        for cid in causes:
            if cause_ids is not None and cid not in cause_ids:
                problems.add(where, f"unknown cause id '{cid}'")
        emergency = item.get("emergency")
        if emergency is not None and not isinstance(emergency, bool):
            problems.add(where, "'emergency' must be true or false (or left out)")
        in_scope = item.get("in_scope", True)
        if in_scope is None:
            in_scope = True
        if not isinstance(in_scope, bool):
            problems.add(where, "'in_scope' must be true or false")
            in_scope = True
        if ident.startswith(("oos", "d-oos", "h-oos")):
            in_scope = False
        cases.append(Case(ident, _text(item, "text", where, problems), causes, emergency, in_scope))
    if problems.lines:
        raise ContentError(problems.lines)
    return tuple(cases)


def load_knowledge_base(root: Path | str, *, with_cases: bool = True, require_standard_causes: bool = True) -> KnowledgeBase:
    """Load and validate the knowledge base in folder ``root``.

    Raises :class:`ContentError` listing every problem found. ``require_standard_causes`` checks that
    the 13 fixed cause ids are all there (benchmarks turn it off for generated content).
    """
    root = Path(root)
    if not root.is_dir():
        raise ContentError([f"{root}: content folder not found (use --content PATH or the `content` setting)"])
    problems = _Problems()
    sources = _load_sources(root, problems)
    causes = _load_causes(root, sources, problems)
    flags, things = _load_red_flags(root, problems)
    guidance, scope, scope_body, scope_clue_causes, scope_not_about = _load_guidance(root, problems)
    dialogue = _load_dialogue(root, problems)
    not_now, unwell = _load_meaning(root, problems, things[0])
    if require_standard_causes and causes:
        have = {c.id for c in causes}
        for missing in (cid for cid in CAUSE_IDS if cid not in have):
            problems.add("causes.toml", f"cause '{missing}' is missing (all 13 standard causes are required)")
    cases: tuple[Case, ...] = ()
    if with_cases and (root / CASES_FILE).exists() and not problems.lines:
        try:
            cases = load_cases(root / CASES_FILE, {c.id for c in causes})
        except ContentError as err:
            problems.lines.extend(err.problems)
    if problems.lines:
        raise ContentError(problems.lines)
    if causes:
        for cid in scope_clue_causes:
            if cid not in {c.id for c in causes}:
                problems.add("guidance.toml: [scope]", f"'strong_clues_from' names unknown cause '{cid}'")
        if problems.lines:
            raise ContentError(problems.lines)
    return KnowledgeBase(causes, flags, guidance, scope, dialogue, sources, cases, root, scope_body, scope_clue_causes,
                         scope_not_about, things, not_now, unwell)


def normalize_clue(phrase: str) -> str:
    """A clue or phrase normalized exactly as what people say is (see :mod:`kiosk.text`)."""
    return normalize(phrase)
