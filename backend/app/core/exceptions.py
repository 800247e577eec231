"""Domain errors with meaning. Services raise these; app.core.errors maps them to HTTP once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: `status_code` and `detail` say how the HTTP layer answers."""

    status_code: int = 400
    detail: str = "Bad request"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        if detail is not None:
            self.detail = detail
        if headers is not None:
            self.headers = headers
        super().__init__(self.detail)


class NotAuthenticated(DomainError):
    status_code = 401
    detail = "Not authenticated"
    headers = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(DomainError):
    status_code = 401
    detail = "Invalid email or password"
    headers = {"WWW-Authenticate": "Bearer"}


class InvalidRefreshToken(DomainError):
    status_code = 401
    detail = "Invalid or expired refresh token"


class WrongPassword(DomainError):
    status_code = 403
    detail = "Password is incorrect"


class EmailTaken(DomainError):
    status_code = 409
    detail = "An account with this email already exists"


class CsrfRejected(DomainError):
    status_code = 403
    detail = "Cookie-authenticated requests must send a JSON body or an X-Requested-With header"


class NotFound(DomainError):
    status_code = 404
    detail = "Not found"


class InvalidResetToken(DomainError):
    status_code = 400
    detail = "Invalid or expired reset token"


class RateLimited(DomainError):
    status_code = 429
    detail = "Too many requests; try again later"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(self.retry_after)})


class ServiceUnavailable(DomainError):
    status_code = 503
    detail = "Service temporarily unavailable"


class InvalidInput(DomainError):
    """Input that parsed but breaks a rule; answered as 422 in FastAPI's list-of-errors form."""

    status_code = 422
    detail = "Invalid input"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__()


class UnsupportedMediaType(DomainError):
    status_code = 415
    detail = "Unsupported media type"
