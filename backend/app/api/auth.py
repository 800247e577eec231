"""Accounts and sessions: /api/v1/auth/*. Parse, call AuthService, shape the response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import (
    ACCESS_COOKIE,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    AuthServiceDep,
    ClientIP,
    CurrentUser,
    LimiterDep,
    SettingsDep,
)
from app.core.config import Settings
from app.core.exceptions import InvalidRefreshToken
from app.core.ratelimit import RateLimiter
from app.models.user import (
    ChangePasswordRequest,
    DeleteAccountRequest,
    LoginRequest,
    RefreshRequest,
    SessionResponse,
    SignupRequest,
    TokenResponse,
    UserPublic,
    UserUpdate,
)
from app.services.auth import IssuedSession

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

AUTH_COOKIE_PATH = "/api/v1/auth"
API_CLIENT = "api"
_401: dict[int | str, dict[str, Any]] = {401: {"description": "Not authenticated"}}
_429: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests (see Retry-After)"}
}


def set_session_cookies(response: Response, issued: IssuedSession, settings: Settings) -> None:
    """Access cookie for every path, refresh cookie only for the auth endpoints.

    The `session` cookie holds no secret: it lets the frontend's proxy tell a signed-in
    browser from a signed-out one on page requests, which never carry the refresh cookie.
    """
    secure = settings.is_production
    domain = settings.cookie_domain
    response.set_cookie(
        ACCESS_COOKIE,
        issued.access_token,
        max_age=issued.expires_in,
        path="/",
        domain=domain,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=issued.refresh_expires_in,
        path=AUTH_COOKIE_PATH,
        domain=domain,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        SESSION_COOKIE,
        "1",
        max_age=issued.refresh_expires_in,
        path="/",
        domain=domain,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    secure = settings.is_production
    domain = settings.cookie_domain
    for name, path in (
        (ACCESS_COOKIE, "/"),
        (REFRESH_COOKIE, AUTH_COOKIE_PATH),
        (SESSION_COOKIE, "/"),
    ):
        response.delete_cookie(
            name, path=path, domain=domain, secure=secure, httponly=True, samesite="lax"
        )


def session_body(issued: IssuedSession, *, include_refresh: bool) -> SessionResponse:
    return SessionResponse(
        user=UserPublic.model_validate(issued.user, from_attributes=True),
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token if include_refresh else None,
    )


@router.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionResponse,
    responses={409: {"description": "Email already registered"}, **_429},
)
async def signup(
    body: SignupRequest,
    response: Response,
    auth: AuthServiceDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
) -> SessionResponse:
    """Create an account and start a session."""
    await limiter.enforce(settings.signup_rate_limit_per_ip, "signup", ip)
    issued = await auth.signup(body.email, body.password, body.name)
    set_session_cookies(response, issued, settings)
    return session_body(issued, include_refresh=body.client == API_CLIENT)


async def _enforce_login_limits(
    limiter: RateLimiter, settings: Settings, ip: str, email: str
) -> None:
    """Per IP (one address guessing many accounts) and per account (many addresses, one victim).

    Both fail closed: with the counters unreachable, password guessing must not become free.
    """
    await limiter.enforce(settings.login_rate_limit_per_ip, "login-ip", ip)
    await limiter.enforce(settings.login_rate_limit_per_account, "login-account", email)


@router.post(
    "/login",
    response_model=SessionResponse,
    responses={**_401, **_429},
)
async def login(
    body: LoginRequest,
    response: Response,
    auth: AuthServiceDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
) -> SessionResponse:
    """Log in with email and password; sets the session cookies."""
    await _enforce_login_limits(limiter, settings, ip, body.email)
    issued = await auth.login(body.email, body.password)
    set_session_cookies(response, issued, settings)
    return session_body(issued, include_refresh=body.client == API_CLIENT)


@router.post("/token", response_model=TokenResponse, responses={**_401, **_429})
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    auth: AuthServiceDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
) -> TokenResponse:
    """OAuth2 password flow (form fields `username`, `password`), for /docs and scripts."""
    email = form.username.strip().lower()
    await _enforce_login_limits(limiter, settings, ip, email)
    issued = await auth.login(email, form.password)
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post(
    "/refresh",
    response_model=SessionResponse,
    responses={**_401, **_429},
)
async def refresh(
    request: Request,
    response: Response,
    auth: AuthServiceDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
    body: Annotated[RefreshRequest | None, Body()] = None,
) -> SessionResponse:
    """Rotate the refresh token (cookie or body) and issue a new access token."""
    # Fails open: a refresh needs a valid 256-bit token anyway, and failing closed would sign
    # every user out while Redis is down.
    await limiter.enforce(settings.refresh_rate_limit_per_ip, "refresh", ip, fail_open=True)
    from_body = body.refresh_token if body else None
    raw = from_body or request.cookies.get(REFRESH_COOKIE)
    if not raw:
        raise InvalidRefreshToken()
    issued = await auth.refresh(raw)
    set_session_cookies(response, issued, settings)
    wants_body = bool(from_body) or (body is not None and body.client == API_CLIENT)
    return session_body(issued, include_refresh=wants_body)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request,
    auth: AuthServiceDep,
    settings: SettingsDep,
    body: Annotated[RefreshRequest | None, Body()] = None,
) -> Response:
    """End this session: revoke its refresh token family and clear the cookies."""
    raw = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    await auth.logout(raw)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, settings)
    return response


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=_401)
async def logout_all(user: CurrentUser, auth: AuthServiceDep, settings: SettingsDep) -> Response:
    """End every session of this user, on every device, access tokens included."""
    await auth.logout_all(user)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, settings)
    return response


@router.get("/me", response_model=UserPublic, responses=_401)
async def read_me(user: CurrentUser) -> UserPublic:
    """The signed-in user."""
    return UserPublic.model_validate(user, from_attributes=True)


@router.patch("/me", response_model=UserPublic, responses=_401)
async def update_me(body: UserUpdate, user: CurrentUser, auth: AuthServiceDep) -> UserPublic:
    """Change the display name."""
    if "name" in body.model_fields_set:
        user = await auth.update_profile(user, body.name)
    return UserPublic.model_validate(user, from_attributes=True)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_401, 403: {"description": "Wrong password"}},
)
async def delete_me(
    body: DeleteAccountRequest, user: CurrentUser, auth: AuthServiceDep, settings: SettingsDep
) -> Response:
    """Delete the account and all its data; needs the password."""
    await auth.delete_account(user, body.password)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, settings)
    return response


@router.post(
    "/change-password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_401, 403: {"description": "Wrong current password"}},
)
async def change_password(
    body: ChangePasswordRequest,
    user: CurrentUser,
    auth: AuthServiceDep,
    settings: SettingsDep,
) -> Response:
    """Change the password; every other session ends, this browser gets fresh cookies."""
    issued = await auth.change_password(user, body.current_password, body.new_password)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    set_session_cookies(response, issued, settings)
    return response
