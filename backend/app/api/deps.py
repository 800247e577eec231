"""Dependencies that read like types: handlers take `session: SessionDep`, `user: CurrentUser`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import NotAuthenticated
from app.core.ratelimit import RateLimiter
from app.models.user import User, UserRef
from app.services.auth import AuthService

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
SESSION_COOKIE = "session"

# auto_error=False: the token may come from the cookie instead; the scheme still drives
# the "Authorize" button of /docs.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def read_only(request: Request) -> None:
    """A route dependency (`dependencies=[ReadOnly]`): the route's session opens no transaction.

    Route dependencies are solved before the route's parameters, so `get_session` sees it.
    Only for routes that run nothing but independent SELECTs (see create_read_sessionmaker).
    """
    request.state.read_only = True


ReadOnly = Depends(read_only)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = request.app.state
    read_only = getattr(request.state, "read_only", False)
    maker = state.read_sessionmaker if read_only else state.sessionmaker
    async with state.db_gate.slot(), maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


async def get_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]


async def get_auth_service(session: SessionDep, settings: SettingsDep) -> AuthService:
    return AuthService(session, settings)


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


async def client_ip(request: Request) -> str:
    """The client's address, X-Forwarded-For resolved from trusted proxies (app.core.proxy)."""
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]


def _access_token(request: Request, bearer: str | None) -> str:
    token = bearer or request.cookies.get(ACCESS_COOKIE)
    if not token:
        raise NotAuthenticated()
    return token


async def _admit(request: Request, user_id: uuid.UUID) -> None:
    """Record who is calling (for the access log) and charge their per-user request budget."""
    request.state.user_id = str(user_id)
    limiter: RateLimiter = request.app.state.limiter
    await limiter.enforce_user_budget(request.state.user_id)


async def current_user(
    request: Request,
    auth: AuthServiceDep,
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The authenticated user from the Authorization header, else from the access cookie."""
    user = await auth.user_from_access_token(_access_token(request, bearer))
    await _admit(request, user.id)
    return user


async def current_owner(
    request: Request,
    auth: AuthServiceDep,
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
) -> UserRef:
    """As `current_user`, for routes that need only the id: the same checks, a lighter query."""
    owner = await auth.owner_from_access_token(_access_token(request, bearer))
    await _admit(request, owner.id)
    return owner


CurrentUser = Annotated[User, Depends(current_user)]
CurrentOwner = Annotated[UserRef, Depends(current_owner)]
