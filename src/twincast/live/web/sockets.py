"""The viewer WebSockets: /ws/flv (the video) and /ws/events (chat, answers, presence).

Every socket passes the same gate before it is accepted: its Origin must be this page's (or an
allowed one), its address must be under the per-address socket cap, and /ws/events also under
the join rate and the per-address viewer-id quota. A refused socket is closed before the
handshake completes (the client sees HTTP 403), so it costs nothing afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Optional

from fastapi import WebSocket, WebSocketDisconnect

from .clients import ClientPolicy
from .hub import FlvFanout, Hub
from .security import VIEWER_ID, RateLimits, clean_text

log = logging.getLogger("twincast.live.web")
MAX_NICK = 24


def ws_address(ws: WebSocket, policy: ClientPolicy) -> str:
    return policy.client_address(ws.client.host if ws.client else None, ws.headers)


async def gate(ws: WebSocket, hub: Hub, policy: ClientPolicy) -> Optional[str]:
    """The client's address if this socket may open (and is now counted), else None (closed)."""
    if not policy.origin_ok(ws.headers):
        await ws.close(code=1008, reason="origin not allowed")
        return None
    addr = ws_address(ws, policy)
    if not hub.addresses.open_socket(addr):
        await ws.close(code=1013, reason="too many connections from your address")
        return None
    return addr


def install(app, show, hub: Hub, flv: FlvFanout, policy: ClientPolicy, rate: RateLimits, max_flv: int) -> None:

    @app.websocket("/ws/flv")
    async def ws_flv(ws: WebSocket) -> None:
        if len(flv.feeds) >= max_flv:  # a hard cap; a feed costs a queue, never a thread
            await ws.close(code=1013, reason="too many viewers")
            return
        addr = await gate(ws, hub, policy)
        if addr is None:
            return
        feed = None
        try:
            await ws.accept()
            feed = flv.add()
            await drain(ws, feed.out, ws.send_bytes, b"".join, FLV_INTERVAL_S)
        finally:
            if feed is not None:
                flv.remove(feed)
            hub.addresses.close_socket(addr)

    @app.websocket("/ws/events")
    async def ws_events(ws: WebSocket) -> None:
        viewer = ws.query_params.get("viewer", "")
        if not VIEWER_ID.match(viewer):
            await ws.close(code=1008, reason="viewer id required")
            return
        addr = await gate(ws, hub, policy)
        if addr is None:
            return
        try:
            if rate.check("join", viewer, addr) is not None:
                await ws.close(code=1013, reason="too many joins from your address: wait a few seconds")
                return
            await ws.accept()
            client = hub.join("viewer", viewer, clean_text(ws.query_params.get("nick", ""), MAX_NICK) or "观众", addr)
            if client is None:
                await ws.send_json({"type": "error", "message": "this show is full, please try again later"})
                await ws.close(code=1013)
                return
            await ws.send_json({"type": "viewers", "count": hub.viewer_count()})
            s = show.on_air()
            await ws.send_json({"type": "hello", "product": s.get("product"), "banner": s.get("banner"),
                                "status": s.get("status")})
            await pump(ws, hub, client)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            hub.addresses.close_socket(addr)

    app.state.pump = lambda ws, client: pump(ws, hub, client)
    app.state.gate = lambda ws: gate(ws, hub, policy)


EVENT_INTERVAL_S = 0.1  # an event socket sends at most 10 messages a second (a batch under load)
FLV_INTERVAL_S = 0.02  # an FLV socket at most 50 (video and audio tags of a frame travel together)


def json_batch(texts: list[str]) -> str:
    """Several queued JSON messages as one: ``{"type":"batch","items":[...]}`` (the pages
    unpack it); a single message goes out as itself."""
    return texts[0] if len(texts) == 1 else '{"type":"batch","items":[' + ",".join(texts) + "]}"


async def drain(ws: WebSocket, q: asyncio.Queue, send, combine, interval: float) -> None:
    """``send`` what arrives on ``q`` until it yields None or the client goes away, at most one
    message per ``interval``: what queued meanwhile goes out together (``combine``). Why: each
    message is a system call, and under a chat flood, per-message sends to every viewer cost
    more CPU than the flood's requests. A reader task notices the close even while nothing is
    being sent (a quiet feed must not keep its slot)."""
    async def reader() -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, KeyError):
            while True:
                await ws.receive_text()  # clients send nothing that matters here

    loop = asyncio.get_running_loop()
    rtask = asyncio.create_task(reader())
    try:
        while True:
            get = asyncio.create_task(q.get())
            done, _ = await asyncio.wait({get, rtask}, return_when=asyncio.FIRST_COMPLETED)
            if rtask in done:
                get.cancel()
                break
            items, end = [get.result()], False
            while items[-1] is not None and not q.empty() and len(items) < 256:
                items.append(q.get_nowait())
            if items[-1] is None:
                items.pop()
                end = True
            if items:
                sent_at = loop.time()
                await send(combine(items))
                if not end:
                    await asyncio.sleep(max(0.0, sent_at + interval - loop.time()))
            if end:
                break
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        rtask.cancel()
        with contextlib.suppress(Exception):
            await ws.close()


async def pump(ws: WebSocket, hub: Hub, client) -> None:
    """An event socket: the client's queue as JSON; leaving the hub when it ends."""
    try:
        await drain(ws, client.queue, ws.send_text, json_batch, EVENT_INTERVAL_S)
    finally:
        hub.leave(client)
