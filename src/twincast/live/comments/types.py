"""What a comment source hands the show: typed, frozen records, the same for every platform.

Why one shape for all platforms: the show's moderation, flood and repeat rules, analytics and
replies must not care whether a question came from Bilibili or Twitch; each adapter maps its
platform's message into these fields once, at the edge, and nothing after it parses JSON again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, Optional, Union


@dataclass(frozen=True)
class Comment:
    platform: str  # bilibili | youtube | twitch | webhook | page, or the label a webhook sender gives
    source: str  # the source id (config ``source_id()``): two Twitch channels are two sources
    message_id: str  # the platform's id of this message: duplicates across reconnects share it
    user_id: str  # stable per viewer on that platform (open_id, channel id, user-id tag ...)
    nickname: str
    text: str
    time: float  # unix seconds the platform says it was sent (its arrival when it says nothing)
    arrived: float = field(default_factory=time.time)  # when the adapter received it (latency)
    reply_to: Optional[str] = None  # what a reply must quote to thread under it (Twitch: the id)


@dataclass(frozen=True)
class Gift:
    platform: str
    source: str
    message_id: str
    user_id: str
    nickname: str
    gift: str  # gift name, or "super_chat"/"bits" for paid messages
    count: int
    value: float  # in ``currency`` units (0 when free)
    currency: str
    time: float
    text: str = ""  # a paid message's text (also queued as a comment by the adapter)
    arrived: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Like:
    platform: str
    source: str
    message_id: str
    user_id: str
    nickname: str
    count: int
    time: float
    arrived: float = field(default_factory=time.time)


Message = Union[Comment, Gift, Like]
ProblemKind = Literal["auth", "closed", "malformed", "network", "quota", "config", "protocol"]


class SourceProblem(Exception):
    """Something a source's operator should know, as one line: ``kind`` for the status and the
    analytics event, ``retry`` False when reconnecting cannot help (a wrong key stays wrong)."""

    def __init__(self, kind: ProblemKind, message: str, retry: bool = True, wait_s: float = 0.0) -> None:
        super().__init__(message)
        self.kind, self.message, self.retry, self.wait_s = kind, message, retry, wait_s


@dataclass(frozen=True)
class SourceStatus:
    """One row of the operator console's source table and of /metrics."""

    source: str
    platform: str
    state: str  # starting | connected | reconnecting | failed | stopped
    connected: bool
    messages_total: int
    per_minute: float
    gifts_total: int
    likes_total: int
    duplicates: int
    rate_limited: int
    malformed: int
    expired: int
    reconnects: int
    replies_sent: int
    last_error: Optional[str]
    last_error_kind: Optional[str]
    last_error_at: Optional[float]
    connected_since: Optional[float]
