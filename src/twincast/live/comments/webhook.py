"""A generic inbound source: any other tool POSTs signed JSON comments, or streams them over a
WebSocket. For platforms whose official interfaces are only open to companion apps or server
subscriptions (a Douyin or Kuaishou companion app, a platform's webhook subscription, a shop's
own system), the sender does the platform's part and this source takes the result.

Signing (the scheme of Stripe and Slack webhooks): ``X-Twincast-Timestamp: UNIX_SECONDS`` and
``X-Twincast-Signature: sha256=HEX`` where HEX = HMAC-SHA256(secret, f"{timestamp}.{body}") over
the raw body bytes. The timestamp is inside the signature, so an old request cannot be replayed
with a new time, and one older or newer than ``max_skew_s`` is refused; a replay inside that
window is caught by the message-id de-duplication. Signatures compare in constant time.

Body: one message or ``{"messages": [...]}`` (at most 100); a message is
``{"id", "platform"?, "type"?: comment|gift|like, "user_id"?, "nickname"?, "text", "time"?,
"gift"?, "count"?, "value"?, "currency"?}``. The WebSocket at ``/ws`` takes frames
``{"timestamp": T, "signature": "sha256=HEX", "body": "<the same JSON as a string>"}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import socket
import time
from typing import Any, Optional

from .config import WebhookSource as WebhookConfig, secret as need_secret
from .source import CommentSource
from .types import Comment, Gift, Like, SourceProblem

MAX_BODY = 64 * 1024
MAX_MESSAGES = 100
_LABEL = re.compile(r"^[a-z0-9_-]{1,24}$")


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The signature header value a sender puts on ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSource(CommentSource):
    platform = "webhook"

    def __init__(self, config: WebhookConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self.key = need_secret(config.secret, "TWINCAST_WEBHOOK_SECRET", "the webhook's shared secret",
                               "any long random string; the sender signs with the same one")
        self.port: Optional[int] = None
        self._server = None

    def secrets(self) -> list[str]:
        return [self.key]

    # ---- checks -----------------------------------------------------------------------------------
    def verify(self, timestamp: Optional[str], signature: Optional[str], body: bytes) -> Optional[str]:
        """None when the request is authentic and fresh; else why not (no secret in it)."""
        if not timestamp or not signature:
            return "missing X-Twincast-Timestamp or X-Twincast-Signature"
        try:
            ts = float(timestamp)
        except ValueError:
            return "the timestamp is not a number of seconds"
        if abs(time.time() - ts) > self.cfg.max_skew_s:
            return f"the timestamp is more than {self.cfg.max_skew_s:g} s off (replay, or a wrong clock)"
        if not hmac.compare_digest(sign(self.key, timestamp, body), signature.strip()):
            return "bad signature"
        return None

    def take(self, body: bytes) -> list[dict[str, Any]]:
        """Parse and hand over the messages of one verified body; one result per message."""
        try:
            data = json.loads(body)
        except ValueError:
            self.malformed("a body that is not JSON")
            raise ValueError("the body is not JSON") from None
        items = data.get("messages") if isinstance(data, dict) and "messages" in data else [data]
        if not isinstance(items, list) or len(items) > MAX_MESSAGES:
            raise ValueError(f"'messages' must be a list of at most {MAX_MESSAGES}")
        out = []
        for item in items:
            msg = self._message(item)
            if msg is None:
                self.malformed("a message without id or text")
                out.append({"result": "malformed"})
                continue
            out.append({"id": msg.message_id, "result": self.deliver(msg) or "queued"})
        return out

    def _message(self, d: Any):
        if not isinstance(d, dict) or not isinstance(d.get("id"), (str, int)) or str(d.get("id")) == "":
            return None
        label = str(d.get("platform") or self.cfg.platform).lower()
        label = label if _LABEL.match(label) else self.cfg.platform
        mid, uid = str(d["id"])[:128], str(d.get("user_id") or d.get("nickname") or "anon")[:128]
        nick = str(d.get("nickname") or uid)
        try:
            when = float(d.get("time") or time.time())
            count = int(d.get("count") or 1)
            value = float(d.get("value") or 0.0)
        except (TypeError, ValueError):
            return None
        kind = d.get("type", "comment")
        if kind == "gift":
            return Gift(label, self.id, mid, uid, nick, str(d.get("gift") or "gift")[:40], count, value,
                        str(d.get("currency") or "")[:8], when, str(d.get("text") or ""))
        if kind == "like":
            return Like(label, self.id, mid, uid, nick, count, when)
        if kind != "comment" or not isinstance(d.get("text"), str) or not d["text"].strip():
            return None
        return Comment(label, self.id, mid, uid, nick, d["text"], when)

    # ---- the server ---------------------------------------------------------------------------------
    def app(self):
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route, WebSocketRoute
        from starlette.websockets import WebSocket, WebSocketDisconnect

        async def post(request: Request) -> JSONResponse:
            length = request.headers.get("content-length", "")
            if length and (not length.isdigit() or int(length) > MAX_BODY):
                return JSONResponse({"error": f"body over {MAX_BODY} bytes"}, 413)
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    return JSONResponse({"error": f"body over {MAX_BODY} bytes"}, 413)
            why = self.verify(request.headers.get("x-twincast-timestamp"),
                              request.headers.get("x-twincast-signature"), body)
            if why:
                self.malformed(f"refused request: {why}")
                return JSONResponse({"error": why}, 401)
            try:
                return JSONResponse({"results": self.take(body)})
            except ValueError as e:
                return JSONResponse({"error": str(e)}, 400)

        async def ws(sock: WebSocket) -> None:
            await sock.accept()
            try:
                while True:
                    frame = await sock.receive_text()
                    if len(frame) > MAX_BODY:
                        await sock.close(1009, "frame too large")
                        return
                    try:
                        env = json.loads(frame)
                        body = str(env["body"]).encode()
                        why = self.verify(str(env.get("timestamp", "")), env.get("signature"), body)
                    except (ValueError, KeyError, TypeError):
                        why = "a frame must be {timestamp, signature, body}"
                    if why:
                        self.malformed(f"refused frame: {why}")
                        await sock.send_json({"error": why})
                        await sock.close(1008, why[:100])
                        return
                    try:
                        await sock.send_json({"results": self.take(body)})
                    except ValueError as e:
                        await sock.send_json({"error": str(e)})
            except WebSocketDisconnect:
                return

        return Starlette(routes=[Route("/comments", post, methods=["POST"]), WebSocketRoute("/ws", ws)])

    async def run(self) -> None:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.cfg.bind, self.cfg.port))
        except OSError as e:
            sock.close()
            raise SourceProblem("config", f"cannot listen on {self.cfg.bind}:{self.cfg.port}: {e.strerror}",
                                wait_s=5.0) from None
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", access_log=False, lifespan="off",
                                ws="websockets-sansio", ws_per_message_deflate=False, ws_max_size=MAX_BODY + 1024)
        self._server = uvicorn.Server(config)
        self._server.config.load()
        watcher = asyncio.ensure_future(self._announce())
        try:
            await self._server.serve(sockets=[sock])
        except SystemExit:
            raise SourceProblem("config", f"the webhook server on port {self.port} could not start") from None
        finally:
            watcher.cancel()
            sock.close()
        raise SourceProblem("closed", "the webhook server stopped")

    async def _announce(self) -> None:
        for _ in range(500):  # bounded: 10 s
            if self._server is not None and self._server.started:
                self.connected()
                return
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    @property
    def url(self) -> str:
        return f"http://{self.cfg.bind}:{self.port}"

