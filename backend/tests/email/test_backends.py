"""The HTTPS API backend (Resend and SendGrid formats), the console backend, and configuration."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.core.config import Settings
from app.models.email import EmailOutbox
from app.services.email_service import (
    ConsoleBackend,
    PermanentEmailError,
    TransientEmailError,
    create_backend,
    email_configured,
    password_reset_message,
)
from tests.conftest import TEST_SECRET, AppFactory, client_for, signup
from tests.email.conftest import (
    HTTP_API_KEY,
    LINK,
    MANUAL,
    EmailApiServer,
    RawLogs,
    deliver_pending,
)

FORGOT = "/api/v1/auth/forgot-password"


def _http_settings(api: EmailApiServer, provider: str) -> dict[str, Any]:
    return {
        "email_backend": "http",
        "email_http_provider": provider,
        "email_http_api_key": HTTP_API_KEY,
        "email_http_base_url": api.base_url,
        "email_from_address": "no-reply@todo.test",
        "email_from_name": "Todo App",
        **MANUAL,
    }


async def _request_reset(app: FastAPI, address: str = "api-user@example.com") -> None:
    async with client_for(app) as client:
        await signup(client, email=address)
        response = await client.post(FORGOT, json={"email": address})
        assert response.status_code == 202
    await deliver_pending(app)


async def test_resend_request_format(
    app_factory: AppFactory, email_api: EmailApiServer, raw_logs: RawLogs
) -> None:
    app = await app_factory(**_http_settings(email_api, "resend"))
    await _request_reset(app)
    (request,) = email_api.requests
    assert request.path == "/emails"
    assert request.headers["authorization"] == f"Bearer {HTTP_API_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"]
    body = request.body
    assert body["from"] == "Todo App <no-reply@todo.test>"
    assert body["to"] == ["api-user@example.com"]
    assert body["subject"] == "Reset your password"
    assert LINK.search(body["text"])
    assert LINK.search(body["html"])
    assert body["headers"]["Message-ID"].startswith("<")
    token = LINK.search(body["text"])
    assert token
    assert HTTP_API_KEY not in raw_logs.text
    assert token.group(1) not in raw_logs.text


async def test_sendgrid_request_format(app_factory: AppFactory, email_api: EmailApiServer) -> None:
    email_api.statuses = [202]
    app = await app_factory(**_http_settings(email_api, "sendgrid"))
    await _request_reset(app)
    (request,) = email_api.requests
    assert request.path == "/v3/mail/send"
    assert request.headers["authorization"] == f"Bearer {HTTP_API_KEY}"
    body = request.body
    assert body["personalizations"] == [{"to": [{"email": "api-user@example.com"}]}]
    assert body["from"] == {"email": "no-reply@todo.test", "name": "Todo App"}
    assert body["subject"] == "Reset your password"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert all(LINK.search(c["value"]) for c in body["content"])
    async with app.state.sessionmaker() as session:
        (row,) = (await session.scalars(select(EmailOutbox))).all()
    assert row.status == "sent"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, TransientEmailError),
        (500, TransientEmailError),
        (503, TransientEmailError),
        (400, PermanentEmailError),
        (401, PermanentEmailError),
        (422, PermanentEmailError),
    ],
)
async def test_http_status_classification(
    email_api: EmailApiServer, status: int, error: type[Exception]
) -> None:
    email_api.statuses = [status]
    settings = Settings(
        environment="test",
        jwt_secret_key=TEST_SECRET,
        **{
            k: v
            for k, v in _http_settings(email_api, "resend").items()
            if k in Settings.model_fields
        },
    )
    backend = create_backend(settings)
    message = password_reset_message(settings, "x@example.com", "http://localhost:3000/r")
    try:
        with pytest.raises(error):
            await backend.send(message)
    finally:
        await backend.aclose()


async def test_http_connection_failure_is_transient() -> None:
    settings = Settings(
        environment="test",
        jwt_secret_key=TEST_SECRET,
        email_backend="http",
        email_http_api_key="k" * 12,
        email_http_base_url="http://127.0.0.1:9",
    )
    backend = create_backend(settings)
    message = password_reset_message(settings, "x@example.com", "http://localhost:3000/r")
    try:
        with pytest.raises(TransientEmailError):
            await backend.send(message)
    finally:
        await backend.aclose()


async def test_console_backend_shows_the_link_in_development_only() -> None:
    message = password_reset_message(
        Settings(environment="test", jwt_secret_key=TEST_SECRET),
        "dev@example.com",
        "http://localhost:3000/reset-password?token=abcDEF123",
    )
    shown, hidden = io.StringIO(), io.StringIO()
    await ConsoleBackend(Settings(environment="development"), stream=shown).send(message)
    await ConsoleBackend(
        Settings(environment="test", jwt_secret_key=TEST_SECRET), stream=hidden
    ).send(message)
    assert "reset-password?token=abcDEF123" in shown.getvalue()
    assert hidden.getvalue() == ""


async def test_console_backend_in_test_logs_no_link(
    app: FastAPI, raw_logs: RawLogs, capsys: pytest.CaptureFixture[str]
) -> None:
    await _request_reset(app, "console@example.com")
    out, err = capsys.readouterr()
    assert "reset-password?token" not in raw_logs.text + out + err
    assert "c***@example.com" in raw_logs.text


async def test_health_reports_email_configuration(app_factory: AppFactory) -> None:
    app = await app_factory(**MANUAL)
    async with client_for(app) as client:
        assert (await client.get("/health")).json()["email"] == "configured"
    assert not email_configured(
        Settings(environment="test", email_backend="http", email_http_api_key=None)
    )


def test_production_refuses_unsafe_email_settings() -> None:
    base: dict[str, Any] = {
        "environment": "production",
        "jwt_secret_key": "x" * 48,
        "frontend_url": "https://todo.example.com",
    }
    problems = Settings(
        **base, email_backend="smtp", smtp_host="smtp.example.com", smtp_security="none"
    ).problems()
    assert any("SMTP_SECURITY=none" in p for p in problems)
    problems = Settings(
        **base, email_backend="smtp", smtp_host="smtp.example.com", smtp_validate_certs=False
    ).problems()
    assert any("SMTP_VALIDATE_CERTS" in p for p in problems)
    problems = Settings(
        **base,
        email_backend="http",
        email_http_api_key="key",
        email_http_base_url="http://api.example.com",
    ).problems()
    assert any("EMAIL_HTTP_BASE_URL" in p for p in problems)
    assert any("EMAIL_BACKEND=console" in p for p in Settings(**base).problems())


def test_reset_link_is_built_from_frontend_url_not_the_request() -> None:
    from app.services.password_reset import reset_url

    settings = Settings(environment="test", frontend_url="https://todo.example.com/")
    assert reset_url(settings, "tok") == "https://todo.example.com/reset-password?token=tok"


def test_html_template_escapes_its_input() -> None:
    settings = Settings(environment="test", email_from_name="<b>Evil</b>")
    message = password_reset_message(settings, "x@example.com", 'https://a.example/"><script>')
    assert "<script>" not in message.html_body
    assert "&lt;b&gt;Evil&lt;/b&gt;" in message.html_body
    assert 'https://a.example/"><script>' in message.text_body


def test_http_client_default_urls() -> None:
    resend = create_backend(Settings(environment="test", email_backend="http"))
    sendgrid = create_backend(
        Settings(environment="test", email_backend="http", email_http_provider="sendgrid")
    )
    assert getattr(resend, "base_url", None) == "https://api.resend.com"
    assert getattr(sendgrid, "base_url", None) == "https://api.sendgrid.com"
    assert isinstance(getattr(resend, "client", None), httpx.AsyncClient)
