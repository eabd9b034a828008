"""Bilibili open-platform source against a fake open platform on loopback.

Shapes from the official documentation (open-live.bilibili.com/document: 接口签名实现标准,
/v2/app/start|heartbeat|end, 直播间消息websocket协议, 长连CMD说明 LIVE_OPEN_PLATFORM_DM /
SEND_GIFT / LIKE) and the platform's own samples (github.com/bilibili-openplatform). See
tests/support/fake_platforms.py.
"""

from __future__ import annotations

import json
import zlib

import pytest

from support.fake_platforms import FakeBilibili, RecordingShow, wait_for
from twincast.live.comments.bilibili import packet, signed_headers, split_packets
from twincast.live.comments.config import Backoff, BilibiliSource, CommentsConfig
from twincast.live.comments.manager import CommentManager

FAST = Backoff(initial_s=0.05, factor=2.0, max_s=0.2, jitter=0.5, reset_after_s=0.0)


@pytest.fixture
def bili():
    fake = FakeBilibili()
    yield fake
    fake.stop()


def start(bili, show, lines, secret="ak-secret"):
    src = BilibiliSource(code="ANCHORCODE", app_id=1700, access_key_id="ak-id", access_key_secret=secret,
                         api_base=bili.base, heartbeat_s=0.2)
    return CommentManager(show, CommentsConfig(sources=[src], backoff=FAST), say=lines.append).start()


def msg(d: dict, version: int = 0) -> bytes:
    return FakeBilibili.pack(5, json.dumps(d, ensure_ascii=False).encode(), version)


def test_packets_and_signature_round_trip():
    frame = packet(2) + FakeBilibili.pack(5, zlib.compress(FakeBilibili.pack(5, b'{"cmd":"X"}') * 2), 2)
    assert [(op, body) for _, op, body in split_packets(frame)] == [(2, b""), (5, b'{"cmd":"X"}'), (5, b'{"cmd":"X"}')]
    with pytest.raises(ValueError):
        split_packets(b"\x00\x00\x00\x40" + b"\x00" * 12)  # says 64 bytes, has 16
    h = signed_headers("id", "sec", b'{"a":1}', nonce="n", timestamp=1700000000)
    assert h["x-bili-content-md5"] == "bb6cb5c68df4652941caf652a366f2d8"
    assert len(h["Authorization"]) == 64


def test_danmaku_gifts_likes_reconnect_and_duplicates(bili):
    show, lines = RecordingShow(), []
    m = start(bili, show, lines)
    try:
        wait_for(lambda: bili.clients, what="the long connection")
        assert bili.calls[0] == ("/v2/app/start", {"code": "ANCHORCODE", "app_id": 1700})
        assert bili.auth_bodies == ['{"roomid":4639581,"key":"k"}']
        gift = {"cmd": "LIVE_OPEN_PLATFORM_SEND_GIFT", "data": {
            "room_id": 4639581, "open_id": "o2", "uname": "阿宝", "gift_id": 31036, "gift_name": "小花花",
            "gift_num": 2, "price": 100, "paid": True, "timestamp": 1700000000, "msg_id": "g-1"}}
        like = {"cmd": "LIVE_OPEN_PLATFORM_LIKE", "data": {"open_id": "o3", "uname": "点赞王", "like_count": 5,
                                                           "timestamp": 1700000000, "msg_id": "l-1", "room_id": 1}}
        bili.push(msg(FakeBilibili.dm("d-1", "o1", "小明", "这款耳机续航多久")) + msg(gift) + msg(like))
        bili.push(b"\x00\x01garbage")  # a broken frame: counted, the connection stays
        two = msg(FakeBilibili.dm("d-2", "o2", "阿宝", "有白色吗")) + msg(FakeBilibili.dm("d-3", "o4", "Lee", "降噪怎么样"))
        bili.push(FakeBilibili.pack(5, zlib.compress(two), 2))  # a zlib packet holding two
        wait_for(lambda: len(show.posted) == 3, what="three danmaku")
        wait_for(lambda: bili.heartbeats >= 1, what="an app heartbeat")
        bili.drop()
        wait_for(lambda: len(bili.auth_bodies) >= 2 and bili.clients, what="the reconnect")
        bili.push(msg(FakeBilibili.dm("d-3", "o4", "Lee", "降噪怎么样")) + msg(FakeBilibili.dm("d-4", "o1", "小明", "好的")))
        wait_for(lambda: len(show.posted) == 4, what="the fourth danmaku")
    finally:
        m.stop()
    assert [(u, t) for _, u, t in show.posted] == [("小明", "这款耳机续航多久"), ("阿宝", "有白色吗"),
                                                  ("Lee", "降噪怎么样"), ("小明", "好的")]
    st = m.status()[0]
    assert (st.gifts_total, st.likes_total, st.duplicates, st.malformed) == (1, 5, 1, 1)
    assert any(path == "/v2/app/end" and body == {"app_id": 1700, "game_id": "game-42"} for path, body in bili.calls)
    assert [c.user_id for c, _, _ in m.posted][:2] == ["o1", "o2"]


def test_wrong_secret_is_an_auth_failure_not_retried(bili):
    show, lines = RecordingShow(), []
    m = start(bili, show, lines, secret="typo-secret")
    try:
        wait_for(lambda: m.status()[0].state == "failed", what="the refusal")
    finally:
        m.stop()
    st = m.status()[0]
    assert st.last_error_kind == "auth" and "TWINCAST_BILIBILI_ACCESS_KEY_SECRET" in st.last_error
    assert len([c for c in bili.calls if c[0] == "/v2/app/start"]) == 1
    assert not any("typo-secret" in x or "ANCHORCODE" in x for x in lines)
