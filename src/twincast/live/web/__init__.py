"""The live web layer: viewer page (video, chat, shelf), operator console, report and metrics,
all built on :class:`twincast.live.api.ShowControl` only. See docs/live.md."""

from .app import create_app
from .server import LiveServer, new_session_id, serve

__all__ = ["create_app", "serve", "LiveServer", "new_session_id"]
