"""Who is on the other end of a request: the client address, the Origin check and per-address caps.

Why proxy headers are ignored by default: ``X-Forwarded-For``, ``Forwarded`` and ``X-Real-IP``
are written by the client unless a proxy we trust overwrote them; believing them from anyone
lets one script be a thousand addresses (issue 18: 30 of 30 comments went through with a new
header value per request). They are read only when the direct peer is a configured trusted
proxy, and then from the right: the first hop that is not itself a trusted proxy is the client.

IPv6 addresses are grouped by their /64: one subscriber usually owns a whole /64, so per-address
limits keyed by the full address would be as easy to escape as a header.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional
from urllib.parse import urlsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(items: Iterable[str]) -> tuple[IPNetwork, ...]:
    """'10.0.0.1', '10.0.0.0/8', '::1' -> networks; a bad entry is a configuration error."""
    nets = []
    for item in items:
        try:
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as e:
            raise ValueError(f"trusted proxy {item!r} is not an IP address or network") from e
    return tuple(nets)


@functools.lru_cache(maxsize=8192)
def _ip(text: str) -> Optional[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """An address from a header value: strips quotes, brackets and a port; None if not an IP.
    Cached: the same few addresses come back on every request of a flood."""
    s = text.strip().strip('"')
    if s.startswith("["):  # [v6]:port
        s = s[1:].split("]", 1)[0]
    elif s.count(":") == 1:  # v4:port
        s = s.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return None
    return ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip


def address_key(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """The key limits count against: the IPv4 address, or the IPv6 /64."""
    if isinstance(ip, ipaddress.IPv6Address) and not ip.is_loopback:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _forwarded_for(headers: Mapping[str, str]) -> list[str]:
    """Client hops, nearest last, from Forwarded (RFC 7239), else X-Forwarded-For, else X-Real-IP."""
    fwd = headers.get("forwarded")
    if fwd:
        hops = []
        for element in fwd.split(","):
            for pair in element.split(";"):
                k, _, v = pair.partition("=")
                if k.strip().lower() == "for":
                    hops.append(v)
        return hops
    xff = headers.get("x-forwarded-for")
    if xff:
        return xff.split(",")
    real = headers.get("x-real-ip")
    return [real] if real else []


@dataclass(frozen=True)
class ClientPolicy:
    """The knobs (defaults are for a public stream; see docs/security.md).

    ``trusted_proxies``: peers whose forwarding headers are believed (default: none).
    ``allowed_origins``: extra origins (``https://shop.example``) whose pages may open the
    WebSockets and post; the page's own origin is always allowed. ``allow_missing_origin``:
    non-browser clients send no Origin; browsers always do on WebSockets and POSTs, so a
    missing one cannot be a cross-site page and is allowed by default.
    """

    trusted_proxies: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    allow_missing_origin: bool = True
    sockets_per_address: int = 16  # /ws/events + /ws/flv together: a household behind one NAT
    viewers_per_address: int = 8  # distinct viewer ids present at once from one address
    max_body_bytes: int = 64 * 1024  # every HTTP endpoint; the largest real body is ~40 KB
    _nets: tuple[IPNetwork, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_nets", parse_networks(self.trusted_proxies))

    def trusted(self, ip) -> bool:
        return ip is not None and any(ip in n for n in self._nets)

    def client_address(self, peer: Optional[str], headers: Mapping[str, str]) -> str:
        """The address limits are keyed by (see the module docstring)."""
        ip = _ip(peer or "")
        if ip is None:
            return peer or "?"
        if self.trusted(ip):
            for hop in reversed(_forwarded_for(headers)):
                hop_ip = _ip(hop)
                if hop_ip is None:
                    break  # a garbled or obfuscated hop: stop at the last one we could read
                ip = hop_ip
                if not self.trusted(hop_ip):
                    break
        return address_key(ip)

    def origin_ok(self, headers: Mapping[str, str]) -> bool:
        """Same origin (Origin's host[:port] equals Host), an allowed origin, or no Origin at
        all when ``allow_missing_origin``. ``null`` (sandboxed frames, file://) is refused."""
        origin = headers.get("origin")
        if origin is None:
            return self.allow_missing_origin
        origin = origin.strip().rstrip("/").lower()
        if origin in {o.strip().rstrip("/").lower() for o in self.allowed_origins}:
            return True
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        host = _bare_host((headers.get("host") or "").strip().lower())
        return parts.scheme in ("http", "https") and bool(host) and _bare_host(parts.netloc) == host


def _bare_host(netloc: str) -> str:
    """host[:port] without a default port: behind a TLS proxy the page is https (port 443) while
    the proxy talks plain http to us with the same Host, so the scheme cannot be compared."""
    for default in (":80", ":443"):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


class AddressBook:
    """Open sockets and present viewer ids per address (only touched on the event loop)."""

    def __init__(self, policy: ClientPolicy) -> None:
        self.policy = policy
        self.sockets: dict[str, int] = {}
        self.viewers: dict[str, dict[str, int]] = {}

    def open_socket(self, addr: str) -> bool:
        """Count a socket for ``addr``; False (and nothing counted) when it is at its cap."""
        n = self.sockets.get(addr, 0)
        if n >= self.policy.sockets_per_address:
            return False
        self.sockets[addr] = n + 1
        return True

    def close_socket(self, addr: str) -> None:
        n = self.sockets.get(addr, 0) - 1
        if n > 0:
            self.sockets[addr] = n
        else:
            self.sockets.pop(addr, None)

    def add_viewer(self, addr: str, viewer: str) -> bool:
        """A viewer id joins from ``addr``; refused when the address already has its quota of
        other ids present (a known id may always open another tab)."""
        ids = self.viewers.setdefault(addr, {})
        if viewer not in ids and len(ids) >= self.policy.viewers_per_address:
            if not ids:
                self.viewers.pop(addr, None)
            return False
        ids[viewer] = ids.get(viewer, 0) + 1
        return True

    def remove_viewer(self, addr: str, viewer: str) -> None:
        ids = self.viewers.get(addr, {})
        n = ids.get(viewer, 0) - 1
        if n > 0:
            ids[viewer] = n
        else:
            ids.pop(viewer, None)
        if not ids:
            self.viewers.pop(addr, None)
