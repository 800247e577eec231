"""Settings: production refusals, development conveniences, and `todo-api check-config`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import ConfigurationError, Settings
from app.main import create_app

GOOD_SECRET = "k" * 48
BACKEND = Path(__file__).resolve().parents[1]


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "jwt_secret_key": GOOD_SECRET,
        "frontend_url": "https://todo.example.com",
        "email_backend": "smtp",
        "smtp_host": "smtp.example.com",
        "smtp_security": "starttls",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_a_complete_production_configuration_has_no_problems() -> None:
    assert production().problems() == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"jwt_secret_key": None}, "JWT_SECRET_KEY is missing"),
        ({"jwt_secret_key": "too-short-secret"}, "at least 32 bytes"),
        ({"jwt_secret_key": "changeme"}, "placeholder"),
        ({"jwt_secret_key": "CHANGEME"}, "placeholder"),
        ({"cors_origins": ["*"]}, "wildcard"),
        ({"cors_origins": ["https://ok.example.com", "https://*.example.com"]}, "wildcard"),
        ({"frontend_url": "http://todo.example.com"}, "FRONTEND_URL must be an https://"),
        ({"email_backend": "console"}, "EMAIL_BACKEND=console"),
        ({"smtp_security": "none"}, "SMTP_SECURITY=none"),
        ({"rate_limit_enabled": False}, "RATE_LIMIT_ENABLED=false"),
    ],
)
def test_each_production_refusal(overrides: dict[str, object], fragment: str) -> None:
    problems = production(**overrides).problems()
    assert any(fragment in p for p in problems), problems


def test_every_problem_is_listed_at_once() -> None:
    settings = production(jwt_secret_key="short", cors_origins=["*"], frontend_url="http://x")
    with pytest.raises(ConfigurationError) as info:
        settings.validate_for_environment()
    assert len(info.value.problems) == 3
    message = str(info.value)
    assert "JWT_SECRET_KEY" in message
    assert "CORS_ORIGINS" in message
    assert "FRONTEND_URL" in message


def test_create_app_refuses_to_start_on_bad_production_settings() -> None:
    with pytest.raises(ConfigurationError):
        create_app(production(jwt_secret_key=None))


def test_development_generates_a_secret_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(environment="development", jwt_secret_key=None)  # type: ignore[arg-type]
    with caplog.at_level("WARNING"):
        secret = settings.secret_key
    assert len(secret) >= 32
    assert settings.secret_key == secret  # stable within the process
    assert "JWT_SECRET_KEY is not set" in caplog.text
    assert secret not in caplog.text
    other = Settings(environment="development", jwt_secret_key=None)  # type: ignore[arg-type]
    assert other.secret_key != secret


def test_list_settings_accept_comma_separated_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example.com, https://b.example.com/")
    settings = Settings()
    assert settings.cors_origins == ["https://a.example.com", "https://b.example.com/"]
    assert settings.allowed_origins == [
        "http://localhost:3000",
        "https://a.example.com",
        "https://b.example.com",
    ]


def _check_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "CORS_", "SMTP_"))}
    clean.update({"ENVIRONMENT": "production", **env})
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "check-config"],
        cwd=BACKEND,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_config_exits_non_zero_with_every_message() -> None:
    result = _check_config({"JWT_SECRET_KEY": "short", "CORS_ORIGINS": "*"})
    assert result.returncode == 1
    assert "JWT_SECRET_KEY is 5 bytes" in result.stderr
    assert "wildcard" in result.stderr
    assert "FRONTEND_URL must be an https://" in result.stderr
    assert "short" not in result.stderr.replace("is 5 bytes", "")


def test_check_config_passes_on_a_good_production_environment() -> None:
    result = _check_config(
        {
            "JWT_SECRET_KEY": GOOD_SECRET,
            "FRONTEND_URL": "https://todo.example.com",
            "EMAIL_BACKEND": "smtp",
            "SMTP_HOST": "smtp.example.com",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "Configuration OK" in result.stdout


def test_check_config_reports_malformed_values() -> None:
    result = _check_config({"PORT": "not-a-number"})
    assert result.returncode == 1
    assert "port" in result.stderr.lower()
