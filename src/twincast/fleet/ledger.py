"""The fleet's analytics ledger: one SQLite file on the head node's disk, owned by the supervisor.

Why here: it must outlive any worker node, and one writer (the supervisor) keeps it simple.
Each room session's journaled operations (``journal.py``) are applied exactly once, keyed by
(session, seq); the same file is an ordinary ``Analytics`` database, so the per-session report,
the console's numbers and ``/metrics`` are the same code as for a single show.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterable

from ..live.analytics import Analytics
from .journal import OPS_SCHEMA, Op, apply_op


class Ledger:
    def __init__(self, path: str | Path) -> None:
        self.db = Analytics(path)
        for statement in filter(str.strip, OPS_SCHEMA.split(";")):
            self.db.query(statement)
        self.fence: dict[str, str] = {}  # session -> the instance allowed to write it

    def _visits(self, session: str) -> dict[str, int]:
        return dict(self.db.query("SELECT key, visit FROM fleet_visits WHERE session=?", (session,)))

    def apply(self, room: str, session: str, instance: str, ops: Iterable[tuple[int, str, str]]) -> int:
        """Store and apply ``ops`` (seq, kind, json body) not seen before; returns the last seq held.
        Operations from an instance that is no longer the session's current one are refused
        (it was replaced; its sequence numbers belong to the new one now)."""
        if self.fence.get(session, instance) != instance:
            return -1
        with self.db.transaction() as db:
            visits: dict[str, int] | None = None
            for seq, kind, body in ops:
                cur = db.execute("INSERT OR IGNORE INTO fleet_ops(session, seq, room, instance, kind, body)"
                                 " VALUES (?, ?, ?, ?, ?, ?)", (session, int(seq), room, instance, kind, body))
                if cur.rowcount != 1:
                    continue  # already applied: a retried flush
                if visits is None:
                    visits = self._visits(session)
                before = dict(visits)
                apply_op(self.db, session, Op(int(seq), kind, json.loads(body)), visits)
                for key in visits.keys() - before.keys():
                    db.execute("INSERT OR IGNORE INTO fleet_visits(session, key, visit) VALUES (?, ?, ?)",
                               (session, key, visits[key]))
        return self.last_seq(session)

    def last_seq(self, session: str) -> int:
        r = self.db.query("SELECT MAX(seq) FROM fleet_ops WHERE session=?", (session,))
        return int(r[0][0] or 0)

    def ops(self, session: str) -> list[Op]:
        return [Op(s, k, json.loads(b)) for s, k, b in
                self.db.query("SELECT seq, kind, body FROM fleet_ops WHERE session=? ORDER BY seq", (session,))]

    def max_cid(self, session: str) -> int:
        r = self.db.query("SELECT MAX(cid) FROM comments WHERE session=?", (session,))
        return int(r[0][0] or 0)

    def hand_over(self, room: str, session: str, old: str | None, new: str, wall: float | None = None) -> int:
        """Make ``new`` the session's writer. The replaced instance's viewers are gone with it:
        their open visits are closed now (as an operation of their own, so a replaying room
        sees the same). Returns the sequence number the new instance continues after."""
        self.fence[session] = new
        if old:
            wall = wall if wall is not None else time.time()
            keys = [k for k, in self.db.query("SELECT key FROM fleet_visits WHERE session=? AND key LIKE ?",
                                                (session, f"{old}:%"))]
            open_keys = [k for k in keys if self._is_open(session, k)]
            if open_keys:
                seq = self.last_seq(session)
                self.fence[session] = "supervisor"
                self.apply(room, session, "supervisor",
                           [(seq + i + 1, "leave", json.dumps({"key": k, "wall": wall})) for i, k in enumerate(open_keys)])
                self.fence[session] = new
        return self.last_seq(session)

    def _is_open(self, session: str, key: str) -> bool:
        r = self.db.query("SELECT v.left IS NULL FROM fleet_visits f JOIN visits v ON v.id=f.visit"
                          " WHERE f.session=? AND f.key=?", (session, key))
        return bool(r and r[0][0])

    def numbers(self, session: str) -> dict[str, Any]:
        """What the fleet console shows per room."""
        if self.db.session(session) is None:
            return {"viewers": 0, "comments": 0, "answers": 0, "orders": 0, "gmv": 0.0}
        orders = self.db.orders_by_product(session)
        return {"viewers": self.db.viewers_current(session),
                "comments": sum(self.db.comments_summary(session).values()),
                "answers": self.db.answers_total(session), "orders": sum(o["orders"] for o in orders),
                "gmv": round(sum(o["gmv"] for o in orders), 2)}

    def close(self) -> None:
        self.db.close()
