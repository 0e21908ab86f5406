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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from rapidfuzz import fuzz

from ..core.content import KnowledgeBase
from ..core.dialogue import Dialogue, Event, EventKind, Expect, State, Turn
from ..core.intents import answer_phrases
from ..ops.events import emit, report_error
from ..speech.asr import transcribe
from ..ops.settings import Settings
from ..core.text import tokens
from .asks import with_ask

log = logging.getLogger("kiosk")

FRAME_S = 0.03
"""Seconds per frame (30 ms at 16 kHz; see kiosk.speech.audio)."""
RING_FRAMES = 20
"""Audio kept from before the endpointer declares speech (600 ms), so the first word is not cut."""
HEARING: dict = {}
"""Whisper's extra options in the voice kiosk (kiosk.speech.asr.whisper_hearing): none. Measured interleaved
on the same noisy utterances (benchmarks/noise.md), word probabilities cost 1.7x recognition time and a second
decode of the DeepFilterNet3-enhanced audio about 3x, which would push the turn past its 1 s budget; they are
`kiosk listen --word-confidence` and `--second enhanced` options. Sound-alike asks cost nothing and are on."""
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


class VoiceSession:
    """One kiosk's voice loop. Not thread-safe; one per kiosk."""

    def __init__(self, dialogue: Dialogue, source, recognizer, speaker, endpointer, *,
                 on_event: EventSink | None = None, captions: TextIO = sys.stdout,
                 keyboard: "queue.Queue[str] | None" = None, wake_phrase: str = "", push_to_talk: bool = False,
                 barge_in: bool = False, rate_wpm: int = 160, emergency_rate_wpm: int = 130, volume: float = 1.0,
                 asr_timeout_s: float = 20.0, reply_wav: Path | None = None,
                 live: Callable[[], Dialogue] | None = None, status: TextIO | None = None,
                 asks: bool = True) -> None:
        self.dialogue = dialogue
        self.live = live
        """Gives the dialogue for each new session (content edited while running); see kiosk.live_content."""
        self.source = source
        self.recognizer = recognizer
        self.speaker = speaker
        self.endpointer = endpointer
        self.on_event = on_event
        self.out = captions
        self.keyboard = keyboard
        self.wake_words = tokens(wake_phrase)
        self.push_to_talk = push_to_talk
        self.barge_in = barge_in
        self.rate_wpm, self.emergency_rate_wpm, self.volume = rate_wpm, emergency_rate_wpm, volume
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
        self.red_flag_phrases = sorted({p.lower() for f in dialogue.kb.red_flags for p in f.phrases})
        self.audio_s = 0.0
        self.last_activity_s = 0.0
        self.next_idle_check_s = 1.0
        self.turns = 0
        self.status = status if status is not None else sys.stderr
        """The operator's status lines (the room's noise), apart from the person's captions."""
        self.room_noise = bytearray()
        self.room_snr_db: float | None = None
        self.room_checked = False
        self.asks = asks
        """Ask about signs the recognizer may have misheard (kiosk.faces.asks)."""

    # --- the loop ---------------------------------------------------------------------------------

    def run(self, state: State | None = None) -> SessionResult:
        """Listen and answer until the source ends (a file) or a fault; returns where it stopped."""
        if state is None:
            state, turn = self.dialogue.start()
            if self.awake:
                self.deliver(turn)
            else:
                self._caption(f"(Say \"{' '.join(self.wake_words)}\" to start.)")
        try:
            frames = iter(self.source.frames())
            while True:
                state = self._typed(state)
                try:
                    frame = next(frames)
                except StopIteration:
                    break
                state = self._frame(state, frame)
        except VoiceFault as fault:
            report_error(self.on_event, "recognizer", str(fault))
            return SessionResult(state, str(fault), self.turns)
        except Exception as err:  # noqa: BLE001 - a broken adapter must not take the kiosk down
            from ..speech.audio import AudioError

            if isinstance(err, AudioError):
                report_error(self.on_event, "microphone", f"The microphone stopped ({err})")
                return SessionResult(state, f"The microphone stopped ({err})", self.turns)
            log.exception("voice session failed")
            report_error(self.on_event, "voice input", f"Voice input failed ({err.__class__.__name__}: {err})")
            return SessionResult(state, f"Voice input failed ({err.__class__.__name__})", self.turns)
        return SessionResult(state, "", self.turns)

    def _frame(self, state: State, frame: bytes) -> State:
        from ..speech.vad import EventKind as VadKind

        self.audio_s += FRAME_S
        self.ring.append(frame)
        speaking = self._speaking()
        if not self.room_checked and not speaking and not self.in_speech and len(self.room_noise) < ROOM_NOISE_S * 32000:
            self.room_noise += frame
        if speaking and not self.barge_in:
            self.last_activity_s = self.audio_s  # the kiosk talking is activity; its own voice is not input
            return state
        if not self.armed:
            return self._idle(state)
        for event in self.endpointer.push(frame):
            if event.kind is VadKind.SPEECH_START:
                if self._speaking():
                    self._stop_speaking()
                self._begin_utterance()
            elif event.kind is VadKind.PAUSE and not self.streaming:
                self._speculate(event.utterance.pcm)
            elif event.kind is VadKind.UTTERANCE:
                state = self._end_utterance(state, event.utterance.pcm)
        self.in_speech = self.in_speech and self.endpointer.in_speech  # a cough was dropped: not an utterance
        if self.in_speech and self.streaming:
            partial = self._asr(self.recognizer.accept, frame)
            if partial is not None and partial.text and self._tty():
                self.out.write(f"\r  (hearing) {partial.text[-70:]}\x1b[K")
                self.out.flush()
        return self._idle(state)

    def _begin_utterance(self) -> None:
        self.in_speech = True
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

    def _end_utterance(self, state: State, pcm: bytes) -> State:
        self.in_speech = False
        if self.streaming:
            heard = self._asr(self.recognizer.finish, timeout=True)
        else:
            heard = self._recognize_whole(pcm)
        self.last_activity_s = self.audio_s
        if self.push_to_talk:
            self.armed = False
        if self._tty():
            self.out.write("\r\x1b[K")
        text = (heard.text or "").strip()
        if text and not self.room_checked:
            self._check_room(pcm)
        if not text:
            # Noise the endpointer took for speech (a clatter, a cough) comes back empty: not worth a
            # "sorry?" in a waiting room. A person who spoke and was not understood will speak again.
            return state
        if not self.awake:
            rest = self._after_wake_phrase(text)
            if rest is None:
                return state
            self.awake = True
            if not rest:
                state, turn = self.dialogue.start()
                self.deliver(turn)
                return state
            text = rest
        self._caption(f"You said: {text}")
        ask = self._ask_for(state, heard, text)
        if ask is not None:
            # a sign the recognizer may have misheard: the dialogue asks that sign's own question (never declares)
            log.info("asking about %s (%s)", ask.flag, ask.why)
            return self.hear(state, with_ask(text, ask), heard.confidence)
        return self.hear(state, text, heard.confidence)

    def _ask_for(self, state: State, heard, text: str):
        """The first ask (kiosk.faces.asks) for a heard utterance, when the dialogue is not already asking about
        or acting on a red flag and the transcript itself has none; else None."""
        from .asks import asks_for
        from ..core.triage import assess

        if not self.asks or (state.pending is not None and state.pending.kind in {"red_flag", "screening"}):
            return None
        index = getattr(self.dialogue, "index", None)
        if index is None:
            return None
        primary = assess(text, index).to_json()
        if primary["red_flags"]:
            return None
        found = asks_for(heard, primary, lambda t: assess(t, index).to_json())
        return found[0] if found else None

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

    def hear(self, state: State, text: str, confidence: float = 1.0) -> State:
        """Pass one utterance (heard or typed) to the dialogue and deliver the answer."""
        if self.live is not None and not state.started:
            self.dialogue = self.live()
        state, turn = self.dialogue.hear(state, text, confidence)
        self.turns += 1
        self.deliver(turn, said=text)
        return state

    def _idle(self, state: State) -> State:
        if self.audio_s < self.next_idle_check_s or self.in_speech:
            return state
        self.next_idle_check_s = self.audio_s + 1.0
        state, turn = self.dialogue.idle(state, self.audio_s - self.last_activity_s)
        if turn is not None:
            self.deliver(turn)
            if not state.started:
                self.last_activity_s = self.audio_s
        return state

    def _typed(self, state: State) -> State:
        """Lines typed on the keyboard: Enter alone interrupts speech (or starts push-to-talk); text is an answer."""
        if self.keyboard is None:
            return state
        while True:
            try:
                line = self.keyboard.get_nowait()
            except queue.Empty:
                return state
            if line is None:  # keyboard closed
                self.keyboard = None
                return state
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
            self.last_activity_s = self.audio_s
            state = self.hear(state, line.strip())

    # --- output -----------------------------------------------------------------------------------

    def deliver(self, turn: Turn, said: str = "") -> None:
        """Captions first (so nothing depends on the speaker), then events, then speech.

        ``said`` is what caused the turn; the event log keeps it only when log_transcripts is on."""
        for reply in turn.replies:
            self._caption(("!! " if reply.urgent else "Kiosk: ") + reply.text)
        for event in turn.events:
            if event.kind is EventKind.SESSION_END and self.wake_words:
                self.awake = False
            emit(self.on_event, event, said)  # never raises: logging or alerting must not stop the conversation
        self.grammar = self._grammar_for(turn.expect)
        self.endpointer.reset()
        self.in_speech = False
        urgent = " ".join(r.text for r in turn.replies if r.urgent)
        normal = " ".join(r.text for r in turn.replies if not r.urgent)
        rate = self.rate_wpm * turn.voice.rate
        volume = min(1.0, self.volume * turn.voice.volume)
        if urgent:
            self._say(urgent, int(min(rate, self.emergency_rate_wpm)), volume, block=True)
        if normal:
            self._say(normal, int(rate), volume, block=False)
        if self.reply_wav is not None and (urgent or normal) and self.turns:
            self._save_reply(" ".join(t for t in (urgent, normal) if t), int(rate))
        self.last_activity_s = self.audio_s

    def _say(self, text: str, rate_wpm: int, volume: float, block: bool) -> None:
        try:
            self.speaker.say(text, rate_wpm=rate_wpm, volume=volume, block=block)
        except Exception as err:  # noqa: BLE001 - any TTS failure: print only from now on
            from ..speech.tts import PrintSpeaker

            reason = str(err).splitlines()[0] if str(err) else err.__class__.__name__
            self._caption(f"(Speech output failed: {reason}; replies are shown on screen only.)")
            report_error(self.on_event, "speech output", f"Speech output failed ({err.__class__.__name__}: {reason})")
            self.speaker = PrintSpeaker()

    def _save_reply(self, text: str, rate_wpm: int) -> None:
        from ..speech.tts import TtsError, synthesize

        try:
            synthesize(text, self.reply_wav, rate_wpm=rate_wpm, volume=self.volume)
        except TtsError as err:
            self._caption(f"(Could not save the spoken reply: {err})")

    def _speaking(self) -> bool:
        try:
            return bool(self.speaker.speaking)
        except Exception:  # noqa: BLE001
            return False

    def _stop_speaking(self) -> None:
        try:
            self.speaker.stop()
        except Exception:  # noqa: BLE001
            log.exception("speaker stop failed")

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
            err = box["error"]
            raise VoiceFault(f"The speech recognizer failed ({err.__class__.__name__}: {err})")
        return box["result"]


def keyboard_queue(stream: TextIO = sys.stdin) -> "queue.Queue[str | None]":
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


def start_voice_kiosk(settings: Settings, dialogue: Dialogue, insist: bool = False, wav: Path | None = None,
                      reply_wav: Path | None = None, out: TextIO = sys.stdout,
                      rebuild: Callable[[KnowledgeBase], Dialogue] | None = None) -> tuple[int | None, str]:
    """Run the voice kiosk: (exit status, reason), or (None, reason) when voice cannot start here.

    ``wav`` runs one session from a recording instead of the microphone (the newcomer's first try,
    and the end-to-end tests); ``reply_wav`` also saves the kiosk's last spoken reply there. ``rebuild``
    makes a dialogue from edited content, picked up between sessions (none: the content stays as loaded).
    """
    from ..ops.live_content import LiveContent
    from ..ops.events import event_handler, report_error

    try:
        from ..speech.asr import open_recognizer
        from ..speech.audio import AudioError, WavSource, open_microphone
        from ..speech.tts import open_speaker
        from ..speech.vad import Endpointer
    except ImportError as err:  # a partial install: the text kiosk still works
        return None, f"the voice layer cannot be loaded ({err})"

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
                                             hearing=HEARING)
    if recognizer is None:
        source.close()
        return None, asr_reason
    speaker, speaker_reason = open_speaker(settings.tts_voice, settings.tts_rate_wpm, settings.tts_volume,
                                           settings.output_device)
    print(f"Voice mode: {asr_reason}." + (f" {speaker_reason}." if speaker_reason else "")
          + ("" if wav else " Speak after the greeting; you can also type. Enter interrupts."), file=sys.stderr)
    keyboard = None if wav is not None or not sys.stdin.isatty() else keyboard_queue()
    if settings.reprompt_s:  # a question not heard over the room's noise is asked once more
        dialogue = dataclasses.replace(dialogue, reprompt_s=settings.reprompt_s)
        rebuild = rebuild and (lambda kb, make=rebuild: dataclasses.replace(make(kb), reprompt_s=settings.reprompt_s))
    with event_handler(settings) as on_event:
        live = None if rebuild is None else LiveContent(
            settings.content, dialogue, rebuild, on_problem=lambda line: report_error(on_event, "content", line))
        session = VoiceSession(
            dialogue, source, recognizer, speaker, Endpointer.from_settings(settings), on_event=on_event,
            captions=out, keyboard=keyboard, wake_phrase=settings.wake_phrase, push_to_talk=settings.push_to_talk,
            barge_in=settings.barge_in, rate_wpm=settings.tts_rate_wpm, emergency_rate_wpm=settings.emergency_rate_wpm,
            volume=settings.tts_volume, asr_timeout_s=settings.asr_timeout_s, reply_wav=reply_wav, live=live)
        try:
            result = session.run()
        finally:
            _wait_for_speech(speaker)
            source.close()
        if reply_wav is not None and reply_wav.exists():
            print(f"The last spoken reply is in {reply_wav}.", file=sys.stderr)
        if not result.fault:
            return 0, asr_reason
        print(f"{result.fault}. Please type instead.", file=out)
        if wav is not None:
            return 1, result.fault
        from .textmode import run_text_kiosk

        return run_text_kiosk(session.dialogue, on_event=on_event, resume=result.state, live=live), result.fault


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


__all__ = ["VoiceSession", "SessionResult", "VoiceFault", "start_voice_kiosk", "keyboard_queue"]
