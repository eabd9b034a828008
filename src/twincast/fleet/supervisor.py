"""The supervisor: a detached actor on the head node that starts the rooms, keeps the ledger,
restarts rooms that die or stall, and serves the fleet console.

Why it decides by the rooms' reports and its own clock: when a worker node is killed, Ray marks
its actors dead only after its node health checks fail (about 15-30 s with default settings),
far over the 10 s a room may be off air. A room that has not reported for ``dead_after_s`` is
asked directly (``roomstate.probe``: on a loaded machine a live room may only be late); if it
does not answer within ``PROBE_S`` it is replaced at once, on another node, and fenced off in
the ledger so that, if it was only cut off rather than dead, it can no longer write the session
and leaves the air at its next report.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Optional

from .ledger import Ledger
from .roomstate import RoomState, begin_failed, probe
from .spec import FleetSpec

log = logging.getLogger("twincast.fleet")
TICK_S = 0.25


class Supervisor:
    def __init__(self, spec: dict, state_dir: str, token: str, room_actor: Any = None) -> None:
        logging.basicConfig(level=logging.INFO)
        self.spec = FleetSpec.model_validate(spec)
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.ledger = Ledger(self.state_dir / "analytics.db")
        self.room_actor = room_actor
        self.lock = threading.RLock()
        saved = self._load_state()
        self.rooms = {r.name: RoomState(r, saved.get(r.name, {}).get("session") or _new_session(r.name),
                                        checkpoint=saved.get(r.name, {}).get("checkpoint"))
                      for r in self.spec.rooms}
        self._stop = threading.Event()
        self._health: Optional[threading.Thread] = None
        self.console = None
        self._saved_at = 0.0
        self.head = ""  # the head node's id, known once up() runs inside Ray

    # ---- persistence on the head's disk -----------------------------------------------------
    def _state_file(self) -> Path:
        return self.state_dir / "state.json"

    def _load_state(self) -> dict:
        try:
            return json.loads(self._state_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_state(self) -> None:
        data = {n: {"session": r.session, "checkpoint": r.checkpoint, "stopped": r.stopped}
                for n, r in self.rooms.items()}
        tmp = self._state_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self._state_file())

    # ---- starting rooms -----------------------------------------------------------------------
    def up(self) -> dict:
        from .console import serve_console

        import ray

        from .cluster import head_node

        self.head = head_node(ray) or ray.get_runtime_context().get_node_id()
        with self.lock:
            for r in self.rooms.values():
                if r.handle is None and not r.stopped:
                    self._launch(r, None, "up")
        if self._health is None:
            self._health = threading.Thread(target=self._watch, name="fleet-health", daemon=True)
            self._health.start()
        if self.console is None:
            self.console = serve_console(self, self.spec.console.bind, self.spec.console.port, self.token)
        return {"console": self.console.url, "token": self.token, "rooms": sorted(self.rooms)}

    def _placement(self, exclude: set[str], cpus: float):
        """(strategy, node) for a node with room for ``cpus`` outside ``exclude`` (by this
        supervisor's own count of what it placed where), or None when there is none. Rooms are
        spread (the node running fewest rooms first): a lost node then takes the fewest rooms."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        used: dict[str, float] = {}
        count: dict[str, int] = {}
        for r in self.rooms.values():
            if r.handle is not None and r.node:
                used[r.node] = used.get(r.node, 0.0) + r.spec.cpus
                count[r.node] = count.get(r.node, 0) + 1
        fits = []
        for n in ray.nodes():
            nid = n.get("NodeID")
            if not n.get("Alive") or nid in exclude:
                continue
            free = float(n.get("Resources", {}).get("CPU", 0.0)) - used.get(nid, 0.0)
            if free >= cpus:
                fits.append((count.get(nid, 0), -free, nid))
        if not fits:
            return None
        best = min(fits)[2]  # spread: the node running fewest rooms, then the one with most CPU free
        return NodeAffinitySchedulingStrategy(node_id=best, soft=False), best

    def _new_actor(self, r: RoomState, instance: str, cpus: float, strategy):
        import ray

        if self.room_actor is None:
            from .room import Room

            self.room_actor = ray.remote(Room)
        me = ray.get_runtime_context().current_actor
        return self.room_actor.options(num_cpus=cpus, max_concurrency=8, max_restarts=0,
                                       scheduling_strategy=strategy).remote(
            r.spec.model_dump(mode="json"), r.session, instance, self.token, me)

    def _launch(self, r: RoomState, exclude_node: Optional[str], reason: str) -> None:
        """A new instance of ``r`` on air from its checkpoint: its warm spare if it has a ready
        one away from ``exclude_node``, else a new actor (on another node when one has room)."""
        old = r.instance or None
        if r.handle is not None:
            self._kill(r.handle)
        spare = self._take_spare(r, exclude_node)
        if spare is not None:
            r.handle, r.instance, r.node = spare
            how = "warm spare"
        else:
            r.instance = f"{r.spec.name}-{r.restarts}-{uuid.uuid4().hex[:6]}"
            placed = self._placement({exclude_node} if exclude_node else set(), r.spec.cpus)
            strategy, node = placed if placed else ("SPREAD", "")
            r.handle, r.node = self._new_actor(r, r.instance, r.spec.cpus, strategy), node
            how = "new actor"
        last = self.ledger.hand_over(r.spec.name, r.session, old, r.instance)
        resume = {"checkpoint": r.checkpoint, "last_seq": last, "base_cid": self.ledger.max_cid(r.session),
                  "ops": [(op.seq, op.kind, op.body) for op in self.ledger.ops(r.session)]}
        r.begin_ref = r.handle.begin.remote(resume)
        r.launched, r.last_report, r.frames, r.frames_moved = time.monotonic(), 0.0, -1, time.monotonic()
        r.probe = None
        r.error = None
        r.events.append((time.time(), f"{reason}: {how} {r.instance}" + (f" (was {old})" if old else "")))
        del r.events[:-20]
        log.info("room %s: %s -> %s %s", r.spec.name, reason, how, r.instance)

    # ---- warm spares (fleet.yaml `standby: true`) ---------------------------------------------
    def _take_spare(self, r: RoomState, exclude_node: Optional[str]):
        """The room's spare as (handle, instance, node) if it finished loading and is not on
        ``exclude_node``; a spare that failed to load is dropped."""
        import ray

        if r.spare is None:
            return None
        handle, instance, node, ref = r.spare
        done, _ = ray.wait([ref], timeout=0)
        if not done or node == exclude_node:
            return None
        r.spare = None
        try:
            ray.get(ref)
        except Exception:  # noqa: BLE001 - its node died or loading failed: start cold instead
            self._kill(handle)
            return None
        return handle, instance, node

    def _ensure_spare(self, r: RoomState) -> None:
        """Once a room is on air, a spare loads its show on another node (no CPU reserved: it
        idles until it takes over)."""
        if r.spare is not None and self._spare_state(r) == "failed":  # its node went, or loading failed
            self._kill(r.spare[0])
            r.spare = None
        standby = self.spec.standby if r.spec.standby is None else r.spec.standby
        if not standby or r.spare is not None or r.stopped or not r.last_report or not r.node:
            return
        placed = self._placement({r.node}, 0.0)
        if placed is None:
            return  # one node: nowhere to keep a spare that survives this node
        strategy, node = placed
        instance = f"{r.spec.name}-spare-{uuid.uuid4().hex[:6]}"
        handle = self._new_actor(r, instance, 0, strategy)
        r.spare = (handle, instance, node, handle.prepare.remote())

    @staticmethod
    def _kill(handle) -> None:
        import ray

        try:
            ray.kill(handle, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    # ---- reports and health -------------------------------------------------------------------
    def report(self, room: str, instance: str, ops: list, checkpoint: dict) -> dict:
        with self.lock:
            r = self.rooms.get(room)
            if r is None or r.instance != instance:
                return {"fenced": True, "acked": -1}
            rows = [(seq, kind, json.dumps(body, ensure_ascii=False, default=str) if not isinstance(body, str) else body)
                    for seq, kind, body in ops]
            acked = self.ledger.apply(room, r.session, instance, rows)
            now = time.monotonic()
            if not r.last_report:
                r.events.append((time.time(), f"{instance} reporting {now - r.launched:.1f} s after its start call"))
            r.last_report, r.probe = now, None
            if checkpoint.get("frames", -1) != r.frames:
                r.frames, r.frames_moved = checkpoint["frames"], now
            r.checkpoint, r.node = checkpoint, checkpoint.get("node") or r.node
            if time.time() - self._saved_at > 1.0:
                self._save_state()
                self._saved_at = time.time()
            return {"fenced": acked < 0, "acked": acked}

    def _watch(self) -> None:
        h = self.spec.health
        while not self._stop.wait(TICK_S):
            with self.lock:
                for r in self.rooms.values():
                    try:
                        self._check(r, h)
                    except Exception:  # noqa: BLE001 - one room's trouble must not stop the watch
                        log.exception("health check of room %s failed", r.spec.name)

    def _check(self, r: RoomState, h) -> None:
        if r.stopped or r.handle is None:
            return
        now = time.monotonic()
        failed = begin_failed(r)
        if failed:
            r.error = failed
        if r.restarts >= h.max_restarts and (failed or (r.last_report and now - r.last_report > h.dead_after_s)):
            r.stopped, r.error = True, f"{failed or 'lost'}; gave up after {r.restarts} restarts"
            self._kill(r.handle)
            return
        reason, exclude = None, None
        status = (r.checkpoint or {}).get("status")
        if failed:
            if now - r.launched < min(2.0 ** r.restarts, 60.0):
                return  # a start that fails fails again at once: back off (1, 2, 4 ... 60 s)
            reason = f"start failed ({failed})"
        elif r.last_report and status == "stopped":
            r.stopped, r.error = True, "the show ended (its rundown is over)"
            return
        elif r.last_report == 0.0:
            if now - r.launched > h.start_timeout_s:
                reason, exclude = f"not on air {h.start_timeout_s:.0f} s after start", r.node
        elif now - r.last_report > h.dead_after_s:
            alive = probe(r, now)
            if alive is None:
                return  # asked; its answer (or its silence) decides at a later tick
            if alive:
                return
            reason, exclude = f"no report for {now - r.last_report:.1f} s (process or node lost)", r.node
        elif status in ("on_air", "error") and now - r.frames_moved > h.stall_s:
            reason, exclude = f"no new frame for {now - r.frames_moved:.1f} s", None
        if reason:
            r.restarts += 1
            self._launch(r, exclude, reason)
        else:
            self._ensure_spare(r)

    # ---- what the console and the CLI ask -----------------------------------------------------
    def status(self) -> list[dict]:
        out = []
        with self.lock:
            now = time.monotonic()
            for name, r in sorted(self.rooms.items()):
                cp = r.checkpoint or {}
                live = not r.stopped and r.last_report and now - r.last_report <= self.spec.health.dead_after_s
                state = ("stopped" if r.stopped else cp.get("status", "starting") if live
                         else "starting" if not r.last_report else "lost")
                out.append({"room": name, "state": state, "session": r.session, "instance": r.instance,
                            "node": r.node, "media_t": cp.get("media_t", 0.0), "frames": cp.get("frames", 0),
                            "dropped_frames": cp.get("dropped_frames", 0), "product": cp.get("product"),
                            "url": (cp.get("extra") or {}).get("url"), "port": r.spec.port,
                            "timings": (cp.get("extra") or {}).get("timings") or {},
                            "pid": (cp.get("extra") or {}).get("pid"),
                            "restarts": r.restarts, "error": r.error, "events": list(r.events[-5:]),
                            "on_head": bool(r.node) and r.node == self.head, "spare": self._spare_state(r),
                            **self.ledger.numbers(r.session)})
        return out

    @staticmethod
    def _spare_state(r: RoomState) -> Optional[str]:
        import ray

        if r.spare is None:
            return None
        if not ray.wait([r.spare[3]], timeout=0)[0]:
            return "loading"
        try:
            ray.get(r.spare[3], timeout=1)
        except Exception:  # noqa: BLE001 - RayActorError (node lost), the room's own load error
            return "failed"
        return "ready"

    def ledger_rows(self, session: str, table: str) -> list[tuple]:
        """Raw rows of one ledger table for one session (tests and reports)."""
        if table not in ("comments", "says", "events", "visits", "orders", "fleet_ops"):
            raise ValueError(table)
        return self.ledger.db.query(f"SELECT * FROM {table} WHERE session=?", (session,))

    def operate(self, room: str, action: str, args: dict) -> dict:
        import ray

        with self.lock:
            r = self.rooms.get(room)
            handle = r.handle if r is not None and not r.stopped else None
        if handle is None:
            raise ValueError(f"no room {room!r} on air")
        return ray.get(handle.operate.remote(action, args), timeout=10)

    def stop_room(self, room: str) -> dict:
        import ray

        with self.lock:
            r = self.rooms[room]
            r.stopped = True
            handle = r.handle
            if r.spare is not None:
                self._kill(r.spare[0])
                r.spare = None
        res = {}
        if handle is not None:
            try:
                res = ray.get(handle.stop.remote(), timeout=60)
            except Exception as exc:  # noqa: BLE001 - it may be dead already
                res = {"error": type(exc).__name__}
            self._kill(handle)
        with self.lock:
            r.handle = None
            self._save_state()
        return {"room": room, **res}

    def down(self) -> dict:
        out = [self.stop_room(name) for name in list(self.rooms)]
        self._stop.set()
        if self.console is not None:
            self.console.stop()
        return {"rooms": out}

    def ping(self) -> bool:
        return True


def _new_session(room: str) -> str:
    return f"{room}-" + time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
