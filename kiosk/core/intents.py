"""Short answers and commands: yes/no in its many forms, repeat, start over, help, stop, staff.

Commands are only taken from short utterances, so "my lip won't stop twitching" is a description,
not "stop". Asking for a person is honoured anywhere in what was said.

A yes/no answer is read from all of its cue words, not the first one: a negation after a yes-word flips
it ("absolutely not", "yeah no", "yes I do not" are NO), mixed or hedged signals are UNSURE ("yes and no",
"kind of not", "probably not"), and NO is only given when every word belongs to the "no" (fillers and words
that echo the question, as in "no I do not have any of those", are allowed). A red-flag
question treats anything but NO as yes, so when in doubt the reading leans to UNSURE or UNKNOWN: "no my
face is numb" is UNKNOWN, and the caller triages what was said.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .text import tokens


class Answer(str, Enum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    UNKNOWN = "unknown"
    """Not a yes/no answer at all (perhaps a new description)."""
    CLARIFY = "clarify"
    """A request to explain or repeat the question ("huh?", "what does numb mean?", "one at a time please")."""


class Command(str, Enum):
    REPEAT = "repeat"
    START_OVER = "start_over"
    HELP = "help"
    STOP = "stop"
    STAFF = "staff"
    LOUDER = "louder"
    SOFTER = "softer"
    SLOWER = "slower"
    FASTER = "faster"


# Answer phrases, written as text.tokens() gives them ("nope"/"nah" arrive as "no", "dunno" as "do not know").
# A "lead" phrase can open a description and still be the answer ("yes, about five cups a day"); a plain
# phrase answers only when nothing else but answer words was said ("a little" yes, "a little numb" unknown).
_YES_LEAD = ["yes", "yeah", "yea", "yep", "yup", "ya", "yah", "yeh", "aye", "yes please", "yes sir", "sure",
             "sure thing", "for sure", "correct", "that is correct", "that is right", "absolutely", "definitely",
             "certainly", "of course", "indeed", "totally", "you bet", "uh huh", "mhm", "mm hmm", "mmm hmm",
             "mm hm", "no doubt", "without a doubt"]
_YES = ["right", "true", "that is true", "affirmative", "exactly", "very much", "very much so", "a little",
        "a little bit", "a bit", "a tiny bit", "just a little", "just a bit", "quite a bit", "a lot", "sometimes",
        "often", "always", "usually", "mostly", "every day", "most days", "all the time", "constantly",
        "occasionally", "now and then", "every now and then", "once", "only once", "once or twice",
        # Clauses that echo the question ("do you ...?" "I do"); before a description they are its verb.
        "i do", "i did", "i have", "i had", "i have had", "i am", "it is", "it does", "it did", "it has",
        "they do", "they are", "there is"]
# Hedged yeses: still YES alone (yes is the cautious side), but a negation after them is UNSURE, not NO.
_YES_SOFT = ["i think so", "i guess so", "i believe so", "i would say so", "i suppose so", "i reckon so",
             "i would think so", "probably", "pretty much"]
_NO = ["no", "never", "none", "nothing", "negative", "nay", "not", "no way", "no thanks", "no thank you",
       "not really", "not at all", "not in the slightest", "not one bit", "not even a little", "not even a bit",
       "not ever", "never ever", "nothing like that", "nothing else", "not that i know of", "not that i remember",
       "not that i noticed", "not as far as i know", "none of those", "none of them", "none of the above",
       "neither", "not me", "i do not think so", "i do not believe so", "i would not say so", "i think not",
       "i do not", "i did not", "i have not", "i had not", "i have never", "i am not", "it is not", "it does not",
       "it did not", "it has not", "they do not", "they are not", "there is not",
       "of course not", "certainly not", "definitely not", "absolutely not", "not true", "that is not true",
       "that is not right", "that is wrong", "incorrect", "not correct"]
_UNSURE_LEAD = ["maybe", "perhaps", "possibly", "not sure", "i am not sure", "not really sure",
                "i am not really sure", "i do not know", "do not know", "i do not really know", "not certain",
                "i am not certain", "unsure", "uncertain", "i guess", "i suppose", "hard to say", "hard to tell",
                "i can not say", "i can not tell", "it depends", "no idea", "i have no idea", "no clue",
                "i have no clue", "i can not remember", "i do not remember", "i do not recall", "i forget",
                "i forgot", "who knows", "yes and no"]
_UNSURE = ["maybe not", "perhaps not", "possibly not", "probably not", "i guess not", "i suppose not",
           "kind of", "sort of", "somewhat", "more or less", "in a way", "not exactly", "not quite", "depends",
           "could be", "might be",
           # Over now, or rare: it did happen, so not a clean "no" to a symptom question.
           "not anymore", "not any more", "no longer", "not now", "not right now", "not at the moment",
           "not today", "it went away", "it stopped", "it used to", "used to", "not much", "not very much",
           "not that much", "not so much", "not often", "not usually", "not a lot", "hardly", "hardly ever",
           "barely", "rarely", "seldom", "almost never",
           # "uh-uh" (no) and "uh-huh" (yes) differ by one breath; recognizers confuse them.
           "uh uh", "mm mm", "mmm mmm", "nuh uh"]
# Misrecognitions read as the phrase they stand for, kept out of the recognizer grammar.
_UNSURE_ALIASES = ["i do not no", "do not no"]  # "know" heard as "no"
# Only for the recognizer grammar: forms text.tokens() rewrites ("nope" -> "no"), and answers that read the same
# word by word ("hell" is a filler, "yeah no" a yes taken back), so the lexicon holds each meaning once.
_GRAMMAR_ONLY = ["nope", "nah", "yeah nah", "dunno", "kinda", "sorta", "yeah no", "hell no", "hell yes",
                 "yes it is", "yes i do", "yes i have", "no it did not", "no i do not"]

_COMMANDS: dict[Command, list[str]] = {
    Command.REPEAT: ["repeat", "repeat that", "say that again", "say it again", "again", "what did you say", "pardon",
                     "come again", "once more", "i did not hear", "i did not hear you", "what", "sorry what",
                     "can you repeat that", "please repeat", "one more time"],
    Command.START_OVER: ["start over", "start again", "restart", "begin again", "reset", "from the beginning",
                         "let us start over", "start from the beginning", "new session"],
    Command.HELP: ["help", "help me", "what can i say", "what can you do", "how does this work", "what do i do",
                   "i need help", "instructions"],
    Command.STOP: ["stop", "quit", "exit", "goodbye", "good bye", "bye", "bye bye", "cancel", "i am done",
                   "that is all", "never mind", "end", "finish", "we are done", "stop please", "please stop"],
    Command.LOUDER: ["louder", "speak up", "speak louder", "talk louder", "turn it up", "volume up", "i can not hear you"],
    Command.SOFTER: ["softer", "quieter", "speak softer", "talk quieter", "too loud", "turn it down", "volume down"],
    Command.SLOWER: ["slower", "slow down", "speak slower", "talk slower", "too fast", "more slowly"],
    Command.FASTER: ["faster", "speed up", "speak faster", "talk faster", "too slow"],
}
_STAFF_VERBS = {"talk", "speak", "see", "get", "call", "want", "need"}
_STAFF_NOUNS = {"person", "human", "someone", "somebody", "staff", "nurse", "receptionist", "attendant", "desk",
                "employee"}
_SHORT = 6
"""Longest utterance (words) that can be a command or a bare yes/no."""

# Words that carry no answer of their own: fillers and politeness anywhere, and the words that echo the
# question inside a "no" ("no I do not have any of those", "never had it before").
_FILLERS = ["um", "umm", "uh", "uhh", "er", "erm", "ah", "ahh", "hmm", "hm", "mm", "mmm", "oh", "please", "thanks",
            "thank you", "sir", "maam", "madam", "sorry", "hell", "heck", "god", "oh god", "gosh", "really",
            "honestly", "actually", "very", "at all", "i think", "i believe", "i would say",
            "have", "had", "has", "get", "got", "gotten", "feel", "felt", "been", "do", "did", "does", "it", "that",
            "this", "those", "these", "them", "any", "anything", "of", "all", "to", "either", "both", "ever",
            "before", "one"]
# Fillers only before anything else was said: "well, no" is a no, "I do not feel well" is not.
_OPENERS = ["well", "so", "okay", "ok", "alright", "all right", "like", "you know"]
# Words that join or correct: "yes and no", "no wait yes" are mixed; "yes but" left hanging is a reservation.
_JOINS = ["and", "but", "or", "though", "although", "yet", "except", "however", "wait", "i mean", "then again"]
_JOINS_THAT_MAY_TRAIL = frozenset({"and"})


class _Role(Enum):
    """What a phrase does in an answer."""

    LEAD = "lead"
    PLAIN = "plain"
    SOFT = "soft"
    FILLER = "filler"
    OPENER = "opener"
    JOIN = "join"
    CONTENT = "content"


class _Cue(NamedTuple):
    """One phrase of an utterance and what it says."""

    phrase: str
    answer: Answer | None
    role: _Role


def _build_lexicon() -> dict[str, _Cue]:
    """Every phrase the answer reader knows, each once."""
    lexicon: dict[str, _Cue] = {}
    groups = ((_YES_LEAD, Answer.YES, _Role.LEAD), (_YES, Answer.YES, _Role.PLAIN), (_YES_SOFT, Answer.YES, _Role.SOFT),
              (_NO, Answer.NO, _Role.PLAIN), (_UNSURE_LEAD, Answer.UNSURE, _Role.LEAD),
              (_UNSURE, Answer.UNSURE, _Role.PLAIN), (_UNSURE_ALIASES, Answer.UNSURE, _Role.LEAD),
              (_FILLERS, None, _Role.FILLER), (_OPENERS, None, _Role.OPENER), (_JOINS, None, _Role.JOIN))
    for phrases, answer, role in groups:
        for phrase in phrases:
            if phrase in lexicon:  # one phrase, one meaning: a duplicate would silently depend on list order
                raise ValueError(f"answer phrase {phrase!r} listed twice")
            lexicon[phrase] = _Cue(phrase, answer, role)
    return lexicon


_LEXICON = _build_lexicon()
_LONGEST = max(len(p.split()) for p in _LEXICON)
_VOCABULARY = {w for p in _LEXICON for w in p.split()}
_ANSWER_PHRASES = [p for p, cue in _LEXICON.items() if cue.answer is not None and p not in _UNSURE_ALIASES]
_ANSWER_WORDS = [p for p in _ANSWER_PHRASES if " " not in p]
_FUZZY_WORDS = 3
"""Longest utterance (words) whose words may be corrected ("yess", "definately not", "no pe")."""


def _collapse(word: str) -> str:
    """Letters said long collapsed to one: "yesss" -> "yes", "noo" -> "no"."""
    return re.sub(r"(.)\1+", r"\1", word)


_COLLAPSED_WORDS = {_collapse(w): w for w in _ANSWER_WORDS}
_LONG_WORDS = [w for w in _ANSWER_WORDS if len(w) >= 5]  # shorter words are too close to others to guess at
_LONG_PHRASES = [p for p in _ANSWER_PHRASES if len(p) >= 5]
_COMPACT = {p.replace(" ", ""): p for p in _ANSWER_PHRASES if " " in p}


_CLARIFY_ALONE = frozenset({"huh", "eh", "what", "sorry", "pardon", "come again", "which one", "which ones",
                            "what was that", "sorry what", "huh what", "what now", "say what", "meaning", "explain",
                            "what do you mean", "i do not understand", "i do not get it", "i am confused",
                            "too many questions", "too much", "one at a time"})
_CLARIFY_RUNS = tuple(tuple(r.split()) for r in (
    "what do you mean", "what does that mean", "what is that mean", "what do that mean", "what does it mean",
    "what is meant", "mean by", "does mean", "do not understand", "did not understand", "not understand",
    "do not get it", "did not get it", "do not get what", "do not follow", "did not catch", "did not hear",
    "not hear you", "not hear the", "could not hear", "can not hear", "say that again", "say it again",
    "repeat the question", "repeat that", "ask again", "one at a time", "one by one", "one thing at a time",
    "too many", "too much at once", "too fast", "in simple words", "in simpler words", "simpler please",
    "explain", "what was the question", "what are you asking", "what you asking", "which one", "which ones",
    "what is a", "what is numb", "what is dizzy", "what is weak", "what does numb", "what does dizzy",
    "what does weak", "what does sudden", "do not know what", "not sure what you", "not sure what that",
    "no idea what", "what you mean", "what you are asking", "what means", "what mean", "what is mean",
    "what it means", "what it mean",
    "confused by the question", "come again", "rephrase",
    # asking what counts: "does the numb bit from the dentist count?", "is tingling the same as numb?"
    "does that count", "does it count", "does this count", "would that count", "count as", "counts as",
    "is that the same", "the same as", "do you mean", "you mean like",
))
_COUNT_QUESTION_OPENERS = frozenset({"does", "do", "would", "should", "is", "could"})
_NOT_CLARIFY = frozenset({"uh huh", "mm huh", "um huh", "a huh"})
"""Sounds of agreement that end like a request to repeat."""
_CLARIFY_MAX_WORDS = 12
"""A request to explain is short; a longer answer is read as an answer (or a description)."""


def asks_to_clarify(words: list[str]) -> bool:
    """True for "huh?", "what does numb mean", "sorry I didn't hear you", "one at a time please": the person
    asks for the question again or explained, and has not answered it."""
    if not words or len(words) > _CLARIFY_MAX_WORDS or " ".join(words) in _NOT_CLARIFY:
        return False
    core = [w for w in words if w not in {"please", "um", "uh", "er", "erm", "oh", "so", "sorry", "kiosk", "can", "you",
                                          "could", "would", "again", "sir", "maam", "the", "question"}]
    if " ".join(core or words) in _CLARIFY_ALONE or " ".join(words) in _CLARIFY_ALONE:
        return True
    if words[0] in {"yes", "no", "yeah", "nope", "nah", "yep"}:
        return False  # "no, what I mean is..." answers first
    if words[0] in _COUNT_QUESTION_OPENERS and words[-1] in {"count", "counts", "matter"}:
        return True  # "does the numb bit from the dentist count": asks what the question covers
    return _has_run(words, _CLARIFY_RUNS)


def _has_run(words: list[str], runs: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(words[i:i + len(r)]) == r for r in runs for i in range(len(words) - len(r) + 1))


def parse_answer(text: str) -> Answer:
    """Read a yes/no answer: "yeah", "I think so" -> YES; "nope", "absolutely not" -> NO; "maybe",
    "yes and no" -> UNSURE; "huh?", "what does numb mean?" -> CLARIFY; a description or anything else ->
    UNKNOWN."""
    words = tokens(text)
    if not words:
        return Answer.UNKNOWN
    if asks_to_clarify(words):
        return Answer.CLARIFY
    answer = _read(words)
    if answer is Answer.UNKNOWN and len(words) <= _SHORT:
        answer = _read_misheard(words)
    return answer


def _scan(words: list[str]) -> list[_Cue]:
    """The utterance as cues, split so that as few words as possible are left over.

    Not greedy: "i do not anymore" is "i do" + "not anymore" (it used to), not "i do not" + a stray word."""
    n = len(words)
    # best[i]: (words left over, phrases, first cue) for words[i:]; longer phrases first break ties.
    best: list[tuple[int, int, _Cue | None]] = [(0, 0, None)] * (n + 1)
    for i in range(n - 1, -1, -1):
        left, count, _ = best[i + 1]
        choice = (left + 1, count + 1, _Cue(words[i], None, _Role.CONTENT))
        for size in range(min(_LONGEST, n - i), 0, -1):
            cue = _LEXICON.get(" ".join(words[i:i + size]))
            if cue is not None and (best[i + size][0], best[i + size][1] + 1) < choice[:2]:
                choice = (best[i + size][0], best[i + size][1] + 1, cue)
        best[i] = choice
    found: list[_Cue] = []
    i = 0
    while i < n:
        cue = best[i][2]
        assert cue is not None
        found.append(cue)
        i += len(cue.phrase.split())
    cues: list[_Cue] = []
    for cue in found:
        if cue.role is _Role.OPENER and any(c.role not in {_Role.OPENER, _Role.FILLER} for c in cues):
            cue = _Cue(cue.phrase, None, _Role.CONTENT)
        cues.append(cue)
    return cues


def _read(words: list[str]) -> Answer:
    """The answer in exactly these words (no correction of misheard words)."""
    cues = _scan(words)
    first_content = next((i for i, c in enumerate(cues) if c.role is _Role.CONTENT), len(cues))
    head, has_tail = cues[:first_content], first_content < len(cues)
    if not any(c.answer is not None for c in head):
        return Answer.UNKNOWN  # a description, a command or noise: no answer word before the first other word
    answer, hanging = _polarity([c for c in head if c.answer is not None or c.role is _Role.JOIN])
    if not has_tail:
        return Answer.UNSURE if hanging else answer  # "yes but", "no wait": a reservation left unsaid
    # Something else follows the answer words. Only a yes or a hedge that opens the utterance outright still
    # answers ("yes, about five cups a day", "maybe my face is numb"); "a little numb" and "i have a headache"
    # are descriptions. A no followed by anything but answer words is never a clean no ("no my face is numb").
    if answer is not Answer.NO and any(c.role is _Role.LEAD for c in head):
        return answer
    return Answer.UNKNOWN


def _polarity(cues: list[_Cue]) -> tuple[Answer, bool]:
    """(answer, whether a join like "but" was left hanging) for a run of answer words and joins."""
    if any(c.answer is Answer.UNSURE for c in cues):
        return Answer.UNSURE, False  # any hedge makes the whole answer a hedge ("yes kind of", "kind of not")
    runs: list[_Run] = []
    after_join = False
    for c in cues:
        if c.role is _Role.JOIN:
            after_join = bool(runs)  # a leading "but no" is just "no"
            continue
        assert c.answer is not None
        if runs and runs[-1].answer is c.answer:  # "no not at all", "yes yes", "no and never": said again
            runs[-1].hedged = runs[-1].hedged or c.role is _Role.SOFT
        else:
            runs.append(_Run(c.answer, after_join, c.role is _Role.SOFT))
        after_join = False
    hanging = cues[-1].role is _Role.JOIN and cues[-1].phrase not in _JOINS_THAT_MAY_TRAIL
    if len(runs) == 1:
        return runs[0].answer, hanging
    if len(runs) == 2 and runs[0].answer is Answer.YES and not runs[1].after_join:
        # A negation right after a yes-word takes it back ("absolutely not", "yeah no", "yes i do not");
        # after a hedged yes ("i think so, not really") it is no clean no.
        return (Answer.UNSURE if runs[0].hedged else Answer.NO), hanging
    return Answer.UNSURE, False  # "no yes", "yes and no", "yes wait no", "no i do": mixed signals


@dataclass
class _Run:
    """Consecutive answer words that agree: "no not at all" is one run, "yeah no" two."""

    answer: Answer
    after_join: bool
    hedged: bool


def _read_misheard(words: list[str]) -> Answer:
    """A short answer the recognizer got slightly wrong: "yess", "no pe", "definately not", "i do not thing so"."""
    if len(words) <= _FUZZY_WORDS:
        compact = "".join(words)
        # One word heard as two ("no pe" is "nope", "uhhuh" is "uh huh"), or a word said long or misspelt.
        attempts = [tokens(compact), _COMPACT[compact].split() if compact in _COMPACT else [],
                    [_correct(w) for w in words]]
        for attempt in attempts:
            if attempt and attempt != words:
                answer = _read(attempt)
                if answer is not Answer.UNKNOWN:
                    return answer
    if all(c.role is not _Role.CONTENT for c in _scan(words)):
        return Answer.UNKNOWN  # every word was heard as a known filler; guessing would turn "either" into "neither"
    best = process.extractOne(" ".join(words), _LONG_PHRASES, scorer=fuzz.ratio, score_cutoff=90)
    found = _LEXICON[best[0]].answer if best else None
    return Answer.UNKNOWN if found is None else found


def _correct(word: str) -> str:
    """The answer word a misheard word stands for, or the word itself."""
    if word in _VOCABULARY:
        return word
    collapsed = _collapse(word)
    if collapsed in _COLLAPSED_WORDS:
        return _COLLAPSED_WORDS[collapsed]
    if len(word) >= 5:
        best = process.extractOne(word, _LONG_WORDS, scorer=fuzz.ratio, score_cutoff=87)
        if best:
            return best[0]
    return word


def parse_command(text: str) -> Command | None:
    """A command in what was said, or None. Staff requests count anywhere; others only when short."""
    words = tokens(text)
    if not words:
        return None
    if _asks_for_staff(words):
        return Command.STAFF
    if len(words) > _SHORT:
        return None
    core = [w for w in words if w not in {"please", "kiosk", "hey", "um", "uh", "ok", "okay", "can", "you", "could", "would"}]
    best: tuple[float, Command | None] = (0.0, None)
    for joined in {" ".join(words), " ".join(core or words)}:  # "what can you do" is a command as said
        for command, phrases in _COMMANDS.items():
            for phrase in phrases:
                score = 100.0 if joined == phrase else (fuzz.ratio(joined, phrase) if len(phrase) >= 6 else 0.0)
                if score < 100.0 and command in _ENDS_SESSION and not _word_for_word(joined, phrase):
                    continue
                if score > best[0]:
                    best = (score, command)
    return best[1] if best[0] >= 88 else None


_ENDS_SESSION = {Command.STOP, Command.START_OVER}
"""Commands that throw away what the person said so far: a near match must be near word for word."""


def _word_for_word(said: str, phrase: str) -> bool:
    """Each word of ``phrase`` is a near spelling of the word said in its place, or the two are the same without
    spaces ("good bye"). A whole word heard in place of another is not near: spoken "not really", heard "that's
    really", is 88% like "that is all" letter by letter and must not end the session."""
    if said.replace(" ", "") == phrase.replace(" ", ""):
        return True
    heard, meant = said.split(), phrase.split()
    return len(heard) == len(meant) and all(fuzz.ratio(a, b) >= 75 for a, b in zip(heard, meant, strict=True))


def answer_phrases() -> list[str]:
    """Every yes/no answer and command phrase, e.g. for a recognizer's grammar while a yes/no question is open.

    The voice session adds the red-flag phrases, so an emergency said in place of an answer is still heard."""
    phrases = _ANSWER_PHRASES + _GRAMMAR_ONLY + [p for group in _COMMANDS.values() for p in group]
    phrases += ["talk to a person", "speak to a person", "i want to talk to a person", "a real person", "front desk"]
    return list(dict.fromkeys(phrases))


def _asks_for_staff(words: list[str]) -> bool:
    joined = " ".join(words)
    if any(p in joined for p in ("real person", "human being", "front desk", "a staff member", "talk to a person",
                                 "speak to a person", "talk to someone", "speak to someone", "talk to somebody")):
        return True
    for i, w in enumerate(words):
        if w in _STAFF_VERBS and any(n in _STAFF_NOUNS for n in words[i + 1:i + 5]):
            return True
    return False
