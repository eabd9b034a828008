"""The comment-source interface and the small pieces every adapter shares.

Why asyncio: every adapter waits on a socket or a polling timer almost all the time; one event
loop on one thread holds all of them for the cost of a few kilobytes each, where a thread per
platform would cost a stack and a GIL hand-off per message. The show side is threads
(``LiveShow.post_comment`` is blocking and fast), so the manager bridges the two with a queue.

A source's :meth:`CommentSource.run` is one connection's life: it connects, says
``self.connected()`` once it is really in the room (authenticated, joined), hands every
message to ``self.deliver`` and returns or raises :class:`SourceProblem` when the connection
ends. Reconnecting, backoff, de-duplication, rate limits and status are the manager's job, so
an adapter is only the protocol.
"""

from __future__ import annotations

import abc
import random
from collections import OrderedDict
from typing import Callable, Hashable, Optional

from ..api import mask_secrets
from .config import Backoff, SourceBase
from .types import Comment, Message, SourceProblem

__all__ = ["CommentSource", "SeenIds", "backoff_delays", "SourceProblem", "redact"]


class CommentSource(abc.ABC):
    platform: str = "?"
    can_reply: bool = False  # the platform's official API lets this account post in the chat

    def __init__(self, config: SourceBase) -> None:
        self.config = config
        self.id = config.source_id()
        self._deliver: Callable[[Message], Optional[str]] = lambda m: None
        self._on_connected: Callable[[], None] = lambda: None
        self._on_malformed: Callable[[str], None] = lambda why: None

    def bind(self, deliver: Callable[[Message], Optional[str]], on_connected: Callable[[], None],
             on_malformed: Callable[[str], None]) -> None:
        self._deliver, self._on_connected, self._on_malformed = deliver, on_connected, on_malformed

    def malformed(self, why: str) -> None:
        """A message this adapter could not read: counted and reported, the connection goes on."""
        self._on_malformed(why)

    def deliver(self, message: Message) -> Optional[str]:
        """Hand ``message`` to the manager; returns what became of it (queued, duplicate ...)."""
        return self._deliver(message)

    def connected(self) -> None:
        self._on_connected()

    def secrets(self) -> list[str]:
        """Every secret this source knows (masked in any line it logs)."""
        return []

    @abc.abstractmethod
    async def run(self) -> None:
        """One connection: connect, authenticate, deliver messages until it ends."""

    async def reply(self, text: str, to: Optional[Comment]) -> None:
        raise SourceProblem("config", f"{self.platform} has no official way for this app to post in the chat",
                            retry=False)

    async def close(self) -> None:
        """Leave cleanly (Bilibili's app end call, for instance); errors are ignored."""


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with each known secret and any URL secret replaced by ****: error messages from
    HTTP libraries often quote the request URL, and an API key is a query parameter there."""
    s = str(text)
    for sec in secrets:
        if sec and len(sec) >= 4:
            s = s.replace(sec, "****")
    s = mask_secrets(s)
    return s[:300]


class SeenIds:
    """A bounded LRU of message ids: a platform resends its recent history after a reconnect
    (YouTube's first page, a webhook sender's retry), and each message must reach the show once.
    Bounded because a show runs for days; ``size`` ids cover far more than any replay."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._ids: OrderedDict[Hashable, None] = OrderedDict()

    def seen(self, key: Hashable) -> bool:
        """True if ``key`` was seen before (and refresh it); else remember it and return False."""
        if key in self._ids:
            self._ids.move_to_end(key)
            return True
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._ids)


def backoff_delays(b: Backoff, rng: Optional[random.Random] = None):
    """Endless reconnect delays: initial * factor**n capped at max_s, times a random factor in
    [1 - jitter, 1] ("equal jitter" family: never zero, so a dead server is never hammered)."""
    rng = rng or random.Random()
    n = 0
    while True:
        base = min(b.max_s, b.initial_s * (b.factor ** n))
        yield base * (1.0 - b.jitter * rng.random())
        n += 1
