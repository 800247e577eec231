"""PostgreSQL connections killed, and the database unreachable, during a load run.

The shared PostgreSQL server is never restarted (other suites use it): the test cuts its own
database off instead, with `pg_terminate_backend` on every connection and
`ALLOW_CONNECTIONS false` for as long as the outage should last. To the app that is what a
restart looks like: live connections die, new ones are refused, then it comes back.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.engine import make_url

from load import MixedLoad, make_users
from support import Database, TcpProxy, bearer, signup, wait_until

pytestmark = pytest.mark.postgres


async def _kill_connections(db: Database) -> int:
    rows = await db.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{db.name}' AND pid <> pg_backend_pid()"
    )
    return len(rows)


def _assert_clean(load: MixedLoad) -> None:
    """Every answer is a success or a 503 with a JSON body; none is a 500 or a dropped socket."""
    allowed = {200, 201, 204, 503}
    bad = [o for o in load.outcomes if o.status not in allowed]
    assert not bad, f"unexpected answers: {bad[:10]} (all: {load.statuses()})"
    unclean = [o for o in load.outcomes if o.status == 503 and not o.json_detail]
    assert not unclean, f"503 without a JSON detail: {unclean[:5]}"


async def test_killed_connections_fail_cleanly_and_the_app_carries_on(
    postgres_database: Database, backend_factory: object
) -> None:
    backend = backend_factory(postgres_database, DB_POOL_SIZE="5")  # type: ignore[operator]
    await backend.wait_healthy()
    users = await make_users(backend, 4)
    load = MixedLoad([backend], users, concurrency=8)
    load.start()
    await asyncio.sleep(2)
    killed = 0
    for _ in range(3):  # connections die while requests are in flight on them
        killed += await _kill_connections(postgres_database)
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)
    await load.stop()
    assert killed > 0, "no connection of the app was found to kill"
    _assert_clean(load)
    after = [o for o in load.outcomes if o.at > load.outcomes[-1].at - 2]
    assert after, load.statuses()
    assert all(o.status in {200, 201, 204} for o in after), load.statuses()


async def test_database_outage_reports_unhealthy_then_recovers_without_restart(
    postgres_database: Database, backend_factory: object
) -> None:
    db = postgres_database
    target = make_url(db.url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    via_proxy = Database(proxy.url_for(db.url), "postgres", db.name, admin_url=db.admin_url)
    backend = backend_factory(via_proxy, DB_POOL_TIMEOUT_SECONDS="2")  # type: ignore[operator]
    try:
        await backend.wait_healthy()
        users = await make_users(backend, 4)
        load = MixedLoad([backend], users, concurrency=8)
        load.start()
        await asyncio.sleep(1.5)

        await proxy.cut()  # PostgreSQL "restarts": connections reset, new ones refused
        outage_started = time.monotonic()
        async with backend.client(timeout=10) as client:
            await asyncio.sleep(1.0)
            health = await client.get("/health")
            assert health.status_code == 503, health.text
            body = health.json()
            assert body["status"] == "unhealthy"
            assert any("database" in e for e in body["errors"]), body
            tasks = await client.get("/api/v1/tasks", headers=bearer(users[0].session))
            assert tasks.status_code == 503, tasks.text
            assert tasks.json()["detail"]
            assert tasks.headers.get("retry-after")
            await asyncio.sleep(max(0.0, 4.0 - (time.monotonic() - outage_started)))

            await proxy.restore()
            back_at = time.monotonic()
            recovered = None
            while time.monotonic() - back_at < 15:
                response = await client.get("/api/v1/tasks", headers=bearer(users[0].session))
                if response.status_code == 200:
                    recovered = time.monotonic() - back_at
                    break
                await asyncio.sleep(0.1)
            assert recovered is not None, "the app did not serve again within 15 s"
            assert recovered < 5, f"took {recovered:.1f} s to serve again"
            assert (await client.get("/health")).status_code == 200
        await asyncio.sleep(2)
        await load.stop()
    finally:
        await proxy.cut()
    _assert_clean(load)
    assert any(o.status == 503 for o in load.outcomes), "the outage was never seen by the load"
    last = [o for o in load.outcomes if o.at > back_at + recovered + 0.5]
    assert last, load.statuses()
    assert all(o.status in {200, 201, 204} for o in last), load.statuses()


async def test_a_database_refusing_connections_is_unavailable_not_an_error(
    postgres_database: Database, backend_factory: object
) -> None:
    db = postgres_database
    backend = backend_factory(db)  # type: ignore[operator]
    await backend.wait_healthy()
    async with backend.client() as client:
        user = await signup(client)
        await db.admin(f'ALTER DATABASE "{db.name}" ALLOW_CONNECTIONS false')
        await _kill_connections(db)
        try:
            response = await client.get("/api/v1/tasks", headers=bearer(user))
            assert response.status_code == 503, response.text
            assert response.json()["detail"]
            assert (await client.get("/health")).status_code == 503
        finally:
            await db.admin(f'ALTER DATABASE "{db.name}" ALLOW_CONNECTIONS true')
        assert await wait_until(lambda: _status(client, "/api/v1/tasks", user), timeout=10), (
            "did not recover after the database accepted connections again"
        )


async def _status(client: object, path: str, user: dict[str, object]) -> bool:
    response = await client.get(path, headers=bearer(user))  # type: ignore[attr-defined]
    return bool(response.status_code == 200)
