"""Bilibili live comments through the Bilibili live open platform (直播开放平台, 互动玩法).

Official documentation followed (open-live.bilibili.com/document and the platform's own
samples in github.com/bilibili-openplatform): the signed HTTP API (接口签名实现标准: headers
x-bili-accesskeyid, x-bili-content-md5 (MD5 of the body), x-bili-signature-method HMAC-SHA256,
x-bili-signature-nonce, x-bili-signature-version 1.0, x-bili-timestamp; ``Authorization`` =
hex HMAC-SHA256 with the access key secret over those headers sorted by name as "name:value"
lines joined by "\\n"); ``POST /v2/app/start`` {code (the anchor's identity code 身份码),
app_id} -> game_info.game_id, websocket_info.auth_body and wss_link[], anchor_info.room_id;
``/v2/app/heartbeat`` {game_id} every 20 s (a project without one for 60 s is closed);
``/v2/app/end`` {app_id, game_id}; and the long-connection protocol (直播间消息websocket协议):
binary packets with a 16-byte big-endian header (packet length u32, header length u16 = 16,
protocol version u16, operation u32, sequence u32), OP_AUTH 7 carrying auth_body, OP_AUTH_REPLY
8 with {"code": 0}, OP_HEARTBEAT 2 every 20 s, OP_HEARTBEAT_REPLY 3, OP_SEND_SMS_REPLY 5 with
a JSON {cmd, data} body (长连CMD说明: LIVE_OPEN_PLATFORM_DM with msg_id, open_id, uname, msg,
timestamp; LIVE_OPEN_PLATFORM_SEND_GIFT; LIVE_OPEN_PLATFORM_SUPER_CHAT; LIVE_OPEN_PLATFORM_LIKE).
The open platform gives apps no way to send danmaku, so this source never replies.

Why our own client: PyPI's blivedm (0.1.1, 2023) is behind its repository and brings aiohttp;
bilibili-api-python drives the web site with cookies. The protocol is a header and JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import struct
import time
import uuid
import zlib
from typing import Any, Optional

from ...errors import TwincastError
from .config import BilibiliSource as BilibiliConfig, secret
from .source import CommentSource
from .types import Comment, Gift, Like, SourceProblem

HEADER = struct.Struct(">IHHII")
OP_HEARTBEAT, OP_HEARTBEAT_REPLY, OP_MESSAGE, OP_AUTH, OP_AUTH_REPLY = 2, 3, 5, 7, 8
WS_HEARTBEAT_S = 20.0
READ_TIMEOUT_S = 60.0


def packet(op: int, body: bytes = b"", version: int = 1) -> bytes:
    return HEADER.pack(HEADER.size + len(body), HEADER.size, version, op, 1) + body


def split_packets(data: bytes) -> list[tuple[int, int, bytes]]:
    """(version, operation, body) of every packet in one frame; zlib-compressed (version 2)
    packets are opened and their inner packets returned. Raises ValueError on a bad header."""
    out, i = [], 0
    while i < len(data):
        if len(data) - i < HEADER.size:
            raise ValueError("truncated packet header")
        length, hlen, ver, op, _seq = HEADER.unpack_from(data, i)
        if length < hlen or hlen < HEADER.size or i + length > len(data):
            raise ValueError(f"packet length {length} does not fit the frame")
        body = data[i + hlen:i + length]
        if ver == 2 and op == OP_MESSAGE:
            out += split_packets(zlib.decompress(body))
        else:
            out.append((ver, op, body))
        i += length
    return out


def signed_headers(key_id: str, key_secret: str, body: bytes, *, nonce: Optional[str] = None,
                   timestamp: Optional[int] = None) -> dict[str, str]:
    h = {"x-bili-accesskeyid": key_id, "x-bili-content-md5": hashlib.md5(body).hexdigest(),
         "x-bili-signature-method": "HMAC-SHA256", "x-bili-signature-nonce": nonce or uuid.uuid4().hex,
         "x-bili-signature-version": "1.0", "x-bili-timestamp": str(int(time.time()) if timestamp is None else timestamp)}
    text = "\n".join(f"{k}:{h[k]}" for k in sorted(h))
    h["Authorization"] = hmac.new(key_secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    h.update({"Accept": "application/json", "Content-Type": "application/json"})
    return h


class BilibiliOpenLive(CommentSource):
    platform = "bilibili"

    def __init__(self, config: BilibiliConfig) -> None:
        super().__init__(config)
        self.cfg = config
        raw_app = config.app_id if config.app_id is not None else os.environ.get("TWINCAST_BILIBILI_APP_ID", "")
        try:
            self.app_id = int(raw_app)
        except (TypeError, ValueError):
            raise TwincastError("bilibili: no open-platform project id",
                                "set TWINCAST_BILIBILI_APP_ID to the project id (项目ID) from open-live.bilibili.com"
                                ) from None
        fix = "from your open-live.bilibili.com developer account"
        self.key_id = secret(config.access_key_id, "TWINCAST_BILIBILI_ACCESS_KEY_ID", "bilibili access_key_id", fix)
        self.key_secret = secret(config.access_key_secret, "TWINCAST_BILIBILI_ACCESS_KEY_SECRET",
                                 "bilibili access_key_secret", fix)
        self.game_id: Optional[str] = None
        self.room_id: Optional[int] = None

    def secrets(self) -> list[str]:
        return [self.key_secret, self.key_id, self.cfg.code]

    async def _api(self, http, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        r = await http.post(self.cfg.api_base + path, content=body,
                            headers=signed_headers(self.key_id, self.key_secret, body))
        if r.status_code >= 500:
            raise SourceProblem("network", f"{path}: HTTP {r.status_code}")
        try:
            data = r.json()
            code = int(data.get("code", -1))
        except (ValueError, TypeError, AttributeError):
            raise SourceProblem("protocol", f"{path}: HTTP {r.status_code}, not the documented JSON") from None
        if code != 0:
            msg = f"{path}: code {code} {str(data.get('message', ''))[:120]}"
            if 4000 <= code < 5000:  # request, signature, app and identity-code errors: retrying cannot help
                raise SourceProblem("auth", f"Bilibili open platform refused {msg} (check the identity code, "
                                    "TWINCAST_BILIBILI_APP_ID, TWINCAST_BILIBILI_ACCESS_KEY_ID and "
                                    "TWINCAST_BILIBILI_ACCESS_KEY_SECRET)", retry=False)
            raise SourceProblem("closed", f"Bilibili open platform: {msg}", wait_s=10.0)
        return data.get("data") or {}

    async def run(self) -> None:
        import httpx

        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                data = await self._api(http, "/v2/app/start", {"code": self.cfg.code, "app_id": self.app_id})
                try:
                    self.game_id = str(data["game_info"]["game_id"])
                    auth_body = data["websocket_info"]["auth_body"]
                    links = list(data["websocket_info"]["wss_link"])
                    self.room_id = (data.get("anchor_info") or {}).get("room_id")
                except (KeyError, TypeError):
                    raise SourceProblem("protocol", "/v2/app/start: no game_id, auth_body or wss_link") from None
                beat = asyncio.ensure_future(self._app_heartbeat(http))
                stream = asyncio.ensure_future(self._stream(links, auth_body))
                try:
                    done, _ = await asyncio.wait({beat, stream}, return_when=asyncio.FIRST_COMPLETED)
                    for t in done:
                        t.result()  # raises the SourceProblem that ended it
                finally:
                    for t in (beat, stream):
                        t.cancel()
                    await asyncio.gather(beat, stream, return_exceptions=True)
        except httpx.HTTPError as e:
            raise SourceProblem("network", f"Bilibili open platform unreachable: {type(e).__name__}") from None

    async def _app_heartbeat(self, http) -> None:
        while True:
            await asyncio.sleep(self.cfg.heartbeat_s)
            await self._api(http, "/v2/app/heartbeat", {"game_id": self.game_id})

    async def _stream(self, links: list[str], auth_body: str) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        last: Optional[str] = None
        for link in links:
            try:
                async with connect(link, open_timeout=10, ping_interval=None, max_size=1 << 22, close_timeout=2) as ws:
                    await ws.send(packet(OP_AUTH, auth_body.encode()))
                    beat = asyncio.ensure_future(self._ws_heartbeat(ws))
                    try:
                        await self._read(ws)
                    finally:
                        beat.cancel()
            except ConnectionClosed as e:
                raise SourceProblem("closed", f"long connection closed ({e.rcvd.code if e.rcvd else 'no close frame'})"
                                    ) from None
            except (OSError, InvalidHandshake, asyncio.TimeoutError) as e:
                last = f"{type(e).__name__}: {e}"
                continue  # the next server in wss_link
        raise SourceProblem("network", f"no long-connection server answered ({last})")

    async def _ws_heartbeat(self, ws) -> None:
        while True:
            await ws.send(packet(OP_HEARTBEAT))
            await asyncio.sleep(WS_HEARTBEAT_S)

    async def _read(self, ws) -> None:
        while True:
            try:
                frame = await asyncio.wait_for(ws.recv(), READ_TIMEOUT_S)
            except asyncio.TimeoutError:
                raise SourceProblem("network", f"nothing from the long connection for {READ_TIMEOUT_S:.0f} s") from None
            if isinstance(frame, str):
                frame = frame.encode()
            try:
                packets = split_packets(frame)
            except (ValueError, zlib.error) as e:
                self.malformed(f"bad packet: {e}")
                continue
            for ver, op, body in packets:
                if op == OP_AUTH_REPLY:
                    try:
                        code = int(json.loads(body or b"{}").get("code", -1))
                    except (ValueError, TypeError, AttributeError):
                        code = -1
                    if code != 0:
                        raise SourceProblem("auth", f"the long connection refused auth_body (code {code})")
                    self.connected()
                elif op == OP_MESSAGE:
                    self._notice(body)

    def _notice(self, body: bytes) -> None:
        try:
            msg = json.loads(body)
            cmd, d = msg["cmd"], msg.get("data") or {}
        except (ValueError, KeyError, TypeError):
            self.malformed("a message body that is not {cmd, data} JSON")
            return
        if cmd == "LIVE_OPEN_PLATFORM_INTERACTION_END":
            raise SourceProblem("closed", "the platform ended this app's session")
        try:
            uid, nick = str(d.get("open_id") or d.get("uid") or ""), str(d.get("uname") or "")
            when = float(d.get("timestamp") or time.time())
            if cmd == "LIVE_OPEN_PLATFORM_DM":
                mid = str(d.get("msg_id") or f"{uid}:{d['timestamp']}:{d['msg']}")
                self.deliver(Comment("bilibili", self.id, mid, uid, nick, str(d["msg"]), when))
            elif cmd == "LIVE_OPEN_PLATFORM_SEND_GIFT":
                self.deliver(Gift("bilibili", self.id, str(d["msg_id"]), uid, nick, str(d.get("gift_name", "")),
                                  int(d.get("gift_num", 1)), int(d.get("price", 0)) * int(d.get("gift_num", 1)) / 1000.0,
                                  "CNY", when))
            elif cmd == "LIVE_OPEN_PLATFORM_SUPER_CHAT":
                mid = str(d["msg_id"])
                self.deliver(Gift("bilibili", self.id, mid, uid, nick, "super_chat", 1, float(d.get("rmb", 0)), "CNY",
                                  when, str(d.get("message", ""))))
                if d.get("message"):
                    self.deliver(Comment("bilibili", self.id, mid + ":text", uid, nick, str(d["message"]), when))
            elif cmd == "LIVE_OPEN_PLATFORM_LIKE":
                self.deliver(Like("bilibili", self.id, str(d["msg_id"]), uid, nick, int(d.get("like_count", 1)), when))
        except (KeyError, TypeError, ValueError):
            self.malformed(f"{cmd} without its documented fields")

    async def close(self) -> None:
        if not self.game_id:
            return
        import httpx

        async with httpx.AsyncClient(timeout=5.0) as http:
            try:
                await self._api(http, "/v2/app/end", {"app_id": self.app_id, "game_id": self.game_id})
            except SourceProblem:
                pass
        self.game_id = None
