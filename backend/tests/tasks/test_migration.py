"""Migration 0002_tasks upgrades and downgrades cleanly on the engine under test."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import downgrade_migrations, run_migrations
from tests.conftest import TEST_DATABASE_URL, _PostgresDatabase, is_postgres


async def _tables_and_indexes(url: str) -> tuple[set[str], set[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn: object) -> tuple[set[str], set[str]]:
                inspector = inspect(sync_conn)
                tables = set(inspector.get_table_names())
                indexes = (
                    {i["name"] for i in inspector.get_indexes("tasks")}
                    if "tasks" in tables
                    else set()
                )
                return tables, {name for name in indexes if name}

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection:sqlalchemy.exc.SAWarning")
def test_tasks_migration_round_trips(tmp_path: Path) -> None:
    postgres = None
    if is_postgres():
        assert TEST_DATABASE_URL is not None
        postgres = _PostgresDatabase(TEST_DATABASE_URL)
        postgres.create()
        url = postgres.url
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        run_migrations(url)
    try:
        tables, indexes = asyncio.run(_tables_and_indexes(url))
        assert "tasks" in tables
        assert {"ix_tasks_user_id_created_at", "ix_tasks_user_id_completed_due_at"} <= indexes
        if is_postgres():
            # SQLite's inspector does not report expression indexes; PostgreSQL's does.
            assert {
                "ix_tasks_user_id_lower_title",
                "ix_tasks_user_id_tags_gin",
                "ix_tasks_user_id_title_trgm",
                "ix_tasks_user_id_description_trgm",
            } <= indexes
        downgrade_migrations(url, "0001_users")
        tables, _ = asyncio.run(_tables_and_indexes(url))
        assert "tasks" not in tables
        assert "users" in tables
        run_migrations(url)
        assert "tasks" in asyncio.run(_tables_and_indexes(url))[0]
    finally:
        if postgres is not None:
            postgres.drop()
