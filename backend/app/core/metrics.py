"""Prometheus metrics, one registry per app (built in create_app, reached via app.state.metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


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
