"""Sentry: off without SENTRY_DSN; `before_send` strips bodies, cookies, headers and secrets."""

from __future__ import annotations

from typing import Any

from app.core.config import Settings
from app.core.logging import request_id_var
from app.core.redaction import Redactor
from app.core.sentry import init_sentry, make_before_send
from tests.conftest import TEST_SECRET

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLWJ5dGVz"
REFRESH = "Zx9kQ2mP7rT4vW1yB8nD3fH6jL0sA5cE9gK2qR8tU"


def _event() -> dict[str, Any]:
    return {
        "request": {
            "url": f"https://api.example.com/api/v1/auth/reset-password?token={REFRESH}",
            "method": "POST",
            "query_string": f"token={REFRESH}",
            "data": {"email": "jane@example.com", "password": "hunter2 hunter2"},
            "cookies": {"access_token": JWT, "refresh_token": REFRESH},
            "headers": {
                "Authorization": f"Bearer {JWT}",
                "Cookie": f"access_token={JWT}; refresh_token={REFRESH}",
                "X-Api-Key": "k" * 20,
                "User-Agent": "pytest",
                "X-Request-ID": "req-1",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": "user-1", "email": "jane@example.com", "ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": (
                        f"login failed for jane@example.com password='hunter2 hunter2' "
                        f"{TEST_SECRET}"
                    ),
                    "stacktrace": {
                        "frames": [{"function": "login", "vars": {"password": "hunter2 hunter2"}}]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"message": f"refresh_token={REFRESH}", "data": {"authorization": f"Bearer {JWT}"}}
            ]
        },
        "logentry": {"message": "user %s", "params": ["jane@example.com"]},
        "extra": {"smtp_password": "smtp-pass-123", "note": "mail jane@example.com"},
    }


def test_before_send_scrubs_bodies_cookies_headers_and_secrets() -> None:
    before_send = make_before_send(Redactor([TEST_SECRET]))
    token = request_id_var.set("req-77")
    try:
        event = before_send(_event(), {})
    finally:
        request_id_var.reset(token)
    assert event is not None
    text = repr(event)
    for secret in (
        JWT,
        REFRESH,
        "hunter2",
        "jane@example.com",
        TEST_SECRET,
        "smtp-pass-123",
        "k" * 20,
    ):
        assert secret not in text, secret
    assert "203.0.113.9" not in text
    request = event["request"]
    assert request["data"] == "[REDACTED]"
    assert request["cookies"] == "[REDACTED]"
    assert request["headers"]["Authorization"] == "[REDACTED]"
    assert request["headers"]["User-Agent"] == "pytest"
    assert request["headers"]["X-Request-ID"] == "req-1"
    assert event["user"] == {"id": "user-1"}
    assert "vars" not in event["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == "req-77"


def test_sentry_stays_off_without_a_dsn() -> None:
    settings = Settings(environment="test", jwt_secret_key=TEST_SECRET)
    assert init_sentry(settings, Redactor(), "1.0.0") is False
