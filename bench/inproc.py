"""Per-request cost of one endpoint, in process: the app driven as a bare ASGI callable.

    python inproc.py [--postgres] [--requests 2000] [--path "/api/v1/tasks?limit=20"]

No server, no sockets, no load generator: one request after another straight into the ASGI
app (the working tree's `backend/`), so the CPU time per request is the app's own, including
its database driver but not the database server. This is the quick, low-noise way to see
what a code change buys before confirming it with `make bench`; it measures cost, not
behaviour under concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

import uvloop

from servers import BENCH_SECRET, backend_dir, create_database, drop_database

PASSWORD = "bench password 2026 correct horse"


def _settings_env(url: str) -> None:
    os.environ.update(
        {
            "ENVIRONMENT": "test",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "LOG_FORMAT": "text",
            "JWT_SECRET_KEY": BENCH_SECRET,
            "RATE_LIMIT_ENABLED": "false",
            "EMAIL_BACKEND": "console",
            "EMAIL_DISPATCHER_ENABLED": "false",
            "DATABASE_URL": url,
        }
    )


class Caller:
    """Sends one HTTP request into an ASGI app and collects the response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(
        self, method: str, target: str, *, token: str | None = None, body: Any = None
    ) -> tuple[int, bytes]:
        path, _, query = target.partition("?")
        headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"inproc")]
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(payload)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": payload, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def main_async(args: argparse.Namespace) -> None:
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    db = await create_database("postgres" if args.postgres else "sqlite", admin)
    _settings_env(db.url)
    from app.cli import run_migrations
    from app.main import create_app

    await asyncio.to_thread(run_migrations, db.url)
    app = create_app()
    call = Caller(app)
    try:
        async with app.router.lifespan_context(app):
            status, body = await call(
                "POST",
                "/api/v1/auth/signup",
                body={"email": "inproc@example.com", "password": PASSWORD, "client": "api"},
            )
            assert status == 201, body
            token = json.loads(body)["access_token"]
            for i in range(args.tasks):
                status, body = await call(
                    "POST",
                    "/api/v1/tasks",
                    token=token,
                    body={
                        "title": f"Task {i}",
                        "description": "Seeded" if i % 2 else None,
                        "tags": [["work"], ["home", "later"], []][i % 3],
                    },
                )
                assert status == 201, body
            for _ in range(args.requests // 10):  # warm caches: statements, prepared plans
                await call("GET", args.path, token=token)
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.requests):
                    await call("GET", args.path, token=token)
                profiler.disable()
                stats = pstats.Stats(profiler)
                # Function calls per request: deterministic, unlike time on a shared machine,
                # so it tells a small change's effect where CPU time is lost in noise.
                calls = stats.total_calls / args.requests  # type: ignore[attr-defined]
                print(f"{args.path} on {db.kind}: {calls:,.0f} Python function calls per request")
                if args.profile != "calls":
                    stats.sort_stats(args.profile).print_stats(60)
                return
            per_round: list[float] = []
            wall: list[float] = []
            for _round in range(args.rounds):
                cpu0 = time.process_time()
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    status, body = await call("GET", args.path, token=token)
                    wall.append(time.perf_counter() - t0)
                    assert status == 200, body
                per_round.append((time.process_time() - cpu0) / args.requests)
            # The machine's noise only ever adds time: the best round is the most repeatable.
            print(
                f"{args.path} on {db.kind}: CPU per request min {1e6 * min(per_round):,.0f} us, "
                f"median {1e6 * statistics.median(per_round):,.0f} us over {args.rounds} rounds "
                f"of {args.requests}; wall p50 {1e6 * statistics.median(wall):,.0f} us",
                flush=True,
            )
    finally:
        await drop_database(db, admin)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=35)
    parser.add_argument("--path", default="/api/v1/tasks?limit=20")
    parser.add_argument(
        "--profile", choices=["calls", "cumulative", "tottime"], help="cProfile instead"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(backend_dir()))
    asyncio.run(main_async(args), loop_factory=uvloop.new_event_loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
