"""Password reset: tokens, the forgot-password work, and the reset itself.

Tokens are 256-bit random strings mailed to the owner; the database keeps only their SHA-256
hash, so a leaked table hands out no live link. A token is usable while it is unused,
unrevoked and unexpired, and each of those states is changed by exactly one thing: consuming
it, issuing a newer one (or changing the password), and time.

A forgot-password request does the same database work whatever the address: it commits one
`email_outbox` row of kind `password_reset_request` holding only the normalised address, then
answers 202. So the response cannot differ, in content or in timing, between known and unknown
addresses, and an acknowledged request survives a crash. The account-dependent work (lookup,
per-address limit, token, rendered email) happens later, when the outbox dispatcher claims that
row and hands it to `ResetRequestResolver`, in one transaction with the row becoming the email.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from limits import parse
from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.exceptions import InvalidResetToken
from app.core.metrics import Metrics
from app.core.redaction import mask_email
from app.core.security import hash_password_in_thread, hash_token, new_opaque_token
from app.models.email import EmailOutbox, PasswordResetToken
from app.models.user import User
from app.services.auth import AuthService
from app.services.email_service import (
    PASSWORD_RESET,
    PASSWORD_RESET_REQUEST,
    password_reset_message,
)
from app.services.outbox import Resolution, queue_password_changed

logger = logging.getLogger("app.password_reset")

__all__ = ["PASSWORD_RESET_REQUEST", "ResetRequestResolver", "record_reset_request"]


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


async def record_reset_request(session: AsyncSession, settings: Settings, email: str) -> None:
    """Durably record a forgot-password request: one row, identical for every address.

    No lookup, no token, no body: only the normalised address and the time, so the request's
    database work (one INSERT and a commit) says nothing about whether the account exists.
    """
    now = utcnow()
    session.add(
        EmailOutbox(
            kind=PASSWORD_RESET_REQUEST,
            to_email=email,
            subject="",
            message_id="",
            next_attempt_at=now,
            created_at=now,
            # A request nobody could handle within a token's lifetime is dropped, not mailed.
            deliver_before=now + timedelta(minutes=settings.password_reset_token_expire_minutes),
        )
    )
    await session.commit()


class ResetRequestResolver:
    """What a claimed `password_reset_request` row becomes (run by the outbox dispatcher).

    Unknown address: nothing (the row is deleted). Known address over the per-address limit:
    nothing, logged. Otherwise a new token (older ones revoked) and the rendered reset email.
    It writes in the dispatcher's session without committing, so the token exists if and only
    if the row became its email.
    """

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.limit = parse(settings.password_reset_email_limit_per_address)

    async def __call__(
        self, session: AsyncSession, address: str, requested_at: datetime
    ) -> Resolution | None:
        masked = mask_email(address)
        # Locks the account's row on PostgreSQL, so two workers resolving requests for one
        # address count each other's tokens (SQLite serialises the writers anyway). NO KEY
        # UPDATE leaves inserts referencing the user (tasks, sessions) unblocked.
        user = await session.scalar(
            select(User).where(col(User.email) == address).with_for_update(key_share=True)
        )
        if user is None:
            logger.info("password reset requested for an unknown address", extra={"to": masked})
            return None
        if self.settings.rate_limit_enabled and await self._over_limit(session, user.id):
            self.metrics.rate_limited.labels("password_reset_per_address").inc()
            logger.warning(
                "password reset email not sent: per-address limit reached", extra={"to": masked}
            )
            return None
        tokens = PasswordResetTokens(
            session, timedelta(minutes=self.settings.password_reset_token_expire_minutes)
        )
        raw, expires_at = await tokens.issue(user.id)
        message = password_reset_message(self.settings, user.email, reset_url(self.settings, raw))
        logger.info("password reset email queued", extra={"to": masked})
        # A link delivered after it expired is useless: the retry window ends with the token.
        return Resolution(kind=PASSWORD_RESET, message=message, deliver_before=expires_at)

    async def _over_limit(self, session: AsyncSession, user_id: uuid.UUID) -> bool:
        """Whether the address already got its quota of reset emails in the window.

        Counted from the tokens issued (one per email), in the same transaction: exact across
        workers and replicas without Redis, and a retried resolution never counts itself.
        """
        since = utcnow() - timedelta(seconds=self.limit.get_expiry())
        issued = await session.scalar(
            select(func.count())
            .select_from(PasswordResetToken)
            .where(
                col(PasswordResetToken.user_id) == user_id,
                col(PasswordResetToken.created_at) > since,
            )
        )
        return int(issued or 0) >= self.limit.amount
