"""Logging and error reporting set up together, so both share one redactor and its secrets."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.core.config import Settings
from app.core.logging import configure_logging
from app.core.redaction import Redactor
from app.core.sentry import init_sentry


def secret_values(settings: Settings) -> list[str | None]:
    """Every configured secret that has no recognisable shape and must never be logged."""
    values: list[str | None] = [
        settings.jwt_secret_key,
        settings.smtp_password,
        settings.email_http_api_key,
        settings.metrics_token,
        settings.sentry_dsn,
    ]
    values.extend(_url_password(url) for url in (settings.database_url, settings.redis_url))
    return values


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except ArgumentError:  # a malformed URL fails later, where it is used
        return None


def configure_observability(settings: Settings, release: str) -> Redactor:
    """Install the redacting log handler and (with SENTRY_DSN) Sentry; return the redactor."""
    redactor = Redactor(secret_values(settings))
    configure_logging(settings.log_level, settings.effective_log_format, redactor=redactor)
    # Resolved after logging is up: a generated development key is announced through it.
    redactor.add(settings.secret_key)
    init_sentry(settings, redactor, release)
    return redactor
