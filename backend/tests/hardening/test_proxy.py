"""Client IPs: X-Forwarded-For believed only from FORWARDED_ALLOW_IPS, right-most untrusted hop."""

from __future__ import annotations

import pytest

from app.core.proxy import TrustedProxies
from tests.conftest import AppFactory, client_for

REFRESH = "/api/v1/auth/refresh"


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("10.0.0.1", "203.0.113.7", "203.0.113.7"),
        # A client-supplied first hop is ignored: our proxy appended the address it saw.
        ("10.0.0.1", "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        # Two proxies of ours in a row (edge -> internal load balancer).
        ("10.0.0.1", "1.1.1.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        ("10.0.0.1", "203.0.113.7:51234", "203.0.113.7"),
        ("10.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.1", "2001:db8::1", "2001:db8::1"),
        ("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),
        # An untrusted peer's header means nothing.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        ("198.51.100.9", None, "198.51.100.9"),
        ("10.0.0.1", None, "10.0.0.1"),
        ("10.0.0.1", "not-an-ip", "not-an-ip"),
    ],
)
def test_client_is_the_rightmost_untrusted_hop(
    peer: str, header: str | None, expected: str
) -> None:
    proxies = TrustedProxies(["10.0.0.0/24", "::1"])
    assert proxies.client_from(peer, header) == expected


def test_star_trusts_any_peer_but_no_address_inside_the_header() -> None:
    proxies = TrustedProxies(["*"])
    assert proxies.client_from("198.51.100.9", "203.0.113.7") == "203.0.113.7"
    # The platform proxy appended the address it saw; what the client wrote is ignored.
    assert proxies.client_from("198.51.100.9", "6.6.6.6, 203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # browser -> Vercel (sets the client) -> Hugging Face (appends Vercel's egress).
        ("203.0.113.7, 76.76.21.1", "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7, 76.76.21.1", "203.0.113.7"),
        # A direct caller without the front proxy: only one entry, that is the client.
        ("198.51.100.20", "198.51.100.20"),
    ],
)
def test_proxy_hops_pick_the_entry_the_first_proxy_wrote(header: str, expected: str) -> None:
    proxies = TrustedProxies(["*"], hops=2)
    assert proxies.client_from("10.1.2.3", header) == expected


async def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(forwarded_allow_ips=["10.0.0.1"], refresh_rate_limit_per_ip="3/minute")
    async with client_for(app, "198.51.100.9") as client:
        statuses = [
            (
                await client.post(REFRESH, json={}, headers={"X-Forwarded-For": f"203.0.113.{i}"})
            ).status_code
            for i in range(5)
        ]
    # A fresh fake address each time bought nothing: the limit counted the real peer.
    assert statuses == [401, 401, 401, 429, 429]


async def test_forwarded_for_from_a_trusted_proxy_keys_limits_on_the_real_client(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(forwarded_allow_ips=["10.0.0.1"], refresh_rate_limit_per_ip="2/minute")
    async with client_for(app, "10.0.0.1") as proxy:
        first = [
            (
                await proxy.post(
                    REFRESH, json={}, headers={"X-Forwarded-For": "spoof, 203.0.113.5"}
                )
            ).status_code
            for _ in range(3)
        ]
        # Another client behind the same proxy has its own budget.
        other = await proxy.post(REFRESH, json={}, headers={"X-Forwarded-For": "203.0.113.6"})
    assert first == [401, 401, 429]
    assert other.status_code == 401


async def _scope_after_proxy(peer: str, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    from app.core.proxy import ProxyHeadersMiddleware

    seen: dict[str, object] = {}

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.update(scope)

    middleware = ProxyHeadersMiddleware(app, ["10.0.0.1"])  # type: ignore[arg-type]
    scope = {"type": "http", "scheme": "http", "client": (peer, 1234), "headers": headers}
    await middleware(scope, None, None)  # type: ignore[arg-type]
    return seen


async def test_forwarded_proto_is_believed_only_from_a_trusted_proxy() -> None:
    headers = [(b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"203.0.113.7")]
    trusted = await _scope_after_proxy("10.0.0.1", headers)
    assert trusted["scheme"] == "https"
    assert trusted["client"] == ("203.0.113.7", 0)
    untrusted = await _scope_after_proxy("198.51.100.9", headers)
    assert untrusted["scheme"] == "http"
    assert untrusted["client"] == ("198.51.100.9", 1234)
