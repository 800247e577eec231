"""The email outbox and password-reset tokens, plus the reset request/response schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr, field_validator
from sqlalchemy import Column, DateTime, ForeignKey, Index, Text, Uuid
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.models.base import RequestModel
from app.models.user import EMAIL_MAX_LENGTH, Password, _check_password, _normalize_email

RESET_TOKEN_MAX_LENGTH = 128


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"


class EmailOutbox(SQLModel, table=True):
    """One email to deliver. Written in the transaction that caused it, sent by the dispatcher.

    `next_attempt_at` is both the due time and the lease: claiming a row pushes it to the end of
    the lease, so a row whose worker died becomes due again by itself. `claim_token` fences the
    claim: only the worker holding the current token may mark the row sent, retried or dead.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=32)
    to_email: str = Field(max_length=EMAIL_MAX_LENGTH)
    subject: str = Field(max_length=255)
    # The rendered bodies hold live links: erased once the row is sent or dead.
    text_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    html_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    message_id: str = Field(max_length=255)
    status: str = Field(default=OutboxStatus.pending.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    deliver_before: datetime = Field(sa_type=DateTime(timezone=True))
    claim_token: uuid.UUID | None = Field(default=None)
    claimed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_error: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class PasswordResetToken(SQLModel, table=True):
    """A reset token, stored only as its SHA-256 hash; usable while unused, unrevoked, unexpired."""

    __tablename__ = "password_reset_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


# ---------------------------------------------------------------- schemas


class ForgotPasswordRequest(RequestModel):
    email: EmailStr = Field(max_length=EMAIL_MAX_LENGTH)

    _email = field_validator("email")(_normalize_email)


class ForgotPasswordResponse(SQLModel):
    message: str


class ResetTokenRequest(RequestModel):
    token: str = Field(min_length=1, max_length=RESET_TOKEN_MAX_LENGTH)


class ResetPasswordRequest(RequestModel):
    token: str = Field(min_length=1, max_length=RESET_TOKEN_MAX_LENGTH)
    new_password: Password

    _new = field_validator("new_password")(_check_password)
