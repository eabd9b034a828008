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


class FakeTwitch:
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
        async def send() -> None:
            for ws in list(self.clients):
                await ws.send("\r\n".join(lines))
        self.lt.call(send())

    def drop(self) -> None:
        """Close every client connection (as a server restart would)."""
        async def close() -> None:
            for ws in list(self.clients):
                await ws.close(1001, "going away")
        self.lt.call(close())

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()
        try:
            self.lt.call(close())
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
