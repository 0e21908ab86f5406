"""The conversation driver every face shares (kiosk.core.conversation): state, idle timing, events, live content
and listeners, driven with plain numbers for time."""
from __future__ import annotations

import dataclasses
import io
import threading

import pytest

from kiosk.core.conversation import Conversation, next_deadline
from kiosk.core.dialogue import Dialogue, EventKind, Phase

LIP = "my lip twitches when I drink coffee"
NUMB = "my face is numb on one side"


@pytest.fixture
def quick(kb, index):
    """Idle warning at 10 s, reset at 20 s, a question asked again after 4 s."""
    return Dialogue(kb, index=index, idle_warning_s=10.0, idle_timeout_s=20.0, reprompt_s=4.0)


def kinds(turn):
    return [e.kind for e in turn.events] if turn is not None else None


def play(talk: Conversation, script):
    """Steps (time, what): "start", "tick", "reset", or text heard at that time. Returns (time, what the kiosk
    said or None) per step."""
    shown = []
    for now, step in script:
        if step == "start":
            turn = talk.start(now)
        elif step == "tick":
            turn = talk.tick(now)
        elif step == "reset":
            turn = talk.reset("staff done", now)
        elif step == "unheard":
            turn = talk.not_heard(now)
        else:
            turn = talk.hear(step, now)
        shown.append((now, turn.text if turn is not None else None))
    return shown


# (script, the idle texts expected at each tick: a dialogue key, or None for nothing said)
IDLE_TABLE = [
    pytest.param([(0, "start"), (500, "tick")], [None], id="greeting never times out"),
    pytest.param([(0, "start"), (1, LIP), (4.9, "tick"), (5, "tick")], [None, "screening_question"],
                 id="open question asked again at 4 s"),
    pytest.param([(0, "start"), (1, LIP), (5, "tick"), (6, "tick"), (11, "tick")],
                 ["screening_question", None, "idle_warning"], id="asked again once, then warned at 10 s"),
    pytest.param([(0, "start"), (1, LIP), (11, "tick"), (12, "tick"), (21, "tick")],
                 ["idle_warning", None, "idle_reset"], id="warned once, reset at 20 s of silence"),
    pytest.param([(0, "start"), (1, LIP), (11, "tick"), (15, "yes"), (18, "tick"), (19, "tick"), (25, "tick")],
                 ["idle_warning", None, "screening_question", "idle_warning"], id="an answer restarts the silence"),
    pytest.param([(0, "start"), (1, LIP), (21, "tick"), (41, "tick"), (500, "tick")], ["idle_reset", None, None],
                 id="after the reset the fresh session waits"),
]


@pytest.mark.parametrize("script, expected", IDLE_TABLE)
def test_idle_steps_come_when_due(quick, kb, script, expected):
    talk = Conversation(quick)
    shown = [said for (_, step), (_, said) in zip(script, play(talk, script), strict=False) if step == "tick"]
    assert len(shown) == len(expected)
    for said, key in zip(shown, expected, strict=False):
        if key is None:
            assert said is None
        else:
            assert said is not None and kb.dialogue[key] in said


# (script, what the kiosk says to each "unheard" step: True for "not heard" and the open question again, None for
# nothing)
UNHEARD_TABLE = [
    pytest.param([(0, "start"), (1, LIP), (3, "unheard")], [True], id="question open: said at once"),
    pytest.param([(0, "start"), (1, LIP), (2, "unheard"), (3, "unheard"), (4, "unheard")], [True, True, None],
                 id="twice in a row at most: a clattering room does not keep it talking"),
    pytest.param([(0, "start"), (1, LIP), (2, "unheard"), (3, "unheard"), (4, "no"), (5, "unheard")],
                 [True, True, True], id="words heard start the count again"),
    pytest.param([(0, "start"), (1, "unheard")], [None], id="only the greeting: nothing to ask again"),
    pytest.param([(0, "start"), (1, NUMB), (2, "unheard")], [None], id="emergency: it repeats on its own"),
]


@pytest.mark.parametrize("script, expected", UNHEARD_TABLE)
def test_speech_with_no_words_heard_asks_the_open_question_again(quick, kb, script, expected):
    talk = Conversation(quick)
    shown = []
    for step in script:
        question = talk.state.pending.text if talk.state.pending else ""
        ((_, said),) = play(talk, [step])
        if step[1] == "unheard":
            shown.append(said)
            assert said is None or said == f"{kb.dialogue['not_heard']} {question}"
    assert [said is not None or None for said in shown] == expected


def test_not_heard_is_no_miss_and_leaves_repeat_alone(quick, kb):
    """No staff call however often it happens, and "repeat" still says the question, not the apology."""
    talk = Conversation(quick)
    talk.start(0)
    question = talk.hear(LIP, 1).text
    kinds_seen = []
    talk.subscribe(lambda exchange: kinds_seen.append(exchange.kind))
    for now in range(2, 8):
        turn = talk.not_heard(now)
        assert turn is None or not turn.events
    assert kinds_seen == ["unheard", "unheard"] and talk.state.misses == 0
    assert talk.hear("repeat", 9).text == question


# (script, next deadline after it)
DEADLINE_TABLE = [
    pytest.param([(0, "start")], None, id="nobody there: no deadline"),
    pytest.param([(0, "start"), (3, LIP)], 7.0, id="question open: asked again at +4"),
    pytest.param([(0, "start"), (3, LIP), (7, "tick")], 13.0, id="then the warning at +10"),
    pytest.param([(0, "start"), (3, LIP), (13, "tick")], 23.0, id="then the reset at +20"),
    pytest.param([(0, "start"), (3, LIP), (23, "tick")], None, id="reset: no deadline"),
    pytest.param([(0, "start"), (3, NUMB)], 13.0, id="emergency: no question asked again"),
    pytest.param([(0, "start"), (3, "hello there")], 13.0, id="no question open: the warning"),
]


@pytest.mark.parametrize("script, deadline", DEADLINE_TABLE)
def test_next_deadline(quick, script, deadline):
    talk = Conversation(quick)
    play(talk, script)
    assert talk.next_deadline() == deadline


def test_lines_not_understood_a_while_ago_stop_counting_toward_a_person(kb, index):
    """A kiosk in a loud room answered the room's talk once, and the visitor's first misheard line, a minute
    later, was the second miss in a row: a person was called (benchmarks/noise.md section 21)."""
    def staff_calls(times):
        talk = Conversation(Dialogue(kb, index=index))
        talk.start(0)
        calls = 0
        for now in times:
            while (deadline := talk.next_deadline()) is not None and deadline <= now:
                talk.tick(deadline)
            turn = talk.hear("hello there", now)
            calls += EventKind.STAFF_ALERT in kinds(turn)
        return calls, talk

    assert staff_calls([1, 5, 9])[0] == 1  # three in a row: a person comes, as before
    calls, talk = staff_calls([1, 61, 65])  # the room once, the visitor a minute later
    assert calls == 0 and talk.state.misses == 2
    assert EventKind.STAFF_ALERT in kinds(talk.hear("hello there", 69))  # the third in a row still calls one
    # with a question open the misses stay: that is someone at the kiosk, however long they take
    talk = Conversation(Dialogue(kb, index=index))
    talk.start(0)
    talk.hear("there was an accident", 1)
    assert talk.state.under_way and talk.state.misses == 1
    talk.tick(40)
    assert talk.state.misses == 1


def test_ticking_at_every_deadline_never_spins(quick):
    """A loop that waits until next_deadline() and ticks reaches the reset in three steps, not thousands."""
    talk = Conversation(quick)
    talk.start(0)
    talk.hear(LIP, 1)
    steps = 0
    while (deadline := talk.next_deadline()) is not None:
        talk.tick(deadline)
        steps += 1
        assert steps < 10
    assert steps == 3 and not talk.started


def test_events_go_to_the_sink_with_what_was_said(quick):
    heard = []

    class Sink:
        takes_transcript = True

        def __call__(self, event, transcript=""):
            heard.append((event.kind, transcript))

    talk = Conversation(quick, on_event=Sink())
    talk.start(0)
    talk.hear(NUMB, 1)
    assert heard[0] == (EventKind.SESSION_START, NUMB)
    assert (EventKind.EMERGENCY, NUMB) in heard and (EventKind.STAFF_ALERT, NUMB) in heard
    heard.clear()
    talk.tick(25)
    assert heard == [(EventKind.SESSION_END, "")]


def test_a_plain_callback_gets_events_only(quick):
    events = []
    talk = Conversation(quick, on_event=events.append)
    talk.start(0)
    talk.hear(LIP, 1)
    assert [e.kind for e in events] == [EventKind.SESSION_START]


def test_a_failing_sink_does_not_stop_the_conversation(quick, kb):
    def broken(event):
        raise RuntimeError("disk full")

    talk = Conversation(quick, on_event=broken)
    talk.start(0)
    assert talk.hear(LIP, 1).text == kb.dialogue["screening_question"]


@pytest.mark.parametrize("started, events", [(False, []), (True, [(EventKind.SESSION_END, "staff done")])])
def test_reset_ends_a_started_session_only(quick, kb, started, events):
    seen = []
    talk = Conversation(quick, on_event=seen.append)
    talk.start(0)
    if started:
        talk.hear(NUMB, 1)
        seen.clear()
    turn = talk.reset("staff done", 5)
    assert turn.text == kb.dialogue["greeting"] and not talk.started and talk.state.phase is Phase.LISTENING
    assert [(e.kind, e.detail) for e in seen] == events


def test_resume_shows_the_emergency_again(quick):
    first = Conversation(quick)
    first.start(0)
    first.hear(NUMB, 1)
    second = Conversation(quick)
    turn = second.resume(first.state, 1000)
    assert turn.replies[0].urgent and "911" in turn.text
    assert second.next_deadline() == 1010  # the silence counts from the resume, in the new clock


@pytest.mark.parametrize("warned, expect_turn", [(True, True), (False, False)])
def test_more_time_answers_the_warning_or_only_keeps_alive(quick, kb, warned, expect_turn):
    talk = Conversation(quick)
    talk.start(0)
    talk.hear(LIP, 1)
    if warned:
        talk.tick(11)  # the warning
    turn = talk.more_time(12)
    assert (turn is not None) is expect_turn
    if expect_turn:
        assert turn.text == kb.dialogue["screening_question"]  # back to the open question
    assert talk.last_input == 12 and talk.started


def test_activity_postpones_but_never_goes_back(quick):
    talk = Conversation(quick)
    talk.start(0)
    talk.hear(LIP, 1)
    talk.activity(3)
    talk.activity(2)
    assert talk.last_input == 3 and talk.next_deadline() == 7


def test_live_content_is_picked_up_between_sessions_only(quick, kb, index):
    other = dataclasses.replace(quick, emergency_number="112")
    calls = []

    def live():
        calls.append(1)
        return other

    talk = Conversation(quick, live=live)
    talk.start(0)
    talk.hear(LIP, 1)  # a new session: the live content is asked for
    talk.hear("no", 2)  # in a session: not
    assert len(calls) == 1 and talk.dialogue is other


def test_listeners_see_every_turn_from_every_face(quick):
    seen = []
    talk = Conversation(quick)
    unsubscribe = talk.subscribe(seen.append)
    talk.start(0)
    talk.hear(LIP, 1, source="screen")
    talk.hear("no", 2, source="voice")
    talk.tick(30)
    unsubscribe()
    talk.hear("hello", 31)
    assert [(x.kind, x.source, x.said) for x in seen] == [
        ("start", "", ""), ("turn", "screen", LIP), ("turn", "voice", "no"), ("idle", "", "")]
    assert [x.seq for x in seen] == [1, 2, 3, 4]
    assert seen[-1].ended and not seen[1].ended
    assert seen[2].state.phase is Phase.QUESTION


def test_a_failing_listener_does_not_stop_the_others(quick):
    seen = []

    def broken(exchange):
        raise RuntimeError("page gone")

    talk = Conversation(quick)
    talk.subscribe(broken)
    talk.subscribe(seen.append)
    talk.start(0)
    assert len(seen) == 1


def test_two_faces_on_two_threads_share_one_state(quick):
    """Voice and touch at once: every utterance is heard once, in some order, none lost."""
    talk = Conversation(quick)
    talk.start(0)
    seen = []
    talk.subscribe(seen.append)

    def face(name):
        for i in range(50):
            talk.hear("repeat", i, source=name)

    threads = [threading.Thread(target=face, args=(n,)) for n in ("voice", "screen")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 100 and sorted(x.seq for x in seen) == list(range(2, 102))


def test_next_deadline_function_matches_the_dialogue_idle(quick):
    """At the deadline, Dialogue.idle has something to say; just before, it has not."""
    talk = Conversation(quick)
    talk.start(0)
    talk.hear(LIP, 1)
    for _ in range(3):
        deadline = next_deadline(talk.dialogue, talk.state, talk.last_input)
        assert quick.idle(talk.state, deadline - talk.last_input - 0.01)[1] is None
        assert quick.idle(talk.state, deadline - talk.last_input)[1] is not None
        talk.tick(deadline)


def test_voice_and_touch_feed_one_driver_and_the_voice_speaks_what_touch_caused(quick, kb):
    """The voice face's loop (on its thread) and a touch face (here: this thread) share one conversation:
    a tap's turn is spoken by the voice loop, from its own thread, and the state is one."""
    import time

    import numpy as np

    from kiosk.faces.voice import VoiceSession
    from kiosk.speech.vad import Endpointer

    class Silence:
        """A microphone in a quiet room, at about real time, until stopped."""

        def __init__(self):
            self.stop = threading.Event()

        def frames(self):
            frame = np.zeros(480, dtype=np.int16).tobytes()
            while not self.stop.is_set():
                time.sleep(0.002)
                yield frame

        def close(self):
            self.stop.set()

    class Speaker:
        def __init__(self):
            self.said, self.threads = [], set()

        def say(self, text, *, rate_wpm=None, volume=None, block=True):
            self.said.append(text)
            self.threads.add(threading.current_thread().name)

        def stop(self):
            pass

        speaking = False

        def close(self):
            pass

    talk = Conversation(quick)
    source, speaker = Silence(), Speaker()
    session = VoiceSession(talk, source, recognizer=None, speaker=speaker, endpointer=Endpointer(),
                           captions=io.StringIO(), clock=time.monotonic)
    talk.start(time.monotonic())  # the screen greets; the voice face says it
    worker = threading.Thread(target=session.run, name="voice-loop")
    worker.start()
    try:
        talk.hear(LIP, time.monotonic(), source="screen")
        deadline = time.monotonic() + 5
        while not any(kb.dialogue["screening_question"] in s for s in speaker.said):
            assert time.monotonic() < deadline, speaker.said
            time.sleep(0.01)
    finally:
        source.close()
        worker.join(5)
    session.close()
    assert kb.dialogue["greeting"] in speaker.said[0]
    assert speaker.threads == {"voice-loop"} and talk.state.said == (LIP,)
