"""Bulk actions and the tag counts."""

from __future__ import annotations

import uuid

from tests.tasks.conftest import Api


async def test_bulk_complete_reopen_delete(alice: Api) -> None:
    ids = [(await alice.create(title=f"t{i}"))["id"] for i in range(3)]
    complete = await alice.post("/api/v1/tasks/bulk", json={"ids": ids[:2], "action": "complete"})
    assert complete.json() == {"affected": 2}
    assert await alice.titles(status="completed", sort="title") == ["t0", "t1"]
    # Completing all three changes only the one that was still open.
    again = await alice.post("/api/v1/tasks/bulk", json={"ids": ids, "action": "complete"})
    assert again.json() == {"affected": 1}
    done = (await alice.list())["items"]
    assert all(t["completed"] and t["completed_at"] for t in done)
    reopen = await alice.post("/api/v1/tasks/bulk", json={"ids": ids[1:], "action": "reopen"})
    assert reopen.json() == {"affected": 2}
    assert await alice.titles(status="active", sort="title") == ["t1", "t2"]
    delete = await alice.post(
        "/api/v1/tasks/bulk", json={"ids": [ids[0], ids[0], str(uuid.uuid4())], "action": "delete"}
    )
    assert delete.json() == {"affected": 1}
    assert await alice.titles(sort="title") == ["t1", "t2"]


async def test_bad_bulk_requests_are_422(alice: Api) -> None:
    task = await alice.create(title="t")
    bodies = [
        {"ids": [task["id"]], "action": "archive"},
        {"ids": [], "action": "delete"},
        {"ids": ["not-a-uuid"], "action": "delete"},
        {"ids": task["id"], "action": "delete"},
        {"action": "delete"},
        {"ids": [task["id"]]},
        {"ids": [task["id"]], "action": "delete", "force": True},
        {"ids": [str(uuid.uuid4()) for _ in range(501)], "action": "delete"},
    ]
    for body in bodies:
        response = await alice.post("/api/v1/tasks/bulk", json=body)
        assert response.status_code == 422, body
    assert (await alice.list())["total"] == 1


async def test_tags_are_counted_most_used_first(alice: Api) -> None:
    await alice.create(title="a", tags=["Work", "urgent"])
    await alice.create(title="b", tags=["work"])
    await alice.create(title="c", tags=["home", "work"])
    await alice.create(title="d", tags=["home"])
    await alice.create(title="e")
    response = await alice.get("/api/v1/tags")
    assert response.status_code == 200
    assert response.json() == [
        {"name": "work", "count": 3},
        {"name": "home", "count": 2},
        {"name": "urgent", "count": 1},
    ]


async def test_no_tasks_no_tags(alice: Api) -> None:
    assert (await alice.get("/api/v1/tags")).json() == []
