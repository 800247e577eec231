"""Forgot-password requests are durable intents: recorded by the request, resolved once later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from app.core.clock import as_utc, utcnow
from app.models.email import EmailOutbox, PasswordResetToken
from app.models.user import User
from app.services.outbox import OutboxDispatcher
from app.services.password_reset import PasswordResetTokens
from tests.conftest import AppFactory, client_for, signup
from tests.email.conftest import MANUAL, RawLogs, SmtpServer, deliver_pending, reset_token_from

FORGOT = "/api/v1/auth/forgot-password"
VALIDATE = "/api/v1/auth/reset-password/validate"


async def _rows(app: FastAPI, model: Any) -> list[Any]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(model))).all())


def _worker(app: FastAPI, **kwargs: Any) -> OutboxDispatcher:
    """Another dispatcher on the same database, as a second worker or replica would run."""
    survivor: OutboxDispatcher = app.state.email_dispatcher
    return OutboxDispatcher(
        app.state.sessionmaker,
        app.state.email_service.backend,
        app.state.metrics,
        lease_seconds=60,
        resolvers=survivor.resolvers,
        **kwargs,
    )


async def test_a_request_claimed_by_a_worker_that_died_is_resolved_once_after_the_lease(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL, email_lease_seconds=60)
    async with client_for(app) as client:
        await signup(client, email="crash@example.com")
        assert (await client.post(FORGOT, json={"email": "crash@example.com"})).status_code == 202
        # A worker claims the request and dies before resolving it.
        doomed = _worker(app)
        (claimed,) = await doomed.claim()
        assert claimed.kind == "password_reset_request"
        survivor = app.state.email_dispatcher
        assert await survivor.run_once() == 0  # leased: nobody else may take it yet
        assert await _rows(app, PasswordResetToken) == []
        clock.advance(seconds=61)
        await deliver_pending(app)
        (message,) = smtp.mailbox.messages
        token = reset_token_from(message)
        # The dead worker wakes up late and resolves its stale claim: fenced, it changes
        # nothing (no second token, no revocation of the delivered one, no second email).
        await doomed.resolve(claimed)
        await deliver_pending(app)
        assert len(smtp.mailbox.messages) == 1
        assert len(await _rows(app, PasswordResetToken)) == 1
        assert (await client.post(VALIDATE, json={"token": token})).status_code == 204
    (row,) = await _rows(app, EmailOutbox)
    assert (row.kind, row.status) == ("password_reset", "sent")


async def test_a_request_resolved_twice_concurrently_yields_one_email(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    """Two workers race on one request (the first's lease ran out mid-way): one token, one mail."""
    app = await app_factory(**smtp.settings(), **MANUAL, email_lease_seconds=60)
    async with client_for(app) as client:
        await signup(client, email="race@example.com")
        await client.post(FORGOT, json={"email": "race@example.com"})
    first = _worker(app)
    (stale,) = await first.claim()
    clock.advance(seconds=61)
    second = _worker(app)
    (fresh,) = await second.claim()
    await first.resolve(stale)  # lost the row: rolls back
    await second.resolve(fresh)
    await deliver_pending(app)
    assert len(smtp.mailbox.messages) == 1
    assert len(await _rows(app, PasswordResetToken)) == 1


async def test_unknown_address_request_is_dropped_and_logged_masked(
    app_factory: AppFactory, smtp: SmtpServer, raw_logs: RawLogs
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        assert (await client.post(FORGOT, json={"email": "ghost@example.com"})).status_code == 202
    assert len(await _rows(app, EmailOutbox)) == 1
    await deliver_pending(app)
    assert await _rows(app, EmailOutbox) == []
    assert await _rows(app, PasswordResetToken) == []
    assert smtp.mailbox.messages == []
    assert "unknown address" in raw_logs.text
    assert "g***@example.com" in raw_logs.text
    assert "ghost@example.com" not in raw_logs.text


async def test_a_request_nobody_resolved_within_a_token_lifetime_is_dropped(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL, password_reset_token_expire_minutes=30)
    async with client_for(app) as client:
        await signup(client, email="stale@example.com")
        await client.post(FORGOT, json={"email": "stale@example.com"})
    clock.advance(minutes=31)  # every dispatcher was down all that time
    await deliver_pending(app)
    assert smtp.mailbox.messages == []
    assert await _rows(app, EmailOutbox) == []
    assert await _rows(app, PasswordResetToken) == []


async def test_a_dispatcher_without_the_resolver_never_mails_a_request(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL, email_lease_seconds=60)
    async with client_for(app) as client:
        await signup(client, email="bare@example.com")
        await client.post(FORGOT, json={"email": "bare@example.com"})
    bare = OutboxDispatcher(
        app.state.sessionmaker, app.state.email_service.backend, app.state.metrics
    )
    assert await bare.run_once() == 1
    assert smtp.mailbox.messages == []  # not sent as an (empty) email
    clock.advance(seconds=121)
    await deliver_pending(app)  # a full dispatcher resolves it after the lease
    assert len(smtp.mailbox.messages) == 1


async def test_dead_reset_tokens_are_deleted_a_day_after_expiry(
    app_factory: AppFactory, clock: Any
) -> None:
    app = await app_factory(**MANUAL, password_reset_token_expire_minutes=30)
    async with client_for(app) as client:
        await signup(client, email="purge@example.com")
    async with app.state.sessionmaker() as session:
        user_id = await session.scalar(select(User.id).where(User.email == "purge@example.com"))
        assert user_id is not None
        tokens = PasswordResetTokens(session, timedelta(minutes=30))
        await tokens.issue(user_id)  # revoked by the next one, expires in 30 min anyway
        await session.commit()
        clock.advance(hours=12)
        await tokens.issue(user_id)  # the live one, for now
        await session.commit()
    dispatcher = app.state.email_dispatcher
    assert await dispatcher.purge_reset_tokens() == 0  # revoked, but not a day past expiry
    clock.advance(hours=12, minutes=31)  # the first expired a day and a minute ago
    assert await dispatcher.purge_reset_tokens() == 1
    (left,) = await _rows(app, PasswordResetToken)  # the second expired only 12 h ago
    assert as_utc(left.expires_at) == utcnow() - timedelta(hours=12, minutes=1)
    clock.advance(hours=12)
    assert await dispatcher.purge_reset_tokens() == 1
    assert await _rows(app, PasswordResetToken) == []
