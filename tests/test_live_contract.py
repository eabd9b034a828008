"""One contract for both shows: the real engine (``LiveShow``, small frames, not real time) and
``FakeShow`` (what the web tests run on) get the same ``ShowControl`` calls and must emit the
same kinds of typed events with the same meaning. Why: the fake once emitted a ``product``
event the engine never did, so the web tests passed while the real show broke."""

from __future__ import annotations

import queue
import time

import pytest

from twincast.live.events import (EVENT_TYPES, CommentEvent, LiveEvent, OperatorEvent, ProductEvent, SayEvent,
                                  StreamEvent)

pytestmark = pytest.mark.slow


def _drain(q: queue.Queue, seen: list[LiveEvent], until, timeout: float) -> LiveEvent:
    """Read events into ``seen`` until one matches ``until`` (bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ev = q.get(timeout=0.25)
        except queue.Empty:
            continue
        if ev is None:
            break
        seen.append(ev)
        if until(ev):
            return ev
    raise AssertionError(f"no matching event in {timeout} s; got kinds {[e.kind for e in seen]}")


def _script(show, timeout: float) -> list[LiveEvent]:
    """The same calls on any ShowControl; returns every event it emitted."""
    events = show.subscribe_events()
    seen: list[LiveEvent] = []
    show.start()
    _drain(events, seen, lambda e: isinstance(e, StreamEvent) and e.state == "on_air", timeout)
    asked = show.post_comment("小王", "这个多少钱")
    spam = show.post_comment("bot", "加微信 spam http://x.cn")
    assert asked["action"] != "silent" and spam["action"] == "silent"
    _drain(events, seen, lambda e: isinstance(e, SayEvent) and asked["id"] in e.answers, timeout)
    show.pin_comment("今晚8点抽奖")
    show.switch_camera("product")
    show.switch_camera(None)
    show.mute(True)
    show.mute(False)
    show.say_next("家人们，点赞过万就抽奖！")
    _drain(events, seen, lambda e: isinstance(e, SayEvent) and e.line == "operator", timeout)
    before = show.on_air()["product"]
    show.skip_product()
    _drain(events, seen, lambda e: isinstance(e, ProductEvent) and e.product != before, timeout)
    show.stop()
    _drain(events, seen, lambda e: isinstance(e, StreamEvent) and e.state == "stopped", timeout)
    return seen


def _summary(seen: list[LiveEvent]) -> dict:
    return {"kinds": {e.kind for e in seen},
            "operator": [e.action for e in seen if isinstance(e, OperatorEvent)],
            "comments": [(e.action, e.user) for e in seen if isinstance(e, CommentEvent)],
            "says": {e.line for e in seen if isinstance(e, SayEvent)} & {"answer", "operator"},
            "stream": [e.state for e in seen if isinstance(e, StreamEvent)]}


def test_live_show_and_fake_show_keep_one_contract(tmp_path):
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.live.engine import LiveShow
    from twincast.live.fake_show import FakeShow
    from twincast.show.catalog_io import load_catalog

    fake = _summary(_script(FakeShow(answer_delay=0.05), timeout=20))
    real_show = LiveShow(load_catalog(), AvatarModel.load(default_avatar_path()),
                         AvatarModel.load(default_assistant_path()), size="360x640",
                         record_dir=tmp_path, realtime=False)
    real = _summary(_script(real_show, timeout=120))
    assert real["kinds"] == fake["kinds"] == {"stream", "comment", "say", "operator", "product"}
    assert real["kinds"] <= set(EVENT_TYPES)
    assert real["operator"] == fake["operator"] == ["pin", "camera", "camera", "mute", "mute", "say", "skip"]
    for summary in (real, fake):  # the question is taken up, the spam is not
        assert [u for _, u in summary["comments"]] == ["小王", "bot"]
        assert summary["comments"][0][0] != "silent" and summary["comments"][1][0] == "silent"
    assert real["says"] == fake["says"] == {"answer", "operator"}
    assert real["stream"][0] == fake["stream"][0] == "on_air" and real["stream"][-1] == fake["stream"][-1] == "stopped"
    assert real_show.recording.is_file()


def test_typed_events_keep_the_old_wire_shape():
    ev = SayEvent(speaker="host", text="128元", line="answer", product="tea", camera="host", answers=(3,))
    assert ev.stamped(1.23456, 99.0).to_json() == {
        "kind": "say", "t": 1.235, "wall": 99.0,
        "data": {"speaker": "host", "text": "128元", "kind": "answer", "product": "tea", "camera": "host",
                 "answers": [3]}}
    assert CommentEvent(id=1, user="u", text="x", action="silent", reason="spam").data["intent"] is None
    assert "camera" not in OperatorEvent(action="pin", text="hi").data
    old = EVENT_TYPES["say"].from_data({"speaker": "host", "text": "t", "kind": "answer", "answers": [1]})
    assert isinstance(old, SayEvent) and old.line == "answer" and old.answers == (1,)
    with pytest.raises(TypeError, match="no field 'colour'"):
        EVENT_TYPES["operator"].from_data({"action": "pin", "colour": "red"})
