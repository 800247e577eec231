"""Tasks: the table, and the request/response schemas of /api/v1/tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    field_validator,
    model_validator,
)
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.core.clock import as_utc, utcnow
from app.models.base import RequestModel

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
TAG_MAX_LENGTH = 32
MAX_TAGS = 10
MAX_PAGE_SIZE = 100
MAX_BULK_IDS = 500


class Priority(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"


class Recurrence(StrEnum):
    none = "none"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    yearly = "yearly"


# A text[] with a GIN index on PostgreSQL (so `tags @> ARRAY[...]` is indexed); JSON on SQLite.
TagList = JSON().with_variant(ARRAY(String(TAG_MAX_LENGTH)), "postgresql")


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    # The list queries always filter on user_id first, so every index leads with it; the
    # pg_trgm and tag GIN indexes are PostgreSQL-only and live in the migration.
    __table_args__ = (
        CheckConstraint("priority IN ('none', 'low', 'medium', 'high')", name="ck_tasks_priority"),
        CheckConstraint(
            "recurrence IN ('none', 'daily', 'weekly', 'monthly', 'yearly')",
            name="ck_tasks_recurrence",
        ),
        Index("ix_tasks_user_id_created_at", "user_id", "created_at"),
        Index("ix_tasks_user_id_updated_at", "user_id", "updated_at"),
        Index("ix_tasks_user_id_due_at", "user_id", "due_at"),
        Index("ix_tasks_user_id_completed_due_at", "user_id", "completed", "due_at"),
        Index("ix_tasks_user_id_completed_created_at", "user_id", "completed", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    title: str = Field(sa_column=Column(String(TITLE_MAX_LENGTH), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    completed: bool = Field(default=False, sa_column=Column(Boolean(), nullable=False))
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    priority: str = Field(default=Priority.none.value, sa_column=Column(String(6), nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(TagList, nullable=False))
    due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    recurrence: str = Field(
        default=Recurrence.none.value, sa_column=Column(String(7), nullable=False)
    )
    # The day of month the series started on: monthly/yearly occurrences clamp to shorter
    # months but return to this day (Jan 31 -> Feb 28 -> Mar 31), so it cannot be re-derived
    # from the current due date alone.
    recurrence_anchor_day: int | None = Field(
        default=None, sa_column=Column(SmallInteger(), nullable=True)
    )
    # Set once the next occurrence exists, so reopening and completing again spawns no second one.
    next_occurrence_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid(), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


# ---------------------------------------------------------------- normalisation


def normalize_tags(values: list[str]) -> list[str]:
    """Trim, lower-case and de-duplicate tags, keeping first-seen order."""
    seen: dict[str, None] = {}
    for value in values:
        tag = value.strip().lower()
        if not tag:
            raise ValueError("tags must not be blank")
        if len(tag) > TAG_MAX_LENGTH:
            raise ValueError(f"tags must be at most {TAG_MAX_LENGTH} characters")
        seen.setdefault(tag, None)
    if len(seen) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return list(seen)


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps both engines' answers a 422.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _check_title(value: str) -> str:
    # The contract counts 1..200 characters after trimming; surrounding whitespace is never
    # meaningful in a title, so the trimmed text is what gets stored.
    stripped = value.strip()
    if not stripped:
        raise ValueError("title must not be blank")
    if len(stripped) > TITLE_MAX_LENGTH:
        raise ValueError(f"title must be at most {TITLE_MAX_LENGTH} characters")
    return stripped


def _tags_list(value: Any) -> Any:
    """Reject a bare string before pydantic would treat it as a sequence of characters."""
    if isinstance(value, str):
        raise ValueError("tags must be a list of strings")
    return value


# Stored in UTC: SQLite keeps no offset, so every datetime must be UTC before it is written.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(as_utc)]
Title = Annotated[str, Field(max_length=TITLE_MAX_LENGTH * 4), AfterValidator(_no_nul)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH), AfterValidator(_no_nul)]
Tags = Annotated[
    list[Annotated[str, Field(max_length=TAG_MAX_LENGTH * 4), AfterValidator(_no_nul)]],
    BeforeValidator(_tags_list),
    Field(max_length=MAX_TAGS * 4),
]


# ---------------------------------------------------------------- requests


class TaskCreate(RequestModel):
    title: Title
    description: Description | None = None
    priority: Priority = Priority.none
    tags: Tags = Field(default_factory=list)
    due_at: UtcDatetime | None = None
    recurrence: Recurrence = Recurrence.none

    _title = field_validator("title")(_check_title)
    _tags = field_validator("tags")(normalize_tags)

    @model_validator(mode="after")
    def _recurrence_needs_due_date(self) -> TaskCreate:
        if self.recurrence != Recurrence.none and self.due_at is None:
            raise ValueError("a recurring task needs due_at")
        return self


class TaskUpdate(RequestModel):
    """Any subset of TaskCreate plus `completed`; only the fields sent are applied."""

    title: Title | None = None
    description: Description | None = None
    priority: Priority | None = None
    tags: Tags | None = None
    due_at: UtcDatetime | None = None
    recurrence: Recurrence | None = None
    completed: bool | None = None

    @field_validator("title")
    @classmethod
    def _title_rules(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("title must not be null")
        return _check_title(value)

    @field_validator("tags")
    @classmethod
    def _tags_rules(cls, value: list[str] | None) -> list[str]:
        return normalize_tags(value or [])

    @field_validator("priority", "recurrence", "completed")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value


class BulkAction(RequestModel):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK_IDS)
    action: Literal["complete", "reopen", "delete"]


class TaskImportRow(TaskCreate):
    """One task of an export file: TaskCreate's fields and rules plus the exported state.

    `id` is accepted (exports carry it) but never reused.
    """

    id: uuid.UUID | None = None
    recurrence_anchor_day: int | None = Field(default=None, ge=1, le=31)
    completed: bool = False
    completed_at: UtcDatetime | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TaskImportRow:
        if self.completed_at is not None and not self.completed:
            raise ValueError("completed_at is only allowed on a completed task")
        return self


# ---------------------------------------------------------------- responses


class TaskPublic(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None
    priority: Priority
    tags: list[str]
    due_at: datetime | None
    recurrence: Recurrence
    completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @field_validator("due_at", "completed_at", "created_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # SQLite hands datetimes back without an offset; the API always answers in UTC.
        return as_utc(value) if value is not None else None

    @classmethod
    def from_task(cls, task: Task) -> TaskPublic:
        """The public view of a stored task."""
        return cls.model_validate(task, from_attributes=True)


class TaskExportRow(TaskPublic):
    """A task as written by export: the public fields plus what recurrence needs to resume."""

    recurrence_anchor_day: int | None


class TaskList(BaseModel):
    items: list[TaskPublic]
    total: int
    limit: int
    offset: int


class BulkResult(BaseModel):
    affected: int


class TagCount(BaseModel):
    name: str
    count: int


class ImportResult(BaseModel):
    imported: int
