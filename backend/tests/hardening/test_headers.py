"""Security headers on every response, errors and health included; no-store where private."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import AppFactory, bearer, client_for, signup
from tests.hardening.conftest import PRODUCTION

EXPECTED = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
}
HSTS = "max-age=63072000; includeSubDomains"


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    policy = response.headers["permissions-policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    assert "server" not in response.headers
    assert response.headers["x-request-id"]


async def _sample(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
    session = await signup(client)
    return {
        "health": await client.get("/health"),
        "live": await client.get("/health/live"),
        "404": await client.get("/no-such-route"),
        "405": await client.put("/health/live", json={}),
        "422": await client.post("/api/v1/auth/login", json={"email": "not-an-email"}),
        "401": await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nope"}),
        "500": await client.post("/_test/crash", json={}),
        "me": await client.get("/api/v1/auth/me", headers=bearer(session)),
        "tasks": await client.get("/api/v1/tasks", headers=bearer(session)),
    }


async def test_every_response_carries_the_security_headers(app_factory: AppFactory) -> None:
    app = await app_factory(test_routes_enabled=True)
    async with client_for(app) as client:
        responses = await _sample(client)
    assert responses["404"].status_code == 404
    assert responses["405"].status_code == 405
    assert responses["422"].status_code == 422
    assert responses["500"].status_code == 500
    for response in responses.values():
        assert_security_headers(response)
        # HSTS only in production: a development server on http:// must stay reachable.
        assert "strict-transport-security" not in response.headers


async def test_production_adds_hsts_everywhere(app_factory: AppFactory) -> None:
    app = await app_factory(**PRODUCTION)
    async with client_for(app) as client:
        session = await signup(client)
        for response in (
            await client.get("/health"),
            await client.get("/no-such-route"),
            await client.post("/api/v1/auth/login", json={}),
            await client.get("/api/v1/auth/me", headers=bearer(session)),
        ):
            assert_security_headers(response)
            assert response.headers["strict-transport-security"] == HSTS


async def test_auth_and_authenticated_responses_are_not_cached(client: httpx.AsyncClient) -> None:
    signup_response = await client.post(
        "/api/v1/auth/signup",
        json={"email": "cache@example.com", "password": "correct horse battery staple"},
    )
    assert signup_response.headers["cache-control"] == "no-store"
    session = signup_response.json()
    me = await client.get("/api/v1/auth/me", headers=bearer(session))
    assert me.headers["cache-control"] == "no-store"
    failed = await client.post(
        "/api/v1/auth/login", json={"email": "cache@example.com", "password": "wrong password!"}
    )
    assert failed.status_code == 401
    assert failed.headers["cache-control"] == "no-store"
    # Any response to a request carrying credentials is private too...
    assert (await client.get("/health/live")).headers["cache-control"] == "no-store"
    # ...while anonymous health answers carry no personal data and are left alone.
    client.cookies.clear()
    assert "no-store" not in (await client.get("/health/live")).headers.get("cache-control", "")


async def test_docs_get_only_the_cdn_origins_and_hashes_they_need(
    client: httpx.AsyncClient,
) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    assert_policy_allows_page(csp, docs.text)
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    for name in ("x-frame-options", "x-content-type-options", "referrer-policy"):
        assert name in docs.headers
    redirect = await client.get("/docs/oauth2-redirect")
    assert_policy_allows_page(redirect.headers["content-security-policy"], redirect.text)
    # Only the docs pages get it: the schema is JSON under the API policy.
    schema = await client.get("/openapi.json")
    assert schema.headers["content-security-policy"] == EXPECTED["content-security-policy"]


def _directive(csp: str, name: str) -> list[str]:
    for part in csp.split(";"):
        tokens = part.split()
        if tokens and tokens[0] == name:
            return tokens[1:]
    return []


def assert_policy_allows_page(csp: str, html: str) -> None:
    """Every external script/style/image of the page is allowed, and every inline script hashed."""
    import base64
    import hashlib

    def origin(url: str) -> str:
        match = re.match(r"(https?://[^/]+)", url)
        assert match, url
        return match.group(1)

    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', html):
        assert origin(src) in _directive(csp, "script-src"), src
    for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html):
        assert origin(href) in _directive(csp, "style-src"), href
    for href in re.findall(r'<link[^>]*rel="(?:shortcut )?icon"[^>]*href="([^"]+)"', html):
        assert origin(href) in _directive(csp, "img-src"), href
    for body in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in _directive(csp, "script-src")


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
async def test_docs_can_be_switched_off(app_factory: AppFactory, path: str) -> None:
    app = await app_factory(docs_enabled=False)
    async with client_for(app) as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert_security_headers(response)


async def test_trusted_hosts_refuse_other_hosts_but_not_health_probes(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(**PRODUCTION)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.test") as client:
        refused = await client.get("/api/v1/auth/me")
        assert refused.status_code == 400
        assert refused.json() == {"detail": "Invalid host header"}
        assert_security_headers(refused)
        # Container health checks address the process by IP.
        assert (await client.get("/health/live")).status_code == 200
    async with httpx.AsyncClient(
        transport=transport, base_url="http://api.example.com:8443"
    ) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 401
