"""Every exception-to-HTTP mapping, in one place. No internals ever reach a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.exceptions import DomainError, InvalidInput

logger = logging.getLogger("app.errors")


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return str(value) if value else None


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Keep loc/msg/type only: the rejected input (which may be a password) is never echoed."""
    cleaned = []
    for error in errors:
        item = {
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        cleaned.append(item)
    return cleaned


async def domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    detail: Any = exc.errors if isinstance(exc, InvalidInput) else exc.detail
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if exc.status_code < 500 else "Internal server error"
    return JSONResponse(
        {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": jsonable_encoder(_clean_validation_errors(exc.errors()))}, status_code=422
    )


async def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.error("database unavailable: %s", type(exc).__name__)
    return JSONResponse(
        {"detail": "Service temporarily unavailable", "request_id": _request_id(request)},
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse(
        {"detail": "Internal server error", "request_id": _request_id(request)}, status_code=500
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(OperationalError, database_unavailable_handler)
    app.add_exception_handler(PoolTimeoutError, database_unavailable_handler)
    app.add_exception_handler(DBAPIError, _dbapi_error_handler)
    # asyncpg raises these unwrapped when a new connection cannot be opened (the server is
    # restarting or unreachable): the database is unavailable, not the request broken.
    app.add_exception_handler(ConnectionError, database_unavailable_handler)
    app.add_exception_handler(TimeoutError, database_unavailable_handler)


async def _dbapi_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Connection-level DB failures are 503 (retry later); anything else is a plain 500."""
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated or _looks_like_connection_error(exc):
        return await database_unavailable_handler(request, exc)
    return await unhandled_error_handler(request, exc)


# PostgreSQL SQLSTATEs that mean "no usable connection": class 08 (connection exception),
# 57P01-57P03 (admin or crash shutdown, cannot connect now) and 53300 (too many connections).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53300")


def _looks_like_connection_error(exc: DBAPIError) -> bool:
    names = {type(exc.orig).__name__} if exc.orig is not None else set()
    markers = ("Connection", "CannotConnectNow", "AdminShutdown", "InterfaceError", "Terminat")
    if any(marker in name for name in names for marker in markers):
        return True
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(
        getattr(orig, "__cause__", None), "sqlstate", None
    )
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
        return True
    # 55000 with this text: the database refuses connections (ALLOW_CONNECTIONS false).
    return "not currently accepting connections" in str(orig)


class UnhandledErrorMiddleware:
    """Turn any exception that escaped the handlers into a bare 500 JSON body.

    It sits inside the request-id middleware (unlike Starlette's ServerErrorMiddleware), so a
    500 still carries X-Request-ID, and the body never holds a traceback in any environment.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            logger.exception("unhandled error", exc_info=exc)
            if started:
                raise
            request_id = scope.get("state", {}).get("request_id")
            response = JSONResponse(
                {"detail": "Internal server error", "request_id": request_id}, status_code=500
            )
            await response(scope, receive, send)
