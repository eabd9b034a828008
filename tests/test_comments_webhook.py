"""The generic webhook source: signed JSON over HTTP POST and over a WebSocket, on loopback.

The signing scheme (HMAC-SHA256 over "timestamp.body", timestamp checked against a window) is
our own, modelled on Stripe's and Slack's webhook signatures; the sender here is a plain HTTP
and WebSocket client, as any companion app would be.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from support.fake_platforms import RecordingShow, wait_for
from twincast.errors import TwincastError
from twincast.live.comments.config import Backoff, CommentsConfig, WebhookSource as WebhookConfig
from twincast.live.comments.manager import CommentManager
from twincast.live.comments.webhook import sign

SECRET = "hook-secret-0123456789abcdef"


@pytest.fixture
def hook():
    show, lines = RecordingShow(), []
    conf = CommentsConfig(sources=[WebhookConfig(port=0, secret=SECRET, platform="douyin")],
                          backoff=Backoff(initial_s=0.05, max_s=0.2))
    m = CommentManager(show, conf, say=lines.append).start()
    src = m.sources[0]
    wait_for(lambda: m.status()[0].connected, what="the webhook server")
    yield m, src, show, lines
    m.stop()


def post(src, payload, *, secret=SECRET, ts=None, sig=None):
    body = json.dumps(payload, ensure_ascii=False).encode()
    ts = str(int(time.time()) if ts is None else ts)
    headers = {"X-Twincast-Timestamp": ts, "X-Twincast-Signature": sig or sign(secret, ts, body),
               "Content-Type": "application/json"}
    return httpx.post(src.url + "/comments", content=body, headers=headers, timeout=5)


def test_signed_posts_reach_the_show_once(hook):
    m, src, show, lines = hook
    r = post(src, {"messages": [
        {"id": "dy-1", "user_id": "u1", "nickname": "小王", "text": "这个多少钱"},
        {"id": "dy-2", "platform": "kuaishou", "user_id": "u2", "nickname": "阿李", "text": "有优惠吗"},
        {"id": "dy-3", "type": "gift", "user_id": "u1", "nickname": "小王", "gift": "小心心", "count": 3},
        {"id": "dy-4", "text": ""}]})
    assert r.status_code == 200
    assert [x["result"] for x in r.json()["results"]] == ["queued", "queued", "gift", "malformed"]
    again = post(src, {"id": "dy-1", "user_id": "u1", "nickname": "小王", "text": "这个多少钱"})  # a retry
    assert again.json()["results"][0]["result"] == "duplicate"
    wait_for(lambda: len(show.posted) == 2, what="two comments")
    time.sleep(0.2)
    assert [(u, t) for _, u, t in show.posted] == [("小王", "这个多少钱"), ("阿李", "有优惠吗")]
    assert [c.platform for c, _, _ in m.posted] == ["douyin", "kuaishou"]
    st = m.status()[0]
    assert (st.messages_total, st.gifts_total, st.duplicates, st.malformed) == (2, 1, 1, 1)


def test_forged_stale_and_malformed_requests_are_refused(hook):
    m, src, show, lines = hook
    msg = {"id": "x-1", "text": "hello"}
    assert post(src, msg, secret="not-the-secret").status_code == 401
    old = int(time.time()) - 3600
    r = post(src, msg, ts=old)  # correctly signed, an hour old: a replay
    assert r.status_code == 401 and "timestamp" in r.json()["error"]
    body = b"{not json"
    ts = str(int(time.time()))
    r = httpx.post(src.url + "/comments", content=body, timeout=5,
                   headers={"X-Twincast-Timestamp": ts, "X-Twincast-Signature": sign(SECRET, ts, body)})
    assert r.status_code == 400
    big = httpx.post(src.url + "/comments", content=b"x" * (70 * 1024), timeout=5)
    assert big.status_code == 413
    assert show.posted == []
    assert not any(SECRET in x for x in lines)


def test_websocket_frames_are_signed_too(hook):
    m, src, show, lines = hook
    with connect(src.url.replace("http", "ws") + "/ws", open_timeout=5, close_timeout=2) as ws:
        body = json.dumps({"id": "w-1", "nickname": "Sam", "text": "is the cup dishwasher safe?"})
        ts = int(time.time())
        ws.send(json.dumps({"timestamp": ts, "signature": sign(SECRET, ts, body.encode()), "body": body}))
        assert json.loads(ws.recv(timeout=5))["results"][0]["result"] == "queued"
        ws.send(json.dumps({"timestamp": ts, "signature": "sha256=" + "0" * 64, "body": body}))
        assert "signature" in json.loads(ws.recv(timeout=5))["error"]
    wait_for(lambda: show.posted, what="the WebSocket comment")
    assert show.posted[0][1:] == ("Sam", "is the cup dishwasher safe?")


def test_a_webhook_without_a_secret_is_refused_at_start(monkeypatch):
    monkeypatch.delenv("TWINCAST_WEBHOOK_SECRET", raising=False)
    with pytest.raises(TwincastError) as e:
        CommentManager(RecordingShow(), CommentsConfig(sources=[WebhookConfig(port=0)]))
    assert "TWINCAST_WEBHOOK_SECRET" in str(e.value)
