"""Signup, login and the OAuth2 token endpoint."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models.user import User
from tests.conftest import STRONG_PASSWORD, bearer, client_for, signup

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"


async def test_signup_returns_session_and_sets_cookies(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SIGNUP, json={"email": "Ada@Example.COM", "password": STRONG_PASSWORD, "name": " Ada "}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["name"] == "Ada"
    assert set(body["user"]) == {"id", "email", "name", "created_at"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert "refresh_token" not in body
    cookies = response.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("access_token="))
    refresh = next(c for c in cookies if c.startswith("refresh_token="))
    session = next(c for c in cookies if c.startswith("session="))
    for cookie in (access, refresh, session):
        assert "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie  # not production
    assert "Path=/api/v1/auth" in refresh
    assert "Path=/;" in access or access.endswith("Path=/")


async def test_signup_for_api_clients_returns_refresh_token_in_body(
    client: httpx.AsyncClient,
) -> None:
    body = await signup(client, client="api")
    assert len(body["refresh_token"]) >= 40


async def test_signup_with_taken_email_is_409_case_insensitively(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, email="taken@example.com")
    response = await client.post(
        SIGNUP, json={"email": "TAKEN@example.com", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this email already exists"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 8 characters"),
        ("x" * 129, "at most 128 characters"),
        ("password123", "too common"),
        ("Password123", "too common"),
    ],
)
async def test_signup_rejects_weak_passwords(
    client: httpx.AsyncClient, password: str, message: str
) -> None:
    response = await client.post(SIGNUP, json={"email": "w@example.com", "password": password})
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(message in e["msg"] for e in errors)
    # The rejected password is never echoed back.
    assert password not in response.text


async def test_passwords_are_not_truncated_and_allow_any_characters(
    client: httpx.AsyncClient,
) -> None:
    long_password = "ü" * 60 + "🔑" * 60 + "end!!!!!"  # 128 characters, > 72 bytes
    await signup(client, email="long@example.com", password=long_password)
    truncated = long_password[:72]
    bad = await client.post(LOGIN, json={"email": "long@example.com", "password": truncated})
    assert bad.status_code == 401
    good = await client.post(LOGIN, json={"email": "long@example.com", "password": long_password})
    assert good.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": STRONG_PASSWORD},
        {"email": "a@example.com"},
        {"password": STRONG_PASSWORD},
        {"email": "a@example.com", "password": STRONG_PASSWORD, "is_admin": True},
        {"email": "a@example.com", "password": 12345678901},
        {"email": "a@example.com", "password": STRONG_PASSWORD, "name": "x" * 101},
    ],
)
async def test_signup_rejects_invalid_bodies(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post(SIGNUP, json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


async def test_signup_rejects_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SIGNUP, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_password_is_stored_as_argon2id_hash(app: FastAPI, client: httpx.AsyncClient) -> None:
    await signup(client, email="hash@example.com")
    async with app.state.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == "hash@example.com"))
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert STRONG_PASSWORD not in user.password_hash


async def test_login_with_correct_password_returns_session(client: httpx.AsyncClient) -> None:
    await signup(client, email="login@example.com")
    response = await client.post(
        LOGIN, json={"email": "LOGIN@example.com", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == "login@example.com"
    me = await client.get("/api/v1/auth/me", headers=bearer(body))
    assert me.status_code == 200


async def test_wrong_password_and_unknown_email_get_the_same_401(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, email="known@example.com")
    wrong = await client.post(
        LOGIN, json={"email": "known@example.com", "password": "wrong password here"}
    )
    unknown = await client.post(
        LOGIN, json={"email": "nobody@example.com", "password": "wrong password here"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Invalid email or password"}
    assert wrong.headers.get("www-authenticate") == unknown.headers.get("www-authenticate")


async def test_login_is_rate_limited_per_account_with_retry_after(
    app_factory: object,
) -> None:
    app = await app_factory(login_rate_limit_per_account="3/minute")  # type: ignore[operator]
    async with client_for(app) as client:
        await signup(client, email="victim@example.com")
        statuses = []
        for _ in range(4):
            r = await client.post(
                LOGIN, json={"email": "victim@example.com", "password": "not the password"}
            )
            statuses.append(r.status_code)
        assert statuses == [401, 401, 401, 429]
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["detail"]
        # Even the right password is refused while the account is limited.
        r = await client.post(
            LOGIN, json={"email": "victim@example.com", "password": STRONG_PASSWORD}
        )
        assert r.status_code == 429


async def test_oauth2_token_endpoint_issues_bearer_token(client: httpx.AsyncClient) -> None:
    await signup(client, email="form@example.com")
    client.cookies.clear()
    response = await client.post(
        "/api/v1/auth/token", data={"username": "form@example.com", "password": STRONG_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await client.get("/api/v1/auth/me", headers=bearer(body))
    assert me.json()["email"] == "form@example.com"
    bad = await client.post(
        "/api/v1/auth/token", data={"username": "form@example.com", "password": "nope nope nope"}
    )
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid email or password"}
