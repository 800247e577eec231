"""Print PostgreSQL's EXPLAIN ANALYZE of the task list queries on a realistic data set.

Creates (and afterwards drops) a scratch database next to the one in the URL, migrates it,
seeds one user with 10,000 tasks among 200,000 tasks of 40 other users, and explains the
exact SQL TaskService runs for a few filtered, sorted pages. Output goes to docs/query-plans.md.

    cd backend && uv run python scripts/explain_tasks.py postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from app.cli import run_migrations
from app.core import clock
from app.models.task import Priority
from app.models.user import User
from app.services.tasks import TaskQuery, TaskService

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TARGET_TASKS = 10_000
OTHER_USERS = 40
TASKS_PER_OTHER_USER = 5_000

SEED_TASKS = """
INSERT INTO tasks (id, user_id, title, description, completed, completed_at, priority, tags,
                   due_at, recurrence, created_at, updated_at)
SELECT gen_random_uuid(), :user_id,
       (ARRAY['Write', 'Review', 'Call', 'Buy', 'Plan', 'Fix'])[1 + g % 6] || ' item ' || g,
       CASE WHEN g % 4 = 0 THEN NULL
            WHEN g % 50 = 1 THEN 'notes for item ' || g || ', see the quarterly report'
            ELSE 'notes for item ' || g END,
       g % 3 = 0,
       CASE WHEN g % 3 = 0 THEN p.now - make_interval(hours => g % 500) END,
       (ARRAY['none', 'low', 'medium', 'high'])[1 + g % 4],
       ARRAY[(ARRAY['work', 'home', 'errand'])[1 + (g / 7) % 3], 'q' || (g % 4)]::varchar(32)[],
       CASE WHEN g % 5 = 0 THEN NULL
            ELSE p.now + make_interval(hours => (g % 2000) - 1000) END,
       'none',
       p.now - make_interval(mins => g),
       p.now - make_interval(mins => g % 700)
FROM generate_series(1, :count) AS g, (SELECT CAST(:now AS timestamptz) AS now) AS p
"""

QUERIES: dict[str, TaskQuery] = {
    "Default page: active tasks, newest first (status=active)": TaskQuery(status="active"),
    "Filtered and sorted: tag=work, priority=high|medium, active, sort=due_at": TaskQuery(
        status="active",
        tags=("work",),
        priorities=(Priority.high, Priority.medium),
        sort="due_at",
    ),
    "Tags only: tag=errand&tag=q1, sort=-updated_at": TaskQuery(
        tags=("errand", "q1"), sort="-updated_at"
    ),
    "Overdue, soonest first (overdue=true&sort=due_at)": TaskQuery(overdue=True, sort="due_at"),
    "Search: q=report, sort=title": TaskQuery(q="report", sort="title"),
}


async def _admin(url: str, sql: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def _seed(conn: AsyncConnection) -> uuid.UUID:
    target = uuid.uuid4()
    users = [target, *(uuid.uuid4() for _ in range(OTHER_USERS))]
    for number, user_id in enumerate(users):
        await conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, token_version, created_at, "
                "updated_at) VALUES (:id, :email, 'x', 0, :now, :now)"
            ),
            {"id": user_id, "email": f"user{number}@example.com", "now": NOW},
        )
        count = TARGET_TASKS if user_id == target else TASKS_PER_OTHER_USER
        await conn.execute(text(SEED_TASKS), {"user_id": user_id, "now": NOW, "count": count})
    await conn.execute(text("ANALYZE tasks"))
    await conn.execute(text("ANALYZE users"))
    return target


def _sql(statement: object) -> str:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=asyncpg_dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


async def _explain(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            target = await _seed(conn)
        async with AsyncSession(engine) as session:
            user = await session.get_one(User, target)
            service = TaskService(session)
            print(
                f"tasks of the user: {TARGET_TASKS}, tasks of {OTHER_USERS} other users: "
                f"{OTHER_USERS * TASKS_PER_OTHER_USER}\n"
            )
            for title, query in QUERIES.items():
                for kind, statement in (
                    ("page", service.page_statement(user, query)),
                    ("count", service.count_statement(user, query)),
                ):
                    sql = _sql(statement)
                    plan = await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                    print(f"### {title} ({kind})\n\n```sql\n{sql}\n```\n\n```")
                    print("\n".join(row[0] for row in plan))
                    print("```\n")
    finally:
        await engine.dispose()


def main() -> None:
    admin_url = make_url(
        sys.argv[1]
        if len(sys.argv) > 1
        else "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    admin_url = admin_url.set(drivername="postgresql+asyncpg")
    name = f"explain_tasks_{uuid.uuid4().hex[:8]}"
    scratch = admin_url.set(database=name).render_as_string(hide_password=False)
    admin = admin_url.render_as_string(hide_password=False)
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        run_migrations(scratch)
        clock.set_clock(lambda: NOW)
        asyncio.run(_explain(scratch))
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
