"""Pieces shared by every schema module."""

from __future__ import annotations

from pydantic import ConfigDict
from sqlmodel import SQLModel


class RequestModel(SQLModel):
    """Base of every request body: unknown fields are a 422, strings are not coerced."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
