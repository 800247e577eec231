"""Alembic environment: async engine from the app's settings, advisory-locked on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from app.core.config import load_settings
from app.core.db import create_engine

# Any constant works; it only has to be the same for every replica of this app.
MIGRATION_LOCK_ID = 0x70D0_A11

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Transaction-scoped, so it is released with the migration's own transaction and
            # also works through a transaction-pooling proxy (PgBouncer, Neon's pooled endpoint).
            # The revision check happens after the lock is held: a replica that waited sees head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        context.run_migrations()


@contextmanager
def _sqlite_file_lock(database: str | None) -> Iterator[None]:
    """SQLite has no advisory locks: processes sharing the file serialise on a sidecar lock file."""
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    import fcntl

    lock_path = Path(database).expanduser().resolve().with_suffix(".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _locked_run(connection: Connection) -> None:
    """Serialise concurrent migration runs (several replicas starting at once)."""
    if connection.dialect.name == "postgresql":
        _run(connection)  # takes pg_advisory_xact_lock inside the migration transaction
    else:
        with _sqlite_file_lock(connection.engine.url.database):
            _run(connection)


async def _run_online() -> None:
    url = config.attributes.get("database_url")
    settings = load_settings() if url is None else load_settings(database_url=url)
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_locked_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline SQL generation is not supported; run `todo-api migrate`.")
asyncio.run(_run_online())
