"""Forgot and reset password: /api/v1/auth/forgot-password and /reset-password[/validate]."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from app.api.deps import ClientIP, LimiterDep, SessionDep, SettingsDep
from app.models.email import (
    ForgotPasswordRequest,
    ForgotPasswordResponse,
    ResetPasswordRequest,
    ResetTokenRequest,
)
from app.services.outbox import OutboxDispatcher
from app.services.password_reset import PasswordResetService, record_reset_request

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

FORGOT_MESSAGE = (
    "If an account exists for this address, we have sent a link to reset its password. "
    "Check your inbox and spam folder."
)
_400: dict[int | str, dict[str, Any]] = {400: {"description": "Invalid or expired reset token"}}
_429: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests (see Retry-After)"}
}


async def get_dispatcher(request: Request) -> OutboxDispatcher | None:
    dispatcher: OutboxDispatcher | None = request.app.state.email_dispatcher
    return dispatcher


@router.post(
    "/forgot-password",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ForgotPasswordResponse,
    responses=_429,
)
async def forgot_password(
    body: ForgotPasswordRequest,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
    dispatcher: Annotated[OutboxDispatcher | None, Depends(get_dispatcher)],
) -> ForgotPasswordResponse:
    """Email a reset link if the account exists; the answer is the same either way.

    The request only records itself (the same one-row write for every address) before the
    202, so a crash after the answer loses nothing and the timing reveals no account; the
    outbox dispatcher looks the address up and sends the link.
    """
    await limiter.enforce(settings.password_reset_limit_per_ip, "password_reset_ip", ip)
    await limiter.enforce(settings.password_reset_global_limit, "password_reset_global", "all")
    await record_reset_request(session, settings, body.email)
    if dispatcher is not None:
        dispatcher.wake()
    return ForgotPasswordResponse(message=FORGOT_MESSAGE)


@router.post(
    "/reset-password/validate",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_400, **_429},
)
async def validate_reset_token(
    body: ResetTokenRequest,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
) -> Response:
    """Tell whether a reset token is usable, without using it (the page checks on load)."""
    await limiter.enforce(settings.reset_token_attempts_per_ip, "reset_token_ip", ip)
    await PasswordResetService(session, settings).validate(body.token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/reset-password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_400, **_429},
)
async def reset_password(
    body: ResetPasswordRequest,
    session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    ip: ClientIP,
    dispatcher: Annotated[OutboxDispatcher | None, Depends(get_dispatcher)],
) -> Response:
    """Set a new password with a mailed token; every session ends and nobody is signed in."""
    await limiter.enforce(settings.reset_token_attempts_per_ip, "reset_token_ip", ip)
    await PasswordResetService(session, settings).reset_password(body.token, body.new_password)
    if dispatcher is not None:
        dispatcher.wake()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
