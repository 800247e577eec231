"""Forgot-password gives nothing away and cannot be used to flood a mailbox or guess tokens."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select

from app.models.email import EmailOutbox, PasswordResetToken
from app.services.password_reset import PasswordResetTokens
from tests.conftest import AppFactory, client_for, signup
from tests.email.conftest import MANUAL, RawLogs, SmtpServer, deliver_pending

FORGOT = "/api/v1/auth/forgot-password"
VALIDATE = "/api/v1/auth/reset-password/validate"
RESET = "/api/v1/auth/reset-password"


async def _count(app: FastAPI, model: type[EmailOutbox] | type[PasswordResetToken]) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _outbox(app: FastAPI) -> list[EmailOutbox]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(EmailOutbox))).all())


async def test_unknown_email_gets_the_same_answer_and_no_email(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="known@example.com")
        known = await client.post(FORGOT, json={"email": "known@example.com"})
        unknown = await client.post(FORGOT, json={"email": "nobody@example.com"})
        await deliver_pending(app)
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.headers["content-type"] == unknown.headers["content-type"]
    assert [m["To"] for m in smtp.mailbox.messages] == ["known@example.com"]
    # The unknown address's request left nothing behind: its row (the address) is gone.
    assert [r.to_email for r in await _outbox(app)] == ["known@example.com"]


async def test_malformed_email_is_422(app_factory: AppFactory) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        response = await client.post(FORGOT, json={"email": "not-an-email"})
    assert response.status_code == 422


@contextmanager
def _statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block (text only, no values)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_forgot_does_the_same_database_work_for_known_and_unknown_addresses(
    app_factory: AppFactory,
) -> None:
    """The response cannot depend on the account: the request never looks at it.

    Known and unknown addresses run exactly the same statements (one INSERT into the outbox,
    then the commit), none of which reads `users` or touches a token; the account-dependent
    work happens only when the dispatcher resolves the recorded request. No timing threshold
    is involved, so this cannot flake.
    """
    app = await app_factory(**MANUAL)
    async with client_for(app) as client:
        await signup(client, email="known@example.com")
        with _statements(app) as known_sql:
            known = await client.post(FORGOT, json={"email": "known@example.com"})
        with _statements(app) as unknown_sql:
            unknown = await client.post(FORGOT, json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known_sql == unknown_sql
    assert any(sql.startswith("INSERT INTO email_outbox") for sql in known_sql), known_sql
    for sql in known_sql:
        assert "users" not in sql
        assert "password_reset_tokens" not in sql
    # Both requests are recorded alike: the address and nothing else; no token yet.
    rows = sorted(await _outbox(app), key=lambda r: r.to_email)
    assert [(r.kind, r.to_email, r.subject, r.text_body) for r in rows] == [
        ("password_reset_request", "known@example.com", "", None),
        ("password_reset_request", "nobody@example.com", "", None),
    ]
    assert await _count(app, PasswordResetToken) == 0
    # The dispatcher resolves them: a token and an email for the known address only.
    await deliver_pending(app)
    assert await _count(app, PasswordResetToken) == 1
    (sent,) = await _outbox(app)
    assert (sent.kind, sent.to_email) == ("password_reset", "known@example.com")
    assert sent.status == "sent"


async def test_forgot_response_time_does_not_depend_on_the_account(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known and unknown addresses answer alike even when the known-account work is slow.

    Issuing a token is made to take 300 ms (a stand-in for a slow database). A request that
    did that work before answering would be 300 ms slower for known addresses; the medians of
    interleaved requests must stay within 100 ms of each other, a margin noise cannot cross.
    The dispatcher's loop is off and runs between requests, so its work is not measured.
    """
    slow_issue = PasswordResetTokens.issue

    async def issue_slowly(self: PasswordResetTokens, user_id: uuid.UUID) -> Any:
        await asyncio.sleep(0.3)
        return await slow_issue(self, user_id)

    monkeypatch.setattr(PasswordResetTokens, "issue", issue_slowly)
    app = await app_factory(
        **MANUAL,
        password_reset_limit_per_ip="1000/hour",
        password_reset_email_limit_per_address="1000/hour",
    )
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    async with client_for(app) as client:
        await signup(client, email="known@example.com")
        for i in range(15):
            for kind, address in (("known", "known@example.com"), ("unknown", f"no{i}@x.org")):
                started = time.perf_counter()
                response = await client.post(FORGOT, json={"email": address})
                timings[kind].append(time.perf_counter() - started)
                assert response.status_code == 202
                # The dispatcher's (slow) work, outside the measurement.
                await deliver_pending(app)
    assert await _count(app, PasswordResetToken) == 15  # the slow work did run, afterwards
    known = statistics.median(timings["known"])
    unknown = statistics.median(timings["unknown"])
    assert abs(known - unknown) < 0.1, (known, unknown)


async def test_fourth_reset_email_in_an_hour_is_not_sent(
    app_factory: AppFactory, smtp: SmtpServer, raw_logs: RawLogs
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="flooded@example.com")
        for _ in range(4):
            response = await client.post(FORGOT, json={"email": "flooded@example.com"})
            assert response.status_code == 202
        await deliver_pending(app)
    assert len(smtp.mailbox.messages) == 3
    assert len(await _outbox(app)) == 3  # the fourth request was dropped, not kept
    assert "per-address limit reached" in raw_logs.text
    assert "f***@example.com" in raw_logs.text
    assert "flooded@example.com" not in raw_logs.text


async def test_eleventh_request_from_one_ip_is_429_with_retry_after(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(**MANUAL)
    async with client_for(app, "203.0.113.7") as client:
        for i in range(10):
            ok = await client.post(FORGOT, json={"email": f"someone{i}@example.com"})
            assert ok.status_code == 202
        refused = await client.post(FORGOT, json={"email": "someone@example.com"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    async with client_for(app, "203.0.113.8") as other:
        assert (await other.post(FORGOT, json={"email": "a@example.com"})).status_code == 202


async def test_global_ceiling_applies_across_ips(app_factory: AppFactory) -> None:
    app = await app_factory(**MANUAL, password_reset_global_limit="3/hour")
    statuses = []
    for i in range(4):
        async with client_for(app, f"198.51.100.{i + 1}") as client:
            response = await client.post(FORGOT, json={"email": f"user{i}@example.com"})
            statuses.append(response.status_code)
    assert statuses == [202, 202, 202, 429]
    rows = await _outbox(app)
    assert len(rows) == 3  # the refused request recorded nothing


async def test_token_guesses_are_limited_per_ip(app_factory: AppFactory) -> None:
    app = await app_factory(**MANUAL, reset_token_attempts_per_ip="5/hour")
    async with client_for(app, "192.0.2.10") as client:
        codes = []
        for i in range(3):
            codes.append((await client.post(VALIDATE, json={"token": f"guess{i}"})).status_code)
        for i in range(3):
            body = {"token": f"guess-r{i}", "new_password": "a long enough passphrase"}
            codes.append((await client.post(RESET, json=body)).status_code)
    assert codes == [400, 400, 400, 400, 400, 429]


async def test_address_matching_is_case_insensitive(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="known@example.com")
        response = await client.post(FORGOT, json={"email": "KNOWN@Example.COM"})
        assert response.status_code == 202
        await deliver_pending(app)
    assert [m["To"] for m in smtp.mailbox.messages] == ["known@example.com"]
