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
            await drain(ws, feed.out, ws.send_bytes)
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


async def drain(ws: WebSocket, q: asyncio.Queue, send) -> None:
    """``send`` what arrives on ``q`` until it yields None or the client goes away. A reader task
    notices the close even while nothing is being sent (a quiet feed must not keep its slot)."""
    async def reader() -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError, KeyError):
            while True:
                await ws.receive_text()  # clients send nothing that matters here

    rtask = asyncio.create_task(reader())
    try:
        while True:
            get = asyncio.create_task(q.get())
            done, _ = await asyncio.wait({get, rtask}, return_when=asyncio.FIRST_COMPLETED)
            if rtask in done:
                get.cancel()
                break
            msg = get.result()
            if msg is None:
                break
            await send(msg)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        rtask.cancel()
        with contextlib.suppress(Exception):
            await ws.close()


async def pump(ws: WebSocket, hub: Hub, client) -> None:
    """An event socket: the client's queue as JSON; leaving the hub when it ends."""
    try:
        await drain(ws, client.queue, ws.send_text)
    finally:
        hub.leave(client)
