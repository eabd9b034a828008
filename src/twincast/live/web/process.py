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
from dataclasses import dataclass, field, replace
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
    owner_pid: Optional[int] = None  # the show's process: the session ends with it, not with us
    restart: bool = False  # this process replaces one that died (its open visits are closed first)


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
    """The running web process, with the face of ``LiveServer`` (url, console_url, stop).

    A web process that dies while the show goes on is started again on the same port, token and
    session (``watch``: at most ``MAX_RESTARTS`` within ``RESTART_WINDOW_S``): viewers' pages
    reconnect by themselves, and visits its sockets left open are closed first."""

    MAX_RESTARTS, RESTART_WINDOW_S = 5, 600.0

    def __init__(self, show, spec: WebSpec, startup_timeout: float = 60.0,
                 on_restart: Optional[Callable[[int, Optional[int]], None]] = None) -> None:
        self.show, self.spec, self.startup_timeout, self.on_restart = show, spec, startup_timeout, on_restart
        self.token, self.session_id = spec.token, spec.session_id
        self.proc: Optional[subprocess.Popen] = None
        self.bridge: Optional[ShowBridge] = None
        self._port = spec.port
        self._stock_db = None
        self._stopping = threading.Event()
        self._restarts: list[float] = []
        self._watch: Optional[threading.Thread] = None

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def exitcode(self) -> Optional[int]:
        return self.proc.poll() if self.proc is not None else None

    @property
    def restarts(self) -> int:
        return len(self._restarts)

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

    def start(self) -> "WebProcess":
        """Launch the process; raises RuntimeError (bind failure, start-up error) with its cause."""
        self._launch(self.spec)
        if hasattr(self.show, "use_stock"):  # the show's stock lines read the table the web process writes
            from ..analytics import Analytics
            from ..shop import Shop

            self._stock_db = Analytics(self.spec.analytics_path)
            self.show.use_stock(Shop(self._stock_db, self.session_id, self.show.products).remaining_stock)
        self._watch = threading.Thread(target=self._watch_loop, name="web-watchdog", daemon=True)
        self._watch.start()
        log.info("web layer in process %d on %s", self.pid, self.url)
        return self

    def _launch(self, spec: WebSpec) -> None:
        calls_show, calls_web = Pipe(duplex=True)
        feed_web, feed_show = Pipe(duplex=False)
        fds = (calls_web.fileno(), feed_web.fileno())
        self.proc = subprocess.Popen([sys.executable, "-m", "twincast.live.web.remote", *map(str, fds)], pass_fds=fds)
        calls_web.close()
        feed_web.close()
        self.bridge = ShowBridge(self.show, calls_show, feed_show)
        calls_show.send(spec)  # the web process's first read
        self.bridge.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self.bridge.started.wait(0.1):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                break
        kind, detail = self.bridge.startup if self.bridge.started.is_set() else ("error", "the web server did not start in time")
        if kind != "ready":
            self._end_process(2.0)
            raise RuntimeError(str(detail))
        self._port = int(detail)

    def _watch_loop(self) -> None:
        while not self._stopping.wait(0.5):
            if self.proc.poll() is None:
                continue
            code = self.proc.returncode
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < self.RESTART_WINDOW_S]
            if len(self._restarts) >= self.MAX_RESTARTS:
                log.error("the web process ended again (code %s): %d restarts in %.0f s, giving up; the show "
                          "goes on without its page", code, len(self._restarts), self.RESTART_WINDOW_S)
                return
            self._restarts.append(now)
            log.warning("the web process ended (code %s); starting it again on port %d", code, self._port)
            self._end_process(0.0)
            try:
                self._launch(replace(self.spec, port=self._port, restart=True))
            except RuntimeError as exc:
                log.error("the web process could not be started again: %s", exc)
            if self.on_restart is not None:
                self.on_restart(self.restarts, code)

    def _end_process(self, timeout: float) -> None:
        """Stop the current process (asked first, then by its PID, which we started) and its bridge."""
        proc, bridge = self.proc, self.bridge
        if bridge is not None:
            bridge.send_stop()
        for end, wait_s in ((None, timeout), (proc.terminate, 5.0), (proc.kill, 5.0)):
            if proc.poll() is not None:
                break
            if end is not None:
                end()
            try:
                proc.wait(wait_s)
            except subprocess.TimeoutExpired:
                pass
        if bridge is not None:
            bridge.stop()
            for conn in (bridge.calls, bridge.feed):
                conn.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the web process to close its session and exit; end it by its PID if it will not."""
        self._stopping.set()
        if self._watch is not None:
            self._watch.join(10)
        if self.proc is not None:
            self._end_process(timeout)
        if self._stock_db is not None:
            self._stock_db.close()
            self._stock_db = None


def serve_process(show, host: str = "127.0.0.1", port: int = 8800, token: Optional[str] = None, *,
                  analytics_path: str | Path | None = None, session_id: Optional[str] = None,
                  title: str = "twincast live", startup_timeout: float = 60.0, analytics_factory=None,
                  on_restart=None, **app_kwargs) -> WebProcess:
    """Serve ``show`` from a new process; returns once its socket listens (``port=0``: a free
    port). ``analytics_path``: the session's database (default $TWINCAST_HOME/analytics.db); it
    must be a file both processes can open. ``analytics_factory``: a picklable callable the web
    process opens that file with instead of ``Analytics(path)`` (fleet rooms: their journal).
    ``on_restart(restarts, exit_code)``: told after the web process died and was started again.
    ``app_kwargs`` go to ``create_app`` (limits, policy, max_viewers) and must be picklable.

    The process is ``python -m twincast.live.web.remote`` with the two pipes' descriptors, not a
    multiprocessing child: spawning through multiprocessing re-imports the parent's main module
    (a Ray worker's, a benchmark's), and forking a process with render threads is unsafe."""
    import os

    from ..analytics import default_path
    from .app import catalog_root
    from .security import new_token
    from .server import new_session_id

    path = Path(analytics_path) if analytics_path else default_path()
    spec = WebSpec(host, port, token or new_token(), session_id or new_session_id(), title, str(path),
                   str(catalog_root(show)), hasattr(show, "product_image"), dict(app_kwargs), analytics_factory,
                   owner_pid=os.getpid())
    return WebProcess(show, spec, startup_timeout, on_restart).start()
