"""SMTP down for a while, then back: every queued email is delivered, exactly once per row."""

from __future__ import annotations

import asyncio
import time

from support import Database, free_port, signup, smtp_env, smtp_sink, wait_until

RESETS = 12
OUTAGE_SECONDS = 6.0


async def test_emails_queued_during_an_smtp_outage_are_each_delivered_once(
    database: Database, backend_factory: object
) -> None:
    smtp_port = free_port()  # nothing listens there yet: connection refused, a transient error
    backend = backend_factory(database, **smtp_env(smtp_port))  # type: ignore[operator]
    await backend.wait_healthy()
    async with backend.client() as client:
        users = [await signup(client) for _ in range(RESETS)]
        outage_started = time.monotonic()
        for user in users:
            response = await client.post(
                "/api/v1/auth/forgot-password", json={"email": user["email"]}
            )
            assert response.status_code == 202, response.text

    # While SMTP is down every row stays queued and is retried: none is sent, none is dead.
    async def all_rows_queued() -> bool:
        rows = await database.fetch("SELECT status FROM email_outbox")
        return len(rows) == RESETS

    assert await wait_until(all_rows_queued, timeout=20), "reset requests did not reach the outbox"
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
    rows = await database.fetch("SELECT status, attempts FROM email_outbox")
    assert {r["status"] for r in rows} == {"pending"}
    assert max(r["attempts"] for r in rows) >= 1, "the dispatcher never tried while SMTP was down"

    with smtp_sink(smtp_port) as sink:

        async def all_sent() -> bool:
            rows = await database.fetch("SELECT status FROM email_outbox")
            return all(r["status"] == "sent" for r in rows)

        assert await wait_until(all_sent, timeout=60), await database.fetch(
            "SELECT status, attempts, last_error FROM email_outbox"
        )
        await asyncio.sleep(3)  # a duplicate would arrive now, if one were coming

    rows = await database.fetch("SELECT message_id, to_email FROM email_outbox")
    assert len(rows) == RESETS
    delivered_ids = [m["message_id"] for m in sink.messages]
    for row in rows:
        assert delivered_ids.count(row["message_id"]) == 1, row
    for user in users:
        assert sink.count_to(user["email"]) == 1
    assert len(sink.messages) == RESETS
