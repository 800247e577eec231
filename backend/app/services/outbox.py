"""The email outbox: requests enqueue in their own transaction, a dispatcher delivers.

Guarantees, and why each holds:
- Nothing is lost: the row is committed with the change that caused it (a reset token, a new
  password) or not at all, and stays until a backend accepts it or it is declared dead.
- No row is sent by two workers at once: a claim is one UPDATE over rows picked with
  `FOR UPDATE SKIP LOCKED` on PostgreSQL (concurrent claimers skip each other's rows); SQLite
  runs that UPDATE as one atomic write, so two claimers cannot both match a row.
- A worker that dies holding rows delays them, never drops them: claiming moves
  `next_attempt_at` to the end of a lease, after which the row is due again.
- Transient failures are retried with exponential backoff (1 s, 2 s, 4 s ... with jitter) until
  `deliver_before` (for a reset link, the token's expiry: a later delivery is useless);
  permanent ones end the row at once. Delivery is at-least-once: a worker that dies after the
  server accepted a message but before marking it sent leads to a second copy after the lease.
- The rendered body holds a live link, so it is erased when the row is sent or dead.
- Some rows are intents, not emails: a forgot-password request writes one holding only the
  address (the same row whether or not the account exists). A claimed intent is handed to its
  resolver, which decides in the dispatcher's transaction what to send: the row becomes the
  rendered email (due at once) or is deleted. The row update is fenced by the claim, so a worker
  whose lease ran out rolls back everything it did; a crash before the commit leaves the intent
  for the next claim after the lease. One intent therefore yields at most one email.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.clock import as_utc, utcnow
from app.core.config import Settings
from app.core.metrics import Metrics
from app.core.redaction import mask_email
from app.models.email import EmailOutbox, OutboxStatus, PasswordResetToken
from app.services.email_service import (
    PASSWORD_CHANGED,
    PASSWORD_RESET_REQUEST,
    EmailBackend,
    EmailDeliveryError,
    EmailMessage,
    password_changed_message,
)

logger = logging.getLogger("app.email.outbox")

BATCH_SIZE = 10
# Providers throttle parallel connections per account; a handful is welcome everywhere.
PARALLEL_SENDS = 4
# Sent and dead rows (bodies already erased) are kept this long for debugging deliveries.
RETENTION = timedelta(days=7)
PURGE_INTERVAL_SECONDS = 3600.0
# Reset tokens (hashes) are kept this long after they expire, then deleted. Every token has
# expired, been used or been revoked by then (the lifetime is at most a day).
RESET_TOKEN_RETENTION = timedelta(days=1)
# Row kinds that are intents to resolve, never messages to send as they are.
INTENT_KINDS = frozenset({PASSWORD_RESET_REQUEST})
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 300.0


def enqueue(
    session: AsyncSession, kind: str, message: EmailMessage, deliver_before: datetime
) -> EmailOutbox:
    """Add a message to the outbox in the caller's transaction; the caller commits."""
    row = EmailOutbox(
        kind=kind,
        to_email=message.to,
        subject=message.subject,
        text_body=message.text_body,
        html_body=message.html_body,
        message_id=message.message_id,
        created_at=message.date,
        next_attempt_at=utcnow(),
        deliver_before=deliver_before,
    )
    session.add(row)
    return row


def queue_password_changed(session: AsyncSession, settings: Settings, to_email: str) -> None:
    """Queue the "your password was changed" notice in the caller's transaction."""
    # Worth delivering for a day: after that the owner has noticed, one way or the other.
    enqueue(
        session,
        PASSWORD_CHANGED,
        password_changed_message(settings, to_email),
        deliver_before=utcnow() + timedelta(hours=24),
    )


def retry_delay(attempt: int) -> float:
    """Backoff before attempt `attempt + 1`: 1 s, 2 s, 4 s ..., capped, with +-20 % jitter."""
    base = min(FIRST_RETRY_SECONDS * 2.0 ** max(attempt - 1, 0), MAX_RETRY_SECONDS)
    jitter: float = random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not security)
    return base * jitter


@dataclass(frozen=True)
class Resolution:
    """What an intent turns into: one email of `kind`, worth delivering until `deliver_before`."""

    kind: str
    message: EmailMessage
    deliver_before: datetime


class IntentResolver(Protocol):
    """Decides, inside the dispatcher's transaction, what an intent row becomes.

    It may write to `session` (a reset token, say) but must not commit: the dispatcher commits
    its work together with the row's new state, or rolls both back. None drops the intent.
    """

    async def __call__(
        self, session: AsyncSession, address: str, requested_at: datetime
    ) -> Resolution | None: ...


@dataclass(frozen=True)
class ClaimedEmail:
    id: uuid.UUID
    claim_token: uuid.UUID
    kind: str
    attempts: int
    deliver_before: datetime
    message: EmailMessage


class OutboxDispatcher:
    """Claims due rows, sends them through one backend, and records what happened."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        backend: EmailBackend,
        metrics: Metrics,
        *,
        interval_seconds: float = 1.0,
        lease_seconds: int = 120,
        from_email: str | None = None,
        from_name: str | None = None,
        resolvers: Mapping[str, IntentResolver] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.backend = backend
        self.metrics = metrics
        self.interval = interval_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.from_email = from_email
        self.from_name = from_name
        self.resolvers: Mapping[str, IntentResolver] = resolvers or {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Run the delivery loop in the background until stop()."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="email-outbox-dispatcher")

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Finish the send in progress, hand back unsent claimed rows, and end the loop."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(task, grace_seconds)
        except TimeoutError:
            logger.warning("email dispatcher did not stop in %.0fs; cancelled", grace_seconds)

    def wake(self) -> None:
        """Look for due rows now instead of at the next poll (called after an enqueue)."""
        self._wake.set()

    async def _run(self) -> None:
        next_purge = time.monotonic()
        while not self._stopping:
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
                try:
                    await self.purge()
                    await self.purge_reset_tokens()
                except Exception:
                    logger.exception("email outbox purge failed")
            try:
                handled = await self.run_once()
            except Exception:
                logger.exception("email dispatcher iteration failed; retrying")
                handled = 0
            if handled or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    # ------------------------------------------------------------ one pass

    async def run_once(self, limit: int = BATCH_SIZE) -> int:
        """Claim up to `limit` due rows and try each once; return how many were claimed.

        The batch is sent `PARALLEL_SENDS` at a time: one SMTP session costs tens of
        milliseconds, so a burst of resets would otherwise queue behind each other.
        """
        self._wake.clear()
        claimed = await self.claim(limit)
        slots = asyncio.Semaphore(PARALLEL_SENDS)

        async def attempt(item: ClaimedEmail) -> None:
            async with slots:
                if self._stopping:
                    await self._release([item])
                elif item.kind in INTENT_KINDS:
                    await self.resolve(item)
                else:
                    await self.deliver(item)

        await asyncio.gather(*(attempt(item) for item in claimed))
        return len(claimed)

    async def purge(self) -> int:
        """Delete rows sent or dead for longer than RETENTION; pending rows are never touched."""
        finished = (OutboxStatus.sent.value, OutboxStatus.dead.value)
        where = and_(
            col(EmailOutbox.status).in_(finished),
            col(EmailOutbox.created_at) < utcnow() - RETENTION,
        )
        async with self.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(EmailOutbox).where(where))
            if count:
                await session.execute(delete(EmailOutbox).where(where))
                await session.commit()
        return int(count or 0)

    async def purge_reset_tokens(self) -> int:
        """Delete reset tokens a day past their expiry (used, revoked or not: all are dead)."""
        where = col(PasswordResetToken.expires_at) < utcnow() - RESET_TOKEN_RETENTION
        async with self.sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).select_from(PasswordResetToken).where(where)
            )
            if count:
                await session.execute(delete(PasswordResetToken).where(where))
                await session.commit()
        return int(count or 0)

    async def claim(self, limit: int = BATCH_SIZE) -> list[ClaimedEmail]:
        """Atomically take due rows for one lease; other workers skip them until it ends."""
        now = utcnow()
        async with self.sessionmaker() as session:
            # A read first, so an idle dispatcher does not take SQLite's write lock every poll.
            due = await session.scalar(select(col(EmailOutbox.id)).where(self._due(now)).limit(1))
            if due is None:
                return []
            token = uuid.uuid4()
            picked = (
                select(col(EmailOutbox.id))
                .where(self._due(now))
                .order_by(col(EmailOutbox.next_attempt_at))
                .limit(limit)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            result = await session.execute(
                update(EmailOutbox)
                .where(col(EmailOutbox.id).in_(picked), self._due(now))
                .values(
                    claim_token=token,
                    claimed_at=now,
                    next_attempt_at=now + self.lease,
                    attempts=col(EmailOutbox.attempts) + 1,
                )
                .returning(
                    col(EmailOutbox.id),
                    col(EmailOutbox.kind),
                    col(EmailOutbox.attempts),
                    col(EmailOutbox.deliver_before),
                    col(EmailOutbox.to_email),
                    col(EmailOutbox.subject),
                    col(EmailOutbox.text_body),
                    col(EmailOutbox.html_body),
                    col(EmailOutbox.message_id),
                    col(EmailOutbox.created_at),
                )
            )
            rows = result.all()
            await session.commit()
        return [
            ClaimedEmail(
                id=row.id,
                claim_token=token,
                kind=row.kind,
                attempts=row.attempts,
                deliver_before=as_utc(row.deliver_before),
                message=EmailMessage(
                    to=row.to_email,
                    subject=row.subject,
                    text_body=row.text_body or "",
                    html_body=row.html_body or "",
                    from_email=self.from_email,
                    from_name=self.from_name,
                    message_id=row.message_id,
                    date=as_utc(row.created_at),
                ),
            )
            for row in rows
        ]

    @staticmethod
    def _due(now: datetime) -> ColumnElement[bool]:
        return and_(
            col(EmailOutbox.status) == OutboxStatus.pending.value,
            col(EmailOutbox.next_attempt_at) <= now,
        )

    async def resolve(self, item: ClaimedEmail) -> None:
        """Turn one claimed intent into its email, or drop it, in one fenced transaction."""
        log = {"email_type": item.kind, "to": mask_email(item.message.to)}
        now = utcnow()
        resolver = self.resolvers.get(item.kind)
        if resolver is None:
            # A dispatcher built without this resolver: leave the row to one that has it.
            logger.error("no resolver for this outbox intent; left for the lease", extra=log)
            return
        try:
            async with self.sessionmaker() as session:
                # Take the row first: this checks the claim is still ours, row-locks it on
                # PostgreSQL, and on SQLite takes the write lock before anything is read, so
                # concurrent resolutions (of one address, say) see each other's work.
                touched = await session.execute(
                    update(EmailOutbox).where(self._owned(item)).values(claimed_at=now)
                )
                if getattr(touched, "rowcount", 0) != 1:
                    await session.rollback()
                    logger.warning("intent claimed by another worker; left to it", extra=log)
                    return
                resolution: Resolution | None = None
                if now < item.deliver_before:
                    resolution = await resolver(session, item.message.to, item.message.date)
                else:
                    logger.warning("request expired before it could be handled", extra=log)
                if resolution is None:
                    # Nothing to send: the row (the address) goes.
                    result = await session.execute(delete(EmailOutbox).where(self._owned(item)))
                else:
                    message = resolution.message
                    result = await session.execute(
                        update(EmailOutbox)
                        .where(self._owned(item))
                        .values(
                            kind=resolution.kind,
                            to_email=message.to,
                            subject=message.subject,
                            text_body=message.text_body,
                            html_body=message.html_body,
                            message_id=message.message_id,
                            deliver_before=resolution.deliver_before,
                            next_attempt_at=now,
                            attempts=0,
                            claim_token=None,
                            last_error=None,
                        )
                    )
                if getattr(result, "rowcount", 0) != 1:
                    # The lease ran out and another worker owns the row: undo everything.
                    await session.rollback()
                    logger.warning("intent claimed by another worker; left to it", extra=log)
                    return
                await session.commit()
        except Exception as exc:
            logger.exception("could not resolve an outbox intent; will retry", extra=log)
            with contextlib.suppress(Exception):
                delay = timedelta(seconds=retry_delay(item.attempts))
                await self._reschedule(item, utcnow() + delay, f"unexpected {type(exc).__name__}")
            return
        if resolution is not None:
            self.wake()  # the email is due now

    async def deliver(self, item: ClaimedEmail) -> None:
        """Send one claimed row and record sent, retry or dead."""
        backend = self.backend.name
        labels = {"type": item.kind, "backend": backend}
        log = {
            "email_type": item.kind,
            "to": mask_email(item.message.to),
            "attempt": item.attempts,
            "backend": backend,
        }
        started = time.perf_counter()
        try:
            await self.backend.send(item.message)
        except EmailDeliveryError as exc:
            elapsed = time.perf_counter() - started
            self.metrics.email_send_seconds.labels(backend=backend).observe(elapsed)
            await self._failed(item, exc, labels, log)
            return
        except Exception as exc:  # a bug in a backend must not kill the dispatcher
            logger.exception("email backend raised unexpectedly", extra=log)
            await self._failed(
                item, EmailDeliveryError(f"unexpected {type(exc).__name__}"), labels, log
            )
            return
        elapsed = time.perf_counter() - started
        self.metrics.email_send_seconds.labels(backend=backend).observe(elapsed)
        self.metrics.emails_sent.labels(**labels).inc()
        await self._finish(item, OutboxStatus.sent, error=None)
        logger.info("email sent", extra={**log, "duration_ms": round(elapsed * 1000, 1)})

    async def _failed(
        self,
        item: ClaimedEmail,
        exc: EmailDeliveryError,
        labels: dict[str, str],
        log: dict[str, object],
    ) -> None:
        now = utcnow()
        delay = retry_delay(item.attempts)
        retry_at = now + timedelta(seconds=delay)
        if exc.transient and retry_at < item.deliver_before:
            self.metrics.emails_retried.labels(**labels).inc()
            await self._reschedule(item, retry_at, exc.reason)
            logger.warning(
                "email send failed; will retry",
                extra={**log, "error": exc.reason, "retry_in_s": round(delay, 1)},
            )
            return
        self.metrics.emails_failed.labels(**labels).inc()
        await self._finish(item, OutboxStatus.dead, error=exc.reason)
        why = "retry window exhausted" if exc.transient else "permanent failure"
        logger.error(f"email send failed; giving up ({why})", extra={**log, "error": exc.reason})

    def _owned(self, item: ClaimedEmail) -> ColumnElement[bool]:
        # Fencing: a worker whose lease ran out (and whose row someone else took) changes nothing.
        return and_(
            col(EmailOutbox.id) == item.id,
            col(EmailOutbox.claim_token) == item.claim_token,
        )

    async def _finish(self, item: ClaimedEmail, status: OutboxStatus, error: str | None) -> None:
        now = utcnow()
        async with self.sessionmaker() as session:
            await session.execute(
                update(EmailOutbox)
                .where(self._owned(item))
                .values(
                    status=status.value,
                    text_body=None,
                    html_body=None,
                    claim_token=None,
                    last_error=error,
                    sent_at=now if status is OutboxStatus.sent else None,
                    next_attempt_at=now,
                )
            )
            await session.commit()

    async def _reschedule(self, item: ClaimedEmail, at: datetime, error: str) -> None:
        async with self.sessionmaker() as session:
            await session.execute(
                update(EmailOutbox)
                .where(self._owned(item))
                .values(next_attempt_at=at, claim_token=None, last_error=error)
            )
            await session.commit()

    async def _release(self, items: list[ClaimedEmail]) -> None:
        """Give back rows claimed but not tried (shutdown), so another worker sends them now."""
        now = utcnow()
        async with self.sessionmaker() as session:
            for item in items:
                await session.execute(
                    update(EmailOutbox)
                    .where(self._owned(item))
                    .values(
                        next_attempt_at=now,
                        claim_token=None,
                        attempts=col(EmailOutbox.attempts) - 1,
                    )
                )
            await session.commit()
