"""Run the web layer with uvicorn: on a thread of this process (``serve``: tests, embedding), or
as the body of the web process ``twincast live`` starts (``make_server``, see ``process.py``).

Defaults are chosen for safety: bind 127.0.0.1 (expose it deliberately,
e.g. behind a TLS reverse proxy), no access log (it would record the operator token and
viewers' addresses), no per-message deflate (compressing H.264 wastes CPU for nothing), and
uvicorn's own proxy-header handling off: it trusts X-Forwarded-For from 127.0.0.1 by default,
which made every loopback client able to pick its address; the app reads forwarding headers
itself, from configured trusted proxies only (``ClientPolicy.trusted_proxies``).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Optional

import uvicorn

from .app import create_app
from .security import install_secrets_filter, new_token


class LiveServer(uvicorn.Server):
    """A uvicorn server that knows its URL, token and session, and stops cleanly."""

    token: str = ""
    session_id: str = ""
    analytics = None
    thread: Optional[threading.Thread] = None
    _owns_analytics = False

    @property
    def port(self) -> int:
        for srv in getattr(self, "servers", []) or []:
            for sock in srv.sockets:
                return int(sock.getsockname()[1])
        return int(self.config.port)

    @property
    def url(self) -> str:
        host = self.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def console_url(self) -> str:
        return f"{self.url}/console?token={self.token}"

    def start_thread(self, startup_timeout: float = 15.0) -> Optional[str]:
        """Run on a thread named twincast-web; None once the socket listens, else what went wrong."""
        self.thread = threading.Thread(target=self.run, name="twincast-web", daemon=True)
        self.thread.start()
        host, port = self.config.host, self.config.port
        deadline = time.monotonic() + startup_timeout
        while not self.started:
            if not self.thread.is_alive():
                return f"the web server did not start on {host}:{port} (port in use?)"
            if time.monotonic() > deadline:
                self.stop()
                return "the web server did not start in time"
            time.sleep(0.02)
        return None

    def stop(self, timeout: float = 10.0) -> None:
        self.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
            if self.thread.is_alive():  # open sockets that will not close: force it
                self.force_exit = True
                self.thread.join(timeout)
        if self._owns_analytics and self.analytics is not None:
            self.analytics.close()


def new_session_id() -> str:
    return time.strftime("live-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def make_server(show, analytics, *, host: str = "127.0.0.1", port: int = 8800, token: Optional[str] = None,
                session_id: Optional[str] = None, title: str = "twincast live", **app_kwargs) -> LiveServer:
    """The app for ``show`` in a uvicorn server that is not running yet (``start_thread``)."""
    install_secrets_filter()
    token = token or new_token()
    session_id = session_id or new_session_id()
    app = create_app(show, analytics, token, session_id, title=title, **app_kwargs)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            ws="websockets-sansio", ws_per_message_deflate=False, ws_max_size=64 * 1024,
                            lifespan="on", timeout_graceful_shutdown=3, proxy_headers=False,
                            server_header=False, limit_concurrency=4096)
    server = LiveServer(config)
    server.token, server.session_id, server.analytics = token, session_id, analytics
    return server


def serve(show, host: str = "127.0.0.1", port: int = 8800, token: Optional[str] = None, *,
          analytics=None, session_id: Optional[str] = None, title: str = "twincast live",
          startup_timeout: float = 15.0, **app_kwargs) -> tuple[LiveServer, threading.Thread]:
    """Start serving ``show`` on a thread of this process; returns once the socket listens
    (``port=0``: a free port, see ``server.port``). Stop with ``server.stop()``. Without
    ``analytics`` it opens the machine's database ($TWINCAST_HOME/analytics.db) and closes it on
    stop. ``twincast live`` serves from a process of its own instead (``process.serve_process``)."""
    from ..analytics import Analytics

    owns = analytics is None
    analytics = analytics or Analytics()
    server = make_server(show, analytics, host=host, port=port, token=token, session_id=session_id, title=title,
                         **app_kwargs)
    server._owns_analytics = owns
    error = server.start_thread(startup_timeout)
    if error is not None:
        raise RuntimeError(error)
    return server, server.thread
