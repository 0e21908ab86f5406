"""Short answers and commands: yes/no in its many forms, repeat, start over, help, stop, staff.

Commands are only taken from short utterances, so "my lip won't stop twitching" is a description,
not "stop". Asking for a person is honoured anywhere in what was said.
"""
from __future__ import annotations

from enum import Enum

from rapidfuzz import fuzz

from .text import tokens


class Answer(str, Enum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    UNKNOWN = "unknown"
    """Not a yes/no answer at all (perhaps a new description)."""


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


_YES = ["yes", "yeah", "yea", "yep", "yup", "ya", "yes please", "sure", "correct", "right", "that is right",
        "true", "affirmative", "absolutely", "definitely", "of course", "i think so", "i guess so", "i believe so",
        "uh huh", "mhm", "mm hmm", "a little", "a bit", "a lot", "sometimes", "probably", "i do", "it does", "it did",
        "i am", "i have", "it is", "they do", "yes it is", "i would say so", "often", "every day", "most days"]
_NO = ["no", "nope", "nah", "not really", "i do not think so", "never", "not at all", "negative", "none",
       "no way", "i do not", "i am not", "i have not", "it did not", "it does not", "it is not", "they do not",
       "nothing like that", "not that i know of", "no it did not", "no i do not", "no thank you", "no thanks",
       "i did not", "not me", "nothing"]
_UNSURE = ["maybe", "not sure", "i am not sure", "i do not know", "perhaps", "possibly", "kind of", "sort of",
           "hard to say", "i can not say", "no idea", "i have no idea", "i can not remember", "i guess",
           "i do not remember", "dunno"]
_YES_FIRST = {"yes", "yeah", "yep", "yup", "yea", "sure", "correct", "absolutely", "definitely"}
_NO_FIRST = {"no", "nope", "nah", "never"}
_NO_FIRST_EXCEPT = {"idea", "doubt"}

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


def parse_answer(text: str) -> Answer:
    """Read a yes/no answer: "yeah", "I think so" -> YES; "nope", "not really" -> NO; "maybe" -> UNSURE."""
    words = tokens(text)
    if not words:
        return Answer.UNKNOWN
    joined = " ".join(words)
    for phrases, answer in ((_UNSURE, Answer.UNSURE), (_NO, Answer.NO), (_YES, Answer.YES)):
        if joined in phrases:
            return answer
    if len(words) <= _SHORT:
        for phrases, answer in ((_UNSURE, Answer.UNSURE), (_NO, Answer.NO), (_YES, Answer.YES)):
            if any(fuzz.ratio(joined, p) >= 90 for p in phrases if len(p) >= 5):
                return answer
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    if first in _NO_FIRST and second not in _NO_FIRST_EXCEPT:
        return Answer.NO
    if first in _YES_FIRST:
        return Answer.YES
    if first in {"maybe", "perhaps", "possibly"}:
        return Answer.UNSURE
    return Answer.UNKNOWN


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
                if score > best[0]:
                    best = (score, command)
    return best[1] if best[0] >= 88 else None


def answer_phrases() -> list[str]:
    """Every yes/no answer and command phrase, e.g. for a recognizer's grammar while a yes/no question is open.

    The voice session adds the red-flag phrases, so an emergency said in place of an answer is still heard."""
    phrases = _YES + _NO + _UNSURE + [p for group in _COMMANDS.values() for p in group]
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
