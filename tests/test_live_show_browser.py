"""The real live show in a real browser, its web layer in a process of its own as under
``twincast live``: the viewer page plays the stream, a viewer's price question is answered on
air with the catalog price, and a purchase lands in analytics."""

from __future__ import annotations

import re
import time

import pytest
from support.browser import CHROMIUM_ARGS, poll, require_browser

pytestmark = pytest.mark.slow


def test_viewer_asks_host_answers_viewer_buys(tmp_path):
    sync_api, chromium = require_browser()
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.live.analytics import Analytics
    from twincast.live.engine import LiveShow
    from twincast.live.web.process import serve_process
    from twincast.show.catalog_io import load_catalog

    catalog = load_catalog()
    earbuds = catalog.get("earbuds-pro")
    show = LiveShow(catalog, AvatarModel.load(default_avatar_path()), AvatarModel.load(default_assistant_path()),
                    record_dir=tmp_path / "rec")
    analytics = Analytics(tmp_path / "analytics.db")  # reads what the web process writes
    server = serve_process(show, port=0, analytics_path=tmp_path / "analytics.db", session_id="live-test")
    show.start()
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, timeout=30_000)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 800})
                page.goto(server.url + "/")
                t1 = poll(page, "document.getElementById('video').currentTime", lambda t: t > 0.5, 40, "playback")
                poll(page, "document.getElementById('video').currentTime", lambda t: t > t1 + 1.0, 20, "frames advance")
                page.fill("#comment", "这个耳机多少钱")
                page.click("#comment-form button")
                price = f"{earbuds.sale_price:g}"
                hosts = poll(page, "Array.from(document.querySelectorAll('#chat .msg.host'), e => e.textContent)",
                             lambda xs: any(price in x for x in xs), 40, "the host's answer in the chat")
                answer = next(x for x in hosts if price in x)
                assert "¥" in answer and not re.search(r"免费|free", answer)
                page.click(f"#shelf .product[data-id='{earbuds.id}'] .buy")
                poll(page, "document.getElementById('notice').textContent", lambda s: price in s, 15, "order notice")
                orders = []
                poll_until = time.monotonic() + 10
                while not orders and time.monotonic() < poll_until:
                    orders = analytics.orders_by_product("live-test")
                    time.sleep(0.1)
                assert orders and orders[0]["product"] == earbuds.id and orders[0]["gmv"] == pytest.approx(earbuds.sale_price)
            finally:
                browser.close()
    finally:
        show.stop()
        server.stop()
        analytics.close()
    assert show.on_air()["status"] == "stopped"
