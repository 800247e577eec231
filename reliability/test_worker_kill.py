"""A worker killed with SIGKILL during the mixed load: nothing half-written, no email lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from load import MixedLoad, make_users
from support import (
    Backend,
    Database,
    bearer,
    create_database,
    drop_database,
    signup,
    smtp_env,
    smtp_sink,
    start_backend,
    wait_until,
)

RESET_USERS = 24


async def _integrity_problems(db: Database) -> list[str]:
    """Rows a crash could have left inconsistent; an empty list means none."""
    problems = []
    checks = {
        "task without a title": "SELECT id FROM tasks WHERE title IS NULL OR title = ''",
        "task of no user": (
            "SELECT t.id FROM tasks t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL"
        ),
        "task without timestamps": (
            "SELECT id FROM tasks WHERE created_at IS NULL OR updated_at IS NULL"
        ),
        "completed task without completed_at": (
            "SELECT id FROM tasks WHERE completed AND completed_at IS NULL"
        ),
        "completed recurring task whose next occurrence is missing": (
            "SELECT t.id FROM tasks t LEFT JOIN tasks n ON n.id = t.next_occurrence_id "
            "WHERE t.completed AND t.recurrence <> 'none' AND n.id IS NULL"
        ),
        "outbox row without recipient": (
            "SELECT id FROM email_outbox WHERE to_email IS NULL OR to_email = ''"
        ),
    }
    for name, sql in checks.items():
        rows = await db.fetch(sql)
        if rows:
            problems.append(f"{name}: {len(rows)}")
    return problems


async def _reset_loop(backend: Backend, emails: list[str], acknowledged: list[str]) -> None:
    async with backend.client(timeout=10) as client:
        for email in emails:
            try:
                response = await client.post("/api/v1/auth/forgot-password", json={"email": email})
            except Exception:  # the worker that took it was killed: not acknowledged
                await asyncio.sleep(0.1)
                continue
            if response.status_code == 202:
                acknowledged.append(email)
            await asyncio.sleep(0.1)


async def test_sigkill_of_a_worker_loses_no_row_and_no_queued_email(
    database: Database, backend_factory: object
) -> None:
    with smtp_sink() as sink:
        sink.delay = 0.2  # slow sends: the killed worker likely holds claimed rows
        backend = backend_factory(  # type: ignore[operator]
            database, workers=2, EMAIL_LEASE_SECONDS="5", **smtp_env(sink.port)
        )
        await backend.wait_healthy()
        assert await wait_until(lambda: len(backend.worker_pids()) == 2, timeout=30)
        users = await make_users(backend, 6)
        due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        async with backend.client() as client:
            for user in users:  # completing these writes two rows: the done one and the next
                for i in range(3):
                    response = await client.post(
                        "/api/v1/tasks",
                        json={"title": f"daily {i}", "due_at": due, "recurrence": "daily"},
                        headers=bearer(user.session),
                    )
                    assert response.status_code == 201, response.text
                    user.task_ids.append(response.json()["id"])
            reset_emails = [(await signup(client))["email"] for _ in range(RESET_USERS)]

        load = MixedLoad([backend], users, concurrency=8)
        acknowledged: list[str] = []
        load.start()
        resets = asyncio.create_task(_reset_loop(backend, reset_emails, acknowledged))
        await asyncio.sleep(1.5)
        victim = backend.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        await resets
        await asyncio.sleep(max(0.0, 6.0 - (time.monotonic() - killed_at)))
        await load.stop()

        # The master replaces the dead worker; the service never stopped answering.
        assert await wait_until(
            lambda: len(backend.worker_pids()) == 2 and victim not in backend.worker_pids(),
            timeout=30,
        ), backend.worker_pids()
        server_errors = [o for o in load.outcomes if o.status is not None and o.status >= 500]
        assert not server_errors, server_errors[:10]
        late = [o for o in load.outcomes if o.at > killed_at + 3]
        assert late, load.statuses()
        assert all(o.status in {200, 201, 204} for o in late), (
            load.statuses(),
            sorted({(o.op, o.status, o.error) for o in late if o.status not in {200, 201, 204}}),
        )

        # Every queued email is delivered (a row claimed by the dead worker after its lease).
        async def outbox_drained() -> bool:
            rows = await database.fetch("SELECT status FROM email_outbox")
            return bool(rows) and all(r["status"] == "sent" for r in rows)

        assert await wait_until(outbox_drained, timeout=60), await database.fetch(
            "SELECT status, attempts, last_error FROM email_outbox"
        )
        rows = await database.fetch("SELECT message_id, to_email FROM email_outbox")
        delivered = {m["message_id"] for m in sink.messages}
        assert all(r["message_id"] in delivered for r in rows)

    # Nothing half-written: rows consistent, acknowledged creates present once (unless deleted).
    assert await _integrity_problems(database) == []
    titles = [r["title"] for r in await database.fetch("SELECT title FROM tasks")]
    for user in users:
        for title, task_id in user.created.items():
            if task_id in user.deleted:
                assert titles.count(title) == 0, title
            elif task_id in user.delete_in_doubt:
                assert titles.count(title) <= 1, title
            else:
                assert titles.count(title) == 1, title
        for title in user.in_doubt:  # no answer: the row is there once or not at all
            assert titles.count(title) <= 1, title
        async with backend.client() as client:
            response = await client.get("/api/v1/tasks?limit=100", headers=bearer(user.session))
            assert response.status_code == 200, response.text


async def test_an_acknowledged_reset_request_survives_the_process_dying(
    tmp_path: Path,
) -> None:
    """A 202 is a promise: the request is in the database before the answer, so a process
    killed before any of the work behind it (lookup, token, email) loses nothing.

    The first process runs without its dispatcher, so the kill lands deterministically after
    the 202 and before the request is resolved; a second process resolves and delivers it,
    exactly once.
    """
    db = await create_database(tmp_path, "sqlite")
    with smtp_sink() as sink:
        env = smtp_env(sink.port)
        first = start_backend(db.url, tmp_path, EMAIL_DISPATCHER_ENABLED="false", **env)
        second = None
        try:
            await first.wait_healthy()
            async with first.client() as client:
                email = (await signup(client))["email"]
                response = await client.post("/api/v1/auth/forgot-password", json={"email": email})
                assert response.status_code == 202
            # Acknowledged, nothing done yet: no token, no email, only the recorded request.
            with sqlite3.connect(db.name, timeout=30) as conn:
                assert conn.execute("SELECT count(*) FROM password_reset_tokens").fetchone() == (0,)
                kinds = conn.execute("SELECT kind FROM email_outbox").fetchall()
            assert kinds == [("password_reset_request",)]
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(timeout=10)
            assert sink.count_to(email) == 0
            second = start_backend(db.url, tmp_path, migrate=False, **env)
            await second.wait_healthy()
            delivered = await wait_until(lambda: sink.count_to(email) >= 1, timeout=15)
            await asyncio.sleep(1.0)  # a second copy would have shown up by now
            copies = sink.count_to(email)
        finally:
            first.stop()
            if second is not None:
                second.stop()
            await drop_database(db)
    assert delivered, "the acknowledged reset request was lost with the process"
    assert copies == 1
