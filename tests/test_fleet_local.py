"""``twincast fleet up`` without --ray: its own Ray head on 127.0.0.1 that outlives the command,
reachable by ``fleet status`` from another process; a room whose process is killed restarts cold
from where it was; ``fleet down`` stops all of the instance's processes (found by their marker),
none else. One real room at 360x640, with a timed-comments file as its comment source."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import sqlite3
from pathlib import Path

import av
import httpx
import pytest
import yaml

from test_batch import run_cli
from test_batch_ray import _free_port

pytest.importorskip("ray")
pytestmark = pytest.mark.slow


def test_local_fleet_up_status_down(tmp_path, monkeypatch):
    from twincast.fleet.cluster import address_file, instance_pids, saved

    monkeypatch.setenv("TWINCAST_FLEET_DIR", str(tmp_path / "fleetdir"))  # this test's fleet only
    console = _free_port()
    spec = {"console": {"port": console}, "state_dir": "state",
            "rooms": [{"name": "solo", "port": _free_port(), "size": "360x640", "lang": "en", "record_dir": "rec",
                       "comments": ["jsonl:timed.jsonl"]}]}
    (tmp_path / "timed.jsonl").write_text('{"t": 2, "user": "jay", "text": "is it waterproof?"}\n', encoding="utf-8")
    (tmp_path / "fleet.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    marker = None
    try:
        up = run_cli("fleet", "up", "fleet.yaml", "--wait", "150", cwd=tmp_path, timeout=300)
        assert up.returncode == 0, up.stdout + up.stderr
        marker = saved()["temp"]
        assert instance_pids(marker)  # the head outlived the command
        token = re.search(r"token=(\w[\w-]*)", up.stdout + up.stderr).group(1)
        auth = {"Authorization": f"Bearer {token}"}
        r = httpx.post(f"http://127.0.0.1:{console}/api/rooms/solo/comment", json={"text": "how much are the earbuds?"},
                       headers=auth, timeout=30)
        assert r.status_code == 200 and r.json()["action"] == "answer", r.text
        deadline = time.monotonic() + 30  # the timed comment arrives at 2 s on the show's clock
        while time.monotonic() < deadline and httpx.get(f"http://127.0.0.1:{console}/api/rooms", headers=auth,
                                                        timeout=10).json()["rooms"][0]["comments"] < 2:
            time.sleep(0.5)
        rooms = lambda: httpx.get(f"http://127.0.0.1:{console}/api/rooms", headers=auth, timeout=10).json()["rooms"]  # noqa: E731
        first = rooms()[0]
        assert first["pid"] in instance_pids(marker)  # a process of the instance this test started
        os.kill(first["pid"], signal.SIGKILL)  # the room's process dies; no spare: a cold restart, same node
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            now = rooms()[0]
            if now["state"] == "on_air" and now["instance"] != first["instance"] and now["frames"] > 25:
                break
            time.sleep(0.5)
        assert now["restarts"] == 1 and now["session"] == first["session"] and now["media_t"] >= first["media_t"], now
        st = run_cli("fleet", "status", "--json", cwd=tmp_path, timeout=120)
        rows = json.loads(st.stdout)
        assert rows[0]["room"] == "solo" and rows[0]["state"] == "on_air", rows
        again = run_cli("fleet", "up", "fleet.yaml", cwd=tmp_path, timeout=120)
        assert again.returncode == 2 and "already runs" in again.stderr
    finally:
        down = run_cli("fleet", "down", cwd=tmp_path, timeout=300)
    assert down.returncode == 0, down.stderr
    assert "local Ray instance stopped" in down.stderr
    assert marker and instance_pids(marker) == [] and not address_file().exists()
    db = sqlite3.connect(tmp_path / "state" / "analytics.db")
    (sid, ended), = db.execute("SELECT id, ended FROM sessions").fetchall()
    assert ended is not None
    users = sorted(u for u, in db.execute("SELECT user FROM comments WHERE session=?", (sid,)))
    assert len(users) == 2 and "jay" in users, users  # the timed comment was not posted again after the restart
    recs = sorted(Path(tmp_path / "rec").glob("*.mp4"))
    assert len(recs) == 2  # the killed instance's recording (readable: fragmented MP4) and the new one's
    for rec in recs:
        with av.open(str(rec)) as c:
            assert sum(1 for _ in c.decode(video=0)) > 25
