"""DATABASE_URL normalisation: Neon's libpq URLs must work with asyncpg as given."""

from __future__ import annotations

import ssl

import pytest

from app.core.db import normalize_database_url


def test_neon_url_is_converted_for_asyncpg_with_verifying_ssl() -> None:
    target = normalize_database_url(
        "postgresql://alice:s3cret@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb"
        "?sslmode=require&channel_binding=require"
    )
    assert target.url.drivername == "postgresql+asyncpg"
    assert dict(target.url.query) == {}
    assert target.url.host == "ep-cool-name-123456.eu-central-1.aws.neon.tech"
    assert target.url.password == "s3cret"
    context = target.connect_args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+asyncpg"])
def test_postgres_schemes_get_the_async_driver(scheme: str) -> None:
    target = normalize_database_url(f"{scheme}://u@localhost:5432/db")
    assert target.url.drivername == "postgresql+asyncpg"
    assert target.is_postgres
    assert "ssl" not in target.connect_args


def test_sslmode_disable_turns_ssl_off_and_keeps_other_params() -> None:
    target = normalize_database_url(
        "postgresql://u@localhost/db?sslmode=disable&application_name=x&prepared_statement_cache_size=0"
    )
    assert target.connect_args["ssl"] is False
    assert dict(target.url.query) == {"prepared_statement_cache_size": "0"}


@pytest.mark.parametrize("url", ["sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"])
def test_sqlite_urls_use_aiosqlite(url: str) -> None:
    target = normalize_database_url(url)
    assert target.url.drivername == "sqlite+aiosqlite"
    assert target.is_sqlite


def test_unknown_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL"):
        normalize_database_url("mysql://u@localhost/db")
