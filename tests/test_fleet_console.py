"""The fleet console and the supervisor's health rules, without Ray: the console's numbers come
from a real ledger fed through room journals, actions reach the named room, /metrics is valid
exposition text with a room label on every sample; a silent room is replaced on another node,
a stalled one anywhere, a finished one is left alone, a failing start backs off."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from twincast.fleet.console import create_console
from twincast.fleet.journal import JournalAnalytics
from twincast.fleet import supervisor as supervisor_module
from twincast.fleet.roomstate import PROBE_S, RoomState, probe
from twincast.fleet.supervisor import Supervisor
from twincast.live.events import make_event

TOKEN = "t" * 32


def fleet_spec(tmp_path, **health):
    return {"rooms": [{"name": "tea", "port": 9101}, {"name": "cups", "port": 9102}], "state_dir": str(tmp_path),
            "health": health}


@pytest.fixture()
def sup(tmp_path):
    s = Supervisor(fleet_spec(tmp_path, dead_after_s=2.0, stall_s=4.0), str(tmp_path / "state"), TOKEN)
    calls = []

    class Handle:
        def __init__(self, room):
            self.room = room

    def operate(room, action, args):
        calls.append((room, action, args))
        return {"ok": True, "handled_by": s.rooms[room].instance}

    s.operate = operate
    s.calls = calls
    for i, (name, r) in enumerate(s.rooms.items()):
        r.instance, r.handle, r.node = f"{name}-0-abc", Handle(name), f"node{i}"
        s.ledger.hand_over(name, r.session, None, r.instance)
        j = JournalAnalytics(tmp_path / f"{name}.db", r.instance)
        j.start_session(r.session, name)
        j.viewer_join(r.session, f"viewer-{name}-1", "ann")
        for k in range(i + 2):
            j.record_event(r.session, make_event("comment", {"id": k + 1, "user": "ann", "text": f"q{k}", "action": "answer"}, 1.0 + k, 100.0 + k))
        j.record_event(r.session, make_event("say", {"speaker": "host", "text": "a", "kind": "answer", "answers": [1]}, 5.0, 105.0))
        j.record_order(r.session, f"viewer-{name}-1", "ann", "tea", 2, 12.5)
        cp = {"status": "on_air", "frames": 100, "media_t": 4.0, "node": r.node, "dropped_frames": 1}
        assert s.report(name, r.instance, [op.row() for op in j.pending()], cp)["acked"] == 6 + i
    return s


def test_console_shows_every_room_routes_actions_and_serves_metrics(sup):
    client = TestClient(create_console(sup, TOKEN))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for name, r in sup.rooms.items():
        sup.report(name, r.instance, [], r.checkpoint)
    assert client.get("/api/rooms").status_code == 401
    rows = {r["room"]: r for r in client.get("/api/rooms", headers=auth).json()["rooms"]}
    assert rows["tea"]["comments"] == 2 and rows["cups"]["comments"] == 3
    assert rows["tea"]["viewers"] == 1 and rows["tea"]["answers"] == 1 and rows["tea"]["gmv"] == 25.0
    assert rows["tea"]["state"] == "on_air" and rows["tea"]["media_t"] == 4.0

    r = client.post("/api/rooms/cups/say", json={"text": "  hello  "}, headers=auth)
    assert r.status_code == 200 and r.json()["handled_by"] == "cups-0-abc"
    assert sup.calls[-1] == ("cups", "say", {"text": "hello", "speaker": "host"})
    assert client.post("/api/rooms/tea/camera", json={"camera": "drone"}, headers=auth).status_code == 400
    assert client.post("/api/rooms/nope/skip", headers=auth).status_code == 404
    assert client.post("/api/rooms/tea/explode", headers=auth).status_code == 404
    assert client.post("/api/rooms/tea/skip").status_code == 401
    assert len(sup.calls) == 1  # refused requests never reached a room

    rep = client.get("/report/cups", headers=auth)
    assert rep.status_code == 200 and sup.rooms["cups"].session in rep.text and "¥25.00" in rep.text
    assert client.get("/report/nope", headers=auth).status_code == 404
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and "fleet.js" in page.text and "Content-Security-Policy" in page.headers
    for name, r in sup.rooms.items():  # a fresh heartbeat: the machine may be slow
        sup.report(name, r.instance, [], r.checkpoint)
    text = client.get("/metrics", headers=auth).text
    helps, types, samples = set(), set(), []
    for line in text.strip().splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in helps
            helps.add(name)
        elif line.startswith("# TYPE "):
            types.add(line.split()[2])
        else:
            m = re.fullmatch(r'([a-z_]+)\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)+)\} (-?[0-9.]+)', line)
            assert m, line
            samples.append((m.group(1), dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2))), float(m.group(3))))
    assert helps == types
    assert all("room" in labels for _, labels, _ in samples)
    got = {(n, l["room"], l.get("action", l.get("product"))): v for n, l, v in samples}
    assert got[("twincast_comments_total", "cups", "answer")] == 3
    assert got[("twincast_gmv_total", "tea", None)] == 25.0
    assert got[("twincast_orders_total", "tea", "tea")] == 1
    assert got[("twincast_room_up", "tea", None)] == 1


def test_health_rules(sup, monkeypatch):
    launched = []
    monkeypatch.setattr(sup, "_launch", lambda r, exclude, reason: launched.append((r.spec.name, exclude, reason)))
    monkeypatch.setattr(sup, "_kill", lambda handle: None)
    h = sup.spec.health
    tea, cups = sup.rooms["tea"], sup.rooms["cups"]
    for r in (tea, cups):
        r.last_report = r.frames_moved = time.monotonic()
    sup._check(tea, h)
    assert launched == []  # reporting and frames moving: healthy
    tea.last_report -= 2.5  # silent for 2.5 s: asked first; it answers (only late): left on air
    answers = iter([None, True, None, False])
    monkeypatch.setattr(supervisor_module, "probe", lambda r, now: next(answers))
    sup._check(tea, h)
    sup._check(tea, h)
    assert launched == []
    sup._check(tea, h)  # silent again and no answer this time: replaced, away from its node
    assert launched == []
    sup._check(tea, h)
    assert launched[-1][:2] == ("tea", "node0") and "no report" in launched[-1][2]
    cups.frames_moved -= 5  # reports come, frames stand still: replaced wherever there is room
    sup._check(cups, h)
    assert launched[-1][:2] == ("cups", None) and "no new frame" in launched[-1][2]
    n = len(launched)
    cups.checkpoint = {**cups.checkpoint, "status": "stopped"}  # the rundown ended: not restarted
    sup._check(cups, h)
    assert len(launched) == n and cups.stopped and "ended" in cups.error
    # a start that fails is retried after 1, 2, 4 ... s, not every tick
    fresh = RoomState(tea.spec, tea.session, handle=object(), launched=time.monotonic(), restarts=3)
    monkeypatch.setattr(supervisor_module, "begin_failed", lambda r: "TwincastError: bad catalog")
    sup._check(fresh, h)
    assert len(launched) == n and fresh.error == "TwincastError: bad catalog"
    fresh.launched -= 8.5
    sup._check(fresh, h)
    assert len(launched) == n + 1 and "start failed" in launched[-1][2]
    # a report from a replaced instance is fenced off and adds nothing to the ledger
    before = sup.ledger.last_seq(tea.session)
    sup.ledger.hand_over("tea", tea.session, tea.instance, "tea-1-new")
    tea.instance = "tea-1-new"
    assert sup.report("tea", "tea-0-abc", [(99, "event", "{}")], {})["fenced"] is True
    assert sup.ledger.last_seq(tea.session) >= before and sup.ledger.db.query(
        "SELECT COUNT(*) FROM fleet_ops WHERE seq=99")[0][0] == 0


def test_a_silent_room_is_asked_before_it_is_moved(sup, monkeypatch):
    """``probe`` against Ray's two calls it uses (wait, get), so each outcome is reached: an
    answer is a heartbeat, silence past PROBE_S or a dead actor means lost."""
    import sys
    import types

    outcome = {"done": False, "value": None}

    class Ref:
        pass

    def get(ref):
        if isinstance(outcome["value"], Exception):
            raise outcome["value"]
        return outcome["value"]

    fake = types.SimpleNamespace(wait=lambda refs, timeout=0: (refs if outcome["done"] else [], []), get=get)
    monkeypatch.setitem(sys.modules, "ray", fake)
    tea = sup.rooms["tea"]
    tea.handle.status = types.SimpleNamespace(remote=Ref)
    t0 = time.monotonic()
    tea.last_report, tea.frames = t0 - 5, 100
    assert probe(tea, t0) is None and tea.probe is not None  # asked
    assert probe(tea, t0 + PROBE_S / 2) is None  # no answer yet: still waiting
    outcome.update(done=True, value={"status": "on_air", "frames": 140})
    assert probe(tea, t0 + 1.0) is True and tea.last_report == t0 + 1.0 and tea.frames == 140
    assert tea.probe is None and "answered when asked" in tea.events[-1][1]
    outcome.update(done=False)
    assert probe(tea, t0 + 10) is None
    assert probe(tea, t0 + 10 + PROBE_S + 0.1) is False  # no answer in time: lost
    outcome.update(done=True, value=RuntimeError("actor died"))
    assert probe(tea, t0 + 20) is None and probe(tea, t0 + 20.1) is False  # its process is gone
