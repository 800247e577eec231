"""The recurrence rule: when the next occurrence of a recurring task is due.

Dates advance in UTC (the API stores and speaks UTC and knows no user time zone), keeping the
time of day. Monthly and yearly steps clamp to the end of a shorter month but return to the
series' anchor day where it exists: Jan 31 -> Feb 28 -> Mar 31, Feb 29 -> Feb 28 -> ... -> Feb 29.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from app.models.task import Recurrence


def _clamped(year: int, month: int, day: int) -> int:
    return min(day, calendar.monthrange(year, month)[1])


def next_due(due_at: datetime, rule: Recurrence, anchor_day: int | None = None) -> datetime:
    """The due date after `due_at` under `rule`; `anchor_day` defaults to `due_at`'s day."""
    anchor = anchor_day if anchor_day is not None else due_at.day
    if rule == Recurrence.daily:
        return due_at + timedelta(days=1)
    if rule == Recurrence.weekly:
        return due_at + timedelta(weeks=1)
    if rule == Recurrence.monthly:
        year, month = (
            (due_at.year + 1, 1) if due_at.month == 12 else (due_at.year, due_at.month + 1)
        )
        return due_at.replace(year=year, month=month, day=_clamped(year, month, anchor))
    if rule == Recurrence.yearly:
        year = due_at.year + 1
        return due_at.replace(year=year, day=_clamped(year, due_at.month, anchor))
    raise ValueError(f"{rule!r} does not recur")
