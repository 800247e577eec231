"""Create, read, update and delete one task: success paths, failures, and bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.models.task import Task
from tests.conftest import FrozenClock
from tests.tasks.conftest import Api

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


async def test_create_answers_201_with_location_and_defaults(
    alice: Api, clock: FrozenClock
) -> None:
    clock.now = NOW
    response = await alice.post("/api/v1/tasks", json={"title": "Water plants"})
    assert response.status_code == 201
    task = response.json()
    assert response.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert task == {
        "id": task["id"],
        "title": "Water plants",
        "description": None,
        "priority": "none",
        "tags": [],
        "due_at": None,
        "recurrence": "none",
        "completed": False,
        "completed_at": None,
        "created_at": "2026-05-04T09:30:00Z",
        "updated_at": "2026-05-04T09:30:00Z",
    }
    assert (await alice.get(response.headers["Location"])).json() == task


async def test_create_stores_every_field_and_returns_due_at_in_utc(alice: Api) -> None:
    task = await alice.create(
        title="Dentist",
        description="Bring the insurance card",
        priority="high",
        tags=["Health", " health ", "Errand"],
        due_at="2026-06-01T10:15:00+02:00",
        recurrence="yearly",
    )
    assert task["description"] == "Bring the insurance card"
    assert task["priority"] == "high"
    assert task["tags"] == ["health", "errand"]
    assert task["due_at"] == "2026-06-01T08:15:00Z"
    assert task["recurrence"] == "yearly"


async def test_text_is_stored_and_returned_exactly_as_sent(alice: Api) -> None:
    title = "Ünïcödé 🚀 'single' \"double\" <b>bold</b> & done"
    description = "Robert'); DROP TABLE tasks;-- <script>alert(1)</script>\n\tnext line %_\\"
    task = await alice.create(title=title, description=description, tags=["<i>", "o'neil"])
    fetched = (await alice.get(f"/api/v1/tasks/{task['id']}")).json()
    assert (fetched["title"], fetched["description"]) == (title, description)
    assert fetched["tags"] == ["<i>", "o'neil"]
    assert await alice.titles(q="DROP TABLE") == [title]


async def test_boundary_lengths_are_accepted(alice: Api) -> None:
    task = await alice.create(
        title="t" * 200, description="d" * 2000, tags=[f"{i}" + "x" * 31 for i in range(10)]
    )
    assert len(task["title"]) == 200
    assert len(task["tags"]) == 10
    assert (await alice.create(title="x"))["title"] == "x"


async def test_title_is_trimmed_and_its_length_counted_after_trimming(alice: Api) -> None:
    padded = "  " + "t" * 199 + "\t "  # 203 characters as sent, 199 after trimming
    task = await alice.create(title=padded)
    assert task["title"] == "t" * 199
    too_long = await alice.post("/api/v1/tasks", json={"title": " " + "t" * 201 + " "})
    assert too_long.status_code == 422


BAD_BODIES: list[Any] = [
    {},
    {"title": ""},
    {"title": "   "},
    {"title": "\n\t "},
    {"title": "x" * 201},
    {"title": None},
    {"title": 5},
    {"title": "ok", "description": "d" * 2001},
    {"title": "ok", "tags": [f"t{i}" for i in range(11)]},
    {"title": "ok", "tags": ["x" * 33]},
    {"title": "ok", "tags": ["  "]},
    {"title": "ok", "tags": "home"},
    {"title": "ok", "tags": [1]},
    {"title": "ok", "due_at": "2026-05-04T09:30:00"},
    {"title": "ok", "due_at": "next tuesday"},
    {"title": "ok", "priority": "urgent"},
    {"title": "ok", "priority": "HIGH"},
    {"title": "ok", "recurrence": "hourly"},
    {"title": "ok", "recurrence": "daily"},
    {"title": "ok", "completed": True},
    {"title": "ok", "owner": "someone-else"},
    {"title": "ok", "user_id": str(uuid.uuid4())},
    {"title": "nul\x00byte"},
    ["title", "ok"],
    "a string",
    42,
    None,
]


async def test_bad_create_bodies_are_422_and_store_nothing(alice: Api) -> None:
    for body in BAD_BODIES:
        response = await alice.post("/api/v1/tasks", json=body)
        assert response.status_code == 422, (body, response.text)
        assert isinstance(response.json()["detail"], list), body
    assert (await alice.list())["total"] == 0


async def test_malformed_json_is_422(alice: Api) -> None:
    for raw in (b'{"title": "ok"', b"{title: ok}", b"", b"\xff\xfe"):
        response = await alice.post(
            "/api/v1/tasks", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, raw
    assert (await alice.list())["total"] == 0


async def test_a_one_megabyte_body_is_refused(alice: Api) -> None:
    response = await alice.post("/api/v1/tasks", json={"title": "x" * (1024 * 1024)})
    assert response.status_code in {413, 422}
    assert (await alice.list())["total"] == 0


async def test_get_unknown_or_malformed_id(alice: Api) -> None:
    missing = await alice.get(f"/api/v1/tasks/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Task not found"}
    for path in ("/api/v1/tasks/not-a-uuid", "/api/v1/tasks/1", "/api/v1/tasks/%27%20OR%201=1"):
        assert (await alice.get(path)).status_code == 422
        assert (await alice.patch(path, json={"title": "x"})).status_code == 422
        assert (await alice.delete(path)).status_code == 422


async def test_patch_changes_only_the_fields_sent(alice: Api, clock: FrozenClock) -> None:
    clock.now = NOW
    task = await alice.create(title="Draft", description="keep me", tags=["a"], priority="low")
    clock.advance(hours=1)
    response = await alice.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "Final", "tags": ["B", "b", "c"]}
    )
    assert response.status_code == 200
    patched = response.json()
    assert patched["title"] == "Final"
    assert patched["tags"] == ["b", "c"]
    assert (patched["description"], patched["priority"]) == ("keep me", "low")
    assert patched["created_at"] == "2026-05-04T09:30:00Z"
    assert patched["updated_at"] == "2026-05-04T10:30:00Z"
    assert "X-Next-Task-ID" not in response.headers


async def test_patch_can_clear_nullable_fields(alice: Api) -> None:
    task = await alice.create(title="x", description="d", due_at="2026-01-01T00:00:00Z")
    patched = (
        await alice.patch(f"/api/v1/tasks/{task['id']}", json={"description": None, "due_at": None})
    ).json()
    assert (patched["description"], patched["due_at"]) == (None, None)


async def test_complete_and_reopen(alice: Api, clock: FrozenClock) -> None:
    clock.now = NOW
    task = await alice.create(title="x")
    clock.advance(minutes=5)
    done = (await alice.patch(f"/api/v1/tasks/{task['id']}", json={"completed": True})).json()
    assert (done["completed"], done["completed_at"]) == (True, "2026-05-04T09:35:00Z")
    clock.advance(minutes=5)
    again = (await alice.patch(f"/api/v1/tasks/{task['id']}", json={"completed": True})).json()
    assert again["completed_at"] == "2026-05-04T09:35:00Z", "completing twice keeps the first time"
    reopened = (await alice.patch(f"/api/v1/tasks/{task['id']}", json={"completed": False})).json()
    assert (reopened["completed"], reopened["completed_at"]) == (False, None)


BAD_PATCHES: list[Any] = [
    {"title": ""},
    {"title": "   "},
    {"title": None},
    {"title": "x" * 201},
    {"priority": None},
    {"priority": "urgent"},
    {"recurrence": None},
    {"recurrence": "fortnightly"},
    {"completed": None},
    {"completed": "yes please"},
    {"tags": ["x"] * 5 + [f"t{i}" for i in range(11)]},
    {"tags": ["y" * 33]},
    {"due_at": "2026-05-04T09:30:00"},
    {"recurrence": "weekly"},
    {"id": str(uuid.uuid4())},
    {"created_at": "2020-01-01T00:00:00Z"},
    ["title"],
]


async def test_bad_patches_are_422_and_change_nothing(alice: Api) -> None:
    task = await alice.create(title="Original", tags=["keep"])
    for body in BAD_PATCHES:
        response = await alice.patch(f"/api/v1/tasks/{task['id']}", json=body)
        assert response.status_code == 422, (body, response.text)
        assert isinstance(response.json()["detail"], list), body
    assert (await alice.get(f"/api/v1/tasks/{task['id']}")).json() == task


async def test_removing_the_due_date_of_a_recurring_task_is_422(alice: Api) -> None:
    task = await alice.create(title="x", due_at="2026-01-01T00:00:00Z", recurrence="daily")
    response = await alice.patch(f"/api/v1/tasks/{task['id']}", json={"due_at": None})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "due_at"]
    assert (await alice.get(f"/api/v1/tasks/{task['id']}")).json() == task


async def test_patch_and_delete_unknown_ids_are_404(alice: Api) -> None:
    missing = f"/api/v1/tasks/{uuid.uuid4()}"
    assert (await alice.patch(missing, json={"title": "x"})).status_code == 404
    assert (await alice.delete(missing)).status_code == 404


async def test_delete_removes_the_task(alice: Api) -> None:
    task = await alice.create(title="x")
    response = await alice.delete(f"/api/v1/tasks/{task['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await alice.get(f"/api/v1/tasks/{task['id']}")).status_code == 404
    assert (await alice.delete(f"/api/v1/tasks/{task['id']}")).status_code == 404


async def test_every_endpoint_needs_authentication(client: httpx.AsyncClient) -> None:
    some = f"/api/v1/tasks/{uuid.uuid4()}"
    calls = [
        ("GET", "/api/v1/tasks", None),
        ("POST", "/api/v1/tasks", {"title": "x"}),
        ("GET", some, None),
        ("PATCH", some, {"title": "x"}),
        ("DELETE", some, None),
        ("POST", "/api/v1/tasks/bulk", {"ids": [str(uuid.uuid4())], "action": "delete"}),
        ("GET", "/api/v1/tags", None),
        ("GET", "/api/v1/tasks/export", None),
        ("POST", "/api/v1/tasks/import", {"tasks": []}),
    ]
    for method, url, body in calls:
        response = await client.request(method, url, json=body)
        assert response.status_code == 401, (method, url)


async def test_a_deleted_account_takes_its_tasks_along(app: FastAPI, alice: Api, bob: Api) -> None:
    await alice.create(title="x")
    await bob.create(title="y")
    response = await alice.request(
        "DELETE", "/api/v1/auth/me", json={"password": "correct horse battery staple"}
    )
    assert response.status_code == 204
    async with app.state.sessionmaker() as session:
        titles = (await session.scalars(select(Task.title))).all()
    assert titles == ["y"]
