"""Workloads and their statistics: `list`, `mixed`, `auth`, `health` and `ceiling`.

Each workload runs N virtual users (one keep-alive connection each) against a server on
127.0.0.1 for a bounded time and a bounded number of requests. Closed loop (a user sends its
next request when the previous one answered) except `auth`, which is open loop at a fixed
arrival rate, and whose latency is taken from each request's *scheduled* start so that a slow
server cannot hide its queueing (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rawhttp import JSON_HEADERS, Connection, HTTPError, auth_headers, json_body

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0


@dataclass
class BenchUser:
    email: str
    password: str
    token: str
    task_ids: list[str] = field(default_factory=list)


@dataclass
class Recorder:
    """Latencies (seconds) of measured requests and the errors seen, by operation."""

    latencies: list[float] = field(default_factory=list)
    by_op: dict[str, int] = field(default_factory=dict)
    op_latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    measuring: bool = False
    completed: int = 0  # every answered request, warm-up included (for CPU per request)

    def record(self, op: str, ok: bool, latency: float, what: str) -> None:
        self.completed += 1
        if not self.measuring:
            return
        self.latencies.append(latency)
        self.by_op[op] = self.by_op.get(op, 0) + 1
        self.op_latencies.setdefault(op, []).append(latency)
        if not ok:
            key = f"{op}:{what}"
            self.errors[key] = self.errors.get(key, 0) + 1


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarize(rec: Recorder, seconds: float) -> dict[str, Any]:
    values = sorted(rec.latencies)
    total = len(values)
    errors = sum(rec.errors.values())
    return {
        "requests": total,
        "seconds": round(seconds, 2),
        "rps": round(total / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(values, 0.50) * 1000, 2),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2) if values else float("nan"),
        "errors": errors,
        "error_rate": round(errors / total, 5) if total else 0.0,
        "error_kinds": dict(rec.errors),
        "by_op": dict(rec.by_op),
        "by_op_ms": {
            op: {
                "p50": round(percentile(sorted(v), 0.50) * 1000, 2),
                "p99": round(percentile(sorted(v), 0.99) * 1000, 2),
                "max": round(max(v) * 1000, 2),
            }
            for op, v in rec.op_latencies.items()
        },
    }


Op = Callable[[Connection, random.Random], Awaitable[None]]


async def _timed(
    rec: Recorder,
    conn: Connection,
    op: str,
    method: str,
    path: str,
    expect: int,
    *,
    headers: bytes = b"",
    body: bytes | None = None,
    started: float | None = None,
) -> tuple[int, dict[str, str], bytes] | None:
    t0 = started if started is not None else time.perf_counter()
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            status, hdrs, payload = await conn.request(method, path, headers=headers, body=body)
    except (HTTPError, TimeoutError) as exc:
        conn.close()
        rec.record(op, False, time.perf_counter() - t0, type(exc).__name__)
        return None
    ok = status == expect
    rec.record(op, ok, time.perf_counter() - t0, str(status))
    return status, hdrs, payload


class Workloads:
    """The operations of every workload, bound to a recorder and the prepared users."""

    def __init__(self, rec: Recorder, users: list[BenchUser], page_size: int = 20) -> None:
        self.rec = rec
        self.users = users
        self.page_size = page_size

    async def list_page(self, conn: Connection, user: BenchUser, page: int) -> None:
        pages = max(1, -(-len(user.task_ids) // self.page_size))
        offset = (page % pages) * self.page_size
        await _timed(
            self.rec,
            conn,
            "list",
            "GET",
            f"/api/v1/tasks?limit={self.page_size}&offset={offset}",
            200,
            headers=auth_headers(user.token),
        )

    async def create(self, conn: Connection, user: BenchUser, rng: random.Random) -> None:
        body = json_body(
            {
                "title": f"bench task {rng.randrange(1_000_000)}",
                "description": "created by the mixed workload",
                "priority": rng.choice(["none", "low", "medium", "high"]),
                "tags": rng.sample(["work", "home", "errands", "bench", "later"], 2),
            }
        )
        result = await _timed(
            self.rec,
            conn,
            "create",
            "POST",
            "/api/v1/tasks",
            201,
            headers=auth_headers(user.token, json_content=True),
            body=body,
        )
        if result and result[0] == 201:
            user.task_ids.append(json.loads(result[2])["id"])

    async def update(self, conn: Connection, user: BenchUser, rng: random.Random) -> None:
        if not user.task_ids:
            await self.create(conn, user, rng)
            return
        task_id = rng.choice(user.task_ids)
        change = (
            {"completed": rng.random() < 0.5}
            if rng.random() < 0.5
            else {"priority": rng.choice(["none", "low", "medium", "high"])}
        )
        await _timed(
            self.rec,
            conn,
            "update",
            "PATCH",
            f"/api/v1/tasks/{task_id}",
            200,
            headers=auth_headers(user.token, json_content=True),
            body=json_body(change),
        )

    async def delete(self, conn: Connection, user: BenchUser, rng: random.Random) -> None:
        if not user.task_ids:
            await self.create(conn, user, rng)
            return
        task_id = user.task_ids.pop(rng.randrange(len(user.task_ids)))
        await _timed(
            self.rec,
            conn,
            "delete",
            "DELETE",
            f"/api/v1/tasks/{task_id}",
            204,
            headers=auth_headers(user.token),
        )

    async def mixed(self, conn: Connection, user: BenchUser, rng: random.Random, i: int) -> None:
        roll = rng.random()
        if roll < 0.6:
            await self.list_page(conn, user, i)
        elif roll < 0.8:
            await self.create(conn, user, rng)
        elif roll < 0.9:
            await self.update(conn, user, rng)
        else:
            await self.delete(conn, user, rng)

    async def health(self, conn: Connection) -> None:
        await _timed(self.rec, conn, "health", "GET", "/health", 200)

    async def ceiling(self, conn: Connection) -> None:
        await _timed(self.rec, conn, "ceiling", "GET", "/api/v1/tasks?limit=20&offset=0", 200)

    async def login(self, conn: Connection, user: BenchUser, scheduled: float) -> None:
        body = json_body({"email": user.email, "password": user.password, "client": "api"})
        await _timed(
            self.rec,
            conn,
            "login",
            "POST",
            "/api/v1/auth/login",
            200,
            headers=JSON_HEADERS,
            body=body,
            started=scheduled,
        )


async def run_workload(
    name: str,
    port: int,
    users: list[BenchUser],
    *,
    concurrency: int = 100,
    duration: float = 15.0,
    warmup: float = 3.0,
    max_requests: int = 2_000_000,
    auth_rate: float = 5.0,
    seed: int = 8,
    think: float = 1.0,
) -> dict[str, Any]:
    """Run one workload; the first `warmup` seconds are not measured.

    `list-paced` and `mixed-paced` are `list` and `mixed` with people's pauses: each user waits
    between 0.5 and 1.5 times `think` seconds (uniformly) after every answer before its next
    request, and starts at a random moment of the first `think` seconds.
    """
    paced = name.endswith("-paced")
    base = name.removesuffix("-paced")
    rec = Recorder()
    work = Workloads(rec, users)
    stop_at = time.perf_counter() + warmup + duration
    issued = 0

    async def closed_loop(vu: int) -> None:
        nonlocal issued
        conn = Connection(HOST, port)
        rng = random.Random(seed * 1000 + vu)
        user = users[vu % len(users)] if users else None
        i = rng.randrange(100)
        try:
            if paced:
                await asyncio.sleep(rng.uniform(0, think))
            while time.perf_counter() < stop_at and issued < max_requests:
                issued += 1
                i += 1
                if paced:
                    if base == "list":
                        assert user is not None
                        await work.list_page(conn, user, i)
                    else:
                        assert user is not None
                        await work.mixed(conn, user, rng, i)
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
                elif name == "health":
                    await work.health(conn)
                elif name == "ceiling":
                    await work.ceiling(conn)
                elif name == "list":
                    assert user is not None
                    await work.list_page(conn, user, i)
                elif name == "mixed":
                    assert user is not None
                    await work.mixed(conn, user, rng, i)
                else:
                    raise ValueError(name)
        finally:
            conn.close()

    async def open_loop(vu: int, t0: float) -> None:
        nonlocal issued
        # Arrivals at a fixed total rate, spread over the users: user k's n-th login is due
        # at t0 + (k + n * concurrency) / rate.
        conn = Connection(HOST, port)
        user = users[vu % len(users)]
        n = 0
        try:
            while True:
                due = t0 + (vu + n * concurrency) / auth_rate
                if due >= stop_at or issued >= max_requests:
                    return
                n += 1
                issued += 1
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await work.login(conn, user, due)
        finally:
            conn.close()

    async def measure_window() -> float:
        await asyncio.sleep(warmup)
        rec.measuring = True
        started = time.perf_counter()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        rec.measuring = False
        return time.perf_counter() - started

    t0 = time.perf_counter()
    cpu0 = os.times()
    if name == "auth":
        tasks = [open_loop(vu, t0) for vu in range(concurrency)]
    else:
        tasks = [closed_loop(vu) for vu in range(concurrency)]
    window, *_ = await asyncio.gather(measure_window(), *tasks)
    cpu1 = os.times()
    elapsed = time.perf_counter() - t0
    result = summarize(rec, window)
    # How busy the generator itself was: on a 2-core machine it competes with the server.
    used = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    result["client_cpu_pct"] = round(100 * used / elapsed, 1)
    result["completed_total"] = rec.completed
    result.update(
        {"workload": name, "concurrency": concurrency, "duration_s": duration, "warmup_s": warmup}
    )
    if paced:
        result["think_s"] = think
    if name == "auth":
        result["target_rate"] = auth_rate
    return result
