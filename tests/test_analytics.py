"""Analytics maths on synthetic but realistic sequences: reloads, two tabs, late joiners,
viewers still watching, moderated comments, answers, orders."""

from __future__ import annotations

import threading
import time

import pytest

from twincast.live.analytics import Analytics, merge_stays
from twincast.live.api import Event
from twincast.live.fake_show import FakeShow

T0 = 1_700_000_000.0


@pytest.fixture
def db(tmp_path):
    a = Analytics(tmp_path / "analytics.db")
    yield a
    a.close()


def _visits(a: Analytics, sid: str) -> None:
    """A: 0-300. B: 10-60, reload, 62-200. C: 20-50, back 400-580. D: two tabs 100-250 and
    150-180. E: joins 550, still watching at 600. F: 590-595."""
    def visit(viewer, j, l=None):
        vid = a.viewer_join(sid, viewer, viewer.upper(), wall=T0 + j)
        if l is not None:
            a.viewer_leave(vid, wall=T0 + l)

    visit("a", 0, 300)
    visit("b", 10, 60)
    visit("b", 62, 200)
    visit("c", 20, 50)
    visit("c", 400, 580)
    visit("d", 100, 250)
    visit("d", 150, 180)
    visit("e", 550)
    visit("f", 590, 595)


def _at(curve, x):
    return [n for t, n in curve if t <= x][-1]


def test_merge_stays_bridges_reloads_and_tabs():
    assert merge_stays([(10, 60), (62, 200)]) == [(10, 200)]
    assert merge_stays([(100, 250), (150, 180)]) == [(100, 250)]
    assert merge_stays([(20, 50), (400, 580)]) == [(20, 50), (400, 580)]


def test_viewers_watch_time_and_retention(db):
    db.start_session("s", "test", wall=T0)
    _visits(db, "s")
    now = T0 + 600
    curve = db.viewers_over_time("s", now=now)
    expected = {5: 1, 15: 2, 25: 3, 55: 2, 61: 2, 120: 3, 160: 3, 210: 2, 260: 1, 310: 0, 450: 1,
                560: 2, 592: 2, 597: 1, 600: 1}
    assert {x: _at(curve, x) for x in expected} == expected
    assert max(n for _, n in curve) == 3

    watch = db.watch_times("s", now=now)
    assert watch == pytest.approx({"a": 300, "b": 190, "c": 30 + 180, "d": 150, "e": 50, "f": 5})

    ret = db.retention("s", now=now)
    # retained: a, b (reload bridged), d; known: a b c d f; e is still deciding
    assert (ret["retained"], ret["viewers"]) == (3, 5)
    assert ret["share"] == pytest.approx(0.6)
    assert db.viewers_current("s") == 1

    db.end_session("s", wall=now)  # closes e's visit: now e's outcome is known (50 s < 120 s)
    ret = db.retention("s")
    assert (ret["retained"], ret["viewers"]) == (3, 6)
    assert db.viewers_current("s") == 0
    assert db.summary("s")["viewers_unique"] == 6


def test_comments_answers_orders_and_gmv(db):
    db.start_session("s", wall=T0)
    ev = [
        Event("comment", 5.0, T0 + 5, {"id": 1, "user": "u1", "text": "多少钱", "action": "answer", "intent": "price"}),
        Event("comment", 6.0, T0 + 6, {"id": 2, "user": "u2", "text": "加微信", "action": "silent", "reason": "contact"}),
        Event("comment", 70.0, T0 + 70, {"id": 3, "user": "u3", "text": "发货?", "action": "check"}),
        Event("comment", 75.0, T0 + 75, {"id": 4, "user": "u1", "text": "包邮吗", "action": "answer"}),
        Event("say", 8.0, T0 + 8, {"speaker": "host", "text": "128元", "kind": "answer", "answers": [1]}),
        Event("say", 9.0, T0 + 9, {"speaker": "host", "text": "script line", "kind": "script", "answers": []}),
        Event("say", 80.0, T0 + 80, {"speaker": "assistant", "text": "包邮", "kind": "answer", "answers": [3, 4]}),
        Event("stream", 0.0, T0 + 1, {"state": "on_air"}),
    ]
    for e in ev:
        db.record_event("s", e)
    assert db.comments_summary("s") == {"answer": 2, "silent": 1, "check": 1}
    assert db.answers_total("s") == 2
    assert db.answer_delays("s") == pytest.approx([3.0, 5.0, 10.0])
    pm = db.per_minute("s", now=T0 + 130)
    assert [(m["comments"], m["answers"]) for m in pm] == [(2, 1), (2, 1), (0, 0)]

    db.record_order("s", "v1", "A", "tea", 2, 128.0, "CNY", wall=T0 + 30)
    db.record_order("s", "v2", "B", "cup", 1, 99.0, "CNY", wall=T0 + 40)
    db.record_order("s", "v1", "A", "tea", 1, 128.0, "CNY", wall=T0 + 50)
    by = {o["product"]: o for o in db.orders_by_product("s")}
    assert by["tea"] == {"product": "tea", "orders": 2, "qty": 3, "gmv": 384.0, "currency": "CNY"}
    assert by["cup"]["gmv"] == 99.0
    db.viewer_join("s", "v1", wall=T0)
    db.viewer_join("s", "v2", wall=T0)
    db.viewer_join("s", "v3", wall=T0)
    s = db.summary("s", now=T0 + 130)
    assert s["gmv_total"] == 483.0 and s["orders_total"] == 3 and s["buyers"] == 2
    assert s["conversion"] == pytest.approx(2 / 3)
    assert s["answer_delay_median_s"] == pytest.approx(5.0)
    assert [r["kind"] for r in db.recent("s")][:2] == ["comment", "comment"]


def test_wal_and_concurrent_writers(db):
    assert db._rows("PRAGMA journal_mode")[0][0] == "wal"
    db.start_session("s")

    def writer(k):
        for i in range(100):
            db.record_order("s", f"v{k}", "", "tea", 1, 1.0)
            db.viewer_leave(db.viewer_join("s", f"v{k}-{i}"))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.orders_by_product("s")[0]["orders"] == 400
    assert db.summary("s")["viewers_unique"] == 400
    # a second connection (another process, a report tool) reads the same file meanwhile
    other = Analytics(db.path)
    assert other.orders_by_product("s")[0]["qty"] == 400
    other.close()


def test_attach_consumes_show_events(db):
    show = FakeShow(answer_delay=0.05)
    db.start_session("live")
    db.attach(show, "live")
    try:
        time.sleep(0.1)
        show.post_comment("viewer", "这个多少钱")
        show.post_comment("troll", "spam spam")
        deadline = time.monotonic() + 5
        while db.answers_total("live") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert db.comments_summary("live") == {"answer": 1, "silent": 1}
        assert db.answers_total("live") == 1
        assert len(db.answer_delays("live")) == 1
    finally:
        db.detach("live")
