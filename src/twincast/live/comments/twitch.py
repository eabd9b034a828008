"""Twitch chat through Twitch's IRC interface over WebSocket.

Official documentation followed (dev.twitch.tv): "IRC Concepts" (wss://irc-ws.chat.twitch.tv:443,
PASS oauth:TOKEN / NICK / JOIN, PING -> PONG, RECONNECT, NOTICE "Login authentication failed"),
"Requesting Twitch-specific capabilities" (CAP REQ :twitch.tv/tags twitch.tv/commands), "Twitch
tags" (PRIVMSG tags id, user-id, display-name, tmi-sent-ts, bits; tag value escaping) and
"Sending and Receiving Chat Messages" (replies: ``@reply-parent-msg-id=ID PRIVMSG #chan :text``;
too many messages close the connection, so replies are rate-limited above this).

Why our own client on ``websockets`` rather than a library: TwitchIO 3 dropped IRC for EventSub
(which needs a registered app and a client secret even to read), and the IRC-only libraries on
PyPI are unmaintained. The protocol is lines of text; this file is the whole of it.
Without a token the source joins anonymously (``justinfanNNNN``): read-only, no replies.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from typing import Optional

from ...errors import TwincastError
from .config import TwitchSource as TwitchConfig, optional_secret
from .source import CommentSource
from .types import Comment, Gift, SourceProblem

READ_TIMEOUT_S = 360.0  # Twitch PINGs about every 5 minutes: silence longer than that is a dead link
_ESCAPES = {"\\s": " ", "\\:": ";", "\\\\": "\\", "\\r": "\r", "\\n": "\n"}
_ESC = re.compile(r"\\[s:\\rn]")


def unescape(value: str) -> str:
    return _ESC.sub(lambda m: _ESCAPES[m.group(0)], value)


def parse_line(line: str) -> tuple[dict[str, str], str, str, list[str]]:
    """(tags, prefix, command, params) of one IRC line; the trailing parameter is the last param.
    Raises ValueError on a line with no command."""
    tags: dict[str, str] = {}
    rest = line
    if rest.startswith("@"):
        raw, _, rest = rest[1:].partition(" ")
        for item in raw.split(";"):
            k, _, v = item.partition("=")
            tags[k] = unescape(v)
    prefix = ""
    if rest.startswith(":"):
        prefix, _, rest = rest[1:].partition(" ")
    head, sep, trailing = rest.partition(" :")
    parts = head.split()
    if not parts:
        raise ValueError("no command")
    params = parts[1:] + ([trailing] if sep else [])
    return tags, prefix, parts[0].upper(), params


class TwitchChat(CommentSource):
    platform = "twitch"

    def __init__(self, config: TwitchConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self.token = optional_secret(config.oauth_token, "TWINCAST_TWITCH_OAUTH_TOKEN")
        if self.token and self.token.startswith("oauth:"):
            self.token = self.token[len("oauth:"):]
        self.nick = (config.nick or os.environ.get("TWINCAST_TWITCH_NICK", "")).strip().lower() or None
        if self.token and not self.nick:
            raise TwincastError("twitch: a token was given but no account name",
                                "set TWINCAST_TWITCH_NICK to the login name the token belongs to")
        self.can_reply = bool(self.token)
        self._ws = None

    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        try:
            async with connect(self.cfg.url, open_timeout=10, ping_interval=None, max_size=1 << 20,
                               close_timeout=2) as ws:
                self._ws = ws
                await ws.send("CAP REQ :twitch.tv/tags twitch.tv/commands")
                if self.token:
                    await ws.send(f"PASS oauth:{self.token}")
                    await ws.send(f"NICK {self.nick}")
                else:
                    await ws.send(f"NICK justinfan{random.randint(10000, 99999)}")
                await ws.send(f"JOIN #{self.cfg.channel}")
                while True:
                    try:
                        frame = await asyncio.wait_for(ws.recv(), READ_TIMEOUT_S)
                    except asyncio.TimeoutError:
                        raise SourceProblem("network", f"no message or PING for {READ_TIMEOUT_S:.0f} s") from None
                    if isinstance(frame, bytes):
                        frame = frame.decode("utf-8", "replace")
                    for line in frame.split("\r\n"):
                        if line:
                            await self._line(ws, line)
        except ConnectionClosed as e:
            raise SourceProblem("closed", f"connection closed ({e.rcvd.code if e.rcvd else 'no close frame'})") from None
        except InvalidHandshake as e:
            raise SourceProblem("network", f"WebSocket handshake failed: {e}") from None
        except (OSError, asyncio.TimeoutError) as e:
            raise SourceProblem("network", f"cannot connect to {self.cfg.url}: {e or type(e).__name__}") from None
        finally:
            self._ws = None

    async def _line(self, ws, line: str) -> None:
        try:
            tags, prefix, cmd, params = parse_line(line)
        except ValueError:
            self.malformed(f"unreadable IRC line {line[:60]!r}")
            return
        if cmd == "PING":
            await ws.send("PONG :" + (params[-1] if params else "tmi.twitch.tv"))
        elif cmd == "NOTICE":
            text = params[-1] if params else ""
            if "authentication failed" in text.lower() or "improperly formatted auth" in text.lower():
                raise SourceProblem("auth", f"Twitch refused the login: {text} (check TWINCAST_TWITCH_OAUTH_TOKEN "
                                    "and TWINCAST_TWITCH_NICK)", retry=False)
            if tags.get("msg-id") in ("msg_channel_suspended", "msg_banned"):
                raise SourceProblem("closed", f"#{self.cfg.channel}: {text}", retry=tags["msg-id"] != "msg_banned",
                                    wait_s=60.0)
        elif cmd == "RECONNECT":
            raise SourceProblem("closed", "Twitch asked for a reconnect (server maintenance)")
        elif cmd in ("366", "ROOMSTATE") or (cmd == "JOIN" and params and params[0] == f"#{self.cfg.channel}"):
            self.connected()
        elif cmd == "PRIVMSG":
            self._privmsg(tags, prefix, params)

    def _privmsg(self, tags: dict[str, str], prefix: str, params: list[str]) -> None:
        if len(params) < 2 or not tags.get("id"):
            self.malformed("PRIVMSG without text or id tag")
            return
        login = prefix.split("!", 1)[0]
        try:
            sent = int(tags.get("tmi-sent-ts", "0")) / 1000.0 or None
        except ValueError:
            sent = None
        when = sent or time.time()
        nick = tags.get("display-name") or login
        uid = tags.get("user-id") or login
        if tags.get("bits", "").isdigit():
            self.deliver(Gift("twitch", self.id, "bits:" + tags["id"], uid, nick, "bits", int(tags["bits"]),
                              int(tags["bits"]) / 100.0, "USD", when, params[-1]))
        self.deliver(Comment("twitch", self.id, tags["id"], uid, nick, params[-1], when, reply_to=tags["id"]))

    async def reply(self, text: str, to: Optional[Comment]) -> None:
        ws = self._ws
        if not self.can_reply:
            raise SourceProblem("config", "anonymous Twitch login cannot post: set TWINCAST_TWITCH_OAUTH_TOKEN",
                                retry=False)
        if ws is None:
            raise SourceProblem("network", "not connected to Twitch chat")
        line = " ".join(text.split())  # one IRC line: no CR/LF can sneak in a second command
        parent = f"@reply-parent-msg-id={to.reply_to} " if to is not None and to.reply_to else ""
        await ws.send(f"{parent}PRIVMSG #{self.cfg.channel} :{line}")
