"""A user only ever sees and changes their own tasks: others' are 404, absent, or ignored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tasks.conftest import Api


@pytest.fixture
async def alices_task(alice: Api) -> dict[str, Any]:
    return await alice.create(
        title="Alice's secret plan",
        description="only for alice",
        tags=["secret"],
        due_at="2026-01-01T00:00:00Z",
        recurrence="daily",
    )


async def test_another_users_task_is_404_for_get_patch_and_delete(
    alice: Api, bob: Api, alices_task: dict[str, Any]
) -> None:
    url = f"/api/v1/tasks/{alices_task['id']}"
    for response in (
        await bob.get(url),
        await bob.patch(url, json={"title": "pwned"}),
        await bob.patch(url, json={"completed": True}),
        await bob.delete(url),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Task not found"}
    assert (await alice.get(url)).json() == alices_task
    assert (await alice.list())["total"] == 1


async def test_another_users_tasks_never_appear_in_list_search_tags_or_export(
    alice: Api, bob: Api, alices_task: dict[str, Any]
) -> None:
    own = await bob.create(title="Bob's plan", tags=["mine"])
    for params in ({}, {"q": "secret"}, {"q": "plan"}, {"tag": "secret"}, {"status": "active"}):
        page = await bob.list(**params)
        assert alices_task["id"] not in [t["id"] for t in page["items"]], params
        assert page["total"] == (1 if params in ({}, {"q": "plan"}, {"status": "active"}) else 0)
    assert (await bob.get("/api/v1/tags")).json() == [{"name": "mine", "count": 1}]
    for fmt in ("json", "csv"):
        exported = await bob.get("/api/v1/tasks/export", params={"format": fmt})
        assert own["id"] in exported.text
        assert alices_task["id"] not in exported.text
        assert "secret" not in exported.text


async def test_bulk_ignores_another_users_ids(
    alice: Api, bob: Api, alices_task: dict[str, Any]
) -> None:
    own = await bob.create(title="Bob's")
    for action, affected in (("complete", 1), ("reopen", 1), ("delete", 1)):
        response = await bob.post(
            "/api/v1/tasks/bulk", json={"ids": [alices_task["id"], own["id"]], "action": action}
        )
        assert response.json() == {"affected": affected}, action
    # Untouched: not completed (so no next occurrence either), not deleted.
    assert (await alice.get(f"/api/v1/tasks/{alices_task['id']}")).json() == alices_task
    assert (await alice.list())["total"] == 1
