"""Fixtures of the reliability suite: throwaway databases and backend processes, cleaned up.

`database` is PostgreSQL when TEST_DATABASE_URL is set (as in CI), else SQLite; tests that only
make sense on one engine ask for `sqlite_database` or `postgres_database`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from support import (
    TEST_DATABASE_URL,
    Backend,
    Database,
    create_database,
    drop_database,
    start_backend,
)

BackendFactory = Callable[..., Backend]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    kind = "postgres" if TEST_DATABASE_URL else "sqlite"
    db = await create_database(tmp_path, kind)
    try:
        yield db
    finally:
        await drop_database(db)


@pytest.fixture
async def postgres_database(tmp_path: Path) -> AsyncIterator[Database]:
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL=postgresql+asyncpg://...")
    db = await create_database(tmp_path, "postgres")
    try:
        yield db
    finally:
        await drop_database(db)


@pytest.fixture
def backend_factory(tmp_path: Path) -> Any:
    """Start `todo-api serve` processes on a database; all are stopped after the test."""
    started: list[Backend] = []

    def factory(db: Database, **kwargs: Any) -> Backend:
        backend = start_backend(db.url, tmp_path, **kwargs)
        started.append(backend)
        return backend

    yield factory
    for backend in reversed(started):
        backend.stop()
