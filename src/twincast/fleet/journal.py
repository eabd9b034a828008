"""A room's analytics, journaled to the fleet's ledger on the head node.

Why a journal and not one shared database: a room's web layer needs a database next to it for
stock transactions and its own report (``live/analytics.py``, SQLite), and that file lives on
whichever node runs the room, so it dies with the node. Every write to it is therefore also an
operation with a per-session sequence number in an outbox; the room ships the outbox to the
supervisor, which applies each operation exactly once (``INSERT OR IGNORE`` on the sequence
number) to the ledger on the head's disk. A new instance of the room continues the sequence
from the ledger's last number and first replays the ledger into its own fresh file, so stock,
orders and the report carry on; only the last flush interval (a fraction of a second) of a
node that vanished can be missing, never a row twice.

Event times and comment ids are made session-wide here (``base_t``, ``base_cid``): each
instance's engine counts both from zero.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from ..live.analytics import Analytics
from ..live.events import LiveEvent, make_event

OPS_SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_ops(session TEXT NOT NULL, seq INTEGER NOT NULL, room TEXT NOT NULL,
  instance TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (session, seq));
CREATE TABLE IF NOT EXISTS fleet_visits(session TEXT NOT NULL, key TEXT NOT NULL, visit INTEGER NOT NULL,
  PRIMARY KEY (session, key));
"""
# The room instance's outbox, in its own file: the room's web process writes it, the room's
# reporter (another process) ships and trims it. AUTOINCREMENT: SQLite remembers the highest
# number ever written (sqlite_sequence) even once every row is shipped and deleted.
OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, body TEXT NOT NULL);
"""
STOCK_SCHEMA = """
CREATE TABLE IF NOT EXISTS stock(session TEXT NOT NULL, product TEXT NOT NULL, initial INTEGER NOT NULL,
  remaining INTEGER NOT NULL CHECK (remaining >= 0), PRIMARY KEY (session, product));
"""


@dataclass(frozen=True)
class Op:
    seq: int
    kind: str  # session | end | event | join | leave | order
    body: dict[str, Any]

    def row(self) -> tuple[int, str, str]:
        return self.seq, self.kind, json.dumps(self.body, ensure_ascii=False, default=str)


def _session_wide(ev: LiveEvent, base_t: float, base_cid: int) -> LiveEvent:
    data = dict(ev.data)
    if ev.kind == "comment" and isinstance(data.get("id"), int):
        data["id"] += base_cid
    if ev.kind == "say" and data.get("answers"):
        data["answers"] = [a + base_cid for a in data["answers"] if isinstance(a, int)]
    return make_event(ev.kind, data, round(ev.t + base_t, 3), ev.wall)


class JournalAnalytics(Analytics):
    """The room instance's local analytics; every write is also queued for the ledger."""

    def __init__(self, path: str | Path, instance: str, last_seq: int = 0, base_t: float = 0.0,
                 base_cid: int = 0) -> None:
        super().__init__(path)
        self.instance, self.base_t, self.base_cid = instance, base_t, base_cid
        self._olock = threading.Lock()
        self._replaying = False
        with self._lock:
            self._db.executescript(OUTBOX_SCHEMA)
            last = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name='fleet_outbox'").fetchone()
        self._seq = max(last_seq, int(last[0]) if last else 0)

    # ---- the outbox (a table: the writer and the shipper may be different processes) ---------
    def _journal(self, kind: str, body: dict[str, Any]) -> None:
        if self._replaying:
            return
        with self._olock:
            self._seq += 1
            self._exec("INSERT INTO fleet_outbox(seq, kind, body) VALUES (?, ?, ?)", Op(self._seq, kind, body).row())

    def pending(self, limit: int = 1000) -> list[Op]:
        rows = self._rows("SELECT seq, kind, body FROM fleet_outbox ORDER BY seq LIMIT ?", (limit,))
        return [Op(seq, kind, json.loads(body)) for seq, kind, body in rows]

    def acked(self, upto: int) -> None:
        """The ledger holds every operation up to ``upto``: forget them."""
        self._exec("DELETE FROM fleet_outbox WHERE seq <= ?", (upto,))

    # ---- journaled writes ------------------------------------------------------------------
    def start_session(self, session_id: str, title: str = "", wall: Optional[float] = None,
                      owner_pid: Optional[int] = None) -> None:
        super().start_session(session_id, title, wall, owner_pid)
        row = self.session(session_id)
        self._journal("session", {"title": title, "wall": row["started"] if row else wall})

    def end_session(self, session_id: str, wall: Optional[float] = None) -> None:
        import time

        wall = wall if wall is not None else time.time()
        super().end_session(session_id, wall)
        self._journal("end", {"wall": wall, "instance": self.instance})

    def record_event(self, session_id: str, ev: LiveEvent) -> None:
        ev = _session_wide(ev, self.base_t, self.base_cid) if not self._replaying else ev
        super().record_event(session_id, ev)
        self._journal("event", {"kind": ev.kind, "t": ev.t, "wall": ev.wall, "data": ev.data})

    def viewer_join(self, session_id: str, viewer: str, nick: str = "", wall: Optional[float] = None) -> int:
        import time

        wall = wall if wall is not None else time.time()
        vid = super().viewer_join(session_id, viewer, nick, wall)
        self._journal("join", {"key": f"{self.instance}:{vid}", "viewer": viewer, "nick": nick, "wall": wall})
        return vid

    def viewer_leave(self, visit_id: int, wall: Optional[float] = None) -> None:
        import time

        wall = wall if wall is not None else time.time()
        super().viewer_leave(visit_id, wall)
        self._journal("leave", {"key": f"{self.instance}:{visit_id}", "wall": wall})

    def record_order(self, session_id: str, viewer: str, nick: str, product: str, qty: int, unit_price: float,
                     currency: str = "CNY", wall: Optional[float] = None) -> dict[str, Any]:
        import time

        wall = wall if wall is not None else time.time()
        order = super().record_order(session_id, viewer, nick, product, qty, unit_price, currency, wall)
        self._journal("order", {"viewer": viewer, "nick": nick, "product": product, "qty": qty,
                                "unit_price": unit_price, "currency": currency, "wall": wall})
        return order

    # ---- a new instance starts from the ledger ---------------------------------------------
    def replay(self, session_id: str, ops: Iterable[Op], products: Iterable[Any] = ()) -> int:
        """Apply the ledger's operations to this fresh file without journaling them again;
        stock starts at the catalog's and loses what the replayed orders took."""
        self._replaying = True
        try:
            with self._lock:
                self._db.executescript(STOCK_SCHEMA)
                self._db.executemany("INSERT OR IGNORE INTO stock(session, product, initial, remaining) VALUES (?, ?, ?, ?)",
                                     [(session_id, p.id, max(0, int(p.stock)), max(0, int(p.stock))) for p in products])
            n = 0
            visits: dict[str, int] = {}
            for op in ops:
                apply_op(self, session_id, op, visits)
                if op.kind == "order":
                    self._exec("UPDATE stock SET remaining = MAX(0, remaining - ?) WHERE session=? AND product=?",
                               (op.body["qty"], session_id, op.body["product"]))
                n += 1
            return n
        finally:
            self._replaying = False


def apply_op(db: Analytics, session_id: str, op: Op, visits: dict[str, int]) -> None:
    """One journaled operation applied to an Analytics file (ledger or a replaying room).
    ``visits`` maps journal visit keys to this file's visit row ids."""
    b = op.body
    if op.kind == "session":
        Analytics.start_session(db, session_id, b.get("title") or "", b.get("wall"))
    elif op.kind == "end":
        Analytics.end_session(db, session_id, b.get("wall"))
    elif op.kind == "event":
        Analytics.record_event(db, session_id, make_event(b["kind"], b.get("data") or {}, b["t"], b["wall"]))
    elif op.kind == "join":
        visits[b["key"]] = Analytics.viewer_join(db, session_id, b["viewer"], b.get("nick") or "", b["wall"])
    elif op.kind == "leave":
        vid = visits.get(b["key"])
        if vid is not None:
            Analytics.viewer_leave(db, vid, b["wall"])
    elif op.kind == "order":
        Analytics.record_order(db, session_id, b["viewer"], b.get("nick") or "", b["product"], int(b["qty"]),
                               float(b["unit_price"]), b.get("currency") or "CNY", b["wall"])
