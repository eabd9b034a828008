"""The show events the comment sources add (issue 22), typed like every other show event
(twincast.live.events): analytics stores them in its ``events`` table, the operator console
receives them on its socket.

Why a separate ``comment_origin`` event instead of a platform field on the comment event: the
engine's ``post_comment(user, text)`` stays the one path every comment takes (viewer page or
platform) with the same moderation; the manager says afterwards where comment ``id`` came from,
and the per-platform numbers (comments/stats.py) join the two on that id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from ..events import LiveEvent, register


@register
@dataclass(frozen=True)
class SourceEvent(LiveEvent):
    """A comment source connected, lost its connection, failed, or had a problem worth a line."""

    KIND: ClassVar[str] = "source"
    source: str = ""
    platform: str = ""
    state: str = "connected"  # connected | reconnecting | failed | stopped | problem
    problem: Optional[str] = None  # auth | closed | malformed | network | quota | config | protocol | rate
    message: Optional[str] = None  # one line, secrets masked


@register
@dataclass(frozen=True)
class CommentOriginEvent(LiveEvent):
    """Where comment ``id`` (the show's comment id) came from."""

    KIND: ClassVar[str] = "comment_origin"
    id: int = 0
    platform: str = ""
    source: str = ""
    message_id: str = ""
    user_id: str = ""
    latency_s: float = 0.0  # adapter arrival -> decision


@register
@dataclass(frozen=True)
class GiftEvent(LiveEvent):
    KIND: ClassVar[str] = "gift"
    platform: str = ""
    source: str = ""
    user: str = ""
    gift: str = ""
    count: int = 1
    value: float = 0.0
    currency: str = ""


@register
@dataclass(frozen=True)
class LikeEvent(LiveEvent):
    KIND: ClassVar[str] = "like"
    platform: str = ""
    source: str = ""
    user: str = ""
    count: int = 1


@register
@dataclass(frozen=True)
class ReplyEvent(LiveEvent):
    """The host's answer posted back to a platform chat (or why it was not)."""

    KIND: ClassVar[str] = "reply"
    source: str = ""
    platform: str = ""
    text: str = ""
    answers: tuple[int, ...] = ()
    ok: bool = True
    error: Optional[str] = None
