"""The web layer in a process of its own (``twincast live``): what happens when either side dies,
that its session keeps every event up to the stop, that a port in use is one clear error, and
that the web process can ask the show only what ShowControl offers. The HTTP and socket
behaviour itself is the same app, tested both ways in test_live_web_ws.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import urllib.request
from multiprocessing import Pipe

import pytest
from support.live_harness import TOKEN, live_server, wait

from twincast.live.fake_show import FakeShow
from twincast.live.web.process import ShowBridge, serve_process


def _post(server, path: str, body: dict) -> dict:
    req = urllib.request.Request(server.url + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Origin": server.url})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def test_a_dead_web_process_is_started_again_on_the_same_port_and_session(tmp_path):
    show = FakeShow(answer_delay=0.05)
    show.start()
    restarted = []
    server = serve_process(show, port=0, token=TOKEN, analytics_path=tmp_path / "a.db", session_id="again",
                           on_restart=lambda n, code: restarted.append((n, code)))
    try:
        from websockets.sync.client import connect

        ws = connect(server.url.replace("http", "ws") + "/ws/events?viewer=viewer-0001", origin=server.url,
                     legacy=True)
        ws.recv(timeout=5)
        first_pid, port = server.pid, server.port
        frames = show.on_air()["frames"]
        os.kill(first_pid, signal.SIGKILL)  # ours: started by serve_process
        assert wait(lambda: restarted, 20), "the web process was not started again"
        assert restarted == [(1, -signal.SIGKILL)] and server.pid != first_pid and server.port == port
        assert show.on_air()["frames"] > frames and show.on_air()["status"] == "on_air"  # never off air
        assert _post(server, "/api/comment", {"text": "还在吗 多少钱", "user": "bo", "viewer": "viewer-0002"})["action"]
        ws.close()
        db = sqlite3.connect(tmp_path / "a.db")
        assert wait(lambda: db.execute("SELECT COUNT(*) FROM comments WHERE session='again'").fetchone() == (1,), 5)
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (1,)  # the same session goes on
        # the killed process's socket left its visit open: closed when the new process started
        assert db.execute("SELECT COUNT(*), COUNT(left) FROM visits WHERE session='again'").fetchone() == (1, 1)
        assert db.execute("SELECT ended FROM sessions WHERE id='again'").fetchone() == (None,)
    finally:
        server.stop()
        show.stop()


def test_the_web_process_ends_with_its_show_and_closes_the_session(tmp_path):
    """A show process that dies (here: its pipe ends closed, as the kernel does for a killed
    process) takes its viewer page with it: no orphan keeps the port, the session is closed."""
    show = FakeShow(answer_delay=0.05)
    show.start()
    server = serve_process(show, port=0, token=TOKEN, analytics_path=tmp_path / "a.db", session_id="orphan")
    try:
        assert _post(server, "/api/comment", {"text": "多少钱", "user": "amy", "viewer": "viewer-0001"})["action"]
        server.bridge.stop()
        server.bridge.calls.close()
        server.bridge.feed.close()
        assert wait(lambda: not server.alive, 15), "the web process outlived its show"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    finally:
        server.stop(2)
        show.stop()
    db = sqlite3.connect(tmp_path / "a.db")
    assert db.execute("SELECT ended IS NOT NULL FROM sessions WHERE id='orphan'").fetchone() == (1,)


def test_stop_keeps_every_event_the_show_emitted_before_it(tmp_path):
    show = FakeShow(answer_delay=0.05)
    show.start()
    server = serve_process(show, port=0, token=TOKEN, analytics_path=tmp_path / "a.db", session_id="tail")
    for i in range(5):
        _post(server, "/api/comment", {"text": f"第{i}个问题 多少钱", "user": f"u{i}", "viewer": f"viewer-{i:04d}"})
    show.pin_comment("last word before the stop")  # emitted in the show process, then stop at once
    server.stop()
    show.stop()
    db = sqlite3.connect(tmp_path / "a.db")
    assert db.execute("SELECT COUNT(*) FROM comments WHERE session='tail'").fetchone() == (5,)
    assert db.execute("SELECT ended IS NOT NULL FROM sessions WHERE id='tail'").fetchone() == (1,)


def test_a_port_in_use_is_one_clear_error_and_no_process_is_left(tmp_path):
    show = FakeShow()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        children = set(_children())
        with pytest.raises(RuntimeError, match=f"127.0.0.1:{port}.*port in use"):
            serve_process(show, port=port, token=TOKEN, analytics_path=tmp_path / "a.db")
    assert wait(lambda: set(_children()) <= children, 10), "a web process was left behind"
    show.stop()


def _children() -> list[int]:
    me = os.getpid()
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == me and stat[0] != "Z":
                out.append(int(d))
    return out


def test_the_bridge_answers_only_show_control_calls():
    show = FakeShow()
    show_end, web_end = Pipe()
    feed_web, feed_show = Pipe(duplex=False)
    bridge = ShowBridge(show, show_end, feed_show)
    bridge.start()
    try:
        web_end.send((1, "products", ()))
        web_end.send((2, "_run", ()))  # a private method of the show
        web_end.send((3, "__class__", ()))
        replies = {}
        while len(replies) < 3 and web_end.poll(5):
            call_id, ok, value = web_end.recv()
            replies[call_id] = (ok, value)
        assert replies[1][0] and [p.id for p in replies[1][1]] == [p.id for p in show.products()]
        for call_id in (2, 3):
            ok, err = replies[call_id]
            assert not ok and isinstance(err, PermissionError)
    finally:
        bridge.stop()
        show.stop()
