"""Bridges the show's thread-side queues to the server's asyncio WebSockets.

Why threads at the edge: ShowControl hands out ``queue.Queue`` objects (the engine is threaded),
and a blocking ``get`` must never run on the event loop. One reader thread per queue hands
items to the loop with ``call_soon_threadsafe``; every client has a bounded asyncio queue and is
disconnected when it falls behind, so one slow phone cannot grow memory or delay the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..api import Event

log = logging.getLogger("twincast.live.web")

# Moderation reasons that hide a comment from other viewers; "off_topic" comments are fine to
# show, the host just does not answer them.
HIDDEN_REASONS = {"spam", "abuse", "contact", "injection", "repeat", "flood", "empty", "blocked"}
SPEAKER_LABEL = {"host": "主播", "assistant": "助播"}


def comment_visible(data: dict[str, Any]) -> bool:
    return not (data.get("action") == "silent" and data.get("reason") in HIDDEN_REASONS)


def viewer_message(ev: Event) -> Optional[dict[str, Any]]:
    """What viewers may see of an engine event; None for everything operator-only."""
    d = ev.data
    if ev.kind == "comment":
        if not comment_visible(d):
            return None
        return {"type": "chat", "id": d.get("id"), "user": d.get("user"), "text": d.get("text")}
    if ev.kind == "say":
        answers = list(d.get("answers") or [])
        if d.get("kind") != "answer" and not answers:
            return {"type": "on_air", "product": d.get("product")} if d.get("product") else None
        return {"type": "host", "speaker": d.get("speaker"), "label": SPEAKER_LABEL.get(d.get("speaker"), "主播"),
                "text": d.get("text"), "answers": answers, "product": d.get("product")}
    if ev.kind == "product":
        return {"type": "on_air", "product": d.get("product") or d.get("product_id")}
    if ev.kind == "operator" and d.get("action") == "pin":
        return {"type": "pin", "text": d.get("text") or ""}
    if ev.kind == "stream":
        return {"type": "stream", "state": d.get("state")}
    return None


@dataclass(eq=False)
class Client:
    role: str  # "viewer" | "operator"
    queue: "asyncio.Queue[Optional[dict]]" = field(default_factory=lambda: asyncio.Queue(maxsize=256))
    viewer: str = ""
    visit: int = 0


class Hub:
    """Event fan-out and viewer presence for one app."""

    def __init__(self, show, analytics, session_id: str, max_viewers: int = 500) -> None:
        self.show, self.analytics, self.session_id = show, analytics, session_id
        self.max_viewers = max_viewers
        self.clients: set[Client] = set()
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._q: Optional[queue.Queue] = None

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread = threading.Thread(target=self._read_events, name="web-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._q is not None:
            self._q.put(None)  # wake the reader now rather than at its next poll
        if self._thread is not None:
            self._thread.join(5)
        for c in list(self.clients):
            if not c.queue.full():
                c.queue.put_nowait(None)
            self._leave(c)

    def _read_events(self) -> None:
        q = self._q = self.show.subscribe_events()
        try:
            while not self._stop.is_set():
                try:
                    ev = q.get(timeout=0.25)
                except queue.Empty:
                    continue
                if self._stop.is_set():
                    break
                if ev is None:  # the engine ended its events: listen again for a restart
                    self.show.unsubscribe_events(q)
                    self._stop.wait(0.5)
                    q = self._q = self.show.subscribe_events()
                    continue
                if self.loop is not None and not self.loop.is_closed():
                    self.loop.call_soon_threadsafe(self._dispatch, ev)
        finally:
            self.show.unsubscribe_events(q)

    # ---- fan-out (on the loop) ------------------------------------------------------------------
    def _send(self, c: Client, msg: dict) -> None:
        try:
            c.queue.put_nowait(msg)
        except asyncio.QueueFull:  # too slow: the socket task closes it when it sees None
            while not c.queue.empty():
                c.queue.get_nowait()
            c.queue.put_nowait(None)

    def _dispatch(self, ev: Event) -> None:
        vm = viewer_message(ev)
        om = {"type": "event", "event": ev.to_json()}
        for c in list(self.clients):
            if c.role == "operator":
                self._send(c, om)
            elif vm is not None:
                self._send(c, vm)

    def broadcast(self, msg: dict, role: Optional[str] = None) -> None:
        for c in list(self.clients):
            if role is None or c.role == role:
                self._send(c, msg)

    # ---- presence ---------------------------------------------------------------------------------
    def viewer_count(self) -> int:
        return len({c.viewer for c in self.clients if c.role == "viewer"})

    def join(self, role: str, viewer: str = "", nick: str = "") -> Optional[Client]:
        if role == "viewer" and self.viewer_count() >= self.max_viewers:
            return None
        c = Client(role, viewer=viewer)
        if role == "viewer":
            c.visit = self.analytics.viewer_join(self.session_id, viewer, nick)
        self.clients.add(c)
        if role == "viewer":
            self.broadcast({"type": "viewers", "count": self.viewer_count()})
        return c

    def _leave(self, c: Client) -> None:
        if c not in self.clients:
            return
        self.clients.discard(c)
        if c.role == "viewer":
            self.analytics.viewer_leave(c.visit)
            self.broadcast({"type": "viewers", "count": self.viewer_count()})

    def leave(self, c: Client) -> None:
        self._leave(c)


class FlvRelay:
    """One viewer's FLV feed: a thread blocks on the show's queue and hands chunks to the loop.

    Chunks that arrive together are joined into one WebSocket message (fewer, larger frames
    cost less than one per FLV tag); ``None`` from the show or a full buffer ends the feed."""

    def __init__(self, show, loop: asyncio.AbstractEventLoop, max_pending: int = 400) -> None:
        self.show, self.loop = show, loop
        self.out: "asyncio.Queue[Optional[bytes]]" = asyncio.Queue(maxsize=max_pending)
        self.q = show.subscribe_flv()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-flv", daemon=True)
        self._thread.start()

    def _put(self, item: Optional[bytes]) -> None:
        try:
            self.out.put_nowait(item)
        except asyncio.QueueFull:
            self._done.set()
            while not self.out.empty():
                self.out.get_nowait()
            self.out.put_nowait(None)

    def _run(self) -> None:
        call: Callable = self.loop.call_soon_threadsafe
        try:
            while not self._done.is_set():
                try:
                    item = self.q.get(timeout=0.5)
                except queue.Empty:
                    continue
                chunks, end = [], item is None
                if item is not None:
                    chunks.append(item)
                    while len(chunks) < 64:
                        try:
                            nxt = self.q.get_nowait()
                        except queue.Empty:
                            break
                        if nxt is None:
                            end = True
                            break
                        chunks.append(nxt)
                if chunks:
                    call(self._put, b"".join(chunks))
                if end:
                    call(self._put, None)
                    return
        except RuntimeError:  # loop closed during shutdown
            pass

    def close(self) -> None:
        self._done.set()
        self.show.unsubscribe_flv(self.q)
        self.q.put(None)
