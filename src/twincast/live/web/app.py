"""The viewer side of the web layer: page, FLV and event sockets, comments and orders.

Viewers can change nothing in the show except by commenting and ordering; everything else is
under /api/op/* (see ``operator.py``), which needs the operator token. Text from viewers is
cleaned and rate-limited here; prices always come from ``show.products()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any, Optional

from fastapi import FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..api import ShowControl
from .hub import FlvRelay, Hub, comment_visible
from .security import SECURITY_HEADERS, VIEWER_ID, RateLimits, TokenGuard, clean_text, too_many

log = logging.getLogger("twincast.live.web")
STATIC = Path(__file__).resolve().parent / "static"
MAX_COMMENT, MAX_NICK = 200, 24


def vendor_dir() -> Path:
    """Where scripts/setup_web.sh put mpegts.js ($TWINCAST_HOME/web/node_modules)."""
    from ...paths import home

    return Path(os.environ.get("TWINCAST_WEB_VENDOR") or home() / "web" / "node_modules")


class CommentIn(BaseModel):
    user: str = Field("", max_length=200)
    text: str = Field(..., max_length=2000)
    viewer: str = Field("", max_length=64)


class BuyIn(BaseModel):
    product_id: str = Field(..., max_length=64)
    qty: int = Field(1, ge=1, le=99)
    user: str = Field("", max_length=200)
    viewer: str = Field("", max_length=64)
    # any "price" a client sends is ignored: the model has no such field


def _viewer_id(body_viewer: str, request: Request) -> str:
    v = body_viewer or request.headers.get("x-viewer-id", "")
    if v and not VIEWER_ID.match(v):
        raise HTTPException(400, "viewer id must be 8-64 letters, digits, '-' or '_'")
    return v or "anon"


def _nick(user: str) -> str:
    return clean_text(user, MAX_NICK) or "观众"


def _ip(request_or_ws) -> str:
    return request_or_ws.client.host if request_or_ws.client else "?"


def product_json(p) -> dict[str, Any]:
    return {"id": p.id, "link": p.link, "name": p.name, "price": p.price, "promo_price": p.promo_price,
            "currency": p.currency, "stock": p.stock, "image_url": p.image_url}


def create_app(show: ShowControl, analytics, console_token: str, session_id: str, *,
               limits: Optional[RateLimits] = None, max_viewers: int = 500, title: str = "twincast live"):
    """The whole web layer for one show session. ``analytics`` records into ``session_id``;
    its event consumer runs while the app runs (lifespan), so tests and ``serve`` get the same."""
    from . import operator, report

    if not console_token:
        raise ValueError("an operator token is required (serve() makes a random one)")
    hub = Hub(show, analytics, session_id, max_viewers=max_viewers)
    guard = TokenGuard(console_token)
    rate = limits or RateLimits()
    analytics.start_session(session_id, title)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        hub.start(asyncio.get_running_loop())
        attached = session_id in getattr(analytics, "_threads", {})
        if not attached:
            analytics.attach(show, session_id)
        try:
            yield
        finally:
            hub.stop()
            if not attached:
                analytics.detach(session_id)
            analytics.end_session(session_id)

    app = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub, app.state.show, app.state.analytics = hub, show, analytics
    app.state.session_id, app.state.guard, app.state.limits = session_id, guard, rate

    @app.middleware("http")
    async def headers(request: Request, call_next):
        resp = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        if request.url.path.startswith(("/api/", "/console", "/report", "/metrics")):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    feeds = [0]  # open /ws/flv sockets (only touched on the event loop)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def viewer_page() -> FileResponse:
        return FileResponse(STATIC / "viewer.html", media_type="text/html; charset=utf-8")

    @app.get("/vendor/mpegts.js", include_in_schema=False)
    def mpegts_js() -> Response:
        path = vendor_dir() / "mpegts.js" / "dist" / "mpegts.js"
        if not path.is_file():
            return Response("console.error('mpegts.js is not installed: run scripts/setup_web.sh');",
                            status_code=404, media_type="application/javascript")
        return FileResponse(path, media_type="application/javascript")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True, "session": session_id}

    @app.get("/api/products")
    def products() -> dict:
        state = show.on_air()
        return {"products": [product_json(p) for p in show.products()], "on_air": state.get("product")}

    @app.get("/api/state")
    def state() -> dict:
        s = show.on_air()
        return {"status": s.get("status"), "product": s.get("product"), "banner": s.get("banner"),
                "viewers": hub.viewer_count(), "session": session_id}

    @app.get("/products/{pid}/image", include_in_schema=False)
    def product_image(pid: str):
        """Served only if the show offers ``product_image(pid) -> Path | None`` (optional)."""
        getter = getattr(show, "product_image", None)
        path = getter(pid) if getter else None
        if not path or not Path(path).is_file():
            raise HTTPException(404, "no image")
        return FileResponse(path)

    @app.post("/api/comment")
    def comment(body: CommentIn, request: Request) -> dict:
        viewer = _viewer_id(body.viewer, request)
        text = clean_text(body.text, MAX_COMMENT)
        if not text:
            raise HTTPException(400, "empty comment")
        wait = rate.check("comment", viewer, _ip(request))
        if wait is not None:
            raise too_many(wait, "comments")
        nick = _nick(body.user)
        decision = show.post_comment(nick, text)
        return {"id": decision.get("id"), "user": nick, "text": text, "shown": comment_visible(decision),
                "action": decision.get("action")}

    @app.post("/api/buy")
    def buy(body: BuyIn, request: Request) -> dict:
        viewer = _viewer_id(body.viewer, request)
        wait = rate.check("order", viewer, _ip(request))
        if wait is not None:
            raise too_many(wait, "orders")
        product = next((p for p in show.products() if p.id == body.product_id), None)
        if product is None:
            raise HTTPException(404, "no such product")
        if product.stock <= 0 or body.qty > product.stock:
            raise HTTPException(409, "sold out" if product.stock <= 0 else f"only {product.stock} left")
        unit = product.promo_price if product.promo_price is not None else product.price
        order = analytics.record_order(session_id, viewer, _nick(body.user), product.id, body.qty, unit,
                                       product.currency)
        return {"ok": True, **order, "name": product.name}

    @app.websocket("/ws/flv")
    async def ws_flv(ws: WebSocket) -> None:
        # each feed costs a thread and a queue: cap them (two per viewer: a reload overlaps)
        if feeds[0] >= 2 * max_viewers:
            await ws.close(code=1013, reason="too many viewers")
            return
        await ws.accept()
        feeds[0] += 1
        relay = FlvRelay(show, asyncio.get_running_loop())
        try:
            while True:
                chunk = await relay.out.get()
                if chunk is None:
                    break
                await ws.send_bytes(chunk)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            feeds[0] -= 1
            relay.close()
            with contextlib.suppress(Exception):
                await ws.close()

    @app.websocket("/ws/events")
    async def ws_events(ws: WebSocket) -> None:
        viewer = ws.query_params.get("viewer", "")
        if not VIEWER_ID.match(viewer):
            await ws.close(code=1008, reason="viewer id required")
            return
        await ws.accept()
        client = hub.join("viewer", viewer, _nick(ws.query_params.get("nick", "")))
        if client is None:
            await ws.send_json({"type": "error", "message": "this show is full, please try again later"})
            await ws.close(code=1013)
            return
        await ws.send_json({"type": "viewers", "count": hub.viewer_count()})
        s = show.on_air()
        await ws.send_json({"type": "hello", "product": s.get("product"), "banner": s.get("banner"),
                            "status": s.get("status")})
        await pump(ws, client)

    async def pump(ws: WebSocket, client) -> None:
        """Send the client's queue until it closes or we end it; reads detect the disconnect."""
        async def reader() -> None:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                while True:
                    await ws.receive_text()  # viewers send nothing that matters; keeps close detection
        rtask = asyncio.create_task(reader())
        try:
            while True:
                get = asyncio.create_task(client.queue.get())
                done, _ = await asyncio.wait({get, rtask}, return_when=asyncio.FIRST_COMPLETED)
                if rtask in done:
                    get.cancel()
                    break
                msg = get.result()
                if msg is None:
                    break
                await ws.send_json(msg)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            rtask.cancel()
            hub.leave(client)
            with contextlib.suppress(Exception):
                await ws.close()

    app.state.pump = pump
    operator.install(app, show, analytics, session_id, guard, hub)
    report.install(app, show, analytics, session_id, guard, hub)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    return app
