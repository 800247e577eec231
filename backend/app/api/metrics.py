"""GET /metrics: Prometheus text format, behind a bearer token when METRICS_TOKEN is set."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from app.core.exceptions import NotAuthenticated
from app.core.metrics import Metrics

router = APIRouter(tags=["operations"])


def _authorized(request: Request, expected: str) -> bool:
    """Constant-time comparison, so response timing reveals nothing about the token."""
    header = request.headers.get("authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        return False
    return hmac.compare_digest(supplied.strip().encode(), expected.encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Request counts and latencies, DB pool usage, rate limits and email delivery."""
    state = request.app.state
    token: str | None = state.settings.metrics_token
    if token and not _authorized(request, token):
        raise NotAuthenticated()
    registry: Metrics = state.metrics
    engine = getattr(state, "engine", None)
    if engine is not None:
        registry.observe_pool(engine)
    body, content_type = registry.render()
    return Response(body, media_type=content_type)
