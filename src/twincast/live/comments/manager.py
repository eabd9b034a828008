"""Runs the comment sources and feeds their comments to the show.

Threads: one asyncio loop (``comments-io``) holds every source's connection; one intake worker
(``comments-intake``) calls the blocking ``show.post_comment`` so a slow decision never stalls a
socket; one event reader (``comments-events``) watches the show for answers to send back and
for the viewer page's comments (the page is a source too, counted from the show's events).

Order of checks for each arriving message, cheapest first: empty or malformed -> dropped and
counted; a message id seen before (a reconnect replays history) -> dropped; over the source's
rate -> dropped, counted, one line per 10 s; then queued. The intake paces everything into the
show at ``intake`` (a show-wide rate), where the existing moderation applies its flood and
repeat rules to every platform alike; a comment that waited longer than ``max_wait_s`` expires
(counted): an answer a minute late is noise. Nothing here raises into the show: a source that
fails is retried with backoff, and the show keeps talking with every source down.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from limits import parse_many, storage, strategies

from ..web.security import clean_text
from .config import CommentsConfig
from .events import CommentOriginEvent, GiftEvent, LikeEvent, SourceEvent
from .source import CommentSource, SeenIds, backoff_delays, redact
from .types import Comment, Gift, Like, Message, SourceProblem, SourceStatus

log = logging.getLogger("twincast.live.comments")
MAX_TEXT, MAX_NICK = 200, 24
RATE_LINE_EVERY_S = 10.0


@dataclass
class _Stat:
    """Mutable counters of one source (internal; the outside sees frozen SourceStatus)."""

    platform: str
    state: str = "starting"
    messages: int = 0
    gifts: int = 0
    likes: int = 0
    duplicates: int = 0
    rate_limited: int = 0
    malformed: int = 0
    expired: int = 0
    reconnects: int = 0
    replies: int = 0
    last_error: Optional[str] = None
    last_error_kind: Optional[str] = None
    last_error_at: Optional[float] = None
    connected_since: Optional[float] = None
    recent: deque = field(default_factory=lambda: deque(maxlen=5000))  # arrival times, for per-minute
    rate_line_at: float = 0.0


class CommentManager:
    """``show``: anything with ``post_comment(user, text)`` and ``emit`` (LiveShow, FakeShow).
    ``say``: where the one-line console messages go (the CLI's console; default: the log)."""

    def __init__(self, show, config: CommentsConfig, sources: Optional[list[CommentSource]] = None, *,
                 say: Optional[Callable[[str], None]] = None) -> None:
        from .registry import build_sources

        self.show, self.config = show, config
        self.sources = list(sources) if sources is not None else build_sources(config)
        self._say = say or (lambda line: log.warning("%s", line))
        self._lock = threading.Lock()
        self._stats: dict[str, _Stat] = {s.id: _Stat(s.platform) for s in self.sources}
        self._stats.setdefault("page", _Stat("page", state="connected", connected_since=time.time()))
        self._seen = SeenIds(config.dedupe * max(1, len(self.sources)))
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self._rates = {s.id: parse_many(s.config.rate) for s in self.sources}
        self._intake_rate = parse_many(config.intake)
        self._queue: "queue.Queue[Optional[Comment]]" = queue.Queue(maxsize=20_000)
        self._origin: OrderedDict[int, Comment] = OrderedDict()  # show comment id -> platform comment
        self._pending: Counter = Counter()  # (user, text) being posted by us, to tell page comments apart
        self._stop = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._threads: list[threading.Thread] = []
        self._tasks: list[asyncio.Task] = []
        self._events_q = None
        self.replies = None  # set by start() when replies are enabled (replies.Replier)
        self.posted: list[tuple[Comment, int, float]] = []  # (comment, show id, decided at): last 10000
        for s in self.sources:
            s.bind(self._deliverer(s), self._connected_cb(s), self._malformed_cb(s))

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self) -> "CommentManager":
        ready = threading.Event()

        def io() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._tasks = [self._loop.create_task(self._supervise(s)) for s in self.sources]
            ready.set()
            try:
                self._loop.run_forever()
            finally:
                self._loop.close()

        self._threads = [threading.Thread(target=io, name="comments-io", daemon=True),
                         threading.Thread(target=self._intake, name="comments-intake", daemon=True)]
        if hasattr(self.show, "subscribe_events"):
            self._events_q = self.show.subscribe_events()
            self._threads.append(threading.Thread(target=self._read_events, name="comments-events", daemon=True))
        if self.config.replies.enabled:
            from .replies import Replier

            self.replies = Replier(self, self.config.replies)
        for t in self._threads:
            t.start()
        ready.wait(5)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._queue.put(None)
        loop = self._loop
        if loop is not None and loop.is_running():
            async def shutdown() -> None:
                for t in self._tasks:
                    t.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                for s in self.sources:
                    try:
                        await asyncio.wait_for(s.close(), 3)
                    except Exception:  # noqa: BLE001 - leaving politely is best effort
                        pass
                loop.stop()
            asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._events_q is not None:
            self.show.unsubscribe_events(self._events_q)
            self._events_q.put(None)
        for t in self._threads:
            t.join(timeout)
        for st in self._stats.values():
            if st.state != "failed":
                st.state = "stopped"

    def run_coroutine(self, coro):
        """Schedule ``coro`` on the sources' loop from any thread (replies use it)."""
        if self._loop is None or not self._loop.is_running():
            coro.close()
            return None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    # ---- one source's life ------------------------------------------------------------------------
    async def _supervise(self, src: CommentSource) -> None:
        delays = backoff_delays(self.config.backoff)
        while not self._stop.is_set():
            st = self._stats[src.id]
            started = time.monotonic()
            try:
                await src.run()
                problem = SourceProblem("closed", "the platform closed the connection")
            except asyncio.CancelledError:
                return
            except SourceProblem as p:
                problem = p
            except Exception as e:  # noqa: BLE001 - an adapter bug must not end the show
                problem = SourceProblem("protocol", f"{type(e).__name__}: {e}")
            was_up = st.connected_since is not None
            st.connected_since = None
            if time.monotonic() - started >= self.config.backoff.reset_after_s and was_up:
                delays = backoff_delays(self.config.backoff)  # it was up a while: start small again
            self._problem(src, problem, "failed" if not problem.retry else "reconnecting")
            if not problem.retry:
                return
            wait = max(next(delays), problem.wait_s)
            st.reconnects += 1
            try:
                await asyncio.sleep(wait)
            except asyncio.CancelledError:
                return

    def _problem(self, src: CommentSource, p: SourceProblem, state: str) -> None:
        st = self._stats[src.id]
        msg = redact(p.message, src.secrets())
        st.state, st.last_error, st.last_error_kind, st.last_error_at = state, msg, p.kind, time.time()
        what = "stopped (fix and restart the show)" if state == "failed" else "reconnecting"
        self._say(f"comments {src.id}: {p.kind} problem: {msg} - {what}")
        self._emit(SourceEvent(source=src.id, platform=src.platform, state=state, problem=p.kind, message=msg))

    def _connected_cb(self, src: CommentSource) -> Callable[[], None]:
        def connected() -> None:
            st = self._stats[src.id]
            first = st.connected_since is None
            st.state, st.connected_since = "connected", st.connected_since or time.time()
            if first:
                self._say(f"comments {src.id}: connected")
                self._emit(SourceEvent(source=src.id, platform=src.platform, state="connected"))
        return connected

    def _malformed_cb(self, src: CommentSource) -> Callable[[str], None]:
        def malformed(why: str) -> None:
            st = self._stats[src.id]
            st.malformed += 1
            now = time.monotonic()
            if now - st.rate_line_at >= RATE_LINE_EVERY_S:  # one line per 10 s, however many arrive
                st.rate_line_at = now
                msg = redact(why, src.secrets())
                st.last_error, st.last_error_kind, st.last_error_at = msg, "malformed", time.time()
                self._say(f"comments {src.id}: malformed message skipped ({msg}); {st.malformed} so far")
                self._emit(SourceEvent(source=src.id, platform=src.platform, state="problem", problem="malformed",
                                       message=msg))
        return malformed

    # ---- arrivals -------------------------------------------------------------------------------
    def _deliverer(self, src: CommentSource) -> Callable[[Message], None]:
        return lambda m: self.receive(src, m)

    def receive(self, src: CommentSource, m: Message) -> str:
        """Take one message from ``src``; returns what happened (queued, duplicate, rate_limited,
        malformed, gift, like) so sources and tests can tell."""
        st = self._stats[src.id]
        with self._lock:
            if not m.message_id:
                st.malformed += 1
                return "malformed"
            if self._seen.seen((m.platform, src.id, m.message_id)):
                st.duplicates += 1
                return "duplicate"
        if isinstance(m, Gift):
            st.gifts += 1
            self._emit(GiftEvent(platform=m.platform, source=src.id, user=clean_text(m.nickname, MAX_NICK),
                                 gift=clean_text(m.gift, 40), count=m.count, value=m.value, currency=m.currency))
            return "gift"
        if isinstance(m, Like):
            st.likes += m.count
            self._emit(LikeEvent(platform=m.platform, source=src.id, user=clean_text(m.nickname, MAX_NICK),
                                 count=m.count))
            return "like"
        text = clean_text(m.text, MAX_TEXT)
        if not text:
            st.malformed += 1
            return "malformed"
        rules = self._rates.get(src.id, [])
        if all(self._limiter.test(r, "src", src.id) for r in rules):
            for r in rules:
                self._limiter.hit(r, "src", src.id)
        else:
            st.rate_limited += 1
            now = time.monotonic()
            if now - st.rate_line_at >= RATE_LINE_EVERY_S:
                st.rate_line_at = now
                self._say(f"comments {src.id}: over its rate {src.config.rate}; "
                          f"{st.rate_limited} comments dropped so far")
                self._emit(SourceEvent(source=src.id, platform=src.platform, state="problem", problem="rate",
                                       message=f"{st.rate_limited} over {src.config.rate}"))
            return "rate_limited"
        st.messages += 1
        st.recent.append(time.time())
        c = Comment(m.platform, src.id, m.message_id, m.user_id, clean_text(m.nickname, MAX_NICK) or "观众", text,
                    m.time, m.arrived, m.reply_to)
        try:
            self._queue.put_nowait(c)
        except queue.Full:
            st.expired += 1
            return "expired"
        return "queued"

    def _intake(self) -> None:
        """Into the show at the show-wide ``intake`` pace; expired comments are counted, not posted.
        Normal priority, like the answer worker: a viewer waits for this decision, and a warm
        decision costs ~2.6 ms of CPU (50 comments/s: 0.13 of a core; measured for issue 22)."""
        while not self._stop.is_set():
            c = self._queue.get()
            if c is None:
                return
            expired = False
            while not all(self._limiter.test(r, "intake") for r in self._intake_rate):
                expired = time.time() - c.arrived > self.config.max_wait_s
                if expired or self._stop.wait(0.02):
                    break
            if self._stop.is_set():
                return
            if expired or time.time() - c.arrived > self.config.max_wait_s:
                self._stats[c.source].expired += 1  # an expired comment takes no intake slot
                continue
            for r in self._intake_rate:
                self._limiter.hit(r, "intake")
            with self._lock:
                self._pending[(c.nickname, c.text)] += 1
            try:
                decision = self.show.post_comment(c.nickname, c.text)
            except Exception as e:  # noqa: BLE001 - the show refusing one comment must not stop intake
                log.warning("comments %s: the show could not take a comment: %s", c.source, e)
                continue
            cid = int(decision.get("id") or 0)
            now = time.time()
            with self._lock:
                self._origin[cid] = c
                while len(self._origin) > 10_000:
                    self._origin.popitem(last=False)
                self.posted.append((c, cid, now))
                del self.posted[:-10_000]
            self._emit(CommentOriginEvent(id=cid, platform=c.platform, source=c.source, message_id=c.message_id,
                                          user_id=c.user_id, latency_s=round(now - c.arrived, 3)))

    def origin(self, cid: int) -> Optional[Comment]:
        with self._lock:
            return self._origin.get(cid)

    # ---- the show's events: page comments and answers ---------------------------------------------
    def _read_events(self) -> None:
        q = self._events_q
        while not self._stop.is_set():
            try:
                ev = q.get(timeout=0.25)
            except queue.Empty:
                continue
            if ev is None:
                if self._stop.is_set():
                    return
                continue  # the show stopped its events; a restart re-subscribes nobody: keep quiet
            kind, data = getattr(ev, "kind", ""), getattr(ev, "data", {}) or {}
            if kind == "comment":
                key = (data.get("user"), data.get("text"))
                with self._lock:
                    mine = self._pending.get(key, 0) > 0
                    if mine:
                        self._pending[key] -= 1
                        if self._pending[key] <= 0:
                            del self._pending[key]
                if not mine:
                    page = self._stats["page"]
                    page.messages += 1
                    page.recent.append(time.time())
            elif kind == "say" and data.get("answers") and self.replies is not None:
                self.replies.answered(data.get("text", ""), list(data.get("answers") or []))

    def _emit(self, event) -> None:
        emit = getattr(self.show, "emit", None)
        if emit is None:
            return
        try:
            emit(event)
        except Exception:  # noqa: BLE001 - an old-style hub without typed events: status still works
            log.debug("show did not take %s", getattr(event, "kind", event))

    # ---- status -------------------------------------------------------------------------------
    def source(self, source_id: str) -> Optional[CommentSource]:
        return next((s for s in self.sources if s.id == source_id), None)

    def status(self) -> list[SourceStatus]:
        now = time.time()
        out = []
        for sid, st in self._stats.items():
            per_min = sum(1 for t in list(st.recent) if now - t <= 60.0)
            out.append(SourceStatus(sid, st.platform, st.state, st.state == "connected", st.messages, float(per_min),
                                    st.gifts, st.likes, st.duplicates, st.rate_limited, st.malformed, st.expired,
                                    st.reconnects, st.replies, st.last_error, st.last_error_kind, st.last_error_at,
                                    st.connected_since))
        return out

    def status_json(self) -> list[dict[str, Any]]:
        from dataclasses import asdict

        return [asdict(s) for s in self.status()]
