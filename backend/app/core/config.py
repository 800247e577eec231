"""Settings read from the environment, and the production validation that guards them."""

from __future__ import annotations

import logging
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger("app.config")

# Values copied from examples and tutorials; a secret equal to one of these is no secret.
PLACEHOLDER_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "secret",
        "secret-key",
        "your-secret-key",
        "your-secret-key-here",
        "supersecret",
        "super-secret-key",
        "development-secret",
        "insecure",
        "replace-me-with-a-long-random-string-of-at-least-32-bytes",
        "please-change-this-secret-key-in-production",
    }
)
MIN_SECRET_BYTES = 32
# The default SQLite file lives in backend/var/, whatever directory the app starts from.
DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///" + str(
    Path(__file__).resolve().parents[2] / "var" / "todo.db"
)


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ConfigurationError(Exception):
    """Raised when the settings cannot run in the chosen environment; holds every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _split_list(value: Any) -> Any:
    """Accept a comma-separated string or a JSON-style list for list settings."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            import json

            return json.loads(stripped)
        return [item.strip() for item in stripped.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Every setting of the backend. Names are the upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=None, case_sensitive=False, extra="ignore", validate_default=True
    )

    # --- core ---
    environment: Environment = Environment.development
    app_name: str = "Todo API"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] | None = None
    docs_enabled: bool = True

    # --- database ---
    database_url: str = DEFAULT_SQLITE_URL
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=10, ge=0, le=100)
    db_pool_recycle_seconds: int = Field(default=300, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_ping_idle_seconds: float = Field(default=10.0, ge=0)
    db_echo: bool = False

    # --- auth ---
    jwt_secret_key: str | None = None
    jwt_algorithm: Literal["HS256"] = "HS256"
    access_token_expire_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_expire_days: int = Field(default=30, ge=1, le=365)
    password_reset_token_expire_minutes: int = Field(default=30, ge=5, le=24 * 60)
    frontend_url: str = "http://localhost:3000"
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cookie_domain: str | None = None

    # --- email ---
    email_backend: Literal["console", "smtp", "http"] = "console"
    email_from_address: str = "no-reply@example.com"
    email_from_name: str = "Todo App"
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from_email: str | None = None
    smtp_from_name: str = "Todo App"
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout: float = Field(default=30.0, gt=0, le=300)
    smtp_validate_certs: bool = True
    # A CA bundle to trust instead of the system's (a private relay, or the tests' own CA).
    smtp_ca_file: str | None = None
    email_http_provider: Literal["resend", "sendgrid"] = "resend"
    email_http_api_key: str | None = None
    email_http_base_url: str | None = None
    email_http_timeout: float = Field(default=15.0, gt=0, le=300)
    email_dispatch_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    email_lease_seconds: int = Field(default=120, ge=5, le=3600)
    email_dispatcher_enabled: bool = True

    # --- rate limits ---
    rate_limit_enabled: bool = True
    redis_url: str | None = None
    rate_limit_per_minute: int = Field(default=600, ge=1)
    login_rate_limit_per_account: str = "10/15minutes"
    login_rate_limit_per_ip: str = "50/15minutes"
    signup_rate_limit_per_ip: str = "20/hour"
    refresh_rate_limit_per_ip: str = "120/minute"
    password_reset_email_limit_per_address: str = "3/hour"
    password_reset_limit_per_ip: str = "10/hour"
    password_reset_global_limit: str = "1000/hour"
    reset_token_attempts_per_ip: str = "20/hour"

    # --- hardening and observability ---
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Imports carry a whole export (about 300 bytes a task): their own, larger ceiling.
    max_import_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    trusted_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    # Entries the proxies in front append to X-Forwarded-For when their addresses cannot be
    # listed (e.g. 2 for browser -> Vercel -> Hugging Face); 0 = use FORWARDED_ALLOW_IPS alone.
    forwarded_proxy_hops: int = Field(default=0, ge=0, le=10)
    metrics_token: str | None = None
    sentry_dsn: str | None = None
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    shutdown_grace_seconds: int = Field(default=20, ge=0, le=600)
    # Mounts /_test/slow and /_test/crash for the hardening tests; refused in production.
    test_routes_enabled: bool = False

    @field_validator("cors_origins", "trusted_hosts", "forwarded_allow_ips", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("frontend_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.production

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.is_production else "text"

    @cached_property
    def secret_key(self) -> str:
        """The JWT signing key; outside production a missing one is generated per process."""
        if self.jwt_secret_key:
            return self.jwt_secret_key
        if self.is_production:
            raise ConfigurationError(["JWT_SECRET_KEY is required in production."])
        logger.warning(
            "JWT_SECRET_KEY is not set: using a random key for this process only; "
            "sessions will not survive a restart. Set JWT_SECRET_KEY to keep them."
        )
        return secrets.token_urlsafe(48)

    @property
    def allowed_origins(self) -> list[str]:
        """FRONTEND_URL plus CORS_ORIGINS, each once, without trailing slashes."""
        origins = [self.frontend_url, *(o.rstrip("/") for o in self.cors_origins)]
        return list(dict.fromkeys(o for o in origins if o))

    @property
    def smtp_sender(self) -> str:
        return self.smtp_from_email or self.email_from_address

    def problems(self) -> list[str]:
        """Every reason these settings must not run in their environment, in plain words."""
        found: list[str] = []
        if self.environment is not Environment.production:
            return found
        secret = self.jwt_secret_key
        if not secret:
            found.append(
                "JWT_SECRET_KEY is missing. Generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        elif secret.strip().lower() in PLACEHOLDER_SECRETS:
            found.append("JWT_SECRET_KEY is a well-known placeholder value; generate a random one.")
        elif len(secret.encode()) < MIN_SECRET_BYTES:
            found.append(
                f"JWT_SECRET_KEY is {len(secret.encode())} bytes; at least "
                f"{MIN_SECRET_BYTES} bytes are required."
            )
        for origin in self.cors_origins:
            if origin.strip() == "*" or "*" in origin:
                found.append("CORS_ORIGINS contains a wildcard ('*'); list the exact origins.")
                break
        if not self.frontend_url.startswith("https://"):
            found.append(
                f"FRONTEND_URL must be an https:// URL in production (got {self.frontend_url!r})."
            )
        if self.email_backend == "console":
            found.append(
                "EMAIL_BACKEND=console only logs emails; choose 'smtp' or 'http' in production."
            )
        if self.email_backend == "smtp":
            if self.smtp_security == "none":
                found.append(
                    "SMTP_SECURITY=none sends mail in clear text; use 'starttls' or 'tls'."
                )
            if not self.smtp_host or self.smtp_host == "localhost":
                found.append("SMTP_HOST must name your SMTP provider in production.")
            if not self.smtp_validate_certs:
                found.append(
                    "SMTP_VALIDATE_CERTS=false accepts any certificate; use SMTP_CA_FILE instead."
                )
        if self.email_backend == "http" and (self.email_http_base_url or "https://").startswith(
            "http://"
        ):
            found.append("EMAIL_HTTP_BASE_URL must be an https:// URL in production.")
        if self.email_backend == "http" and not self.email_http_api_key:
            found.append("EMAIL_HTTP_API_KEY is required when EMAIL_BACKEND=http.")
        if not self.rate_limit_enabled:
            found.append(
                "RATE_LIMIT_ENABLED=false is for load tests only; it is refused in production."
            )
        if self.test_routes_enabled:
            found.append("TEST_ROUTES_ENABLED=true mounts test-only routes; refused in production.")
        if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
            found.append("DATABASE_URL points to an in-memory SQLite database; data would be lost.")
        return found

    def validate_for_environment(self) -> None:
        """Raise ConfigurationError listing every problem at once."""
        found = self.problems()
        if found:
            raise ConfigurationError(found)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment; `.env` is read only in development."""
    import os

    env = (overrides.get("environment") or os.environ.get("ENVIRONMENT") or "development").lower()
    env_file = ".env" if env == "development" else None
    return Settings(_env_file=env_file, **overrides)
