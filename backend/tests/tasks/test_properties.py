"""Property-based tests of the pure rules: tag normalisation and the recurrence rule."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models.task import MAX_TAGS, TAG_MAX_LENGTH, Recurrence, normalize_tags
from app.services.recurrence import next_due
from app.services.task_io import escape_cell, unescape_cell

tag_text = st.text(min_size=1, max_size=TAG_MAX_LENGTH).filter(
    lambda s: 0 < len(s.strip().lower()) <= TAG_MAX_LENGTH
)
due_dates = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9000, 12, 31), timezones=st.just(UTC)
)


@given(st.lists(tag_text, max_size=MAX_TAGS))
def test_normalised_tags_are_trimmed_lowercase_unique_and_keep_first_order(
    tags: list[str],
) -> None:
    result = normalize_tags(tags)
    expected = list(dict.fromkeys(t.strip().lower() for t in tags))
    assert result == expected
    assert len(set(result)) == len(result)
    assert all(t == t.strip().lower() for t in result)
    assert normalize_tags(result) == result


ascii_tags = st.lists(st.from_regex(r"[a-z0-9-]{1,24}", fullmatch=True), min_size=1, max_size=5)


@given(ascii_tags, st.integers(min_value=1, max_value=4), st.randoms())
def test_duplicates_in_any_case_or_padding_collapse(tags: list[str], copies: int, rng: Any) -> None:
    noisy = [f"  {t.upper()}\t" for t in tags] * copies + tags
    rng.shuffle(noisy)
    assert sorted(normalize_tags(noisy)) == sorted(set(tags))


@given(st.lists(st.text(max_size=40), max_size=15))
def test_normalisation_accepts_exactly_the_valid_lists(tags: list[str]) -> None:
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags))
    valid = all(0 < len(t) <= TAG_MAX_LENGTH for t in cleaned) and len(cleaned) <= MAX_TAGS
    if valid:
        assert normalize_tags(tags) == cleaned
    else:
        with pytest.raises(ValueError, match="tags"):
            normalize_tags(tags)


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@given(due_dates)
def test_daily_and_weekly_add_exact_days(due: datetime) -> None:
    assert next_due(due, Recurrence.daily) == due + timedelta(days=1)
    assert next_due(due, Recurrence.weekly) == due + timedelta(days=7)


@given(due_dates, st.integers(min_value=1, max_value=31), st.integers(min_value=1, max_value=30))
def test_monthly_series_lands_on_the_anchor_day_or_the_month_end(
    start: datetime, anchor: int, steps: int
) -> None:
    due = start.replace(day=min(anchor, _days_in(start.year, start.month)))
    for _ in range(steps):
        following = next_due(due, Recurrence.monthly, anchor)
        months = (following.year - due.year) * 12 + following.month - due.month
        assert months == 1
        assert following.day == min(anchor, _days_in(following.year, following.month))
        assert following.time() == due.time()
        assert following.tzinfo == due.tzinfo
        assert following > due
        due = following


@given(due_dates)
def test_yearly_keeps_the_date_and_clamps_feb_29(start: datetime) -> None:
    following = next_due(start, Recurrence.yearly, start.day)
    assert (following.year, following.month) == (start.year + 1, start.month)
    assert following.day == min(start.day, _days_in(following.year, start.month))
    assert following.time() == start.time()


@given(st.integers(min_value=1970, max_value=8000))
def test_a_feb_29_series_returns_to_the_29th_in_every_leap_year(year: int) -> None:
    leap = next(y for y in range(year, year + 8) if calendar.isleap(y))
    due = datetime(leap, 2, 29, 12, tzinfo=UTC)
    for _ in range(8):
        due = next_due(due, Recurrence.yearly, 29)
        assert due.day == (29 if calendar.isleap(due.year) else 28)


def test_none_does_not_recur() -> None:
    with pytest.raises(ValueError, match="does not recur"):
        next_due(datetime(2026, 1, 1, tzinfo=UTC), Recurrence.none)


@given(st.text())
def test_csv_cell_escaping_round_trips_and_never_starts_a_formula(value: str) -> None:
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))
