"""The web layer's HTTP API through FastAPI's TestClient against a FakeShow: viewer endpoints,
text cleaning, rate limits, catalog prices, operator token checks, report and metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from support.live_harness import wait

from twincast.live.analytics import Analytics
from twincast.live.api import ProductInfo
from twincast.live.fake_show import FakeShow, default_products
from twincast.live.web import create_app
from twincast.live.web.security import RateLimits, clean_text

TOKEN = "op-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def env(tmp_path):
    def make(products=None, limits=None):
        show = FakeShow(products, answer_delay=0.05)
        analytics = Analytics(tmp_path / "analytics.db")
        app = create_app(show, analytics, TOKEN, "s1", limits=limits)
        client = TestClient(app, client=("203.0.113.7", 5000))
        client.__enter__()
        made.append((client, analytics, show))
        return client, show, analytics

    made: list = []
    yield make
    for client, analytics, show in made:
        client.__exit__(None, None, None)
        show.stop()
        analytics.close()


def tiny_clip(path, frames: int = 5):
    """A real, decodable 64x64 MP4 (the clip endpoint decodes a frame before accepting a file)."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        v = out.add_stream("mpeg4", rate=25)
        v.width, v.height, v.pix_fmt = 64, 64, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 40, np.uint8), format="rgb24")
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    return path


_wait = wait  # support/live_harness.py


def test_products_state_and_headers(env):
    c, show, _ = env()
    r = c.get("/api/products")
    assert r.status_code == 200
    body = r.json()
    assert [p["id"] for p in body["products"]] == ["tea", "cup", "fan"] and body["on_air"] == "tea"
    assert c.get("/api/state").json()["viewers"] == 0
    page = c.get("/")
    assert page.status_code == 200 and "/vendor/mpegts.js" in page.text
    assert "cdn" not in page.text.lower()
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"


def test_clean_text_strips_controls_and_bidi():
    assert clean_text("a\u202eb\u0000c\n\td  e\u200b", 100) == "a b c d e"
    assert clean_text("x" * 500, 200) == "x" * 200
    assert clean_text("<b>hi</b>", 50) == "<b>hi</b>"  # not HTML-escaped: pages use textContent


def test_comment_is_cleaned_passed_on_and_recorded(env):
    c, show, analytics = env()
    text = "多少钱\u202e？\n<img src=x onerror=alert(1)>" + "啊" * 300
    r = c.post("/api/comment", json={"viewer": "viewer-0001", "user": "小明\u0007\u202e", "text": text})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["shown"] is True and body["user"] == "小明"
    assert body["text"].startswith("多少钱 ？ <img src=x onerror=alert(1)>") and len(body["text"]) == 200
    assert _wait(lambda: analytics.answers_total("s1") == 1)
    assert analytics.recent("s1")[0]["data"]["text"] == body["text"]


def test_comment_validation(env):
    c, _, _ = env()
    assert c.post("/api/comment", json={"viewer": "viewer-0001", "text": " \u200b\n "}).status_code == 400
    assert c.post("/api/comment", json={"viewer": "bad id!", "text": "hi"}).status_code == 400
    assert c.post("/api/comment", json={"viewer": "viewer-0001", "text": "x" * 2001}).status_code == 422
    spam = c.post("/api/comment", json={"viewer": "viewer-0002", "user": "t", "text": "spam here"})
    assert spam.status_code == 200 and spam.json()["shown"] is False


def test_comment_rate_limits(env):
    c, show, analytics = env()
    ok = c.post("/api/comment", json={"viewer": "viewer-0001", "text": "first"})
    assert ok.status_code == 200
    r = c.post("/api/comment", json={"viewer": "viewer-0001", "text": "second"})
    assert r.status_code == 429
    assert "too many comments" in r.json()["error"] and int(r.headers["retry-after"]) >= 1
    assert c.post("/api/comment", json={"viewer": "viewer-0002", "text": "other viewer"}).status_code == 200
    # the limited request never reached the show
    assert _wait(lambda: analytics.answers_total("s1") == 2)
    assert analytics.comments_summary("s1") == {"answer": 2}


def test_comment_limit_per_minute_and_per_ip(env):
    c, _, _ = env(limits=RateLimits(comment="10/minute", comment_ip="1000/minute"))
    codes = [c.post("/api/comment", json={"viewer": "viewer-0001", "text": f"c{i}"}).status_code for i in range(11)]
    assert codes == [200] * 10 + [429]
    c2, _, _ = env(limits=RateLimits(comment="100/minute", comment_ip="5/minute"))
    codes = [c2.post("/api/comment", json={"viewer": f"viewer-{i:04d}", "text": "x"}).status_code for i in range(6)]
    assert codes == [200] * 5 + [429]  # fresh viewer ids from one address do not escape


def test_buy_uses_catalog_price_never_the_client(env):
    c, _, analytics = env()
    r = c.post("/api/buy", json={"viewer": "viewer-0001", "user": "A", "product_id": "tea", "qty": 2,
                                 "price": 0.01, "amount": 0.01, "unit_price": 0.01})
    assert r.status_code == 200, r.text
    assert r.json()["unit_price"] == 128.0 and r.json()["amount"] == 256.0  # promo price, not list or client
    assert c.post("/api/buy", json={"viewer": "viewer-0002", "product_id": "cup"}).json()["amount"] == 99.0
    assert c.post("/api/buy", json={"viewer": "viewer-0003", "product_id": "fan"}).status_code == 409  # sold out
    assert c.post("/api/buy", json={"viewer": "viewer-0003", "product_id": "nope"}).status_code == 404
    assert c.post("/api/buy", json={"viewer": "viewer-0003", "product_id": "tea", "qty": 0}).status_code == 422
    assert c.post("/api/buy", json={"viewer": "viewer-0003", "product_id": "tea", "qty": 100}).status_code == 422
    by = {o["product"]: o for o in analytics.orders_by_product("s1")}
    assert by["tea"]["gmv"] == 256.0 and by["cup"]["gmv"] == 99.0 and len(by) == 2


OPS = [("start", {}), ("stop", {}), ("skip", {}), ("reorder", {"product_ids": ["cup", "tea", "fan"]}),
       ("pin", {"text": "限时优惠"}), ("say", {"text": "欢迎新朋友", "speaker": "host"}),
       ("camera", {"camera": "host"}), ("mute", {"muted": True})]


@pytest.mark.parametrize("path,body", OPS)
def test_operator_endpoints_need_the_token(env, path, body):
    c, show, _ = env()
    assert c.post(f"/api/op/{path}", json=body).status_code == 401
    assert c.post(f"/api/op/{path}", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post(f"/api/op/{path}?token={TOKEN}", json=body).status_code == 401  # header only for actions
    c.cookies.set("twincast_op", TOKEN)
    assert c.post(f"/api/op/{path}", json=body).status_code == 401
    c.cookies.clear()
    assert show.calls == []
    r = c.post(f"/api/op/{path}", json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    assert len(show.calls) == 1


def test_operator_actions_reach_the_show(env, tmp_path):
    c, show, _ = env()
    def op(_path, /, **body):
        return c.post(f"/api/op/{_path}", json=body, headers=AUTH)

    assert op("reorder", product_ids=["cup", "zzz"]).status_code == 400
    assert op("reorder", product_ids=["cup", "cup"]).status_code == 400
    assert op("reorder", product_ids=["fan", "cup", "tea"]).status_code == 200
    assert [p.id for p in show.products()] == ["fan", "cup", "tea"]
    assert op("camera", camera="drone").status_code == 400
    assert op("camera", camera="auto").status_code == 200 and show.calls[-1] == ("switch_camera", (None,))
    assert op("say", text="  ").status_code == 400
    assert op("say", text="hi", speaker="narrator").status_code == 400
    assert op("say", text="第一句\n第二句", speaker="assistant").status_code == 200
    assert show.calls[-1] == ("say_next", ("第一句 第二句", "assistant"))
    assert op("pin", text="x" * 100).json()["text"] == "x" * 60
    assert op("mute", muted=True).status_code == 200 and show.muted
    clip = tiny_clip(tmp_path / "clip.mp4")
    assert op("clip", path="clip.mp4").status_code == 400  # relative
    assert op("clip", path=str(tmp_path / "missing.mp4")).status_code == 400
    (tmp_path / "notes.txt").write_text("x")
    assert op("clip", path=str(tmp_path / "notes.txt")).status_code == 400
    assert op("clip", path=str(clip)).status_code == 200 and show.calls[-1] == ("play_clip", (str(clip.resolve()),))
    state = c.get("/api/op/state", headers=AUTH).json()
    assert state["on_air"]["muted"] is True and state["session"] == "s1"
    assert c.get("/api/op/state").status_code == 401


def test_console_page_token_and_cookie(env):
    c, _, _ = env()
    assert c.get("/console").status_code == 401
    assert c.get("/console?token=nope").status_code == 401
    r = c.get(f"/console?token={TOKEN}")
    assert r.status_code == 200 and "console.js" in r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/console").status_code == 200  # the cookie unlocks pages...
    assert c.get("/report").status_code == 200
    assert c.post("/api/op/skip").status_code == 401  # ...but never actions


def test_metrics_and_report(env):
    evil = ProductInfo('ev"il', 9, "<script>alert(1)</script>", 10.0, None, "CNY", 5, None)
    c, show, analytics = env(products=default_products() + [evil])
    assert c.get("/metrics").status_code == 401
    c.post("/api/comment", json={"viewer": "viewer-0001", "text": "多少钱"})
    c.post("/api/comment", json={"viewer": "viewer-0002", "text": "spam"})
    c.post("/api/buy", json={"viewer": "viewer-0001", "product_id": "tea", "qty": 1})
    c.post("/api/buy", json={"viewer": "viewer-0002", "product_id": 'ev"il', "qty": 3})
    assert _wait(lambda: analytics.answers_total("s1") == 1)
    m = c.get("/metrics", headers=AUTH)
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
    text = m.text
    for line in ('twincast_comments_total{action="answer"} 1', 'twincast_comments_total{action="silent"} 1',
                 "twincast_answers_total 1", 'twincast_orders_total{product="tea"} 1',
                 'twincast_orders_total{product="ev\\"il"} 1', "twincast_gmv_total 158", "twincast_stream_up 0",
                 "twincast_viewers_current 0", "twincast_frames_total 0"):
        assert line in text.splitlines(), line
    rep = c.get(f"/report/s1?token={TOKEN}")
    assert rep.status_code == 200
    assert "<script>alert(1)</script>" not in rep.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in rep.text
    assert rep.text.count("<svg") == 5
    js = c.get(f"/report/s1?token={TOKEN}&format=json").json()
    assert js["gmv_total"] == 158.0 and js["comments"] == {"answer": 1, "silent": 1}
    assert c.get(f"/report/nope?token={TOKEN}").status_code == 404
