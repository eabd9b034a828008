"""Show analytics in one SQLite file per machine ($TWINCAST_HOME/analytics.db).

Why SQLite from the stdlib: a show runs on one machine, the numbers must survive a crash of the
show process, and operators should be able to open the file with any SQLite tool afterwards.
WAL mode lets the report page read while the show writes; one connection behind a lock keeps
it thread-safe (writes are a few rows per second, far below what that can take).

Sources: the engine's events (comments with their moderation decisions, spoken lines and the
comment ids they answer, stream/operator/camera/product changes) arrive through a consumer
thread (:meth:`Analytics.attach`); viewer joins/leaves and orders come from the web layer.
No IP addresses are stored: a viewer is a random id from their browser plus a nickname. Nor are
secrets: event data passes :func:`~twincast.live.api.mask_secrets` (an RTMP stream key in a
``stream`` event's URL or error message is stored as ``rtmp://host/app/****``).

A session records the process (pid, host) that runs it. A show that crashed leaves its session
"live" and its visits open; the next :meth:`Analytics.start_session` on that machine closes them
at their last recorded activity, so they stop counting viewers and watch time.

Definitions (see docs/live.md): a viewer's *stays* are their visits merged when a reconnect
follows within ``GAP_S``; *watch time* is the summed length of the stays; *retention at 120 s*
is the share of viewers whose first stay lasted >= 120 s, among viewers whose outcome is known
(they left, or have already stayed 120 s, or the session is over).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import socket
import sqlite3
import statistics
import threading
import time
from pathlib import Path
from typing import Any, Optional

from .api import mask_secrets
from .events import CommentEvent, LiveEvent, SayEvent

log = logging.getLogger("twincast.live.analytics")
GAP_S = 5.0
RETENTION_S = 120.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions(id TEXT PRIMARY KEY, title TEXT, started REAL NOT NULL, ended REAL);
CREATE TABLE IF NOT EXISTS visits(id INTEGER PRIMARY KEY, session TEXT NOT NULL, viewer TEXT NOT NULL,
  nick TEXT, joined REAL NOT NULL, left REAL);
CREATE TABLE IF NOT EXISTS comments(id INTEGER PRIMARY KEY, session TEXT NOT NULL, cid INTEGER, user TEXT,
  text TEXT, action TEXT, reason TEXT, intent TEXT, product TEXT, t REAL, wall REAL NOT NULL);
CREATE TABLE IF NOT EXISTS says(id INTEGER PRIMARY KEY, session TEXT NOT NULL, speaker TEXT, text TEXT,
  kind TEXT, product TEXT, answers TEXT, t REAL, wall REAL NOT NULL);
CREATE TABLE IF NOT EXISTS orders(id INTEGER PRIMARY KEY, session TEXT NOT NULL, viewer TEXT, nick TEXT,
  product TEXT NOT NULL, qty INTEGER NOT NULL, unit_price REAL NOT NULL, amount REAL NOT NULL,
  currency TEXT, wall REAL NOT NULL);
CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, session TEXT NOT NULL, kind TEXT, t REAL,
  wall REAL NOT NULL, data TEXT);
CREATE INDEX IF NOT EXISTS visits_s ON visits(session);
CREATE INDEX IF NOT EXISTS comments_s ON comments(session);
CREATE INDEX IF NOT EXISTS says_s ON says(session);
CREATE INDEX IF NOT EXISTS orders_s ON orders(session);
CREATE INDEX IF NOT EXISTS events_s ON events(session);
"""


def default_path() -> Path:
    from ..paths import home

    return home() / "analytics.db"


def _is_answer(kind: Optional[str], answers: list) -> bool:
    return kind == "answer" or bool(answers)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (this process counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def merge_stays(visits: list[tuple[float, float]], gap: float = GAP_S) -> list[tuple[float, float]]:
    """Merge one viewer's (joined, left) visits into stays; overlapping tabs count once."""
    out: list[list[float]] = []
    for a, b in sorted(visits):
        if out and a <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


class Analytics:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._migrate()
        self._threads: dict[str, tuple] = {}

    # ---- low level ----------------------------------------------------------------------------
    def _exec(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def _rows(self, sql: str, args: tuple | dict = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def query(self, sql: str, args: tuple | dict = ()) -> list[tuple]:
        """Rows of one statement (for the shop's stock table and other readers of this file)."""
        return self._rows(sql, args)

    @contextlib.contextmanager
    def transaction(self):
        """One SQLite write transaction (BEGIN IMMEDIATE: the write lock is taken at once, so a
        read-then-update inside it is atomic against other connections too)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        cols = {r[1] for r in self._db.execute("PRAGMA table_info(sessions)")}
        for col, kind in (("pid", "INTEGER"), ("host", "TEXT")):
            if col not in cols:
                self._db.execute(f"ALTER TABLE sessions ADD COLUMN {col} {kind}")

    def close(self) -> None:
        for sid in list(self._threads):
            self.detach(sid)
        with self._lock:
            self._db.close()

    # ---- sessions -------------------------------------------------------------------------------
    def start_session(self, session_id: str, title: str = "", wall: Optional[float] = None,
                      owner_pid: Optional[int] = None) -> None:
        """A new session, owned by ``owner_pid`` (default: this process; a web process records
        its show's, whose end is the session's); first closes sessions a crash left open."""
        self.close_abandoned()
        self._exec("INSERT OR IGNORE INTO sessions(id, title, started, pid, host) VALUES (?, ?, ?, ?, ?)",
                   (session_id, title, wall if wall is not None else time.time(), owner_pid or os.getpid(),
                    socket.gethostname()))

    def close_open_visits(self, session_id: str, wall: Optional[float] = None) -> int:
        """End the session's visits still open (their sockets died with a web process that is
        being replaced), one by one through ``viewer_leave`` so a journal sees each."""
        rows = self._rows("SELECT id FROM visits WHERE session=? AND left IS NULL", (session_id,))
        for (vid,) in rows:
            self.viewer_leave(vid, wall)
        return len(rows)

    def close_abandoned(self) -> list[str]:
        """Close sessions still marked live whose process is gone (same host, pid not running, or
        no pid recorded: written before pids were), with their open visits, at the session's last
        recorded activity. Returns their ids."""
        me = socket.gethostname()
        closed = []
        for sid, pid, host in self._rows("SELECT id, pid, host FROM sessions WHERE ended IS NULL"):
            if pid is not None and (host != me or _running(pid)):
                continue
            last = self._last_activity(sid)
            self._exec("UPDATE sessions SET ended=? WHERE id=? AND ended IS NULL", (last, sid))
            self._exec("UPDATE visits SET left=MAX(joined, ?) WHERE session=? AND left IS NULL", (last, sid))
            closed.append(sid)
        if closed:
            log.warning("closed %d session(s) left live by a crash: %s", len(closed), ", ".join(closed[:5]))
        return closed

    def _last_activity(self, sid: str) -> float:
        r = self._rows("SELECT MAX(x) FROM (SELECT started AS x FROM sessions WHERE id=:s"
                       " UNION ALL SELECT MAX(joined, COALESCE(left, 0)) FROM visits WHERE session=:s"
                       " UNION ALL SELECT wall FROM comments WHERE session=:s UNION ALL SELECT wall FROM says WHERE session=:s"
                       " UNION ALL SELECT wall FROM orders WHERE session=:s UNION ALL SELECT wall FROM events WHERE session=:s)",
                       {"s": sid})
        return float(r[0][0])

    def end_session(self, session_id: str, wall: Optional[float] = None) -> None:
        """Marks the end and closes visits still open (the server is going away with them)."""
        wall = wall if wall is not None else time.time()
        self._exec("UPDATE sessions SET ended=? WHERE id=?", (wall, session_id))
        self._exec("UPDATE visits SET left=? WHERE session=? AND left IS NULL", (wall, session_id))

    def session(self, session_id: str) -> Optional[dict[str, Any]]:
        r = self._rows("SELECT id, title, started, ended FROM sessions WHERE id=?", (session_id,))
        return dict(zip(("id", "title", "started", "ended"), r[0])) if r else None

    def sessions(self) -> list[dict[str, Any]]:
        rows = self._rows("SELECT id, title, started, ended FROM sessions ORDER BY started DESC")
        return [dict(zip(("id", "title", "started", "ended"), r)) for r in rows]

    def latest_session(self) -> Optional[str]:
        r = self._rows("SELECT id FROM sessions ORDER BY started DESC LIMIT 1")
        return r[0][0] if r else None

    # ---- web layer inputs -----------------------------------------------------------------------
    def viewer_join(self, session_id: str, viewer: str, nick: str = "", wall: Optional[float] = None) -> int:
        cur = self._exec("INSERT INTO visits(session, viewer, nick, joined) VALUES (?, ?, ?, ?)",
                         (session_id, viewer, nick, wall if wall is not None else time.time()))
        return int(cur.lastrowid)

    def viewer_leave(self, visit_id: int, wall: Optional[float] = None) -> None:
        self._exec("UPDATE visits SET left=? WHERE id=? AND left IS NULL",
                   (wall if wall is not None else time.time(), visit_id))

    def record_order(self, session_id: str, viewer: str, nick: str, product: str, qty: int, unit_price: float,
                     currency: str = "CNY", wall: Optional[float] = None) -> dict[str, Any]:
        """The caller passes the catalog price; a client-sent price never reaches this table."""
        amount = round(unit_price * qty, 2)
        cur = self._exec("INSERT INTO orders(session, viewer, nick, product, qty, unit_price, amount, currency, wall)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (session_id, viewer, nick, product, qty, unit_price, amount, currency,
                          wall if wall is not None else time.time()))
        return {"order_id": int(cur.lastrowid), "product_id": product, "qty": qty, "unit_price": unit_price,
                "amount": amount, "currency": currency}

    # ---- engine events --------------------------------------------------------------------------
    def record_event(self, session_id: str, ev: LiveEvent) -> None:
        if isinstance(ev, CommentEvent):
            self._exec("INSERT INTO comments(session, cid, user, text, action, reason, intent, product, t, wall)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (session_id, ev.id, mask_secrets(ev.user), mask_secrets(ev.text), ev.action, ev.reason,
                        ev.intent, ev.product, ev.t, ev.wall))
        elif isinstance(ev, SayEvent):
            self._exec("INSERT INTO says(session, speaker, text, kind, product, answers, t, wall)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (session_id, ev.speaker, mask_secrets(ev.text), ev.line, ev.product,
                        json.dumps(list(ev.answers)), ev.t, ev.wall))
        else:
            d = mask_secrets(ev.data)
            self._exec("INSERT INTO events(session, kind, t, wall, data) VALUES (?, ?, ?, ?, ?)",
                       (session_id, ev.kind, ev.t, ev.wall, json.dumps(d, ensure_ascii=False, default=str)))
            if ev.kind == "stream" and d.get("state") in ("stopped", "error"):
                self._exec("UPDATE sessions SET ended=? WHERE id=?", (ev.wall, session_id))
            elif ev.kind == "stream" and d.get("state") == "on_air":
                self._exec("UPDATE sessions SET ended=NULL WHERE id=?", (session_id,))

    def attach(self, show, session_id: str) -> None:
        """Consume ``show``'s events into ``session_id`` on a daemon thread until :meth:`detach`.
        A ``None`` on the queue (the engine's end of events) re-subscribes, so a restarted show
        keeps being recorded."""
        stop = threading.Event()
        box: list[queue.Queue] = [show.subscribe_events()]  # subscribed now: no event is missed

        def run() -> None:
            q = box[0]
            try:
                while not stop.is_set():
                    try:
                        ev = q.get(timeout=0.25)
                    except queue.Empty:
                        continue
                    if stop.is_set():
                        break
                    if ev is None:
                        show.unsubscribe_events(q)
                        stop.wait(0.5)
                        q = box[0] = show.subscribe_events()
                        continue
                    try:
                        self.record_event(session_id, ev)
                    except Exception:  # noqa: BLE001 - one bad event must not stop the recording
                        log.exception("analytics could not record %s", ev.kind)
            finally:
                show.unsubscribe_events(q)

        t = threading.Thread(target=run, name=f"analytics-{session_id}", daemon=True)
        self._threads[session_id] = (t, stop, box)
        t.start()

    def detach(self, session_id: str) -> None:
        t, stop, box = self._threads.pop(session_id, (None, None, None))
        if t is not None:
            stop.set()
            box[0].put(None)  # wake the consumer now
            t.join(5)

    # ---- derived numbers ------------------------------------------------------------------------
    def _horizon(self, session_id: str, now: Optional[float]) -> tuple[float, float, bool]:
        s = self.session(session_id)
        if s is None:
            raise KeyError(session_id)
        ended = s["ended"] is not None
        return s["started"], (s["ended"] if ended else (now if now is not None else time.time())), ended

    def stays(self, session_id: str, now: Optional[float] = None) -> dict[str, list[tuple[float, float]]]:
        _, end, _ = self._horizon(session_id, now)
        per: dict[str, list[tuple[float, float]]] = {}
        for viewer, joined, left in self._rows("SELECT viewer, joined, left FROM visits WHERE session=?", (session_id,)):
            per.setdefault(viewer, []).append((joined, min(left, end) if left is not None else end))
        return {v: merge_stays(iv) for v, iv in per.items()}

    def viewers_current(self, session_id: str) -> int:
        r = self._rows("SELECT COUNT(DISTINCT viewer) FROM visits WHERE session=? AND left IS NULL", (session_id,))
        return int(r[0][0])

    def viewers_over_time(self, session_id: str, now: Optional[float] = None) -> list[tuple[float, int]]:
        """Exact step curve: (seconds since session start, distinct viewers from then on)."""
        start, end, _ = self._horizon(session_id, now)
        edges: list[tuple[float, int]] = []
        for stays in self.stays(session_id, now).values():
            for a, b in stays:
                edges.append((a, 1))
                if b < end:  # a stay cut at the horizon is still going on: no leave edge
                    edges.append((b, -1))
        points, n = [(0.0, 0)], 0
        for t, d in sorted(edges, key=lambda e: (e[0], e[1])):
            n += d
            x = max(0.0, t - start)
            if points[-1][0] == x:
                points[-1] = (x, n)
            else:
                points.append((x, n))
        points.append((max(0.0, end - start), n))
        return points

    def watch_times(self, session_id: str, now: Optional[float] = None) -> dict[str, float]:
        return {v: sum(b - a for a, b in s) for v, s in self.stays(session_id, now).items()}

    def retention(self, session_id: str, seconds: float = RETENTION_S, now: Optional[float] = None) -> dict[str, Any]:
        _, end, ended = self._horizon(session_id, now)
        open_viewers = {r[0] for r in self._rows(
            "SELECT DISTINCT viewer FROM visits WHERE session=? AND left IS NULL", (session_id,))}
        kept = known = 0
        for viewer, stays in self.stays(session_id, now).items():
            a, b = stays[0]
            first_open = viewer in open_viewers and b >= end and not ended
            if b - a >= seconds:
                kept += 1
                known += 1
            elif not first_open:
                known += 1
        return {"seconds": seconds, "retained": kept, "viewers": known,
                "share": (kept / known) if known else None}

    def comments_summary(self, session_id: str) -> dict[str, int]:
        return {a or "unknown": n for a, n in self._rows(
            "SELECT action, COUNT(*) FROM comments WHERE session=? GROUP BY action", (session_id,))}

    def answers_total(self, session_id: str) -> int:
        return sum(1 for kind, ans in self._rows("SELECT kind, answers FROM says WHERE session=?", (session_id,))
                   if _is_answer(kind, json.loads(ans or "[]")))

    def per_minute(self, session_id: str, now: Optional[float] = None) -> list[dict[str, int]]:
        """Comments (all, and shown = not moderated away) and spoken answers per minute."""
        start, end, _ = self._horizon(session_id, now)
        minutes = max(1, int((end - start) // 60) + 1)
        out = [{"minute": m, "comments": 0, "answers": 0} for m in range(minutes)]
        for (wall,) in self._rows("SELECT wall FROM comments WHERE session=?", (session_id,)):
            out[min(minutes - 1, max(0, int((wall - start) // 60)))]["comments"] += 1
        for wall, kind, ans in self._rows("SELECT wall, kind, answers FROM says WHERE session=?", (session_id,)):
            if _is_answer(kind, json.loads(ans or "[]")):
                out[min(minutes - 1, max(0, int((wall - start) // 60)))]["answers"] += 1
        return out

    def answer_delays(self, session_id: str) -> list[float]:
        """Seconds from a comment to the first spoken line that answers it."""
        posted = {cid: w for cid, w in self._rows(
            "SELECT cid, wall FROM comments WHERE session=? AND cid IS NOT NULL", (session_id,))}
        first: dict[int, float] = {}
        for wall, ans in self._rows("SELECT wall, answers FROM says WHERE session=? ORDER BY wall", (session_id,)):
            for cid in json.loads(ans or "[]"):
                if cid in posted and cid not in first:
                    first[cid] = wall - posted[cid]
        return sorted(first.values())

    def recent(self, session_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The last comments (with their decisions) and spoken answers, oldest first."""
        rows = [("comment", w, {"id": c, "user": u, "text": x, "action": a, "reason": r, "intent": i})
                for c, u, x, a, r, i, w in self._rows(
                    "SELECT cid, user, text, action, reason, intent, wall FROM comments WHERE session=?"
                    " ORDER BY wall DESC LIMIT ?", (session_id, limit))]
        rows += [("say", w, {"speaker": s, "text": x, "kind": k, "answers": json.loads(a or "[]")})
                 for s, x, k, a, w in self._rows(
                     "SELECT speaker, text, kind, answers, wall FROM says WHERE session=?"
                     " ORDER BY wall DESC LIMIT ?", (session_id, limit))]
        rows.sort(key=lambda r: r[1])
        return [{"kind": k, "wall": w, "data": d} for k, w, d in rows[-limit:]]

    def orders_by_product(self, session_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT product, COUNT(*), SUM(qty), SUM(amount), MAX(currency) FROM orders"
                          " WHERE session=? GROUP BY product ORDER BY SUM(amount) DESC", (session_id,))
        return [{"product": p, "orders": n, "qty": q, "gmv": round(g, 2), "currency": c} for p, n, q, g, c in rows]

    def summary(self, session_id: str, now: Optional[float] = None) -> dict[str, Any]:
        """Everything the report page and /metrics show, computed once."""
        start, end, ended = self._horizon(session_id, now)
        watch = self.watch_times(session_id, now)
        curve = self.viewers_over_time(session_id, now)
        orders = self.orders_by_product(session_id)
        buyers = self._rows("SELECT COUNT(DISTINCT viewer) FROM orders WHERE session=?", (session_id,))[0][0]
        delays = self.answer_delays(session_id)
        return {
            "session": self.session(session_id), "duration_s": end - start, "ended": ended,
            "viewers_current": self.viewers_current(session_id), "viewers_unique": len(watch),
            "viewers_peak": max(n for _, n in curve), "viewers_curve": curve,
            "watch_times": watch, "watch_mean_s": statistics.fmean(watch.values()) if watch else 0.0,
            "watch_median_s": statistics.median(watch.values()) if watch else 0.0,
            "retention": self.retention(session_id, now=now),
            "comments": self.comments_summary(session_id), "answers_total": self.answers_total(session_id),
            "answer_delay_median_s": statistics.median(delays) if delays else None,
            "per_minute": self.per_minute(session_id, now), "orders": orders,
            "orders_total": sum(o["orders"] for o in orders), "gmv_total": round(sum(o["gmv"] for o in orders), 2),
            "buyers": buyers, "conversion": (buyers / len(watch)) if watch else None,
        }
