"""Redis (the rate-limit store) down: the app keeps serving, fails open for the general API
budget, fails closed (503) for login and password reset, says so in /health, and recovers
by itself when Redis is back.

The test runs its own redis-server on a free port and kills that one; the shared Redis is
never stopped.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import PASSWORD, Database, _die_with_parent, bearer, free_port, signup, wait_until

pytestmark = pytest.mark.redis

REDIS_SERVER = shutil.which("redis-server")


class OwnRedis:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if REDIS_SERVER is None:
        pytest.skip("needs redis-server on PATH")
    redis = OwnRedis(free_port(), tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


async def test_redis_down_fails_open_for_the_api_and_closed_for_login_and_reset(
    database: Database, backend_factory: object, own_redis: OwnRedis
) -> None:
    backend = backend_factory(  # type: ignore[operator]
        database,
        RATE_LIMIT_ENABLED="true",
        REDIS_URL=f"redis://127.0.0.1:{own_redis.port}/0",
    )
    await backend.wait_healthy()
    async with backend.client(timeout=10) as client:
        user = await signup(client)
        login = {"email": user["email"], "password": PASSWORD, "client": "api"}
        assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200
        health = (await client.get("/health")).json()
        assert health["rate_limit_storage"] == "connected"

        own_redis.kill()

        started = time.monotonic()
        tasks = await client.get("/api/v1/tasks", headers=bearer(user))
        assert tasks.status_code == 200, tasks.text  # general budget: fail open
        assert time.monotonic() - started < 3, "a dead Redis must not hang requests"

        refused = await client.post("/api/v1/auth/login", json=login)
        assert refused.status_code == 503, refused.text  # login: fail closed
        assert refused.json()["detail"]
        assert refused.headers.get("retry-after")

        reset = await client.post("/api/v1/auth/forgot-password", json={"email": user["email"]})
        assert reset.status_code == 503, reset.text  # password reset: fail closed
        assert reset.json()["detail"]

        health_response = await client.get("/health")
        assert health_response.status_code == 200  # degraded, still serving
        health = health_response.json()
        assert health["rate_limit_storage"] == "unavailable"
        assert health.get("warnings"), health

        own_redis.start()

        async def login_works() -> bool:
            response = await client.post("/api/v1/auth/login", json=login)
            return bool(response.status_code == 200)

        assert await wait_until(login_works, timeout=10, interval=0.5), "no recovery"
        assert (await client.get("/health")).json()["rate_limit_storage"] == "connected"
