"""Protocol-faithful fake comment platforms on loopback, for the comment-source tests (issue 22).

Each fake speaks the platform's documented wire protocol (the document is named on each class),
runs on its own asyncio loop in a daemon thread on 127.0.0.1 with a free port, and lets a test
push messages, drop connections and read what the client sent. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable, Optional


class LoopThread:
    """An asyncio loop on a daemon thread; ``call(coro)`` runs a coroutine there and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-platform", daemon=True)
        self.thread.start()

    def call(self, coro, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def wait_for(pred: Callable[[], Any], timeout: float = 8.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class _Pushes:
    """Send to / disconnect every joined WebSocket client (``self.clients``) from the fake's loop."""

    def send_all(self, frame) -> None:
        async def send() -> None:
            for ws in list(self.clients):
                await ws.send(frame)
        self.lt.call(send())

    def drop(self) -> None:
        """Close every client connection (as a server restart would)."""
        async def close() -> None:
            for ws in list(self.clients):
                await ws.close(1001, "going away")
        self.lt.call(close())

    def _close_ws(self, server) -> None:
        async def close() -> None:
            server.close()
            await server.wait_closed()
        self.lt.call(close())


class FakeTwitch(_Pushes):
    """Twitch chat over WebSocket IRC, after dev.twitch.tv/docs/chat/irc ("IRC Concepts"),
    /docs/irc/capabilities, /docs/irc/tags and /docs/irc/send-receive-messages: the client sends
    CAP REQ, PASS oauth:TOKEN (optional: anonymous justinfanNNNN), NICK and JOIN; the server
    ACKs the caps, answers JOIN with the JOIN echo, 353/366 and ROOMSTATE, refuses a bad token
    with ``:tmi.twitch.tv NOTICE * :Login authentication failed`` and closes, and PINGs."""

    def __init__(self, channel: str = "shopchan", token: str = "good-token") -> None:
        self.channel, self.token = channel, token
        self.lt = LoopThread()
        self.received: list[str] = []
        self.clients: list = []
        self.logins: list[str] = []
        self.server = self.lt.call(self._start())
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}"

    async def _start(self):
        from websockets.asyncio.server import serve

        return await serve(self._handler, "127.0.0.1", 0)

    async def _handler(self, ws) -> None:
        nick = None
        try:
            async for frame in ws:
                for line in str(frame).split("\r\n"):
                    if not line:
                        continue
                    self.received.append(line)
                    if line.startswith("PASS "):
                        if line != f"PASS oauth:{self.token}":
                            await ws.send(":tmi.twitch.tv NOTICE * :Login authentication failed")
                            await ws.close()
                            return
                    elif line.startswith("CAP REQ"):
                        await ws.send(":tmi.twitch.tv CAP * ACK :" + line.split(":", 1)[1])
                    elif line.startswith("NICK "):
                        nick = line[5:]
                        self.logins.append(nick)
                        await ws.send(f":tmi.twitch.tv 001 {nick} :Welcome, GLHF!")
                    elif line.startswith("JOIN "):
                        ch = line[5:]
                        await ws.send(f":{nick}!{nick}@{nick}.tmi.twitch.tv JOIN {ch}\r\n"
                                      f":{nick}.tmi.twitch.tv 353 {nick} = {ch} :{nick}\r\n"
                                      f":{nick}.tmi.twitch.tv 366 {nick} {ch} :End of /NAMES list\r\n"
                                      f"@emote-only=0;room-id=713936733;slow=0 :tmi.twitch.tv ROOMSTATE {ch}")
                        self.clients.append(ws)
        except Exception:  # noqa: BLE001 - a client going away mid-frame is the test's business
            pass
        finally:
            if ws in self.clients:
                self.clients.remove(ws)

    @staticmethod
    def privmsg(msg_id: str, login: str, text: str, *, user_id: str = "713936733", channel: str = "shopchan",
                display: Optional[str] = None, ts_ms: Optional[int] = None, bits: Optional[int] = None) -> str:
        """A PRIVMSG in the shape of the docs' example (tags, then :login!login@login.tmi.twitch.tv)."""
        ts = ts_ms if ts_ms is not None else int(time.time() * 1000)
        extra = f"bits={bits};" if bits else ""
        return (f"@badge-info=;badges=;{extra}color=#0000FF;display-name={display or login};emotes=;first-msg=0;"
                f"flags=;id={msg_id};mod=0;room-id=713936733;subscriber=0;tmi-sent-ts={ts};turbo=0;"
                f"user-id={user_id};user-type= :{login}!{login}@{login}.tmi.twitch.tv PRIVMSG #{channel} :{text}")

    def push(self, *lines: str) -> None:
        self.send_all("\r\n".join(lines))

    def stop(self) -> None:
        try:
            self._close_ws(self.server)
        finally:
            self.lt.stop()


class RecordingShow:
    """The least a show must offer the comment manager: ``post_comment`` and events. It decides
    every comment "answer" and, when ``answer`` is on, says an answer naming the comment id, like
    the engine's ``say`` event does (FakeShow's echo without its video)."""

    def __init__(self, answer: bool = False) -> None:
        from twincast.live.api import EventHub

        self.hub = EventHub()
        self.posted: list[tuple[int, str, str]] = []
        self.answer = answer
        self._ids = iter(range(1, 1 << 30))

    def post_comment(self, user: str, text: str) -> dict:
        cid = next(self._ids)
        self.posted.append((cid, user, text))
        self.hub.emit("comment", id=cid, user=user, text=text, action="answer", reason=None, intent=None,
                      product=None)
        if self.answer:
            self.hub.emit("say", speaker="host", text=f"@{user} 收到：{text}", kind="answer", product=None,
                          camera="host", answers=[cid])
        return {"id": cid, "action": "answer"}

    def emit(self, *a, **k) -> None:
        self.hub.emit(*a, **k)

    def subscribe_events(self):
        return self.hub.subscribe_events()

    def unsubscribe_events(self, q) -> None:
        self.hub.unsubscribe_events(q)


class _HttpFake:
    """A Starlette app under uvicorn on the fake's loop, on a free loopback port."""

    def _serve(self, app) -> None:
        import socket

        import uvicorn

        self.lt = LoopThread()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                                 ws="websockets-sansio"))
        self._uv.config.load()
        self._task = asyncio.run_coroutine_threadsafe(self._uv.serve(sockets=[sock]), self.lt.loop)
        wait_for(lambda: self._uv.started, what="the fake server")

    def stop(self) -> None:
        self._uv.should_exit = True
        try:
            self._task.result(5)
        finally:
            self.lt.stop()


class FakeYouTube(_HttpFake):
    """The YouTube Data API v3 as its reference documents it (developers.google.com/youtube/v3/
    live/docs/liveChatMessages/list, .../insert, /youtube/v3/docs/videos/list): ``videos.list``
    gives ``liveStreamingDetails.activeLiveChatId``; ``liveChatMessages.list`` returns
    ``youtube#liveChatMessageListResponse`` pages with ``pollingIntervalMillis`` and
    ``nextPageToken`` (messages after the token's position), the first page replaying recent
    history; errors are ``{"error": {"code", "message", "errors": [{"reason", "domain"}]}}``;
    ``insert`` needs a Bearer token. ``fail`` queues error replies (status, reason)."""

    def __init__(self, key: str = "good-key", token: str = "good-oauth", video: str = "vid123",
                 chat: str = "chat-abc", interval_ms: int = 50) -> None:
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        self.key, self.token, self.video, self.chat, self.interval_ms = key, token, video, chat, interval_ms
        self.messages: list[dict] = []
        self.inserted: list[dict] = []
        self.fail: list[tuple[int, str]] = []
        self.requests: list[dict] = []
        self.offline = False

        def error(code: int, reason: str, message: str = "") -> JSONResponse:
            return JSONResponse({"error": {"code": code, "message": message or reason,
                                           "errors": [{"reason": reason, "domain": "youtube.liveChat",
                                                       "message": message or reason}]}}, code)

        def authorised(request) -> bool:
            return (request.query_params.get("key") == self.key
                    or request.headers.get("authorization") == f"Bearer {self.token}")

        async def videos(request):
            if not authorised(request):
                return error(400, "keyInvalid", "API key not valid. Please pass a valid API key.")
            if request.query_params.get("id") != self.video:
                return JSONResponse({"kind": "youtube#videoListResponse", "items": []})
            return JSONResponse({"kind": "youtube#videoListResponse", "items": [
                {"kind": "youtube#video", "id": self.video,
                 "liveStreamingDetails": {"actualStartTime": "2026-12-07T00:00:00Z", "activeLiveChatId": self.chat}}]})

        async def messages(request):
            self.requests.append(dict(request.query_params))
            if request.method == "POST":
                if request.headers.get("authorization") != f"Bearer {self.token}":
                    return error(401, "authError", "Request had invalid authentication credentials.")
                body = await request.json()
                self.inserted.append(body)
                return JSONResponse({"kind": "youtube#liveChatMessage", "id": f"ins-{len(self.inserted)}",
                                     "snippet": body["snippet"]})
            if self.fail:
                return error(*self.fail.pop(0))
            if not authorised(request):
                return error(400, "keyInvalid", "API key not valid. Please pass a valid API key.")
            if request.query_params.get("liveChatId") != self.chat:
                return error(404, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found.")
            token = request.query_params.get("pageToken")
            start = int(token[1:]) if token else max(0, len(self.messages) - 75)
            page = self.messages[start:]
            out = {"kind": "youtube#liveChatMessageListResponse", "etag": "e", "pollingIntervalMillis": self.interval_ms,
                   "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page)},
                   "nextPageToken": f"p{len(self.messages)}", "items": page}
            if self.offline:
                out["offlineAt"] = "2026-12-07T01:00:00Z"
            return JSONResponse(out)

        self._serve(Starlette(routes=[Route("/youtube/v3/videos", videos),
                                      Route("/youtube/v3/liveChat/messages", messages, methods=["GET", "POST"])]))
        self.api_base = self.base + "/youtube/v3"

    def say(self, msg_id: str, channel: str, name: str, text: str, published: Optional[str] = None) -> None:
        """A textMessageEvent liveChatMessage resource."""
        from datetime import datetime, timezone

        when = published or datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        self.messages.append({
            "kind": "youtube#liveChatMessage", "etag": "e", "id": msg_id,
            "snippet": {"type": "textMessageEvent", "liveChatId": self.chat, "authorChannelId": channel,
                        "publishedAt": when, "hasDisplayContent": True, "displayMessage": text,
                        "textMessageDetails": {"messageText": text}},
            "authorDetails": {"channelId": channel, "channelUrl": f"http://www.youtube.com/channel/{channel}",
                              "displayName": name, "profileImageUrl": "", "isVerified": False,
                              "isChatOwner": False, "isChatSponsor": False, "isChatModerator": False}})

    def super_chat(self, msg_id: str, channel: str, name: str, micros: int, currency: str, comment: str) -> None:
        from datetime import datetime, timezone

        self.messages.append({
            "kind": "youtube#liveChatMessage", "etag": "e", "id": msg_id,
            "snippet": {"type": "superChatEvent", "liveChatId": self.chat, "authorChannelId": channel,
                        "publishedAt": datetime.now(timezone.utc).isoformat(), "hasDisplayContent": True,
                        "displayMessage": comment,
                        "superChatDetails": {"amountMicros": str(micros), "currency": currency,
                                             "amountDisplayString": f"{currency}{micros / 1e6:.2f}",
                                             "userComment": comment, "tier": 2}},
            "authorDetails": {"channelId": channel, "displayName": name}})


class FakeBilibili(_Pushes, _HttpFake):
    """The Bilibili live open platform (open-live.bilibili.com/document; the platform's samples in
    github.com/bilibili-openplatform): signed ``/v2/app/start``, ``/v2/app/heartbeat`` and
    ``/v2/app/end`` (x-bili-* headers, HMAC-SHA256 ``Authorization``, checked here independently),
    and the long connection: 16-byte big-endian packet headers, OP_AUTH 7 with the start's
    auth_body answered by OP_AUTH_REPLY 8 {"code":0}, OP_HEARTBEAT 2 -> OP_HEARTBEAT_REPLY 3,
    messages as OP_SEND_SMS_REPLY 5 {cmd, data}."""

    HEADER = ">IHHII"

    def __init__(self, key_id: str = "ak-id", key_secret: str = "ak-secret", app_id: int = 1700, code: str = "ANCHORCODE"):
        import hashlib
        import hmac as hmac_
        import json as json_

        from starlette.applications import Starlette
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        self.key_id, self.key_secret, self.app_id, self.code = key_id, key_secret, app_id, code
        self.calls: list[tuple[str, dict]] = []
        self.clients: list = []
        self.auth_bodies: list[str] = []
        self.heartbeats = 0

        async def api(request):
            body = await request.body()
            h = {k: request.headers.get(k, "") for k in ("x-bili-accesskeyid", "x-bili-content-md5",
                 "x-bili-signature-method", "x-bili-signature-nonce", "x-bili-signature-version", "x-bili-timestamp")}
            text = "\n".join(f"{k}:{h[k]}" for k in sorted(h))
            want = hmac_.new(self.key_secret.encode(), text.encode(), hashlib.sha256).hexdigest()
            payload = json_.loads(body or b"{}")
            self.calls.append((request.url.path, payload))
            if (h["x-bili-accesskeyid"] != self.key_id or h["x-bili-content-md5"] != hashlib.md5(body).hexdigest()
                    or not hmac_.compare_digest(want, request.headers.get("authorization", ""))):
                return JSONResponse({"code": 4002, "message": "签名错误", "request_id": "r", "data": {}})
            path = request.url.path
            if path == "/v2/app/start":
                if payload.get("code") != self.code or payload.get("app_id") != self.app_id:
                    return JSONResponse({"code": 4005, "message": "身份码错误", "request_id": "r", "data": {}})
                return JSONResponse({"code": 0, "message": "0", "request_id": "r", "data": {
                    "game_info": {"game_id": "game-42"},
                    "websocket_info": {"auth_body": '{"roomid":4639581,"key":"k"}', "wss_link": [self.ws_url]},
                    "anchor_info": {"room_id": 4639581, "uname": "主播", "uface": "", "open_id": "anchor-open"}}})
            if path == "/v2/app/heartbeat":
                self.heartbeats += 1
            return JSONResponse({"code": 0, "message": "0", "request_id": "r", "data": {}})

        self._serve(Starlette(routes=[Route(p, api, methods=["POST"])
                                      for p in ("/v2/app/start", "/v2/app/heartbeat", "/v2/app/end")]))
        self.ws_server = self.lt.call(self._start_ws())
        self.ws_url = f"ws://127.0.0.1:{self.ws_server.sockets[0].getsockname()[1]}/sub"

    async def _start_ws(self):
        from websockets.asyncio.server import serve

        return await serve(self._ws, "127.0.0.1", 0)

    @classmethod
    def pack(cls, op: int, body: bytes, version: int = 0) -> bytes:
        import struct

        return struct.pack(cls.HEADER, 16 + len(body), 16, version, op, 1) + body

    async def _ws(self, ws) -> None:
        import json as json_
        import struct

        try:
            async for frame in ws:
                length, hlen, ver, op, seq = struct.unpack_from(self.HEADER, frame)
                body = frame[hlen:length]
                if op == 7:
                    self.auth_bodies.append(body.decode())
                    ok = json_.loads(body).get("key") == "k"
                    await ws.send(self.pack(8, json_.dumps({"code": 0 if ok else -101}).encode()))
                    if ok:
                        self.clients.append(ws)
                elif op == 2:
                    await ws.send(self.pack(3, struct.pack(">I", 1)))
        except Exception:  # noqa: BLE001 - the client went away
            pass
        finally:
            if ws in self.clients:
                self.clients.remove(ws)

    @staticmethod
    def dm(msg_id: str, open_id: str, uname: str, msg: str) -> dict:
        """A LIVE_OPEN_PLATFORM_DM message as the 长连CMD说明 document shows it."""
        return {"cmd": "LIVE_OPEN_PLATFORM_DM", "data": {
            "room_id": 4639581, "uid": 0, "open_id": open_id, "uname": uname, "msg": msg, "msg_id": msg_id,
            "fans_medal_level": 0, "fans_medal_name": "", "fans_medal_wearing_status": False, "guard_level": 0,
            "timestamp": int(time.time()), "uface": "", "emoji_img_url": "", "dm_type": 0}}

    def push(self, frame: bytes) -> None:
        self.send_all(frame)

    def stop(self) -> None:
        try:
            self._close_ws(self.ws_server)
        finally:
            super().stop()
