"""Settings of the comment sources (issue 22): which platforms feed the show, with what
credentials, how fast, and whether the host's answers go back to their chats.

Why pydantic with ``extra="forbid"``: these come from ``twincast.yaml`` (the ``comments:``
section) or from ``--comments``; a misspelt key must be an error that names it, not a source
that silently runs without its secret. Secrets are :class:`pydantic.SecretStr` (printed as
``**********``) and are better left out of the file altogether: every one has an environment
variable (``TWINCAST_*``, listed in docs/comments.md) that is read when the field is empty.

This module imports nothing but pydantic, so the config loader can import it cheaply.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...errors import TwincastError

# limits-package syntax ("N/second;M/minute"): checked here so a typo fails at start, not on air
_RATE = re.compile(r"^\s*\d+\s*/\s*(\d+\s*)?(second|minute|hour)s?\s*(;\s*\d+\s*/\s*(\d+\s*)?(second|minute|hour)s?\s*)*$")


def _check_rate(v: str) -> str:
    if not _RATE.match(v):
        raise ValueError(f"rate {v!r} is not like '5/second;100/minute'")
    return v.replace(" ", "")


class Backoff(BaseModel):
    """Reconnect delays: ``initial * factor**n`` capped at ``max_s``, each multiplied by a random
    factor in [1 - jitter, 1] so many shows restarting after one outage do not reconnect in step.
    A connection that stayed up ``reset_after_s`` starts again from ``initial``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    initial_s: float = Field(1.0, gt=0, le=60)
    factor: float = Field(2.0, ge=1, le=10)
    max_s: float = Field(60.0, gt=0, le=3600)
    jitter: float = Field(0.5, ge=0, le=1)
    reset_after_s: float = Field(30.0, ge=0)


class SourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Optional[str] = Field(None, max_length=40, description="source id; default KIND:TARGET")
    enabled: bool = True
    # per-source intake: a platform's flood must not starve the others (the show-wide flood and
    # repeat rules apply after this, across every source). Mostly a per-minute budget: a polled
    # platform (YouTube) hands over seconds of chat at once. A warm decision costs ~2.6 ms of CPU,
    # so these pass the 50 comments/s over three platforms whole (benchmarks/comments.py)
    rate: str = "200/second;1200/minute"
    reply: bool = Field(False, description="post the host's answers back to this chat (off by default)")

    _rate_ok = field_validator("rate")(classmethod(lambda cls, v: _check_rate(v)))

    def target(self) -> str:
        return ""

    def source_id(self) -> str:
        kind = getattr(self, "kind")
        return self.name or (f"{kind}:{self.target()}" if self.target() else kind)


def secret(value: Optional[SecretStr], env: str, what: str, fix: str) -> str:
    """The secret from the config, else from ``env``; a TwincastError naming both when neither."""
    if value is not None and value.get_secret_value():
        return value.get_secret_value()
    got = os.environ.get(env, "").strip()
    if got:
        return got
    raise TwincastError(f"{what} is missing", f"set the environment variable {env} ({fix})")


def optional_secret(value: Optional[SecretStr], env: str) -> Optional[str]:
    if value is not None and value.get_secret_value():
        return value.get_secret_value()
    return os.environ.get(env, "").strip() or None


class BilibiliSource(SourceBase):
    """Bilibili live open platform (开放平台, 直播长连): the anchor's identity code (身份码, shown
    in the Bilibili live client) plus the developer app's id and access keys."""

    kind: Literal["bilibili"] = "bilibili"
    code: str = Field(..., min_length=1, max_length=64, description="anchor identity code (身份码)")
    app_id: Optional[int] = Field(None, description="open-platform project id; env TWINCAST_BILIBILI_APP_ID")
    access_key_id: Optional[SecretStr] = None  # env TWINCAST_BILIBILI_ACCESS_KEY_ID
    access_key_secret: Optional[SecretStr] = None  # env TWINCAST_BILIBILI_ACCESS_KEY_SECRET
    api_base: str = "https://live-open.biliapi.com"
    heartbeat_s: float = Field(20.0, gt=0, le=60)  # the project must beat within 60 s or it is closed

    def target(self) -> str:
        return self.code[:4] + "…" if len(self.code) > 6 else self.code  # the code is half a secret


class YouTubeSource(SourceBase):
    """YouTube Live chat through the Data API v3 (``liveChatMessages.list``; replies through
    ``liveChatMessages.insert``, which needs an OAuth token of the channel)."""

    kind: Literal["youtube"] = "youtube"
    video_id: Optional[str] = Field(None, max_length=64)
    live_chat_id: Optional[str] = Field(None, max_length=256, description="skip the videos.list look-up")
    api_key: Optional[SecretStr] = None  # env TWINCAST_YOUTUBE_API_KEY (reading public chats)
    oauth_token: Optional[SecretStr] = None  # env TWINCAST_YOUTUBE_OAUTH_TOKEN (reading and replying)
    api_base: str = "https://www.googleapis.com/youtube/v3"
    min_poll_s: float = Field(2.0, ge=0.05, le=60)  # never faster than this, whatever the API says

    def target(self) -> str:
        return self.video_id or (self.live_chat_id or "")[:12]


class TwitchSource(SourceBase):
    """Twitch chat over IRC on WebSocket. Without a token it joins anonymously (read only)."""

    kind: Literal["twitch"] = "twitch"
    channel: str = Field(..., min_length=1, max_length=64)
    nick: Optional[str] = Field(None, max_length=64)  # env TWINCAST_TWITCH_NICK; the token's account
    oauth_token: Optional[SecretStr] = None  # env TWINCAST_TWITCH_OAUTH_TOKEN (scopes chat:read, chat:edit)
    url: str = "wss://irc-ws.chat.twitch.tv:443"

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        v = v.strip().lstrip("#").lower()
        if not re.fullmatch(r"[a-z0-9_]{1,64}", v):
            raise ValueError("a Twitch channel is its login name: letters, digits and _")
        return v

    def target(self) -> str:
        return self.channel


class WebhookSource(SourceBase):
    """Any other tool (a Douyin or Kuaishou companion app, a platform's webhook subscription, a
    shop's own system) POSTs signed JSON comments, or sends them over a WebSocket."""

    kind: Literal["webhook"] = "webhook"
    secret: Optional[SecretStr] = None  # env TWINCAST_WEBHOOK_SECRET (shared HMAC-SHA256 key)
    bind: str = "127.0.0.1"
    port: int = Field(8810, ge=0, le=65535)  # 0: any free port (tests)
    max_skew_s: float = Field(300.0, gt=0, le=3600)  # older or newer timestamps are replays
    platform: str = Field("webhook", max_length=24, description="label when a message names none")


class PageSource(SourceBase):
    """The built-in viewer page (always on while the web layer runs; listed for its status)."""

    kind: Literal["page"] = "page"


SourceConfig = Annotated[Union[BilibiliSource, YouTubeSource, TwitchSource, WebhookSource, PageSource],
                         Field(discriminator="kind")]


class Replies(BaseModel):
    """Answers posted back to the chats they came from, off by default. Always AI-labelled:
    viewers in the chat must know the host is not a person."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = False
    prefix: str = Field("[AI host] ", min_length=1, max_length=24)
    rate: str = "1/3second;15/minute"
    max_chars: int = Field(200, ge=20, le=500)

    _rate_ok = field_validator("rate")(classmethod(lambda cls, v: _check_rate(v)))

    @field_validator("prefix")
    @classmethod
    def _labelled(cls, v: str) -> str:
        if "ai" not in v.lower() and "数字人" not in v and "AI" not in v:
            raise ValueError("the reply prefix must say it is AI (e.g. '[AI host] ' or '[AI 数字人] ')")
        return v


class CommentsConfig(BaseModel):
    """The ``comments:`` section of twincast.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sources: list[SourceConfig] = Field(default_factory=list, max_length=16)
    replies: Replies = Replies()
    backoff: Backoff = Backoff()
    dedupe: int = Field(4096, ge=16, le=1_000_000, description="message ids remembered per source")
    intake: str = "60/second;2400/minute"  # all platform sources together into the show
    max_wait_s: float = Field(20.0, gt=0, le=300)  # a comment not taken by the show by then expires

    _rate_ok = field_validator("intake")(classmethod(lambda cls, v: _check_rate(v)))

    @field_validator("sources")
    @classmethod
    def _unique(cls, v: list) -> list:
        ids = [s.source_id() for s in v]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"two sources are both called {dup[0]!r}: give one a 'name'")
        return v


_SPEC_FIELD = {"bilibili": "code", "youtube": "video_id", "twitch": "channel"}
_SPEC_HELP = "use --comments bilibili:CODE,youtube:VIDEO_ID,twitch:CHANNEL,webhook,page"


def parse_spec(spec: str) -> list[SourceConfig]:
    """``--comments bilibili:CODE,youtube:VIDEO_ID,twitch:CHANNEL,webhook`` -> source configs
    (credentials then come from the environment). Bad input raises TwincastError naming the
    item and the accepted forms."""
    out: list[SourceConfig] = []
    for item in (x.strip() for x in (spec or "").split(",")):
        if not item:
            continue
        kind, _, value = item.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        try:
            if kind in _SPEC_FIELD:
                if not value:
                    raise TwincastError(f"--comments {item!r}: {kind} needs a {_SPEC_FIELD[kind]}", _SPEC_HELP)
                out.append({"bilibili": BilibiliSource, "youtube": YouTubeSource,
                            "twitch": TwitchSource}[kind](**{_SPEC_FIELD[kind]: value}))
            elif kind == "webhook":
                if value and not value.isdigit():
                    raise TwincastError(f"--comments {item!r}: the webhook's value is its port number", _SPEC_HELP)
                out.append(WebhookSource(port=int(value)) if value else WebhookSource())
            elif kind == "page":
                out.append(PageSource())
            else:
                raise TwincastError(f"--comments: unknown source {kind!r}", _SPEC_HELP)
        except ValueError as e:  # pydantic's ValidationError and int() both
            msg = e.errors()[0]["msg"] if hasattr(e, "errors") else str(e)
            raise TwincastError(f"--comments {item!r}: {msg}", _SPEC_HELP) from None
    try:
        return CommentsConfig(sources=out).sources
    except ValueError as e:
        raise TwincastError(f"--comments: {e.errors()[0]['msg'] if hasattr(e, 'errors') else e}", _SPEC_HELP) from None
