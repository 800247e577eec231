"""Tasks: /api/v1/tasks/* and /api/v1/tags. Parse, call TaskService, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from app.api.deps import CurrentOwner, ReadOnly, SessionDep
from app.core.clock import utcnow
from app.core.exceptions import UnsupportedMediaType
from app.models.task import (
    MAX_PAGE_SIZE,
    TAG_MAX_LENGTH,
    BulkAction,
    BulkResult,
    ImportResult,
    Priority,
    TagCount,
    TaskCreate,
    TaskList,
    TaskPublic,
    TaskUpdate,
)
from app.services import task_io
from app.services.tasks import Sort, Status, TaskQuery, TaskService

router = APIRouter(prefix="/api/v1", tags=["tasks"])

_401: dict[int | str, dict[str, Any]] = {401: {"description": "Not authenticated"}}
_404: dict[int | str, dict[str, Any]] = {404: {"description": "No such task of this user"}}
_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


async def get_task_service(session: SessionDep) -> TaskService:
    return TaskService(session)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]
# NUL can never match stored text and PostgreSQL rejects it in a parameter: refuse it up front.
_NO_NUL = r"^[^\x00]*$"
TagName = Annotated[
    str, StringConstraints(min_length=1, max_length=TAG_MAX_LENGTH * 4, pattern=_NO_NUL)
]
SearchText = Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)]


def _location(task_id: uuid.UUID) -> str:
    return f"/api/v1/tasks/{task_id}"


class ListParams(BaseModel):
    """The query string of GET /tasks, validated in one pass (one model, not ten parameters)."""

    status: Status = "all"
    priority: list[Priority] | None = None
    tag: list[TagName] | None = None
    q: SearchText | None = None
    due_before: AwareDatetime | None = None
    due_after: AwareDatetime | None = None
    overdue: bool = False
    sort: Sort = "-created_at"
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=1_000_000)


@router.get("/tasks", response_model=TaskList, responses=_401, dependencies=[ReadOnly])
async def list_tasks(
    user: CurrentOwner, tasks: TaskServiceDep, params: Annotated[ListParams, Query()]
) -> TaskList:
    """A filtered, sorted page of the user's tasks, with the total that match."""
    query = TaskQuery(
        status=params.status,
        priorities=tuple(params.priority or ()),
        tags=tuple(params.tag or ()),
        q=params.q,
        due_before=params.due_before,
        due_after=params.due_after,
        overdue=params.overdue,
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
    )
    items, total = await tasks.page(user, query)
    return TaskList.model_validate(
        {"items": items, "total": total, "limit": params.limit, "offset": params.offset}
    )


@router.post(
    "/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskPublic, responses=_401
)
async def create_task(
    body: TaskCreate, response: Response, user: CurrentOwner, tasks: TaskServiceDep
) -> TaskPublic:
    """Create a task; `Location` names it."""
    task = await tasks.create(user, body)
    response.headers["Location"] = _location(task.id)
    return TaskPublic.from_task(task)


@router.get("/tasks/export", responses={**_401, 200: {"content": {"text/csv": {}}}})
async def export_tasks(
    user: CurrentOwner, tasks: TaskServiceDep, format: Literal["json", "csv"] = "json"
) -> StreamingResponse:
    """All of the user's tasks as a JSON or CSV download, streamed."""
    rows = tasks.export_stream(user)
    chunks = task_io.json_chunks(rows) if format == "json" else task_io.csv_chunks(rows)
    media_type = "application/json" if format == "json" else "text/csv; charset=utf-8"
    filename = f"tasks-{utcnow():%Y%m%d-%H%M%S}.{format}"
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/tasks/import",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResult,
    responses={**_401, 415: {"description": "Neither JSON nor CSV"}},
    openapi_extra=_IMPORT_BODY,
)
async def import_tasks(request: Request, user: CurrentOwner, tasks: TaskServiceDep) -> ImportResult:
    """Import an export (JSON, or CSV as text/csv): every row valid, or nothing is stored."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == "application/json":
        rows = task_io.parse_json_import(body)
    elif content_type == "text/csv":
        rows = task_io.parse_csv_import(body)
    else:
        raise UnsupportedMediaType("Send the export as application/json or text/csv")
    return ImportResult(imported=await tasks.import_rows(user, rows))


@router.post("/tasks/bulk", response_model=BulkResult, responses=_401)
async def bulk_tasks(body: BulkAction, user: CurrentOwner, tasks: TaskServiceDep) -> BulkResult:
    """Complete, reopen or delete many tasks; ids that are not the user's are ignored."""
    return BulkResult(affected=await tasks.bulk(user, body.ids, body.action))


@router.get(
    "/tasks/{task_id}",
    response_model=TaskPublic,
    responses={**_401, **_404},
    dependencies=[ReadOnly],
)
async def get_task(task_id: uuid.UUID, user: CurrentOwner, tasks: TaskServiceDep) -> TaskPublic:
    """One of the user's tasks."""
    return TaskPublic.from_task(await tasks.get(user, task_id))


@router.patch("/tasks/{task_id}", response_model=TaskPublic, responses={**_401, **_404})
async def update_task(
    task_id: uuid.UUID,
    body: TaskUpdate,
    response: Response,
    user: CurrentOwner,
    tasks: TaskServiceDep,
) -> TaskPublic:
    """Change fields; completing a recurring task answers the next one in `X-Next-Task-ID`."""
    task, next_task = await tasks.update(user, task_id, body)
    if next_task is not None:
        response.headers["X-Next-Task-ID"] = str(next_task.id)
    return TaskPublic.from_task(task)


@router.delete(
    "/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**_401, **_404}
)
async def delete_task(task_id: uuid.UUID, user: CurrentOwner, tasks: TaskServiceDep) -> Response:
    """Delete one of the user's tasks."""
    await tasks.delete(user, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tags", response_model=list[TagCount], responses=_401, dependencies=[ReadOnly])
async def list_tags(user: CurrentOwner, tasks: TaskServiceDep) -> list[TagCount]:
    """The user's tags with the number of tasks carrying each, most used first."""
    return [TagCount(name=name, count=count) for name, count in await tasks.tag_counts(user)]
