"""The security tests' harness: the real FastAPI app with a FakeShow, through TestClient (HTTP)
or a real uvicorn server on a free 127.0.0.1 port (sockets, raw bytes). Every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Callable, Iterator, Optional

from fastapi.testclient import TestClient
from websockets.sync.client import connect

from twincast.live.analytics import Analytics
from twincast.live.fake_show import FakeShow
from twincast.live.web import create_app, serve
from twincast.live.web.process import serve_process

TOKEN = "security-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PEER = "203.0.113.7"


@contextlib.contextmanager
def app_client(tmp_path, *, peer: str = PEER, show: Optional[FakeShow] = None, session: str = "s1",
               **app_kwargs) -> Iterator[tuple[TestClient, FakeShow, Analytics]]:
    """TestClient on the real app; ``peer`` is the direct client address the app sees."""
    show = show or FakeShow(answer_delay=0.05)
    analytics = Analytics(tmp_path / "analytics.db")
    app = create_app(show, analytics, TOKEN, session, **app_kwargs)
    client = TestClient(app, client=(peer, 5000), raise_server_exceptions=False)
    try:
        with client:
            yield client, show, analytics
    finally:
        show.stop()
        analytics.close()


@contextlib.contextmanager
def live_server(tmp_path, *, show: Optional[FakeShow] = None, session: str = "ws", process: bool = False,
                **app_kwargs):
    """A real server (uvicorn, loopback, free port) on the real app: on a thread of this process,
    or (``process=True``) in a web process of its own as ``twincast live`` runs it; then the
    ``analytics`` yielded is this process's reader of the same database file."""
    show = show or FakeShow(answer_delay=0.05)
    analytics = Analytics(tmp_path / "analytics.db")
    if process:
        server = serve_process(show, port=0, token=TOKEN, analytics_path=tmp_path / "analytics.db",
                               session_id=session, **app_kwargs)
    else:
        server, _ = serve(show, port=0, token=TOKEN, analytics=analytics, session_id=session, **app_kwargs)
    try:
        yield server, show, analytics
    finally:
        server.stop()
        show.stop()
        analytics.close()
    assert not (server.alive if process else server.thread.is_alive())


def ws(server, path: str, **kwargs):
    """A WebSocket client; ``origin=`` and ``additional_headers=`` as in websockets."""
    return connect(server.url.replace("http", "ws") + path, open_timeout=5, close_timeout=2, legacy=True, **kwargs)


def until(sock, pred: Callable[[dict], bool], timeout: float = 5.0) -> tuple[dict, list[dict]]:
    """JSON messages until one matches ``pred``; fails (never hangs) after ``timeout``."""
    deadline = time.monotonic() + timeout
    seen: list[dict] = []
    pending: list[dict] = sock.__dict__.setdefault("_twincast_pending", [])  # the rest of a batch
    while True:
        while pending:
            msg = pending.pop(0)
            seen.append(msg)
            if pred(msg):
                return msg, seen
        if time.monotonic() >= deadline:
            break
        try:
            pending.extend(unbatch(sock.recv(timeout=max(0.05, deadline - time.monotonic()))))
        except TimeoutError:
            break
    raise AssertionError(f"no matching message; got {seen}")


def unbatch(raw: str) -> list[dict]:
    """The messages in one WebSocket message (the server batches what queued up under load)."""
    msg = json.loads(raw)
    return msg["items"] if msg.get("type") == "batch" else [msg]


def wait(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def raw_http(port: int, head: bytes, body_chunks=(), timeout: float = 5.0) -> tuple[bytes, int]:
    """Send ``head`` then ``body_chunks`` one by one over a plain socket, stopping as soon as the
    server answers; returns (response bytes, body bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        s.settimeout(0.05)
        for chunk in body_chunks:
            try:
                first = s.recv(65536)
            except (TimeoutError, socket.timeout):
                first = b""
            if first:
                return first + _drain(s, timeout), sent
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return _drain(s, timeout), sent


def _drain(s: socket.socket, timeout: float) -> bytes:
    s.settimeout(timeout)
    out = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in out or len(out) < 12:
            data = s.recv(65536)
            if not data:
                break
            out += data
        s.settimeout(0.3)
        while True:
            data = s.recv(65536)
            if not data:
                break
            out += data
    return out
