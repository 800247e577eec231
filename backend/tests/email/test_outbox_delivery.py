"""The outbox delivers through outages, retries what is worth retrying, and never double-claims."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.core.clock import utcnow
from app.models.email import EmailOutbox, OutboxStatus
from app.services.email_service import EmailMessage
from app.services.outbox import OutboxDispatcher, enqueue, retry_delay
from tests.conftest import AppFactory, client_for, signup
from tests.email.conftest import MANUAL, SMTP_PASSWORD, RawLogs, SmtpServer, deliver_pending

FORGOT = "/api/v1/auth/forgot-password"


async def _outbox(app: FastAPI) -> list[EmailOutbox]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(EmailOutbox).order_by(EmailOutbox.created_at))
        return list(rows.all())


async def _queue(app: FastAPI, count: int = 1, **fields: Any) -> None:
    """Put messages straight into the outbox, as a request's transaction would."""
    async with app.state.sessionmaker() as session:
        for i in range(count):
            message = EmailMessage(
                to=f"rcpt{i}@example.com",
                subject=f"Message {i}",
                text_body="plain body",
                html_body="<p>html body</p>",
            )
            deliver_before = fields.get("deliver_before", utcnow().replace(year=2100))
            enqueue(session, "password_reset", message, deliver_before=deliver_before)
        await session.commit()


def _sample(app: FastAPI, name: str, **labels: str) -> float:
    value = app.state.metrics.registry.get_sample_value(name, labels)
    return float(value or 0.0)


async def test_smtp_down_at_request_time_then_delivered_once_up(
    app_factory: AppFactory, smtp_server: SmtpServer, raw_logs: RawLogs
) -> None:
    app = await app_factory(**smtp_server.settings())
    async with client_for(app) as client:
        await signup(client, email="patient@example.com")
        response = await client.post(FORGOT, json={"email": "patient@example.com"})
        assert response.status_code == 202
        # The dispatcher's loop resolves the request into the email, tries it, fails
        # (connection refused) and schedules a retry.
        async with asyncio.timeout(10):
            while (
                not (rows := await _outbox(app))
                or rows[0].kind != "password_reset"
                or rows[0].attempts < 1
            ):
                await asyncio.sleep(0.05)
        assert rows[0].status == "pending"
        smtp_server.start()
        (message,) = await smtp_server.mailbox.wait_for(1, timeout=15)
        async with asyncio.timeout(5):
            while (row := (await _outbox(app))[0]).status != "sent":
                await asyncio.sleep(0.05)
    assert message["To"] == "patient@example.com"
    assert row.attempts >= 2
    assert _sample(app, "todo_emails_retried_total", type="password_reset", backend="smtp") >= 1
    assert _sample(app, "todo_emails_sent_total", type="password_reset", backend="smtp") == 1
    assert "will retry" in raw_logs.text
    assert SMTP_PASSWORD not in raw_logs.text


async def test_smtp_4xx_is_retried_with_backoff(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    smtp.mailbox.replies = ["451 4.3.0 Try again later"]
    await _queue(app)
    assert await app.state.email_dispatcher.run_once() == 1
    (row,) = await _outbox(app)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error
    assert "451" in row.last_error
    assert row.text_body == "plain body"  # kept for the next attempt
    # Not due before its backoff (1 s +- 20 %) has passed.
    assert await app.state.email_dispatcher.run_once() == 0
    clock.advance(seconds=1.3)
    assert await app.state.email_dispatcher.run_once() == 1
    assert len(smtp.mailbox.messages) == 1
    (row,) = await _outbox(app)
    assert (row.status, row.attempts, row.text_body) == ("sent", 2, None)


async def test_smtp_5xx_is_not_retried_and_the_row_ends_dead(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    smtp.mailbox.replies = ["554 5.7.1 Message rejected"]
    await _queue(app)
    assert await app.state.email_dispatcher.run_once() == 1
    clock.advance(hours=1)
    assert await app.state.email_dispatcher.run_once() == 0
    (row,) = await _outbox(app)
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.text_body is None
    assert row.html_body is None
    assert row.last_error
    assert "554" in row.last_error
    assert smtp.mailbox.messages == []
    assert _sample(app, "todo_emails_failed_total", type="password_reset", backend="smtp") == 1


async def test_transient_failures_stop_at_the_delivery_deadline(
    app_factory: AppFactory, smtp_server: SmtpServer, clock: Any
) -> None:
    """A reset link is useless once expired, so retries end with the token's lifetime."""
    app = await app_factory(**smtp_server.settings(), **MANUAL)  # server never started
    await _queue(app, deliver_before=utcnow().replace(microsecond=0) + timedelta(minutes=1))
    dispatcher = app.state.email_dispatcher
    for _ in range(20):
        await dispatcher.run_once()
        clock.advance(seconds=30)
    (row,) = await _outbox(app)
    assert row.status == "dead"
    assert 2 <= row.attempts <= 4


async def test_dispatcher_killed_after_claiming_still_delivers_after_the_lease(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL, email_lease_seconds=60)
    await _queue(app)
    # A worker claims the row and dies before sending (its claim is simply abandoned).
    doomed = OutboxDispatcher(
        app.state.sessionmaker, app.state.email_service.backend, app.state.metrics, lease_seconds=60
    )
    (claimed,) = await doomed.claim()
    survivor = app.state.email_dispatcher
    assert await survivor.run_once() == 0  # leased: nobody else may take it yet
    clock.advance(seconds=61)
    assert await survivor.run_once() == 1
    assert len(smtp.mailbox.messages) == 1
    # The dead worker, were it to wake up, can no longer change the row (fenced by its claim).
    await doomed._finish(claimed, OutboxStatus.dead, error="late")
    (row,) = await _outbox(app)
    assert row.status == "sent"


async def test_concurrent_claims_never_share_a_row(app_factory: AppFactory) -> None:
    app = await app_factory(**MANUAL)
    await _queue(app, count=30)
    workers = [
        OutboxDispatcher(app.state.sessionmaker, app.state.email_service.backend, app.state.metrics)
        for _ in range(4)
    ]
    batches = await asyncio.gather(*(w.claim(limit=10) for w in workers))
    ids = [item.id for batch in batches for item in batch]
    assert len(ids) == len(set(ids))
    assert len(ids) == 30


async def test_shutdown_waits_for_the_send_in_progress(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    app = await app_factory(**smtp.settings())
    await _queue(app, count=3)
    app.state.email_dispatcher.wake()
    await smtp.mailbox.wait_for(1)
    await app.state.email_dispatcher.stop()
    rows = await _outbox(app)
    # Every row is either sent or back in the queue unclaimed: none is stuck mid-lease.
    for row in rows:
        assert row.status == "sent" or row.claim_token is None


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5])
def test_backoff_doubles_with_jitter(attempt: int) -> None:
    base = 2.0 ** (attempt - 1)
    delays = [retry_delay(attempt) for _ in range(50)]
    assert all(0.8 * base <= d <= 1.2 * base for d in delays)
    assert len(set(delays)) > 1


# aiosmtpd counts only STARTTLS as TLS and warns about AUTH on an implicit-TLS socket.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_implicit_tls_smtp(app_factory: AppFactory, smtp_server: SmtpServer) -> None:
    smtp_server.start(security="tls")
    app = await app_factory(**smtp_server.settings(security="tls"), **MANUAL)
    await _queue(app)
    await deliver_pending(app)
    assert len(smtp_server.mailbox.messages) == 1, (await _outbox(app))[0].last_error


async def test_starttls_is_required_when_chosen(
    app_factory: AppFactory, smtp_server: SmtpServer
) -> None:
    """A server (or a man in the middle) that does not offer STARTTLS gets nothing."""
    smtp_server.start(security="none", auth=False)
    app = await app_factory(**smtp_server.settings(security="starttls", auth=False), **MANUAL)
    await _queue(app)
    await deliver_pending(app)
    assert smtp_server.mailbox.messages == []
    (row,) = await _outbox(app)
    assert row.status == "dead"


async def test_untrusted_certificate_is_refused(
    app_factory: AppFactory, smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    settings = {**smtp_server.settings(), "smtp_ca_file": None}  # system CAs: ours is unknown
    app = await app_factory(**settings, **MANUAL)
    await _queue(app)
    await deliver_pending(app)
    assert smtp_server.mailbox.messages == []
    (row,) = await _outbox(app)
    assert row.status == "dead"
    assert row.last_error == "server certificate refused"


async def test_wrong_smtp_password_ends_dead(
    app_factory: AppFactory, smtp: SmtpServer, raw_logs: RawLogs
) -> None:
    settings = {**smtp.settings(), "smtp_password": "wrong-Password-123"}
    app = await app_factory(**settings, **MANUAL)
    await _queue(app)
    await deliver_pending(app)
    (row,) = await _outbox(app)
    assert row.status == "dead"
    assert row.last_error
    assert "535" in row.last_error
    assert "wrong-Password-123" not in raw_logs.text


async def test_smtp_timeout_bounds_the_whole_send(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    """A server that accepts the connection and then stalls costs SMTP_TIMEOUT, not forever."""
    smtp.mailbox.stall_seconds = 3.0
    app = await app_factory(**{**smtp.settings(), "smtp_timeout": 1.0}, **MANUAL)
    await _queue(app)
    started = asyncio.get_running_loop().time()
    assert await app.state.email_dispatcher.run_once() == 1
    assert asyncio.get_running_loop().time() - started < 3.0
    (row,) = await _outbox(app)
    assert (row.status, row.last_error) == ("pending", "timeout")


async def test_finished_rows_are_purged_after_the_retention_window(
    app_factory: AppFactory, smtp: SmtpServer, clock: Any
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    await _queue(app, count=2)
    await deliver_pending(app)
    smtp.stop()  # the next row stays pending
    await _queue(app)
    await app.state.email_dispatcher.run_once()
    dispatcher = app.state.email_dispatcher
    clock.advance(days=6)
    assert await dispatcher.purge() == 0
    clock.advance(days=2)
    assert await dispatcher.purge() == 2
    (left,) = await _outbox(app)
    assert left.status == "pending"
