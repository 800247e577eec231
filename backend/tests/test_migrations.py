"""Migrations upgrade an empty database to head and downgrade it to base, on both engines."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import downgrade_migrations, run_migrations
from app.core.db import normalize_database_url
from tests.conftest import TEST_DATABASE_URL, is_postgres


async def _tables(url: str) -> set[str]:
    target = normalize_database_url(url)
    engine = create_async_engine(target.url, connect_args=target.connect_args)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


async def _admin(sql: str) -> None:
    assert TEST_DATABASE_URL
    target = normalize_database_url(TEST_DATABASE_URL)
    engine = create_async_engine(target.url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path) -> object:
    if not is_postgres():
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    assert TEST_DATABASE_URL
    name = f"todo_mig_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = normalize_database_url(TEST_DATABASE_URL).url.set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_upgrade_to_head_then_downgrade_to_base(empty_database_url: str) -> None:
    run_migrations(empty_database_url)
    tables = asyncio.run(_tables(empty_database_url))
    assert {"users", "refresh_tokens", "alembic_version"} <= tables
    downgrade_migrations(empty_database_url, "base")
    assert asyncio.run(_tables(empty_database_url)) <= {"alembic_version"}
    # And back up again: the downgrade left nothing behind that blocks a re-run.
    run_migrations(empty_database_url)
    assert "users" in asyncio.run(_tables(empty_database_url))


def test_migrations_match_the_models(empty_database_url: str) -> None:
    """No model change without a migration: autogenerate finds nothing to do at head."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import app.models  # noqa: F401

    run_migrations(empty_database_url)

    async def diff() -> list[object]:
        target = normalize_database_url(empty_database_url)
        engine = create_async_engine(target.url, connect_args=target.connect_args)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": False}),
                        SQLModel.metadata,
                    )
                )
        finally:
            await engine.dispose()

    # Indexes that exist only in migrations (PostgreSQL trigram/GIN and expression indexes that
    # the models cannot express) show up as "remove_index"; every other difference is a bug.
    differences = [d for d in asyncio.run(diff()) if not _is_migration_only_index(d)]
    assert differences == [], differences


def _is_migration_only_index(difference: object) -> bool:
    return isinstance(difference, tuple) and difference[0] == "remove_index"


def test_concurrent_migration_runs_do_not_race(empty_database_url: str) -> None:
    """Two replicas starting together: an advisory lock (PostgreSQL) or a file lock (SQLite)
    serialises them, so both processes succeed and the schema is built once."""
    code = "import sys; from app.cli import run_migrations; run_migrations(sys.argv[1])"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, empty_database_url],
            cwd=Path(__file__).resolve().parents[1],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    for proc in procs:
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output
    assert "users" in asyncio.run(_tables(empty_database_url))
