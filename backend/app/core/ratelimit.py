"""Rate limits on the `limits` library's async API: in memory by default, Redis when configured.

Limits are named by a string in the `limits` notation ("10/15minutes"). When the storage
fails (Redis down), a limit declared `fail_open` lets the request through and a closed one
refuses it: the general API budget must not take the site down with Redis, while login and
password reset must not become unlimited when their counters are unreachable.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from app.core.config import Settings
from app.core.exceptions import RateLimited, ServiceUnavailable

logger = logging.getLogger("app.ratelimit")


@dataclass(frozen=True)
class LimitResult:
    allowed: bool
    retry_after: int = 0
    storage_error: bool = False


class RateLimiter:
    """Counts hits per (limit, key) and answers whether a request may proceed."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        uri = _storage_uri(settings.redis_url)
        self.backend = "redis" if settings.redis_url else "memory"
        self.storage: Storage = storage_from_string(uri)  # type: ignore[assignment]
        self.strategy = FixedWindowRateLimiter(self.storage)
        self._parsed: dict[str, RateLimitItem] = {}
        self.last_error_at: float | None = None

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
            self.last_error_at = time.monotonic()
            logger.error(
                "rate-limit storage unreachable (%s); failing %s",
                type(exc).__name__,
                "open" if fail_open else "closed",
            )
            return LimitResult(allowed=fail_open, storage_error=True)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return LimitResult(allowed=False, retry_after=retry_after)

    async def enforce(self, limit: str, *key: str, fail_open: bool = False) -> None:
        """Raise RateLimited (429) when over the limit, ServiceUnavailable when failing closed."""
        result = await self.hit(limit, *key, fail_open=fail_open)
        if result.allowed:
            return
        if result.storage_error:
            raise ServiceUnavailable("Rate-limit storage unavailable; try again shortly")
        raise RateLimited(result.retry_after)

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
