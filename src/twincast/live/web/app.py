"""The viewer side of the web layer: page, comments, orders, shelf and product images.

Viewers can change nothing in the show except by commenting and ordering; everything else is
under /api/op/* (see ``operator.py``), which needs the operator token. Text from viewers is
cleaned and rate-limited here; prices always come from ``show.products()`` and stock from the
session's :class:`~twincast.live.shop.Shop`. The sockets are in ``sockets.py``; the request
hygiene every endpoint shares (body limit, strict JSON, errors, headers) in ``hygiene.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Optional

import anyio.to_thread
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..api import ShowControl
from ..shop import OutOfStock, Shop
from . import sockets
from .clients import ClientPolicy
from .hub import FlvFanout, Hub, comment_visible
from .hygiene import Guard, validation_error
from .security import VIEWER_ID, RateLimits, clean_text, too_many

log = logging.getLogger("twincast.live.web")
STATIC = Path(__file__).resolve().parent / "static"
MAX_COMMENT, MAX_NICK = 200, 24
FLOOD_PATHS = {"/api/comment": "comment", "/api/buy": "order"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif"}


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


def catalog_root(show) -> Path:
    """The folder product images must be inside: ``show.catalog_dir()`` when the show has it,
    else the catalog file's folder, else the working directory (where the catalog resolves
    relative image paths when it has no file)."""
    getter = getattr(show, "catalog_dir", None)
    folder = getter() if getter else None
    if folder is None:
        cat = getattr(show, "catalog", None)
        src = getattr(cat, "source", None) or getattr(cat, "_source", None)
        folder = Path(src).parent if src else Path.cwd()
    return Path(folder).resolve()


def confined_image(path: Optional[Path], root: Path) -> tuple[Optional[Path], bool]:
    """(``path`` resolved with symlinks followed, if it is an existing image file inside
    ``root``; whether it was refused for leaving ``root`` or not being an image). A file that is
    merely missing is not refused: that is a catalog mistake, not an attempt."""
    if not path:
        return None, False
    p = Path(path).resolve()
    if not p.is_relative_to(root) or p.suffix.lower() not in IMAGE_SUFFIXES:
        return None, True
    return (p if p.is_file() else None), False


def product_json(p) -> dict[str, Any]:
    return {"id": p.id, "link": p.link, "name": p.name, "price": p.price, "promo_price": p.promo_price,
            "currency": p.currency, "stock": p.stock, "image_url": p.image_url}


def create_app(show: ShowControl, analytics, console_token: str, session_id: str, *,
               limits: Optional[RateLimits] = None, max_viewers: int = 500, title: str = "twincast live",
               policy: Optional[ClientPolicy] = None, worker_threads: int = 8, session_owner: Optional[int] = None):
    """The whole web layer for one show session. ``analytics`` records into ``session_id``;
    its event consumer runs while the app runs (lifespan), so tests and ``serve`` get the same.
    ``limits``: comment/order/join rates; ``policy``: trusted proxies, origins, per-address caps
    and the body limit (docs/security.md). ``worker_threads`` caps the threads that run blocking
    endpoint work (anyio's default is 40: under a flood, 40 threads would fight the render loop
    for the GIL; requests beyond the cap wait their turn on the event loop instead).
    ``session_owner``: the pid whose end ends the session (the show's, when this app runs in a
    web process of its own)."""
    from . import operator, report
    from .security import TokenGuard

    if not console_token:
        raise ValueError("an operator token is required (serve() makes a random one)")
    policy = policy or ClientPolicy()
    hub = Hub(show, analytics, session_id, max_viewers=max_viewers, policy=policy)
    flv = FlvFanout(show)
    guard = TokenGuard(console_token)
    rate = limits or RateLimits()
    analytics.start_session(session_id, title, owner_pid=session_owner)
    shop = Shop(analytics, session_id, show.products)
    if hasattr(show, "use_stock"):
        show.use_stock(shop.remaining_stock)
    root = catalog_root(show)
    refused_images: set[str] = set()

    def address(request: Request) -> str:
        return policy.client_address(request.client.host if request.client else None, request.headers)

    blocked_until: dict[tuple[str, str], float] = {}  # (kind, address) -> monotonic time

    def flood_gate(scope: dict, headers) -> Optional[tuple[int, str, dict[str, str]]]:
        """An address already over its comment/order limit gets its 429 before its body is read
        and parsed: under a flood that is most requests, and the cheapest way to refuse them.
        A refusal is remembered for up to a second (a window cannot reopen before its reset
        time), so a flooding address costs a dict lookup, not a rate-limit computation."""
        kind = FLOOD_PATHS.get(scope["path"]) if scope["method"] == "POST" else None
        if kind is None:
            return None
        peer = scope.get("client")
        key = (kind, policy.client_address(peer[0] if peer else None, headers))
        now = time.monotonic()
        until = blocked_until.get(key, 0.0)
        wait = until - now if until > now else rate.address_wait(kind, key[1])
        if wait is None:
            return None
        if until <= now:
            if len(blocked_until) > 20_000:
                blocked_until.clear()
            blocked_until[key] = now + min(wait, 1.0)
        err = too_many(wait, kind + "s")
        return err.status_code, err.detail, dict(err.headers or {})

    async def same_site(request: Request) -> None:
        """Viewer actions come from our page (browsers always send Origin on POST)."""
        if not policy.origin_ok(request.headers):
            raise HTTPException(403, "this request must come from the show's page")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads
        hub.start(asyncio.get_running_loop())
        flv.start(asyncio.get_running_loop())
        attached = session_id in getattr(analytics, "_threads", {})
        if not attached:
            analytics.attach(show, session_id)
        try:
            yield
        finally:
            flv.stop()
            hub.stop()
            if not attached:
                analytics.detach(session_id)
            analytics.end_session(session_id)

    app = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub, app.state.show, app.state.analytics = hub, show, analytics
    app.state.session_id, app.state.guard, app.state.limits = session_id, guard, rate
    app.state.policy, app.state.shop, app.state.flv = policy, shop, flv
    app.add_middleware(Guard, max_body=policy.max_body_bytes, precheck=flood_gate)
    app.add_exception_handler(RequestValidationError, validation_error)
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
        return {"products": [product_json(p) for p in shop.shelf(show.products())], "on_air": state.get("product")}

    @app.get("/api/state")
    def state() -> dict:
        s = show.on_air()
        return {"status": s.get("status"), "product": s.get("product"), "banner": s.get("banner"),
                "viewers": hub.viewer_count(), "session": session_id}

    @app.get("/products/{pid}/image", include_in_schema=False)
    def product_image(pid: str):
        """Served only if the show offers ``product_image(pid) -> Path | None`` (optional), and
        only an image file inside the catalog's folder: a catalog is outside input too."""
        getter = getattr(show, "product_image", None)
        path = getter(pid) if getter else None
        safe, refused = confined_image(path, root)
        if refused and pid not in refused_images and len(refused_images) < 1000:
            refused_images.add(pid)  # logged once per product, not once per request
            log.warning("product %r: its image is not an image file inside the catalog folder %s; not served",
                        pid[:64], root)
        if safe is None:
            raise HTTPException(404, "no image")
        return FileResponse(safe)

    # comment and buy are async: the checks that refuse a flood (cleaning, rate limits) run on the
    # loop, and only accepted requests take a worker thread for the show and the database
    @app.post("/api/comment", dependencies=[Depends(same_site)])
    async def comment(body: CommentIn, request: Request) -> dict:
        viewer = _viewer_id(body.viewer, request)
        text = clean_text(body.text, MAX_COMMENT)
        if not text:
            raise HTTPException(400, "empty comment")
        wait = rate.check("comment", viewer, address(request))
        if wait is not None:
            raise too_many(wait, "comments")
        nick = _nick(body.user)
        decision = await run_in_threadpool(show.post_comment, nick, text)
        return {"id": decision.get("id"), "user": nick, "text": text, "shown": comment_visible(decision),
                "action": decision.get("action")}

    @app.post("/api/buy", dependencies=[Depends(same_site)])
    async def buy(body: BuyIn, request: Request) -> dict:
        viewer = _viewer_id(body.viewer, request)
        wait = rate.check("order", viewer, address(request))
        if wait is not None:
            raise too_many(wait, "orders")
        order, name = await run_in_threadpool(place_order, viewer, _nick(body.user), body.product_id, body.qty)
        hub.broadcast({"type": "stock", "product": order["product_id"], "stock": order["remaining"]}, "viewer")
        return {"ok": True, **order, "name": name}

    def place_order(viewer: str, nick: str, product_id: str, qty: int) -> tuple[dict, str]:
        product = next((p for p in show.products() if p.id == product_id), None)
        if product is None:
            raise HTTPException(404, "no such product")
        try:
            return shop.order(viewer, nick, product, qty), product.name
        except OutOfStock as e:
            raise HTTPException(409, f"{product.name}: {e.message}") from None

    sockets.install(app, show, hub, flv, policy, rate, max_flv=2 * max_viewers)
    operator.install(app, show, analytics, session_id, guard, hub)
    report.install(app, show, analytics, session_id, guard, hub)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    return app
