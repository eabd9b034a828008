"""The WebSockets against a real uvicorn server on 127.0.0.1 (a free port): chat, host answers,
viewer count and presence, the operator feed and its token, and real FLV bytes that decode."""

from __future__ import annotations

import io
import json
import time

import av
import httpx
import pytest
from support.live_harness import (
    TOKEN,  # noqa: E402 - the token the harness server uses
    live_server,
    until,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from twincast.live.analytics import Analytics
from twincast.live.fake_show import FakeShow
from twincast.live.web import serve


@pytest.fixture(params=["thread", "process"])
def live(tmp_path, request):
    """Every socket test twice: the web layer on a thread of the show's process, and in a
    process of its own (``twincast live``), where events and FLV cross a pipe."""
    with live_server(tmp_path, show=FakeShow(answer_delay=0.05), session="ws",
                     process=request.param == "process") as env:
        yield env


def _ws(server, path):
    return connect(server.url.replace("http", "ws") + path, open_timeout=5, close_timeout=2)


_until = until  # one message reader for every live web test (support/live_harness.py)


def test_chat_answers_count_and_presence(live):
    server, show, analytics = live
    http = httpx.Client(base_url=server.url, timeout=5)
    with _ws(server, "/ws/events?viewer=viewer-aaaa&nick=A") as a:
        _until(a, lambda m: m["type"] == "viewers" and m["count"] == 1)
        _until(a, lambda m: m["type"] == "hello")
        with _ws(server, "/ws/events?viewer=viewer-bbbb&nick=B") as b:
            _until(a, lambda m: m["type"] == "viewers" and m["count"] == 2)
            r = http.post("/api/comment", json={"viewer": "viewer-bbbb", "user": "B", "text": "<b>多少钱</b>"})
            cid = r.json()["id"]
            chat, _ = _until(a, lambda m: m["type"] == "chat")
            assert chat == {"type": "chat", "id": cid, "user": "B", "text": "<b>多少钱</b>"}
            host, _ = _until(a, lambda m: m["type"] == "host")
            assert host["label"] == "主播" and host["answers"] == [cid] and "<b>多少钱</b>" in host["text"]
            # a moderated comment reaches its author's page (POST reply) but no other viewer
            time.sleep(2.1)  # the per-viewer comment limit
            spam = http.post("/api/comment", json={"viewer": "viewer-bbbb", "user": "B", "text": "spam http://x"})
            assert spam.json()["shown"] is False
            http.post("/api/op/pin", json={"text": "包邮"}, headers={"Authorization": f"Bearer {TOKEN}"})
            _, seen = _until(a, lambda m: m["type"] == "pin")
            assert not any(m["type"] == "chat" and "spam" in m["text"] for m in seen)
            assert http.get("/api/state").json()["viewers"] == 2
        _until(a, lambda m: m["type"] == "viewers" and m["count"] == 1)
    deadline = time.monotonic() + 5
    while analytics.viewers_current("ws") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert analytics.viewers_current("ws") == 0
    assert set(analytics.watch_times("ws")) == {"viewer-aaaa", "viewer-bbbb"}


def test_events_socket_needs_a_viewer_id(live):
    server, _, _ = live
    with pytest.raises(Exception):
        with _ws(server, "/ws/events") as ws:
            ws.recv(timeout=2)


def test_operator_feed_needs_the_token(live):
    server, show, _ = live
    with _ws(server, "/ws/op/events") as ws:
        ws.send(json.dumps({"token": "wrong"}))
        msg = json.loads(ws.recv(timeout=5))
        assert msg["type"] == "error"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
    with _ws(server, "/ws/op/events") as ws:
        ws.send(json.dumps({"token": TOKEN}))
        _until(ws, lambda m: m["type"] == "viewers")
        httpx.post(server.url + "/api/comment", json={"viewer": "viewer-cccc", "text": "spam spam"}, timeout=5)
        ev, _ = _until(ws, lambda m: m["type"] == "event" and m["event"]["kind"] == "comment")
        assert ev["event"]["data"]["action"] == "silent" and ev["event"]["data"]["reason"] == "spam"


def test_flv_socket_delivers_decodable_video(live):
    server, show, _ = live
    show.start()
    data = b""
    with _ws(server, "/ws/flv") as ws:
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            try:
                data += ws.recv(timeout=0.5)
            except TimeoutError:
                continue
    assert data[:3] == b"FLV"
    container = av.open(io.BytesIO(data), format="flv")
    assert {s.type for s in container.streams} == {"video", "audio"}
    frames = list(container.decode(video=0))
    assert len(frames) >= 25 and frames[0].key_frame  # starts on a keyframe, ~1 s or more of video
    assert (frames[0].width, frames[0].height) == (360, 640)


def test_flv_is_pulled_from_the_show_only_while_a_player_is_open(live):
    """No player, no subscription: with the web layer in its own process the show would
    otherwise pickle its whole stream over the pipe for nobody (FlvFanout.IDLE_S grace)."""
    server, show, _ = live
    show.start()
    time.sleep(1.5)
    subscribers = lambda: len(show._flv._subs)  # noqa: E731 - the show's FLV splitter
    assert subscribers() == 0
    with _ws(server, "/ws/flv") as ws:
        first = ws.recv(timeout=5)
        assert first[:3] == b"FLV"  # the header, then tags from a keyframe
        assert subscribers() == 1
    deadline = time.monotonic() + 12
    while subscribers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert subscribers() == 0
    with _ws(server, "/ws/flv") as ws:  # and back for the next player
        assert ws.recv(timeout=5)[:3] == b"FLV"


def test_serve_binds_loopback_and_stops(tmp_path):
    show = FakeShow()
    analytics = Analytics(tmp_path / "a.db")
    server, thread = serve(show, port=0, analytics=analytics)
    try:
        assert server.config.host == "127.0.0.1" and len(server.token) >= 24
        assert server.console_url.startswith(server.url + "/console?token=")
        assert httpx.get(server.url + "/healthz", timeout=5).json()["ok"] is True
    finally:
        server.stop()
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/healthz", timeout=2)
    assert analytics.session(server.session_id)["ended"] is not None
    analytics.close()
