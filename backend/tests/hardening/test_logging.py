"""Structured logs: JSON lines with the request fields, and nothing secret in them, ever."""

from __future__ import annotations

import json
import logging
import ssl
from pathlib import Path

import trustme
from fastapi import FastAPI

from app.core.logging import RedactionFilter
from app.core.redaction import Redactor, mask_email
from tests.conftest import TEST_SECRET, AppFactory, bearer, client_for, signup
from tests.email.conftest import (
    SMTP_PASSWORD,
    SmtpServer,
    deliver_pending,
    free_port,
    reset_token_from,
)
from tests.hardening.conftest import AppLog

EMAIL = "Jane.Secretive@example.com"
PASSWORD = "first passphrase of jane 1"
CHANGED_PASSWORD = "second passphrase of jane 2"
RESET_PASSWORD = "third passphrase of jane 3"
METRICS_TOKEN = "metrics-bearer-token-do-not-log"


def _lines(log: AppLog) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.text.splitlines() if line.startswith("{")]


async def test_access_log_is_json_with_request_fields(
    app_factory: AppFactory, app_log: AppLog
) -> None:
    app = await app_factory(log_format="json")
    app_log.attach()
    async with client_for(app) as client:
        session = await signup(client)
        response = await client.get(
            "/api/v1/tasks/00000000-0000-4000-8000-000000000000?token=abc",
            headers={**bearer(session), "X-Request-ID": "req-42"},
        )
    assert response.status_code == 404
    access = [line for line in _lines(app_log) if line["logger"] == "app.access"]
    entry = next(line for line in access if line.get("request_id") == "req-42")
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/tasks/{task_id}"
    assert entry["status"] == 404
    assert isinstance(entry["duration_ms"], float)
    assert entry["user_id"] == session["user"]["id"]
    assert entry["level"] == "INFO"
    assert str(entry["time"]).endswith("+00:00")
    assert entry["message"].startswith("GET /api/v1/tasks/{task_id} 404")  # type: ignore[union-attr]
    assert "00000000-0000-4000-8000-000000000000" not in json.dumps(access)
    unmatched = await _get(app, "/wp-login.php")
    assert unmatched == 404
    assert any(line.get("path") == "<unmatched>" for line in _lines(app_log))


async def _get(app: FastAPI, path: str) -> int:
    async with client_for(app) as client:
        return (await client.get(path)).status_code


def _smtp(tmp_path: Path) -> SmtpServer:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = SmtpServer(port=free_port(), ca_file=ca_file, server_context=context)
    server.start()
    return server


async def test_no_secret_or_full_email_reaches_the_log_in_any_flow(
    app_factory: AppFactory, app_log: AppLog, tmp_path: Path
) -> None:
    smtp = _smtp(tmp_path)
    try:
        app = await app_factory(
            **smtp.settings(),
            email_dispatcher_enabled=False,
            log_format="json",
            log_level="DEBUG",
            db_echo=True,
            test_routes_enabled=True,
            metrics_token=METRICS_TOKEN,
        )
        app_log.attach()
        secrets = await _drive_every_flow(app, smtp)
    finally:
        smtp.stop()
    logged = app_log.text
    assert len(logged.splitlines()) > 30, "the flows were not logged at all"
    assert "RuntimeError" in logged  # the crash and its traceback are there...
    assert mask_email(EMAIL.lower()) in logged  # ...and the email, masked
    for secret in secrets:
        assert secret not in logged, f"leaked: {secret[:12]}..."
    for line in logged.splitlines():
        json.loads(line)  # every line is one JSON record, tracebacks included
    # Password hashes are not passwords, but they are what an attacker cracks offline.
    assert "$argon2" not in logged
    assert ",p=4$" not in logged


async def _drive_every_flow(app: FastAPI, smtp: SmtpServer) -> list[str]:
    """Signup, login, refresh, change-password, forgot/reset, a crash; return what must not leak."""
    seen: list[str] = [
        PASSWORD,
        CHANGED_PASSWORD,
        RESET_PASSWORD,
        TEST_SECRET,
        SMTP_PASSWORD,
        METRICS_TOKEN,
        EMAIL,
        EMAIL.lower(),
    ]
    async with client_for(app) as client:
        created = await signup(client, EMAIL, PASSWORD, client="api")
        seen += [created["access_token"], created["refresh_token"]]
        login = await client.post(
            "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD, "client": "api"}
        )
        assert login.status_code == 200
        seen += [login.json()["access_token"], login.json()["refresh_token"]]
        seen += [cookie.value for cookie in client.cookies.jar if cookie.value != "1"]
        wrong = await client.post("/api/v1/auth/login", json={"email": EMAIL, "password": "nope-x"})
        assert wrong.status_code in (401, 422)
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
        )
        assert refreshed.status_code == 200
        seen += [refreshed.json()["access_token"], refreshed.json()["refresh_token"]]
        changed = await client.post(
            "/api/v1/auth/change-password",
            json={"current_password": PASSWORD, "new_password": CHANGED_PASSWORD},
            headers=bearer(refreshed.json()),
        )
        assert changed.status_code == 204
        seen += [cookie.value for cookie in client.cookies.jar if cookie.value != "1"]
        forgot = await client.post("/api/v1/auth/forgot-password", json={"email": EMAIL})
        assert forgot.status_code == 202
        await deliver_pending(app)
        # The dispatcher sends several rows at once: the password-changed notice queued by
        # change-password may arrive after the reset email, so pick the reset email by subject.
        reset_mail = [m for m in smtp.mailbox.messages if "reset" in str(m["Subject"]).lower()]
        assert len(reset_mail) == 1, [m["Subject"] for m in smtp.mailbox.messages]
        token = reset_token_from(reset_mail[0])
        seen.append(token)
        validate = await client.post("/api/v1/auth/reset-password/validate", json={"token": token})
        assert validate.status_code == 204
        reset = await client.post(
            "/api/v1/auth/reset-password", json={"token": token, "new_password": RESET_PASSWORD}
        )
        assert reset.status_code == 204
        await deliver_pending(app)
        # A token in a query string, e.g. a reset link followed to the API by mistake.
        await client.get(f"/api/v1/auth/me?token={token}")
        final = await client.post(
            "/api/v1/auth/login",
            json={"email": EMAIL, "password": RESET_PASSWORD, "client": "api"},
        )
        assert final.status_code == 200
        seen += [final.json()["access_token"], final.json()["refresh_token"]]
        crash = await client.post(
            "/_test/crash",
            json={"email": EMAIL, "password": RESET_PASSWORD, "refresh_token": seen[-1]},
            headers={**bearer(final.json()), "Cookie": f"refresh_token={seen[-1]}"},
        )
        assert crash.status_code == 500
        metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert metrics.status_code == 200
    return seen


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_redaction_filter_scrubs_any_logger_message_args_extras_and_tracebacks() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXN0dWZm"
    try:
        raise ValueError(f"bad login for bob@example.org with password='hunter2 hunter2' {jwt}")
    except ValueError as exc:
        record = _record("headers: %s", {"authorization": "Bearer abcdefgh123"}, exc=exc)
    record.cookie = "refresh_token=Zx9kQ2mP7rT4vW1yB8nD3fH6jL0sA5cE9gK2"
    record.detail = "see https://app/reset-password?token=QmV4aW5nLXJlc2V0LXRva2VuLTEyMzQ1Njc4"
    RedactionFilter(Redactor(["literal-jwt-signing-key"])).filter(record)
    text = logging.Formatter().format(record) + repr(record.__dict__)
    for secret in (
        "hunter2",
        jwt,
        "abcdefgh123",
        "Zx9kQ2mP7rT4",
        "QmV4aW5nLXJl",
        "bob@example.org",
    ):
        assert secret not in text
    assert "b***@example.org" in text
    assert "ValueError" in text
