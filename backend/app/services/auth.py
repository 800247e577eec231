"""Accounts and sessions: signup, login, refresh rotation with reuse detection, revocation."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.exceptions import (
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    NotAuthenticated,
    WrongPassword,
)
from app.core.security import (
    AccessClaims,
    InvalidToken,
    create_access_token,
    decode_access_token,
    hash_password_in_thread,
    hash_token,
    new_opaque_token,
    verify_password_in_thread,
)
from app.models.email import PasswordResetToken
from app.models.user import RefreshToken, User, UserRef
from app.services.outbox import queue_password_changed

logger = logging.getLogger("app.auth")

# Built once: a statement object reused across requests keeps its cache key memoized.
_users = SQLModel.metadata.tables["users"]
_TOKEN_VERSION = select(_users.c.token_version).where(_users.c.id == bindparam("user_id"))


@dataclass(frozen=True)
class IssuedSession:
    """What a successful login, signup or refresh hands back to the HTTP layer."""

    user: User
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class AuthService:
    """The rules of accounts and sessions; knows nothing about HTTP."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    # ------------------------------------------------------------ sessions

    async def _issue(self, user: User, family_id: uuid.UUID | None = None) -> IssuedSession:
        """Create a refresh token (new family unless rotating) and an access token."""
        refresh_lifetime = timedelta(days=self.settings.refresh_token_expire_days)
        raw_refresh = new_opaque_token()
        self.session.add(
            RefreshToken(
                user_id=user.id,
                family_id=family_id or uuid.uuid4(),
                token_hash=hash_token(raw_refresh),
                expires_at=utcnow() + refresh_lifetime,
            )
        )
        access, expires_in = create_access_token(
            user.id,
            user.token_version,
            self.settings.secret_key,
            timedelta(minutes=self.settings.access_token_expire_minutes),
        )
        return IssuedSession(
            user=user,
            access_token=access,
            expires_in=expires_in,
            refresh_token=raw_refresh,
            refresh_expires_in=int(refresh_lifetime.total_seconds()),
        )

    async def signup(self, email: str, password: str, name: str | None) -> IssuedSession:
        """Create an account and log it in; EmailTaken when the address is registered."""
        existing = await self.session.scalar(select(col(User.id)).where(col(User.email) == email))
        if existing is not None:
            raise EmailTaken()
        user = User(email=email, name=name, password_hash=await hash_password_in_thread(password))
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError as exc:  # a concurrent signup won the race for this address
            await self.session.rollback()
            raise EmailTaken() from exc
        issued = await self._issue(user)
        await self.session.commit()
        logger.info("user signed up", extra={"user_id": str(user.id)})
        return issued

    async def authenticate(self, email: str, password: str) -> User:
        """Check credentials in constant-ish time; upgrade the hash when parameters changed."""
        user = await self.session.scalar(select(User).where(col(User.email) == email))
        valid, new_hash = await verify_password_in_thread(
            password, user.password_hash if user else None
        )
        if user is None or not valid:
            raise InvalidCredentials()
        if new_hash:
            user.password_hash = new_hash
        return user

    async def login(self, email: str, password: str) -> IssuedSession:
        user = await self.authenticate(email, password)
        issued = await self._issue(user)
        await self.session.commit()
        logger.info("user logged in", extra={"user_id": str(user.id)})
        return issued

    async def refresh(self, raw_token: str) -> IssuedSession:
        """Rotate a refresh token. Presenting an already-rotated one revokes its whole family.

        The claim is one conditional UPDATE, so two concurrent uses of one token cannot both
        succeed: the loser sees a used token and is treated as a replay.
        """
        now = utcnow()
        token_hash = hash_token(raw_token)
        claimed = await self.session.execute(
            update(RefreshToken)
            .where(
                col(RefreshToken.token_hash) == token_hash,
                col(RefreshToken.used_at).is_(None),
                col(RefreshToken.revoked_at).is_(None),
                col(RefreshToken.expires_at) > now,
            )
            .values(used_at=now)
            .returning(col(RefreshToken.user_id), col(RefreshToken.family_id))
        )
        row = claimed.first()
        if row is None:
            await self._handle_unusable_refresh(token_hash)
            raise InvalidRefreshToken()
        user_id, family_id = row
        user = await self.session.get(User, user_id)
        if user is None:
            await self.session.rollback()
            raise InvalidRefreshToken()
        issued = await self._issue(user, family_id=family_id)
        await self.session.commit()
        return issued

    async def _handle_unusable_refresh(self, token_hash: str) -> None:
        """A known token that was already rotated is a replay: revoke the family."""
        token = await self.session.scalar(
            select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash)
        )
        if token is not None and token.used_at is not None and token.revoked_at is None:
            await self.revoke_family(token.user_id, token.family_id)
            await self.session.commit()
            logger.warning(
                "refresh token reuse detected; session family revoked",
                extra={"user_id": str(token.user_id)},
            )
        else:
            await self.session.rollback()

    async def revoke_family(self, user_id: uuid.UUID, family_id: uuid.UUID) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(
                col(RefreshToken.user_id) == user_id,
                col(RefreshToken.family_id) == family_id,
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )

    async def logout(self, raw_token: str | None) -> None:
        """Revoke the session family of the presented refresh token, if it is one of ours."""
        if not raw_token:
            return
        token = await self.session.scalar(
            select(RefreshToken).where(col(RefreshToken.token_hash) == hash_token(raw_token))
        )
        if token is not None:
            await self.revoke_family(token.user_id, token.family_id)
            await self.session.commit()

    async def revoke_all_sessions(
        self, user: User, *, keep_family: uuid.UUID | None = None
    ) -> None:
        """Revoke every refresh token and, by bumping the version, every access token."""
        stmt = (
            update(RefreshToken)
            .where(
                col(RefreshToken.user_id) == user.id,
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )
        if keep_family is not None:
            stmt = stmt.where(col(RefreshToken.family_id) != keep_family)
        await self.session.execute(stmt)
        user.token_version += 1
        user.updated_at = utcnow()
        self.session.add(user)

    async def logout_all(self, user: User) -> None:
        await self.revoke_all_sessions(user)
        await self.session.commit()
        logger.info("all sessions revoked", extra={"user_id": str(user.id)})

    # ------------------------------------------------------------ identity

    def _claims(self, token: str) -> AccessClaims:
        try:
            return decode_access_token(token, self.settings.secret_key)
        except InvalidToken as exc:
            raise NotAuthenticated() from exc

    async def user_from_access_token(self, token: str) -> User:
        """Resolve a bearer/cookie access token to a live user, or raise NotAuthenticated."""
        claims = self._claims(token)
        user = await self.session.get(User, claims.user_id)
        if user is None or user.token_version != claims.token_version:
            raise NotAuthenticated()
        return user

    async def owner_from_access_token(self, token: str) -> UserRef:
        """The same check as `user_from_access_token`, reading one column instead of a user.

        For the routes that only need to know whose data to touch (every task route): one
        prepared primary-key lookup of the token version, no ORM object.
        """
        claims = self._claims(token)
        result = await self.session.execute(_TOKEN_VERSION, {"user_id": claims.user_id})
        if result.scalar() != claims.token_version:
            raise NotAuthenticated()
        return UserRef(claims.user_id)

    async def update_profile(self, user: User, name: str | None) -> User:
        user.name = name
        user.updated_at = utcnow()
        self.session.add(user)
        await self.session.commit()
        return user

    async def change_password(
        self, user: User, current_password: str, new_password: str
    ) -> IssuedSession:
        """Set a new password, revoke every other session, and keep the caller signed in."""
        valid, _ = await verify_password_in_thread(current_password, user.password_hash)
        if not valid:
            raise WrongPassword("Current password is incorrect")
        user.password_hash = await hash_password_in_thread(new_password)
        await self.revoke_all_sessions(user)
        # Reset links mailed before the change must not outlive the old password.
        await self.session.execute(
            update(PasswordResetToken)
            .where(
                col(PasswordResetToken.user_id) == user.id,
                col(PasswordResetToken.used_at).is_(None),
                col(PasswordResetToken.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )
        # Same transaction as the new password: the notice goes out if and only if it changed.
        queue_password_changed(self.session, self.settings, user.email)
        # The caller keeps working with a fresh session; every other one is dead.
        issued = await self._issue(user)
        await self.session.commit()
        logger.info("password changed", extra={"user_id": str(user.id)})
        return issued

    async def delete_account(self, user: User, password: str) -> None:
        """Delete the user and, through ON DELETE CASCADE, everything they own."""
        valid, _ = await verify_password_in_thread(password, user.password_hash)
        if not valid:
            raise WrongPassword()
        await self.session.execute(delete(RefreshToken).where(col(RefreshToken.user_id) == user.id))
        await self.session.delete(user)
        await self.session.commit()
        logger.info("account deleted", extra={"user_id": str(user.id)})
