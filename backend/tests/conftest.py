"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when TEST_DATABASE_URL is
set), an app built with test settings, an HTTP client on the real ASGI app, a controllable clock.

The suite runs once per database engine: `make test` on SQLite, `make test-postgres` (and
.ci/run) with TEST_DATABASE_URL pointing at PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import run_migrations
from app.core import clock as clock_module
from app.core.config import Settings
from app.main import create_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"
STRONG_PASSWORD = "correct horse battery staple"

requires_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL or not TEST_DATABASE_URL.startswith("postgres"),
    reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql+asyncpg://...",
)
requires_redis = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/15"
)


def is_postgres() -> bool:
    return bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"))


# ------------------------------------------------------------------ database


class _PostgresDatabase:
    """A throwaway database on the server named by TEST_DATABASE_URL, migrated once."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url).set(drivername="postgresql+asyncpg")
        self.name = f"todo_test_{uuid.uuid4().hex[:10]}"
        self.url = self.admin_url.set(database=self.name).render_as_string(hide_password=False)

    async def _admin(self, sql: str) -> None:
        engine = create_async_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    def create(self) -> None:
        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))
        run_migrations(self.url)

    def drop(self) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def truncate_all(self) -> None:
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
                tables = [r[0] for r in rows]
                if tables:
                    joined = ", ".join(f'"{t}"' for t in tables)
                    await conn.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if is_postgres():
        assert TEST_DATABASE_URL is not None
        db = _PostgresDatabase(TEST_DATABASE_URL)
        db.create()
        try:
            yield db
        finally:
            db.drop()
        return
    template = tmp_path_factory.mktemp("db") / "template.db"
    run_migrations(f"sqlite+aiosqlite:///{template}")
    yield template


@pytest.fixture
async def database_url(_database_template: Any, tmp_path: Path) -> str:
    """A migrated, empty database for one test."""
    if is_postgres():
        await _database_template.truncate_all()
        return str(_database_template.url)
    target = tmp_path / "test.db"
    shutil.copyfile(_database_template, target)
    return f"sqlite+aiosqlite:///{target}"


# ------------------------------------------------------------------ clock


class FrozenClock:
    """A clock tests move by hand; installed as the app's clock for the test's duration."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    clock_module.set_clock(frozen)
    try:
        yield frozen
    finally:
        clock_module.set_clock(None)


# ------------------------------------------------------------------ app and client


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "jwt_secret_key": TEST_SECRET,
        "frontend_url": "http://localhost:3000",
        "email_backend": "console",
        "log_format": "text",
    }
    values.update(overrides)
    return Settings(**values)


AppFactory = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def app_factory(database_url: str) -> AsyncIterator[AppFactory]:
    """Build (and start) apps with test settings plus overrides; all are shut down afterwards."""
    managers: list[LifespanManager] = []

    async def factory(**overrides: Any) -> FastAPI:
        app = create_app(make_settings(database_url, **overrides))
        manager = LifespanManager(app, startup_timeout=30, shutdown_timeout=30)
        await manager.__aenter__()
        managers.append(manager)
        return app

    try:
        yield factory
    finally:
        for manager in reversed(managers):
            await manager.__aexit__(None, None, None)


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    return await app_factory()


def client_for(app: FastAPI, client_ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(client_ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


async def signup(
    http: httpx.AsyncClient,
    /,
    email: str | None = None,
    password: str = STRONG_PASSWORD,
    **extra: Any,
) -> dict[str, Any]:
    """Sign a new user up through the API and return the Session body."""
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    response = await http.post(
        "/api/v1/auth/signup", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


@pytest.fixture
async def user_session(client: httpx.AsyncClient) -> dict[str, Any]:
    """A signed-up user; the client holds their cookies, the body their tokens."""
    return await signup(client)
