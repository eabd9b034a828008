"""Fleet pieces without Ray: the fleet file, the rundown carried over to a new instance, and the
journal -> ledger path that must hold every analytics row exactly once across instances."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from twincast.errors import TwincastError
from twincast.fleet.journal import JournalAnalytics
from twincast.fleet.ledger import Ledger
from twincast.fleet.resume import shift_rundown
from twincast.fleet.spec import load_fleet
from twincast.live.api import Event, ProductInfo
from twincast.show.rundown import HeroSlot, Rundown, Slot


def write(tmp: Path, text: str) -> Path:
    p = tmp / "fleet.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_fleet_file_resolves_paths_and_refuses_bad_rooms(tmp_path):
    (tmp_path / "c.jsonl").write_text('{"t": 1, "user": "a", "text": "hi"}\n', encoding="utf-8")
    spec = load_fleet(write(tmp_path, "rooms:\n - {name: a, port: 8801, comments: ['jsonl:c.jsonl', 'twitch:shop'], rtmp: [rtmp://h/app/k]}\n"
                                      " - {name: b, port: 8802, lang: en, cpus: 0.5}\n"))
    assert [r.name for r in spec.rooms] == ["a", "b"]
    assert spec.rooms[0].comment_files() == [(tmp_path / "c.jsonl").resolve()]
    assert spec.rooms[0].platform_comments() == "twitch:shop" and spec.rooms[1].platform_comments() is None
    assert spec.rooms[1].lang == "en" and spec.rooms[1].cpus == 0.5
    bad = {
        "rooms:\n - {name: a, port: 8801}\n - {name: a, port: 8802}\n": "names must be unique",
        "rooms:\n - {name: a, port: 8801}\n - {name: b, port: 8801}\n": "ports must be unique",
        "rooms:\n - {name: a, port: 8801, comments: ['jsonl']}\n": "not kind:target",
        "rooms:\n - {name: a, port: 8801, comments: ['twitch']}\n": "comment source 'twitch': twitch needs a",
        "rooms:\n - {name: a, port: 8801, comments: ['douyin:123']}\n": "unknown comment source kind 'douyin'",
        "rooms:\n - {name: a, port: 8801, comments: ['tiktok:x']}\n": "unknown comment source kind 'tiktok'",
        "rooms:\n - {name: a, port: 8801, rtmp: ['http://x']}\n": "rtmp://",
        "rooms:\n - {name: a, port: 8801, size: 999x1}\n": "unknown size",
        "rooms:\n - {name: A B, port: 8801}\n": "rooms[A B].name: a room name is 1-40 lowercase",
        "rooms:\n - {name: a, port: 8801, catalog: nope.yaml}\n": "missing",
        "rooms: [\n": "not valid UTF-8 YAML",
        "- a\n": "not a fleet file",
    }
    for text, words in bad.items():
        with pytest.raises(TwincastError) as err:
            load_fleet(write(tmp_path, text))
        assert words in err.value.problem, (text, err.value.problem)
        assert err.value.fix


def test_shifted_rundown_has_the_same_schedule_from_that_point_on():
    rng = random.Random(3)
    for loop in (True, False):
        r = Rundown([Slot("a", 2.0), Slot("b", 1.5), Slot("c", 3.0)], [HeroSlot(5.0, "h", 1.0), HeroSlot(0.5, "h2", 0.5)], loop)
        for offset in [0.0, 30.0, 119.9, 120.0, 209.0, 400.0, 600.0, 3000.0] + [rng.uniform(0, 2000) for _ in range(30)]:
            s = shift_rundown(r, offset)
            for t in [0.0, 0.5, 1.0, 59.0, 200.0, 389.0, 1000.0] + [rng.uniform(0, 3000) for _ in range(40)]:
                assert s.product_at(t) == r.product_at(offset + t), (loop, offset, t)


def products():
    return [ProductInfo("tea", 1, "Tea", 100.0, 80.0, "CNY", 10, None)]


def ship(journal: JournalAnalytics, ledger: Ledger, room: str, session: str) -> int:
    ops = journal.pending()
    upto = ledger.apply(room, session, journal.instance, [op.row() for op in ops])
    if upto >= 0:
        journal.acked(upto)
    return upto


def test_journal_reaches_the_ledger_once_and_a_new_instance_continues(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    sid = "room-a-s1"
    ledger.hand_over("a", sid, None, "i1")
    j1 = JournalAnalytics(tmp_path / "i1.db", "i1")
    j1.start_session(sid, "room a")
    v = j1.viewer_join(sid, "viewer-0001", "ann")
    j1.record_event(sid, Event("comment", 1.0, 100.0, {"id": 1, "user": "ann", "text": "多少钱", "action": "answer"}))
    j1.record_event(sid, Event("say", 3.0, 103.0, {"speaker": "host", "text": "80元", "kind": "answer", "answers": [1]}))
    j1.record_order(sid, "viewer-0001", "ann", "tea", 2, 80.0)
    ops = [op.row() for op in j1.pending()]
    assert ship(j1, ledger, "a", sid) == 5
    assert ledger.apply("a", sid, "i1", ops) == 5  # a retried flush adds nothing
    j1.record_event(sid, Event("comment", 4.0, 104.0, {"id": 2, "user": "bob", "text": "lost with the node"}))
    # i1's node vanishes with one op unshipped; the supervisor hands the session to i2
    last = ledger.hand_over("a", sid, "i1", "i2", wall=110.0)
    assert last == 6  # the closed visit is an operation too
    assert ledger.apply("a", sid, "i1", [op.row() for op in j1.pending()]) == -1  # fenced off
    j2 = JournalAnalytics(tmp_path / "i2.db", "i2", last_seq=last, base_t=5.0, base_cid=ledger.max_cid(sid))
    assert j2.replay(sid, ledger.ops(sid), products()) == 6
    assert j2.query("SELECT remaining FROM stock WHERE session=?", (sid,)) == [(8,)]
    assert j2.viewers_current(sid) == 0 and j2.comments_summary(sid) == {"answer": 1}
    j2.start_session(sid, "room a")
    j2.record_event(sid, Event("comment", 1.0, 120.0, {"id": 1, "user": "cy", "text": "还有吗"}))
    j2.record_event(sid, Event("say", 2.0, 121.0, {"speaker": "host", "text": "有", "kind": "answer", "answers": [1]}))
    assert ship(j2, ledger, "a", sid) == 9
    db = ledger.db
    comments = db.query("SELECT cid, user, t FROM comments WHERE session=? ORDER BY cid", (sid,))
    assert comments == [(1, "ann", 1.0), (2, "cy", 6.0)]  # session-wide ids and times, none twice
    says = db.query("SELECT answers FROM says WHERE session=? ORDER BY wall", (sid,))
    assert [json.loads(a) for a, in says] == [[1], [2]]
    assert db.query("SELECT left FROM visits WHERE session=?", (sid,)) == [(110.0,)]
    assert ledger.numbers(sid) == {"viewers": 0, "comments": 2, "answers": 2, "orders": 1, "gmv": 160.0}
    kinds = [k for k, in db.query("SELECT kind FROM fleet_ops WHERE session=? ORDER BY seq", (sid,))]
    assert kinds == ["session", "join", "event", "event", "order", "leave", "session", "event", "event"]
    assert v >= 1


def test_fleet_commands_name_the_problem_without_a_traceback(tmp_path):
    from test_batch import run_cli

    (tmp_path / "fleet.yaml").write_text("rooms:\n - {name: a, port: 8801}\n", encoding="utf-8")
    for args, words in ((("fleet", "status", "--ray", "127.0.0.1:1"), "no Ray cluster answers at 127.0.0.1:1"),
                        (("fleet", "up", "fleet.yaml", "--ray", "nonsense"), "is not HOST:PORT"),
                        (("fleet", "up", "missing.yaml"), "cannot read fleet file missing.yaml")):
        res = run_cli(*args, cwd=tmp_path, timeout=120)
        assert res.returncode == 2 and words in res.stderr and "fix:" in res.stderr, res.stderr
        assert "Traceback" not in res.stderr


def test_the_outbox_is_shared_by_the_writer_and_the_shipper(tmp_path):
    """The room's web process writes the journal and the room's reporter (another process, its
    own connection to the file) ships and trims it: both see one outbox."""
    sid = "room-b-s1"
    writer = JournalAnalytics(tmp_path / "i1.db", "i1", last_seq=40)
    shipper = JournalAnalytics(tmp_path / "i1.db", "i1", last_seq=40)
    writer.start_session(sid, "room b")
    writer.record_order(sid, "viewer-0001", "ann", "tea", 1, 80.0)
    writer.record_event(sid, Event("comment", 1.0, 100.0, {"id": 1, "user": "ann", "text": "多少钱"}))
    assert [(op.seq, op.kind) for op in shipper.pending()] == [(41, "session"), (42, "order"), (43, "event")]
    assert shipper.pending()[1].body["product"] == "tea"
    shipper.acked(42)
    assert [op.seq for op in writer.pending()] == [43]
    writer.record_event(sid, Event("comment", 2.0, 101.0, {"id": 2, "user": "bob", "text": "有货吗"}))
    assert [op.seq for op in shipper.pending()] == [43, 44]
    reopened = JournalAnalytics(tmp_path / "i1.db", "i1", last_seq=40)  # a writer restarted on the file
    reopened.record_event(sid, Event("comment", 3.0, 102.0, {"id": 3, "user": "cy", "text": "包邮吗"}))
    assert [op.seq for op in shipper.pending()] == [43, 44, 45]  # sequence numbers never reused
    shipper.acked(45)
    again = JournalAnalytics(tmp_path / "i1.db", "i1", last_seq=40)  # every row shipped and gone
    again.record_event(sid, Event("comment", 4.0, 103.0, {"id": 4, "user": "dee", "text": "几号发货"}))
    assert [op.seq for op in shipper.pending()] == [46]
