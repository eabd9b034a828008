"""Bridges the show's thread-side queues to the server's asyncio WebSockets.

Why threads at the edge: ShowControl hands out ``queue.Queue`` objects (the engine is threaded),
and a blocking ``get`` must never run on the event loop. One reader thread per *show queue* (one
for events, one for FLV, whatever the audience) hands items to the loop with
``call_soon_threadsafe``; every client has a bounded asyncio queue and is disconnected when it
falls behind, so one slow phone cannot grow memory or delay the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from ..api import mask_secrets
from ..events import (
    CommentEvent,
    LiveEvent,
    OperatorEvent,
    ProductEvent,
    SayEvent,
    StreamEvent,
)
from .clients import AddressBook, ClientPolicy

log = logging.getLogger("twincast.live.web")

# Moderation reasons that hide a comment from other viewers; "off_topic" comments are fine to
# show, the host just does not answer them.
HIDDEN_REASONS = {"spam", "abuse", "contact", "injection", "repeat", "flood", "empty", "blocked"}
SPEAKER_LABEL = {"host": "主播", "assistant": "助播"}


def comment_visible(data: dict[str, Any]) -> bool:
    return not (data.get("action") == "silent" and data.get("reason") in HIDDEN_REASONS)


def viewer_message(ev: LiveEvent) -> Optional[dict[str, Any]]:
    """What viewers may see of an engine event; None for everything operator-only."""
    if isinstance(ev, CommentEvent):
        if not comment_visible({"action": ev.action, "reason": ev.reason}):
            return None
        return {"type": "chat", "id": ev.id, "user": ev.user, "text": ev.text}
    if isinstance(ev, SayEvent):
        answers = list(ev.answers)
        if ev.line != "answer" and not answers:
            return {"type": "on_air", "product": ev.product} if ev.product else None
        return {"type": "host", "speaker": ev.speaker, "label": SPEAKER_LABEL.get(ev.speaker, "主播"),
                "text": ev.text, "answers": answers, "product": ev.product}
    if isinstance(ev, ProductEvent):
        return {"type": "on_air", "product": ev.product}
    if isinstance(ev, OperatorEvent) and ev.action == "pin":
        return {"type": "pin", "text": ev.text or ""}
    if isinstance(ev, StreamEvent):
        return {"type": "stream", "state": ev.state}
    return None


def take_batch(q: queue.Queue, timeout: float = 0.5, limit: int = 64) -> list:
    """What ``q`` holds now, up to ``limit`` items and ending at an end mark (``None``), after
    waiting up to ``timeout`` for the first; [] when nothing came. Why batches: a frame's FLV
    tags arrive together, and one hand-over per batch costs a fraction of one per tag."""
    try:
        batch = [q.get(timeout=timeout)]
    except queue.Empty:
        return []
    while batch[-1] is not None and len(batch) < limit:
        try:
            batch.append(q.get_nowait())
        except queue.Empty:
            break
    return batch


def _json(msg: dict) -> str:
    return json.dumps(msg, ensure_ascii=False, default=str)


class ChatBudget:
    """A token bucket for chat lines fanned out to viewers: ``rate`` a second, bursts of
    ``burst``. Why: every shown comment is one WebSocket message per viewer; a flood from many
    addresses (each within its own limit) would otherwise cost comments x viewers sends. Real
    chats read no faster than this anyway; host answers and a viewer's own comment (in the POST
    reply) are never dropped."""

    def __init__(self, rate: float = 20.0, burst: float = 40.0) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.t = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(eq=False)
class Client:
    role: str  # "viewer" | "operator"
    queue: "asyncio.Queue[Optional[str]]" = field(default_factory=lambda: asyncio.Queue(maxsize=256))
    viewer: str = ""
    visit: int = 0
    address: str = ""


class Hub:
    """Event fan-out and viewer presence for one app."""

    def __init__(self, show, analytics, session_id: str, max_viewers: int = 500,
                 policy: Optional[ClientPolicy] = None) -> None:
        self.show, self.analytics, self.session_id = show, analytics, session_id
        self.max_viewers = max_viewers
        self.addresses = AddressBook(policy or ClientPolicy())
        self.chat_budget = ChatBudget()
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
    def _send(self, c: Client, text: str) -> None:
        try:
            c.queue.put_nowait(text)
        except asyncio.QueueFull:  # too slow: the socket task closes it when it sees None
            while not c.queue.empty():
                c.queue.get_nowait()
            c.queue.put_nowait(None)

    def _dispatch(self, ev: LiveEvent) -> None:
        """One event to every socket, serialised once (not once per viewer)."""
        vm = viewer_message(ev)
        if vm is not None and vm["type"] == "chat" and not self.chat_budget.take():
            vm = None  # a flood of chat reaches the operator feed and analytics, not every phone
        vt = _json(vm) if vm is not None else None
        ot = None
        for c in list(self.clients):
            if c.role == "operator":
                ot = ot or _json({"type": "event", "event": mask_secrets(ev.to_json())})
                self._send(c, ot)
            elif vt is not None:
                self._send(c, vt)

    def broadcast(self, msg: dict, role: Optional[str] = None) -> None:
        text = _json(msg)
        for c in list(self.clients):
            if role is None or c.role == role:
                self._send(c, text)

    # ---- presence ---------------------------------------------------------------------------------
    def viewer_count(self) -> int:
        return len({c.viewer for c in self.clients if c.role == "viewer"})

    def join(self, role: str, viewer: str = "", nick: str = "", address: str = "") -> Optional[Client]:
        """A viewer's presence starts; None when the show is full or ``address`` already has its
        quota of viewer ids present (so invented ids from one script cannot fill the show)."""
        if role == "viewer":
            known = any(c.viewer == viewer for c in self.clients if c.role == "viewer")
            if not known and self.viewer_count() >= self.max_viewers:
                return None
            if not self.addresses.add_viewer(address, viewer):
                return None
        c = Client(role, viewer=viewer, address=address)
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
            self.addresses.remove_viewer(c.address, c.viewer)
            self.analytics.viewer_leave(c.visit)
            self.broadcast({"type": "viewers", "count": self.viewer_count()})

    def leave(self, c: Client) -> None:
        self._leave(c)


def is_keyframe(tag: bytes) -> bool:
    """An FLV video tag (type 9) whose frame type is 1 (keyframe): where a new viewer can start."""
    return len(tag) > 11 and (tag[0] & 0x1F) == 9 and (tag[11] >> 4) == 1


@dataclass(eq=False)
class FlvFeed:
    """One /ws/flv socket: a bounded asyncio queue of joined chunks (``None`` ends it)."""

    out: "asyncio.Queue[Optional[bytes]]" = field(default_factory=lambda: asyncio.Queue(maxsize=200))
    started: bool = False  # header sent and first keyframe reached


class FlvFanout:
    """Every /ws/flv socket from one subscription to the show: one thread, whatever the audience.

    Why: a thread per socket (the old relay) let 100 idle sockets add 100 threads to a process
    whose render loop needs the CPU. Here one reader thread blocks on the show's queue, hands
    batches of FLV tags to the event loop, and the loop copies them into each socket's bounded
    queue; a socket starts with the stream header at the next keyframe and is ended (its player
    reconnects) when it falls ``maxsize`` messages behind, so a stalled phone costs no memory.
    When the show ends its stream (``None``) every socket is ended and the reader subscribes
    again for a restart. The reader holds a subscription only while a socket is open (and
    ``IDLE_S`` after the last closed, for a reconnecting player): with the web layer in its own
    process, an audience without an FLV player costs the show no bytes over the pipe.
    """

    IDLE_S = 5.0

    def __init__(self, show) -> None:
        self.show = show
        self.feeds: set[FlvFeed] = set()
        self.header = b""
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop = threading.Event()
        self._wanted = threading.Event()  # set while a socket is open
        self._thread: Optional[threading.Thread] = None
        self._q: Optional[queue.Queue] = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread = threading.Thread(target=self._read, name="web-flv", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()
        if self._q is not None:
            self._q.put(None)
        if self._thread is not None:
            self._thread.join(5)
        for feed in list(self.feeds):
            self._end(feed)

    def add(self) -> FlvFeed:
        feed = FlvFeed()
        self.feeds.add(feed)
        self._wanted.set()
        return feed

    def remove(self, feed: FlvFeed) -> None:
        self.feeds.discard(feed)
        if not self.feeds:
            self._wanted.clear()

    # ---- reader thread ------------------------------------------------------------------------
    def _read(self) -> None:
        while not self._stop.is_set():
            self._wanted.wait()
            if not self._stop.is_set():
                self._relay()

    def _relay(self) -> None:
        """One subscription: until the stop, or ``IDLE_S`` without a socket."""
        q = self._q = self.show.subscribe_flv()
        idle_since: Optional[float] = None
        try:
            while not self._stop.is_set():
                if self._wanted.is_set():
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > self.IDLE_S:
                    return
                batch: list[Optional[bytes]] = take_batch(q)
                if not batch:
                    continue
                if self._stop.is_set():
                    break
                self._call(self._dispatch, batch)
                if batch[-1] is None:  # the stream ended: listen again for a restart
                    self.show.unsubscribe_flv(q)
                    self._stop.wait(0.5)
                    q = self._q = self.show.subscribe_flv()
        finally:
            self.show.unsubscribe_flv(q)

    def _call(self, fn, *args) -> None:
        try:
            if self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # loop closed during shutdown
            pass

    # ---- on the loop ---------------------------------------------------------------------------
    def _dispatch(self, batch: list[Optional[bytes]]) -> None:
        end = batch[-1] is None
        tags = [t for t in batch if t is not None]
        if tags and tags[0][:3] == b"FLV":  # a (re)subscription starts with the stream header
            self.header, tags = tags[0], tags[1:]
            for feed in self.feeds:
                feed.started = False
        key_at = next((i for i, t in enumerate(tags) if is_keyframe(t)), None)
        for feed in list(self.feeds):
            if not feed.started:
                if key_at is None or not self.header:
                    continue
                feed.started = True
                self._put(feed, self.header + b"".join(tags[key_at:]))
            elif tags:
                self._put(feed, b"".join(tags))
        if end:
            for feed in list(self.feeds):
                self._end(feed)
            self.header = b""

    def _put(self, feed: FlvFeed, chunk: bytes) -> None:
        try:
            feed.out.put_nowait(chunk)
        except asyncio.QueueFull:  # too slow: drop what it has and end it
            self._end(feed)

    def _end(self, feed: FlvFeed) -> None:
        self.feeds.discard(feed)
        while not feed.out.empty():
            feed.out.get_nowait()
        feed.out.put_nowait(None)
