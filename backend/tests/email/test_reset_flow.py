"""The whole forgot -> email -> validate -> reset flow against a real SMTP server."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, text

from app.models.email import EmailOutbox, PasswordResetToken
from tests.conftest import STRONG_PASSWORD, AppFactory, bearer, client_for, signup
from tests.email.conftest import (
    MANUAL,
    SMTP_PASSWORD,
    RawLogs,
    SmtpServer,
    deliver_pending,
    parts,
    reset_token_from,
)

FORGOT = "/api/v1/auth/forgot-password"
VALIDATE = "/api/v1/auth/reset-password/validate"
RESET = "/api/v1/auth/reset-password"
LOGIN = "/api/v1/auth/login"
NEW_PASSWORD = "a brand new passphrase 42"


async def _rows(app: FastAPI, model: Any) -> list[Any]:
    async with app.state.sessionmaker() as session:
        return list((await session.scalars(select(model))).all())


async def test_forgot_email_validate_reset_then_login_with_new_password_only(
    app_factory: AppFactory, smtp: SmtpServer, raw_logs: RawLogs
) -> None:
    app = await app_factory(**smtp.settings())
    async with client_for(app) as client:
        created = await client.post(
            "/api/v1/auth/signup",
            json={"email": "jane.doe@example.com", "password": STRONG_PASSWORD, "client": "api"},
        )
        assert created.status_code == 201
        session = created.json()

        forgot = await client.post(FORGOT, json={"email": "Jane.Doe@Example.com"})
        assert forgot.status_code == 202

        # Delivered by the dispatcher's own loop, through STARTTLS and AUTH.
        (message,) = await smtp.mailbox.wait_for(1)
        assert smtp.mailbox.auth_logins == ["mailer"]
        assert message["To"] == "jane.doe@example.com"
        assert message["Subject"] == "Reset your password"
        assert message["From"] == "Todo App <no-reply@todo.test>"
        assert message["Date"]
        assert message["Message-ID"].endswith("@todo.test>")
        text_body, html_body = parts(message)
        assert "30 minutes" in text_body
        assert "did not ask" in text_body
        assert "<a href=" in html_body
        token = reset_token_from(message)

        assert (await client.post(VALIDATE, json={"token": token})).status_code == 204
        reset = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
        assert reset.status_code == 204, reset.text
        assert "set-cookie" not in reset.headers  # a reset does not sign anyone in

        new_login = await client.post(
            LOGIN, json={"email": "jane.doe@example.com", "password": NEW_PASSWORD}
        )
        assert new_login.status_code == 200
        old_login = await client.post(
            LOGIN, json={"email": "jane.doe@example.com", "password": STRONG_PASSWORD}
        )
        assert old_login.status_code == 401
        # The access token and the refresh token of the session from before are dead.
        client.cookies.clear()
        assert (await client.get("/api/v1/auth/me", headers=bearer(session))).status_code == 401
        stale = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert stale.status_code == 401

        # The "password changed" notice follows.
        _, changed = await smtp.mailbox.wait_for(2)
        assert changed["Subject"] == "Your password was changed"
        changed_text, _ = parts(changed)
        assert "reset-password?token" not in changed_text

    for secret in (token, STRONG_PASSWORD, NEW_PASSWORD, SMTP_PASSWORD, "reset-password?token"):
        assert secret not in raw_logs.text, secret
    assert "j***@example.com" in raw_logs.text


async def test_reset_token_cannot_be_used_twice(app_factory: AppFactory, smtp: SmtpServer) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="twice@example.com")
        await client.post(FORGOT, json={"email": "twice@example.com"})
        await deliver_pending(app)
        token = reset_token_from(smtp.mailbox.messages[0])
        first = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
        assert first.status_code == 204
        again = await client.post(
            RESET, json={"token": token, "new_password": "yet another passphrase 7"}
        )
        assert again.status_code == 400
        assert again.json() == {"detail": "Invalid or expired reset token"}
        assert (await client.post(VALIDATE, json={"token": token})).status_code == 400
        login = await client.post(
            LOGIN, json={"email": "twice@example.com", "password": NEW_PASSWORD}
        )
        assert login.status_code == 200


async def test_reset_token_expires(app_factory: AppFactory, smtp: SmtpServer, clock: Any) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL, password_reset_token_expire_minutes=30)
    async with client_for(app) as client:
        await signup(client, email="late@example.com")
        await client.post(FORGOT, json={"email": "late@example.com"})
        await deliver_pending(app)
        token = reset_token_from(smtp.mailbox.messages[0])
        clock.advance(minutes=29)
        assert (await client.post(VALIDATE, json={"token": token})).status_code == 204
        clock.advance(minutes=1, seconds=1)
        assert (await client.post(VALIDATE, json={"token": token})).status_code == 400
        late = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
        assert late.status_code == 400


async def test_newer_token_invalidates_older(app_factory: AppFactory, smtp: SmtpServer) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="again@example.com")
        await client.post(FORGOT, json={"email": "again@example.com"})
        await deliver_pending(app)
        await client.post(FORGOT, json={"email": "again@example.com"})
        await deliver_pending(app)
        older, newer = (reset_token_from(m) for m in smtp.mailbox.messages)
        assert older != newer
        assert (await client.post(VALIDATE, json={"token": older})).status_code == 400
        assert (await client.post(VALIDATE, json={"token": newer})).status_code == 204


async def test_token_is_stored_only_as_its_sha256_and_mail_body_is_erased(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="hash@example.com")
        await client.post(FORGOT, json={"email": "hash@example.com"})
        # The request wrote only the address; no token exists before the dispatcher's pass.
        (requested,) = await _rows(app, EmailOutbox)
        assert (requested.kind, requested.text_body) == ("password_reset_request", None)
        assert await _rows(app, PasswordResetToken) == []
        # One pass resolves it: the row now holds the rendered link (that is its job).
        assert await app.state.email_dispatcher.run_once() == 1
        (queued,) = await _rows(app, EmailOutbox)
        assert queued.id == requested.id
        assert queued.kind == "password_reset"
        assert queued.text_body
        assert "reset-password?token=" in queued.text_body
        await deliver_pending(app)
    token = reset_token_from(smtp.mailbox.messages[0])
    (stored,) = await _rows(app, PasswordResetToken)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    (sent,) = await _rows(app, EmailOutbox)
    assert sent.status == "sent"
    assert sent.text_body is None
    assert sent.html_body is None
    # Nowhere in either table, in any column.
    async with app.state.engine.connect() as conn:
        for table in ("password_reset_tokens", "email_outbox"):
            for row in (await conn.execute(text(f"SELECT * FROM {table}"))).all():
                assert all(token not in str(value) for value in row)


async def test_change_password_queues_the_password_changed_email(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        session = await signup(client, email="changer@example.com")
        await client.post(FORGOT, json={"email": "changer@example.com"})
        await deliver_pending(app)
        token = reset_token_from(smtp.mailbox.messages[0])
        changed = await client.post(
            "/api/v1/auth/change-password",
            json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(session),
        )
        assert changed.status_code == 204, changed.text
        await deliver_pending(app)
        notice = smtp.mailbox.messages[1]
        assert notice["Subject"] == "Your password was changed"
        assert notice["To"] == "changer@example.com"
        # A link mailed before the change dies with the old password.
        assert (await client.post(VALIDATE, json={"token": token})).status_code == 400


async def test_weak_new_password_is_422_and_keeps_the_token(
    app_factory: AppFactory, smtp: SmtpServer
) -> None:
    app = await app_factory(**smtp.settings(), **MANUAL)
    async with client_for(app) as client:
        await signup(client, email="weak@example.com")
        await client.post(FORGOT, json={"email": "weak@example.com"})
        await deliver_pending(app)
        token = reset_token_from(smtp.mailbox.messages[0])
        weak = await client.post(RESET, json={"token": token, "new_password": "password123"})
        assert weak.status_code == 422
        assert (await client.post(VALIDATE, json={"token": token})).status_code == 204


async def test_garbage_tokens_are_400(client: httpx.AsyncClient) -> None:
    for token in ("x", "A" * 43, "not a token at all"):
        response = await client.post(VALIDATE, json={"token": token})
        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid or expired reset token"}
    too_long = await client.post(VALIDATE, json={"token": "a" * 500})
    assert too_long.status_code == 422
