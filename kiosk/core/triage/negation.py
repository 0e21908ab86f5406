"""Does a negation ("no", "not", "never", "without"...) cover a matched phrase?

The rule, in the spirit of NegEx: a negation cue covers the words after it, up to ``SCOPE_WORDS`` words,
until a scope breaker ("but", "just", "now", "since"...) or the start of a new clause ("... and my arm is
weak", "no pain my face is numb"). Lists stay inside the scope ("no numbness, tingling or weakness").

Three answers, because a missed emergency is the worst bug: NEGATED only when the negation clearly
covers the phrase; UNCERTAIN when a hedge ("I'm not sure if", "I don't think") or a far-away cue might
cover it, so the dialogue asks instead of clearing it; AFFIRMED otherwise.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import Enum

NEGATION_CUES = frozenset({"no", "not", "never", "without", "none", "neither", "nor", "nothing", "zero", "hardly",
                           "nil", "negative", "nobody"})
HEDGE_AFTER_NOT = frozenset({"sure", "know", "certain", "think", "believe", "positive", "remember", "tell"})
"""After "not": "I'm not sure if my arm is weak" reports a doubt, not an absence."""
PSEUDO_AFTER = {"not": frozenset({"only", "just", "even", "stop", "stopping", "quit", "go", "gone", "going", "helping", "help", "getting", "sleep", "sleeping", "eat", "eaten", "eating"}),
                "no": frozenset({"doubt", "idea", "reason", "matter", "longer", "way", "more"}),
                "nothing": frozenset({"else", "helps", "works", "worked", "helped"})}
"""Cue + word pairs that do not negate what follows ("not only", "no doubt", "nothing helps")."""
BREAKERS = frozenset(
    "but however though although yet except just only still because since so then now when while after "
    "before until which who whereas instead also plus apart besides anyway actually today tonight yesterday "
    "lately recently suddenly".split()
)
"""Words that end a negation's scope."""
CLAUSE_STARTERS = frozenset("i my he she they we his her their our it its this someone everything everyone".split())
PREPOSITIONS = frozenset("in on of at to with from around near by under over for about into across like".split())
COORDINATORS = frozenset({"or", "nor", "and"})
LIST_ITEM_WORDS = 2
"""After a comma, a negation still covers a phrase that is one more item of a short list ("no numbness,
tingling or weakness"): at most this many words between the comma and the phrase, and an "or", "nor" or
"and" in the list. Without one ("no fever, face drooping") it cannot be told from a new clause: uncertain."""
SCOPE_WORDS = 8
"""A cue covers at most this many words after it; up to twice as far it makes the match UNCERTAIN."""


class Polarity(str, Enum):
    AFFIRMED = "affirmed"
    NEGATED = "negated"
    UNCERTAIN = "uncertain"
    PAST = "past"
    """Said to be years back ("I fainted once as a teenager"): asked about ("Is that happening now?"),
    never cleared silently, but not an emergency by itself."""


def _cue_kind(words: list[str], i: int) -> str | None:
    """'neg', 'hedge', or None for the word at ``i``."""
    word = words[i]
    if word not in NEGATION_CUES:
        return None
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if word == "negative" and nxt != "for":
        return None  # a clinician's "negative for slurred speech" denies; "negative thoughts" is no denial
    if word == "not" and nxt in HEDGE_AFTER_NOT:
        return "hedge"
    if word == "not" and words[i + 1:i + 3] == ["going", "to"] and words[i + 3:i + 4] != ["lie"]:
        return "neg"  # "I'm not going to hurt myself" denies; "not going away" does not, nor "not going to lie"
    if word == "not" and _less_than_a_time_ago(words, i + 1):
        return None  # "not twenty minutes ago" tells how recent, it denies nothing
    if word == "not" and nxt in GOING and _a_state_after(words, i + 2):
        return "neg"  # "my arm hasn't gone weak" denies the sign; "not gone away" keeps what has not gone
    if nxt in PSEUDO_AFTER.get(word, ()):
        return None
    if word == "no" and nxt in CLAUSE_STARTERS:  # "no, my face is numb": an interjection
        return None
    if word == "never" and _superlative(words, i):
        return None
    if word == "without" and _denied_before(words, i):
        return None  # "I can't stand without the room spinning": two denials, so the room spins
    if word == "not" and (_not_that_not(words, i) or _not_that_not(words, _not_that_before(words, i))):
        return "hedge"  # "it's not that I'm not seeing double" affirms, "not that I can't feel it" denies: asked
    return "neg"


GOING = frozenset({"go", "gone", "going"})
STATES = frozenset(
    "weak numb dead floppy limp heavy slack saggy droopy drooped droopey lopsided crooked wonky blurry blurred fuzzy "
    "misty dim dark black blank grey gray white blind double dizzy giddy woozy faint funny weird strange slurred "
    "tingly stiff cold wobbly blue purple pale".split())
"""What a body part may "go": after "not gone", one of these is the sign denied ("my face hasn't gone droopy"); any
other word ("away", "back", "down") or none is no denial ("the numbness has not gone", "not gone back to normal")."""
STATE_FILLERS = frozenset({"all", "any", "really", "too", "at", "that", "very", "a", "bit", "little", "proper"})


def _a_state_after(words: list[str], i: int) -> bool:
    """A state word at ``i``, maybe after a filler or two ("not gone all droopy", "not gone a bit numb")."""
    while i < len(words) and words[i] in STATE_FILLERS:
        i += 1
    return i < len(words) and words[i] in STATES


STAYING = frozenset("away back yet anywhere off down completely fully entirely totally altogether".split())
"""After "not gone": the sign stays ("not gone away") or is partly there ("not gone completely")."""


def _not_the_going(words: list[str], i: int, inside: set[int]) -> bool:
    """ "my vision has not gone": a "not" whose next word is the phrase's own sign word "gone" (or "going") denies
    it, unless the sign stays ("has not gone back to normal")."""
    return (words[i] == "not" and i + 1 in inside and words[i + 1] in GOING
            and (i + 2 >= len(words) or words[i + 2] not in STAYING))


AMOUNTS = frozenset("a an half one two three four five six seven eight nine ten fifteen twenty thirty forty fifty "
                    "sixty ninety".split())
TIME_UNITS = frozenset("second seconds minute minutes hour hours day days week weeks".split())
TIME_AGO = frozenset("ago since back before earlier later".split())


def _less_than_a_time_ago(words: list[str], i: int) -> bool:
    """ "not twenty minutes ago", "not an hour since", "not ten minutes later": "less than", a time (from ``i``)."""
    run = words[i:i + 4]
    if not run or not (run[0] in AMOUNTS or run[0].isdigit()):
        return False
    unit = next((k for k, w in enumerate(run) if w in TIME_UNITS), None)
    return unit is not None and i + unit + 1 < len(words) and words[i + unit + 1] in TIME_AGO


SUPERLATIVE_REACH = 5
"""How far after "never" a "this bad" or "like this" makes it a superlative."""
THIS_TIME = frozenset("time morning afternoon evening night week weekend month year summer winter spring autumn fall "
                      "visit trip".split())
"""After "this", a time, not a degree: "never felt dizzy this morning" denies."""


def _superlative(words: list[str], i: int) -> bool:
    """ "I have never had a headache this severe", "never felt anything like this": not a denial but the worst ever,
    which is how a sign is told. Ends at a breaker ("never, but this time..."; "so" is one, so "never been so dizzy"
    is not denied either)."""
    for j in range(i + 1, min(len(words) - 1, i + 1 + SUPERLATIVE_REACH)):
        w, nxt = words[j], words[j + 1]
        if w in BREAKERS:
            return False
        if (w == "this" and nxt not in THIS_TIME and nxt not in CLAUSE_STARTERS) or (w == "like" and nxt in {"this", "it"}):
            return True
    return False


OWN_DENIALS = frozenset({"not"})
"""A phrase with its own denied verb ("does not know where she is", "can not feel my arm") is a clause of its own: a
denial earlier in the sentence belongs to something else. Not "nothing" ("no arm felt nothing" is one denial) nor
"never", which in a sign is a superlative ("a headache like never before"), and can be denied."""
DOUBLE_DENIAL_REACH = 4
"""How far before "without" a denial makes it a double one ("can not get up without", "never goes a day without")."""


NOT_THAT = frozenset({"that", "like"})
SUBJECT_AUX = frozenset("i you he she we they it am is are was were can could do does did have has had will would".split())
"""The words that may stand between the two denials of "not that I can't ...": a subject and its verb."""


def _not_that_not(words: list[str], i: int) -> bool:
    """ "not that I can't", "not like he's not": a denial of a denial at ``i`` (-1: none). Which way it goes is for
    the person to say, and a recognizer may have lost either "not": both denials are read as hedges."""
    if i < 0 or words[i] != "not" or i + 1 >= len(words) or words[i + 1] not in NOT_THAT:
        return False
    k = i + 2
    while k < len(words) and words[k] in SUBJECT_AUX:
        k += 1
    return k > i + 2 and k < len(words) and words[k] in {"not", "never"}


def _not_that_before(words: list[str], i: int) -> int:
    """Where the "not that" of a "not that I'm not" stands before the second "not" at ``i``, or -1."""
    k = i - 1
    while k > 0 and words[k] in SUBJECT_AUX:
        k -= 1
    return k - 1 if k < i - 1 and k > 0 and words[k] in NOT_THAT and words[k - 1] == "not" else -1


def _denied_before(words: list[str], i: int) -> bool:
    return any(w in {"not", "never", "unable"} for w in words[max(0, i - DOUBLE_DENIAL_REACH):i])


def cue_just_before(words: list[str], start: int, reach: int) -> bool:
    """A negation cue (not a hedge such as "not sure") among the ``reach`` words just before ``start``."""
    return any(_cue_kind(words, j) == "neg" for j in range(max(0, start - reach), start))


INVERTING = frozenset({"once"})
"""After a cue, this puts the subject after the verb: "not once have I passed out", "never once did I"."""


def _breaks(words: list[str], cue: int, start: int, hedge: bool = False, end: int | None = None) -> bool:
    """True when something between the cue and the phrase (``words[start:end]``) ends the cue's scope.

    A hedge ("not sure if ...") covers the clause that follows it, so only breakers end its scope.
    """
    if cue + 1 < len(words) and words[cue + 1] in INVERTING:
        hedge = True  # the subject that follows belongs to the negated clause
    if _in_a_relative_clause(words, cue) and any(w in LINKING_VERBS or w in MODALS for w in words[cue + 2:start + 1]):
        return True  # "the side that is not twitching | has gone numb": the main clause's verb ends it
    for j in range(cue + 1, start):
        w = words[j]
        if w in BREAKERS or (w == "without" and _cue_kind(words, j) is None):
            return True  # a "without" itself denied is what the denial covers: "can not stand without | spinning"
        if hedge or j == cue + 1 or words[j - 1] in PREPOSITIONS or words[j - 1] in NEGATION_CUES:
            continue
        if j == cue + 2 and words[cue + 1] in NOT_THAT:
            continue  # "it's not that I'm confused": the subject after "not that" is the one denied, as after "like"
        if words[j - 1] in COORDINATORS and w in NOUN_OPENERS:
            if _verb_follows(words, j, max(start + 1, end or 0)):
                return True
        elif w in CLAUSE_STARTERS:
            return True
    return False


RELATIVES = frozenset({"that", "who", "which"})
AUXILIARIES = frozenset({"is", "are", "was", "were", "does", "do", "did", "has", "have", "had", "can", "will", "could",
                         "would"})
MODALS = frozenset({"can", "could", "will", "would", "should", "may", "might", "must"})


def _in_a_relative_clause(words: list[str], cue: int) -> bool:
    """ "the eye that does not twitch", "someone who never": a negation inside a relative clause, which ends at the
    main clause's own verb."""
    return cue >= 1 and (words[cue - 1] in RELATIVES or (
        cue >= 2 and words[cue - 1] in AUXILIARIES and words[cue - 2] in RELATIVES))


NOUN_OPENERS = frozenset({"my", "his", "her", "their", "our", "its", "the"})
"""After "and"/"or", these open a noun that may be the subject of a new clause or one more thing denied."""
LINKING_VERBS = frozenset({"is", "are", "was", "were", "feels", "feel", "went", "has", "have", "got", "gets", "seems",
                           "looks", "look", "turned", "turns", "goes", "gone", "keeps", "kept", "started", "starts"})


def _verb_follows(words: list[str], j: int, stop: int) -> bool:
    """ "no numbness and my arm is weak", "can not get up and his face sags": a noun after "and" starts a clause when
    a verb follows it, up to the phrase's end (the sign word is often the verb). Past and present forms are told by
    their ending, after the noun's first word ("and my lips numb" is one more thing denied)."""
    return any(w in LINKING_VERBS for w in words[j + 1:stop]) or any(
        len(w) > 3 and (w.endswith("ed") or (w.endswith("s") and not w.endswith(("ss", "us", "is"))))
        for w in words[j + 2:stop])


ORDERS = frozenset("call ring phone dial get send fetch help".split())
"""A phrase that opens with one of these just after a comma (a "please" may come between) is an order of its own,
not one more item denied: "nobody came, call an ambulance now"."""


def _across_punctuation(words: list[str], cue: int, start: int, end: int, breaks: Mapping[int, str]) -> Polarity | None:
    """How punctuation between a cue and a phrase changes the cue's reach; None when there is none.

    A sentence end always stops it. After a comma the phrase is NEGATED only as one more item of a short
    list, AFFIRMED when a new clause begins, and UNCERTAIN when it cannot be told.
    """
    marks = [(j, breaks[j]) for j in range(cue + 1, start + 1) if j in breaks]
    if not marks:
        return None
    if any(kind == "." for _, kind in marks):
        return Polarity.AFFIRMED
    last = max(j for j, _ in marks)
    between = words[last:start]
    if len(between) > LIST_ITEM_WORDS or any(w in CLAUSE_STARTERS or w in BREAKERS for w in between):
        return Polarity.AFFIRMED
    if words[start] in ORDERS and set(between) <= {"please"}:
        return Polarity.AFFIRMED
    after = words[end:end + 3]
    if any(w in COORDINATORS for w in words[cue + 1:start]) or any(w in {"or", "nor"} for w in after) or \
            (after[:1] == ["and"] and end in breaks):
        return Polarity.NEGATED
    return Polarity.UNCERTAIN


def polarity(words: list[str], start: int, positions: tuple[int, ...] = (),
             breaks: Mapping[int, str] | None = None, end: int | None = None) -> Polarity:
    """Whether the phrase that begins at word ``start`` is affirmed, negated, or uncertain.

    ``breaks`` marks punctuation between words (see :func:`kiosk.text.tokens_with_breaks`); ``end`` is the index
    after the phrase's last spoken word (a match's ``end``), which ``positions`` alone cannot tell when the last
    phrase word was said as two ("chest pain" for "chestpain")."""
    breaks = breaks or {}
    inside = set(positions)
    if end is None:
        end = max(positions, default=start) + 1
    # "my face is not numb" matches the phrase "my face is numb" around the negation: a cue in a gap counts
    for gap in range(start, end - 1):
        if gap not in inside:
            if any(breaks.get(j) == "." for j in range(gap + 1, end)):
                break
            kind = _cue_kind(words, gap)
            if kind is None and _not_the_going(words, gap, inside):
                kind = "neg"
            if kind == "neg":
                return Polarity.NEGATED
            if kind == "hedge":
                return Polarity.UNCERTAIN
    result = Polarity.AFFIRMED
    # a phrase that opens with a breaker ("then bang", "but suddenly") starts a new clause of its own, and so does a
    # plea ("... not moving please doctor come") unless denied right before it ("no please ambulance")
    opens_clause = len(positions) > 1 and words[start] in {"then", "but", "and", "so", "now"}
    plea = len(positions) > 1 and words[start] == "please"
    reach = start - 1 if opens_clause else max(-1, start - 2 if plea else start - 2 * SCOPE_WORDS - 1)
    for cue in range(start - 1, reach, -1):
        if cue in inside:
            continue
        kind = _cue_kind(words, cue)
        if kind is None:
            if words[cue] in BREAKERS:
                break
            continue
        if _breaks(words, cue, start, hedge=kind == "hedge", end=end):
            break
        if kind == "neg" and any(words[p] in OWN_DENIALS for p in inside):
            break  # the phrase holds its own denial ("who aren't there and doesn't know what year it is")
        across = _across_punctuation(words, cue, start, end, breaks)
        if across is Polarity.AFFIRMED:
            break
        if kind == "hedge":
            return Polarity.UNCERTAIN
        if across is Polarity.UNCERTAIN:
            return Polarity.UNCERTAIN
        if start - cue <= SCOPE_WORDS or _a_list_under(words, cue, start, end):
            return Polarity.NEGATED
        result = Polarity.UNCERTAIN
    if result is Polarity.AFFIRMED and _denied_after(words, end, breaks) and not any(
            words[p] in OWN_DENIALS for p in inside):
        # a phrase with its own "not" is followed by more of the same ("not open the eyes not speaking not moving"),
        # not by a bare no to it
        return Polarity.NEGATED
    if result is Polarity.AFFIRMED and (_answered_no(words, start, end, breaks) or _taken_back(words, end, breaks)):
        return Polarity.UNCERTAIN
    return result


TAKEN_BACK = tuple(tuple(m.split()) for m in (
    "no wait", "no sorry", "sorry no", "sorry wrong word", "wrong word", "scratch that", "no scratch that",
    "actually no", "no actually", "no no", "no i mean", "no hang on", "no hold on",
))
"""Words that take back what was just said ("I had a seizure, no sorry, wrong word, a sneezing fit")."""
WHERE_WORDS = frozenset("left right other one both side arm arms leg legs hand hands foot feet face eye eyes cheek lip "
                        "mouth".split())
"""A correction that names a side or a part corrects where, not whether ("my right arm is weak, no wait, the left")."""
CORRECTION_REACH = 4


def _taken_back(words: list[str], end: int, breaks: Mapping[int, str]) -> bool:
    """A sign taken back as soon as it is said: a correction ("no wait", "no sorry", "wrong word", or a bare "no"
    set off by a pause: "I lost my balance, no, I tripped"), just after it, that does not name a side or a part.
    Asked about, not cleared: the person may be correcting a word, not the sign."""
    if end >= len(words) or not breaks.get(end):
        return False
    runs = _runs_at(words, end, TAKEN_BACK)
    if runs:
        after = end + len(max(runs, key=len))
    elif words[end] == "no" and breaks.get(end + 1):
        after = end + 1
    else:
        return False
    return not WHERE_WORDS & set(words[after:after + CORRECTION_REACH])


def _a_list_under(words: list[str], cue: int, start: int, end: int) -> bool:
    """ "none of the warning signs like a droopy face, a weak arm or slurred speech": a list the cue
    governs, with an "or"/"nor" in it or just after the phrase, reaches up to twice SCOPE_WORDS."""
    span = words[cue + 1:min(len(words), end + 2)]
    return any(w in {"or", "nor"} for w in span)


DENIALS_AFTER = frozenset({"no", "not", "none", "never", "nope", "nah", "nil"})
DENIAL_TAILS = tuple(tuple(m.split()) for m in ("ever", "whatsoever", "thankfully", "today", "currently", "yet", "at all"))
"""Words that may close a bare no without changing it ("seizures: none ever", "chest pain, none at all")."""
FIELD_WORDS = 2
"""Words a sign read out as a form's field may carry before its answer ("self harm thoughts: none", "numbness left
side: no")."""
FIELD_NOT_BEFORE = frozenset("i he she we they you am".split())
"""Words that make what comes before a sign a sentence, not a form's field."""
QUESTION_WORDS = 3
"""Words a yes/no question (one of QUESTION_OPENERS, below) may hold before its sign ("do you have")."""


def _no_ends_clause(words: list[str], nxt: int, breaks: Mapping[int, str]) -> bool:
    """The clause ends before word ``nxt``, just after a bare no, or after a :data:`DENIAL_TAILS` run said there
    with no punctuation before it."""
    if _clause_ends(words, nxt, breaks):
        return True
    tail = next(iter(_runs_at(words, nxt, DENIAL_TAILS)), ())
    return bool(tail) and not breaks.get(nxt) and _clause_ends(words, nxt + len(tail), breaks)


def _denied_after(words: list[str], end: int, breaks: Mapping[int, str]) -> bool:
    """ "dizzy no, weak no, only the lip": a sign answered with a bare no right after it. The no must end
    the clause (the text, punctuation, a breaker such as "only", or the next sign with its own no)."""
    if end >= len(words) or words[end] not in DENIALS_AFTER or breaks.get(end) == ".":
        return False
    start = end - 1
    while start > 0 and words[start - 1] not in DENIALS_AFTER and not breaks.get(start) and end - start < 3:
        start -= 1
    if start > 0 and words[start - 1] not in DENIALS_AFTER and not breaks.get(start):
        return False  # not the start of a "x no, y no" list: "a crazy diet no potatoes no beans" lists what is not eaten
    nxt = end + 1
    if _no_ends_clause(words, nxt, breaks):
        return True
    # "dizzy no weak no": another short item follows, itself answered with a no
    return nxt + 1 < len(words) and words[nxt + 1] in DENIALS_AFTER or (nxt + 2 < len(words) and words[nxt + 2] in DENIALS_AFTER)


def _answered_no(words: list[str], start: int, end: int, breaks: Mapping[int, str]) -> bool:
    """ "chest pain? no, not now": a sign said as a sentence of its own (a question said back, or a list read
    out) and the next sentence opening with a bare no ("no", "not now", "none"). Asked about, not cleared: "chest
    pain? no, more of a pressure" is one too. A form's field may hold a word or two more, before or after the sign
    ("thoughts of self harm: no", "self harm thoughts: none", "any numbness? no"), and the no a word after it
    ("none ever"). A question asked of the sign may open with up to three words ("is your arm weak? no", "do you have
    chest pain? no"): a question a doctor asked, said back with its answer."""
    opens = next((j for j in range(start, max(-1, start - QUESTION_WORDS - 1), -1) if j == 0 or breaks.get(j)), None)
    if opens is None:
        return False
    asked = words[opens] in QUESTION_OPENERS and start > opens
    if opens > 0 and breaks[opens] != "." and not asked:  # "the doctor asked, is your face falling? no."
        return False
    if start - opens > FIELD_WORDS and not asked:
        return False
    field = next((j for j in range(end, min(len(words), end + FIELD_WORDS + 1)) if breaks.get(j)), None)
    before = [] if asked else words[opens:start]
    if field is None or breaks[field] != "." or any(w in LINKING_VERBS or w in DENIALS_AFTER
                                                    for w in before + words[end:field]):
        return False
    if FIELD_NOT_BEFORE & set(before):
        return False  # "i am dizzy. not metaphorically." is told, not a field answered
    if words[field] not in DENIALS_AFTER:
        return False
    nxt = field + 1
    if words[field] == "not" and nxt < len(words) and not breaks.get(nxt):
        nxt += 1  # "not now", "not really", "not today"
    return _no_ends_clause(words, nxt, breaks)


def _clause_ends(words: list[str], i: int, breaks: Mapping[int, str]) -> bool:
    """The clause ends before word ``i``: the text ends, punctuation, or a breaker such as "only"."""
    return i >= len(words) or bool(breaks.get(i)) or words[i] in BREAKERS


REPORTED = tuple(tuple(m.split()) for m in (
    "asked about", "asked me about", "asked if", "asked me if", "asked whether", "asked me whether",
    "checked for", "checked me for", "looked for", "tested for", "tested me for", "warning signs", "signs like",
    "signs such as", "symptoms like", "symptoms such as", "screened for", "ruled out",
))
"""Words that make a sign a mention, not a report: "the nurse asked about numbness"."""
REPORTED_REACH = 10
ANSWERED_NO = tuple(tuple(m.split()) for m in (
    "said no", "said neither", "said none", "said not", "i had not", "i have not", "i did not", "i do not",
    "i had none", "i have none", "neither", "none of them", "none of those", "ruled out", "all clear", "were fine",
    "it is not", "it was not", "they do not", "they are not", "they did not", "there is none", "there was none",
    "never have", "never had", "i never did", "not at all", "and no", "i said no",
))


ASKING = frozenset({"ask", "asked", "asking", "checked", "wanted", "wondered"})
"""A question word anywhere shortly before the sign, with "if"/"whether"/"about" between: "they asked me at
the front desk if my face was drooping"."""


def _asked_before(before: list[str]) -> bool:
    for i, word in enumerate(before):
        if word in ASKING and any(w in {"if", "whether", "about"} for w in before[i + 1:]):
            return True
    return False


HYPOTHETICAL = tuple(tuple(m.split()) for m in (
    "what if", "if", "in case", "should i worry", "should we worry", "what happens", "would it", "would that",
    "signs of", "sign of", "warning sign", "look out for", "watch out for", "watch for", "what are the signs",
    "how do i know", "how would i know", "is it normal", "supposed to", "ever", "what does", "what do you mean",
    "what is", "what are", "meaning of", "mean by", "what means", "what mean", "when should", "when to", "when do",
    "what symptoms", "which symptoms", "which signs", "what number", "which number", "the same as",
    "difference between",
))
"""Words just before a sign that make it a question or a what-if, not a report: "what if my face went numb",
"in case I start slurring", "should I worry if my arm goes weak", "when should you call an ambulance"."""
HYPOTHETICAL_REACH = 8
HYPOTHETICAL_AFTER = tuple(tuple(m.split()) for m in ("warning sign", "warning signs", "sign of a stroke",
                                                      "signs of a stroke", "a symptom of", "mean", "means",
                                                      "always serious", "always dangerous", "ever serious",
                                                      "something to worry about", "a bad sign"))
"""The same said after the sign: "is slurred speech a warning sign", "is numbness always serious"."""


LEADS_TO = tuple(tuple(m.split()) for m in ("turn into", "turns into", "lead to", "leads to", "develop into",
                                             "develops into", "progress to", "progresses to"))
"""What a sign may become, said just before it or inside a body-sign pair: "can a lip twitch turn into facial
drooping", "does stress lead to numbness". A question about the sign, not a report of it ("turned into" is a report,
and is not here)."""
LEADS_TO_REACH = 3
MAY = frozenset("can could does do did will would might may".split())
"""A "turn into" is a question or a worry only after one of these, at most MAY_REACH words before it: "can a
lip twitch turn into", "could this lead to"; "my twitch has started to turn into a droop" is a report."""
MAY_REACH = 5


def _may_lead_to(span: list[str], start: int) -> bool:
    """``span``: the sentence up to the end of a sign found at ``start`` in it. A LEADS_TO run just before the sign
    or inside it (a body-sign pair), with a MAY word in the few words before that run."""
    return any(i >= start - LEADS_TO_REACH and MAY & set(span[max(0, i - MAY_REACH):i])
               for i, _ in _runs_in(span, LEADS_TO))


STORY = tuple(tuple(m.split()) for m in (
    "in the film", "in a film", "in the movie", "in a movie", "in the book", "in a book", "in the audiobook",
    "in the audio book", "in the novel", "in a novel", "in the episode", "in the series", "in the documentary",
    "in the podcast", "in the story", "in the cartoon", "in the soap", "in my dream", "in a dream", "in the dream",
    "on the telly", "on tv", "on the tv", "on the radio",
    # the stroke adverts that show the signs ("you see it on those adverts, face falling, arm weak")
    "on the advert", "on the adverts", "on those adverts", "in the advert", "in the adverts", "in an advert",
    "in that advert", "in those adverts",
    "my character", "his character", "her character", "playing a character", "play a character", "my line is",
    "my lines are", "in the script", "in the scene", "in this scene", "in the play", "in a play"))
"""A story set before a sign: "in the audiobook the woman goes numb down one side", or a part an actor plays ("my
line is call an ambulance"). A game, a show or a video are left out: a player or a performer tells their own sign
that way ("in the game today I went dizzy"); "a character" alone too ("my dad, quite a character, just collapsed")."""
OWN_OR_NOW = frozenset("i i'm me my myself we our us now today".split())
"""Words that bring the speaker or the present in between a story and a sign: "in the film he fainted and now my
face is drooping" is a report."""


def _in_a_story(before: list[str]) -> bool:
    """A story run in ``before`` (the sentence up to the sign), with nothing of the speaker or of now after it."""
    return any(not OWN_OR_NOW & set(before[i + len(run):]) for i, run in _runs_in(before, STORY))


QUOTING = frozenset("said says asked asks asking goes went".split())
"""Words that open a question said back word for word: "my husband said is your face drooping"."""
QUESTION_OPENERS_QUOTED = tuple(tuple(m.split()) for m in (
    "are you", "is your", "is it", "do you", "does your", "have you", "has your", "can you", "did you", "am i",
    "is my", "are your", "were you", "was your"))
"""How a yes/no question put to the speaker opens, after QUOTING (and an optional "me")."""
QUOTED_REACH = 3
"""At most this many words between the question's opening and its sign: "said are you ok, and then my words came
out all wrong" reports the sign after the question."""


def _quoted_question(words: list[str], breaks: Mapping[int, str], lo: int, start: int) -> bool:
    """The sign at ``start`` is the subject of a yes/no question someone put to the speaker and the speaker says
    back ("my mum said are you slurring, I said no"), within the question's own words (no punctuation between):
    a mention, like "she asked if I was slurring", not a report."""
    for i in range(lo, start):
        if words[i] not in QUOTING:
            continue
        k = i + 1 + (i + 1 < start and words[i + 1] == "me")
        runs = _runs_at(words[:start], k, QUESTION_OPENERS_QUOTED)  # cut at the sign: the opening is before it
        if runs and start - (k + len(runs[0])) <= QUOTED_REACH and not any(j in breaks for j in range(k + 1, start + 1)):
            return True
    return False


SHOULD_I = tuple(tuple(m.split()) for m in (
    "should i", "should we", "shall i", "shall we", "do i", "do we"))
"""A question whether to act, just before a sign ("should I call an ambulance", "do I need an ambulance")..."""
SHOULD_I_REACH = 3
IF_AFTER = tuple(tuple(m.split()) for m in ("if", "in case", "whenever"))
"""... with a condition after it: "should I call an ambulance if it ever spreads?" asks what to do in a what-if.
Without the condition ("should I call an ambulance?") it stays a call for help."""


def _should_if(before: list[str], after: list[str], breaks: Mapping[int, str], lo: int) -> bool:
    """A SHOULD_I run ending at most SHOULD_I_REACH words before the sign, with no punctuation inside it ("yes I
    do, I feel dizzy if I stand" is no question), and an IF_AFTER run within HYPOTHETICAL_REACH words after the
    sign (the sentence's words ``before`` and ``after`` the sign; ``before`` starts at word ``lo``)."""
    return (any(i + len(run) >= len(before) - SHOULD_I_REACH
                and not any(lo + j in breaks for j in range(i + 1, i + len(run)))
                for i, run in _runs_in(before, SHOULD_I))
            and _has_run(after[:HYPOTHETICAL_REACH], IF_AFTER))


HEDGED_IF = frozenset({"sure", "know", "wonder", "wondering", "tell", "unsure", "certain", "see", "check", "whether"})
"""Words before "if" that make it a hedge about a sign, not a what-if: "not sure if my arm is weak"."""


ALARM_AFTER_WHAT = frozenset("happening going wrong this happened".split())
"""After "what is": a cry of alarm ("what is happening, my face is drooping"), not a question about the sign that
follows it in a clause of its own."""


def _what_if(near: list[str], breaks: Mapping[int, str], at: int) -> bool:
    """A HYPOTHETICAL run in ``near`` (the words just before a sign, from ``words[at]``)."""
    return any(not (run == ("if",) and i > 0 and near[i - 1] in HEDGED_IF) and not _a_cry(near, i, run, breaks, at)
               for i, run in _runs_in(near, HYPOTHETICAL))


def _a_cry(near: list[str], i: int, run: tuple[str, ...], breaks: Mapping[int, str], at: int) -> bool:
    """ "what is happening, ...": the run at ``near[i]`` is a cry of alarm, ended by punctuation before the sign."""
    return (run == ("what", "is") and near[i + 2:i + 3] != [] and near[i + 2] in ALARM_AFTER_WHAT
            and any(at + j in breaks for j in range(i + 3, len(near) + 1)))


WORTH_A_CALL = tuple(tuple(m.split()) for m in ("a reason to", "reason to", "something to", "worth", "grounds to",
                                                "enough to", "bad enough to", "serious enough to"))
"""Words that weigh a sign against a call for help: in a question that opens with one of QUESTION_OPENERS, the
sign just before them ("is a drooping face something to call 999 about?") and the call just after them ("is
slurring a reason to call 999?") are asked about, not reported."""
QUESTION_OPENERS = frozenset("is are would does do should".split())
WORTH_REACH = 2
"""At most this many words between a sign and the WORTH_A_CALL run after it ("is slurred speech really a reason"),
and between the question's opening and the sign it weighs by HOW_BAD."""
HOW_BAD = tuple(tuple(m.split()) for m in ("dangerous", "serious", "an emergency"))
"""Words that weigh how bad a sign is, in a question that opens on the sign ("is numbness in the face dangerous?",
"is slurred speech serious?"). Asked after a report ("i feel dizzy, is this dangerous?") the sign does not open the
question, and this rule leaves it a report."""


def _weighed_for_a_call(words: list[str], breaks: Mapping[int, str], start: int, end: int) -> bool:
    """True when the sign at ``words[start:end]`` is weighed in a yes/no question (WORTH_A_CALL, HOW_BAD)."""
    opener, hi = sentence_window(words, breaks, start, end, len(words), len(words))
    if words[opener] not in QUESTION_OPENERS:
        return False
    return (any(opener + i + len(run) == start for i, run in _runs_in(words[opener:start], WORTH_A_CALL))
            or any(i <= WORTH_REACH for i, _ in _runs_in(words[end:end + WORTH_REACH + 3], WORTH_A_CALL))
            or (start - opener <= WORTH_REACH + 1 and _has_run(words[end:hi], HOW_BAD)))


def mentioned(words: list[str], start: int, end: int, breaks: Mapping[int, str] | None = None) -> Polarity | None:
    """A sign inside a reported question, a list of warning signs, a what-if or a story: NEGATED when the answer that
    follows in the sentence is a no ("... and I said neither"), else UNCERTAIN (asked about); None when the
    sign is not a mention."""
    lo, hi = sentence_window(words, breaks or {}, start, end, REPORTED_REACH, len(words))
    before = words[lo:start]
    at = max(lo, start - HYPOTHETICAL_REACH)
    near = words[at:start]
    if not (_asked_before(before) or _has_run(before, REPORTED) or _what_if(near, breaks or {}, at) or _in_a_story(before)
            or _may_lead_to(words[lo:end], start - lo) or _should_if(before, words[end:hi], breaks or {}, lo)
            or _has_run(words[end:end + HYPOTHETICAL_REACH], HYPOTHETICAL_AFTER)
            or _quoted_question(words, breaks or {}, lo, start)
            or _weighed_for_a_call(words, breaks or {}, start, end)):
        return None
    return Polarity.NEGATED if _has_run(words[end:hi], ANSWERED_NO) else Polarity.UNCERTAIN


def _has_run(span: list[str], runs: tuple[tuple[str, ...], ...]) -> bool:
    """True when one of ``runs`` stands, word for word, in ``span``."""
    return next(_runs_in(span, runs), None) is not None


def _runs_in(span: list[str], runs: tuple[tuple[str, ...], ...]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(position, run) for each of ``runs`` that stands, word for word, in ``span``, first to last."""
    return ((i, m) for i in range(len(span)) for m in _runs_at(span, i, runs))


def _runs_at(span: list[str], i: int, runs: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    """The ``runs`` that stand, word for word, in ``span`` from position ``i`` (none past its end)."""
    if i >= len(span):
        return []
    return [m for m in _by_first(runs).get(span[i], ()) if tuple(span[i:i + len(m)]) == m]


_RUNS_BY_FIRST: dict[int, tuple[tuple[tuple[str, ...], ...], dict[str, list[tuple[str, ...]]]]] = {}


def _by_first(runs: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    """``runs`` (one of this module's constant lists) by first word, built once: triage looks a span up in them
    a few hundred times an utterance."""
    known = _RUNS_BY_FIRST.get(id(runs))
    if known is None or known[0] is not runs:
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for run in runs:
            by_first.setdefault(run[0], []).append(run)
        known = _RUNS_BY_FIRST[id(runs)] = (runs, by_first)
    return known[1]


def sentence_window(words: list[str], breaks: Mapping[int, str], start: int, end: int, before: int,
                    after: int) -> tuple[int, int]:
    """(lo, hi): at most ``before`` words before ``words[start:end]`` and ``after`` words after it, cut at
    the sentence ends on either side."""
    lo, hi = max(0, start - before), min(len(words), end + after)
    for j in range(start, lo, -1):
        if breaks.get(j) == ".":
            lo = j
            break
    for j in range(end, hi):
        if breaks.get(j) == ".":
            hi = j
            break
    return lo, hi


_AGES = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen twenty a kid a child a boy a girl a baby a toddler a teenager a teen "
         "a young little young younger small in school at school").split()
_ONE_TO_NINE = "one two three four five six seven eight nine".split()
_YEARS = tuple(f"in {year}" for year in range(1930, 2026)) + tuple(
    f"in twenty {n}" for n in "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
                              "twenty".split()) + tuple(
    # a year said short ("passed out at a wedding in ninety eight"); not "in twenty" or "in forty", which are minutes,
    # nor in digits ("in 90 seconds")
    f"in {tens} {unit}" for tens in "fifty sixty seventy eighty ninety".split() for unit in _ONE_TO_NINE)
"""A year named: "he blacked out at a wedding in 2015" (recognizers write years in digits). Up to last year; a year
not listed is read as now (raised), the safe side."""
_OVER_UNTIMED = ("it is gone now", "this is gone now", "that is gone now", "it is gone already", "this is gone already",
                 "gone already", "already gone", "it went away", "it has gone away", "it has passed",
                 "settled now", "has settled")
OVER_UNTIMED = tuple(tuple(m.split()) for m in _OVER_UNTIMED)
"""A sign told as over with no time ("my head was spinning on the plane, but it is gone now"): asked about, not
raised; and not weeks back, so never history on its own."""
PAST_MARKERS = tuple(tuple(m.split()) for m in (
    "last year", "years ago", "year ago", "a few years back", "as a kid", "as a child", "as a toddler",
    "as a baby", "as a teenager", "as a teen", "in the past", "used to", "long ago", "long time ago",
    "back in high school", "in college", "years back", "decades ago", "for decades", "in my teens",
    "in my twenties", "in my thirties", "in my forties", "in two thousand", "in nineteen", "when i was pregnant",
    "never again", "years now", "back in nineteen", "back in twenty", "back in two thousand", "last summer",
    "last winter", "last spring", "last autumn", "last fall", "in high school", "at high school", "decade ago",
    "that was it", "that is all gone", "all gone now",
    # an anaesthetic or a drug that wore off: the sign has passed (asked about, since a stroke's signs can pass too)
    "wore off", "worn off", "has worn off",
    # "went a bit dizzy yesterday but today it's just my lip": only something else is left now (asked about too)
    "today it is just", "today it is only",
) + _OVER_UNTIMED + _YEARS + tuple(f"when i was {age}" for age in _AGES) + tuple(f"when she was {age}" for age in _AGES)
  + tuple(f"when he was {age}" for age in _AGES)
  # the northern "I were" ("back when I were a lad")
  + tuple(f"when i were {age}" for age in _AGES) + tuple(f"when we were {age}" for age in _AGES))
"""Time words that put a sign years back: "I had a seizure as a kid" is history, not an emergency now,
but it is asked about ("Is that happening now?"), never cleared. Days or weeks ago still count as now;
"when I was driving" is not a marker, only an age or a stage of life after it is."""
PAST_REACH = 15
"""Words either side of a red-flag phrase searched for a past marker, within its sentence."""
PRESENT = frozenset("now today tonight currently again suddenly yesterday morning afternoon evening".split())
"""Words that bring the story back to the present: a past marker beyond one of them does not count
("I fainted as a kid and now my face is numb"). "now and then" does not count as present."""


YEARS_BACK = PAST_MARKERS + tuple(tuple(m.split()) for m in (
    "ages ago", "winters ago", "summers ago", "springs ago", "autumns ago", "the seventies", "the eighties",
    "the nineties", "the noughties",
))
_A_YEAR = re.compile(r"\b(?:(?:nineteen|twenty) (?:oh \w+|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                     r"seventeen|eighteen|nineteen|twenty(?: \w+)?|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                     r"|two thousand(?: and)? \w+|(?:19|20)\d\d)\b")
"""A year said ("twenty nineteen", "two thousand and twelve", "2015"); not "twenty five", which may be minutes."""


def years_back(sentence: list[str]) -> bool:
    """True when a sentence puts what it tells years back anywhere in it ("in twenty eighteen", "ages ago")."""
    return _has_run(sentence, YEARS_BACK) or _A_YEAR.search(" ".join(sentence)) is not None


def both_sides(span: list[str]) -> bool:
    """True when ``span`` puts a sign on both sides ("both my hands", "hands and feet")."""
    return _has_run(span, BOTH_SIDES)


def in_the_past(words: list[str], start: int, end: int, breaks: Mapping[int, str] | None = None,
                marker_list: tuple[tuple[str, ...], ...] = PAST_MARKERS, not_after: frozenset[str] = frozenset()
                ) -> bool:
    """True when a past marker (of ``marker_list``, not right after a word of ``not_after``) stands near the
    phrase at ``words[start:end]``, in the same sentence, with no word of the present between them."""
    lo, hi = sentence_window(words, breaks or {}, start, end, PAST_REACH, PAST_REACH)
    markers = _by_first(marker_list)
    for i in range(lo, hi):
        for m in markers.get(words[i], ()):
            n = len(m)
            if i + n > hi or tuple(words[i:i + n]) != m or (i and words[i - 1] in not_after):
                continue
            between = words[i + n:start] if i < start else words[end:i]
            if not any(w in PRESENT and not (w == "now" and words[k + 1:k + 3] == ["and", "then"])
                       for k, w in enumerate(between, start=(i + n if i < start else end))):
                return True
    return False


LONG_AGO = tuple(tuple(m.split()) for m in (
    "weeks ago", "week ago", "months ago", "month ago", "last month", "last week", "last weekend", "back in",
    "back then", "in the spring", "in the summer", "in the autumn", "in the fall", "in the winter", "over a year",
    "winters ago", "summers ago", "springs ago", "autumns ago", "ages ago",
    "for a few weeks", "for weeks", "for a month", "for about a month", "for months", "for a few months",
) + tuple(f"in {m}" for m in "january february march april may june july august september october november "
          "december".split())) + tuple(m for m in PAST_MARKERS if m not in {("wore", "off"), ("worn", "off"),
                                                                            ("has", "worn", "off")}
                                              and m not in OVER_UNTIMED)
"""Time words that put a sign at least a week back (an anaesthetic that "wore off" is today: not one)."""
WEEKS_BACK = tuple(tuple(m.split()) for m in (
    "weeks ago", "week ago", "last week", "last weekend", "a fortnight ago",
    "months ago", "month ago", "last month", "ages ago",
    # a sign left by a stroke had before ("he can't speak properly since his stroke"): there since, asked about
    "since my stroke", "since his stroke", "since her stroke", "since their stroke", "since the stroke",
    "after my stroke", "after his stroke", "after her stroke", "after their stroke",
))
"""Times weeks back said next to a sign ("my colleague collapsed at work last week"): not years back, so not history,
but not now either: asked about ("Is that happening now?"), never raised at once. Days back are now: a face gone
numb two days ago may be a stroke still going on."""


ONGOING = frozenset("since from".split())
"""Words before a time that make it when a sign began, not when it was ("chest pain since last week")."""
WORSENING = frozenset("worse worsening".split())


def weeks_back(words: list[str], start: int, end: int, breaks: Mapping[int, str] | None = None) -> bool:
    """True when a time weeks back (WEEKS_BACK) stands near the phrase at ``words[start:end]``, in its
    sentence, with no word of the present between them, and nothing in the sentence says it goes on ("since last
    week", "still", "getting worse", "today")."""
    lo, hi = sentence_window(words, breaks or {}, start, end, PAST_REACH, PAST_REACH)
    sentence = words[lo:hi]
    # anywhere in the sentence, not only near the sign: "my arm went weak last week and it's still weak"
    if _now_said(sentence) or (NOW_NEAR | WORSENING) & set(sentence):
        return False
    return in_the_past(words, start, end, breaks, WEEKS_BACK, ONGOING)


OVER = tuple(tuple(m.split()) for m in (
    "went back to normal", "back to normal now", "came back to normal", "is back to normal", "was back to normal",
    "recovered", "made a full recovery", "full recovery", "all better now", "it is fine now",
    "that is fine now", "fine since", "better now", "mostly come back", "has come back", "came back fine",
    "came back", "cleared up", "went away", "gone away", "long gone", "all gone", "gone now",
    "that is gone", "it is gone", "that passed", "it passed", "passed after", "got better",
    "never came back", "healed", "settled", "wore off",
    "now is normal", "now it is normal", "is normal now", "normal again", "fine again", "came mostly back",
    "has cleared", "cleared since", "all cleared", "everything is okay", "everything is fine", "is okay now",
    "that is passed", "that has passed", "has passed", "healed up", "passed already", "already passed",
    "all fine now", "never since", "never again since", "not since then", "never had one since", "never happened again",
)) + OVER_UNTIMED
"""Words that say a sign is over ("it went back to normal", "that passed")."""
LASTED = re.compile(r"\bfor (?:(?:some|a few|a couple of|about|nearly|almost|around|one|two|three|four|five|six) )?"
                    r"(?:days|weeks|a week|a month|months|a while)\b")
"""A sign said to have lasted a while ("for some weeks"): beside a time years or seasons back ("last winter"),
it is over ("last winter my face fell on one side for some weeks")."""
PRESENT_TENSE = frozenset("is am are keeps keep feels feel looks look seems seem".split())
"""A sign told in the present ("my face is drooping") is not made history by an old story beside it ("three
years ago I was dizzy but it went back to normal")."""
LONG_STANDING = tuple(tuple(m.split()) for m in (
    "for years", "for ages", "for months", "for many months", "for a long time", "for decades", "each year",
    "every year", "over the years", "over the last year", "over the past year", "over two years", "over a year",
    "slowly over", "gradually", "bit by bit", "little by little", "since birth", "all my life", "all his life",
    "all her life", "has done forever", "forever", "since childhood", "since primary school", "since grade school",
    "since elementary school",
))
"""Words that put a sign as months or years long, coming slowly: not a sudden sign (the screening question
still asks about a sudden one)."""
_COUNT = (r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|thirty|"
          r"a few|a couple of|a couple|several|many|\d+)")
_QUALIFIER = r"(?:(?:about|around|like|nearly|almost|over|more than|at least|the past|the last|the best part of|a good)\s+)*"
LONG_SPAN = re.compile(
    rf"\b(?:for|since|going on|been going on)\s+{_QUALIFIER}{_COUNT}\s+(?:months?|years?)\b"
    rf"|\bsince last (?:year|spring|summer|autumn|fall|winter)\b|\b{_COUNT}\s+(?:months?|years?)\s+now\b"
    rf"|\bsince (?:i|he|she|they) (?:was|were) {_QUALIFIER}(?:{_COUNT}|little|small|young|a (?:kid|child|boy|girl|baby|"
    rf"toddler|teen|teenager)|in (?:primary |grade |elementary )?school)\b")
"""A span of months or years said as a length ("for like eight months", "since one year", "been going on about
two years", "since last year"), or from childhood ("since she was about seven"): as LONG_STANDING, with any number
in it."""
BOTH_SIDES = tuple(tuple(m.split()) for m in (
    "both sides", "both hands", "both feet", "both arms", "both legs", "both lips", "both my hands",
    "both my feet", "both his feet", "both her feet", "both my arms", "both my legs", "fingers and toes",
    "fingertips and toes", "hands and feet", "feet and hands",
))
"""Words that put a sign on both sides: the warning signs of a stroke are one-sided ("numbness on one side of
the body"); tingling in both hands and feet is a clue to a cause, not a sign now (unless said to be sudden)."""
BOTH_REACH = 6
ONE_SIDE = frozenset("left right".split())
"""A side named with the sign itself ("the left one keeps drifting down")."""
NOW_IN_SENTENCE = tuple(tuple(m.split()) for m in (
    "today", "tonight", "this morning", "this afternoon", "this evening", "last night", "yesterday", "suddenly",
    "sudden", "out of nowhere", "just now", "right now", "is new", "this is new", "that is new",
    "something new", "an hour", "hours ago", "minutes ago", "since lunch", "since breakfast", "all of a sudden",
))
"""Words anywhere in the sentence that put something in it now ("she's had Parkinson's for years but this is
new today"): a sign there is not taken as history."""
NOW_NEAR = frozenset("again still".split())
"""Words that bring a sign back to now when they stand near it ("it's numb again")."""
NEAR_REACH = 8
"""Words either side of a sign searched for NOW_NEAR, and for the words that make it long-standing."""
SETTLED_REACH = 25
"""Words either side of a sign searched for its time and its end, within its sentence (a story of how it went
can be long: "three years ago, the doctors said Bell's palsy, it went back to normal")."""


_DENIERS = frozenset("no not nothing never didn't wasn't isn't don't doesn't none".split())


_HOW_OFTEN = frozenset("times time once twice".split())
"""Before "an hour", a word that makes it how often, not when ("a few times an hour")."""


DAYS_BACK = tuple(tuple(m.split()) for m in (
    "yesterday", "last night", "the other day", "days ago", "day ago", "the day before", "at the weekend",
    "over the weekend", "on the weekend", "on monday", "on tuesday", "on wednesday", "on thursday", "on friday",
    "on saturday", "on sunday", "last monday", "last tuesday", "last wednesday", "last thursday", "last friday",
    "last saturday", "last sunday",
))


def came_and_went(sentence: list[str]) -> bool:
    """True when a sentence tells of something days, weeks or months back, or as over ("it passed", "fine now")."""
    return _has_run(sentence, DAYS_BACK) or _has_run(sentence, LONG_AGO) or _has_run(sentence, OVER)


def said_today(sentence: list[str]) -> bool:
    """True when a sentence puts what it tells today ("this morning", "an hour ago", "suddenly") and says no time a
    week or more back: a sign in it that has passed came and went today, a stroke's warning, not history."""
    return _now_said(sentence) and not _has_run(sentence, LONG_AGO)


UNDER_WAY = tuple(tuple(m.split()) for m in (
    "on their way", "on the way", "on its way", "is coming", "are coming", "waiting for", "just", "am calling",
    "is calling", "are calling", "have called", "has called",
))
"""Words that tell a call for help as made now: help is under way ("I've called 999, they're on their way")."""


def told_as_now(words: list[str], start: int, end: int, breaks: Mapping[int, str] | None = None) -> bool:
    """True when the sentence of ``words[start:end]`` (an act told as done, such as a call made) puts it now: a word
    of now (NOW_IN_SENTENCE) or of help under way (UNDER_WAY). Without one it is a story ("my neighbour called an
    ambulance for her husband, he's fine now")."""
    lo, hi = sentence_window(words, breaks or {}, start, end, SETTLED_REACH, SETTLED_REACH)
    return _now_said(words[lo:hi]) or _has_run(words[lo:hi], UNDER_WAY)


def _now_said(span: list[str]) -> bool:
    """A word of now in ``span`` that is not denied ("nothing came on suddenly" says it was not sudden)."""
    return any(not _DENIERS & set(span[max(0, i - 3):i]) and not (m == ("an", "hour") and i and span[i - 1] in _HOW_OFTEN)
               for i, m in _runs_in(span, NOW_IN_SENTENCE))


SUPERLATIVE_OF = frozenset({"of", "in"})
"""Before "all my life", these make it a superlative, not a span: "the worst pain of all his life"."""


def _long_standing(span: list[str]) -> bool:
    return any(not (run[0] == "all" and i and span[i - 1] in SUPERLATIVE_OF) for i, run in _runs_in(
        span, LONG_STANDING)) or LONG_SPAN.search(" ".join(span)) is not None


def long_standing_in(clause: list[str], sentence: list[str]) -> bool:
    """True when ``clause`` itself says that what it tells has gone on for months or years ("for about a year
    my right eye keeps squeezing shut") and nothing in its ``sentence`` is said to be now."""
    return _long_standing(clause) and not _now_said(sentence) and not NOW_NEAR & set(clause)


def long_ago_in(clause: list[str], sentence: list[str]) -> bool:
    """True when ``clause`` itself puts what it tells at least a week back ("cracked my head badly last year")
    and nothing in its ``sentence`` is said to be now."""
    return _has_run(clause, LONG_AGO) and not _now_said(sentence) and not NOW_NEAR & set(clause)


def settled(words: list[str], start: int, end: int, breaks: Mapping[int, str] | None = None) -> bool:
    """True when the sentence of the sign at ``words[start:end]`` makes it history:
    - at least a week back AND over ("my face drooped three years ago and went back to normal"), or lasted a
      while seasons or years back ("last winter my face fell for some weeks"), unless the sign itself is told in
      the present ("... and my face is drooping");
    - months or years long and slow ("his feet have felt numb for ages", "for like eight months");
    - or on both sides ("tingly on both sides").
    A sign that came and went today ("my arm went weak this morning, it's fine now") can be a stroke warning, and
    one years back with nothing said about now is asked about; a word of now near the sign ("again", "this
    morning") keeps it a sign."""
    lo, hi = sentence_window(words, breaks or {}, start, end, SETTLED_REACH, SETTLED_REACH)
    near_lo, near_hi = max(lo, start - NEAR_REACH), min(hi, end + NEAR_REACH)
    span, near = words[lo:hi], words[near_lo:near_hi]
    if _now_said(span) or any(w in NOW_NEAR for w in near):
        return False
    both = words[max(lo, start - BOTH_REACH):min(hi, end + BOTH_REACH)]
    own = set(words[max(lo, start - 2):end])  # the sign's own words and the two before them
    over = _has_run(span, LONG_AGO) and (_has_run(span, OVER) or (_has_run(span, PAST_MARKERS)
                                                                  and LASTED.search(" ".join(span)) is not None))
    # "both arms out, the left one drifts down": a sign said of one side is not made both-sided by the words beside it
    return ((over and not PRESENT_TENSE & own) or _long_standing(_own_clause(words, start, end, near_lo, near_hi))
            or (both_sides(both) and not ONE_SIDE & own))


_JOINS = frozenset("and but".split())


def _own_clause(words: list[str], start: int, end: int, lo: int, hi: int) -> list[str]:
    """``words[lo:hi]`` cut to the clause of the sign at ``words[start:end]``: a long span told of something else
    ("he's twitched since he was little and his face droops") does not make the sign long-standing."""
    for j in range(start - 1, lo - 1, -1):
        if words[j] in _JOINS:
            lo = j + 1
            break
    for j in range(end, hi):
        if words[j] in _JOINS:
            hi = j
            break
    return words[lo:hi]
