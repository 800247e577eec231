"""413 for oversized bodies, declared or streamed; 500s that show nothing internal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from tests.conftest import AppFactory, bearer, client_for, signup
from tests.hardening.conftest import PRODUCTION

LIMIT = 4096
SIGNUP = "/api/v1/auth/signup"


async def test_declared_oversized_body_gets_413(app_factory: AppFactory) -> None:
    app = await app_factory(max_request_body_bytes=LIMIT)
    async with client_for(app) as client:
        response = await client.post(
            SIGNUP,
            content=b'{"email": "' + b"a" * LIMIT + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_chunked_body_without_length_is_cut_off_before_it_is_read_whole(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(max_request_body_bytes=LIMIT)
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        yield b'{"email": "'
        for _ in range(1000):  # 1 MB if the server kept reading
            sent.append(1024)
            yield b"a" * 1024

    async with client_for(app) as client:
        response = await client.post(
            SIGNUP, content=endless(), headers={"Content-Type": "application/json"}
        )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large"}
    assert sum(sent) <= LIMIT + 1024


async def test_task_import_has_its_own_larger_ceiling(app_factory: AppFactory) -> None:
    """An export bigger than the general limit imports; past the import ceiling it is a 413."""
    app = await app_factory(max_request_body_bytes=LIMIT, max_import_body_bytes=LIMIT * 16)
    tasks = [{"title": f"task {i:04d} " + "x" * 40} for i in range(400)]
    async with client_for(app) as client:
        session = await signup(client)
        headers = bearer(session)
        document = {"version": 1, "tasks": tasks[:200]}
        body = json.dumps(document).encode()
        assert LIMIT < len(body) < LIMIT * 16
        ok = await client.post(
            "/api/v1/tasks/import",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert ok.status_code == 201, ok.text
        assert ok.json() == {"imported": 200}
        # The general limit still applies everywhere else.
        other = await client.post(
            "/api/v1/tasks",
            content=json.dumps({"title": "t", "description": "d" * LIMIT}).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert other.status_code == 413
        huge = json.dumps({"version": 1, "tasks": tasks * 4}).encode()
        assert len(huge) > LIMIT * 16
        refused = await client.post(
            "/api/v1/tasks/import",
            content=huge,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert refused.status_code == 413
        listed = await client.get("/api/v1/tasks", params={"limit": 1}, headers=headers)
        assert listed.json()["total"] == 200


async def test_body_under_the_limit_is_served(app_factory: AppFactory) -> None:
    app = await app_factory(max_request_body_bytes=LIMIT)
    async with client_for(app) as client:
        response = await client.post(SIGNUP, json={"email": "nobody"})
    assert response.status_code == 422


async def test_production_500_shows_nothing_internal(app_factory: AppFactory) -> None:
    app = await app_factory(**PRODUCTION)
    app.add_api_route("/boom", _boom, methods=["GET"])
    async with client_for(app) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body == {
        "detail": "Internal server error",
        "request_id": response.headers["x-request-id"],
    }
    for leak in ("Traceback", "secret-sauce", ".py", "SELECT", "ZeroDivision"):
        assert leak not in response.text
    assert response.headers["strict-transport-security"]


async def _boom() -> None:
    raise ZeroDivisionError("secret-sauce in /app/core/thing.py: SELECT * FROM users")


async def test_openapi_is_not_an_error_vector_in_production(app_factory: AppFactory) -> None:
    app = await app_factory(**PRODUCTION, docs_enabled=False)
    async with client_for(app) as client:
        assert (await client.get("/openapi.json")).status_code == 404
        assert (await client.get("/_test/slow")).status_code == 404


def test_test_routes_are_refused_in_production() -> None:
    from app.core.config import Settings
    from tests.conftest import TEST_SECRET

    settings = Settings(
        **PRODUCTION,
        jwt_secret_key=TEST_SECRET,
        database_url="sqlite+aiosqlite:///x.db",
        test_routes_enabled=True,
    )
    assert any("TEST_ROUTES_ENABLED" in p for p in settings.problems())


async def test_deeply_nested_json_is_a_client_error_not_a_crash(app_factory: AppFactory) -> None:
    app = await app_factory()
    depth = 100_000  # 200 kB, under the size limit, far past any recursion limit
    async with client_for(app) as client:
        response = await client.post(
            "/api/v1/auth/login",
            content=b"[" * depth + b"]" * depth,
            headers={"Content-Type": "application/json"},
        )
    assert 400 <= response.status_code < 500
