"""The web layer's guards, kept in one place so they can be reviewed together.

- The operator token is compared in constant time (``hmac.compare_digest``) so response
  timing reveals nothing about it.
- Viewer text is normalised, stripped of control and bidi-override characters (which can make
  a comment display as something else) and cut to length before it reaches the show, the
  database or another viewer. The pages still render it with ``textContent`` only: the server
  does not HTML-escape, because it cannot know every place text will be shown.
- Rate limits are moving windows from the ``limits`` package, per viewer id and per client
  address together, so neither inventing viewer ids nor changing addresses escapes them. The
  address is the direct peer unless it is a trusted proxy (``clients.py``).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
import unicodedata
from typing import Optional

from fastapi import HTTPException, Request, WebSocket
from limits import parse_many, storage, strategies

COOKIE = "twincast_op"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
_SPACES = re.compile(r"\s+")
VIEWER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

# Content-Security-Policy: scripts only from this server (no inline script, no CDN), so even
# an escaping bug could not run injected script. media/blob: is what MSE players need.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                                "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def clean_text(text: str, max_len: int) -> str:
    """One line of plain text: NFC, no control/bidi characters, single spaces, <= max_len."""
    s = unicodedata.normalize("NFC", str(text))
    s = _CONTROL.sub(" ", s)
    s = _SPACES.sub(" ", s).strip()
    return s[:max_len].strip()


def token_ok(expected: str, given: Optional[str]) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def bearer(value: Optional[str]) -> Optional[str]:
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


def request_token(request: Request, allow_query: bool = True, allow_cookie: bool = False) -> Optional[str]:
    """The token a request carries: Authorization header first, then ?token=, then the cookie
    (pages only: the cookie is never accepted on state-changing /api/op/* calls)."""
    tok = bearer(request.headers.get("authorization"))
    if tok is None and allow_query:
        tok = request.query_params.get("token")
    if tok is None and allow_cookie:
        tok = request.cookies.get(COOKIE)
    return tok


def ws_token(ws: WebSocket) -> Optional[str]:
    return bearer(ws.headers.get("authorization")) or ws.query_params.get("token")


class TokenGuard:
    """FastAPI dependency factory: 401 with a JSON message unless the token matches."""

    def __init__(self, token: str) -> None:
        self.token = token

    def api(self, request: Request) -> None:
        if not token_ok(self.token, request_token(request, allow_query=False)):
            raise HTTPException(401, "operator token required: send 'Authorization: Bearer TOKEN'",
                                headers={"WWW-Authenticate": "Bearer"})

    def page(self, request: Request) -> None:
        if not token_ok(self.token, request_token(request, allow_query=True, allow_cookie=True)):
            raise HTTPException(401, "operator token required: open this page as ?token=TOKEN "
                                     "(printed by `twincast live`)", headers={"WWW-Authenticate": "Bearer"})


class RateLimits:
    """Moving-window limits; ``check`` consumes one hit from every limit or none of them.

    Each kind has two sets of rules that apply together: per viewer id (whatever address it
    comes from, so rotating addresses does not help) and per client address (whatever viewer
    ids it invents). ``join_ip`` limits how often one address may open the event socket.

    Comments also pass a show-wide intake (``comment_all``, default 10 a second): every comment
    costs the show moderation and answer work, and 50 addresses within their own limits still
    sent it 1,500 comments in two seconds. An address whose last admitted comment is older than
    ``comment_fresh`` (one a minute) skips the intake, so a real viewer's first comment gets
    through even while a crowd keeps the intake full."""

    def __init__(self, comment: str = "1/2second;10/minute", comment_ip: str = "30/minute",
                 order: str = "2/second;20/minute", order_ip: str = "60/minute",
                 join_ip: str = "10/10second;60/minute", comment_all: str = "10/second;300/minute",
                 comment_fresh: str = "1/minute") -> None:
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self.rules = {"comment": parse_many(comment), "comment_ip": parse_many(comment_ip),
                      "order": parse_many(order), "order_ip": parse_many(order_ip),
                      "join": [], "join_ip": parse_many(join_ip), "comment_all": parse_many(comment_all),
                      "comment_fresh": parse_many(comment_fresh)}

    def _pairs(self, kind: str, ip: str) -> list[tuple]:
        """The address's own rules, plus the show-wide intake unless the address is fresh."""
        pairs = [(lim, (kind + "_ip", ip)) for lim in self.rules[kind + "_ip"]]
        fresh = self.rules.get(kind + "_fresh", [])
        if fresh and not all(self._limiter.test(lim, kind + "_fresh", ip) for lim in fresh):
            pairs += [(lim, (kind + "_all", "*")) for lim in self.rules[kind + "_all"]]
        return pairs

    def _wait(self, pairs: list[tuple]) -> Optional[float]:
        blocked = [(lim, keys) for lim, keys in pairs if not self._limiter.test(lim, *keys)]
        if not blocked:
            return None
        reset = max(self._limiter.get_window_stats(lim, *keys).reset_time for lim, keys in blocked)
        return max(0.1, reset - time.time())

    def address_wait(self, kind: str, ip: str) -> Optional[float]:
        """Seconds until ``ip`` may try ``kind`` again, or None; counts nothing. Lets a flood be
        refused before its body is parsed (the full :meth:`check` still runs afterwards)."""
        return self._wait(self._pairs(kind, ip))

    def check(self, kind: str, viewer: str, ip: str) -> Optional[float]:
        """None when allowed (and counted); otherwise seconds until the next try may pass.
        A request without a viewer id ("anon") is counted per address under that name."""
        who = f"anon@{ip}" if viewer in ("", "anon") else viewer
        pairs = [(lim, (kind, who)) for lim in self.rules[kind]] + self._pairs(kind, ip)
        wait = self._wait(pairs)
        if wait is not None:
            return wait
        pairs += [(lim, (kind + "_fresh", ip)) for lim in self.rules.get(kind + "_fresh", [])]
        for lim, keys in pairs:
            self._limiter.hit(lim, *keys)
        return None


def too_many(retry_after: float, what: str) -> HTTPException:
    secs = max(1, int(retry_after + 0.999))
    return HTTPException(429, f"too many {what}: please wait {secs} s and try again",
                         headers={"Retry-After": str(secs)})


class SecretsFilter(logging.Filter):
    """Masks stream keys, URL passwords and secret query parameters in log records (message and
    arguments are rendered first), whichever module logs them: an RTMP error often quotes the
    whole push URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        from ..api import mask_secrets

        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        masked = mask_secrets(msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True


def install_secrets_filter() -> None:
    """Add :class:`SecretsFilter` to every handler of the root and uvicorn loggers (once each)."""
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, SecretsFilter) for f in handler.filters):
                handler.addFilter(SecretsFilter())
