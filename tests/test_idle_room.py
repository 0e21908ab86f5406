"""A kiosk waiting in a loud room, with no visit under way, does not answer the room's own talk, nor call a person
for not understanding it; a visitor who speaks to it is answered. Pure steps first (which lines give the kiosk
something to act on; the voice face's rule on made-up utterances), then the endpointer on the real kitchen
recording and real human speech, then a whole voice session on it with Whisper."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from device_fakes import RecordedMicrophone
from kiosk.core.dialogue import EventKind
from kiosk.speech.asr import Transcript

KITCHEN = Path(__file__).resolve().parents[2] / "shared" / "audio" / "noise" / "kitchen.wav"
SPEECH = Path(__file__).resolve().parents[2] / "shared" / "audio" / "speech"


@pytest.mark.parametrize("line", ["I'm sorry.", "Not like that.", "Thank you.", "With cream, lots of sugar.",
                                  "See you later", ""])
def test_the_rooms_small_talk_gives_the_kiosk_nothing(dialogue, line):
    assert not dialogue.gives_something(line)


@pytest.mark.parametrize("line", ["my lip keeps twitching", "I think my face is drooping",
                                  "no numbness or anything", "I need help", "get me a nurse",
                                  "say that again", "lots of stress at work lately"])
def test_a_sign_the_topic_or_a_request_gives_the_kiosk_something(dialogue, line):
    assert dialogue.gives_something(line)


@pytest.fixture
def idle_session(dialogue):
    """A voice session's room rule on made-up utterances: no audio, no recognizer runs."""
    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.tts import WavSpeaker

    def make(**kwargs):
        return VoiceSession(dialogue, None, object(), WavSpeaker(play=False), None, captions=io.StringIO(), **kwargs)

    return make


def said(over_room_db: float | None):
    from kiosk.speech.vad import Utterance

    return Utterance(b"", 0.0, 1.0, over_room_db=over_room_db)


def test_an_idle_kiosk_leaves_a_line_that_hardly_stands_out_and_says_nothing(idle_session):
    from kiosk.faces.voice import STAND_OUT_DB

    session = idle_session()
    heard = Transcript("I'm sorry.", 0.4, True)
    assert session._from_the_room(said(STAND_OUT_DB - 3), heard, heard.text)
    assert not session._from_the_room(said(STAND_OUT_DB + 3), heard, heard.text)  # someone at the kiosk
    assert not session._from_the_room(said(None), heard, heard.text)  # not judged: answered as before


def test_the_rule_follows_the_setting_and_zero_turns_it_off(idle_session, tmp_path):
    from kiosk.faces.voice import voice_session
    from kiosk.ops.settings import SettingsError, load_settings

    heard = Transcript("I'm sorry.", 0.4, True)
    assert idle_session(stand_out_db=12.0)._from_the_room(said(10.0), heard, heard.text)
    assert not idle_session(stand_out_db=8.0)._from_the_room(said(10.0), heard, heard.text)
    assert not idle_session(stand_out_db=0.0)._from_the_room(said(1.0), heard, heard.text)
    path = tmp_path / "kiosk.toml"
    path.write_text("room_stand_out_db = 12.5\n")
    settings = load_settings(path)
    parts = type("Parts", (), {"source": None, "recognizer": object(), "speaker": None})()
    assert voice_session(settings, parts, idle_session().conversation).stand_out_db == 12.5
    path.write_text("room_stand_out_db = -1\n")
    with pytest.raises(SettingsError, match="room_stand_out_db"):
        load_settings(path)


def test_many_voices_at_once_are_the_room_however_loud(idle_session):
    """Before the kiosk knows its room, people talking give one utterance cut at the longest allowed, whose level
    is not judged (no room heard before it); the endpointer takes it as many voices (RoomTalk.ran_out)."""
    from kiosk.speech.vad import Utterance

    session = idle_session()
    heard = Transcript("With cream and lots of sugar. Can I make a secret?", 0.4, True)
    crowd = Utterance(b"", 0.0, 15.0, truncated=True, many_voices=True)
    assert session._from_the_room(crowd, heard, heard.text)
    named = Transcript("with cream and sugar, my face is drooping", 0.4, True)
    assert not session._from_the_room(crowd, named, named.text)  # a sign in it is never dropped


def test_a_soft_line_is_answered_when_it_names_a_sign_or_may_have(idle_session):
    from kiosk.faces.voice import STAND_OUT_DB

    session = idle_session()
    soft = said(STAND_OUT_DB - 3)
    for text in ("my face is drooping", "I need help", "my lip twitches"):
        assert not session._from_the_room(soft, Transcript(text, 0.4, True), text)
    # nothing in the words, but another hypothesis of the recognizer names a sign: asked, never dropped
    heard = Transcript("my face is drawing", 0.4, True, alternatives=("my face is drooping",))
    assert not session._from_the_room(soft, heard, heard.text)


def test_a_soft_line_with_a_sign_only_put_back_into_a_question_is_the_rooms_talk(idle_session):
    """The kitchen's distant "do you want to do this?" has the sounds of "do you want to die", a question to someone
    else that triage only asks about: the idle kiosk answered it now and then before anyone came (the whole-session
    test below). A sign the misheard words tell is still answered, however soft."""
    from kiosk.faces.voice import STAND_OUT_DB

    session, soft = idle_session(), said(STAND_OUT_DB - 3)
    room = Transcript("Do you want to do this?", 0.4, True)
    assert session._ask_for(room, room.text) is not None  # the rescue still finds it...
    assert session._from_the_room(soft, room, room.text)  # ...but it tells no sign: the room's talk
    for text in ("my face went hum", "Call 959, now please."):
        assert not session._from_the_room(soft, Transcript(text, 0.4, True), text), text
    # a visitor already at the kiosk is asked, as before
    session.conversation.hear("my lip keeps twitching", 0.0)
    assert not session._from_the_room(soft, room, room.text)


def test_a_visit_under_way_a_wake_phrase_or_push_to_talk_is_never_judged_by_loudness(idle_session):
    from kiosk.faces.voice import STAND_OUT_DB

    soft, heard = said(STAND_OUT_DB - 3), Transcript("not like that", 0.4, True)
    session = idle_session()
    session.conversation.hear("my lip keeps twitching", 0.0)
    assert not session._from_the_room(soft, heard, heard.text)  # the visitor's soft "not like that" is an answer
    assert not idle_session(wake_phrase="hey kiosk")._from_the_room(soft, heard, heard.text)
    assert not idle_session(push_to_talk=True)._from_the_room(soft, heard, heard.text)


def test_lines_the_kiosk_could_not_place_are_not_a_visit_yet(idle_session, dialogue):
    """The room's talk that got a "Sorry, I did not catch that" (it stood out, or came before the kiosk knew its
    room) must not make the next soft lines of the room a visit, nor lead to a person called for them."""
    from kiosk.faces.voice import STAND_OUT_DB

    soft, heard = said(STAND_OUT_DB - 3), Transcript("Thank you.", 0.3, True)
    session = idle_session()
    turn = session.conversation.hear("Thank you.", 0.0, confidence=0.3)
    assert turn.text.startswith(dialogue.kb.dialogue["not_understood"]) and session.conversation.started
    assert not session.conversation.state.under_way
    assert session._from_the_room(soft, heard, heard.text)
    session.conversation.hear("I think my face is drooping", 1.0)  # placed: a sign the kiosk acts on
    assert session.conversation.state.under_way
    assert not session._from_the_room(soft, heard, heard.text)


class Hears:
    """A recognizer that hears one given line, whatever the audio."""

    streaming = True

    def __init__(self, text: str, confidence: float = 0.3) -> None:
        self.heard = Transcript(text, confidence, True)

    def start(self, grammar=None) -> None:
        pass

    def accept(self, frames: bytes) -> None:
        return None

    def finish(self) -> Transcript:
        return self.heard


def test_the_rooms_own_talk_is_no_activity_and_a_visitor_a_minute_later_starts_afresh(dialogue):
    """A kiosk that answered the room once ("Sorry, I did not catch that") went on counting the room's later soft
    lines as activity, so that miss never aged: the visitor's first misheard line, a minute on, called a person
    (set 14, espeak en-us, kitchen 5 dB; benchmarks/noise.md section 21)."""
    from kiosk.core.dialogue import EventKind
    from kiosk.faces.voice import STAND_OUT_DB, VoiceSession
    from kiosk.speech.tts import WavSpeaker
    from kiosk.speech.vad import Endpointer, Utterance

    session = VoiceSession(dialogue, None, Hears("There's a new experience."), WavSpeaker(play=False), Endpointer(),
                           captions=io.StringIO())
    talk = session.conversation
    talk.hear("There's a new experience.", 6.0, confidence=0.12)  # the room, answered once
    assert talk.state.misses == 1 and not talk.state.under_way
    for at in (20.0, 35.0, 50.0):  # the room goes on, softly: not answered, and not activity
        session.audio_s = at
        session._end_utterance(Utterance(b"\0" * 6400, at - 1.0, at, over_room_db=STAND_OUT_DB - 2))
        assert talk.last_input == 6.0
        session._idle()
    assert talk.state.misses == 0  # 20 s of quiet, as far as the kiosk is concerned: no longer in a row
    turn = session.hear("The heart to change my medicine and I'll make you a bit jonby.", 0.37)
    assert EventKind.NOT_UNDERSTOOD in [e.kind for e in turn.events]
    assert EventKind.STAFF_ALERT not in [e.kind for e in turn.events]


# --- the endpointer on real audio ---------------------------------------------------------------------

def room_and_line(line: np.ndarray, snr_db: float, lead_s: float, offset_s: float = 0.0) -> np.ndarray:
    from kiosk.speech.audio import line_in_room, read_wav

    return line_in_room(line, read_wav(KITCHEN), snr_db, lead_s, 2.0, int(offset_s * 16000),
                        level_from=None if len(line) else spoken_line())


def spoken_line() -> np.ndarray:
    """A real person's sentence (LibriSpeech, ../shared/audio/speech)."""
    from kiosk.speech.audio import read_wav

    folder = SPEECH / "librispeech-test-clean-mini"
    return read_wav(sorted(folder.glob("*.wav"))[0])


def utterances_of(samples: np.ndarray):
    from kiosk.speech.vad import utterances

    pcm = samples.astype("<i2").tobytes()
    return list(utterances(pcm[i:i + 960] for i in range(0, len(pcm) - 959, 960)))


@pytest.fixture(scope="module")
def silero():
    pytest.importorskip("faster_whisper", reason="Silero VAD ships with faster-whisper: pip install -e '.[whisper]'")
    from kiosk.speech.vad import neural_voicing

    if neural_voicing() is None:
        pytest.skip("Silero VAD did not load")


def test_a_person_at_the_kiosk_stands_out_of_the_kitchen_and_its_distant_talk_does_not(silero):
    from kiosk.faces.voice import STAND_OUT_DB

    # the kitchen alone for two minutes, at the level it has under a person speaking at 5 dB SNR
    room = [u.over_room_db for u in utterances_of(room_and_line(np.zeros(0, np.int16), 5.0, 120.0))]
    judged = [v for v in room if v is not None]
    assert len(judged) >= 3, room  # its distant talk and clatter are heard as utterances...
    assert sum(v >= STAND_OUT_DB for v in judged) <= 1, judged  # ...that hardly stand out of it
    for snr in (10.0, 5.0):
        found = [u for u in utterances_of(room_and_line(spoken_line(), snr, 20.0, offset_s=40.0)) if u.end_s > 20.0]
        assert found and max(u.over_room_db for u in found) >= STAND_OUT_DB, (snr, found)


def test_people_talking_before_the_kiosk_knew_its_room_are_taken_as_many_voices(silero):
    from kiosk.bench.noise import babble_noise

    found = utterances_of(babble_noise()[:16000 * 20])
    assert found and found[0].truncated and found[0].many_voices, found


def test_in_a_quiet_room_a_line_stands_far_out_even_at_once_and_without_silero_it_is_not_judged(silero):
    from kiosk.faces.voice import STAND_OUT_DB
    from kiosk.speech.vad import utterances

    line = spoken_line()
    pcm = np.concatenate([line, np.zeros(32000, np.int16)]).astype("<i2").tobytes()
    frames = [pcm[i:i + 960] for i in range(0, len(pcm) - 959, 960)]
    assert all(u.over_room_db is None for u in utterances(iter(frames), neural=False))
    # said the moment the kiosk started: the room is the line's own pauses and the silence after it
    first = list(utterances(iter(frames)))
    assert len(first) == 1 and first[0].over_room_db is not None and first[0].over_room_db > STAND_OUT_DB + 20


@pytest.mark.parametrize("snr, taken_for_the_room", [(-3.0, True), (5.0, False)])
def test_the_doctors_room_test_says_when_the_kiosk_would_take_a_first_line_for_the_room(silero, snr,
                                                                                        taken_for_the_room):
    from kiosk.ops import doctor
    from kiosk.ops.settings import Settings

    # the doctor's own test: 1.5 s of the room, then a real sentence said into it
    recording = room_and_line(spoken_line()[:16000 * 3], snr, 1.5)
    check = doctor.check_room_noise(Settings(), sd=RecordedMicrophone(recording), say=lambda line: None)
    assert check.status.value == "WARN" and "push to talk" in check.detail and "\n" not in check.detail
    assert ("room's own talk" in check.detail) is taken_for_the_room, check.detail
    if taken_for_the_room:
        assert "out of the room, under room_stand_out_db (9)" in check.detail, check.detail
        # push to talk (someone chose to speak) and a wake phrase are never judged by loudness
        for chosen in (Settings(push_to_talk=True), Settings(wake_phrase="hey kiosk")):
            check = doctor.check_room_noise(chosen, sd=RecordedMicrophone(recording), say=lambda line: None)
            assert check.status.value == "WARN" and "room's own talk" not in check.detail, check.detail


# --- a whole voice session ------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_kiosk_waiting_in_the_kitchen_answers_the_visitor_not_the_room(dialogue, kb, tmp_path, silero):
    """Ninety seconds of the real kitchen recording (its distant talk included) at the level it has under a visitor
    speaking at 5 dB SNR, then the visitor's line. Without the rule (STAND_OUT_DB off) the kiosk answers the room's
    talk before anyone came; with it, it says nothing until the visitor speaks, calls no one, and answers the
    visitor."""
    import subprocess

    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.audio import MemorySource, read_wav
    from kiosk.speech.tts import PrintSpeaker
    from kiosk.speech.vad import Endpointer
    from kiosk.speech.whisper_asr import WhisperRecognizer

    wav = tmp_path / "visitor.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav),
                    "my lip keeps twitching since i started drinking energy drinks"], check=True)
    line = read_wav(wav)
    lead_s = 90.0
    audio = room_and_line(line, 5.0, lead_s)
    recognizer = WhisperRecognizer(prompt_phrases=kb.recognition_phrases(), prompt_keywords=kb.red_flag_keywords())

    def run(stand_out_db: float | None = None):
        events, out = [], io.StringIO()
        replies: list[tuple[float, str]] = []
        # what is said, not how it sounds, is the question here (tests/test_session.py speaks to WAVs); and in one
        # CI run pyttsx3's espeak-ng segfaulted in Synth here, in a process where Piper's own espeak-ng (the Piper
        # test voice of earlier tests) was loaded too
        session = VoiceSession(dialogue, MemorySource(audio), recognizer, PrintSpeaker(), Endpointer(),
                               on_event=events.append, captions=out, stand_out_db=stand_out_db)
        deliver = session.deliver

        def noted(turn):
            replies.append((session.audio_s, turn.text))
            deliver(turn)

        session.deliver = noted  # type: ignore[method-assign]
        result = session.run()
        return result, events, replies[1:], out.getvalue()  # after the greeting

    _, _, replies, text = run(stand_out_db=0.0)  # the rule off
    assert [t for at, t in replies if at < lead_s], f"the room's talk was not answered even without the rule:\n{text}"

    result, events, replies, text = run()
    assert not [t for at, t in replies if at < lead_s], text  # nothing said to the room
    assert not any(e.kind is EventKind.STAFF_ALERT for e in events), text
    # the visitor's line is heard and answered: what Whisper makes of it at 5 dB varies from run to run (a
    # question about the warning signs, or "Sorry, I did not catch that" for "...and our giggling wind")
    assert text.count("You said:") == 1 and [t for at, t in replies if at >= lead_s], text
    assert result.state.started, text
