"""Run the web layer in a process of its own (``twincast live``'s default).

Why a process: in one process the web server's Python (parsing and refusing a flood of
requests, feeding hundreds of sockets) and the render loop share one GIL. Under the hostile
flood of ``benchmarks/abuse.py`` the show either held or collapsed within a second and stayed
collapsed (69-99 % of frames repeated), a GIL convoy no switch interval fixed (docs/security.md,
docs/performance.md). Here the web layer has its own interpreter: the show process only sees
one call per *accepted* comment, order or console action, and two forwarding threads (events,
FLV) that spend their time waiting in the kernel.

The web process talks to the show through the same :class:`~twincast.live.api.ShowControl` as
in-process (``RemoteShow`` here), so the app, its limits and its tests are the same code. Two
pipes: ``calls`` (web -> show requests and their replies, plus start/stop control) and ``feed``
(show -> web: events, FLV bytes). Stock is shared through the analytics database, as it already
was between processes (``live/shop.py``): the show reads it with a connection of its own.
"""

from __future__ import annotations

import logging
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable, Optional

from .hub import take_batch

log = logging.getLogger("twincast.live.web")

# What the web process may ask of the show: ShowControl's methods and the optional image lookup.
CALLS = frozenset({"post_comment", "products", "on_air", "start", "stop", "skip_product", "reorder", "pin_comment",
                   "say_next", "switch_camera", "mute", "play_clip", "product_image", "flv_on", "flv_off"})


@dataclass(frozen=True)
class WebSpec:
    """Everything the web process needs to build the app (all picklable)."""
    host: str
    port: int
    token: str
    session_id: str
    title: str
    analytics_path: str
    catalog_dir: Optional[str]
    has_product_image: bool
    app_kwargs: dict[str, Any] = field(default_factory=dict)
    analytics_factory: Optional[Callable[[], Any]] = None


def _portable_error(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any unpicklable exception becomes its message
        return RuntimeError(f"{type(exc).__name__}: {exc}")


# ---- show side ------------------------------------------------------------------------------------
class ShowBridge:
    """In the show's process: answers the web process's calls and forwards events and FLV."""

    def __init__(self, show, calls: Connection, feed: Connection, workers: int = 4) -> None:
        self.show, self.calls, self.feed = show, calls, feed
        self._send_lock, self._feed_lock = threading.Lock(), threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="web-bridge")
        self._stop = threading.Event()
        self._flv_stop: Optional[threading.Event] = None
        self.started, self.startup = threading.Event(), ("error", "the web process ended before it started")
        self._threads = [threading.Thread(target=self._serve_calls, name="web-bridge-calls", daemon=True),
                         threading.Thread(target=self._forward_events, name="web-bridge-events", daemon=True)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        if self._flv_stop is not None:
            self._flv_stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _serve_calls(self) -> None:
        try:
            while not self._stop.is_set():
                msg = self.calls.recv()
                if msg[0] in ("ready", "error"):  # the web process's start-up word
                    self.startup = msg
                    self.started.set()
                else:
                    self._pool.submit(self._answer, *msg)
        except (EOFError, OSError, RuntimeError, TypeError):  # the web process is gone, or we are stopping
            pass
        finally:
            self.started.set()

    def send_stop(self) -> None:
        """On the feed, so the web process has every event the show emitted before it stops."""
        self._send_feed("stop", None)

    def _answer(self, call_id: int, name: str, args: tuple) -> None:
        try:
            if name not in CALLS:
                raise PermissionError(f"the web process may not call {name!r}")
            if name == "flv_on":
                value = self._flv_on()
            elif name == "flv_off":
                value = self._flv_off()
            else:
                value = getattr(self.show, name)(*args)
            reply = (call_id, True, value)
        except Exception as exc:  # noqa: BLE001 - the caller re-raises it in the web process
            reply = (call_id, False, _portable_error(exc))
        try:
            with self._send_lock:
                self.calls.send(reply)
        except (OSError, ValueError):
            pass

    def _send_feed(self, kind: str, item: Any) -> bool:
        try:
            with self._feed_lock:
                self.feed.send((kind, item))
            return True
        except (OSError, ValueError):
            return False

    def _forward_events(self) -> None:
        q = self.show.subscribe_events()
        try:
            while not self._stop.is_set():
                try:
                    ev = q.get(timeout=0.5)
                except queue.Empty:
                    continue
                if not self._send_feed("event", ev):
                    return
                if ev is None:  # the show ended its events: listen again for a restart
                    self.show.unsubscribe_events(q)
                    q = self.show.subscribe_events()
        finally:
            self.show.unsubscribe_events(q)

    def _flv_on(self) -> bool:
        if self._flv_stop is not None and not self._flv_stop.is_set():
            return True
        stop = self._flv_stop = threading.Event()
        threading.Thread(target=self._forward_flv, args=(stop,), name="web-bridge-flv", daemon=True).start()
        return True

    def _flv_off(self) -> bool:
        if self._flv_stop is not None:
            self._flv_stop.set()
        return True

    def _forward_flv(self, stop: threading.Event) -> None:
        """FLV tags in batches (a frame's video and audio tags in one send). Ends at the show's
        end of stream (``None``, forwarded): the web side subscribes again for a restart."""
        q = self.show.subscribe_flv()
        try:
            while not stop.is_set() and not self._stop.is_set():
                batch = take_batch(q)
                if batch and (not self._send_feed("flv", batch) or batch[-1] is None):
                    stop.set()
        finally:
            self.show.unsubscribe_flv(q)


# ---- the process ------------------------------------------------------------------------------------
class WebProcess:
    """The running web process, with the face of ``LiveServer`` (url, console_url, stop)."""

    def __init__(self, proc, bridge: ShowBridge, spec: WebSpec, port: int, stock_db) -> None:
        self.proc, self.bridge, self.spec, self._port, self._stock_db = proc, bridge, spec, port, stock_db
        self.token, self.session_id = spec.token, spec.session_id

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    @property
    def exitcode(self) -> Optional[int]:
        return self.proc.poll()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.spec.host}]" if ":" in self.spec.host else self.spec.host
        return f"http://{host}:{self._port}"

    @property
    def console_url(self) -> str:
        return f"{self.url}/console?token={self.token}"

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the web process to close its session and exit; end it by its PID if it will not."""
        self.bridge.send_stop()
        for end, wait_s in ((None, timeout), (self.proc.terminate, 5.0), (self.proc.kill, 5.0)):
            if self.proc.poll() is not None:
                break
            if end is not None:
                end()  # ours, by the PID we started
            try:
                self.proc.wait(wait_s)
            except subprocess.TimeoutExpired:
                pass
        self.bridge.stop()
        for conn in (self.bridge.calls, self.bridge.feed):
            conn.close()
        if self._stock_db is not None:
            self._stock_db.close()
            self._stock_db = None


def serve_process(show, host: str = "127.0.0.1", port: int = 8800, token: Optional[str] = None, *,
                  analytics_path: str | Path | None = None, session_id: Optional[str] = None,
                  title: str = "twincast live", startup_timeout: float = 60.0, analytics_factory=None,
                  **app_kwargs) -> WebProcess:
    """Serve ``show`` from a new process; returns once its socket listens (``port=0``: a free
    port). ``analytics_path``: the session's database (default $TWINCAST_HOME/analytics.db); it
    must be a file both processes can open. ``analytics_factory``: a picklable callable the web
    process opens that file with instead of ``Analytics(path)`` (fleet rooms: their journal).
    ``app_kwargs`` go to ``create_app`` (limits, policy, max_viewers) and must be picklable.

    The process is ``python -m twincast.live.web.remote`` with the two pipes' descriptors, not a
    multiprocessing child: spawning through multiprocessing re-imports the parent's main module
    (a Ray worker's, a benchmark's), and forking a process with render threads is unsafe."""
    from ..analytics import Analytics, default_path
    from ..shop import Shop
    from .app import catalog_root
    from .security import new_token
    from .server import new_session_id

    path = Path(analytics_path) if analytics_path else default_path()
    spec = WebSpec(host, port, token or new_token(), session_id or new_session_id(), title, str(path),
                   str(catalog_root(show)), hasattr(show, "product_image"), dict(app_kwargs), analytics_factory)
    calls_show, calls_web = Pipe(duplex=True)
    feed_web, feed_show = Pipe(duplex=False)
    fds = (calls_web.fileno(), feed_web.fileno())
    proc = subprocess.Popen([sys.executable, "-m", "twincast.live.web.remote", *map(str, fds)], pass_fds=fds)
    calls_web.close()
    feed_web.close()
    bridge = ShowBridge(show, calls_show, feed_show)
    calls_show.send(spec)  # the web process's first read
    bridge.start()
    deadline = time.monotonic() + startup_timeout
    while not bridge.started.wait(0.1):
        if time.monotonic() > deadline or proc.poll() is not None:
            break
    kind, detail = bridge.startup if bridge.started.is_set() else ("error", "the web server did not start in time")
    stock_db = None
    server = WebProcess(proc, bridge, spec, int(detail) if kind == "ready" else port, stock_db)
    if kind != "ready":
        server.stop(2)
        raise RuntimeError(str(detail))
    if hasattr(show, "use_stock"):  # the show's stock lines read the table the web process writes
        server._stock_db = Analytics(path)
        show.use_stock(Shop(server._stock_db, spec.session_id, show.products).remaining_stock)
    log.info("web layer in process %d on %s", server.pid, server.url)
    return server
