"""Async engine and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import Settings

# libpq understands these query parameters, asyncpg does not: Neon hands out URLs with them.
_LIBPQ_ONLY_PARAMS = frozenset(
    {
        "sslmode",
        "channel_binding",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "target_session_attrs",
        "gssencmode",
        "connect_timeout",
        "options",
        "application_name",
    }
)
_SSL_MODES_REQUIRING_TLS = frozenset({"require", "verify-ca", "verify-full"})


@dataclass(frozen=True)
class DatabaseTarget:
    """A URL SQLAlchemy's async drivers accept, plus the connect arguments it implies."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"


def normalize_database_url(raw: str) -> DatabaseTarget:
    """Turn any supported URL (Neon's `postgresql://...?sslmode=require` too) into an async one.

    The scheme gets the async driver, libpq-only query parameters are removed, and an
    `sslmode` that asks for TLS becomes a verifying SSL context, since asyncpg would otherwise
    reject the parameters or (for `require`) skip certificate verification.
    """
    url = make_url(raw)
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
        return DatabaseTarget(url=url, connect_args=connect_args)
    if backend in {"postgresql", "postgres"}:
        query = dict(url.query)
        sslmode = query.get("sslmode") or query.get("ssl")
        if isinstance(sslmode, tuple):
            sslmode = sslmode[-1]
        cleaned = {k: v for k, v in query.items() if k not in _LIBPQ_ONLY_PARAMS and k != "ssl"}
        url = url.set(drivername="postgresql+asyncpg", query=cleaned)
        if sslmode in _SSL_MODES_REQUIRING_TLS or sslmode == "true":
            connect_args["ssl"] = ssl.create_default_context()
        elif sslmode == "disable" or sslmode == "false":
            connect_args["ssl"] = False
        return DatabaseTarget(url=url, connect_args=connect_args)
    raise ValueError(f"Unsupported database URL scheme: {backend!r} (use sqlite or postgresql)")


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine the app uses; pool settings apply to PostgreSQL only."""
    target = normalize_database_url(settings.database_url)
    if target.is_sqlite:
        # A local file: its connections cannot go stale, so nothing is pinged.
        _ensure_sqlite_directory(target.url)
        connect_args = {**target.connect_args, "timeout": 30}
        engine = create_async_engine(target.url, connect_args=connect_args, echo=settings.db_echo)
        _configure_sqlite(engine)
        return engine
    connect_args = {**target.connect_args, "server_settings": {"application_name": "todo-api"}}
    engine = create_async_engine(
        target.url,
        connect_args=connect_args,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=settings.db_pool_recycle_seconds,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    _ping_idle_connections(engine, settings.db_ping_idle_seconds)
    return engine


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only if it sat idle for more than `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip and about 5 % of
    a request's CPU (docs/benchmarks.md). A connection returned to the pool moments ago is
    as good as a pinged one; one that sat idle may have been dropped by the server (Neon
    suspends idle computes, see docs/deployment/neon.md) and is pinged, and replaced if the
    ping fails, before a request gets it. A connection that dies while busy fails its request
    with a 503, and SQLAlchemy then recycles every connection of the pool.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError("pooled connection failed its ping") from exc


def _ensure_sqlite_directory(url: URL) -> None:
    from pathlib import Path

    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on (for ON DELETE CASCADE), WAL for concurrent readers, a busy timeout."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def create_read_sessionmaker(
    engine: AsyncEngine, ordinary: async_sessionmaker[AsyncSession]
) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read: no transaction around their statements.

    On PostgreSQL a transaction costs a BEGIN and a ROLLBACK round trip around the request's
    one or two SELECTs. A read-only route's statements each see a committed state of their
    own, which is all a page of tasks needs. SQLite never opens a transaction for a SELECT,
    so it keeps the ordinary sessions.
    """
    if engine.dialect.name != "postgresql":
        return ordinary
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        autoflush=False,
    )


class ConnectionGate:
    """Requests queue here, first come first served, for one of the pool's connections.

    SQLAlchemy's async pool hands a returned connection to whichever coroutine asks next, so
    under saturation a request that is already waiting can lose its turn to newcomers again
    and again: most requests are quick while a few wait for seconds (measured: p50 65 ms,
    p99 over 10 s at 100 users, docs/benchmarks.md). asyncio.Semaphore is FIFO and never lets a
    newcomer overtake a waiter, so with as many slots as the pool has connections nobody waits
    inside the pool and the wait is shared fairly. Waiting longer than the pool timeout is the
    pool's own timeout error (a 503 with Retry-After).
    """

    def __init__(self, slots: int, timeout: float) -> None:
        self.slots = slots
        self._semaphore = asyncio.Semaphore(slots)
        self._timeout = timeout

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(self._timeout):
                await self._semaphore.acquire()
        except TimeoutError as exc:
            raise PoolTimeoutError("no database connection became free in time") from exc
        try:
            yield
        finally:
            self._semaphore.release()


def create_connection_gate(engine: AsyncEngine, settings: Settings) -> ConnectionGate:
    """A gate with one slot per connection the engine's pool can open."""
    pool = engine.pool
    size = pool.size() if hasattr(pool, "size") else settings.db_pool_size
    overflow = getattr(pool, "_max_overflow", 0)
    return ConnectionGate(max(1, size + max(0, overflow)), settings.db_pool_timeout_seconds)
