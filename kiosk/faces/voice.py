"""The voice kiosk: frames in -> endpointer -> recognizer -> the same dialogue as text mode -> captions and speech.

Everything here is glue around small interfaces (a frame source, an endpointer, a recognizer, a speaker),
so a session runs the same from a microphone, a WAV file or memory. Faults in any adapter are turned into
one plain line for the person and a fallback (typing, printed replies); an emergency prompt is re-shown
after any fault, never lost.
"""
from __future__ import annotations

import collections
import dataclasses
import logging
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rapidfuzz import fuzz

from ..core.content import KnowledgeBase
from ..core.conversation import Conversation, Exchange
from ..core.dialogue import Dialogue, Event, EventKind, Expect, State, Turn
from ..core.intents import answer_phrases
from ..core.text import tokens
from ..ops.events import report_error
from ..ops.settings import Settings
from ..speech.asr import transcribe
from ..speech.whisper_asr import WINDOW_S
from .asks import Ask, asks_for, other_hypotheses_asks, with_ask
from .phonetic import SignSounds, sign_sounds

if TYPE_CHECKING:
    from ..speech.vad import Utterance

log = logging.getLogger("kiosk")

FRAME_S = 0.03
"""Seconds per frame (30 ms at 16 kHz; see kiosk.speech.audio)."""
RING_FRAMES = 20
"""Audio kept from before the endpointer declares speech (600 ms), so the first word is not cut."""
TEMPERATURE = 0.0
"""Whisper decodes once, at temperature 0: no fallback. Measured (benchmarks/noise.md section 6.4): on the 351
red-flag recordings the fallback changed 1 transcript and no score; at kitchen 10 dB it cost the turn's
recognition 1688 ms at p95 against 1404 ms without it (60 turns interleaved), and its stalls come exactly when
the room is loud."""
HEARING: dict = {"again": "all", "temperature": TEMPERATURE, "window_s": WINDOW_S}
"""Whisper's extra options in the voice kiosk (kiosk.speech.asr.whisper_hearing). Measured interleaved on the
same noisy utterances (benchmarks/noise.md), word probabilities cost 1.7x recognition time and a second decode
about 2-3x, which would push the turn past its 1 s budget if the turn waited for them: word probabilities stay a
`kiosk listen --word-confidence` option, and the second decode (``again``) runs after the reply, while it is
spoken (VoiceSession._hear_again_later). The second hearing is Whisper base, then tiny.en on the DeepFilterNet3-
enhanced audio (benchmarks/noise.md sections 8 and 9: on the tuning sets' spoken red flags each finds signs the other
lost in noise, and both together run in the time a reply takes to say), then Moonshine tiny, another model family
that mishears other words (section 18); any of them that cannot load is left out, with one line. Sound-alike asks
cost nothing and are on. The first decode's encoder reads a 10 s window, not Whisper's 30 s
(kiosk.speech.whisper_asr.WINDOW_S; benchmarks/noise.md section 15): 2.5-3x less recognition time for the same word
error rate on real speech in noise; the second hearings, which no turn waits for, keep 30 s."""


def hearing_for(kb: KnowledgeBase) -> dict:
    """:data:`HEARING` with the content's own red-flag questions as Whisper base's prompt when it hears again
    (kiosk.speech.whisper_asr.QUESTION_PROMPTED; benchmarks/noise.md section 10)."""
    from ..speech.whisper_asr import questions_prompt

    return dict(HEARING, again_prompt=questions_prompt(kb.red_flag_questions()))


STAND_OUT_DB = 9.0
"""With no visit under way, an utterance that stands less than this out of the room (Utterance.over_room_db) and
says nothing the kiosk acts on (Dialogue.gives_something) is taken as the room's own talk and not answered:
alone in the kitchen recording, a kiosk heard its distant talk as "I'm sorry.", said "Sorry, I did not catch that"
and called a person before any visitor came (benchmarks/noise.md section 14). Measured with
scripts/eval_idle_room.py: the room's own utterances stood 3-11 dB out (kitchen) and 9 dB (people talking);
visitors' opening lines at 10 dB SNR 10-24 dB, at 5 dB 6.5-19 dB (3 of 60 under 9), at 0 dB 5-14 dB (about half
under). A visitor that soft is heard when the line names a sign, the topic or a request, or said again louder; a
wake phrase or push to talk (someone chose to speak to the kiosk) skips this."""
ROOM_NOISE_S = 1.5
"""Seconds of the room before the first utterance kept as its noise floor (kiosk.speech.room)."""

EventSink = Callable[[Event], None]


class VoiceFault(Exception):
    """An adapter failed mid-session; the message is one line for the person."""


@dataclass
class SessionResult:
    """How a voice session ended: at the end of the audio, or by a fault with the state to continue from."""

    state: State
    fault: str = ""
    turns: int = 0
    """Utterances heard (or lines typed) and answered."""


class Mouth:
    """Says the kiosk's turns: the urgent part (the emergency prompt) first, slower and to its end; the rest
    while the face goes on listening. A speaker that fails is replaced by captions only: one line for the
    person (``caption``) and one error event (``on_error``)."""

    def __init__(self, speaker, *, rate_wpm: int = 160, emergency_rate_wpm: int = 130, volume: float = 1.0,
                 on_error: Callable[[str], None] | None = None, caption: Callable[[str], None] | None = None) -> None:
        self.speaker = speaker
        self.rate_wpm, self.emergency_rate_wpm, self.volume = rate_wpm, emergency_rate_wpm, volume
        self.on_error = on_error
        self.caption = caption

    def say_turn(self, turn: Turn) -> tuple[str, int]:
        """Say ``turn`` at the person's speed and loudness (turn.voice); returns what was said and the rate."""
        urgent = " ".join(r.text for r in turn.replies if r.urgent)
        normal = " ".join(r.text for r in turn.replies if not r.urgent)
        rate = self.rate_wpm * turn.voice.rate
        volume = min(1.0, self.volume * turn.voice.volume)
        if urgent:
            self._say(urgent, int(min(rate, self.emergency_rate_wpm)), volume, block=True)
        if normal:
            self._say(normal, int(rate), volume, block=False)
        return " ".join(t for t in (urgent, normal) if t), int(rate)

    def _say(self, text: str, rate_wpm: int, volume: float, block: bool) -> None:
        try:
            self.speaker.say(text, rate_wpm=rate_wpm, volume=volume, block=block)
        except Exception as err:  # noqa: BLE001 - any TTS failure: print only from now on
            from ..speech.tts import PrintSpeaker

            reason = str(err).splitlines()[0] if str(err) else err.__class__.__name__
            if self.caption is not None:
                self.caption(f"(Speech output failed: {reason}; replies are shown on screen only.)")
            if self.on_error is not None:
                self.on_error(f"Speech output failed ({err.__class__.__name__}: {reason})")
            self.speaker = PrintSpeaker()

    @property
    def speaking(self) -> bool:
        try:
            return bool(self.speaker.speaking)
        except Exception:  # noqa: BLE001
            return False

    def stop(self) -> None:
        try:
            self.speaker.stop()
        except Exception:  # noqa: BLE001
            log.exception("speaker stop failed")


class Announcer:
    """Speaks every turn of a conversation that no voice face listens to (a screen and a speaker, no
    microphone), on a thread of its own, newest first: a new turn cuts the one being said."""

    def __init__(self, talk: Conversation, mouth: Mouth) -> None:
        self.mouth = mouth
        self.queue: queue.Queue[Exchange | None] = queue.Queue()
        self._unsubscribe = talk.subscribe(self.queue.put)
        self.thread = threading.Thread(target=self._run, name="kiosk-announcer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            exchange = self.queue.get()
            if exchange is None:
                return
            if not self.queue.empty():
                continue  # a newer turn is waiting: say that one
            self.mouth.stop()
            self.mouth.say_turn(exchange.turn)

    def close(self, timeout_s: float = 5.0) -> None:
        self._unsubscribe()
        self.queue.put(None)
        self.thread.join(timeout_s)
        self.mouth.stop()


class VoiceSession:
    """One kiosk's voice loop: audio in, utterances to the conversation, its turns captioned and spoken.

    The conversation (state, idle timing, events, live content) is kiosk.core.conversation's driver. Give a
    :class:`Conversation` instead of a Dialogue to share it with another face (the screen): turns the other face
    causes are spoken here too, from this loop's thread. ``clock`` is the time the conversation is measured in:
    by default the audio's own time (a WAV file runs faster than real time), else e.g. time.monotonic when
    another face shares the conversation. The loop itself runs on one thread.
    """

    def __init__(self, dialogue: Dialogue | Conversation, source, recognizer, speaker, endpointer, *,
                 on_event: EventSink | None = None, captions: TextIO = sys.stdout,
                 keyboard: queue.Queue[str | None] | None = None, wake_phrase: str = "", push_to_talk: bool = False,
                 barge_in: bool = False, rate_wpm: int = 160, emergency_rate_wpm: int = 130, volume: float = 1.0,
                 asr_timeout_s: float = 20.0, reply_wav: Path | None = None,
                 live: Callable[[], Dialogue] | None = None, clock: Callable[[], float] | None = None,
                 status: TextIO | None = None, asks: bool = True, stand_out_db: float | None = None) -> None:
        if isinstance(dialogue, Conversation):
            self.conversation = dialogue
        else:  # live: the dialogue for each new session (content edited while running); see kiosk.ops.live_content
            self.conversation = Conversation(dialogue, live=live, on_event=on_event)
        self.clock = clock
        self.others: queue.Queue[Exchange] = queue.Queue()
        """Turns another face caused, spoken by this loop."""
        self._thread: threading.Thread | None = None
        """The thread running the loop (run())."""
        self._unsubscribe = self.conversation.subscribe(self._from_another_face)
        self.source = source
        self.recognizer = recognizer
        self.mouth = Mouth(speaker, rate_wpm=rate_wpm, emergency_rate_wpm=emergency_rate_wpm, volume=volume,
                           on_error=lambda line: report_error(self.on_event, "speech output", line),
                           caption=self._caption)
        self.endpointer = endpointer
        self.out = captions
        self.keyboard = keyboard
        self.wake_words = tokens(wake_phrase)
        self.push_to_talk = push_to_talk
        self.barge_in = barge_in
        self.volume = volume
        self.asr_timeout_s = asr_timeout_s
        self.streaming = getattr(recognizer, "streaming", True)
        """Streaming engines (Vosk) get every frame and show partials; others get whole utterances."""
        self.speculation: tuple[bytes, threading.Thread, dict] | None = None
        self.reply_wav = reply_wav
        self.awake = not self.wake_words
        self.armed = not push_to_talk
        self.in_speech = False
        self.ring: collections.deque[bytes] = collections.deque(maxlen=RING_FRAMES)
        self.grammar: list[str] | None = None
        self.red_flag_phrases = sorted({p.lower() for f in self.conversation.dialogue.kb.red_flags for p in f.phrases})
        self.audio_s = 0.0
        self.next_idle_check_s = 1.0
        self.turns = 0
        self.status = status if status is not None else sys.stderr
        """The operator's status lines (the room's noise), apart from the person's captions."""
        self.room_noise = bytearray()
        self.room_snr_db: float | None = None
        self.room_checked = False
        self.asks = asks
        """Ask about signs the recognizer may have misheard (kiosk.faces.asks)."""
        if asks:
            self.sign_sounds()  # read here (once a process), not on the first utterance's turn: about 0.15 s
        self.stand_out_db = STAND_OUT_DB if stand_out_db is None else stand_out_db
        """With no visit under way, lines standing less out of the room are the room's (STAND_OUT_DB; 0: off)."""
        self.hear_again: Callable[[bytes], tuple[str, ...]] | None = (
            getattr(recognizer, "hear_again", None) if getattr(recognizer, "again", "") else None)
        """A second decode of an utterance already answered, run while the reply is spoken (see HEARING)."""
        self.hear_by_another_model: Callable[[bytes], str | None] | None = getattr(
            recognizer, "hear_by_another_model", None)
        """Another model's hearing of a short answer, to confirm a "no" heard with low confidence (None: none)."""
        self.second: tuple[threading.Thread, dict, int] | None = None
        """The second hearing running: (thread, its result box, the conversation's session then)."""
        self._late: list[tuple[list[str], int]] = []
        """(signs, session) a second hearing found after the person had begun to speak again: asked after
        that answer."""
        self._held: Exchange | None = None
        """A question a second hearing asked with none open, kept until the reply being spoken ends."""

    # --- the loop ---------------------------------------------------------------------------------

    @property
    def speaker(self):
        """The speech output (captions only after it failed)."""
        return self.mouth.speaker

    @property
    def dialogue(self) -> Dialogue:
        """The dialogue of the session in progress."""
        return self.conversation.dialogue

    @property
    def on_event(self):
        return self.conversation.on_event

    def now(self) -> float:
        return self.clock() if self.clock is not None else self.audio_s

    def run(self, state: State | None = None) -> SessionResult:
        """Listen and answer until the source ends (a file) or a fault; returns where it stopped.

        ``state`` continues a session; with none, a conversation nobody has opened yet starts with the greeting
        (a shared one that another face opened goes on where it is)."""
        talk = self.conversation
        self._thread = threading.current_thread()
        if state is not None:
            self.deliver(talk.resume(state, self.now()))
        elif not talk.opened:
            turn = talk.start(self.now())
            if self.awake:
                self.deliver(turn)
            else:
                self._caption(f"(Say \"{' '.join(self.wake_words)}\" to start.)")
        try:
            frames = iter(self.source.frames())
            # From a recording (faster than real time) the second hearing is waited for, as a person would have
            # listened to the reply meanwhile; live, it is taken in when done.
            realtime = getattr(self.source, "realtime", True)
            while True:
                self._typed()
                self._second_check(wait=not realtime)
                self._others()
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                self._frame(frame)
        except VoiceFault as fault:
            report_error(self.on_event, "recognizer", str(fault))
            return SessionResult(talk.state, str(fault), self.turns)
        except Exception as err:  # noqa: BLE001 - a broken adapter must not take the kiosk down
            from ..speech.audio import AudioError

            if isinstance(err, AudioError):
                report_error(self.on_event, "microphone", f"The microphone stopped ({err})")
                return SessionResult(talk.state, f"The microphone stopped ({err})", self.turns)
            log.exception("voice session failed")
            report_error(self.on_event, "voice input", f"Voice input failed ({err.__class__.__name__}: {err})")
            return SessionResult(talk.state, f"Voice input failed ({err.__class__.__name__})", self.turns)
        finally:
            self._thread = None
        self._second_check(wait=True)
        self._others(final=True)
        return SessionResult(talk.state, "", self.turns)

    def close(self) -> None:
        """Stop taking turns from the other faces."""
        self._unsubscribe()

    def _frame(self, frame: bytes) -> None:
        from ..speech.vad import EventKind as VadKind

        self.audio_s += FRAME_S
        self.ring.append(frame)
        speaking = self._speaking()
        if not self.room_checked and not speaking and not self.in_speech and len(self.room_noise) < ROOM_NOISE_S * 32000:
            self.room_noise += frame
        if speaking and not self.barge_in:
            self.conversation.activity(self.now())  # the kiosk talking is activity; its own voice is not input
            return
        if not self.armed:
            return self._idle()
        for event in self.endpointer.push(frame):
            if event.kind is VadKind.SPEECH_START:
                if self._speaking():
                    self._stop_speaking()
                self._begin_utterance()
            elif event.kind is VadKind.PAUSE and not self.streaming:
                self._speculate(event.utterance.pcm)
            elif event.kind is VadKind.UTTERANCE:
                self._end_utterance(event.utterance)
        self.in_speech = self.in_speech and self.endpointer.in_speech  # a cough was dropped: not an utterance
        if self.in_speech and self.streaming:
            partial = self._asr(self.recognizer.accept, frame)
            if partial is not None and partial.text and self._tty():
                self.out.write(f"\r  (hearing) {partial.text[-70:]}\x1b[K")
                self.out.flush()
        return self._idle()

    def _begin_utterance(self) -> None:
        self.in_speech = True
        if self.second is not None:
            self.second[1]["late"] = True  # the person speaks again before it is taken in: asked after this answer
        if self.streaming:
            self._asr(self.recognizer.start, self.grammar)
            self._asr(self.recognizer.accept, b"".join(list(self.ring)[:-1]))  # this frame is fed below

    def _speculate(self, pcm: bytes) -> None:
        """Recognize the utterance so far during the closing silence; used if nothing more is said."""
        if self.speculation is not None and self.speculation[1].is_alive():
            return  # one recognition at a time: the recognizer is not thread-safe
        box: dict = {}

        def work() -> None:
            try:
                box["result"] = transcribe(self.recognizer, pcm, self.grammar)
            except BaseException as err:  # noqa: BLE001 - reported on the main thread
                box["error"] = err

        worker = threading.Thread(target=work, name="kiosk-asr-ahead", daemon=True)
        worker.start()
        self.speculation = (pcm, worker, box)

    def _recognize_whole(self, pcm: bytes):
        """A whole utterance: the recognition started at the pause when it heard the same audio, else anew."""
        speculation, self.speculation = self.speculation, None
        if speculation is not None:
            ahead_pcm, worker, box = speculation
            worker.join(self.asr_timeout_s)
            if worker.is_alive():
                raise VoiceFault(f"The speech recognizer stopped answering (over {self.asr_timeout_s:g} s)")
            if ahead_pcm == pcm:
                if "error" in box:
                    err = box["error"]
                    raise VoiceFault(f"The speech recognizer failed ({err.__class__.__name__}: {err})")
                return box["result"]
        return self._asr(transcribe, self.recognizer, pcm, self.grammar, timeout=True)

    def _end_utterance(self, utterance: Utterance) -> None:
        pcm = utterance.pcm
        self.in_speech = False
        if self.streaming:
            heard = self._asr(self.recognizer.finish, timeout=True)
        else:
            heard = self._recognize_whole(pcm)
        if self.push_to_talk:
            self.armed = False
        if self._tty():
            self.out.write("\r\x1b[K")
        text = (heard.text or "").strip()
        if text and not self.room_checked:
            self._check_room(pcm)
        if text and self._from_the_room(utterance, heard, text):
            return  # not said to the kiosk: no answer, and no activity (the session idles and forgets as if quiet)
        self.conversation.activity(self.now())
        if not text:
            # Empty: a clatter or a cough the endpointer took for speech, or an answer lost in a loud room. With a
            # question open it is likely the answer: say so and ask again now (twice at most in a row), rather
            # than leave the person in silence. With none open, not worth a "sorry?" in a waiting room.
            if self.awake:
                turn = self.conversation.not_heard(self.now())
                if turn is not None:
                    self.deliver(turn)
            return
        if not self.awake:
            rest = self._after_wake_phrase(text)
            if rest is None:
                return
            self.awake = True
            if not rest:
                self.deliver(self.conversation.start(self.now()))
                return
            text = rest
        self._caption(f"You said: {text}")
        ask = self._ask_for(heard, text)
        if ask is not None:
            # a sign the recognizer may have misheard: the dialogue asks that sign's own question (never declares)
            log.info("asking about %s (%s)", ask.flag, ask.why)
            text = with_ask(text, ask)
        self._second_check(wait=True)  # in before this answer is heard: its signs are asked after it
        self.hear(text, self._no_heard_twice(pcm, text, heard.confidence))
        late, self._late = self._late, []
        for flags, session in late:
            self._ask_again(flags, session)
        self._hear_again_later(pcm, text)

    def _no_heard_twice(self, pcm: bytes, text: str, confidence: float) -> float:
        """The confidence to give the dialogue for ``text``: a "no" to a safety question that Whisper heard with
        low confidence, and that another model (Moonshine, :attr:`hear_by_another_model`) also hears as a no, is
        taken as clearly heard, as two hearings agree; else ``confidence`` as it is, and the dialogue asks once
        more ("I want to be sure I heard you right"). Whisper gives a short, clearly said "No." about 0.3, so
        without this every such no to a safety question was asked twice. On 441 spoken short answers
        (benchmarks/noise.md section 21) Moonshine confirmed 33 of the 38 such no's and none of the answers
        that were a yes."""
        from ..core.intents import Answer, parse_answer

        if self.hear_by_another_model is None or not self.dialogue.doubts_no(self.conversation.state, text, confidence):
            return confidence
        try:
            other = self.hear_by_another_model(pcm)
        except Exception as err:  # noqa: BLE001 - the first hearing stands, and the question is asked again
            log.warning("the other model failed (%s: %s); the no is checked by asking", err.__class__.__name__, err)
            return confidence
        if other is None or parse_answer(other) is not Answer.NO:
            return confidence
        log.info("a no heard with confidence %.2f, and as a no by another model too: taken", confidence)
        return self.dialogue.min_confidence

    def _from_the_room(self, utterance: Utterance, heard, text: str) -> bool:
        """True for a line taken as the room's own talk, not answered (STAND_OUT_DB): no visit under way (nothing
        placed, no question open: State.under_way), no wake phrase or push to talk, the line hardly out of the room
        (or many voices at once, Utterance.many_voices), and nothing in it the kiosk acts on, nor a sign the
        recognizer may have misheard that the words, so read, tell (kiosk.faces.asks, Ask.told). A sign only put
        back into a question is the room's talk: the kitchen's distant "do you want to do this?" read as "do you
        want to die?" was answered, now and then, before anyone came. Logged without its words."""
        over = utterance.over_room_db
        soft = over is not None and over < self.stand_out_db
        if (not self.stand_out_db or not (soft or utterance.many_voices) or self.conversation.state.under_way
                or self.wake_words or self.push_to_talk or self.dialogue.gives_something(text)
                or any(ask.told for ask in self._asks_for(heard, text))):
            return False
        why = "many voices at once" if utterance.many_voices else f"{over:.1f} dB out of the room"
        log.info("not answered: a line with no visit under way, %s (the room's own talk?)", why)
        return True

    def _hear_again_later(self, pcm: bytes, text: str) -> None:
        """Decode the utterance a second time on a thread while the reply is spoken (the turn never waits for
        it); a red flag only that hearing finds becomes the next question (Conversation.ask_later), never an
        emergency by itself. Nothing in an emergency or when the recognizer has no second decode."""
        from ..core.dialogue import Phase
        from ..core.triage import assess

        index = getattr(self.conversation.dialogue, "index", None)
        if self.hear_again is None or not self.asks or index is None or self.conversation.state.phase is Phase.EMERGENCY:
            return
        hear_again = self.hear_again
        found = set(assess(text, index).to_json()["red_flags"])
        sounds = self.sign_sounds()
        box: dict = {}

        def work() -> None:
            try:
                alt = hear_again(pcm)
            except Exception as err:  # noqa: BLE001 - the first hearing stands; the kiosk goes on
                log.warning("second hearing failed (%s: %s); the first is kept", err.__class__.__name__, err)
                return
            heard = [a for a in alt if a.strip()]
            if heard:
                asks = other_hypotheses_asks(heard, lambda t: assess(t, index).to_json(), sounds, found)
                box["flags"] = list(dict.fromkeys(a.flag for a in asks))
                box["heard"] = " | ".join(heard)

        worker = threading.Thread(target=work, name="kiosk-hear-again", daemon=True)
        worker.start()
        self.second = (worker, box, self.conversation.session)

    def _second_check(self, wait: bool = False) -> None:
        """Take in the last utterance's second hearing when it is done (``wait``: wait for it), on this loop's
        thread. Its signs go to the conversation now, or, when the person had begun to speak again before it
        was in (``late``), after that answer (:attr:`_late`): never as a question the person did not hear."""
        if self.second is None:
            return
        worker, box, session = self.second
        if wait:
            worker.join(self.asr_timeout_s)
        if worker.is_alive():
            return
        self.second = None
        flags = box.get("flags") or []
        if flags:
            log.info("asking about %s (a second hearing: %r)", ", ".join(flags), box.get("heard"))
        if box.get("late"):
            self._late.append((flags, session))
        else:
            self._ask_again(flags, session)

    def _ask_again(self, flags: list[str], session: int) -> None:
        """Each sign goes to the conversation as the next question; one asked at once is said after the reply
        being spoken (kept in :attr:`_held`)."""
        for flag in flags:
            turn = self.conversation.ask_later(flag, self.now(), session, source="voice")
            if turn is not None and self.conversation.last is not None:
                self._held = self.conversation.last

    def _ask_for(self, heard, text: str):
        """The first ask (kiosk.faces.asks) for a heard utterance (:meth:`_asks_for`), or None."""
        found = self._asks_for(heard, text)
        return found[0] if found else None

    def _asks_for(self, heard, text: str) -> list[Ask]:
        """The asks (kiosk.faces.asks) for a heard utterance, when the dialogue is not already asking about or
        acting on a red flag and the transcript itself has none; else none."""
        from ..core.triage import assess

        state = self.conversation.state
        if not self.asks or (state.pending is not None and state.pending.kind in {"red_flag", "screening"}):
            return []
        index = getattr(self.conversation.dialogue, "index", None)
        if index is None:
            return []
        primary = assess(text, index).to_json()
        if primary["red_flags"] or primary["ask"]:
            return []
        return asks_for(heard, primary, lambda t: assess(t, index).to_json(), self.sign_sounds())

    def sign_sounds(self) -> SignSounds | None:
        """The content's red-flag phrases as sounds (kiosk.faces.phonetic, kept per phrase list, so edited content
        gets its own), for the sound-alike asks; None without the pronouncing dictionary."""
        return sign_sounds(self.conversation.dialogue.kb)

    def _check_room(self, pcm: bytes) -> None:
        """Once, at the first utterance: the room's SNR (noise of the first seconds vs this utterance); in a
        noisy room the status line suggests push to talk, a headset or a directional microphone."""
        import numpy as np

        from ..speech.room import advice, measure

        self.room_checked = True
        if len(self.room_noise) < 0.3 * 32000:
            return
        noise = np.frombuffer(bytes(self.room_noise), dtype=np.int16)
        self.room_snr_db = measure(np.frombuffer(pcm, dtype=np.int16), noise).snr_db
        line = advice(self.room_snr_db, self.push_to_talk)
        if line:
            self.status.write(f"Voice status: {line}\n")
            self.status.flush()

    def hear(self, text: str, confidence: float = 1.0, source: str = "voice") -> Turn:
        """Pass one utterance (heard or typed) to the conversation and deliver the answer."""
        turn = self.conversation.hear(text, self.now(), confidence, source=source)
        self.turns += 1
        self.deliver(turn)
        return turn

    def _idle(self) -> None:
        if self.audio_s < self.next_idle_check_s or self.in_speech:
            return
        self.next_idle_check_s = self.audio_s + 1.0
        turn = self.conversation.tick(self.now())
        if turn is not None:
            self.deliver(turn)

    def _from_another_face(self, exchange: Exchange) -> None:
        """A listener on the conversation: what another face caused is spoken by this loop, not on its thread.
        Turns this loop caused (on its own thread) it delivers itself."""
        if threading.current_thread() is not self._thread:
            self.others.put(exchange)

    def _others(self, final: bool = False) -> None:
        while True:
            if self._held is not None:  # a second hearing's question: after the reply, never over the person
                if (self._speaking() or self.in_speech) and not final:
                    return
                self._quiet()  # (the input ended: the reply is still said to its end first)
                exchange, self._held = self._held, None
            else:
                try:
                    exchange = self.others.get_nowait()
                except queue.Empty:
                    return
            self._stop_speaking()
            if exchange.said:
                self._caption(f"You said: {exchange.said}")
            self.deliver(exchange.turn)

    def _quiet(self, limit_s: float = 30.0) -> None:
        """Wait (at most ``limit_s``) until the reply being spoken ends."""
        import time

        deadline = time.monotonic() + limit_s
        while self._speaking() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _typed(self) -> None:
        """Lines typed on the keyboard: Enter alone interrupts speech (or starts push-to-talk); text is an answer."""
        if self.keyboard is None:
            return
        while True:
            try:
                line = self.keyboard.get_nowait()
            except queue.Empty:
                return
            if line is None:  # keyboard closed
                self.keyboard = None
                return
            if not line.strip():
                if self._speaking():
                    self._stop_speaking()
                elif self.push_to_talk:
                    self.armed = True
                    self.endpointer.reset()
                    self._caption("(Listening... speak now.)")
                continue
            self._stop_speaking()
            self.awake = True
            self.hear(line.strip(), source="keyboard")

    # --- output -----------------------------------------------------------------------------------

    def deliver(self, turn: Turn) -> None:
        """Captions first (so nothing depends on the speaker), then speech. The turn's events already went to
        the event sink (the conversation sends them)."""
        for reply in turn.replies:
            self._caption(("!! " if reply.urgent else "Kiosk: ") + reply.text)
        for event in turn.events:
            if event.kind is EventKind.SESSION_END and self.wake_words:
                self.awake = False
        self.grammar = self._grammar_for(turn.expect)
        self.endpointer.reset()
        self.in_speech = False
        said, rate = self.mouth.say_turn(turn)
        if self.reply_wav is not None and said and self.turns:
            self._save_reply(said, rate)
        self.conversation.activity(self.now())

    def _save_reply(self, text: str, rate_wpm: int) -> None:
        from ..speech.tts import TtsError, synthesize

        if self.reply_wav is None:
            return
        try:
            synthesize(text, self.reply_wav, rate_wpm=rate_wpm, volume=self.volume)
        except TtsError as err:
            self._caption(f"(Could not save the spoken reply: {err})")

    def _speaking(self) -> bool:
        return self.mouth.speaking

    def _stop_speaking(self) -> None:
        self.mouth.stop()

    def _caption(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def _tty(self) -> bool:
        return hasattr(self.out, "isatty") and self.out.isatty()

    # --- recognition ------------------------------------------------------------------------------

    def _grammar_for(self, expect: Expect) -> list[str] | None:
        """A small grammar for yes/no answers; red-flag phrases stay in it so an emergency is always heard."""
        if expect is not Expect.YES_NO:
            return None
        return answer_phrases() + self.red_flag_phrases

    def _after_wake_phrase(self, text: str) -> str | None:
        """The words after the wake phrase, or None when it was not said (room talk is ignored)."""
        words = tokens(text)
        n = len(self.wake_words)
        wake = "".join(self.wake_words)
        # Compared without spaces, over as many words or one more: "hey key ass" is "hey kiosk" misheard.
        for i in range(len(words)):
            for size in (n, n + 1):
                if i + size <= len(words) and fuzz.ratio("".join(words[i:i + size]), wake) >= 78:
                    return " ".join(words[i + size:])
        return None

    def _asr(self, call, *args, timeout: bool = False):
        """Call the recognizer; a failure or (for a whole utterance) a hang becomes a VoiceFault."""
        if not timeout:
            try:
                return call(*args)
            except Exception as err:  # noqa: BLE001
                raise VoiceFault(f"The speech recognizer failed ({err.__class__.__name__}: {err})") from err
        box: dict = {}

        def work() -> None:
            try:
                box["result"] = call(*args)
            except BaseException as err:  # noqa: BLE001
                box["error"] = err

        worker = threading.Thread(target=work, name="kiosk-asr", daemon=True)
        worker.start()
        worker.join(self.asr_timeout_s)
        if worker.is_alive():
            raise VoiceFault(f"The speech recognizer stopped answering (over {self.asr_timeout_s:g} s)")
        if "error" in box:
            failure = box["error"]
            raise VoiceFault(f"The speech recognizer failed ({failure.__class__.__name__}: {failure})")
        return box["result"]


def keyboard_queue(stream: TextIO = sys.stdin) -> queue.Queue[str | None]:
    """Lines typed while the voice kiosk runs, read on a daemon thread (None when input ends)."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        try:
            for line in stream:
                lines.put(line.rstrip("\n"))
        except (OSError, ValueError):
            pass
        lines.put(None)

    threading.Thread(target=read, name="kiosk-keyboard", daemon=True).start()
    return lines


@dataclass
class VoiceParts:
    """What a voice face needs from this machine: a frame source, a recognizer and a speaker."""

    source: Any
    recognizer: Any
    speaker: Any
    asr_reason: str
    speaker_reason: str = ""

    def close(self) -> None:
        _wait_for_speech(self.speaker)
        self.source.close()


def open_voice(settings: Settings, dialogue: Dialogue, wav: Path | None = None) -> tuple[VoiceParts | None, str]:
    """The microphone (or ``wav``), the recognizer and the speaker; (None, why) when voice cannot work here."""
    try:
        from ..speech.asr import open_recognizer
        from ..speech.audio import AudioError, FrameSource, WavSource, open_microphone
        from ..speech.tts import open_speaker
    except ImportError as err:  # a partial install: the text kiosk still works
        return None, f"the voice layer cannot be loaded ({err})"

    source: FrameSource | None
    if wav is not None:
        try:
            source = WavSource(wav)
        except AudioError as err:
            return None, str(err)
    else:
        source, why = open_microphone(settings.input_device)
        if source is None:
            return None, why
    keywords = ([settings.wake_phrase] if settings.wake_phrase else []) + dialogue.kb.red_flag_keywords()
    recognizer, asr_reason = open_recognizer(settings, dialogue.kb.recognition_phrases(), prompt_keywords=keywords,
                                             hearing=hearing_for(dialogue.kb))
    if recognizer is None:
        source.close()
        return None, asr_reason
    if settings.tts.startswith("wyoming://"):
        from ..speech.wyoming_tts import open_wyoming_speaker

        speaker, speaker_reason = open_wyoming_speaker(
            settings.tts, voice=settings.tts_voice, rate_wpm=settings.tts_rate_wpm, volume=settings.tts_volume,
            output_device=settings.output_device, asr_timeout_s=settings.asr_timeout_s)
    else:
        speaker, speaker_reason = open_speaker(settings.tts_voice, settings.tts_rate_wpm, settings.tts_volume,
                                               settings.output_device)
    return VoiceParts(source, recognizer, speaker, asr_reason, speaker_reason), asr_reason


def voice_session(settings: Settings, parts: VoiceParts, talk: Dialogue | Conversation, *, out: TextIO = sys.stdout,
                  keyboard=None, reply_wav: Path | None = None, live: Callable[[], Dialogue] | None = None,
                  on_event: EventSink | None = None, clock: Callable[[], float] | None = None) -> VoiceSession:
    """A VoiceSession with the settings' endpointing, wake phrase, push-to-talk, barge-in, room rule and voice."""
    from ..speech.vad import Endpointer

    return VoiceSession(
        talk, parts.source, parts.recognizer, parts.speaker, Endpointer.from_settings(settings), on_event=on_event,
        captions=out, keyboard=keyboard, wake_phrase=settings.wake_phrase, push_to_talk=settings.push_to_talk,
        barge_in=settings.barge_in, rate_wpm=settings.tts_rate_wpm, emergency_rate_wpm=settings.emergency_rate_wpm,
        volume=settings.tts_volume, asr_timeout_s=settings.asr_timeout_s, reply_wav=reply_wav, live=live, clock=clock,
        stand_out_db=settings.room_stand_out_db)


def with_reprompt(settings: Settings, dialogue: Dialogue,
                  rebuild: Callable[[KnowledgeBase], Dialogue] | None) -> tuple[Dialogue, Callable | None]:
    """The voice kiosk asks a question not heard over the room's noise once more (``reprompt_s``)."""
    if not settings.reprompt_s:
        return dialogue, rebuild
    dialogue = dataclasses.replace(dialogue, reprompt_s=settings.reprompt_s)
    if rebuild is None:
        return dialogue, None
    make = rebuild

    def rebuild_with_reprompt(kb: KnowledgeBase) -> Dialogue:
        return dataclasses.replace(make(kb), reprompt_s=settings.reprompt_s)

    return dialogue, rebuild_with_reprompt


def start_voice_kiosk(settings: Settings, dialogue: Dialogue, insist: bool = False, wav: Path | None = None,
                      reply_wav: Path | None = None, out: TextIO = sys.stdout,
                      rebuild: Callable[[KnowledgeBase], Dialogue] | None = None) -> tuple[int | None, str]:
    """Run the voice kiosk: (exit status, reason), or (None, reason) when voice cannot start here.

    ``wav`` runs one session from a recording instead of the microphone (the newcomer's first try,
    and the end-to-end tests); ``reply_wav`` also saves the kiosk's last spoken reply there. ``rebuild``
    makes a dialogue from edited content, picked up between sessions (none: the content stays as loaded).
    """
    from ..ops.events import event_handler, report_error
    from ..ops.live_content import LiveContent

    parts, asr_reason = open_voice(settings, dialogue, wav)
    if parts is None:
        return None, asr_reason
    print(f"Voice mode: {asr_reason}." + (f" {parts.speaker_reason}." if parts.speaker_reason else "")
          + ("" if wav else " Speak after the greeting; you can also type. Enter interrupts."), file=sys.stderr)
    keyboard = None if wav is not None or not sys.stdin.isatty() else keyboard_queue()
    dialogue, rebuild = with_reprompt(settings, dialogue, rebuild)
    with event_handler(settings) as on_event:
        _route_remote_problems(parts.recognizer, "recognizer", on_event, out)
        _route_remote_problems(parts.speaker, "speech output", on_event, out)
        live = None if rebuild is None else LiveContent(
            settings.content, dialogue, rebuild, on_problem=lambda line: report_error(on_event, "content", line))
        session = voice_session(settings, parts, dialogue, out=out, keyboard=keyboard, reply_wav=reply_wav,
                                live=live, on_event=on_event)
        try:
            result = session.run()
        finally:
            parts.close()
        if reply_wav is not None and reply_wav.exists():
            print(f"The last spoken reply is in {reply_wav}.", file=sys.stderr)
        if not result.fault:
            return 0, asr_reason
        print(f"{result.fault}. Please type instead.", file=out)
        if wav is not None:
            return 1, result.fault
        from .textmode import run_text_kiosk

        session.close()
        return run_text_kiosk(session.dialogue, resume=result.state, conversation=session.conversation), result.fault


def _route_remote_problems(adapter, source: str, on_event, out: TextIO) -> None:
    """A remote (Wyoming) recognizer or voice that fails or comes back: one line for the operator on stderr,
    and an error event in the event log. Local adapters have no ``on_problem`` and are left alone."""
    if not hasattr(adapter, "on_problem"):
        return

    def problem(line: str) -> None:
        print(f"kiosk: {line}", file=sys.stderr)
        report_error(on_event, source, line)

    adapter.on_problem = problem


def _wait_for_speech(speaker, limit_s: float = 30.0) -> None:
    """Let the last reply finish before the program ends (a file session ends right after its answer)."""
    import time

    deadline = time.monotonic() + limit_s
    try:
        while speaker.speaking and time.monotonic() < deadline:
            time.sleep(0.05)
        speaker.close()
    except Exception:  # noqa: BLE001
        pass


__all__ = ["Announcer", "Mouth", "VoiceSession", "SessionResult", "VoiceFault", "VoiceParts", "open_voice", "start_voice_kiosk",
           "keyboard_queue", "voice_session", "with_reprompt"]
