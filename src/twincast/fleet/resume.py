"""Where a room was, so another instance can carry on from there.

Why the rundown is shifted rather than the clock: ``LiveShow`` asks its rundown what is on air
at *its own* media time, which starts at 0 in every new instance (the encoder, the recording
and the FLV feed all start at 0 too). A rundown rotated by the time already on air gives the
new instance exactly the schedule the old one had from that point on, hero slots included,
without touching the engine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..show.rundown import HeroSlot, Rundown, Slot

EPS_MIN = 1e-6


@dataclass(frozen=True)
class Checkpoint:
    """What a room instance reports about itself (persisted by the supervisor on the head)."""

    room: str
    session: str
    instance: str
    media_t: float  # seconds on air in this session, over all instances
    frames: int  # frames encoded by this instance
    slots: tuple[tuple[str, float], ...]  # the rundown as this instance had it (minutes, its own clock)
    hero: tuple[tuple[float, str, float], ...] = ()
    loop: bool = True
    base_t: float = 0.0  # media_t when this instance started
    status: str = "starting"
    dropped_frames: int = 0
    product: Optional[str] = None
    banner: Optional[str] = None
    camera: Optional[str] = None  # forced by the operator; None: the director's rules
    muted: bool = False
    node: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # viewers, answers, gmv for the console

    def rundown(self) -> Rundown:
        return Rundown([Slot(p, m) for p, m in self.slots], [HeroSlot(a, p, m) for a, p, m in self.hero], self.loop)


def rundown_fields(r: Rundown) -> dict[str, Any]:
    return {"slots": tuple((s.product_id, float(s.minutes)) for s in r.slots),
            "hero": tuple((float(h.at_minute), h.product_id, float(h.minutes)) for h in r.hero), "loop": bool(r.loop)}


def shift_rundown(r: Rundown, seconds: float) -> Rundown:
    """The rundown as seen from ``seconds`` into it: ``shift(r, s).product_at(t) ==
    r.product_at(s + t)`` for every t >= 0."""
    done = max(0.0, seconds) / 60.0
    hero = []
    for h in r.hero:
        end = h.at_minute + h.minutes
        if end - done <= EPS_MIN:
            continue
        start = max(0.0, h.at_minute - done)
        hero.append(HeroSlot(start, h.product_id, end - done - start))
    slots = [s for s in r.slots if s.minutes > EPS_MIN]
    if not slots:
        return Rundown([], hero, r.loop)
    cycle = sum(s.minutes for s in slots)
    if not r.loop and done >= cycle:
        return Rundown([], hero, False)
    m = done % cycle if r.loop else done
    for i, s in enumerate(slots):
        if m < s.minutes:
            break
        m -= s.minutes
    else:  # float rounding at the very end of the cycle
        i, m = len(slots) - 1, slots[-1].minutes
    cur = slots[i]
    rest = cur.minutes - m
    out = ([Slot(cur.product_id, rest)] if rest > EPS_MIN else []) + slots[i + 1:]
    if r.loop:  # the rest of the cycle, then the part of the current slot already shown: same period
        out += slots[:i] + ([Slot(cur.product_id, m)] if m > EPS_MIN else [])
    return Rundown(out, hero, r.loop)
