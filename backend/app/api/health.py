"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.clock import utcnow

router = APIRouter(tags=["health"])

DB_CHECK_TIMEOUT_SECONDS = 3.0


@router.get("/health/live", summary="The process is up (touches nothing else)")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/health",
    summary="Readiness: database, email and rate-limit storage",
    responses={503: {"description": "A dependency is down"}},
)
async def health(request: Request) -> JSONResponse:
    state = request.app.state
    errors: list[str] = []
    body: dict[str, Any] = {
        "status": "healthy",
        "timestamp": utcnow().isoformat(),
        "version": state.version,
    }
    try:
        async with asyncio.timeout(DB_CHECK_TIMEOUT_SECONDS):
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        body["database"] = "connected"
    except Exception as exc:
        body["database"] = "unavailable"
        errors.append(f"database: {type(exc).__name__}")
    body["email"] = "configured" if state.email_configured else "not configured"
    limiter = state.limiter
    if limiter.backend == "redis":
        redis_ok = await limiter.healthy()
        body["rate_limit_storage"] = "connected" if redis_ok else "unavailable"
        if not redis_ok:
            # Degraded, not down: the app keeps serving (see app.core.ratelimit).
            body["warnings"] = ["rate-limit storage (Redis) unreachable"]
    else:
        body["rate_limit_storage"] = "memory"
    if errors:
        body["status"] = "unhealthy"
        body["errors"] = errors
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
