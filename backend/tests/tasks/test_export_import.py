"""Export (JSON and CSV, streamed downloads) and import (all rows or none, errors per row)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import FrozenClock
from tests.tasks.conftest import Api

CSV = {"Content-Type": "text/csv"}


async def seed_every_kind_of_task(api: Api, clock: FrozenClock) -> None:
    clock.now = datetime(2026, 1, 31, 8, 0, tzinfo=UTC)
    await api.create(title="plain")
    clock.advance(minutes=1)
    await api.create(
        title='Ünïcode 🚀 "quotes", commas, <b>html</b>',
        description="line one\nline two; DROP TABLE tasks; --",
        priority="high",
        tags=["work", "o'neil", "a,b"],
        due_at="2026-02-10T09:15:30.123456+00:00",
    )
    clock.advance(minutes=1)
    await api.create(title="=SUM(A1:A9)", description="@cmd|' /C calc'!A0", tags=["-x"])
    clock.advance(minutes=1)
    await api.create(title="'quoted already", description="+1", priority="low")
    clock.advance(minutes=1)
    monthly = await api.create(
        title="Rent", priority="medium", due_at="2026-01-31T09:00:00Z", recurrence="monthly"
    )
    clock.advance(hours=2)
    # Completing it leaves a completed record and a Feb 28 occurrence anchored on the 31st.
    await api.patch(f"/api/v1/tasks/{monthly['id']}", json={"completed": True})
    clock.advance(minutes=1)
    await api.create(title="yearly", due_at="2028-02-29T00:00:00Z", recurrence="yearly")


def without_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


async def export_json(api: Api) -> dict[str, Any]:
    response = await api.get("/api/v1/tasks/export", params={"format": "json"})
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_json_export_is_a_download_of_every_task(alice: Api, clock: FrozenClock) -> None:
    await seed_every_kind_of_task(alice, clock)
    response = await alice.get("/api/v1/tasks/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.endswith('.json"')
    document = response.json()
    assert document["version"] == 1
    assert len(document["tasks"]) == 7
    listed = {t["id"]: t for t in (await alice.list(limit=100))["items"]}
    for row in document["tasks"]:
        assert {k: v for k, v in row.items() if k != "recurrence_anchor_day"} == listed[row["id"]]
    rent = [r for r in document["tasks"] if r["title"] == "Rent"]
    assert [r["recurrence_anchor_day"] for r in rent] == [31, 31]


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_export_then_import_round_trips_every_field(
    alice: Api, bob: Api, clock: FrozenClock, fmt: str
) -> None:
    await seed_every_kind_of_task(alice, clock)
    exported = await alice.get("/api/v1/tasks/export", params={"format": fmt})
    headers = CSV if fmt == "csv" else {"Content-Type": "application/json"}
    clock.advance(days=3)
    response = await bob.post("/api/v1/tasks/import", content=exported.content, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 7}
    original, copied = (await export_json(alice))["tasks"], (await export_json(bob))["tasks"]
    assert without_ids(copied) == without_ids(original)
    assert not {r["id"] for r in original} & {r["id"] for r in copied}, "import makes new ids"
    # The copied series resumes exactly: Feb 28 -> Mar 31, thanks to the stored anchor day.
    feb = next(r for r in copied if r["title"] == "Rent" and not r["completed"])
    nxt = await bob.patch(f"/api/v1/tasks/{feb['id']}", json={"completed": True})
    following = await bob.get(f"/api/v1/tasks/{nxt.headers['X-Next-Task-ID']}")
    assert following.json()["due_at"] == "2026-03-31T09:00:00Z"


async def test_csv_export_is_a_spreadsheet_safe_download(alice: Api, clock: FrozenClock) -> None:
    await seed_every_kind_of_task(alice, clock)
    response = await alice.get("/api/v1/tasks/export", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 7
    for row in rows:
        for column in ("title", "description"):
            assert not row[column].startswith(("=", "+", "-", "@")), row[column]
    formula = next(r for r in rows if "SUM" in r["title"])
    assert formula["title"] == "'=SUM(A1:A9)"
    assert json.loads(formula["tags"]) == ["-x"]


async def test_export_of_nothing_is_an_empty_document(alice: Api) -> None:
    assert (await export_json(alice))["tasks"] == []
    csv_export = await alice.get("/api/v1/tasks/export", params={"format": "csv"})
    assert csv_export.text.strip().startswith("id,title,")
    assert len(csv_export.text.strip().splitlines()) == 1


async def test_export_format_must_be_json_or_csv(alice: Api) -> None:
    response = await alice.get("/api/v1/tasks/export", params={"format": "xml"})
    assert response.status_code == 422


async def test_import_needs_no_export_metadata_and_fills_defaults(
    alice: Api, clock: FrozenClock
) -> None:
    clock.now = datetime(2026, 4, 1, tzinfo=UTC)
    body = {"tasks": [{"title": "one"}, {"title": "two", "completed": True, "tags": ["A", "a"]}]}
    response = await alice.post("/api/v1/tasks/import", json=body)
    assert response.status_code == 201
    two = (await alice.list(q="two"))["items"][0]
    assert two["tags"] == ["a"]
    assert (two["completed"], two["completed_at"], two["created_at"]) == (
        True,
        "2026-04-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
    )


async def test_a_bad_row_reports_every_error_and_imports_nothing(alice: Api) -> None:
    body = {
        "version": 1,
        "tasks": [
            {"title": "fine"},
            {"title": "   "},
            {"title": "ok", "due_at": "2026-01-01T00:00:00"},
            {"title": "ok", "priority": "urgent", "tags": ["x" * 33]},
            {"title": "ok", "recurrence": "weekly"},
            {"title": "ok", "colour": "red"},
            "not an object",
        ],
    }
    response = await alice.post("/api/v1/tasks/import", json=body)
    assert response.status_code == 422
    locs = [tuple(e["loc"]) for e in response.json()["detail"]]
    assert locs == [
        ("body", "tasks", 1, "title"),
        ("body", "tasks", 2, "due_at"),
        ("body", "tasks", 3, "priority"),
        ("body", "tasks", 3, "tags"),
        ("body", "tasks", 4),
        ("body", "tasks", 5, "colour"),
        ("body", "tasks", 6),
    ]
    assert all(e["msg"] for e in response.json()["detail"])
    assert (await alice.list())["total"] == 0


async def test_bad_csv_rows_are_reported_by_line_and_nothing_is_imported(alice: Api) -> None:
    content = (
        "title,priority,tags,due_at\r\n"
        "fine,low,[],\r\n"
        "bad priority,urgent,[],\r\n"
        'bad tags,none,"not json",\r\n'
        "naive,none,[],2026-01-01T00:00:00\r\n"
        "too,many,cells,here,!\r\n"
    )
    response = await alice.post("/api/v1/tasks/import", content=content, headers=CSV)
    assert response.status_code == 422
    locs = [tuple(e["loc"]) for e in response.json()["detail"]]
    assert locs == [
        ("body", "line", 6),
        ("body", "line", 3, "priority"),
        ("body", "line", 4, "tags"),
        ("body", "line", 5, "due_at"),
    ]
    assert (await alice.list())["total"] == 0


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"{not json", {"Content-Type": "application/json"}),
        (b"[]", {"Content-Type": "application/json"}),
        (b'"tasks"', {"Content-Type": "application/json"}),
        (b'{"tasks": {"title": "x"}}', {"Content-Type": "application/json"}),
        (b'{"tasks": [], "extra": 1}', {"Content-Type": "application/json"}),
        (b'{"version": 2, "tasks": []}', {"Content-Type": "application/json"}),
        (b"", CSV),
        (b"name,colour\r\nx,red\r\n", CSV),
        (b"\xff\xfe\x00t", CSV),
    ],
)
async def test_malformed_import_documents_are_422(
    alice: Api, content: bytes, headers: dict[str, str]
) -> None:
    response = await alice.post("/api/v1/tasks/import", content=content, headers=headers)
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


async def test_import_of_another_media_type_is_415(alice: Api) -> None:
    response = await alice.post(
        "/api/v1/tasks/import",
        content=b"<tasks/>",
        headers={"Content-Type": "application/xml", "X-Requested-With": "fetch"},
    )
    assert response.status_code == 415
    assert (await alice.list())["total"] == 0
