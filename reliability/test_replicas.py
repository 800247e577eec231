"""Two backend replicas on one PostgreSQL and one Redis, load spread across both.

Rate limits are shared (counted in Redis), each outbox row is sent once (claims are
`FOR UPDATE SKIP LOCKED`), and refresh-token reuse is detected whichever replica sees it.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from support import PASSWORD, Backend, Database, signup, smtp_env, smtp_sink, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
RESETS = 30
# Generous limits for everything but the one under test: counters in a shared Redis outlive
# a test run, and every request here comes from 127.0.0.1.
LIMITS = {
    "RATE_LIMIT_ENABLED": "true",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "5/minute",
    "LOGIN_RATE_LIMIT_PER_IP": "10000/minute",
    "SIGNUP_RATE_LIMIT_PER_IP": "10000/minute",
    "PASSWORD_RESET_LIMIT_PER_IP": "10000/minute",
    "PASSWORD_RESET_GLOBAL_LIMIT": "100000/hour",
    "REFRESH_RATE_LIMIT_PER_IP": "10000/minute",
}


@pytest.fixture
def redis_url() -> str:
    if not TEST_REDIS_URL:
        pytest.skip("needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/14")
    return TEST_REDIS_URL


async def _two_replicas(
    db: Database, backend_factory: object, redis_url: str, **env: str
) -> tuple[Backend, Backend]:
    a = backend_factory(db, REDIS_URL=redis_url, **LIMITS, **env)  # type: ignore[operator]
    await a.wait_healthy()  # migrates first
    b = backend_factory(db, REDIS_URL=redis_url, migrate=False, **LIMITS, **env)  # type: ignore[operator]
    await b.wait_healthy()
    return a, b


async def test_replicas_share_rate_limits_send_each_email_once_and_detect_token_reuse(
    postgres_database: Database, backend_factory: object, redis_url: str
) -> None:
    with smtp_sink() as sink:
        sink.delay = 0.05
        a, b = await _two_replicas(
            postgres_database, backend_factory, redis_url, **smtp_env(sink.port)
        )
        async with a.client() as ca, b.client() as cb:
            # --- shared rate limits: 5 failed logins per account per minute, across replicas
            victim = await signup(ca)
            wrong = {"email": victim["email"], "password": "not the password at all"}
            statuses = []
            for i in range(10):
                client = ca if i % 2 == 0 else cb
                statuses.append(
                    (
                        client is ca,
                        (await client.post("/api/v1/auth/login", json=wrong)).status_code,
                    )
                )
            assert [s for _, s in statuses].count(401) == 5, statuses
            assert [s for _, s in statuses].count(429) == 5, statuses
            assert {replica for replica, s in statuses if s == 429} == {True, False}, statuses

            # --- refresh-token reuse detected across replicas
            session = await signup(cb)
            first = session["refresh_token"]
            rotated = await ca.post(
                "/api/v1/auth/refresh", json={"refresh_token": first, "client": "api"}
            )
            assert rotated.status_code == 200, rotated.text
            second = rotated.json()["refresh_token"]
            replay = await cb.post(
                "/api/v1/auth/refresh", json={"refresh_token": first, "client": "api"}
            )
            assert replay.status_code == 401, replay.text
            # The replay revoked the whole family: the newer token is dead on either replica.
            after = await ca.post(
                "/api/v1/auth/refresh", json={"refresh_token": second, "client": "api"}
            )
            assert after.status_code == 401, after.text

            # --- each outbox row sent once, with both replicas' dispatchers competing
            emails = [(await signup(ca if i % 2 else cb))["email"] for i in range(RESETS)]
            ca.cookies.clear()
            cb.cookies.clear()
            responses = await asyncio.gather(
                *(
                    (ca if i % 2 else cb).post("/api/v1/auth/forgot-password", json={"email": e})
                    for i, e in enumerate(emails)
                )
            )
            assert all(r.status_code == 202 for r in responses)

            async def all_sent() -> bool:
                rows = await postgres_database.fetch(
                    "SELECT status FROM email_outbox WHERE kind <> 'password_changed'"
                )
                return len(rows) == RESETS and all(r["status"] == "sent" for r in rows)

            assert await wait_until(all_sent, timeout=60)
            await asyncio.sleep(3)  # a second copy would arrive by now
        for email in emails:
            assert sink.count_to(email) == 1, email
        ids = [m["message_id"] for m in sink.messages]
        assert len(ids) == len(set(ids))
    # Login still works for a well-behaved account: the limit is per account.
    async with b.client() as cb:
        other = await signup(cb)
        ok = await cb.post(
            "/api/v1/auth/login", json={"email": other["email"], "password": PASSWORD}
        )
        assert ok.status_code == 200, ok.text
