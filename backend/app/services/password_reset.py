"""Password reset: tokens, the forgot-password work, and the reset itself.

Tokens are 256-bit random strings mailed to the owner; the database keeps only their SHA-256
hash, so a leaked table hands out no live link. A token is usable while it is unused,
unrevoked and unexpired, and each of those states is changed by exactly one thing: consuming
it, issuing a newer one (or changing the password), and time.

The forgot-password request answers before any of the account-dependent work happens: the
lookup, the per-address limit, the token and the outbox row run in a background job, so the
response cannot differ, in content or in timing, between known and unknown addresses.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.exceptions import InvalidResetToken
from app.core.metrics import Metrics
from app.core.ratelimit import RateLimiter
from app.core.redaction import mask_email
from app.core.security import hash_password_in_thread, hash_token, new_opaque_token
from app.models.email import PasswordResetToken
from app.models.user import User
from app.services.auth import AuthService
from app.services.email_service import PASSWORD_RESET, password_reset_message
from app.services.outbox import enqueue, queue_password_changed

logger = logging.getLogger("app.password_reset")

# More in-flight forgot-password jobs than this means a flood the rate limits did not stop.
MAX_PENDING_JOBS = 1000


class PasswordResetTokens:
    """Issues, checks and consumes reset tokens; modelled on django.contrib.auth.tokens."""

    def __init__(self, session: AsyncSession, lifetime: timedelta) -> None:
        self.session = session
        self.lifetime = lifetime

    def _now(self) -> datetime:
        """The one place time is read, so tests move it with the app's clock."""
        return utcnow()

    def _usable(self, now: datetime) -> ColumnElement[bool]:
        """A token works until it is used, revoked or expired; nothing else makes it fail."""
        return and_(
            col(PasswordResetToken.used_at).is_(None),
            col(PasswordResetToken.revoked_at).is_(None),
            col(PasswordResetToken.expires_at) > now,
        )

    async def issue(self, user_id: uuid.UUID) -> tuple[str, datetime]:
        """Return a new token and its expiry; the user's older tokens stop working.

        Only the newest link works, so a mailbox holding several reset emails has one live
        link, and the one an attacker may have seen earlier dies when the owner asks again.
        """
        await self.revoke_all(user_id)
        raw = new_opaque_token()
        expires_at = self._now() + self.lifetime
        self.session.add(
            PasswordResetToken(user_id=user_id, token_hash=hash_token(raw), expires_at=expires_at)
        )
        return raw, expires_at

    async def check(self, raw: str) -> uuid.UUID | None:
        """The owner of a usable token, changing nothing (the validate endpoint may be retried).

        The lookup is by SHA-256 digest: timing of the index search depends on the digest of
        the guess, which an attacker cannot steer toward a stored one, so no comparison here
        needs to be constant-time.
        """
        found: uuid.UUID | None = await self.session.scalar(
            select(col(PasswordResetToken.user_id)).where(
                col(PasswordResetToken.token_hash) == hash_token(raw), self._usable(self._now())
            )
        )
        return found

    async def consume(self, raw: str) -> uuid.UUID | None:
        """Mark a usable token used and return its owner, in one conditional UPDATE.

        Read-then-write would let two concurrent resets with one token both pass the read;
        a single UPDATE ... WHERE usable lets exactly one of them change the row.
        """
        now = self._now()
        result = await self.session.execute(
            update(PasswordResetToken)
            .where(col(PasswordResetToken.token_hash) == hash_token(raw), self._usable(now))
            .values(used_at=now)
            .returning(col(PasswordResetToken.user_id))
        )
        owner: uuid.UUID | None = result.scalar_one_or_none()
        return owner

    async def revoke_all(self, user_id: uuid.UUID) -> None:
        """Kill every outstanding token of the user: links mailed before a new one, or before
        the password changed, must not outlive the state they were issued for."""
        await self.session.execute(
            update(PasswordResetToken)
            .where(
                col(PasswordResetToken.user_id) == user_id,
                col(PasswordResetToken.used_at).is_(None),
                col(PasswordResetToken.revoked_at).is_(None),
            )
            .values(revoked_at=self._now())
        )


def reset_url(settings: Settings, token: str) -> str:
    """The frontend page that takes the token; built from FRONTEND_URL, never a Host header."""
    return f"{settings.frontend_url}/reset-password?{urlencode({'token': token})}"


class PasswordResetService:
    """The rules of forgot-password and reset-password; knows nothing about HTTP."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.tokens = PasswordResetTokens(
            session, timedelta(minutes=settings.password_reset_token_expire_minutes)
        )

    async def request_reset(self, email: str) -> bool:
        """Issue a token and queue its email, in one transaction; False for unknown addresses."""
        user = await self.session.scalar(select(User).where(col(User.email) == email))
        if user is None:
            return False
        raw, expires_at = await self.tokens.issue(user.id)
        message = password_reset_message(self.settings, user.email, reset_url(self.settings, raw))
        # A link delivered after it expired is useless: the retry window ends with the token.
        enqueue(self.session, PASSWORD_RESET, message, deliver_before=expires_at)
        await self.session.commit()
        return True

    async def validate(self, raw: str) -> None:
        """Raise InvalidResetToken unless the token is usable now."""
        if await self.tokens.check(raw) is None:
            raise InvalidResetToken()

    async def reset_password(self, raw: str, new_password: str) -> User:
        """Consume the token, set the password, end every session, queue the notice.

        The caller is not signed in: whoever holds a mailed link proves access to the mailbox,
        not to a session, and logging in is one more step an attacker would otherwise skip.
        """
        # Hashed before the token is claimed, so the write transaction stays short.
        new_hash = await hash_password_in_thread(new_password)
        user_id = await self.tokens.consume(raw)
        user = await self.session.get(User, user_id) if user_id is not None else None
        if user is None:
            await self.session.rollback()
            raise InvalidResetToken()
        user.password_hash = new_hash
        await AuthService(self.session, self.settings).revoke_all_sessions(user)
        await self.tokens.revoke_all(user.id)
        queue_password_changed(self.session, self.settings, user.email)
        await self.session.commit()
        logger.info("password reset", extra={"user_id": str(user.id)})
        return user


class ResetRequests:
    """Runs forgot-password jobs after the response, so its timing reveals no account."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        limiter: RateLimiter,
        metrics: Metrics,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.limiter = limiter
        self.metrics = metrics
        self.on_enqueued = on_enqueued
        self._jobs: set[asyncio.Task[bool]] = set()

    def submit(self, email: str) -> None:
        """Start the job for one request and return at once."""
        if len(self._jobs) >= MAX_PENDING_JOBS:
            logger.error("forgot-password backlog full; request dropped")
            return
        job = asyncio.create_task(self._run(email), name="forgot-password")
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def _run(self, email: str) -> bool:
        try:
            return await self.handle(email)
        except Exception:
            logger.exception("forgot-password job failed", extra={"to": mask_email(email)})
            return False

    async def handle(self, email: str) -> bool:
        """Apply the per-address limit, then issue and queue; True when an email was queued."""
        masked = mask_email(email)
        limit = await self.limiter.hit(
            self.settings.password_reset_email_limit_per_address, "reset-email", email
        )
        if not limit.allowed:
            # Fails closed: with the counters unreachable, no limit could be enforced.
            why = "rate-limit storage unavailable" if limit.storage_error else "limit reached"
            self.metrics.rate_limited.labels("password_reset_per_address").inc()
            logger.warning(
                f"password reset email not sent: per-address {why}", extra={"to": masked}
            )
            return False
        async with self.sessionmaker() as session:
            queued = await PasswordResetService(session, self.settings).request_reset(email)
        if queued:
            logger.info("password reset email queued", extra={"to": masked})
            self.on_enqueued()
        else:
            logger.info("password reset requested for an unknown address", extra={"to": masked})
        return queued

    async def drain(self) -> None:
        """Wait for every job in flight (tests, and shutdown)."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Let jobs in flight finish, within `grace_seconds`; cancel the rest."""
        try:
            await asyncio.wait_for(self.drain(), grace_seconds)
        except TimeoutError:
            for job in list(self._jobs):
                job.cancel()
