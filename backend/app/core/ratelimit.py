"""Rate limits on the `limits` library's async API: in memory by default, Redis when configured.

Limits are named by a string in the `limits` notation ("10/15minutes"). When the storage
fails (Redis down), a limit declared `fail_open` lets the request through and a closed one
refuses it: the general API budget must not take the site down with Redis, while login and
password reset must not become unlimited when their counters are unreachable.

Every authenticated request also spends from a per-user budget (RATE_LIMIT_PER_MINUTE, 600 by
default: ten requests a second for a whole minute, which no person clicking through the app
reaches, while a runaway script or a stolen token is slowed down). It fails open.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from app.core.config import Settings
from app.core.exceptions import RateLimited, ServiceUnavailable

if TYPE_CHECKING:
    from app.core.metrics import Metrics

logger = logging.getLogger("app.ratelimit")

# A Redis that does not answer must cost a request little time: the check fails (open or
# closed) after this long instead of hanging the worker.
REDIS_TIMEOUT_SECONDS = 0.5
# While Redis is down every check fails; one log line per interval says so without flooding.
STORAGE_ERROR_LOG_INTERVAL_SECONDS = 30.0
API_BUDGET = "api"


@dataclass(frozen=True)
class LimitResult:
    allowed: bool
    retry_after: int = 0
    storage_error: bool = False


class RateLimiter:
    """Counts hits per (limit, key) and answers whether a request may proceed."""

    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.enabled = settings.rate_limit_enabled
        uri = _storage_uri(settings.redis_url)
        self.backend = "redis" if settings.redis_url else "memory"
        options: dict[str, float] = {}
        if settings.redis_url:
            options = {
                "connect_timeout": REDIS_TIMEOUT_SECONDS,
                "stream_timeout": REDIS_TIMEOUT_SECONDS,
            }
        self.storage: Storage = storage_from_string(uri, **options)  # type: ignore[assignment]
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.api_budget = f"{settings.rate_limit_per_minute}/minute"
        self.metrics = metrics
        self._parsed: dict[str, RateLimitItem] = {}
        self.last_error_at: float | None = None
        self._last_logged_at: float | None = None

    def _item(self, limit: str) -> RateLimitItem:
        item = self._parsed.get(limit)
        if item is None:
            item = self._parsed[limit] = parse(limit)
        return item

    async def hit(self, limit: str, *key: str, fail_open: bool = False) -> LimitResult:
        """Count one hit against `limit` for `key`; say whether it is within the limit."""
        if not self.enabled:
            return LimitResult(allowed=True)
        item = self._item(limit)
        try:
            if await self.strategy.hit(item, *key):
                return LimitResult(allowed=True)
            stats = await self.strategy.get_window_stats(item, *key)
        except Exception as exc:
            self._storage_failed(exc, fail_open)
            return LimitResult(allowed=fail_open, storage_error=True)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return LimitResult(allowed=False, retry_after=retry_after)

    async def enforce(self, limit: str, *key: str, fail_open: bool = False) -> None:
        """Raise RateLimited (429) when over the limit, ServiceUnavailable when failing closed."""
        result = await self.hit(limit, *key, fail_open=fail_open)
        if result.allowed:
            return
        if result.storage_error:
            raise ServiceUnavailable(
                "Rate-limit storage unavailable; try again shortly", headers={"Retry-After": "5"}
            )
        if self.metrics is not None:
            self.metrics.rate_limited.labels(key[0] if key else "unnamed").inc()
        raise RateLimited(result.retry_after)

    async def enforce_user_budget(self, user_id: str) -> None:
        """Spend one request from the user's general API budget; fails open."""
        await self.enforce(self.api_budget, API_BUDGET, user_id, fail_open=True)

    def _storage_failed(self, exc: Exception, fail_open: bool) -> None:
        now = time.monotonic()
        self.last_error_at = now
        outcome = "open" if fail_open else "closed"
        if self.metrics is not None:
            self.metrics.rate_limit_storage_errors.labels(outcome).inc()
        last = self._last_logged_at
        if last is not None and now - last < STORAGE_ERROR_LOG_INTERVAL_SECONDS:
            return
        self._last_logged_at = now
        logger.error(
            "rate-limit storage (%s) unreachable (%s): still serving; the general API budget "
            "fails open, login and password reset fail closed (503) until it is back",
            self.backend,
            type(exc).__name__,
        )

    async def healthy(self) -> bool:
        """Whether the storage answers (always true for memory)."""
        try:
            return bool(await self.storage.check())
        except Exception:
            return False

    async def reset(self) -> None:
        """Forget every counter (tests and load-test setup)."""
        await self.storage.reset()


def _storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "async+memory://"
    if redis_url.startswith("async+"):
        return redis_url
    return "async+" + redis_url
