"""The rules of tasks: ownership, listing, completion and recurrence, bulk actions, tags, import."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import UnaryExpression
from sqlmodel import SQLModel, col

from app.core.clock import as_utc, utcnow
from app.core.exceptions import InvalidInput, NotFound
from app.models.task import (
    MAX_TAGS,
    TAG_MAX_LENGTH,
    Priority,
    Recurrence,
    Task,
    TaskCreate,
    TaskImportRow,
    TaskPublic,
    TaskUpdate,
)
from app.services.recurrence import next_due

Status = Literal["all", "active", "completed"]
Sort = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_at",
    "-due_at",
    "priority",
    "-priority",
    "title",
    "-title",
]
BulkActionName = Literal["complete", "reopen", "delete"]

# Declaration order is rank order: none < low < medium < high.
_PRIORITY_RANK = {priority.value: rank for rank, priority in enumerate(Priority)}
_ANCHORED = (Recurrence.monthly, Recurrence.yearly)


class Owner(Protocol):
    """Whose tasks: a `User`, or the lighter `UserRef` the task routes authenticate to."""

    @property
    def id(self) -> uuid.UUID: ...


class TaskNotFound(NotFound):
    detail = "Task not found"


@dataclass(frozen=True)
class TaskQuery:
    """What a list request asks for; the router has already checked ranges and enums."""

    status: Status = "all"
    priorities: tuple[Priority, ...] = ()
    tags: tuple[str, ...] = ()
    q: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool = False
    sort: Sort = "-created_at"
    limit: int = 50
    offset: int = 0


def anchor_day_for(due_at: datetime | None, recurrence: Recurrence) -> int | None:
    """The day of month a monthly/yearly series returns to; None for other rules."""
    if due_at is None or recurrence not in _ANCHORED:
        return None
    return as_utc(due_at).day


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class _Shape:
    """What decides the SQL of a list request, as opposed to the values bound into it."""

    postgres: bool
    status: Status
    priorities: bool
    tags: int
    search: bool
    due_before: bool
    due_after: bool
    overdue: bool
    sort: Sort


_tasks = SQLModel.metadata.tables["tasks"]
# Exactly the fields of TaskPublic, so a row maps onto the response without an ORM object.
_PUBLIC_COLUMNS = [_tasks.c[name] for name in TaskPublic.model_fields]
_STATEMENTS: dict[_Shape, tuple[Select[Any], Select[Any]]] = {}
_STATEMENTS_MAX = 512


def _order(sort: str) -> list[UnaryExpression[Any]]:
    c = _tasks.c
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    keys: list[Any]
    if name == "priority":
        keys = [case(_PRIORITY_RANK, value=c.priority, else_=0)]
    elif name == "title":
        # Case-insensitive, then the exact text so equal-ignoring-case titles stay stable.
        keys = [func.lower(c.title), c.title]
    else:
        keys = [c[name]]
    ordered = [key.desc() if descending else key.asc() for key in keys]
    if name == "due_at":
        # Tasks without a due date go last whichever way the list is sorted.
        ordered = [key.nulls_last() for key in ordered]
    # Ties: newest first, then id, so pages never overlap or skip.
    if name == "created_at":
        tie = c.id.desc() if descending else c.id.asc()
        return [*ordered, tie]
    return [*ordered, c.created_at.desc(), c.id.desc()]


def _build_statements(shape: _Shape) -> tuple[Select[Any], Select[Any]]:
    c = _tasks.c
    conditions: list[ColumnElement[bool]] = [c.user_id == bindparam("user_id")]
    if shape.status == "active":
        conditions.append(c.completed == false())
    elif shape.status == "completed":
        conditions.append(c.completed == true())
    if shape.priorities:
        conditions.append(c.priority.in_(bindparam("priorities", expanding=True)))
    if shape.tags and shape.postgres:
        # `@>` is what the GIN index on tags answers; typed as the column's varchar(32)[]
        # because there is no varchar[] @> text[] operator.
        tag_array = postgresql.ARRAY(String(TAG_MAX_LENGTH))
        conditions.append(
            type_coerce(c.tags, tag_array).contains(
                cast(bindparam("tags", type_=tag_array), tag_array)
            )
        )
    elif shape.tags:
        for i in range(shape.tags):
            elements = func.json_each(c.tags).table_valued("value")
            conditions.append(
                exists()
                .select_from(elements)
                .where(elements.c.value == bindparam(f"tag_{i}", type_=String()))
            )
    if shape.search:
        pattern = bindparam("pattern", type_=String())
        conditions.append(
            or_(c.title.ilike(pattern, escape="\\"), c.description.ilike(pattern, escape="\\"))
        )
    if shape.due_before:
        conditions.append(c.due_at < bindparam("due_before"))
    if shape.due_after:
        conditions.append(c.due_at >= bindparam("due_after"))
    if shape.overdue:
        conditions.append(c.completed == false())
        conditions.append(c.due_at < bindparam("now"))
    page = (
        select(*_PUBLIC_COLUMNS)
        .where(*conditions)
        .order_by(*_order(shape.sort))
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
    )
    count = select(func.count()).select_from(_tasks).where(*conditions)
    return page, count


class TaskService:
    """Everything a user can do with their tasks; every query is scoped to that user."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # ------------------------------------------------------------ reading

    async def get(self, user: Owner, task_id: uuid.UUID, *, for_update: bool = False) -> Task:
        """The user's task; another user's task is indistinguishable from a missing one."""
        statement = select(Task).where(col(Task.id) == task_id, col(Task.user_id) == user.id)
        if for_update:
            # Two concurrent completions of one recurring task must not both spawn a next one.
            statement = statement.with_for_update()
        task = await self.session.scalar(statement)
        if task is None:
            raise TaskNotFound()
        return task

    async def page(self, user: Owner, query: TaskQuery) -> tuple[list[dict[str, Any]], int]:
        """One page of tasks (as TaskPublic fields) and the total matching count.

        At most two statements, nothing per row. The count is skipped when the page itself
        proves the total: a page shorter than `limit` is the last one, so the total is
        `offset + len(page)` (an empty page past the end still needs the count).
        """
        page, count, params = self._statements(user, query)
        result = await self.session.execute(page, params)
        items = [dict(row) for row in result.mappings()]
        if len(items) < query.limit and (items or query.offset == 0):
            return items, query.offset + len(items)
        total = (await self.session.execute(count, params)).scalar()
        return items, int(total or 0)

    def page_statement(self, user: Owner, query: TaskQuery) -> Select[Any]:
        """The SQL of one page, values bound (public so the query plan can be shown, see
        docs/query-plans.md)."""
        page, _, params = self._statements(user, query)
        return page.params(params)

    def count_statement(self, user: Owner, query: TaskQuery) -> Select[Any]:
        """The SQL counting every task that matches the page's filters, values bound."""
        _, count, params = self._statements(user, query)
        return count.params(params)

    def _statements(
        self, user: Owner, query: TaskQuery
    ) -> tuple[Select[Any], Select[Any], dict[str, Any]]:
        """The page and count statements for the query's shape, and the values to bind.

        Statements are built once per shape (which filters, which sort, which engine) and
        reused with bound values: building a SQLAlchemy statement and its cache key costs more
        CPU than running it (docs/benchmarks.md).
        """
        postgres = self._postgres
        tags = sorted({tag.strip().lower() for tag in query.tags if tag.strip()})
        needle = (query.q or "").strip()
        shape = _Shape(
            postgres=postgres,
            status=query.status,
            priorities=bool(query.priorities),
            tags=(1 if tags else 0) if postgres else len(tags),
            search=bool(needle),
            due_before=query.due_before is not None,
            due_after=query.due_after is not None,
            overdue=query.overdue,
            sort=query.sort,
        )
        statements = _STATEMENTS.get(shape)
        if statements is None:
            statements = _build_statements(shape)
            # Only shapes a real client sends are kept: a task carries at most MAX_TAGS tags,
            # and a query string listing hundreds must not fill the cache with huge statements.
            if shape.tags <= MAX_TAGS:
                if len(_STATEMENTS) >= _STATEMENTS_MAX:
                    _STATEMENTS.pop(next(iter(_STATEMENTS)), None)
                _STATEMENTS[shape] = statements
        params: dict[str, Any] = {
            "user_id": user.id,
            "limit": query.limit,
            "offset": query.offset,
        }
        if query.priorities:
            params["priorities"] = [p.value for p in query.priorities]
        if tags:
            if postgres:
                params["tags"] = tags
            else:
                params.update({f"tag_{i}": tag for i, tag in enumerate(tags)})
        if needle:
            params["pattern"] = f"%{_escape_like(needle)}%"
        if query.due_before is not None:
            params["due_before"] = as_utc(query.due_before)
        if query.due_after is not None:
            params["due_after"] = as_utc(query.due_after)
        if query.overdue:
            params["now"] = utcnow()
        return statements[0], statements[1], params

    async def tag_counts(self, user: Owner) -> list[tuple[str, int]]:
        """Every tag the user has used, with how many of their tasks carry it."""
        # A set-returning function over each row's own tags (implicitly LATERAL on both engines).
        if self._postgres:
            elements = func.unnest(col(Task.tags)).table_valued("value").render_derived("tag")
        else:
            elements = func.json_each(col(Task.tags)).table_valued("value").alias("tag")
        tag = elements.c.value
        count = func.count().label("count")
        rows = await self.session.execute(
            select(tag, count)
            .select_from(Task)
            .join(elements, true())
            .where(col(Task.user_id) == user.id)
            .group_by(tag)
            .order_by(count.desc(), tag.asc())
        )
        return [(str(name), int(n)) for name, n in rows.all()]

    async def export_stream(self, user: Owner) -> AsyncIterator[Task]:
        """All of the user's tasks, oldest first, fetched in batches rather than all at once."""
        result = await self.session.stream_scalars(
            select(Task)
            .where(col(Task.user_id) == user.id)
            .order_by(col(Task.created_at).asc(), col(Task.id).asc())
            .execution_options(yield_per=500)
        )
        async for task in result:
            yield task

    # ------------------------------------------------------------ writing

    async def create(self, user: Owner, data: TaskCreate) -> Task:
        """Store a new task for the user."""
        now = utcnow()
        task = Task(
            user_id=user.id,
            title=data.title,
            description=data.description,
            priority=data.priority.value,
            tags=list(data.tags),
            due_at=data.due_at,
            recurrence=data.recurrence.value,
            recurrence_anchor_day=anchor_day_for(data.due_at, data.recurrence),
            created_at=now,
            updated_at=now,
        )
        self.session.add(task)
        await self.session.commit()
        return task

    async def update(
        self, user: Owner, task_id: uuid.UUID, data: TaskUpdate
    ) -> tuple[Task, Task | None]:
        """Apply the fields sent; completing a recurring task also returns its next occurrence."""
        task = await self.get(user, task_id, for_update=True)
        changes = data.model_dump(exclude_unset=True)
        completed = changes.pop("completed", None)
        was_recurring = Recurrence(task.recurrence)
        for name, value in changes.items():
            setattr(task, name, value.value if isinstance(value, Priority | Recurrence) else value)
        recurrence = Recurrence(task.recurrence)
        if recurrence != Recurrence.none and task.due_at is None:
            field = "due_at" if "due_at" in changes else "recurrence"
            raise InvalidInput(
                [
                    {
                        "loc": ["body", field],
                        "msg": "Value error, a recurring task needs due_at",
                        "type": "value_error",
                    }
                ]
            )
        # A new due date (or a series that just started) sets where monthly steps return to.
        if "due_at" in changes or recurrence != was_recurring:
            if recurrence in _ANCHORED and ("due_at" in changes or was_recurring not in _ANCHORED):
                task.recurrence_anchor_day = anchor_day_for(task.due_at, recurrence)
            elif recurrence not in _ANCHORED:
                task.recurrence_anchor_day = None
        now = utcnow()
        next_task: Task | None = None
        if completed is True and not task.completed:
            task.completed = True
            task.completed_at = now
            next_task = self._next_occurrence(task, now)
        elif completed is False and task.completed:
            task.completed = False
            task.completed_at = None
        if changes or completed is not None:
            task.updated_at = now
        await self.session.commit()
        return task, next_task

    def _next_occurrence(self, task: Task, now: datetime) -> Task | None:
        """Queue the next task of a series; at most one per completed task, ever."""
        recurrence = Recurrence(task.recurrence)
        if recurrence == Recurrence.none or task.due_at is None or task.next_occurrence_id:
            return None
        following = Task(
            user_id=task.user_id,
            title=task.title,
            description=task.description,
            priority=task.priority,
            tags=list(task.tags),
            due_at=next_due(as_utc(task.due_at), recurrence, task.recurrence_anchor_day),
            recurrence=task.recurrence,
            recurrence_anchor_day=task.recurrence_anchor_day,
            created_at=now,
            updated_at=now,
        )
        task.next_occurrence_id = following.id
        self.session.add(following)
        return following

    async def delete(self, user: Owner, task_id: uuid.UUID) -> None:
        """Delete one of the user's tasks."""
        task = await self.get(user, task_id)
        await self.session.delete(task)
        await self.session.commit()

    async def bulk(self, user: Owner, ids: Sequence[uuid.UUID], action: BulkActionName) -> int:
        """Apply an action to those of `ids` that are the user's; returns how many changed."""
        wanted = list(dict.fromkeys(ids))
        owned = and_(col(Task.user_id) == user.id, col(Task.id).in_(wanted))
        now = utcnow()
        affected: int
        if action == "complete":
            # Loaded rather than updated in place: each recurring one spawns its next occurrence.
            tasks = (
                await self.session.scalars(
                    select(Task).where(owned, col(Task.completed) == false()).with_for_update()
                )
            ).all()
            for task in tasks:
                task.completed = True
                task.completed_at = now
                task.updated_at = now
                self._next_occurrence(task, now)
            affected = len(tasks)
        elif action == "reopen":
            result = await self.session.execute(
                update(Task)
                .where(owned, col(Task.completed) == true())
                .values(completed=False, completed_at=None, updated_at=now)
            )
            affected = _rowcount(result)
        else:
            result = await self.session.execute(delete(Task).where(owned))
            affected = _rowcount(result)
        await self.session.commit()
        return affected

    async def import_rows(self, user: Owner, rows: Sequence[TaskImportRow]) -> int:
        """Store every row as a new task of the user, in one transaction."""
        now = utcnow()
        for row in rows:
            created = row.created_at or now
            anchor = row.recurrence_anchor_day or anchor_day_for(row.due_at, row.recurrence)
            self.session.add(
                Task(
                    user_id=user.id,
                    title=row.title,
                    description=row.description,
                    priority=row.priority.value,
                    tags=list(row.tags),
                    due_at=row.due_at,
                    recurrence=row.recurrence.value,
                    recurrence_anchor_day=anchor if row.recurrence in _ANCHORED else None,
                    completed=row.completed,
                    completed_at=(row.completed_at or now) if row.completed else None,
                    created_at=created,
                    updated_at=row.updated_at or created,
                )
            )
        await self.session.commit()
        return len(rows)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
