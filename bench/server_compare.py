"""uvicorn (uvloop + httptools, as `todo-api serve` runs it) against granian, on measurements.

    pip install --target bench/.work/granian granian     # not a project dependency
    python server_compare.py [--postgres] [--rounds 2]

One worker each, the same app and database, the same load generator: the bare-ASGI ceiling
and the `list` workload at 100 users, alternating the two servers round by round (on a shared
machine only an interleaved comparison means anything). Prints req/s, p50/p99 and the server's
CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time

import uvloop

from loadgen import run_workload
from population import create_tasks, create_users
from servers import (
    BENCH_DIR,
    WORK_DIR,
    Server,
    _die_with_parent,
    backend_dir,
    base_env,
    child_pids,
    create_database,
    drop_database,
    start_app,
    start_ceiling,
)

GRANIAN_DIR = WORK_DIR / "granian"


class GranianServer(Server):
    """granian's main process supervises; the requests are served by its child processes."""

    def worker_pids(self) -> list[int]:
        return child_pids(self.proc.pid) or [self.proc.pid]


def start_granian(target: str, *, port: int, cwd: str, env: dict[str, str]) -> Server:
    """granian serving an ASGI app (`module:attr`, a factory for the app), one worker, uvloop."""
    env = {**env, "PYTHONPATH": os.pathsep.join([str(GRANIAN_DIR), env.get("PYTHONPATH", "")])}
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--workers", "1", "--loop", "uvloop", "--no-ws"]
    argv += ["--log-level", "warning", target]
    if target.startswith("app."):
        argv.append("--factory")
    log_path = WORK_DIR / f"granian-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )
    return GranianServer(proc, port, 1, time.perf_counter(), log_path)


async def measure(server: Server, workload: str, users: list, health: str) -> tuple:
    await server.wait_healthy(health)
    cpu0 = server.cpu_seconds()
    r = await run_workload(workload, server.port, users, duration=10, warmup=2)
    cpu = 1000 * (server.cpu_seconds() - cpu0) / max(1, r["completed_total"])
    return r["rps"], r["p50_ms"], r["p99_ms"], round(cpu, 3)


async def main_async(args: argparse.Namespace) -> None:
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    db = await create_database("postgres" if args.postgres else "sqlite", admin)
    port = 8160
    results: dict[str, list[tuple]] = {}
    try:
        seed = start_app(db.url, port=port, workers=1, migrate=True)
        try:
            await seed.wait_healthy()
            users = await create_users(port, 100, parallel=4)
            await create_tasks(port, users)
        finally:
            seed.stop()
        app_env = base_env(DATABASE_URL=db.url, WORKERS="1")
        app_env["PYTHONPATH"] = str(backend_dir())
        for _ in range(args.rounds):
            for name, start, workload, users_, health in (
                (
                    "ceiling uvicorn",
                    lambda: start_ceiling(port=port, workers=1),
                    "ceiling",
                    [],
                    "/",
                ),
                (
                    "ceiling granian",
                    lambda: start_granian(
                        "ceiling:app", port=port, cwd=str(BENCH_DIR), env=dict(os.environ)
                    ),
                    "ceiling",
                    [],
                    "/",
                ),
                (
                    "list uvicorn",
                    lambda: start_app(db.url, port=port, workers=1, migrate=False),
                    "list",
                    users,
                    "/health",
                ),
                (
                    "list granian",
                    lambda: start_granian(
                        "app.main:create_app", port=port, cwd=str(backend_dir()), env=app_env
                    ),
                    "list",
                    users,
                    "/health",
                ),
            ):
                server = start()
                try:
                    row = await measure(server, workload, users_, health)
                finally:
                    server.stop()
                results.setdefault(name, []).append(row)
                print(f"{name}: {row[0]} rps, p50 {row[1]} p99 {row[2]} ms, CPU {row[3]} ms/req")
    finally:
        await drop_database(db, admin)
    print("(rps, p50 ms, p99 ms, server CPU ms/request) per round:")
    for name, rows in results.items():
        print(f"  {name}: {rows}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not (GRANIAN_DIR / "granian").is_dir():
        print(f"granian is not installed: pip install --target {GRANIAN_DIR} granian")
        return 2
    asyncio.run(main_async(args), loop_factory=uvloop.new_event_loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
