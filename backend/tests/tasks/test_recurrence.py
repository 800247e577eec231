"""Recurring tasks through the API: the next occurrence, month-end clamping, Feb 29, reopening."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tasks.conftest import Api


async def complete(api: Api, task: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Complete a task; return it and the next occurrence named by X-Next-Task-ID."""
    response = await api.patch(f"/api/v1/tasks/{task['id']}", json={"completed": True})
    assert response.status_code == 200, response.text
    next_id = response.headers["X-Next-Task-ID"]
    following = (await api.get(f"/api/v1/tasks/{next_id}")).json()
    return response.json(), following


async def due_dates(api: Api, first: dict[str, Any], count: int) -> list[str]:
    """Complete the series `count` times and collect each occurrence's due date."""
    dates = [first["due_at"]]
    task = first
    for _ in range(count):
        _, task = await complete(api, task)
        dates.append(task["due_at"])
    return dates


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("daily", "2026-02-27T07:00:00Z", ["2026-02-28T07:00:00Z", "2026-03-01T07:00:00Z"]),
        ("weekly", "2026-12-28T18:30:00Z", ["2027-01-04T18:30:00Z", "2027-01-11T18:30:00Z"]),
        (
            "monthly",
            "2027-01-31T09:00:00Z",
            [
                "2027-02-28T09:00:00Z",
                "2027-03-31T09:00:00Z",
                "2027-04-30T09:00:00Z",
                "2027-05-31T09:00:00Z",
            ],
        ),
        ("monthly", "2028-01-30T09:00:00Z", ["2028-02-29T09:00:00Z", "2028-03-30T09:00:00Z"]),
        ("monthly", "2026-12-15T09:00:00Z", ["2027-01-15T09:00:00Z", "2027-02-15T09:00:00Z"]),
        (
            "yearly",
            "2024-02-29T12:00:00Z",
            [
                "2025-02-28T12:00:00Z",
                "2026-02-28T12:00:00Z",
                "2027-02-28T12:00:00Z",
                "2028-02-29T12:00:00Z",
            ],
        ),
    ],
)
async def test_series_due_dates(alice: Api, rule: str, start: str, expected: list[str]) -> None:
    first = await alice.create(title=f"{rule} chore", due_at=start, recurrence=rule)
    assert await due_dates(alice, first, len(expected)) == [start, *expected]


async def test_next_occurrence_copies_the_fields_and_the_original_stays_completed(
    alice: Api,
) -> None:
    first = await alice.create(
        title="Pay rent",
        description="Transfer to landlord",
        priority="high",
        tags=["money", "home"],
        due_at="2026-01-31T08:00:00+01:00",
        recurrence="monthly",
    )
    done, following = await complete(alice, first)
    assert done["id"] == first["id"]
    assert done["completed"] is True
    assert following["id"] != first["id"]
    assert following["completed"] is False
    assert following["completed_at"] is None
    assert following["due_at"] == "2026-02-28T07:00:00Z"
    for field in ("title", "description", "priority", "tags", "recurrence"):
        assert following[field] == first[field], field
    assert (await alice.list())["total"] == 2


async def test_reopening_and_completing_again_creates_no_second_occurrence(alice: Api) -> None:
    first = await alice.create(title="x", due_at="2026-01-01T00:00:00Z", recurrence="daily")
    await complete(alice, first)
    url = f"/api/v1/tasks/{first['id']}"
    reopened = await alice.patch(url, json={"completed": False})
    assert "X-Next-Task-ID" not in reopened.headers
    again = await alice.patch(url, json={"completed": True})
    assert again.status_code == 200
    assert "X-Next-Task-ID" not in again.headers
    assert (await alice.list())["total"] == 2


async def test_a_non_recurring_task_has_no_next(alice: Api) -> None:
    task = await alice.create(title="x", due_at="2026-01-01T00:00:00Z")
    response = await alice.patch(f"/api/v1/tasks/{task['id']}", json={"completed": True})
    assert "X-Next-Task-ID" not in response.headers
    assert (await alice.list())["total"] == 1


async def test_recurrence_needs_a_due_date(alice: Api) -> None:
    response = await alice.post("/api/v1/tasks", json={"title": "x", "recurrence": "weekly"})
    assert response.status_code == 422
    task = await alice.create(title="y")
    patched = await alice.patch(f"/api/v1/tasks/{task['id']}", json={"recurrence": "weekly"})
    assert patched.status_code == 422
    assert patched.json()["detail"][0]["loc"] == ["body", "recurrence"]
    both = await alice.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"recurrence": "weekly", "due_at": "2026-03-02T10:00:00Z"},
    )
    assert both.status_code == 200
    assert (await alice.list())["total"] == 1


async def test_moving_the_due_date_moves_the_anchor_day(alice: Api) -> None:
    task = await alice.create(title="x", due_at="2027-01-31T09:00:00Z", recurrence="monthly")
    moved = await alice.patch(
        f"/api/v1/tasks/{task['id']}", json={"due_at": "2027-01-15T09:00:00Z"}
    )
    assert await due_dates(alice, moved.json(), 2) == [
        "2027-01-15T09:00:00Z",
        "2027-02-15T09:00:00Z",
        "2027-03-15T09:00:00Z",
    ]


async def test_bulk_complete_creates_the_next_occurrences_too(alice: Api) -> None:
    daily = await alice.create(title="daily", due_at="2026-01-01T06:00:00Z", recurrence="daily")
    plain = await alice.create(title="plain")
    response = await alice.post(
        "/api/v1/tasks/bulk", json={"ids": [daily["id"], plain["id"]], "action": "complete"}
    )
    assert response.json() == {"affected": 2}
    active = (await alice.list(status="active"))["items"]
    assert [(t["title"], t["due_at"]) for t in active] == [("daily", "2026-01-02T06:00:00Z")]
    # Reopening and completing in bulk again spawns nothing more.
    await alice.post("/api/v1/tasks/bulk", json={"ids": [daily["id"]], "action": "reopen"})
    await alice.post("/api/v1/tasks/bulk", json={"ids": [daily["id"]], "action": "complete"})
    assert (await alice.list())["total"] == 3
