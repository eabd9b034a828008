"""``twincast live --comments ... [--comment-replies]``: from the command line to a checked
CommentsConfig with every source's credentials present, before minutes of warm-up are spent."""

from __future__ import annotations

from typing import Optional

from .config import CommentsConfig, Replies, parse_spec
from .registry import build_sources


def comments_setup(spec: Optional[str], replies: bool = False,
                   config: Optional[CommentsConfig] = None) -> Optional[CommentsConfig]:
    """The config to run (None: no platform sources). ``replies`` turns replies on for every
    source whose platform allows them. Building the sources once here checks the credentials
    (a TwincastError naming the missing environment variable)."""
    if config is None:
        sources = parse_spec(spec) if spec else []
        if not sources:
            return None
        if replies:
            sources = [s.model_copy(update={"reply": True}) for s in sources]
        config = CommentsConfig(sources=sources, replies=Replies(enabled=replies))
    elif replies:
        config = config.model_copy(update={"replies": config.replies.model_copy(update={"enabled": True}),
                                           "sources": [s.model_copy(update={"reply": True}) for s in config.sources]})
    if not config.sources:
        return None
    build_sources(config)
    return config
