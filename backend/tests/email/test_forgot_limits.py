"""Forgot-password gives nothing away and cannot be used to flood a mailbox or guess tokens."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.db import normalize_database_url
from app.models.email import EmailOutbox, PasswordResetToken
from app.services.password_reset import PasswordResetTokens
from tests.conftest import AppFactory, client_for, is_postgres, signup
from tests.email.conftest import MANUAL, RawLogs, SmtpServer, deliver_pending

FORGOT = "/api/v1/auth/forgot-password"
VALIDATE = "/api/v1/auth/reset-password/validate"
RESET = "/api/v1/auth/reset-password"


async def _count(app: FastAPI, model: type[EmailOutbox] | type[PasswordResetToken]) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


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


async def test_malformed_email_is_422(app_factory: AppFactory) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        response = await client.post(FORGOT, json={"email": "not-an-email"})
    assert response.status_code == 422


@asynccontextmanager
async def _database_write_lock(database_url: str) -> AsyncIterator[None]:
    """Hold a lock that stalls every write the reset work would make, until the block ends."""
    target = normalize_database_url(database_url)
    engine = create_async_engine(target.url, connect_args=target.connect_args)
    try:
        async with engine.connect() as conn:
            if is_postgres():
                await conn.execute(text("LOCK TABLE password_reset_tokens IN EXCLUSIVE MODE"))
            else:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                await conn.rollback()
    finally:
        await engine.dispose()


async def test_forgot_answers_before_any_account_dependent_work(
    app_factory: AppFactory, database_url: str
) -> None:
    """The response cannot depend on the account: it is sent while that work cannot even run.

    With the database's write lock held elsewhere, issuing a token is impossible; both the known
    and the unknown address still get their 202 at once, and the token appears only after the
    lock is released. No timing threshold is involved, so this cannot flake.
    """
    app = await app_factory(**MANUAL)
    async with client_for(app) as client:
        await signup(client, email="known@example.com")
        async with _database_write_lock(database_url):
            known = await client.post(FORGOT, json={"email": "known@example.com"}, timeout=5)
            unknown = await client.post(FORGOT, json={"email": "nobody@example.com"}, timeout=5)
            assert known.status_code == unknown.status_code == 202
            assert known.json() == unknown.json()
            assert app.state.reset_requests._jobs  # the known address's job is still waiting
        await app.state.reset_requests.drain()
    assert await _count(app, PasswordResetToken) == 1
    assert await _count(app, EmailOutbox) == 1


async def test_forgot_response_time_does_not_depend_on_the_account(
    app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known and unknown addresses answer alike even when the known-account work is slow.

    Issuing a token is made to take 300 ms (a stand-in for a slow database). A request that
    did that work before answering would be 300 ms slower for known addresses; the medians of
    interleaved requests must stay within 100 ms of each other, a margin noise cannot cross.
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
                # Keep the background work out of the next measurement.
                await app.state.reset_requests.drain()
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
    await app.state.reset_requests.drain()


async def test_global_ceiling_applies_across_ips(app_factory: AppFactory) -> None:
    app = await app_factory(**MANUAL, password_reset_global_limit="3/hour")
    statuses = []
    for i in range(4):
        async with client_for(app, f"198.51.100.{i + 1}") as client:
            response = await client.post(FORGOT, json={"email": f"user{i}@example.com"})
            statuses.append(response.status_code)
    assert statuses == [202, 202, 202, 429]
    await app.state.reset_requests.drain()


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
