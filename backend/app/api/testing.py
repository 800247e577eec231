"""Routes for the hardening tests only: mounted when TEST_ROUTES_ENABLED=true (refused in
production). A slow request to prove graceful shutdown, a crash to prove redaction and 500s."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Body, Query, Request

router = APIRouter(prefix="/_test", tags=["testing"], include_in_schema=False)
logger = logging.getLogger("app.testing")


@router.get("/slow")
async def slow(seconds: float = Query(default=1.0, ge=0, le=60)) -> dict[str, Any]:
    """Answer after `seconds`: an in-flight request for the SIGTERM test."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@router.post("/crash")
async def crash(request: Request, body: dict[str, Any] = Body(default_factory=dict)) -> None:
    """Log the request carelessly, then fail with the body in the exception message."""
    logger.warning("about to crash; body=%s headers=%s", body, dict(request.headers))
    raise RuntimeError(f"crashed while handling {body!r} with cookies {request.cookies!r}")
