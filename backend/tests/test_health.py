"""Liveness and readiness endpoints."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


async def test_live_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_reports_database_connected(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["database"] == "connected"
    assert body["email"] == "configured"
    assert body["version"]
    assert body["timestamp"].endswith("+00:00")


async def test_health_is_503_with_reasons_when_database_is_down(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await app.state.engine.dispose()
    from sqlalchemy.ext.asyncio import create_async_engine

    app.state.engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"] == "unavailable"
    assert body["errors"]
    assert body["errors"][0].startswith("database")


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    minted = await client.get("/health/live")
    assert len(minted.headers["x-request-id"]) >= 16
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    missing = await client.get("/no-such-route")
    assert missing.status_code == 404
    assert missing.headers["x-request-id"]
