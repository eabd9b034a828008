"""The web process's side of ``process.py``: the show as seen through two pipes, and the
process's main function.

``RemoteShow`` is a :class:`~twincast.live.api.ShowControl` whose calls go to the show process
(several may be in flight: replies are matched by id) and whose events and FLV arrive already
stamped from the show's media clock, to be fanned out here to the app's subscribers.
"""

from __future__ import annotations

import itertools
import logging
import queue
import signal
import sys
import threading
from dataclasses import replace
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Optional

from ..api import EventHub

log = logging.getLogger("twincast.live.web")
CALL_TIMEOUT_S = 20.0


class ShowUnavailable(RuntimeError):
    """The show process did not answer (gone, or stuck longer than ``CALL_TIMEOUT_S``)."""


class _Pending:
    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done, self.ok, self.value = threading.Event(), False, None


class RemoteShow(EventHub):
    def __init__(self, calls: Connection, catalog_dir: Optional[str], has_product_image: bool) -> None:
        EventHub.__init__(self)
        self.calls = calls
        self._catalog_dir = Path(catalog_dir) if catalog_dir else None
        self._has_image = has_product_image
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._flv_subs: list[queue.Queue] = []
        self._flv_lock = threading.Lock()

    # ---- calls --------------------------------------------------------------------------------
    def _call(self, name: str, *args: Any) -> Any:
        call_id, slot = next(self._ids), _Pending()
        self._pending[call_id] = slot
        try:
            with self._lock:
                self.calls.send((call_id, name, args))
            if not slot.done.wait(CALL_TIMEOUT_S):
                raise ShowUnavailable(f"the show did not answer {name} within {CALL_TIMEOUT_S:.0f} s")
        except (OSError, ValueError, EOFError):
            raise ShowUnavailable("the show process is gone") from None
        finally:
            self._pending.pop(call_id, None)
        if not slot.ok:
            raise slot.value
        return slot.value

    def send_control(self, msg: tuple) -> None:
        with self._lock:
            self.calls.send(msg)

    def resolve(self, call_id: int, ok: bool, value: Any) -> None:
        slot = self._pending.get(call_id)
        if slot is not None:
            slot.ok, slot.value = ok, value
            slot.done.set()

    def fail_all(self) -> None:
        for slot in list(self._pending.values()):
            slot.ok, slot.value = False, ShowUnavailable("the show process is gone")
            slot.done.set()

    def post_comment(self, user: str, text: str) -> dict[str, Any]:
        return self._call("post_comment", user, text)

    def products(self):
        return self._call("products")

    def on_air(self) -> dict[str, Any]:
        return self._call("on_air")

    def start(self) -> None:
        self._call("start")

    def stop(self) -> None:
        self._call("stop")

    def skip_product(self) -> None:
        self._call("skip_product")

    def reorder(self, product_ids: list[str]) -> None:
        self._call("reorder", list(product_ids))

    def pin_comment(self, text: str) -> None:
        self._call("pin_comment", text)

    def say_next(self, text: str, speaker: str = "host") -> None:
        self._call("say_next", text, speaker)

    def switch_camera(self, camera: Optional[str]) -> None:
        self._call("switch_camera", camera)

    def mute(self, muted: bool) -> None:
        self._call("mute", muted)

    def play_clip(self, path: str) -> None:
        self._call("play_clip", path)

    def product_image(self, product_id: str) -> Optional[Path]:
        return self._call("product_image", product_id) if self._has_image else None

    def catalog_dir(self) -> Optional[Path]:
        return self._catalog_dir

    def use_stock(self, remaining) -> None:
        """Nothing to do here: the show process reads the same stock table itself."""

    # ---- feeds from the show --------------------------------------------------------------------
    def deliver_event(self, ev) -> None:
        """An event already stamped by the show: straight to every subscriber (emitting it again
        would stamp it with this process's clocks)."""
        for q in list(self._event_subs):
            q.put(ev)

    def deliver_flv(self, batch: list) -> None:
        with self._flv_lock:
            subs = list(self._flv_subs)
        for item in batch:
            for q in subs:
                q.put(item)

    def subscribe_flv(self) -> "queue.Queue[bytes | None]":
        q: queue.Queue = queue.Queue()
        with self._flv_lock:
            self._flv_subs.append(q)
        self._call("flv_on")  # (re)starts the show's forwarder: a new one begins with the header
        return q

    def unsubscribe_flv(self, q) -> None:
        with self._flv_lock:
            if q in self._flv_subs:
                self._flv_subs.remove(q)
            last = not self._flv_subs
        if last:
            try:
                self._call("flv_off")
            except ShowUnavailable:
                pass


def web_main(calls: Connection, feed: Connection, spec) -> None:
    """The web process: build the app around a RemoteShow, serve until the show process says
    stop (or is gone), then close the session. Ctrl-C reaches the whole process group: this
    process ignores it and waits for the show's word, so the session's last events are kept."""
    from ..analytics import Analytics
    from .server import make_server

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    show = RemoteShow(calls, spec.catalog_dir, spec.has_product_image)
    if spec.analytics_factory is None:
        spec = replace(spec, analytics_factory=partial(Analytics, spec.analytics_path))
    # replies and feeds must flow while the app is built (the shop asks the show for products)
    reader = threading.Thread(target=_read_show, args=(show, calls, feed, stopping), name="web-remote", daemon=True)
    reader.start()
    analytics = server = None
    try:
        analytics = spec.analytics_factory()
        if spec.restart:  # the sockets of the process this one replaces are gone
            analytics.close_open_visits(spec.session_id)
        server = make_server(show, analytics, host=spec.host, port=spec.port, token=spec.token,
                             session_id=spec.session_id, title=spec.title, session_owner=spec.owner_pid,
                             **spec.app_kwargs)
        error = server.start_thread()
    except Exception as exc:  # noqa: BLE001 - reported to the show process, which raises it
        error = f"{type(exc).__name__}: {exc}"
    show.send_control(("ready", server.port) if error is None else ("error", error))
    while error is None and not stopping.wait(0.2) and reader.is_alive() and server.thread.is_alive():
        pass
    if server is not None:
        server.stop()
    if analytics is not None:
        analytics.close()


def _read_show(show: RemoteShow, calls: Connection, feed: Connection, stopping: threading.Event) -> None:
    """Until the show process is gone. Still reading after its "stop": the app's shutdown makes
    calls of its own (a socket's last unsubscribe) that need their replies."""
    try:
        while True:
            for conn in wait([calls, feed], timeout=0.5):
                msg = conn.recv()
                if conn is calls:
                    show.resolve(*msg)
                elif msg[0] == "event":
                    show.deliver_event(msg[1])
                elif msg[0] == "flv":
                    show.deliver_flv(msg[1])
                elif msg[0] == "stop":
                    stopping.set()
    except (EOFError, OSError):  # the show process is gone: stop serving a dead show
        stopping.set()
    finally:
        show.fail_all()


def main(argv: list[str]) -> None:
    """``python -m twincast.live.web.remote CALLS_FD FEED_FD``: the two pipe ends the show
    process passed down; the first message on CALLS is the ``WebSpec``."""
    calls, feed = Connection(int(argv[0])), Connection(int(argv[1]), writable=False)
    try:
        spec = calls.recv()
    except (EOFError, OSError):
        return
    web_main(calls, feed, spec)


if __name__ == "__main__":
    main(sys.argv[1:])
