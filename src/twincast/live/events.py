"""What a show tells the world: one frozen dataclass per event kind.

Why typed: the engine, :class:`~twincast.live.fake_show.FakeShow`, the web hub and analytics
used to trade a kind string and a free dict, so a fake could emit a kind the real engine never
did (or misspell a field) and the web tests still passed while the real show broke. Now an
event is built from its class, an unknown kind or field is a ``TypeError`` at the emitting
line, and the contract test (tests/test_live_contract.py) holds both shows to the same kinds.

The browser still receives the old JSON: ``{"kind", "t", "wall", "data"}``, ``data`` holding
the fields under their wire names (the ``say`` event's line kind travels as ``"kind"``).
Optional fields that are None are left out of ``data`` unless marked ``keep``, as the old
dicts left them out. A new kind is one more class here with ``@register``; nothing else
changes (the hub forwards every kind to the operator console, analytics stores it).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

EVENT_TYPES: dict[str, type["LiveEvent"]] = {}


def register(cls: type["LiveEvent"]) -> type["LiveEvent"]:
    EVENT_TYPES[cls.KIND] = cls
    return cls


def keep(default: Any = None) -> Any:
    """A field that is sent even when None (the old wire format had it as ``null``)."""
    return field(default=default, metadata={"keep": True})


@dataclass(frozen=True, kw_only=True)
class LiveEvent:
    """Base of every show event: when it happened on the media clock and on the wall."""

    KIND: ClassVar[str] = "event"
    WIRE: ClassVar[dict[str, str]] = {}  # field name -> name in ``data`` when they differ
    t: float = 0.0  # seconds on the show's media clock (0 = first frame)
    wall: float = 0.0  # time.time() when it happened

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("t", "wall"):
                continue
            value = getattr(self, f.name)
            if value is None and not f.metadata.get("keep") and f.default is not dataclasses.MISSING:
                continue
            out[self.WIRE.get(f.name, f.name)] = list(value) if isinstance(value, tuple) else value
        return out

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "t": self.t, "wall": self.wall, "data": self.data}

    def stamped(self, t: float, wall: float | None = None) -> "LiveEvent":
        return dataclasses.replace(self, t=round(t, 3), wall=time.time() if wall is None else wall)

    @classmethod
    def from_data(cls, data: dict[str, Any], t: float = 0.0, wall: float = 0.0) -> "LiveEvent":
        """The event from wire-named fields (the old ``emit(kind, **data)`` shape); an unknown
        field raises TypeError naming it."""
        back = {wire: name for name, wire in cls.WIRE.items()}
        names = {f.name for f in dataclasses.fields(cls)}
        args = {}
        for key, value in data.items():
            name = back.get(key, key)
            if name not in names or name in ("t", "wall"):
                raise TypeError(f"{cls.KIND} event has no field {key!r} (fields: {sorted(names - {'t', 'wall'})})")
            args[name] = tuple(value) if isinstance(value, list) else value
        return cls(t=t, wall=wall, **args)


@register
@dataclass(frozen=True)
class CommentEvent(LiveEvent):
    """A viewer comment and the moderator's decision about it."""

    KIND: ClassVar[str] = "comment"
    id: int = 0
    user: str = ""
    text: str = ""
    action: str = "answer"  # answer | check | silent | ...
    reason: Optional[str] = keep()
    intent: Optional[str] = keep()
    product: Optional[str] = keep()


@register
@dataclass(frozen=True)
class SayEvent(LiveEvent):
    """A line an avatar starts saying (``t`` = its first frame). ``answers``: the comment ids
    it answers."""

    KIND: ClassVar[str] = "say"
    WIRE: ClassVar[dict[str, str]] = {"line": "kind"}
    speaker: str = "host"
    text: str = ""
    line: str = "script"  # the beat kind: script | answer | operator | stock | ...
    product: Optional[str] = keep()
    camera: Optional[str] = keep()
    answers: tuple[int, ...] = ()


@register
@dataclass(frozen=True)
class ProductEvent(LiveEvent):
    """The product on air changed."""

    KIND: ClassVar[str] = "product"
    product: Optional[str] = keep()


@register
@dataclass(frozen=True)
class StreamEvent(LiveEvent):
    """Stream state: on_air, stopped, error, and an RTMP output going up or down."""

    KIND: ClassVar[str] = "stream"
    state: str = "on_air"  # on_air | stopped | error | up | down
    recording: Optional[str] = None
    url: Optional[str] = None  # an RTMP output (masked by whoever stores or shows it)
    error: Optional[str] = None


@register
@dataclass(frozen=True)
class OperatorEvent(LiveEvent):
    """What an operator command did (for the console and the report)."""

    KIND: ClassVar[str] = "operator"
    action: str = ""  # skip | reorder | pin | say | say_blocked | camera | mute | clip_*
    text: Optional[str] = None
    camera: Optional[str] = None
    muted: Optional[bool] = None
    products: Optional[tuple[str, ...]] = None
    path: Optional[str] = None
    terms: Optional[tuple[str, ...]] = None


@register
@dataclass(frozen=True)
class VoiceEvent(LiveEvent):
    """A voice engine failed or was too slow and the backup voice said the line (state
    ``fallback``), or the primary voice answered again (``recovered``)."""

    KIND: ClassVar[str] = "voice"
    state: str = "fallback"  # fallback | recovered
    engine: str = ""  # the primary (remote) engine
    backup: str = ""  # the engine that spoke instead
    lang: Optional[str] = None
    reason: Optional[str] = None
    text: Optional[str] = None


def make_event(kind: str, data: dict[str, Any], t: float = 0.0, wall: float = 0.0) -> LiveEvent:
    """The typed event of ``kind`` from a dict (old call shape); unknown kinds raise TypeError."""
    if kind not in EVENT_TYPES:
        raise TypeError(f"unknown event kind {kind!r} (known: {', '.join(sorted(EVENT_TYPES))})")
    return EVENT_TYPES[kind].from_data(data, t, wall)


def Event(kind: str, t: float = 0.0, wall: float = 0.0, data: Optional[dict[str, Any]] = None) -> LiveEvent:  # noqa: N802
    """The old positional shape ``Event(kind, t, wall, data)``, kept for callers not yet moved
    to the typed classes."""
    return make_event(kind, dict(data or {}), t, wall)
