"""Listing: every filter and sort, and combinations, against one seeded set with written-out orders.

The seed (created one minute apart, in this order; "now" is 2026-03-10 12:11 UTC afterwards):

| # | title | priority | tags | due_at (UTC) | completed | description |
|---|---|---|---|---|---|---|
| 1 | Buy milk | low | home, errand | 2026-03-05 12:00 | no | 2 litres |
| 2 | File taxes | high | finance | 2026-04-15 12:00 | no | Federal and state |
| 3 | call mom | medium | family, home | - | no | - |
| 4 | Renew passport | high | errand | 2026-03-01 12:00 | at +10min | Needs a photo |
| 5 | Write report | none | work | 2026-03-20 12:00 | no | quarterly MILK numbers |
| 6 | answer email | medium | work, home | - | at +11min | - |

Ties are broken newest first (created_at descending), then by id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.models.task import Priority
from app.models.user import UserRef
from app.services.tasks import TaskQuery, TaskService
from tests.conftest import FrozenClock
from tests.tasks.conftest import Api

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T = {
    1: "Buy milk",
    2: "File taxes",
    3: "call mom",
    4: "Renew passport",
    5: "Write report",
    6: "answer email",
}


def titles(*numbers: int) -> list[str]:
    return [T[n] for n in numbers]


@pytest.fixture
async def seeded(alice: Api, bob: Api, clock: FrozenClock) -> Api:
    clock.now = START
    rows: list[dict[str, Any]] = [
        {
            "priority": "low",
            "tags": ["home", "errand"],
            "due_at": "2026-03-05T12:00:00Z",
            "description": "2 litres",
        },
        {
            "priority": "high",
            "tags": ["finance"],
            "due_at": "2026-04-15T12:00:00Z",
            "description": "Federal and state",
        },
        {"priority": "medium", "tags": ["family", "home"]},
        {
            "priority": "high",
            "tags": ["errand"],
            "due_at": "2026-03-01T12:00:00Z",
            "description": "Needs a photo",
        },
        {
            "priority": "none",
            "tags": ["work"],
            "due_at": "2026-03-20T12:00:00Z",
            "description": "quarterly MILK numbers",
        },
        {"priority": "medium", "tags": ["work", "home"]},
    ]
    ids = {}
    for number, fields in enumerate(rows, start=1):
        clock.advance(minutes=1)
        ids[number] = (await alice.create(title=T[number], **fields))["id"]
        # Bob's look-alike rows must never show up in Alice's lists.
        await bob.create(title=T[number], **fields)
    clock.now = START.replace(minute=10)
    assert (await alice.patch(f"/api/v1/tasks/{ids[4]}", json={"completed": True})).is_success
    clock.now = START.replace(minute=11)
    assert (await alice.patch(f"/api/v1/tasks/{ids[6]}", json={"completed": True})).is_success
    return alice


async def test_default_sort_is_newest_first(seeded: Api) -> None:
    page = await seeded.list()
    assert [i["title"] for i in page["items"]] == titles(6, 5, 4, 3, 2, 1)
    assert (page["total"], page["limit"], page["offset"]) == (6, 50, 0)


SORTS: list[tuple[str, tuple[int, ...]]] = [
    ("created_at", (1, 2, 3, 4, 5, 6)),
    ("-created_at", (6, 5, 4, 3, 2, 1)),
    ("updated_at", (1, 2, 3, 5, 4, 6)),
    ("-updated_at", (6, 4, 5, 3, 2, 1)),
    # no due date last in both directions; those two tie and go newest first
    ("due_at", (4, 1, 5, 2, 6, 3)),
    ("-due_at", (2, 5, 1, 4, 6, 3)),
    ("priority", (5, 1, 6, 3, 4, 2)),
    ("-priority", (4, 2, 6, 3, 1, 5)),
    # case-insensitive
    ("title", (6, 1, 3, 2, 4, 5)),
    ("-title", (5, 4, 2, 3, 1, 6)),
]


FILTERS: list[tuple[dict[str, Any], tuple[int, ...]]] = [
    ({"status": "all"}, (6, 5, 4, 3, 2, 1)),
    ({"status": "active"}, (5, 3, 2, 1)),
    ({"status": "completed"}, (6, 4)),
    ({"priority": "high"}, (4, 2)),
    ({"priority": ["high", "low"]}, (4, 2, 1)),
    ({"priority": "none"}, (5,)),
    ({"tag": "home"}, (6, 3, 1)),
    ({"tag": ["home", "errand"]}, (1,)),
    ({"tag": " HOME "}, (6, 3, 1)),
    ({"tag": "nothing-has-this"}, ()),
    ({"q": "milk"}, (5, 1)),
    ({"q": "MOM"}, (3,)),
    ({"q": "federal"}, (2,)),
    ({"q": "%"}, ()),
    ({"q": "_"}, ()),
    ({"due_before": "2026-03-20T12:00:00Z"}, (4, 1)),
    ({"due_after": "2026-03-20T12:00:00Z"}, (5, 2)),
    ({"due_after": "2026-03-05T13:00:00+01:00"}, (5, 2, 1)),
    ({"due_after": "2026-03-02T00:00:00Z", "due_before": "2026-04-01T00:00:00Z"}, (5, 1)),
    ({"overdue": "true"}, (1,)),
    ({"overdue": "false"}, (6, 5, 4, 3, 2, 1)),
]


COMBINATIONS: list[tuple[dict[str, Any], tuple[int, ...]]] = [
    ({"status": "active", "tag": "home", "sort": "title"}, (1, 3)),
    ({"priority": ["high", "medium"], "status": "active", "sort": "-due_at"}, (2, 3)),
    ({"q": "e", "status": "completed", "sort": "title"}, (6, 4)),
    ({"tag": "work", "sort": "due_at"}, (5, 6)),
    ({"tag": "errand", "priority": "high", "q": "passport"}, (4,)),
    ({"overdue": "true", "tag": "errand", "sort": "priority"}, (1,)),
    ({"due_before": "2026-05-01T00:00:00Z", "sort": "-priority"}, (4, 2, 1, 5)),
    ({"status": "active", "q": "milk", "priority": "none"}, (5,)),
]


async def mismatches(api: Api, cases: list[tuple[dict[str, Any], tuple[int, ...]]]) -> list[str]:
    """Run every case against one seeded database; describe each that does not hold."""
    found = []
    for params, expected in cases:
        page = await api.list(**params)
        got = [i["title"] for i in page["items"]]
        if got != titles(*expected) or page["total"] != len(expected):
            found.append(f"{params}: got {got} (total {page['total']}), want {titles(*expected)}")
    return found


async def test_each_sort_orders_as_written(seeded: Api) -> None:
    assert await mismatches(seeded, [({"sort": sort}, order) for sort, order in SORTS]) == []


async def test_each_filter_selects_as_written(seeded: Api) -> None:
    assert await mismatches(seeded, FILTERS) == []


async def test_filter_and_sort_combinations_select_and_order_as_written(seeded: Api) -> None:
    assert await mismatches(seeded, COMBINATIONS) == []


async def test_limit_and_offset_page_through_with_the_full_total(seeded: Api) -> None:
    page = await seeded.list(sort="title", limit=2, offset=2)
    assert [i["title"] for i in page["items"]] == titles(3, 2)
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 2)
    pages = [await seeded.titles(sort="due_at", limit=4, offset=o) for o in (0, 4)]
    assert pages == [titles(4, 1, 5, 2), titles(6, 3)]
    beyond = await seeded.list(offset=100)
    assert beyond["items"] == []
    assert beyond["total"] == 6


BAD_PARAMETERS: list[dict[str, Any]] = [
    {"limit": 0},
    {"limit": 101},
    {"limit": "ten"},
    {"offset": -1},
    {"sort": "color"},
    {"sort": "--title"},
    {"status": "done"},
    {"priority": "urgent"},
    {"due_before": "2026-03-01T00:00:00"},
    {"due_after": "yesterday"},
    {"overdue": "maybe"},
    {"q": "x" * 201},
    {"tag": ""},
    {"q": "nul\x00byte"},
]


async def test_bad_list_parameters_are_422(seeded: Api) -> None:
    for params in BAD_PARAMETERS:
        response = await seeded.get("/api/v1/tasks", params=params)
        assert response.status_code == 422, (params, response.text)
        assert isinstance(response.json()["detail"], list)


async def test_limit_bounds_are_accepted(seeded: Api) -> None:
    assert len((await seeded.list(limit=1))["items"]) == 1
    assert len((await seeded.list(limit=100))["items"]) == 6


async def test_list_needs_authentication(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/tasks")).status_code == 401


def record_task_statements(app: Any) -> tuple[list[str], Any]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "tasks" in statement:
            statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    return statements, lambda: event.remove(engine, "before_cursor_execute", record)


async def test_a_filtered_page_is_one_query_plus_one_count_at_most(seeded: Api, app: Any) -> None:
    statements, stop = record_task_statements(app)
    try:
        # A full page with more behind it: the page, then the count.
        full = await seeded.list(tag=["home"], status="active", sort="priority", limit=1)
        assert [i["title"] for i in full["items"]] == titles(1)
        assert full["total"] == 2
        assert len(statements) == 2, statements
        assert sum("count(" in s.lower() for s in statements) == 1
        statements.clear()
        # A short page is the last one: it proves the total, so no count is run.
        page = await seeded.list(tag=["home"], q="m", status="active", sort="priority", limit=100)
        assert [i["title"] for i in page["items"]] == titles(1, 3)
        assert page["total"] == 2
        assert len(statements) == 1, statements
        statements.clear()
        # A short last page after an offset: the total is offset + rows.
        tail = await seeded.list(sort="created_at", limit=4, offset=4)
        assert [i["title"] for i in tail["items"]] == titles(5, 6)
        assert tail["total"] == 6
        assert len(statements) == 1, statements
        statements.clear()
        # Past the end the page is empty and proves nothing: the count says how many.
        beyond = await seeded.list(limit=5, offset=50)
        assert beyond["items"] == []
        assert beyond["total"] == 6
        assert len(statements) == 2, statements
    finally:
        stop()


async def test_the_total_counts_only_the_users_own_matching_tasks(
    seeded: Api, bob: Api, app: Any
) -> None:
    # Bob has look-alikes of Alice's six rows, and one more.
    await bob.create(title="Bob's home task", tags=["home"])
    assert (await seeded.list(tag=["home"], limit=1))["total"] == 3
    assert (await bob.list(tag=["home"], limit=1))["total"] == 4
    assert (await bob.list(tag=["home"], limit=10))["total"] == 4
    empty = await bob.list(tag=["nothing-like-this"])
    assert empty == {"items": [], "total": 0, "limit": 50, "offset": 0}


async def test_statements_are_reused_per_query_shape_and_huge_tag_lists_are_not_kept(
    seeded: Api,
) -> None:
    from app.models.task import MAX_TAGS
    from app.services import tasks as service

    first = await seeded.list(tag=["home"], status="active", limit=1)
    shapes = len(service._STATEMENTS)
    # Other values, same shape: the same prebuilt statements, no new entry.
    again = await seeded.list(tag=["work"], status="active", limit=2, offset=1)
    assert len(service._STATEMENTS) == shapes
    assert (first["total"], again["total"]) == (2, 1)
    # More distinct tags than a task can carry: answered (nothing matches), never cached.
    many = await seeded.list(tag=[f"tag{i}" for i in range(MAX_TAGS + 20)])
    assert many == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert all(shape.tags <= MAX_TAGS for shape in service._STATEMENTS)


@pytest.mark.parametrize(
    "query",
    [
        TaskQuery(),
        TaskQuery(
            status="active",
            priorities=(Priority.high, Priority.low),
            tags=("Work", "home"),
            q="50%_off",
            due_before=START,
            due_after=START,
            overdue=True,
            sort="-priority",
            limit=7,
            offset=14,
        ),
        TaskQuery(status="completed", sort="title"),
    ],
)
@pytest.mark.parametrize(
    "url", ["postgresql+asyncpg://nobody@127.0.0.1:1/none", "sqlite+aiosqlite://"]
)
async def test_page_and_count_statements_render_with_their_values(
    query: TaskQuery, url: str
) -> None:
    # What scripts/explain_tasks.py prints for docs/query-plans.md: every bound value must
    # render as a literal (no connection is made).
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            service = TaskService(session)
            owner = UserRef(uuid.UUID(int=7))
            for statement in (
                service.page_statement(owner, query),
                service.count_statement(owner, query),
            ):
                sql = str(
                    statement.compile(
                        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
                    )
                )
                assert "00000000" in sql.replace("-", "")  # the owner's id, bound
                if query.limit == 7 and "count(" not in sql:
                    assert "LIMIT 7 OFFSET 14" in sql
                if query.q:
                    assert "50\\%\\_off" in sql
    finally:
        await engine.dispose()
