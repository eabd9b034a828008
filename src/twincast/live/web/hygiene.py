"""Request hygiene in front of every HTTP endpoint: body size, JSON numbers, errors, headers.

Why a plain ASGI middleware rather than FastAPI hooks: it sees the request before any route
reads the body (so a 100 MB body is refused with 413 after at most ``max_body`` bytes, whether
it announces a Content-Length or streams chunks), and it sees every response, including the
ones Starlette makes for errors, so the security headers are on those too. It also catches
whatever escapes a route: a client must never be able to put a traceback in the log or get one.

JSON is checked here once, strictly: ``NaN``, ``Infinity`` and numbers that overflow to infinity
(``1e999``) are refused with 400, because Python's ``json`` accepts them and they poison prices,
quantities and the analytics database; deep nesting and giant integers (which make the parser
raise) get the same 400 instead of a 500.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Awaitable, Callable, Optional

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers

from .security import SECURITY_HEADERS

log = logging.getLogger("twincast.live.web")
NO_STORE_PREFIXES = ("/api/", "/console", "/report", "/metrics")
RAW_SECURITY_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
Message = dict[str, Any]
# (scope, headers) -> None to go on, or (status, message, extra headers) to answer at once
Precheck = Callable[[dict, Headers], Optional[tuple[int, str, dict[str, str]]]]


class BodyTooLarge(Exception):
    pass


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _finite_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError("number out of range")
    return v


def json_problem(body: bytes) -> Optional[str]:
    """None when ``body`` is strict JSON with finite numbers; otherwise what is wrong (no input)."""
    try:
        json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except ValueError as e:
        if "not a number" in str(e) or "out of range" in str(e):
            return "numbers must be finite (no NaN, Infinity or overflowing values)"
        return "the body is not valid JSON"
    except RecursionError:
        return "the body is nested too deeply"
    return None


def _is_json(headers: Headers) -> bool:
    """FastAPI parses a body as JSON when it says so or says nothing at all."""
    ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return ctype == "" or ctype == "application/json" or ctype.endswith("+json")


class Guard:
    """Outermost middleware: security headers on every response, body limit, strict JSON and a
    last-resort 500 without details. ``max_body`` bytes per request (default 64 KiB)."""

    def __init__(self, app, max_body: int = 64 * 1024, precheck: Optional[Precheck] = None) -> None:
        self.app, self.max_body, self.precheck = app, max_body, precheck
        self._logged: set[tuple[str, str]] = set()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = [False]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                started[0] = True
                raw = list(message.get("headers", []))
                have = {k.lower() for k, _ in raw}
                raw += [(k, v) for k, v in RAW_SECURITY_HEADERS if k not in have]
                if scope["path"].startswith(NO_STORE_PREFIXES) and b"cache-control" not in have:
                    raw.append((b"cache-control", b"no-store"))
                message = {**message, "headers": raw}
            await send(message)

        headers = Headers(scope=scope)
        refusal = self.precheck(scope, headers) if self.precheck else None
        if refusal is not None:
            await _error(send_with_headers, *refusal)
            return
        length = headers.get("content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_body):
            await _error(send_with_headers, 413, f"request body too large (limit {self.max_body} bytes)")
            return
        try:
            body = await self._read(receive)
        except BodyTooLarge:
            await _error(send_with_headers, 413, f"request body too large (limit {self.max_body} bytes)")
            return
        if body is None:  # the client went away while sending
            return
        if body and _is_json(headers):
            problem = json_problem(body)
            if problem:
                await _error(send_with_headers, 400, problem)
                return
        try:
            await self.app(scope, _replay(body, receive), send_with_headers)
        except Exception as e:  # noqa: BLE001 - the last line of defence: answer, log briefly
            self._log(scope, e)
            if not started[0]:
                await _error(send_with_headers, 500, "internal error")

    async def _read(self, receive: Callable[[], Awaitable[Message]]) -> Optional[bytes]:
        """The whole body, counting streamed bytes against the limit; None on disconnect."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _log(self, scope, e: Exception) -> None:
        """A server bug: the traceback once per (path, error type), a single line after that."""
        key = (scope.get("path", ""), type(e).__name__)
        if key in self._logged:
            log.error("internal error on %s %s: %s (again)", scope.get("method"), key[0], key[1])
            return
        self._logged.add(key)
        log.error("internal error on %s %s", scope.get("method"), key[0], exc_info=e)


def _replay(body: bytes, receive):
    """A receive that hands the app the body already read, then listens for the disconnect."""
    sent = [False]

    async def replay() -> Message:
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


async def _error(send, status: int, message: str, headers: Optional[dict[str, str]] = None) -> None:
    resp = JSONResponse({"error": message}, status_code=status, headers=headers)
    await send({"type": "http.response.start", "status": status, "headers": resp.raw_headers})
    await send({"type": "http.response.body", "body": resp.body})


def _field(loc: tuple) -> str:
    """'body.text' from a validation error location; anything that is not a plain field name
    or index (a key the client made up) is shown as '?' so no input is echoed."""
    parts = []
    for p in loc:
        if isinstance(p, int) or (isinstance(p, str) and p.isidentifier() and len(p) <= 40):
            parts.append(str(p))
        else:
            parts.append("?")
    return ".".join(parts)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field and its problem; never the value (a 3 MB comment came back whole,
    and NaN in the echo made the response itself fail with a traceback)."""
    fields = [{"field": _field(tuple(err.get("loc", ()))), "problem": str(err.get("msg", "invalid"))[:200]}
              for err in exc.errors()[:10]]
    summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields)
    return JSONResponse({"error": f"invalid request: {summary}"[:600], "fields": fields}, status_code=422)
