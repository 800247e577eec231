"""The one source of the current time: UTC, timezone-aware, replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return _now()


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests only); `None` restores the real one."""
    global _now
    _now = now if now is not None else (lambda: datetime.now(UTC))


def as_utc(value: datetime) -> datetime:
    """Normalise a datetime read back from the database to aware UTC (SQLite drops the offset)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
