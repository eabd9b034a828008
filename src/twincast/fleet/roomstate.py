"""The supervisor's view of one room and the two questions its health watch asks of a room's
actor without blocking: did its start call fail, and does a room that went silent still answer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

from .spec import RoomSpec

PROBE_S = 1.5  # a room silent for dead_after_s is asked directly; no answer in this long: lost


@dataclass
class RoomState:
    """The supervisor's mutable view of one room (only the supervisor's threads touch it)."""

    spec: RoomSpec
    session: str
    instance: str = ""
    handle: Any = None
    begin_ref: Any = None
    launched: float = 0.0  # monotonic
    last_report: float = 0.0  # monotonic; 0: none from this instance yet
    frames: int = -1
    frames_moved: float = 0.0
    checkpoint: Optional[dict] = None
    node: str = ""
    restarts: int = 0
    stopped: bool = False
    error: Optional[str] = None
    events: list = field(default_factory=list)  # (wall, text): restarts and their reasons
    spare: Optional[tuple] = None  # (handle, instance, node, prepare ref) with standby: true
    probe: Optional[tuple] = None  # (status ref, monotonic sent) while a silent room is asked directly


def probe(r: RoomState, now: float) -> Optional[bool]:
    """Whether a room that stopped reporting still answers when asked: None while the
    question is out. Why: on a loaded machine a live room's report can come late, and
    moving it then costs its viewers seconds of air; a dead process or node cannot answer,
    so a real loss costs at most ``PROBE_S`` more."""
    import ray

    if r.probe is None:
        r.probe = (r.handle.status.remote(), now)
        return None
    ref, sent = r.probe
    done, _ = ray.wait([ref], timeout=0)
    if not done and now - sent < PROBE_S:
        return None
    r.probe = None
    if not done:
        return False
    try:
        cp = ray.get(ref)
    except Exception:  # noqa: BLE001 - RayActorError: its process or node is gone
        return False
    r.last_report = now  # alive, only slow: the answer counts as a heartbeat
    if cp.get("frames", r.frames) != r.frames:
        r.frames, r.frames_moved = cp["frames"], now
    r.events.append((time.time(), f"{r.instance} late to report but answered when asked"))
    del r.events[:-20]
    return True

def begin_failed(r: RoomState) -> Optional[str]:
    import ray

    if r.begin_ref is None:
        return None
    done, _ = ray.wait([r.begin_ref], timeout=0)
    if not done:
        return None
    try:
        ray.get(r.begin_ref)
    except Exception as exc:  # noqa: BLE001 - RayActorError, the room's own exception
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    r.begin_ref = None
    return None
