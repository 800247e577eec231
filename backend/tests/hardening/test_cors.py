"""CORS: exactly the configured origins, with credentials; anything else gets no CORS header."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import AppFactory, client_for

ALLOWED = "https://app.example.com"
OTHER = "https://partner.example.org"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


@pytest.fixture
async def cors_client(app_factory: AppFactory) -> httpx.AsyncClient:
    app = await app_factory(frontend_url=ALLOWED, cors_origins=[OTHER + "/"])
    return client_for(app)


@pytest.mark.parametrize("origin", [ALLOWED, OTHER])
async def test_listed_origin_preflight_and_request_succeed_with_credentials(
    cors_client: httpx.AsyncClient, origin: str
) -> None:
    async with cors_client as client:
        preflight = await client.options(
            "/api/v1/auth/login", headers={"Origin": origin, **PREFLIGHT}
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert preflight.headers["access-control-allow-credentials"] == "true"
        assert preflight.headers["access-control-max-age"] == "3600"
        methods = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
        assert methods == {"GET", "POST", "PATCH", "DELETE"}
        response = await client.post("/api/v1/auth/login", json={}, headers={"Origin": origin})
        assert response.status_code == 422
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.test",
        "null",
        "https://app.example.com.evil.test",
        "https://evil-app.example.com",
        "http://app.example.com",
        "https://app.example.com:8443",
    ],
)
async def test_other_origins_get_no_cors_headers_at_all(
    cors_client: httpx.AsyncClient, origin: str
) -> None:
    async with cors_client as client:
        preflight = await client.options(
            "/api/v1/auth/login", headers={"Origin": origin, **PREFLIGHT}
        )
        response = await client.post("/api/v1/auth/login", json={}, headers={"Origin": origin})
    assert preflight.status_code != 200
    for answer in (preflight, response):
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]


async def test_a_put_preflight_is_refused(cors_client: httpx.AsyncClient) -> None:
    async with cors_client as client:
        preflight = await client.options(
            "/api/v1/auth/me",
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"},
        )
    assert preflight.status_code == 400
