"""The contract between the real-time show engine and everything around it (web server,
console, analytics, tests). The engine implements :class:`ShowControl`; the web layer only
ever talks to that, so either side can be replaced or tested alone.

Events flow out of the engine through ``subscribe_events``: every comment decision, every
line the avatars start saying (with the media time of its first frame), camera and product
changes, stream state. Analytics and the viewer page's chat both consume the same events.
"""

from __future__ import annotations

import queue
import re
import time
from dataclasses import dataclass
from typing import Any, Optional, Protocol

from .events import Event, LiveEvent, make_event  # noqa: F401 - Event: the old shape, re-exported


# rtmp://host/app/KEY -> rtmp://host/app/****; user:password@ and ?token=... likewise. The stream
# key is the password of a live channel: whoever has it can broadcast in the shop's name.
_RTMP_KEY = re.compile(r"(rtmps?://[^/\s\"']+/[^/\s\"'?]+/)([^\s\"'?]+)", re.IGNORECASE)
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@\"']+:)([^@\s/\"']+)(@)", re.IGNORECASE)
_QUERY_SECRET = re.compile(r"([?&](?:token|key|secret|auth|sign|signature|password|passwd|pwd|streamkey|"
                           r"stream_key|txsecret|txtime|auth_key)=)([^&\s\"']+)", re.IGNORECASE)
MASK = "****"


def mask_secrets(value: Any) -> Any:
    """``value`` with stream keys, URL passwords and secret query parameters replaced by ****;
    strings inside dicts, lists and tuples too. Used before anything is stored or logged."""
    if isinstance(value, str):
        s = _RTMP_KEY.sub(lambda m: m.group(1) + MASK, value)
        s = _USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), s)
        return _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, s)
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_secrets(v) for v in value)
    return value


@dataclass(frozen=True)
class ProductInfo:
    id: str
    link: Optional[int]
    name: str
    price: float
    promo_price: Optional[float]
    currency: str
    stock: int
    image_url: Optional[str]


class EventHub:
    """Fan-out of show events to any number of subscriber queues (web chat, analytics,
    tests); subclasses say what the media clock is."""

    def __init__(self) -> None:
        self._event_subs: list[queue.Queue] = []

    def media_time(self) -> float:
        return 0.0

    def emit(self, event: "LiveEvent | str", /, **data: Any) -> None:
        """Stamp ``event`` (a typed event from twincast.live.events) with the media and wall
        clocks and hand it to every subscriber. The old shape ``emit("say", text=...)`` still
        works: the kind's class is built from the fields (an unknown one raises TypeError)."""
        if isinstance(event, str):
            event = make_event(event, data)
        elif data:
            raise TypeError("pass either a typed event or a kind with fields, not both")
        ev = event.stamped(self.media_time(), time.time())
        for q in list(self._event_subs):
            q.put(ev)

    def close_events(self) -> None:
        for q in list(self._event_subs):
            q.put(None)

    def subscribe_events(self) -> "queue.Queue[LiveEvent]":
        q: queue.Queue = queue.Queue()
        self._event_subs.append(q)
        return q

    def unsubscribe_events(self, q: "queue.Queue[LiveEvent]") -> None:
        if q in self._event_subs:
            self._event_subs.remove(q)


class ShowControl(Protocol):
    """What the engine offers. All methods are thread-safe and return quickly."""

    # viewers
    def post_comment(self, user: str, text: str) -> dict[str, Any]:
        """Moderate and queue a viewer comment; returns the decision (action, reason, intent,
        product_id, reply if any) as a dict. The spoken answer arrives later as a ``say`` event
        with ``data["answers"]`` listing the comment ids it answers."""

    def products(self) -> list[ProductInfo]: ...

    def on_air(self) -> dict[str, Any]:
        """Current product id, camera, speaker, subtitle, media time, stream status."""

    # operator console
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def skip_product(self) -> None: ...

    def reorder(self, product_ids: list[str]) -> None: ...

    def pin_comment(self, text: str) -> None:
        """Show ``text`` as a pinned banner on the video until unpinned (empty text)."""

    def say_next(self, text: str, speaker: str = "host") -> None:
        """Queue an operator line; it passes the compliance filter like any other line."""

    def switch_camera(self, camera: Optional[str]) -> None:
        """Force a camera ("wide", "host", "product", "pip"), or None to return to the rules."""

    def mute(self, muted: bool) -> None: ...

    def play_clip(self, path: str) -> None:
        """Play a prerecorded MP4 (video and audio) on air, then return to the show."""

    # media and events
    def subscribe_flv(self) -> "queue.Queue[bytes | None]":
        """A queue of FLV bytes: first the header and sequence headers, then live tags from
        the next keyframe. ``None`` marks the end of the stream."""

    def unsubscribe_flv(self, q: "queue.Queue[bytes | None]") -> None: ...

    def subscribe_events(self) -> "queue.Queue[LiveEvent]": ...

    def unsubscribe_events(self, q: "queue.Queue[LiveEvent]") -> None: ...

    # optional (the web layer uses them when present)
    # def product_image(self, product_id: str) -> Path | None: the shelf picture; served only
    #     from inside catalog_dir().
    # def catalog_dir(self) -> Path | None: the catalog file's folder (images are confined to it).
    # def use_stock(self, remaining: Callable[[str], int | None]) -> None: the shop's live stock
    #     (``Shop.remaining_stock``); products() and the host's stock lines should say
    #     ``remaining(pid)`` when it is not None, else the catalog's stock.
