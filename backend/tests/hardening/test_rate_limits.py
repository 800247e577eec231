"""Rate limits: memory by default, shared through Redis, the per-user budget, Redis outages."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TEST_REDIS_URL, AppFactory, bearer, client_for, requires_redis, signup
from tests.hardening.conftest import AppLog

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _assert_429(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests; try again later"}
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert response.headers["content-type"] == "application/json"


async def test_login_is_limited_per_account_in_memory(app_factory: AppFactory) -> None:
    app = await app_factory(login_rate_limit_per_account="3/15minutes")
    async with client_for(app) as client:
        body = {"email": "victim@example.com", "password": "wrong password 1"}
        statuses = [(await client.post(LOGIN, json=body)).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        _assert_429(await client.post(LOGIN, json=body))
        # Another account from the same address is not locked out by it.
        other = {"email": "someone@example.com", "password": "wrong password 1"}
        assert (await client.post(LOGIN, json=other)).status_code == 401


async def test_general_budget_limits_each_user_with_retry_after(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_per_minute=5)
    async with client_for(app) as client:
        alice = await signup(client)
        bob = await signup(client)
        for _ in range(5):
            assert (await client.get("/api/v1/auth/me", headers=bearer(alice))).status_code == 200
        _assert_429(await client.get("/api/v1/tasks", headers=bearer(alice)))
        # Bob, same IP, own budget.
        assert (await client.get("/api/v1/auth/me", headers=bearer(bob))).status_code == 200
        metrics = (await client.get("/metrics")).text
    assert 'todo_rate_limited_total{limit="api"} 1.0' in metrics


async def test_rate_limits_can_be_disabled_outside_production(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_enabled=False, rate_limit_per_minute=1)
    async with client_for(app) as client:
        session = await signup(client)
        for _ in range(3):
            assert (await client.get("/api/v1/auth/me", headers=bearer(session))).status_code == 200


@requires_redis
@pytest.mark.redis
async def test_two_app_instances_share_counters_through_redis(app_factory: AppFactory) -> None:
    first = await app_factory(redis_url=TEST_REDIS_URL, refresh_rate_limit_per_ip="4/minute")
    second = await app_factory(redis_url=TEST_REDIS_URL, refresh_rate_limit_per_ip="4/minute")
    assert first.state.limiter.backend == second.state.limiter.backend == "redis"
    # A fresh address per run: counters live on in Redis (database 15, shared with other suites).
    ip = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    async with client_for(first, ip) as a, client_for(second, ip) as b:
        statuses = [
            (await a.post(REFRESH, json={})).status_code,
            (await b.post(REFRESH, json={})).status_code,
            (await a.post(REFRESH, json={})).status_code,
            (await b.post(REFRESH, json={})).status_code,
        ]
        assert statuses == [401, 401, 401, 401]
        _assert_429(await a.post(REFRESH, json={}))
        _assert_429(await b.post(REFRESH, json={}))


async def _user_token(app_factory: AppFactory) -> dict[str, str]:
    """A user created through a healthy app on the same database."""
    healthy = await app_factory()
    async with client_for(healthy) as client:
        return bearer(await signup(client, "outage@example.com"))


async def test_redis_outage_keeps_serving_fails_closed_for_login_and_says_so(
    app_factory: AppFactory, app_log: AppLog
) -> None:
    headers = await _user_token(app_factory)
    app: FastAPI = await app_factory(redis_url=UNREACHABLE_REDIS)
    app_log.attach()
    async with client_for(app) as client:
        # The general budget fails open: the API keeps working.
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
        assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 200
        # Login fails closed: no unlimited password guessing while the counters are gone.
        login = await client.post(
            LOGIN, json={"email": "outage@example.com", "password": "correct horse battery staple"}
        )
        assert login.status_code == 503
        assert login.headers["retry-after"]
        forgot = await client.post(
            "/api/v1/auth/forgot-password", json={"email": "outage@example.com"}
        )
        assert forgot.status_code == 503
        health = await client.get("/health")
        metrics = (await client.get("/metrics")).text
    assert health.status_code == 200
    assert health.json()["rate_limit_storage"] == "unavailable"
    assert health.json()["warnings"]
    assert "rate-limit storage (redis) unreachable" in app_log.text
    assert 'todo_rate_limit_storage_errors_total{outcome="open"}' in metrics
    assert 'todo_rate_limit_storage_errors_total{outcome="closed"}' in metrics
