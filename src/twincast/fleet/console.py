"""The fleet console: every room's state, viewers, answers and GMV on one page; operator actions
routed to the right room; ``/metrics`` for all rooms with a ``room`` label.

Why it runs inside the supervisor: the supervisor already holds the ledger (the numbers) and
the rooms' handles (the actions), so the console is a thin HTTP face on it, on the head node,
bound to 127.0.0.1 by default like every twincast server. The token is the one the rooms'
own consoles take, so an operator uses one token for the fleet and for any room's page.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Optional

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from ..live.web.report import number
from ..live.web.security import COOKIE, TokenGuard, clean_text

STATIC = Path(__file__).resolve().parent / "static"
CAMERAS = ("wide", "host", "product", "pip")
HEADERS = {"Content-Security-Policy": "default-src 'self'; object-src 'none'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


class ActionIn(BaseModel):
    text: str = Field("", max_length=2000)
    speaker: str = "host"
    camera: Optional[str] = None
    muted: bool = False
    product_ids: list[str] = Field(default_factory=list, max_length=500)
    user: str = Field("operator", max_length=40)


def _args(action: str, body: ActionIn) -> dict[str, Any]:
    """The checks a room's own console makes, made here before the call crosses the cluster."""
    if action == "skip":
        return {}
    if action == "pin":
        return {"text": clean_text(body.text, 60)}
    if action in ("say", "comment"):
        text = clean_text(body.text, 300)
        if not text:
            raise HTTPException(400, "empty text")
        if action == "say" and body.speaker not in ("host", "assistant"):
            raise HTTPException(400, "speaker must be 'host' or 'assistant'")
        return {"text": text, "speaker": body.speaker} if action == "say" else {"text": text, "user": clean_text(body.user, 24) or "operator"}
    if action == "camera":
        cam = None if body.camera in (None, "", "auto") else body.camera
        if cam is not None and cam not in CAMERAS:
            raise HTTPException(400, f"camera must be one of {', '.join(CAMERAS)} or auto")
        return {"camera": cam}
    if action == "mute":
        return {"muted": body.muted}
    if action == "reorder":
        if not body.product_ids or len(set(body.product_ids)) != len(body.product_ids):
            raise HTTPException(400, "product_ids must be distinct product ids")
        return {"product_ids": body.product_ids}
    raise HTTPException(404, f"unknown action {action!r}: skip, pin, say, camera, mute, reorder or comment")


def escape(v: Any) -> str:
    """A label value in the exposition format: backslash, quote and newline escaped."""
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_metrics(rooms: list[dict[str, Any]], per_room: dict[str, dict[str, Any]]) -> str:
    """Prometheus text format 0.0.4: one HELP/TYPE per metric, a ``room`` label on every sample."""
    out: list[str] = []

    def lab(labels: dict[str, str]) -> str:
        return ",".join(f'{k}="{escape(v)}"' for k, v in labels.items())

    def metric(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float]]) -> None:
        out.append(f"# HELP twincast_{name} {help_}")
        out.append(f"# TYPE twincast_{name} {kind}")
        out.extend(f"twincast_{name}{{{lab(labels)}}} {number(v)}" for labels, v in samples)

    R = [(r["room"], r) for r in rooms]
    metric("room_info", "gauge", "One per room: its session, instance and node.",
           [({"room": n, "session": r["session"], "instance": r["instance"], "node": r["node"][:12], "state": r["state"]}, 1)
            for n, r in R])
    metric("room_up", "gauge", "1 while the room is on air and reporting.", [({"room": n}, int(r["state"] == "on_air")) for n, r in R])
    metric("viewers_current", "gauge", "Viewers connected now (distinct viewer ids).", [({"room": n}, r["viewers"]) for n, r in R])
    metric("comments_total", "counter", "Viewer comments by moderation/answer action.",
           [({"room": n, "action": a}, c) for n, _ in R for a, c in sorted(per_room[n]["comments"].items())])
    metric("answers_total", "counter", "Spoken lines that answer viewer comments.", [({"room": n}, r["answers"]) for n, r in R])
    metric("orders_total", "counter", "Orders placed on the viewer page, per product.",
           [({"room": n, "product": o["product"]}, o["orders"]) for n, _ in R for o in per_room[n]["orders"]])
    metric("gmv_total", "counter", "Gross merchandise value of those orders (catalog prices).", [({"room": n}, r["gmv"]) for n, r in R])
    metric("frames_total", "counter", "Frames encoded by the room's current instance.", [({"room": n}, r["frames"]) for n, r in R])
    metric("dropped_frames_total", "counter", "Frames repeated to keep real time (current instance).",
           [({"room": n}, r["dropped_frames"]) for n, r in R])
    metric("media_seconds", "gauge", "Seconds on air in the room's session, over all its instances.",
           [({"room": n}, r["media_t"]) for n, r in R])
    metric("restarts_total", "counter", "Instances the supervisor replaced (died, stalled or node lost).",
           [({"room": n}, r["restarts"]) for n, r in R])
    return "\n".join(out) + "\n"


def create_console(sup, token: str) -> FastAPI:
    guard = TokenGuard(token)
    app = FastAPI(title="twincast fleet", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def headers(request, call_next):
        resp = await call_next(request)
        for k, v in HEADERS.items():
            resp.headers.setdefault(k, v)
        return resp

    @app.get("/", include_in_schema=False, dependencies=[Depends(guard.page)])
    def page() -> FileResponse:
        resp = FileResponse(STATIC / "fleet.html", media_type="text/html; charset=utf-8")
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return resp

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in ("fleet.js", "fleet.css"):
            raise HTTPException(404, "no such file")
        return FileResponse(STATIC / name, media_type="application/javascript" if name.endswith(".js") else "text/css")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True, "rooms": len(sup.rooms)}

    @app.get("/api/rooms", dependencies=[Depends(guard.api)])
    def rooms() -> dict:
        return {"rooms": sup.status(), "time": time.time()}

    @app.post("/api/rooms/{room}/{action}", dependencies=[Depends(guard.api)])
    def act(room: str, action: str, body: Optional[ActionIn] = None) -> JSONResponse:
        if room not in sup.rooms:
            raise HTTPException(404, f"no room {room!r}; rooms: {', '.join(sorted(sup.rooms))}")
        args = _args(action, body or ActionIn())
        try:
            res = sup.operate(room, action, args)
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - the room is restarting or its node is gone
            raise HTTPException(503, f"room {room} did not answer ({type(exc).__name__}); it may be restarting: retry") from None
        return JSONResponse({"room": room, "action": action, **(res or {})})

    @app.get("/report/{room}", dependencies=[Depends(guard.page)], include_in_schema=False)
    def report(room: str) -> HTMLResponse:
        """The room's whole session from the ledger, over all its instances (the same page as a
        room's own /report)."""
        from ..live.web.report import render_report

        r = sup.rooms.get(room)
        if r is None or sup.ledger.db.session(r.session) is None:
            raise HTTPException(404, f"no session recorded for room {room!r}")
        db = sup.ledger.db
        return HTMLResponse(render_report(db.summary(r.session), {}, db.sessions()))

    @app.get("/metrics", dependencies=[Depends(guard.page)], include_in_schema=False)
    def metrics() -> PlainTextResponse:
        rooms = sup.status()
        per = {r["room"]: {"comments": sup.ledger.db.comments_summary(r["session"]),
                           "orders": sup.ledger.db.orders_by_product(r["session"])} for r in rooms}
        return PlainTextResponse(render_metrics(rooms, per), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app


class ConsoleServer:
    def __init__(self, server, thread: threading.Thread) -> None:
        self.server, self.thread = server, thread

    @property
    def url(self) -> str:
        cfg = self.server.config
        port = cfg.port
        for srv in getattr(self.server, "servers", []) or []:
            for sock in srv.sockets:
                port = sock.getsockname()[1]
        return f"http://{cfg.host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def serve_console(sup, host: str, port: int, token: str, timeout: float = 15.0) -> ConsoleServer:
    import uvicorn

    config = uvicorn.Config(create_console(sup, token), host=host, port=port, log_level="warning",
                            access_log=False, proxy_headers=False, server_header=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fleet-console", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the fleet console did not start on {host}:{port} (port in use?)")
        time.sleep(0.05)
    return ConsoleServer(server, thread)
