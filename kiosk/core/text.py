"""Text normalization shared by content loading, triage and the dialogue.

Typed text and recognizer output must look the same to the matcher: lower case, no punctuation,
contractions expanded (so "can't" and the recognizer's "cant" both become "can not", as do "couldn't",
"unable to" and "not able to"), and runs of single spelled letters joined ("a l s" -> "als").
"""
from __future__ import annotations

import re
import unicodedata

_CONTRACTIONS = {
    "cant": "can not", "cannot": "can not", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not", "havent": "have not",
    "hasnt": "has not", "hadnt": "had not", "wont": "will not", "wouldnt": "would not", "couldnt": "could not",
    "shouldnt": "should not", "aint": "is not", "im": "i am", "ive": "i have", "id": "i would", "ill": "i will",
    "its": "it is", "thats": "that is", "theres": "there is", "whats": "what is", "youre": "you are",
    "hes": "he is", "shes": "she is", "theyre": "they are", "weve": "we have", "wanna": "want to",
    "gonna": "going to", "gotta": "got to", "kinda": "kind of", "sorta": "sort of", "dunno": "do not know",
    "nope": "no", "nah": "no",
    # Scots: "a cannae stand up", "she didnae know me", "nae chest pain"
    "nae": "no",
    "cannae": "can not", "canna": "can not", "dinnae": "do not", "dinna": "do not", "didnae": "did not",
    "doesnae": "does not", "isnae": "is not", "wasnae": "was not", "willnae": "will not", "winnae": "will not",
    "wouldnae": "would not", "couldnae": "could not", "havenae": "have not", "caint": "can not",
    # Shropshire and the Potteries: "he inna respondin", "me arm wunna lift"
    "inna": "is not", "isna": "is not", "wasna": "was not", "wunna": "will not", "dunna": "do not",
    "didna": "did not", "wouldna": "would not", "couldna": "could not", "shouldna": "should not",
    # Scots and northern English words with no other meaning: "keeled ower", "ma heid", "come roon", "hurt mysen"
    # (not "noo", Scots for "now": typed, it is far more often a long "no")
    "ower": "over", "oot": "out", "roon": "round", "roond": "round", "doon": "down", "heid": "head",
    "heids": "heads", "licht": "light", "sair": "sore", "aboot": "about", "fae": "from", "wi": "with",
    "gonnae": "going to", "masel": "myself", "mysel": "myself", "hissel": "himself", "hersel": "herself",
    "mysen": "myself", "missen": "myself", "hissen": "himself", "hersen": "herself", "nowt": "nothing",
    "owt": "anything", "summat": "something",
    # and more of them, Scots to Shetland ("me kist is tight", "better aff deid", "seein twa o aathing",
    # "takkin a fit"), and "ah" for "I" where a verb is joined to it ("ah've", not the bare "ah", which is a filler)
    "deid": "dead", "aff": "off", "kist": "chest", "braeth": "breath", "breith": "breath", "een": "eyes",
    "twa": "two", "wirds": "words", "wurds": "words", "disna": "does not", "disnae": "does not", "whaur": "where",
    "whaar": "where", "naethin": "nothing", "aathing": "everything", "awthing": "everything", "drappit": "dropped",
    "mooth": "mouth", "wrang": "wrong", "waur": "worse", "warst": "worst", "lik": "like", "mummlin": "mumbling",
    "takkin": "taking", "shakkin": "shaking", "whit": "what", "wha": "who", "aw": "all", "ahve": "i have",
    "ahd": "i would", "ahll": "i will", "ony": "any", "mair": "more", "tae": "to", "intae": "into",
    # Norfolk and the West Country: "he ent answering", "me face ent drooping" (ENT the clinic is written in capitals:
    # see tokens)
    "ent": "is not",
    # Suffolk: "i hent got no reason to keep goin"
    "hent": "have not",
    # "'d" after "one" and "nobody" ("no one'd miss me")
    "oned": "one would", "nobodyd": "nobody would",
}
_DROPPED_G = frozenset("""nothin havin goin doin feelin sittin standin walkin talkin sayin seein lookin breathin bleedin
    hurtin burnin comin gettin losin passin fittin shakin twitchin spinnin fallin droopin slurrin throbbin poundin
    achin tinglin makin takin thinkin tryin wakin answerin respondin dyin chokin gaspin swellin tremblin frothin
    foamin killin jumpin kickin jerkin drivin workin sleepin eatin drinkin startin stoppin movin speakin openin
    seizin convulsin faintin collapsin droolin wobblin swayin splittin bangin thumpin savin cuttin endin
    wantin""".split())
"""Words said with the "g" dropped ("she's havin a fit", "me chest is killin me"), read as the "-ing" word. Only
these: "aspirin", "insulin" and "protein" end the same way."""
_DROPPED_H = frozenset("""e es ed ell im is er ers erself imself ave avin aving as ad ead eads eadache elp elpin
    elping urt urts urtin urting and ands eart ome ere ospital orrible""".split())
"""Words written with the "h" dropped and an apostrophe in its place ("'e's 'avin a stroke, look at 'im"), read
with the "h". Only after an apostrophe: "and", "is" and "ad" are words of their own."""
_AFTER_APOSTROPHE = {word: "h" + word for word in _DROPPED_H} | {"em": "them"}
"""The dropped-h words read with the "h", and "'em" read as "them" ("i take 'em all")."""
_DROPPED_H_RE = re.compile(r"(?<![a-z0-9])['\u2019]([a-z]+)\b")
_ENT_CLINIC = re.compile(r"\bENT\b")
"""The ear, nose and throat clinic, as a recognizer writes it, kept apart from the dialect "ent" ("is not")."""
_SPLIT_RE = re.compile(r"[^a-z0-9]+")
_DIGIT_WORDS = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
                "8": "eight", "9": "nine", "10": "ten"}
MAX_CHARS = 2000
"""Longest utterance the kiosk analyses; longer input is refused with a clear message."""


def tokens(text: str) -> list[str]:
    """Split text into normalized words (see the module docstring)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _ENT_CLINIC.sub("ear nose and throat", text).lower()
    text = _DROPPED_H_RE.sub(lambda m: _AFTER_APOSTROPHE.get(m[1], m[1]), text)
    text = text.replace("'", "").replace("\u2019", "").replace("`", "")
    words: list[str] = []
    for word in _SPLIT_RE.split(text):
        if not word:
            continue
        word = _DIGIT_WORDS.get(word, word)
        if word in _DROPPED_G:
            word += "g"
        words.extend(_CONTRACTIONS.get(word, word).split())
    return _join_spelled_letters(_one_way_to_say_cannot(words))


_CANNOT = frozenset({("could", "not"), ("unable", "to"), ("not", "able", "to"), ("not", "been", "able", "to")})
"""Ways to say "can not"."""


def _one_way_to_say_cannot(words: list[str]) -> list[str]:
    """ "couldn't find my words", "unable to speak", "not able to lift my arm" and "have not been able to" said as
    "can not": a sign phrase written one way ("can not find my words") then serves every way of saying it."""
    if "not" not in words and "unable" not in words:
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in (4, 3, 2):
            if tuple(words[i:i + n]) in _CANNOT:
                out += ["can", "not"]
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


_ACRONYM_DOTS = re.compile(r"\b([A-Za-z])\.(?=[A-Za-z]\b)")
_BOUNDARY = re.compile(r"[.!?;:\u2026]+(?=\s|$)|[,\u2013\u2014]|\s-+\s|\(|\)")


def tokens_with_breaks(text: str) -> tuple[list[str], dict[int, str]]:
    """:func:`tokens`, plus where punctuation divided them: ``{i: "."}`` when a sentence ends before word
    ``i`` (. ! ? ; : or an ellipsis), ``{i: ","}`` for a comma, dash or bracket.

    Negation needs them: in "no fever. face drooping" the "no" does not reach the drooping. Recognizers
    such as Whisper punctuate; typed text often does too.
    """
    text = _ACRONYM_DOTS.sub(r"\1", text)  # "A.L.S." is one word, not three sentences
    words: list[str] = []
    breaks: dict[int, str] = {}
    pos = 0
    for m in list(_BOUNDARY.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        part = tokens(text[pos:end])
        words += part
        if m is not None:
            kind = "," if m.group().strip() in {",", "\u2013", "\u2014", "(", ")"} or m.group().strip().startswith("-") else "."
            if words and (breaks.get(len(words)) != "."):
                breaks[len(words)] = kind
            pos = m.end()
    breaks.pop(len(words), None)
    breaks.pop(0, None)
    return words, breaks


def _join_spelled_letters(words: list[str]) -> list[str]:
    # Recognizers spell acronyms as letters ("a l s"); "i" and "a" alone are ordinary words.
    out: list[str] = []
    run: list[str] = []
    for word in words + [""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


HESITATIONS = frozenset("um umm uh uhh uhm er erm ah hmm hm mm".split())
_SPOKEN = re.compile(r"[A-Za-z0-9'\u2019]+|\.{2,}|\u2026|[,.!?;:\u2013\u2014]|-+")
_PAUSES = frozenset({",", ";", ":", "\u2013", "\u2014", "\u2026"})
_MAX_RESTART = 2


def fluent(text: str) -> str | None:
    """A halting sentence said straight: hesitations ("um", "er") dropped, a word or two said again kept once,
    and its pauses (commas, dashes, trailing dots) closed up, so that "my arm, it's, um, it's not... it won't go up"
    reads "my arm it's not it won't go up". None when nothing in ``text`` halts.

    Stroke itself makes speech halting, and a recognizer writes the pauses as commas and dots; the red-flag
    screen reads such a sentence both ways (:func:`kiosk.core.triage.assess`)."""
    spoken = _SPOKEN.findall(text)
    lower = [w.lower().replace("\u2019", "'") for w in spoken if w[0].isalnum()]
    halting = any(w in HESITATIONS for w in lower) or any(w.startswith("..") or w == "\u2026" for w in spoken) or any(
        lower[i:i + n] == lower[i + n:i + 2 * n] for n in range(1, _MAX_RESTART + 1) for i in range(len(lower) - n))
    if not halting:
        return None
    words = [w for w in spoken
             if w.lower() not in HESITATIONS and w not in _PAUSES and not w.startswith("..") and set(w) != {"-"}]
    for n in range(_MAX_RESTART, 0, -1):  # "it's not, it's not" and "it's, it's" said once
        i = 0
        while i + 2 * n <= len(words):
            if [w.lower() for w in words[i:i + n]] == [w.lower() for w in words[i + n:i + 2 * n]] and words[i][0].isalnum():
                del words[i + n:i + 2 * n]
            else:
                i += 1
    return " ".join(words).replace(" .", ".").replace(" !", "!").replace(" ?", "?")


def normalize(text: str) -> str:
    """The normalized text as one string of words separated by single spaces."""
    return " ".join(tokens(text))


def readable_problem(text: str) -> str | None:
    """Why a piece of input cannot be analysed (empty, too long, no words), or None when it can."""
    if not text or not text.strip():
        return "empty input"
    if len(text) > MAX_CHARS:
        return f"input longer than {MAX_CHARS} characters"
    if not tokens(text):
        return "no words found in the input"
    return None
