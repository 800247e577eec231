"""The real client address behind reverse proxies, trusting X-Forwarded-For only from them.

Hugging Face and Vercel append the address they saw to `X-Forwarded-For`. Anyone can send
that header too, so it is believed only when the peer that handed it to us is a trusted proxy
(FORWARDED_ALLOW_IPS). Reading the list from the right, every address of a listed proxy is
skipped and the first other one is the client: whatever a client writes itself sits to the
left of the hop our proxy appended, so prepending addresses buys nothing.

`*` trusts any peer as a proxy but no address inside the header, so the client is the
right-most entry: the address our proxy saw. When the chain in front has proxies whose
addresses cannot be listed (Vercel's egress in front of Hugging Face's proxy),
FORWARDED_PROXY_HOPS=N says how many entries those proxies append; the client is then the
N-th entry from the right.

This runs instead of uvicorn's `proxy_headers` (off in `todo-api serve`), so the rule is the
same under any server and the tests exercise the code production runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_CACHE_SIZE = 4096


class TrustedProxies:
    """A set of proxy addresses and networks; `*` trusts every peer (only behind a firewall)."""

    def __init__(self, entries: Iterable[str], hops: int = 0) -> None:
        self.hops = hops
        self.trust_all = False
        self._cache: dict[str, bool] = {}
        self.networks: list[IPNetwork] = []
        self.hosts: set[str] = set()
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            if entry == "*":
                self.trust_all = True
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                # A non-IP literal such as a unix socket path: matched by exact string only.
                self.hosts.add(entry)

    def __contains__(self, peer: str) -> bool:
        """Whether a connection from `peer` comes from one of our proxies."""
        return self.trust_all or self.is_listed(peer)

    def is_listed(self, host: str) -> bool:
        """Whether `host` is a proxy named explicitly (an address or network, not `*`)."""
        known = self._cache.get(host)
        if known is None:
            known = self._cache[host] = self._lookup(host)
            if len(self._cache) > _CACHE_SIZE:
                # Addresses repeat (our proxies, busy clients); a flood of new ones only
                # costs the parsing again.
                self._cache.clear()
        return known

    def _lookup(self, host: str) -> bool:
        if host in self.hosts:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client_from(self, peer: str, forwarded_for: str | None) -> str:
        """The client address for a connection from `peer` carrying `forwarded_for`."""
        if forwarded_for is None or peer not in self:
            return peer
        hops = [_strip_port(hop.strip()) for hop in forwarded_for.split(",") if hop.strip()]
        if not hops:
            return peer
        if self.hops:
            return hops[max(0, len(hops) - self.hops)]
        for hop in reversed(hops):
            if not self.is_listed(hop):
                return hop
        # Every hop is a proxy of ours: the left-most one is as close to the client as we know.
        return hops[0]


def _strip_port(hop: str) -> str:
    """`1.2.3.4:5678` -> `1.2.3.4`, `[::1]:80` -> `::1`; bare addresses are returned unchanged."""
    if hop.startswith("["):
        return hop[1 : hop.find("]")] if "]" in hop else hop
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop


class ProxyHeadersMiddleware:
    """Rewrite `scope["client"]` and `scope["scheme"]` from trusted X-Forwarded-* headers."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str], hops: int = 0) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted, hops)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            peer = client[0] if client else None
            if peer is not None and peer in self.trusted:
                forwarded_for: str | None = None
                forwarded_proto: str | None = None
                for name, value in scope["headers"]:
                    if name == b"x-forwarded-for":
                        text = value.decode("latin-1")
                        # Several header lines are one list, in order.
                        forwarded_for = f"{forwarded_for},{text}" if forwarded_for else text
                    elif name == b"x-forwarded-proto":
                        forwarded_proto = value.decode("latin-1").split(",")[-1].strip().lower()
                if forwarded_for is not None:
                    scope["client"] = (self.trusted.client_from(peer, forwarded_for), 0)
                if forwarded_proto in ("http", "https", "ws", "wss"):
                    if scope["type"] == "websocket":
                        forwarded_proto = forwarded_proto.replace("http", "ws")
                    scope["scheme"] = forwarded_proto
        await self.app(scope, receive, send)
