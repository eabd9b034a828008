"""The operator sees the comment sources: per-source status in /api/op/state (the console's
table) and /metrics, and analytics split by platform - through the real web app with FakeShow,
a real webhook source on loopback and the real analytics database."""

from __future__ import annotations

import json
import time

import httpx

from support.fake_platforms import wait_for
from support.live_harness import AUTH, app_client
from twincast.live.comments.config import Backoff, CommentsConfig, WebhookSource as WebhookConfig
from twincast.live.comments.manager import CommentManager
from twincast.live.comments.status import by_platform
from twincast.live.comments.webhook import sign
from twincast.live.fake_show import FakeShow

SECRET = "status-test-secret-123456"


def test_console_metrics_and_analytics_by_platform(tmp_path):
    show = FakeShow(answer_delay=0.05)
    conf = CommentsConfig(sources=[WebhookConfig(port=0, secret=SECRET, platform="douyin")],
                          backoff=Backoff(initial_s=0.05, max_s=0.2))
    with app_client(tmp_path, show=show) as (client, show, analytics):
        m = CommentManager(show, conf, say=lambda line: None).start()
        show.comment_sources = m.status_json  # what LiveShow.comment_sources() does for the engine
        try:
            src = m.sources[0]
            wait_for(lambda: m.status()[0].connected, what="the webhook server")
            body = json.dumps({"messages": [{"id": "a1", "nickname": "抖音用户", "text": "这个茶叶多少钱"},
                                            {"id": "a2", "nickname": "spammer", "text": "spam here http://x"}]},
                              ensure_ascii=False).encode()
            ts = str(int(time.time()))
            r = httpx.post(src.url + "/comments", content=body, timeout=5,
                           headers={"X-Twincast-Timestamp": ts, "X-Twincast-Signature": sign(SECRET, ts, body)})
            assert r.status_code == 200
            page = client.post("/api/comment", json={"viewer": "viewer-0001", "user": "小红", "text": "保温杯几个颜色"},
                               headers={"Origin": "http://testserver"})
            assert page.status_code == 200
            wait_for(lambda: by_platform(analytics, "s1").get("douyin", {}).get("answered") == 1
                     and by_platform(analytics, "s1").get("page", {}).get("answered") == 1, what="answers recorded")
            state = client.get("/api/op/state", headers=AUTH).json()
            metrics = client.get("/metrics", headers=AUTH).text
        finally:
            m.stop()
    rows = {s["source"]: s for s in state["sources"]}
    assert rows["webhook"]["connected"] and rows["webhook"]["messages_total"] == 2
    assert rows["webhook"]["per_minute"] == 2.0 and rows["page"]["messages_total"] == 1
    assert 'twincast_comment_source_up{source="webhook",platform="webhook"} 1' in metrics
    assert 'twincast_comment_source_messages_total{source="webhook",platform="webhook"} 2' in metrics
    assert 'twincast_comments_by_platform_total{platform="douyin",action="answer"} 1' in metrics
    assert 'twincast_comments_by_platform_total{platform="douyin",action="silent"} 1' in metrics
    assert 'twincast_comments_by_platform_total{platform="page",action="answer"} 1' in metrics
    assert 'twincast_answered_by_platform_total{platform="douyin"} 1' in metrics
