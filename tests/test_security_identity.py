"""Issue 18, client identity and limits: proxy headers only from trusted proxies, limits per
address and per viewer id together, per-address socket/join/viewer caps, Origin on every
WebSocket, and an FLV feed that costs no thread per socket. Real app, FakeShow, loopback."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from support.live_harness import AUTH, app_client, live_server, unbatch, until, wait, ws
from websockets.exceptions import InvalidStatus

from twincast.live.web.clients import ClientPolicy
from twincast.live.web.security import RateLimits

TRUST_LOOPBACK = ClientPolicy(trusted_proxies=("127.0.0.1",))


def test_forwarding_headers_are_ignored_from_untrusted_peers(tmp_path):
    limits = RateLimits(comment="100/minute", comment_ip="3/minute")
    with app_client(tmp_path, limits=limits) as (c, _, _):
        codes = []
        for i in range(5):  # a new claimed address and a new viewer id each time
            spoof = {"X-Forwarded-For": f"198.51.100.{i}", "Forwarded": f"for=198.51.100.{i}",
                     "X-Real-IP": f"198.51.100.{i}"}
            codes.append(c.post("/api/comment", json={"viewer": f"viewer-{i:04d}", "text": "hi"}, headers=spoof).status_code)
        assert codes == [200, 200, 200, 429, 429]


def test_forwarding_headers_are_honoured_from_a_trusted_proxy(tmp_path):
    limits = RateLimits(comment="100/minute", comment_ip="2/minute")
    policy = ClientPolicy(trusted_proxies=("203.0.113.0/24",))
    with app_client(tmp_path, limits=limits, policy=policy) as (c, _, _):
        def post(i, hdr):
            return c.post("/api/comment", json={"viewer": f"viewer-{i:04d}", "text": "hi"}, headers=hdr).status_code

        # one real client behind the proxy: its own limit, whatever it prepends to the header
        assert [post(i, {"X-Forwarded-For": f"1.2.3.{i}, 198.51.100.9"}) for i in range(3)] == [200, 200, 429]
        # other clients are other addresses (Forwarded, X-Real-IP and IPv6 /64 grouping too)
        assert post(10, {"Forwarded": 'for="[2001:db8::1]:4711"'}) == 200
        assert post(11, {"Forwarded": 'for="[2001:db8::2]"'}) == 200
        assert post(12, {"Forwarded": 'for="[2001:db8::3]"'}) == 429  # same /64
        assert post(13, {"X-Real-IP": "192.0.2.44"}) == 200


def test_loopback_server_does_not_trust_x_forwarded_for(tmp_path):
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; serve() must not."""
    with live_server(tmp_path, limits=RateLimits(comment="100/minute", comment_ip="3/minute")) as (server, _, _):
        with httpx.Client(base_url=server.url, timeout=5) as http:
            codes = [http.post("/api/comment", json={"viewer": f"viewer-{i:04d}", "text": "x"},
                               headers={"X-Forwarded-For": f"10.9.8.{i}"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("kind,path,body", [
    ("comment", "/api/comment", {"text": "hello"}),
    ("order", "/api/buy", {"product_id": "tea", "qty": 1}),
])
def test_limits_apply_per_viewer_id_and_per_address_together(tmp_path, kind, path, body):
    per_viewer = "1/minute"
    limits = RateLimits(**{kind: per_viewer, f"{kind}_ip": "3/minute"})
    policy = ClientPolicy(trusted_proxies=("203.0.113.7",))
    with app_client(tmp_path, limits=limits, policy=policy) as (c, _, _):
        def post(viewer, addr):
            return c.post(path, json={**body, "viewer": viewer}, headers={"X-Forwarded-For": addr}).status_code

        assert post("viewer-aaaa", "198.51.100.1") == 200
        assert post("viewer-aaaa", "198.51.100.2") == 429  # same id from a new address: still limited
        assert [post(f"viewer-{i:04d}", "198.51.100.3") for i in range(4)] == [200, 200, 200, 429]  # invented ids


def test_per_address_socket_cap(tmp_path):
    policy = ClientPolicy(trusted_proxies=("127.0.0.1",), sockets_per_address=4)
    with live_server(tmp_path, policy=policy) as (server, _, _):
        socks = [ws(server, "/ws/flv", additional_headers={"X-Forwarded-For": "198.51.100.1"}) for _ in range(4)]
        try:
            with pytest.raises(InvalidStatus):
                ws(server, "/ws/flv", additional_headers={"X-Forwarded-For": "198.51.100.1"})
            with pytest.raises(InvalidStatus):  # the cap counts every kind of socket
                ws(server, "/ws/events?viewer=viewer-zzzz", additional_headers={"X-Forwarded-For": "198.51.100.1"})
            other = ws(server, "/ws/flv", additional_headers={"X-Forwarded-For": "198.51.100.2"})
            other.close()
        finally:
            for s in socks:
                s.close()
        # closed sockets are given back
        assert wait(lambda: server.config.app.state.hub.addresses.sockets.get("198.51.100.1", 0) == 0)
        ws(server, "/ws/flv", additional_headers={"X-Forwarded-For": "198.51.100.1"}).close()


def test_join_rate_per_address(tmp_path):
    limits = RateLimits(join_ip="3/minute")
    with live_server(tmp_path, limits=limits, policy=TRUST_LOOPBACK) as (server, _, _):
        hdr = {"X-Forwarded-For": "198.51.100.5"}
        for _ in range(3):  # a reconnect storm with one viewer id
            with ws(server, "/ws/events?viewer=viewer-aaaa", additional_headers=hdr) as s:
                until(s, lambda m: m["type"] == "hello")
        with pytest.raises(InvalidStatus):
            ws(server, "/ws/events?viewer=viewer-aaaa", additional_headers=hdr)
        with ws(server, "/ws/events?viewer=viewer-bbbb", additional_headers={"X-Forwarded-For": "198.51.100.6"}) as s:
            until(s, lambda m: m["type"] == "hello")


def test_viewer_cap_cannot_be_filled_from_one_address(tmp_path):
    policy = ClientPolicy(trusted_proxies=("127.0.0.1",), viewers_per_address=3, sockets_per_address=50)
    with live_server(tmp_path, policy=policy, max_viewers=5, limits=RateLimits(join_ip="100/minute")) as (server, _, _):
        script = {"X-Forwarded-For": "198.51.100.66"}
        joined, refused = [], 0
        for i in range(10):  # invented viewer ids from one address
            s = ws(server, f"/ws/events?viewer=invented-{i:04d}", additional_headers=script)
            msg, _ = until(s, lambda m: m["type"] in ("viewers", "error"))
            if msg["type"] == "error":
                refused += 1
                s.close()
            else:
                joined.append(s)
        try:
            assert len(joined) == 3 and refused == 7
            # the same id may open a second tab; the real viewers from elsewhere still get in
            tab = ws(server, "/ws/events?viewer=invented-0000", additional_headers=script)
            until(tab, lambda m: m["type"] == "hello")
            real = ws(server, "/ws/events?viewer=real-viewer-1", additional_headers={"X-Forwarded-For": "192.0.2.1"})
            msg, _ = until(real, lambda m: m["type"] in ("hello", "error"))
            assert msg["type"] == "hello"
            assert httpx.get(server.url + "/api/state", timeout=5).json()["viewers"] == 4
            tab.close()
            real.close()
        finally:
            for s in joined:
                s.close()


@pytest.mark.parametrize("path", ["/ws/flv", "/ws/events?viewer=viewer-orig", "/ws/op/events"])
def test_every_websocket_checks_origin(tmp_path, path):
    policy = ClientPolicy(allowed_origins=("https://shop.example",))
    with live_server(tmp_path, policy=policy) as (server, _, _):
        with pytest.raises(InvalidStatus) as refused:
            ws(server, path, origin="http://evil.example")
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus):
            ws(server, path, origin="null")
        for ok in (server.url, "https://shop.example", None):  # same origin, allowed, non-browser
            ws(server, path, **({"origin": ok} if ok else {})).close()
    with live_server(tmp_path, policy=ClientPolicy(allow_missing_origin=False), session="strict") as (server, _, _):
        with pytest.raises(InvalidStatus):
            ws(server, path)
        ws(server, path, origin=server.url).close()


def test_viewer_posts_check_origin(tmp_path):
    with app_client(tmp_path) as (c, show, _):
        evil = {"Origin": "https://evil.example"}
        assert c.post("/api/comment", json={"viewer": "viewer-0001", "text": "hi"}, headers=evil).status_code == 403
        assert c.post("/api/buy", json={"viewer": "viewer-0001", "product_id": "tea"}, headers=evil).status_code == 403
        same = {"Origin": "http://testserver"}
        assert c.post("/api/comment", json={"viewer": "viewer-0001", "text": "hi"}, headers=same).status_code == 200


def test_flv_sockets_cost_no_thread_each(tmp_path):
    policy = ClientPolicy(sockets_per_address=200)
    with live_server(tmp_path, policy=policy) as (server, show, _):
        show.start()
        first = ws(server, "/ws/flv")
        data = b""
        deadline = time.monotonic() + 5
        while len(data) < 3 and time.monotonic() < deadline:
            data += first.recv(timeout=5)
        assert data[:3] == b"FLV"
        before = set(threading.enumerate())
        socks = [ws(server, "/ws/flv") for _ in range(60)]
        try:
            assert wait(lambda: len(server.config.app.state.flv.feeds) == 61)
            clients = {t for s in socks for t in (s.recv_events_thread, getattr(s, "keepalive_thread", None))}
            server_side = set(threading.enumerate()) - before - clients
            assert len(server_side) <= 2, sorted(t.name for t in server_side)  # no thread per socket
            # and every one of them gets the stream (header first, from a keyframe)
            heads = [s.recv(timeout=5)[:3] for s in socks[:5]]
            assert heads == [b"FLV"] * 5
        finally:
            for s in socks:
                s.close()
            first.close()
        assert wait(lambda: not server.config.app.state.flv.feeds)
        assert httpx.get(server.url + "/api/op/state", headers=AUTH, timeout=5).status_code == 200


def test_show_intake_is_capped_but_a_new_address_always_gets_in(tmp_path):
    limits = RateLimits(comment="100/minute", comment_ip="100/minute", comment_all="3/minute")
    policy = ClientPolicy(trusted_proxies=("203.0.113.7",))
    with app_client(tmp_path, limits=limits, policy=policy) as (c, _, _):
        def post(i, addr):
            return c.post("/api/comment", json={"viewer": f"viewer-{i:04d}", "text": "hi"},
                          headers={"X-Forwarded-For": addr}).status_code

        crowd = [post(i, "198.51.100.1") for i in range(6)]
        assert crowd == [200, 200, 200, 200, 429, 429]  # the first is fresh, then the intake's 3
        assert post(50, "192.0.2.9") == 200  # a real viewer's first comment: through
        assert post(51, "192.0.2.9") == 429  # its second waits for the intake like everyone


def test_chat_fan_out_to_viewers_is_budgeted(tmp_path):
    limits = RateLimits(comment="100/minute", comment_ip="100/minute", comment_all="1000/minute")
    with live_server(tmp_path, limits=limits, policy=TRUST_LOOPBACK) as (server, show, analytics):
        with ws(server, "/ws/events?viewer=viewer-read") as s:
            until(s, lambda m: m["type"] == "hello")
            with httpx.Client(base_url=server.url, timeout=5) as http:
                t0 = time.monotonic()
                for i in range(120):
                    http.post("/api/comment", json={"viewer": f"viewer-{i:04d}", "text": f"c{i}"},
                              headers={"X-Forwarded-For": f"198.51.100.{i}"})
                elapsed = time.monotonic() - t0
            chats = sends = 0
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                try:
                    chats += sum(m["type"] == "chat" for m in unbatch(s.recv(timeout=0.2)))
                    sends += 1
                except TimeoutError:
                    pass
        assert wait(lambda: sum(analytics.comments_summary("ws").values()) == 120)  # all reached the show
        assert chats <= 40 + 20 * (elapsed + 1.5), (chats, elapsed)  # but not all reached every phone
        assert chats >= 20
        assert sends <= 10 * (elapsed + 1.5) + 2, (sends, chats)  # batched: one send per 100 ms at most


def test_answers_are_synthesised_only_as_fast_as_they_can_be_spoken():
    """A flood of answerable comments must not keep the answer worker on a core: it prepares
    the next answer only when fewer than two clauses wait (issue 18: 17-30 % repeated frames)."""
    import numpy as np

    from twincast.live.speechline import SpeechLine
    from twincast.render.stage import Camera
    from twincast.show.director import Beat
    from twincast.voice.base import Speech

    pulled = []

    def next_answer(now):
        pulled.append(now)
        return Beat("host", f"回答{len(pulled)}。", "zh", Camera.HOST, None, "answer"), [len(pulled)]

    def synthesize(speaker, text, lang):
        t = np.arange(1600) / 16000
        return [Speech((0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, [], text, "zh")]

    line = SpeechLine(synthesize, lambda now: [], lambda: 0.0, next_answer)
    line.start()
    try:
        time.sleep(0.6)
        assert len(pulled) == 2  # two waiting, nothing more however many are queued
        assert line.pop() is not None
        assert wait(lambda: len(pulled) == 3, 2.0)
        time.sleep(0.3)
        assert len(pulled) == 3
    finally:
        line.stop()
