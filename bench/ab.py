"""Interleaved A/B of two backend trees on one database: the only fair comparison on a shared box.

    python ab.py /tmp/abA/backend /tmp/abB/backend list --rounds 3

Each round starts variant A, runs the workload, stops it, then the same for B, on the same
SQLite database (seeded once), and prints req/s, p50/p99 and the server's CPU ms per request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import uvloop

from loadgen import run_workload
from population import create_tasks, create_users
from servers import create_database, drop_database, start_app


async def main_async(args: argparse.Namespace) -> None:
    db = await create_database("sqlite", None)
    results: dict[str, list[tuple[float, float, float, float]]] = {"A": [], "B": []}
    users = None
    port = 8141
    try:
        for _ in range(args.rounds):
            for variant, tree in (("A", args.a), ("B", args.b)):
                os.environ["BENCH_BACKEND_DIR"] = tree
                server = start_app(db.url, port=port, workers=1, migrate=users is None)
                try:
                    await server.wait_healthy()
                    if users is None:
                        users = await create_users(port, args.users, parallel=4)
                        await create_tasks(port, users)
                    cpu0 = server.cpu_seconds()
                    r = await run_workload(args.workload, port, users, duration=10, warmup=2)
                    cpu = 1000 * (server.cpu_seconds() - cpu0) / max(1, r["completed_total"])
                    row = (r["rps"], r["p50_ms"], r["p99_ms"], round(cpu, 2))
                    results[variant].append(row)
                    print(variant, row, "load", os.getloadavg()[0], flush=True)
                finally:
                    server.stop()
    finally:
        await drop_database(db, None)
    print(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("workload", choices=["list", "mixed", "health"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main_async(args), loop_factory=uvloop.new_event_loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
