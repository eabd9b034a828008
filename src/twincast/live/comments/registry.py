"""Config -> source objects. Imports each adapter only when a source of its kind is configured,
so a show with no platform sources loads none of their code."""

from __future__ import annotations

from .config import CommentsConfig, SourceBase
from .source import CommentSource


def build_source(cfg: SourceBase) -> CommentSource | None:
    kind = getattr(cfg, "kind")
    if kind == "twitch":
        from .twitch import TwitchChat
        return TwitchChat(cfg)
    if kind == "youtube":
        from .youtube import YouTubeChat
        return YouTubeChat(cfg)
    if kind == "bilibili":
        from .bilibili import BilibiliOpenLive
        return BilibiliOpenLive(cfg)
    if kind == "webhook":
        from .webhook import WebhookSource
        return WebhookSource(cfg)
    return None  # "page": the viewer page is always there; the manager counts it from the show's events


def build_sources(config: CommentsConfig) -> list[CommentSource]:
    """Every enabled source; a missing credential raises TwincastError before the show starts."""
    return [s for s in (build_source(c) for c in config.sources if c.enabled) if s is not None]
