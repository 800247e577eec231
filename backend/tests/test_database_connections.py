"""How requests use database connections: read-only routes without a transaction, idle pings.

The PostgreSQL tests kill the app's own connections with pg_terminate_backend (the database is
this test run's throwaway one), which is what a server restart or Neon suspending an idle
compute looks like to a pooled connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.core.db import ConnectionGate
from tests.conftest import AppFactory, bearer, client_for, is_postgres, requires_postgres, signup


def _isolation_levels(app: FastAPI) -> tuple[list[tuple[str, str]], Any]:
    """(isolation level, statement) of every statement the app runs, until the returned stop()."""
    seen: list[tuple[str, str]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        level = conn.get_execution_options().get("isolation_level", "default")
        seen.append((level, statement.split()[0].upper()))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


@requires_postgres
async def test_reading_routes_run_without_a_transaction_and_writing_routes_with_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = bearer(await signup(client, "reader@example.com"))
    created = await client.post("/api/v1/tasks", json={"title": "one"}, headers=headers)
    assert created.status_code == 201
    task_id = created.json()["id"]
    seen, stop = _isolation_levels(app)
    try:
        for path in ("/api/v1/tasks", f"/api/v1/tasks/{task_id}", "/api/v1/tags"):
            assert (await client.get(path, headers=headers)).status_code == 200
        reads = list(seen)
        seen.clear()
        response = await client.patch(
            f"/api/v1/tasks/{task_id}", json={"title": "two"}, headers=headers
        )
        assert response.status_code == 200
        writes = list(seen)
    finally:
        stop()
    assert reads
    assert all(level == "AUTOCOMMIT" for level, _ in reads), reads
    assert writes
    assert all(level != "AUTOCOMMIT" for level, _ in writes), writes
    assert "UPDATE" in {verb for _, verb in writes}


async def test_sqlite_reads_use_the_ordinary_sessions(app: FastAPI) -> None:
    if is_postgres():
        pytest.skip("SQLite only")
    # sqlite3 opens no transaction for a SELECT: there is nothing to save, so nothing changes.
    assert app.state.read_sessionmaker is app.state.sessionmaker


async def _kill_app_connections(database_url: str) -> int:
    url = make_url(database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = 'todo-api'"
        )
    finally:
        await admin.close()
    return len(rows)


@requires_postgres
async def test_a_dead_connection_that_sat_idle_is_replaced_before_a_request_gets_it(
    app_factory: AppFactory, database_url: str
) -> None:
    app = await app_factory(db_ping_idle_seconds=0.2)
    async with client_for(app) as client:
        headers = bearer(await signup(client, "idle@example.com"))
        assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 200
        assert await _kill_app_connections(database_url) >= 1
        await asyncio.sleep(0.4)  # longer idle than DB_PING_IDLE_SECONDS: pinged at checkout
        for _ in range(3):
            assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 200


@requires_postgres
async def test_a_connection_that_dies_while_in_use_fails_one_request_cleanly(
    app_factory: AppFactory, database_url: str
) -> None:
    # Not idle long enough to be pinged: the request on it gets a 503 with a JSON body (never
    # a 500), and the pool replaces its connections, so the next request succeeds.
    app = await app_factory(db_ping_idle_seconds=3600)
    async with client_for(app) as client:
        headers = bearer(await signup(client, "busy@example.com"))
        assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 200
        assert await _kill_app_connections(database_url) >= 1
        failed = await client.get("/api/v1/tasks", headers=headers)
        assert failed.status_code == 503, failed.text
        assert failed.json()["detail"]
        assert "Retry-After" in failed.headers
        assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 200


async def test_the_connection_gate_serves_waiters_first_come_first_served() -> None:
    gate = ConnectionGate(1, timeout=5)
    order: list[str] = []
    release = asyncio.Event()

    async def request(name: str) -> None:
        async with gate.slot():
            order.append(name)
            await release.wait()

    first = asyncio.create_task(request("first"))
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(request(f"waiter {i}")) for i in range(3)]
    await asyncio.sleep(0.01)
    release.set()
    # A newcomer arriving just as the slot frees must queue behind those already waiting.
    late = asyncio.create_task(request("newcomer"))
    await asyncio.gather(first, *waiters, late)
    assert order == ["first", "waiter 0", "waiter 1", "waiter 2", "newcomer"]


async def test_waiting_longer_than_the_pool_timeout_is_the_pools_timeout_error() -> None:
    gate = ConnectionGate(1, timeout=0.05)
    async with gate.slot():
        with pytest.raises(PoolTimeoutError):
            async with gate.slot():
                pass
    async with gate.slot():  # the slot was given back
        pass


async def test_the_gate_has_a_slot_for_every_connection_the_pool_can_open(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(db_pool_size=3, db_max_overflow=4)
    expected = 3 + 4 if is_postgres() else 5 + 10  # SQLite keeps SQLAlchemy's default pool
    assert app.state.db_gate.slots == expected


async def test_a_request_waits_for_a_free_connection_and_then_succeeds(
    app_factory: AppFactory,
) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        headers = bearer(await signup(client, "queue@example.com"))
        gate = app.state.db_gate
        held = [gate.slot() for _ in range(gate.slots)]
        for slot in held:
            await slot.__aenter__()
        pending = asyncio.create_task(client.get("/api/v1/tasks", headers=headers))
        await asyncio.sleep(0.2)
        assert not pending.done()  # queued at the gate, not failed
        await held[0].__aexit__(None, None, None)
        assert (await pending).status_code == 200
        for slot in held[1:]:
            await slot.__aexit__(None, None, None)


async def test_a_request_that_cannot_get_a_connection_in_time_is_a_503(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(db_pool_timeout_seconds=0.2)
    async with client_for(app) as client:
        headers = bearer(await signup(client, "busy-gate@example.com"))
        gate = app.state.db_gate
        held = [gate.slot() for _ in range(gate.slots)]
        for slot in held:
            await slot.__aenter__()
        try:
            response = await client.get("/api/v1/tasks", headers=headers)
        finally:
            for slot in held:
                await slot.__aexit__(None, None, None)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert (await client.get("/api/v1/tasks", headers=headers)).status_code == 200
