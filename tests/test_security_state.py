"""Issue 18, commerce and session state: atomic stock (SQLite), 409 beyond stock, the shelf,
show.products() and the host's stock line following it; sessions a crash left open closed at
the next start; stream keys never stored or logged in clear; exact /metrics numbers."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

from support.live_harness import AUTH, app_client, live_server, until, wait, ws

from twincast.live.analytics import Analytics
from twincast.live.api import ProductInfo, mask_secrets
from twincast.live.fake_show import FakeShow
from twincast.live.shop import OutOfStock, Shop
from twincast.live.web.security import RateLimits

OPEN = RateLimits(order="1000/second", order_ip="1000/second")
KEY = "sk-LIVE-9f8e7d6c5b4a"


def _product(stock: int, price: float = 10.0) -> ProductInfo:
    return ProductInfo("pod", 1, "声澜Pro", price, None, "CNY", stock, None)


def test_orders_never_take_stock_below_zero_concurrently(tmp_path):
    """200 buyers of 99 pieces against 200 in stock, on 8 threads and two connections (as two
    processes would): exactly two orders pass, the rest are refused, nothing is half-written."""
    a, b = Analytics(tmp_path / "a.db"), Analytics(tmp_path / "a.db")
    a.start_session("s")
    p = _product(200)
    shops = [Shop(a, "s", lambda: [p]), Shop(b, "s", lambda: [p])]
    results: list = []

    def buyer(k: int) -> None:
        for i in range(25):
            try:
                results.append(shops[k % 2].order(f"v{k}-{i}", "", p, 99)["remaining"])
            except OutOfStock as e:
                results.append(("refused", e.remaining))

    threads = [threading.Thread(target=buyer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    passed = [r for r in results if not isinstance(r, tuple)]
    assert sorted(passed) == [2, 101] and len(results) == 200
    assert shops[0].remaining_stock("pod") == 2
    assert a.orders_by_product("s") == [{"product": "pod", "orders": 2, "qty": 198, "gmv": 1980.0, "currency": "CNY"}]
    b.close()
    a.close()


def test_buy_beyond_stock_is_a_clear_409_and_everything_follows_the_stock(tmp_path):
    show = FakeShow([_product(5)], answer_delay=0.05)
    with app_client(tmp_path, show=show, limits=OPEN) as (c, _, analytics):
        assert show.stock_line("pod").endswith("库存还有5件")
        r = c.post("/api/buy", json={"viewer": "viewer-0001", "product_id": "pod", "qty": 3})
        assert r.status_code == 200 and r.json()["remaining"] == 2
        r = c.post("/api/buy", json={"viewer": "viewer-0002", "product_id": "pod", "qty": 3})
        assert r.status_code == 409 and r.json()["error"] == "声澜Pro: only 2 left (you asked for 3)"
        assert c.get("/api/products").json()["products"][0]["stock"] == 2
        assert c.get("/api/op/state", headers=AUTH).json()["products"][0]["stock"] == 2
        assert show.products()[0].stock == 2 and show.stock_line("pod").endswith("库存还有2件")
        assert c.post("/api/buy", json={"viewer": "viewer-0003", "product_id": "pod", "qty": 2}).status_code == 200
        r = c.post("/api/buy", json={"viewer": "viewer-0004", "product_id": "pod", "qty": 1})
        assert r.status_code == 409 and r.json()["error"] == "声澜Pro: sold out"
        assert show.stock_line("pod").endswith("已经卖完了")
        assert analytics.orders_by_product("s1")[0]["qty"] == 5


def test_viewers_see_the_stock_change_live(tmp_path):
    show = FakeShow([_product(4)], answer_delay=0.05)
    with live_server(tmp_path, show=show, limits=OPEN) as (server, _, _):
        import httpx

        with ws(server, "/ws/events?viewer=viewer-watch") as s:
            until(s, lambda m: m["type"] == "hello")
            httpx.post(server.url + "/api/buy", json={"viewer": "viewer-0001", "product_id": "pod", "qty": 3}, timeout=5)
            msg, _ = until(s, lambda m: m["type"] == "stock")
            assert msg == {"type": "stock", "product": "pod", "stock": 1}


def test_sessions_left_open_by_a_crash_are_closed_at_the_next_start(tmp_path):
    db = Analytics(tmp_path / "analytics.db")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    db.start_session("crashed", wall=1000.0)
    db.viewer_join("crashed", "viewer-a", wall=1010.0)
    db.viewer_join("crashed", "viewer-b", wall=1020.0)
    db.query("UPDATE sessions SET pid=? WHERE id='crashed'", (dead_pid,))
    db.start_session("running", wall=1000.0)  # owned by this (living) process: left alone
    db.viewer_join("running", "viewer-c", wall=1030.0)
    db.close()
    with app_client(tmp_path, session="next") as (c, _, analytics):
        crashed = analytics.session("crashed")
        assert crashed["ended"] == 1020.0  # its last recorded activity, not "now"
        assert analytics.viewers_current("crashed") == 0
        assert analytics.summary("crashed", now=time.time())["duration_s"] == 20.0
        assert analytics.session("running")["ended"] is None and analytics.viewers_current("running") == 1


def test_stream_keys_are_never_stored_or_logged_in_clear(tmp_path, caplog):
    url = f"rtmp://push.example.com/live/{KEY}"
    assert mask_secrets(url) == "rtmp://push.example.com/live/****"
    assert mask_secrets(f"rtmp://u:{KEY}@h/app?token={KEY}") == "rtmp://u:****@h/app?token=****"
    with live_server(tmp_path) as (server, show, analytics):
        with ws(server, "/ws/op/events") as op:
            op.send('{"token": "%s"}' % server.token)
            until(op, lambda m: m["type"] == "viewers")
            show.emit("stream", state="error", url=url, error=f"Could not connect to {url}: refused")
            msg, _ = until(op, lambda m: m["type"] == "event" and m["event"]["kind"] == "stream")
            assert KEY not in str(msg) and "rtmp://push.example.com/live/****" in msg["event"]["data"]["url"]
        assert wait(lambda: any(e == "stream" for (e,) in analytics.query("SELECT kind FROM events")))
        logging.getLogger("twincast.live.outputs").warning("RTMP output down: %s", url)
        db_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("analytics.db*"))
    assert KEY.encode() not in db_bytes and b"live/****" in db_bytes
    assert KEY not in caplog.text and "rtmp://push.example.com/live/****" in caplog.text


def test_metrics_print_exact_plain_numbers(tmp_path):
    pricey = ProductInfo("gold", 1, "金条", 19861.03, None, "CNY", 1000, None)
    show = FakeShow([pricey], answer_delay=0.05)
    with app_client(tmp_path, show=show, limits=OPEN) as (c, _, _):
        for i in range(3):
            r = c.post("/api/buy", json={"viewer": f"viewer-{i:04d}", "product_id": "gold", "qty": 33})
            assert r.status_code == 200
        text = c.get("/metrics", headers=AUTH).text
    assert "twincast_gmv_total 1966241.97" in text.splitlines()  # 19861.03 x 99
    assert 'twincast_orders_total{product="gold"} 3' in text.splitlines()
    assert "e+" not in text and "e-" not in text
