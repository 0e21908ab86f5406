"""What the recognizer may have misheard: signs to ASK about, never to declare (the listen and voice edge).

Almost every emergency lost in noise is the sign word itself misheard ("my face went hum", "I feel busy",
"slurge"), so triage of the transcript finds nothing. Seven guarded rescues, each giving an :class:`Ask`:

* a red flag that triage finds only in another hypothesis of the same audio (``Transcript.alternatives``);
* a word that sounds like a sign word (metaphone, jellyfish) right after a "feel/went" verb;
* a sign word denied in a way no one says it ("my cheek won't numb": "went numb" misheard);
* a stretch of words with nearly the sounds of a red-flag phrase ("seeking to am everything" for "seeing two of
  everything": kiosk.faces.phonetic), when the sentence with the phrase in its place is a red flag to the triage;
* a word no one writes, one letter from a word of a sign phrase ("plurring words now"), on the same condition;
* a number after "call" or "ring" near an emergency number the content names ("call 959"), on the same condition;
* a word the recognizer was unsure of (word probability below :data:`LOW_WORD_P`) next to a body word.

An ask makes the kiosk put that sign's own yes/no question; on its own it never raises an emergency, so a
sound-alike cannot cause a false alarm. Pure functions: the public triage call in, asks out.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .phonetic import SignSounds, words_of

SIGN_WORDS: dict[str, str] = {
    "numb": "numbness", "numbness": "numbness",
    "weak": "one_sided_weakness", "weakness": "one_sided_weakness",
    "droop": "facial_droop", "drooping": "facial_droop", "droopy": "facial_droop", "drooped": "facial_droop",
    "dizzy": "dizziness", "dizziness": "dizziness", "spinning": "dizziness",
    "slurred": "speech_trouble", "slurring": "speech_trouble", "slur": "speech_trouble",
    "confused": "confusion",
    "fainted": "passing_out", "faint": "passing_out", "seizure": "passing_out",
    "sudden": "sudden_onset", "suddenly": "sudden_onset",
    "blind": "vision_loss", "blurry": "vision_loss",
}
"""Sign words, and the red flag whose question is asked when a word sounds like one."""

BODY_WORDS = frozenset(
    "face arm arms leg legs hand hands thumb foot mouth lip lips eye eyes eyelid cheek cheeks side body head "
    "speech words word talking vision smile tongue jaw fingers finger shoulder".split())
"""An unclear word counts only next to one of these."""

LINK_VERBS = frozenset("feel feels felt feeling went gone going got getting gets turned".split())
"""'I feel busy', 'it went hum': a misheard sign word follows one of these. 'is', 'was', 'looks' and 'seems' are
not among them: after them come everyday words ('the scan was clear'), and dropping them lost no emergency on the
tuning sets (benchmarks/noise.md section 6)."""
COPULAS = frozenset("is was looks look seems".split())
"""Never taken for a sound-alike themselves."""

NOT_SIGNS = frozenset(
    "some come came sun son none done dumbbell week weeks wake woke leak lake weekend weekly week's beak thumb fine "
    "the a an and of in on my i it is was them then when what this that from with have been did does".split())
"""Everyday words that sound like a sign word and are almost never one misheard (a 'last week' is common)."""

COMMON_ZIPF = 5.5
"""Words at least this frequent (wordfreq Zipf: 'them', 'some', 'when') are never taken for a misheard sign."""
WRITTEN_ZIPF = 1.0
"""A word at least this frequent in writing (wordfreq Zipf) is a word, even if the pronouncing dictionary lacks it
("shins", "fizzy", "mazed" in a farmer's dialect): never respelled as a sign word. A recognizer's spelling of sounds
it could not place ("plurring") is never written."""
CLOSE_SPELLING = 55.0
"""Spelling similarity (0-100) a one-sound-off word needs to count as a sound-alike."""
WINDOW = 4
"""Words either side of an unclear word in which a body word must be."""
LOW_WORD_P = 0.35
"""Whisper word probability under which a word next to a body word is 'unclear' (see benchmarks/noise.md)."""
UNCLEAR = "unclear_sign"
"""The red flag whose question covers 'something wrong with your face, arm or leg'."""



@dataclass(frozen=True)
class Ask:
    """A sign to ask about: ``flag`` (red flag id), ``why`` (what caused it) and ``heard`` (the words).
    ``told``: the words, so read, tell the sign (a sound-alike after "went"; a sentence put back or another
    hypothesis that the triage raises it in), not only mention it (put back into a question: "do you want to do
    this?" read as "do you want to die?"). An idle kiosk answers a soft line of the room only for a told sign."""

    flag: str
    why: str
    heard: str
    told: bool = True

    def to_json(self) -> dict:
        return {"id": self.flag, "why": self.why, "heard": self.heard}


def _around(words: Sequence[str], i: int) -> str:
    """The words around the ``i``-th, for an Ask's ``heard``: three before it, three after."""
    return " ".join(words[max(0, i - 3):i + 4])


def _zipf(word: str) -> float:
    """How often ``word`` is written (wordfreq's Zipf scale), or 0 without wordfreq."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return 0.0
    return zipf_frequency(word, "en")


def _very_common(word: str) -> bool:
    return _zipf(word) >= COMMON_ZIPF


def _code(word: str) -> str:
    import jellyfish
    return jellyfish.metaphone(word)


def sounds_like_sign(word: str) -> str | None:
    """The sign word ``word`` sounds like, or None: the same metaphone code ('busy' for 'dizzy'), or codes one
    edit apart when they rhyme (only the first sound differs: 'hum' for 'numb', 'busy' for 'dizzy') or the
    spellings are close (rapidfuzz ratio >= :data:`CLOSE_SPELLING`: 'slurge' for 'slurred'; not 'when' for
    'weak'). Very common words (:data:`COMMON_ZIPF`) never count."""
    import jellyfish
    from rapidfuzz import fuzz

    word = word.lower().strip("'")
    if (len(word) < 3 or word in SIGN_WORDS or word in NOT_SIGNS or word in BODY_WORDS or word in LINK_VERBS
            or word in COPULAS
            or _very_common(word)):
        return None
    code = _code(word)
    best, best_ratio = None, 0.0
    for sign in SIGN_WORDS:
        sc = _code(sign)
        if code == sc:
            return sign
        if min(len(code), len(sc)) >= 2 and jellyfish.levenshtein_distance(code, sc) == 1:
            rhyme = len(code) == len(sc) and code[1:] == sc[1:]  # only the first sound differs: busy, dizzy
            ratio = 100.0 if rhyme else fuzz.ratio(word, sign)
            if ratio >= CLOSE_SPELLING and ratio > best_ratio:
                best, best_ratio = sign, ratio
    return best


def _after_link(words: Sequence[str], i: int) -> bool:
    """The word right after a linking verb ('went hum', 'feel busy'). A body word nearby is not enough: on the
    tuning sets' typed everyday sentences that asked about 1 in 10 ('in a fight' for faint, 'last spring' for
    spinning, 'my neck surgery' for weak) and the real rescues all came after a linking verb."""
    return i > 0 and words[i - 1] in LINK_VERBS


def sound_alike_asks(text: str, found: Iterable[str] = ()) -> list[Ask]:
    """Asks for words of ``text`` that sound like a sign word right after a linking verb ('my face went hum');
    flags in ``found`` (already raised or asked) are skipped."""
    words = words_of(text)
    out: list[Ask] = []
    seen = set(found)
    for i, w in enumerate(words):
        sign = sounds_like_sign(w)
        if sign is None or not _after_link(words, i):
            continue
        flag = SIGN_WORDS[sign]
        if flag not in seen:
            seen.add(flag)
            out.append(Ask(flag, f"'{w}' sounds like '{sign}'", _around(words, i)))
    return out


BARE_VERB_DENIALS = frozenset(
    "won't wont don't dont didn't didnt doesn't doesnt can't cant couldn't couldnt wouldn't wouldnt".split())
"""Denials that take a verb after them, never an adjective: "won't numb" is not English, "went numb" is."""
SIGN_STATES = frozenset("numb weak dizzy droopy drooped slurred confused blind blurry".split())
"""Sign words that are adjectives (a state), so that one right after a :data:`BARE_VERB_DENIALS` word is no
denial a person says. Not "faint" ("I can't faint" is English) or "sudden"."""


def misheard_denial_asks(text: str, found: Iterable[str] = ()) -> list[Ask]:
    """Asks for a sign word right after a denial that cannot take it ("my cheek won't numb", "my arm don't weak"):
    the recognizer wrote "won't" for "went" (the vowel is all that differs), and the triage then reads a denial and
    clears the sign. A person who denies a sign says "isn't numb" or "don't feel numb", which ask nothing here.
    Flags in ``found`` are skipped. (Whisper base wrote "my cheek won't numb a few minutes ago" for "went numb" on
    clean speech: benchmarks/noise.md section 16; no typed sentence of the eval sets has the pattern.)"""
    words = words_of(text)
    out: list[Ask] = []
    seen = set(found)
    for i in range(1, len(words)):
        if words[i] in SIGN_STATES and words[i - 1] in BARE_VERB_DENIALS:
            flag = SIGN_WORDS[words[i]]
            if flag not in seen:
                seen.add(flag)
                out.append(Ask(flag, f"'{words[i - 1]} {words[i]}' is no way to deny it: 'went {words[i]}' misheard?",
                               _around(words, i)))
    return out


NEGATORS = frozenset("no not never without nor none neither".split())
"""Words that deny a sign ("no weakness in my arms"); a word ending in n't counts too."""
CLAUSE_TURNS = frozenset("but though although except however".split())
"""Words that start a new clause (a negation before them does not reach past them)."""


def _clauses(words: Sequence) -> list[int]:
    """A clause number for each word: a new clause after , . ; : ! ? or at 'but', 'though', ..."""
    out, n = [], 0
    for w in words:
        token = (words_of(w.text) or [""])[0]
        if token in CLAUSE_TURNS:
            n += 1
        out.append(n)
        if w.text.rstrip()[-1:] in ",.;:!?":
            n += 1
    return out


def unclear_word_asks(words: Sequence, found: Iterable[str] = (), negated: bool = False) -> list[Ask]:
    """An ask about the face, arm or leg when a word the recognizer was unsure of (``Word.confidence`` below
    :data:`LOW_WORD_P`) stands next to a body word; none when a red flag was already found or asked. With
    ``negated`` (the triage found a sign denied), an unclear word in a clause that holds a denial asks nothing:
    "no weakness in my arms or legs" with "arms" unsure is still a no."""
    if set(found):
        return []
    tokens = [(words_of(w.text) or [""])[0] for w in words]
    clause = _clauses(words)
    denied = {clause[i] for i, t in enumerate(tokens) if t in NEGATORS or t.endswith("n't")} if negated else set()
    for i, w in enumerate(words):
        t = tokens[i]
        if w.confidence < LOW_WORD_P and len(t) >= 3 and t not in BODY_WORDS and t not in NOT_SIGNS \
                and clause[i] not in denied \
                and any(x in BODY_WORDS for x in tokens[max(0, i - WINDOW):i + WINDOW + 1]):
            return [Ask(UNCLEAR, f"unclear word '{t}' ({w.confidence:.2f})", _around(tokens, i), told=False)]
    return []


def flags_in(answer: dict) -> list[str]:
    """Red flags of one triage JSON answer (``assess(...).to_json()``)."""
    return list(answer.get("red_flags") or [])


def told_in(answer: dict, flag: str) -> bool:
    """``flag`` raised in one triage JSON answer, not only asked about."""
    return flag in flags_in(answer) and flag not in (answer.get("ask") or ())


MAX_REWRITES = 8
"""Sound-alike stretches tried per hypothesis, closest first (an everyday sentence has at most 7 on the tuning
sets; each costs one triage)."""


def phonetic_asks(text: str, triage, sounds: SignSounds | None, found: Iterable[str] = ()) -> list[Ask]:
    """Asks for a stretch of ``text`` that sounds like a red-flag phrase (kiosk.faces.phonetic): the phrase is
    put in its place and the sentence triaged again (``triage``: text -> JSON answer), so a denial or a look-alike
    around it still counts; a red flag that triage then finds, raised or only asked about, is asked about (a sign
    put back into a question, "is it normal that I'm seeing two of everything right now", is only asked about, and
    is most often a real one). Flags in ``found`` are skipped; without ``sounds`` (no dictionary) there are none."""
    if sounds is None:
        return []
    words = words_of(text)
    alikes = [(a.start, a.end, a.phrase) for a in sounds.alikes(words)]
    return _asks_put_back(words, alikes, "has the sounds of", triage, found)


def spelling_asks(text: str, triage, sounds: SignSounds | None, found: Iterable[str] = ()) -> list[Ask]:
    """Asks for a heard non-word one letter from a sign word ("plurring words now" for "slurring"): the sign word
    is put in its place and the sentence triaged again, as :func:`phonetic_asks` does, and what triage then finds
    is asked about. Flags in ``found`` are skipped; without ``sounds`` there are none."""
    if sounds is None:
        return []
    words = words_of(text)
    respelled = [(i, i + 1, sign) for i, sign in sounds.respellings(words) if _zipf(words[i]) < WRITTEN_ZIPF]
    return _asks_put_back(words, respelled, "is spelled like", triage, found)


def _asks_put_back(words: Sequence[str], candidates: Sequence[tuple[int, int, str]], kind: str, triage,
                   found: Iterable[str]) -> list[Ask]:
    """For each candidate (start, end, words to put back), the first :data:`MAX_REWRITES`: ``words[start:end]``
    replaced and the sentence triaged again; a red flag it raises that is not in ``found`` nor asked already is
    asked about, "'heard' ``kind`` 'put back'"."""
    out: list[Ask] = []
    seen = set(found)
    for start, end, put in candidates[:MAX_REWRITES]:
        heard = " ".join(words[start:end])
        answer = triage(" ".join([*words[:start], put, *words[end:]]))
        for flag in flags_in(answer):
            if flag not in seen:
                seen.add(flag)
                out.append(Ask(flag, f"'{heard}' {kind} '{put}'", heard, told_in(answer, flag)))
    return out


CALL_VERBS = frozenset(
    "call calls calling called ring rings ringing rang dial dials dialing dialling dialed dialled phone phoning".split())
"""Verbs after which a number heard is a phone number."""
NINE_WORDS = frozenset("nine nein mine my".split())
"""Heard for "nine" before the rest of a number ("call mine 100-11" for "call nine one one")."""
NUMBER_FILLERS = frozenset("the a an emergency i'm".split())
"""One word the recognizer puts between the verb and the number ("call the 900 11")."""
MORE_DIGITS = 3
"""Digits a heard number may have beyond the emergency number it holds ("900-11", "90011" for 911)."""
_NUMBER_TOKENS = re.compile(r"\d[\d.,-]*|[a-z']+")


def _near_number(digits: str, number: str) -> bool:
    """Heard ``digits`` may be ``number`` misheard: one digit off ("959" for 999), or the number's digits in order
    with at most :data:`MORE_DIGITS` more, starting alike ("90011", "9.11" for 911; "10012" for 112)."""
    if len(digits) == len(number):
        return sum(a != b for a, b in zip(digits, number, strict=True)) <= 1
    if not digits or digits[0] != number[0] or len(digits) > len(number) + MORE_DIGITS:
        return False
    rest = iter(digits)
    return all(d in rest for d in number)


def _heard_numbers(tokens: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each number heard right after a call verb (one filler word may come between; a
    nine word just before the digits counts as a 9)."""
    out: list[tuple[int, int, str]] = []
    for i, t in enumerate(tokens):
        if t not in CALL_VERBS:
            continue
        start = end = i + 1
        if end < len(tokens) and tokens[end] in NUMBER_FILLERS | NINE_WORDS:
            end += 1
        digits = "9" if end > start and tokens[start] in NINE_WORDS else ""
        while end < len(tokens) and tokens[end][0].isdigit():
            digits += "".join(c for c in tokens[end] if c.isdigit())
            end += 1
        if end > start and tokens[end - 1][0].isdigit():
            out.append((start, end, digits))
    return out


def number_asks(text: str, triage, sounds: SignSounds | None, found: Iterable[str] = ()) -> list[Ask]:
    """Asks for a number after a call verb that may be an emergency number the content names, misheard ("call
    959", "call 900 11", "call mine 100-11"): the number is put in its place and the sentence triaged again, as
    :func:`phonetic_asks` does, so "should I call 959 about this" stays the question it was. What triage then finds
    is asked about, never declared. Flags in ``found`` are skipped; without ``sounds`` there are none."""
    if sounds is None or not sounds.numbers:
        return []
    tokens = _NUMBER_TOKENS.findall(text.lower().replace("’", "'"))
    candidates = [(start, end, number) for start, end, digits in _heard_numbers(tokens)
                  if " ".join(tokens[start:end]).rstrip(".,-") not in sounds.numbers
                  for number in sounds.numbers if _near_number(digits, number)]
    return _asks_put_back(tokens, candidates, "may be the number", triage, found)


def rescues(text: str, triage, sounds: SignSounds | None, found: Iterable[str] = ()) -> list[Ask]:
    """The asks that read one hypothesis for a misheard sign word: a sound-alike after a linking verb, a denial
    no one says, a stretch with a sign phrase's sounds, a non-word spelled like a sign word, a misheard emergency
    number. Flags in ``found`` are skipped."""
    seen = set(found)
    out = sound_alike_asks(text, seen)
    out += misheard_denial_asks(text, seen | {a.flag for a in out})
    out += phonetic_asks(text, triage, sounds, seen | {a.flag for a in out})
    out += spelling_asks(text, triage, sounds, seen | {a.flag for a in out})
    out += number_asks(text, triage, sounds, seen | {a.flag for a in out})
    return out


def hypothesis_flags(texts: Iterable[str], triage, found: Iterable[str] = ()) -> list[Ask]:
    """A red flag that triage finds only in another hypothesis of the same audio (flags in ``found`` skipped)."""
    seen = set(found)
    out: list[Ask] = []
    for alt in texts:
        answer = triage(alt) if alt.strip() else {}
        for flag in flags_in(answer):
            if flag not in seen:
                seen.add(flag)
                out.append(Ask(flag, "another hypothesis", alt, told_in(answer, flag)))
    return out


def _rescue_each(texts: Iterable[str], triage, sounds: SignSounds | None, found: set[str]) -> list[Ask]:
    out: list[Ask] = []
    for text in texts:
        new = rescues(text, triage, sounds, found)
        found.update(a.flag for a in new)
        out += new
    return out


def other_hypotheses_asks(texts: Sequence[str], triage, sounds: SignSounds | None,
                          found: Iterable[str] = ()) -> list[Ask]:
    """Asks from other hypotheses of the same audio (a second hearing): each one's own red flags first, then
    :func:`rescues` on each. Flags in ``found`` are skipped."""
    out = hypothesis_flags(texts, triage, found)
    return out + _rescue_each(texts, triage, sounds, set(found) | {a.flag for a in out})


def asks_for(transcript, primary: dict, triage, sounds: SignSounds | None = None) -> list[Ask]:
    """Every ask for one recognition: ``primary`` is the triage answer of ``transcript.text``; ``triage`` is
    the public triage call (text -> JSON answer) used on each other hypothesis and rewritten sentence;
    ``sounds``, the content's sign phrases as sounds (kiosk.faces.phonetic.sign_sounds), if at hand."""
    alternatives = tuple(getattr(transcript, "alternatives", ()) or ())
    out = hypothesis_flags(alternatives, triage, flags_in(primary))
    found = set(flags_in(primary)) | {a.flag for a in out}
    out += _rescue_each((transcript.text, *alternatives), triage, sounds, found)
    out += unclear_word_asks(getattr(transcript, "words", ()) or (), found,
                             negated=bool(primary.get("negated_red_flags")))
    return out


HEDGES: dict[str, str] = {
    "numbness": "my face is numb", "one_sided_weakness": "my arm is weak", "facial_droop": "my face is drooping",
    "dizziness": "I am dizzy", "speech_trouble": "my speech is slurred", "confusion": "I am confused",
    "passing_out": "I fainted", "sudden_onset": "it started suddenly", "vision_loss": "I can not see clearly",
    "worst_headache": "I have the worst headache of my life", "stroke_now": "I am having a stroke",
    "breathing_chest": "I can not breathe", "urgent_help": "I need an ambulance", "self_harm": "I want to kill myself",
    UNCLEAR: "my face feels",
}
"""A sign in words the triage reads, for :func:`with_ask`."""


def with_ask(text: str, ask: Ask) -> str:
    """``text`` with the asked sign added as a hedge ("... I am not sure if my face is numb"): the dialogue's
    public ``hear`` then asks that sign's own yes/no question (an unsure red flag is asked, never declared),
    which is how the voice kiosk puts an ask to the person without a change to the core."""
    return f"{text.rstrip(' .')}. I am not sure if {HEDGES.get(ask.flag, HEDGES[UNCLEAR])}"
