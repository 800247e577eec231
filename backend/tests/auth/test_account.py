"""The signed-in user's own account: me, rename, change password, delete, CSRF guard."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models.user import RefreshToken, User
from tests.conftest import STRONG_PASSWORD, bearer, signup

ME = "/api/v1/auth/me"
NEW_PASSWORD = "a brand new passphrase 42"
XHR = {"X-Requested-With": "XMLHttpRequest"}


async def test_me_requires_authentication(client: httpx.AsyncClient) -> None:
    response = await client.get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


async def test_patch_me_changes_the_name(client: httpx.AsyncClient) -> None:
    await signup(client, name="Old")
    response = await client.patch(ME, json={"name": "  New Name  "})
    assert response.status_code == 200
    assert response.json()["name"] == "New Name"
    assert (await client.get(ME)).json()["name"] == "New Name"
    cleared = await client.patch(ME, json={"name": None})
    assert cleared.json()["name"] is None


async def test_patch_me_rejects_unknown_fields_and_long_names(client: httpx.AsyncClient) -> None:
    await signup(client)
    assert (await client.patch(ME, json={"email": "x@example.com"})).status_code == 422
    assert (await client.patch(ME, json={"name": "n" * 101})).status_code == 422
    assert (await client.patch(ME, json=[])).status_code == 422


async def test_change_password_revokes_other_sessions_and_keeps_this_one(
    client: httpx.AsyncClient,
) -> None:
    other = await signup(client, email="cp@example.com", client="api")
    # This browser logs in separately and changes the password.
    client.cookies.clear()
    await client.post(
        "/api/v1/auth/login", json={"email": "cp@example.com", "password": STRONG_PASSWORD}
    )
    response = await client.post(
        "/api/v1/auth/change-password",
        json={"current_password": STRONG_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 204
    # This browser received fresh cookies and stays signed in.
    assert (await client.get(ME)).status_code == 200
    # The other session's access and refresh tokens are dead.
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as c2:
        assert (await c2.get(ME, headers=bearer(other))).status_code == 401
        refreshed = await c2.post(
            "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
        )
        assert refreshed.status_code == 401
        old = await c2.post(
            "/api/v1/auth/login", json={"email": "cp@example.com", "password": STRONG_PASSWORD}
        )
        assert old.status_code == 401
        new = await c2.post(
            "/api/v1/auth/login", json={"email": "cp@example.com", "password": NEW_PASSWORD}
        )
        assert new.status_code == 200


async def test_change_password_with_wrong_current_password_is_403(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    response = await client.post(
        "/api/v1/auth/change-password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 403
    assert (await client.get(ME)).status_code == 200


async def test_change_password_applies_the_password_policy(client: httpx.AsyncClient) -> None:
    await signup(client)
    response = await client.post(
        "/api/v1/auth/change-password",
        json={"current_password": STRONG_PASSWORD, "new_password": "password1"},
    )
    assert response.status_code == 422


async def test_delete_me_needs_the_password(app: FastAPI, client: httpx.AsyncClient) -> None:
    await signup(client, email="del@example.com")
    wrong = await client.request("DELETE", ME, json={"password": "not the password"})
    assert wrong.status_code == 403
    response = await client.request("DELETE", ME, json={"password": STRONG_PASSWORD})
    assert response.status_code == 204
    assert (await client.get(ME)).status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"email": "del@example.com", "password": STRONG_PASSWORD}
    )
    assert login.status_code == 401
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(RefreshToken)) == 0


async def test_cookie_authenticated_form_post_is_refused(client: httpx.AsyncClient) -> None:
    """A cross-site HTML form carries cookies but can neither send JSON nor custom headers."""
    await signup(client)
    response = await client.post(
        "/api/v1/auth/logout-all",
        content=b"a=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403
    assert (await client.get(ME)).status_code == 200
    ok = await client.post("/api/v1/auth/logout-all", headers=XHR)
    assert ok.status_code == 204


async def test_bearer_requests_need_no_csrf_proof(client: httpx.AsyncClient) -> None:
    session = await signup(client)
    client.cookies.clear()
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(session))
    assert response.status_code == 204


async def test_me_returns_created_at_in_utc_with_an_offset(client: httpx.AsyncClient) -> None:
    """Read back from the database (SQLite keeps no offset), the time still carries UTC's."""
    created = await signup(client)
    for response in (await client.get(ME), await client.patch(ME, json={"name": "Ada"})):
        created_at = response.json()["created_at"]
        assert created_at.endswith(("Z", "+00:00")), created_at
    assert created["user"]["created_at"].endswith(("Z", "+00:00"))
