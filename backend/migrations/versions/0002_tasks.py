"""tasks, with per-user list indexes (and pg_trgm/btree_gin GIN indexes on PostgreSQL)

Revision ID: 0002_tasks
Revises: 0001_users
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_tasks"
down_revision: str | None = "0001_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Composite indexes: every list query filters on user_id, then sorts or filters on the rest.
_INDEXES: list[tuple[str, list[str]]] = [
    ("ix_tasks_user_id_created_at", ["user_id", "created_at"]),
    ("ix_tasks_user_id_updated_at", ["user_id", "updated_at"]),
    ("ix_tasks_user_id_due_at", ["user_id", "due_at"]),
    ("ix_tasks_user_id_completed_due_at", ["user_id", "completed", "due_at"]),
    ("ix_tasks_user_id_completed_created_at", ["user_id", "completed", "created_at"]),
]


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgres = _is_postgres()
    tags_type: sa.types.TypeEngine[list[str]] = (
        postgresql.ARRAY(sa.String(32)) if postgres else sa.JSON()
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.String(6), nullable=False, server_default="none"),
        sa.Column("tags", tags_type, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recurrence", sa.String(7), nullable=False, server_default="none"),
        sa.Column("recurrence_anchor_day", sa.SmallInteger(), nullable=True),
        sa.Column("next_occurrence_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority IN ('none', 'low', 'medium', 'high')", name="ck_tasks_priority"
        ),
        sa.CheckConstraint(
            "recurrence IN ('none', 'daily', 'weekly', 'monthly', 'yearly')",
            name="ck_tasks_recurrence",
        ),
    )
    for name, columns in _INDEXES:
        op.create_index(name, "tasks", columns)
    # Title sorts case-insensitively; an expression index serves that order on both engines.
    op.create_index("ix_tasks_user_id_lower_title", "tasks", ["user_id", sa.text("lower(title)")])

    if postgres:
        # btree_gin lets user_id lead a GIN index, so tag and text searches read only the
        # caller's index entries instead of every user's.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # `tags @> ARRAY[...]` (all tags must match).
        op.create_index(
            "ix_tasks_user_id_tags_gin", "tasks", ["user_id", "tags"], postgresql_using="gin"
        )
        # `ILIKE '%q%'` on title or description (a BitmapOr of the two).
        for column in ("title", "description"):
            op.create_index(
                f"ix_tasks_user_id_{column}_trgm",
                "tasks",
                ["user_id", column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade() -> None:
    if _is_postgres():
        op.drop_index("ix_tasks_user_id_description_trgm", table_name="tasks")
        op.drop_index("ix_tasks_user_id_title_trgm", table_name="tasks")
        op.drop_index("ix_tasks_user_id_tags_gin", table_name="tasks")
        # The extensions stay installed: other objects may have come to rely on them.
    op.drop_index("ix_tasks_user_id_lower_title", table_name="tasks")
    for name, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name="tasks")
    op.drop_table("tasks")
