"""Profile a workload with py-spy (sampling, out of process): where does a request's time go?

    python pyspy.py list [--live] [--seconds 15]

Starts one worker on SQLite (or PostgreSQL with --postgres), seeds users and tasks, samples the
worker with `py-spy record` while the workload runs, then prints the functions with the most
samples: self time (the leaf frame) and inclusive time grouped by package.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import subprocess
import sys
from pathlib import Path

import uvloop

from loadgen import run_workload
from population import create_tasks, create_users
from run import snapshot_head
from servers import VENV_BIN, WORK_DIR, create_database, drop_database, start_app


def summarize(collapsed: Path, top: int = 25) -> str:
    self_time: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        self_time[_short(frames[-1])] += count
        for name in {_short(f) for f in frames}:
            inclusive[name] += count
    out = [f"{total} samples", "", "self time:"]
    out += [f"  {100 * c / total:5.1f}%  {name}" for name, c in self_time.most_common(top)]
    out += ["", "inclusive time:"]
    out += [f"  {100 * c / total:5.1f}%  {name}" for name, c in inclusive.most_common(top * 2)]
    return "\n".join(out)


def _short(frame: str) -> str:
    # py-spy frames look like "function (path/to/module.py:123)"
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/backend/", "lib/python3.13/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} [{path}]"


async def main_async(args: argparse.Namespace) -> None:
    port = 8130
    admin = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    kind = "postgres" if args.postgres else "sqlite"
    db = await create_database(kind, admin)
    server = start_app(db.url, port=port, workers=1)
    out = WORK_DIR / f"profile-{args.workload}-{kind}.txt"
    try:
        await server.wait_healthy()
        users = await create_users(port, args.users)
        await create_tasks(port, users)
        # --gil: only samples of the thread holding the GIL, i.e. where Python time goes.
        spy = subprocess.Popen(  # noqa: ASYNC220
            [
                *(str(VENV_BIN / "py-spy"), "record", "--pid", str(server.proc.pid), "--gil"),
                *("--format", "raw", "--duration", str(int(args.seconds)), "--rate", "200"),
                *("--output", str(out)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result = await run_workload(
            args.workload, port, users, duration=args.seconds, warmup=0.5, auth_rate=5.0
        )
        spy.wait(timeout=60)
        print(f"{args.workload}: {result['rps']} rps, p50 {result['p50_ms']} ms")
        print(summarize(out))
    finally:
        server.stop()
        await drop_database(db, admin)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=["list", "mixed", "health", "auth"])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--live", action="store_true")
    args = parser.parse_args()
    if not args.live:
        snapshot_head()
    asyncio.run(main_async(args), loop_factory=uvloop.new_event_loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
