"""The viewer page in headless Debian chromium against serve(FakeShow) on 127.0.0.1: real H.264
decodes (currentTime advances), chat and the host's answer appear, a script-injection comment
shows as text, buying creates an order in analytics, and glass-to-glass latency is measured from
the capture time FakeShow draws into every frame. Needs scripts/setup_web.sh --browser."""

from __future__ import annotations

import statistics

import pytest

from twincast.live.analytics import Analytics
from twincast.live.fake_show import FakeShow
from twincast.live.web import serve
from support.browser import CHROMIUM_ARGS, poll, require_browser

INJECTION = "<img src=x onerror=alert(1)>"


@pytest.mark.slow
def test_viewer_page_plays_chats_and_sells(tmp_path):
    sync_api, chromium = require_browser()

    show = FakeShow(answer_delay=0.2)
    show.start()
    analytics = Analytics(tmp_path / "analytics.db")
    server, thread = serve(show, port=0, analytics=analytics, session_id="browser")
    dialogs: list[str] = []
    problems: list[str] = []
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, timeout=30_000)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 800})
                page.set_default_timeout(15_000)
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
                page.goto(server.url + "/?latency=1")

                # frames really decode: the media clock moves on
                t1 = poll(page, "document.getElementById('video').currentTime", lambda t: t > 0.5, 25, "playback")
                t2 = poll(page, "document.getElementById('video').currentTime", lambda t: t > t1 + 1.0, 10,
                           "currentTime to advance")
                assert t2 > t1
                poll(page, "document.querySelectorAll('#shelf .product').length", lambda n: n == 3, 10, "shelf")
                poll(page, "document.getElementById('viewers').textContent", lambda s: s.startswith("1"), 10,
                      "viewer count")

                # a script-injection comment renders as literal text; the fake host echoes it back
                page.fill("#comment", INJECTION)
                page.click("#comment-form button")
                texts = poll(page, "Array.from(document.querySelectorAll('#chat .msg .text'), e => e.textContent)",
                              lambda xs: any(INJECTION in x for x in xs) and len(xs) >= 2, 10, "comment and answer")
                assert INJECTION in texts
                host = page.evaluate("Array.from(document.querySelectorAll('#chat .msg.host'), e => e.textContent)")
                assert any("主播" in h and INJECTION in h for h in host), host
                assert page.evaluate("document.querySelectorAll('#chat img').length") == 0
                assert page.get_by_text(INJECTION, exact=True).first.is_visible()

                # buying records an order at the catalog price, and the shelf shows the stock left
                stock = "document.querySelector(\"#shelf .product[data-id='tea'] .stock\").textContent"
                assert page.evaluate(stock) == "剩 500 件"
                assert page.evaluate("document.querySelector(\"#shelf .product[data-id='fan'] .buy\").disabled")
                page.click("#shelf .product[data-id='tea'] .buy")
                poll(page, "document.getElementById('notice').textContent", lambda s: "128.00" in s, 10, "order")
                orders = analytics.orders_by_product("browser")
                assert orders == [{"product": "tea", "orders": 1, "qty": 1, "gmv": 128.0, "currency": "CNY"}]
                poll(page, stock, lambda s: s == "剩 499 件", 10, "live stock on the shelf")

                # glass-to-glass: capture time drawn by FakeShow vs the frame's display time
                samples = poll(page, "window.twincastLatency || []", lambda xs: len(xs) >= 50, 15, "latency samples")
                latency = statistics.median(samples[-100:])
                print(f"glass-to-glass median {latency:.0f} ms over {len(samples[-100:])} frames")
                assert 0 < latency < 1500
                assert dialogs == [] and problems == []
            finally:
                browser.close()
    finally:
        server.stop()
        show.stop()
        analytics.close()
    assert not thread.is_alive()
