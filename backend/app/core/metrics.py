"""Prometheus metrics, one registry per app (built in create_app, reached via app.state.metrics).

Each worker process counts on its own. With WORKERS > 1, set PROMETHEUS_MULTIPROC_DIR to an
empty writable directory: prometheus-client then keeps every worker's values in files there,
`todo-api serve` empties it at start, and /metrics sums all workers (see render()). Without it,
a scrape shows the one worker that answered (fine with one worker per container, the default
for small deployments; scale with replicas and let Prometheus sum them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_dir() -> str | None:
    """The multi-process metrics directory, when prometheus-client runs in that mode."""
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


class Metrics:
    """Every metric the app exports. Tests build their own, so counts never leak between apps."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.emails_sent = Counter(
            "todo_emails_sent_total",
            "Emails accepted by the email backend",
            ["type", "backend"],
            registry=self.registry,
        )
        self.emails_failed = Counter(
            "todo_emails_failed_total",
            "Emails given up on (permanent failure or retry window exhausted)",
            ["type", "backend"],
            registry=self.registry,
        )
        self.emails_retried = Counter(
            "todo_emails_retried_total",
            "Transient email failures scheduled for another attempt",
            ["type", "backend"],
            registry=self.registry,
        )
        self.email_send_seconds = Histogram(
            "todo_email_send_duration_seconds",
            "Time spent handing one email to the backend",
            ["backend"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "todo_rate_limited_total",
            "Requests refused by a rate limit",
            ["limit"],
            registry=self.registry,
        )
        self.rate_limit_storage_errors = Counter(
            "todo_rate_limit_storage_errors_total",
            "Rate-limit checks that could not reach the storage (Redis)",
            ["outcome"],
            registry=self.registry,
        )
        self.http_requests = Counter(
            "todo_http_requests_total",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_request_seconds = Histogram(
            "todo_http_request_duration_seconds",
            "Time from request start to the end of the response, by route template and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.db_pool_size = Gauge(
            "todo_db_pool_size",
            "Connections the pool keeps open (pool_size)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.db_pool_checked_out = Gauge(
            "todo_db_pool_checked_out",
            "Connections currently lent to requests",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.db_pool_overflow = Gauge(
            "todo_db_pool_overflow",
            "Connections opened beyond pool_size (negative: pool not yet full)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        labels = (method, route, str(status))
        self.http_requests.labels(*labels).inc()
        self.http_request_seconds.labels(*labels).observe(seconds)

    def observe_pool(self, engine: Any) -> None:
        """Read the SQLAlchemy pool's counters (QueuePool; SQLite's pools report what they can)."""
        pool = getattr(engine, "pool", None)
        if pool is None:
            return
        for gauge, attribute in (
            (self.db_pool_size, "size"),
            (self.db_pool_checked_out, "checkedout"),
            (self.db_pool_overflow, "overflow"),
        ):
            reader = getattr(pool, attribute, None)
            if callable(reader):
                gauge.set(reader())

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition of this app (of every worker in multi-process mode)."""
        directory = multiprocess_dir()
        if directory:
            _forget_dead_workers(directory)
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db$")


def _forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of worker processes that are gone (restarted or crashed).

    Their counters stay (a counter never goes back); their pool gauges must not be summed
    into the current value. Workers end by signal, so they cannot clean up after themselves.
    """
    for path in Path(directory).glob("gauge_live*_*.db"):
        match = _LIVE_GAUGE_FILE.search(path.name)
        if match and not _alive(int(match.group(1))):
            mark_process_dead(int(match.group(1)), directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
