"""The operator console: /console and /api/op/*, all behind the operator token.

Why the token travels in an ``Authorization: Bearer`` header on every state-changing call: a
cookie would be sent by the browser on a forged cross-site request too. The page gets the token
once from ``?token=`` (printed by the CLI), keeps it in sessionStorage and strips it from the
address bar. A cookie is set as well, but it only unlocks read-only pages (console shell,
report, metrics) and is SameSite=Strict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Optional

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from .security import COOKIE, clean_text, token_ok, ws_token

CAMERAS = ("wide", "host", "product", "pip")
CLIP_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".flv"}
STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("twincast.live.web")


class ReorderIn(BaseModel):
    product_ids: list[str] = Field(..., max_length=500)


class TextIn(BaseModel):
    text: str = Field("", max_length=2000)


class SayIn(BaseModel):
    text: str = Field(..., max_length=2000)
    speaker: str = "host"


class CameraIn(BaseModel):
    camera: Optional[str] = None  # None or "auto": back to the director's rules


class MuteIn(BaseModel):
    muted: bool


class ClipIn(BaseModel):
    path: str = Field(..., max_length=4096)


def validate_clip(path: str) -> Path:
    """A clip is a readable video file on this machine whose first frame decodes; anything else
    is refused with a 4xx that says why, before the engine sees it (it would fail on air)."""
    p = Path(path).expanduser()
    if not p.is_absolute():
        raise HTTPException(400, "give the clip's absolute path on the server machine")
    p = p.resolve()
    if not p.is_file():
        raise HTTPException(400, f"no such file: {p}")
    if p.suffix.lower() not in CLIP_SUFFIXES:
        raise HTTPException(400, f"not a video file ({', '.join(sorted(CLIP_SUFFIXES))})")
    if not os.access(p, os.R_OK):
        raise HTTPException(400, f"cannot read {p}: check its permissions")
    probe_clip(p)
    return p


def probe_clip(p: Path) -> None:
    """Open the file and decode one video frame (bounded: stops at the first one)."""
    import av

    try:
        with av.open(str(p), timeout=5.0) as container:
            if not container.streams.video:
                raise HTTPException(415, f"{p.name} has no video stream")
            for _ in container.decode(video=0):
                return
    except HTTPException:
        raise
    except PermissionError:
        raise HTTPException(400, f"cannot read {p}: check its permissions") from None
    except (av.FFmpegError, OSError, ValueError, EOFError):
        pass
    raise HTTPException(415, f"{p.name} cannot be decoded as a video (damaged, or not a video file)")


def install(app, show, analytics, session_id: str, guard, hub) -> None:
    op = [Depends(guard.api)]

    @app.get("/console", include_in_schema=False, dependencies=[Depends(guard.page)])
    def console(request: Request) -> FileResponse:
        resp = FileResponse(STATIC / "console.html", media_type="text/html; charset=utf-8")
        resp.set_cookie(COOKIE, guard.token, httponly=True, samesite="strict", path="/")
        return resp

    @app.get("/api/op/state", dependencies=op)
    def op_state() -> dict:
        from ..comments.status import source_status
        from .app import product_json

        return {"on_air": show.on_air(), "viewers": hub.viewer_count(), "session": session_id,
                "products": [product_json(p) for p in app.state.shop.shelf(show.products())],
                "recent": analytics.recent(session_id, 100), "sources": source_status(show)}

    @app.post("/api/op/start", dependencies=op)
    def op_start() -> dict:
        show.start()
        return {"ok": True}

    @app.post("/api/op/stop", dependencies=op)
    def op_stop() -> dict:
        show.stop()
        return {"ok": True}

    @app.post("/api/op/skip", dependencies=op)
    def op_skip() -> dict:
        show.skip_product()
        return {"ok": True}

    @app.post("/api/op/reorder", dependencies=op)
    def op_reorder(body: ReorderIn) -> dict:
        known = [p.id for p in show.products()]
        ids = body.product_ids
        unknown = [i for i in ids if i not in known]
        if unknown or len(set(ids)) != len(ids) or not ids:
            raise HTTPException(400, f"product_ids must be distinct known ids; unknown: {unknown[:5]}")
        show.reorder(list(ids))
        return {"ok": True, "order": ids}

    @app.post("/api/op/pin", dependencies=op)
    def op_pin(body: TextIn) -> dict:
        text = clean_text(body.text, 60)
        show.pin_comment(text)
        return {"ok": True, "text": text}

    @app.post("/api/op/say", dependencies=op)
    def op_say(body: SayIn) -> dict:
        text = clean_text(body.text, 300)
        if not text:
            raise HTTPException(400, "empty line")
        if body.speaker not in ("host", "assistant"):
            raise HTTPException(400, "speaker must be 'host' or 'assistant'")
        show.say_next(text, body.speaker)
        return {"ok": True, "text": text}

    @app.post("/api/op/camera", dependencies=op)
    def op_camera(body: CameraIn) -> dict:
        cam = None if body.camera in (None, "", "auto") else body.camera
        if cam is not None and cam not in CAMERAS:
            raise HTTPException(400, f"camera must be one of {', '.join(CAMERAS)} or auto")
        show.switch_camera(cam)
        return {"ok": True, "camera": cam or "auto"}

    @app.post("/api/op/mute", dependencies=op)
    def op_mute(body: MuteIn) -> dict:
        show.mute(body.muted)
        return {"ok": True, "muted": body.muted}

    @app.post("/api/op/clip", dependencies=op)
    def op_clip(body: ClipIn) -> dict:
        path = validate_clip(body.path)
        try:
            show.play_clip(str(path))
        except Exception as e:  # noqa: BLE001 - the engine opens the file again; any failure is the file's
            log.warning("clip %s refused by the show: %s", path.name, type(e).__name__)
            raise HTTPException(415, f"{path.name} cannot be played: {type(e).__name__}") from None
        return {"ok": True, "path": str(path)}

    @app.websocket("/ws/op/events")
    async def ws_op(ws: WebSocket) -> None:
        """Every engine event, moderation decisions included. Browsers cannot set headers on a
        WebSocket, so the page sends ``{"token": ...}`` as its first message instead. The socket
        passes the same Origin and per-address gate as the viewers' sockets."""
        addr = await app.state.gate(ws)
        if addr is None:
            return
        try:
            await _op_socket(ws)
        finally:
            hub.addresses.close_socket(addr)

    async def _op_socket(ws: WebSocket) -> None:
        await ws.accept()
        tok = ws_token(ws)
        if tok is None:
            with contextlib.suppress(Exception):
                first = await asyncio.wait_for(ws.receive_json(), timeout=5)
                tok = first.get("token") if isinstance(first, dict) else None
        if not token_ok(guard.token, tok):
            await ws.send_json({"type": "error", "message": "operator token required"})
            await ws.close(code=1008)
            return
        client = hub.join("operator")
        await ws.send_json({"type": "viewers", "count": hub.viewer_count()})
        await app.state.pump(ws, client)
