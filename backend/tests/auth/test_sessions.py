"""Refresh rotation, reuse detection, logout, logout-all, and access-token validation."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import httpx
import jwt

from tests.conftest import STRONG_PASSWORD, TEST_SECRET, FrozenClock, bearer, signup

REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"


async def test_refresh_with_cookie_rotates_the_token(client: httpx.AsyncClient) -> None:
    await signup(client)
    old_refresh = client.cookies.get("refresh_token", path="/api/v1/auth")
    response = await client.post(REFRESH, headers={"X-Requested-With": "test"})
    assert response.status_code == 200
    new_refresh = client.cookies.get("refresh_token", path="/api/v1/auth")
    assert new_refresh
    assert new_refresh != old_refresh
    assert "refresh_token" not in response.json()
    assert (await client.get(ME)).status_code == 200


async def test_refresh_with_body_token_returns_new_token_in_body(
    client: httpx.AsyncClient,
) -> None:
    session = await signup(client, client="api")
    client.cookies.clear()
    response = await client.post(REFRESH, json={"refresh_token": session["refresh_token"]})
    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] != session["refresh_token"]
    assert (await client.get(ME, headers=bearer(body))).status_code == 200


async def test_replaying_a_rotated_refresh_token_revokes_the_family(
    client: httpx.AsyncClient,
) -> None:
    session = await signup(client, client="api")
    client.cookies.clear()
    first = await client.post(REFRESH, json={"refresh_token": session["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    # An attacker replays the original token: refused, and the whole family dies.
    replay = await client.post(REFRESH, json={"refresh_token": session["refresh_token"]})
    assert replay.status_code == 401
    # So the legitimate holder's newer token is refused too.
    legit = await client.post(REFRESH, json={"refresh_token": rotated})
    assert legit.status_code == 401


async def test_refresh_rejects_unknown_missing_and_expired_tokens(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    assert (await client.post(REFRESH, json={"refresh_token": "nope"})).status_code == 401
    assert (await client.post(REFRESH, json={})).status_code == 401
    session = await signup(client, client="api")
    client.cookies.clear()
    clock.advance(days=31)
    expired = await client.post(REFRESH, json={"refresh_token": session["refresh_token"]})
    assert expired.status_code == 401
    assert expired.json() == {"detail": "Invalid or expired refresh token"}


async def test_refresh_token_cannot_be_used_as_access_token(client: httpx.AsyncClient) -> None:
    session = await signup(client, client="api")
    client.cookies.clear()
    response = await client.get(ME, headers={"Authorization": f"Bearer {session['refresh_token']}"})
    assert response.status_code == 401


async def test_logout_revokes_refresh_token_and_clears_cookies(client: httpx.AsyncClient) -> None:
    await signup(client)
    refresh = client.cookies.get("refresh_token", path="/api/v1/auth")
    response = await client.post("/api/v1/auth/logout", headers={"X-Requested-With": "test"})
    assert response.status_code == 204
    cleared = response.headers.get_list("set-cookie")
    for name in ("access_token", "refresh_token", "session"):
        assert any(c.startswith(f"{name}=") and "Max-Age=0" in c for c in cleared)
    client.cookies.clear()
    again = await client.post(REFRESH, json={"refresh_token": refresh})
    assert again.status_code == 401


async def test_logout_without_a_session_is_still_204(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout")
    assert response.status_code == 204


async def test_logout_all_kills_every_access_and_refresh_token(
    client: httpx.AsyncClient,
) -> None:
    first = await signup(client, email="multi@example.com", client="api")
    client.cookies.clear()
    second = (
        await client.post(
            "/api/v1/auth/login",
            json={"email": "multi@example.com", "password": STRONG_PASSWORD, "client": "api"},
        )
    ).json()
    client.cookies.clear()
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(second))
    assert response.status_code == 204
    for session in (first, second):
        assert (await client.get(ME, headers=bearer(session))).status_code == 401
        refreshed = await client.post(REFRESH, json={"refresh_token": session["refresh_token"]})
        assert refreshed.status_code == 401
    # Logging in again works.
    again = await client.post(
        "/api/v1/auth/login", json={"email": "multi@example.com", "password": STRONG_PASSWORD}
    )
    assert again.status_code == 200


async def test_logout_all_requires_authentication(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/auth/logout-all")).status_code == 401


async def test_expired_access_token_is_refused(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    session = await signup(client)
    client.cookies.clear()
    assert (await client.get(ME, headers=bearer(session))).status_code == 200
    clock.advance(minutes=15, seconds=1)
    assert (await client.get(ME, headers=bearer(session))).status_code == 401


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(padded))
    return claims


async def test_access_token_carries_the_documented_claims(client: httpx.AsyncClient) -> None:
    session = await signup(client)
    claims = _claims(session["access_token"])
    assert claims["sub"] == session["user"]["id"]
    assert claims["type"] == "access"
    assert {"exp", "iat", "jti", "ver"} <= set(claims)


async def test_tampered_jwt_is_refused(client: httpx.AsyncClient) -> None:
    session = await signup(client)
    client.cookies.clear()
    header, payload, signature = session["access_token"].split(".")
    claims = _claims(session["access_token"])
    claims["sub"] = str(uuid.uuid4())
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    response = await client.get(ME, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    response = await client.get(
        ME, headers={"Authorization": f"Bearer {header}.{payload}.{flipped}"}
    )
    assert response.status_code == 401


async def test_alg_none_and_other_algorithms_are_refused(client: httpx.AsyncClient) -> None:
    session = await signup(client)
    client.cookies.clear()
    claims = _claims(session["access_token"])
    unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    assert (
        await client.get(ME, headers={"Authorization": f"Bearer {unsigned}"})
    ).status_code == 401
    hs512 = jwt.encode(claims, TEST_SECRET, algorithm="HS512")
    assert (await client.get(ME, headers={"Authorization": f"Bearer {hs512}"})).status_code == 401
    wrong_key = jwt.encode(claims, "another-secret-that-is-also-long-enough-000", algorithm="HS256")
    response = await client.get(ME, headers={"Authorization": f"Bearer {wrong_key}"})
    assert response.status_code == 401


async def test_token_without_type_claim_is_refused(client: httpx.AsyncClient) -> None:
    session = await signup(client)
    client.cookies.clear()
    claims = _claims(session["access_token"])
    del claims["type"]
    token = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_garbage_authorization_header_is_401_not_500(client: httpx.AsyncClient) -> None:
    for value in (
        "Bearer",
        "Bearer ",
        "Bearer a.b.c",
        "Basic Zm9vOmJhcg==",
        "Bearer " + "x" * 5000,
    ):
        response = await client.get(ME, headers={"Authorization": value})
        assert response.status_code == 401, value


async def test_access_cookie_authenticates_browser_requests(client: httpx.AsyncClient) -> None:
    session = await signup(client)
    response = await client.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == session["user"]["id"]


async def test_refresh_lifetime_follows_settings(app_factory: object) -> None:
    from tests.conftest import client_for

    app = await app_factory(refresh_token_expire_days=7, access_token_expire_minutes=5)  # type: ignore[operator]
    async with client_for(app) as client:
        response = await client.post(
            "/api/v1/auth/signup", json={"email": "life@example.com", "password": STRONG_PASSWORD}
        )
        assert response.json()["expires_in"] == 300
        refresh_cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("refresh_token=")
        )
        assert f"Max-Age={int(timedelta(days=7).total_seconds())}" in refresh_cookie
