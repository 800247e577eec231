"""Users and their tasks, created through the API before any timing starts."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

from loadgen import HOST, BenchUser
from rawhttp import JSON_HEADERS, Connection, auth_headers, json_body

PASSWORD = "bench password 2026 correct horse"


async def _signup(conn: Connection, email: str) -> BenchUser:
    body = json_body({"email": email, "password": PASSWORD, "client": "api"})
    for _attempt in range(5):
        status, _, payload = await conn.request(
            "POST", "/api/v1/auth/signup", headers=JSON_HEADERS, body=body
        )
        if status == 201:
            return BenchUser(email, PASSWORD, json.loads(payload)["access_token"])
        await asyncio.sleep(1)
    raise RuntimeError(f"signup failed with {status}: {payload[:200]!r}")


async def create_users(port: int, count: int, *, parallel: int = 8) -> list[BenchUser]:
    """Sign `count` users up (Argon2 makes this CPU-bound: a few in parallel is enough)."""
    tag = uuid.uuid4().hex[:6]
    emails = [f"bench-{tag}-{i}@example.com" for i in range(count)]
    users: list[BenchUser] = []

    async def worker(chunk: list[str]) -> None:
        conn = Connection(HOST, port)
        try:
            for email in chunk:
                users.append(await _signup(conn, email))
        finally:
            conn.close()

    await asyncio.gather(*(worker(emails[i::parallel]) for i in range(parallel)))
    users.sort(key=lambda u: u.email)
    return users


async def tasks_available(port: int, user: BenchUser) -> bool:
    conn = Connection(HOST, port)
    try:
        status, _, _ = await conn.request(
            "GET", "/api/v1/tasks?limit=1", headers=auth_headers(user.token)
        )
    finally:
        conn.close()
    return status == 200


async def create_tasks(
    port: int, users: list[BenchUser], *, low: int = 20, high: int = 50, parallel: int = 16
) -> int:
    """Give each user between `low` and `high` tasks (seeded, so every run has the same data).

    A few users at a time, and a 503 (the pool was busy) is retried: seeding is not measured.
    """
    rng = random.Random(2026)
    counts = [rng.randint(low, high) for _ in users]
    gate = asyncio.Semaphore(parallel)

    async def worker(user: BenchUser, n: int) -> None:
        async with gate:
            await _seed(user, n)

    async def _seed(user: BenchUser, n: int) -> None:
        conn = Connection(HOST, port)
        headers = auth_headers(user.token, json_content=True)
        try:
            for i in range(n):
                body = json_body(
                    {
                        "title": f"Task {i} of {user.email.split('@')[0]}",
                        "description": "Seeded by the benchmark" if i % 2 else None,
                        "priority": ["none", "low", "medium", "high"][i % 4],
                        "tags": [["work"], ["home", "later"], []][i % 3],
                    }
                )
                for _attempt in range(5):
                    status, _, payload = await conn.request(
                        "POST", "/api/v1/tasks", headers=headers, body=body
                    )
                    if status != 503:
                        break
                    await asyncio.sleep(1)
                if status != 201:
                    raise RuntimeError(f"task creation failed with {status}: {payload[:200]!r}")
                user.task_ids.append(json.loads(payload)["id"])
        finally:
            conn.close()

    await asyncio.gather(*(worker(u, n) for u, n in zip(users, counts, strict=True)))
    return sum(counts)
