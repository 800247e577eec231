"""Users, their refresh-token sessions, and the auth request/response schemas."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, StringConstraints, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import Column, DateTime, ForeignKey, Index, Uuid
from sqlmodel import Field, SQLModel

from app.core.clock import as_utc, utcnow
from app.core.passwords import MAX_PASSWORD_LENGTH, password_problem
from app.models.base import RequestModel

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 100


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored lower-cased: emails are compared case-insensitively, the unique index enforces it.
    email: str = Field(max_length=EMAIL_MAX_LENGTH, unique=True, index=True)
    name: str | None = Field(default=None, max_length=NAME_MAX_LENGTH)
    password_hash: str = Field(max_length=255)
    # Part of every access token; bumping it revokes all outstanding access tokens at once.
    token_version: int = Field(default=0)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
    )
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
    )


@dataclass(frozen=True, slots=True)
class UserRef:
    """Whose request this is, for routes that need no more than the id (the task routes)."""

    id: uuid.UUID


class RefreshToken(SQLModel, table=True):
    """One refresh token; tokens rotated from one login share a family_id."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_user_id_family_id", "user_id", "family_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    family_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
    )
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
    )
    revoked_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
    )


# ---------------------------------------------------------------- schemas

Password = Annotated[str, StringConstraints(max_length=MAX_PASSWORD_LENGTH * 4)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX_LENGTH)]


def _check_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _normalize_email(value: str) -> str:
    return value.strip().lower()


class UserPublic(SQLModel):
    id: uuid.UUID
    email: str
    name: str | None
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # SQLite returns timestamps without their offset; the API always answers in UTC.
        return as_utc(value)


class SignupRequest(RequestModel):
    email: EmailStr = Field(max_length=EMAIL_MAX_LENGTH)
    password: Password
    name: Name | None = None
    client: str | None = Field(default=None, max_length=16)

    _email = field_validator("email")(_normalize_email)
    _password = field_validator("password")(_check_password)

    @field_validator("name")
    @classmethod
    def _blank_name_is_none(cls, value: str | None) -> str | None:
        return value or None


class LoginRequest(RequestModel):
    email: EmailStr = Field(max_length=EMAIL_MAX_LENGTH)
    password: Password
    client: str | None = Field(default=None, max_length=16)

    _email = field_validator("email")(_normalize_email)


class RefreshRequest(RequestModel):
    refresh_token: str | None = Field(default=None, max_length=256)
    client: str | None = Field(default=None, max_length=16)


class UserUpdate(RequestModel):
    name: Name | None = None

    @field_validator("name")
    @classmethod
    def _blank_name_is_none(cls, value: str | None) -> str | None:
        return value or None


class DeleteAccountRequest(RequestModel):
    password: Password


class ChangePasswordRequest(RequestModel):
    current_password: Password
    new_password: Password

    _new = field_validator("new_password")(_check_password)


class SessionResponse(BaseModel):
    user: UserPublic
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    # Only API clients get the refresh token in the body; browsers keep it in an HttpOnly cookie.
    refresh_token: str | None = PydanticField(default=None, exclude_if=lambda v: v is None)


class TokenResponse(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
