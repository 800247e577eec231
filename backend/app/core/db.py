"""Async engine and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
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
    kwargs: dict[str, Any] = {"echo": settings.db_echo, "pool_pre_ping": True}
    if target.is_sqlite:
        _ensure_sqlite_directory(target.url)
        connect_args = {**target.connect_args, "timeout": 30}
        engine = create_async_engine(target.url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    connect_args = {**target.connect_args, "server_settings": {"application_name": "todo-api"}}
    return create_async_engine(
        target.url,
        connect_args=connect_args,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=settings.db_pool_recycle_seconds,
        pool_timeout=settings.db_pool_timeout_seconds,
        **kwargs,
    )


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
