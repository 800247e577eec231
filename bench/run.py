"""`make bench` / `make soak`: run the benchmark matrix and write docs/benchmarks/results.json.

    python run.py                       # full matrix: SQLite and PostgreSQL, 1 and `cores` workers
    python run.py --quick               # short runs to debug the harness
    python run.py --soak 600            # the mixed workload for 10 minutes, drift and memory

PostgreSQL runs use BENCH_DATABASE_URL (else TEST_DATABASE_URL) as an admin URL to create and
drop a throwaway database; without either, only SQLite is measured. Only 127.0.0.1 is targeted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from loadgen import run_workload
from population import create_tasks, create_users, tasks_available
from servers import ROOT, WORK_DIR, Server, create_database, drop_database, start_app, start_ceiling

RESULTS_DIR = ROOT / "docs" / "benchmarks"
WORKLOADS = ("health", "list", "mixed", "auth", "list-paced", "mixed-paced")


def snapshot_head() -> str:
    """Export the committed HEAD's backend and measure that, not a tree others are editing."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = WORK_DIR / f"src-{commit}"
    if not (target / "backend").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", "HEAD", "backend"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    os.environ["BENCH_BACKEND_DIR"] = str(target / "backend")
    return commit


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": commit,
    }


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


async def bench_database(
    kind: str, worker_counts: list[int], args: argparse.Namespace, port: int
) -> list[dict[str, Any]]:
    """One database: created and seeded once, then every worker count, every workload.

    The first start migrates the empty database (a first deployment); later starts find the
    schema current (a restart, or one more replica), so both start-up times are measured.
    """
    db = await create_database(kind, args.pg_admin_url)
    configs: list[dict[str, Any]] = []
    users: list[Any] = []
    has_tasks = False
    try:
        for index, workers in enumerate(worker_counts):
            server = start_app(db.url, port=port, workers=workers, migrate=index == 0)
            out: dict[str, Any] = {"database": kind, "workers": workers, "workloads": {}}
            configs.append(out)
            try:
                ready = round(await server.wait_healthy(), 2)
                out["time_to_healthy_s"] = ready
                out["started_with"] = "migrations" if index == 0 else "schema current"
                log(f"{kind} x{workers}: healthy after {ready} s ({out['started_with']})")
                if index == 0:
                    users = await create_users(port, args.users)
                    has_tasks = await tasks_available(port, users[0])
                    if has_tasks:
                        out["tasks_seeded"] = await create_tasks(port, users)
                await run_all(server, out, kind, workers, users, has_tasks, args, port)
                out["rss_mib_per_worker"] = server.rss_mib()
            finally:
                server.stop()
    finally:
        await drop_database(db, args.pg_admin_url)
    return configs


async def run_all(
    server: Server,
    out: dict[str, Any],
    kind: str,
    workers: int,
    users: list[Any],
    has_tasks: bool,
    args: argparse.Namespace,
    port: int,
) -> None:
    for name in WORKLOADS:
        if name.startswith(("list", "mixed")) and not has_tasks:
            out["workloads"][name] = {"workload": name, "unavailable": "no tasks endpoints"}
            continue
        la = loadavg()
        cpu0 = server.cpu_seconds()
        result = await run_workload(
            name,
            port,
            users,
            concurrency=args.concurrency,
            duration=args.duration,
            warmup=args.warmup,
            auth_rate=args.auth_rate,
            think=args.think,
        )
        result["loadavg_before"] = la
        if result["completed_total"]:
            used = server.cpu_seconds() - cpu0
            result["server_cpu_ms_per_request"] = round(1000 * used / result["completed_total"], 2)
        out["workloads"][name] = result
        log(
            f"{kind} x{workers} {name}: {result['rps']} rps, p50 {result['p50_ms']} "
            f"p95 {result['p95_ms']} p99 {result['p99_ms']} ms, errors {result['errors']}"
        )


async def bench_ceiling(workers: int, args: argparse.Namespace, port: int) -> dict[str, Any]:
    server = start_ceiling(port=port, workers=workers)
    try:
        await server.wait_healthy("/")
        cpu0 = server.cpu_seconds()
        result = await run_workload(
            "ceiling",
            port,
            [],
            concurrency=args.concurrency,
            duration=args.duration,
            warmup=args.warmup,
        )
        result["rss_mib_per_worker"] = server.rss_mib()
        used = server.cpu_seconds() - cpu0
        result["server_cpu_ms_per_request"] = round(
            1000 * used / max(1, result["completed_total"]), 3
        )
        log(
            f"ceiling x{workers}: {result['rps']} rps, p50 {result['p50_ms']} "
            f"p99 {result['p99_ms']} ms"
        )
        return result
    finally:
        server.stop()


async def bench_email(args: argparse.Namespace, port: int) -> dict[str, Any]:
    from email_latency import measure, start_sink

    smtp_port = port + 25
    controller, handler = start_sink(smtp_port)
    db = await create_database("sqlite", None)
    server = start_app(
        db.url,
        port=port,
        workers=1,
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_SECURITY="none",
    )
    try:
        await server.wait_healthy()
        result = await measure(port, handler, resets=args.resets)
        log(f"email: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result}")
        return result
    finally:
        server.stop()
        controller.stop()
        await drop_database(db, None)


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Mixed workload in consecutive windows: error rate, latency drift, memory growth."""
    kind = "postgres" if args.pg_admin_url else "sqlite"
    workers = os.cpu_count() or 1
    port = args.port
    db = await create_database(kind, args.pg_admin_url)
    server = start_app(db.url, port=port, workers=workers)
    windows = []
    try:
        await server.wait_healthy()
        users = await create_users(port, args.users)
        await create_tasks(port, users)
        rss0 = server.rss_mib()
        window = 30.0
        count = max(1, round(args.soak / window))
        for i in range(count):
            result = await run_workload(
                "mixed", port, users, concurrency=args.concurrency, duration=window, warmup=0.0
            )
            result["rss_mib_per_worker"] = server.rss_mib()
            windows.append(result)
            log(
                f"soak {i + 1}/{count}: {result['rps']} rps p50 {result['p50_ms']} "
                f"p99 {result['p99_ms']} ms errors {result['errors']} "
                f"rss {result['rss_mib_per_worker']}"
            )
    finally:
        server.stop()
        await drop_database(db, args.pg_admin_url)
    total = sum(w["requests"] for w in windows)
    errors = sum(w["errors"] for w in windows)
    return {
        "database": kind,
        "workers": workers,
        "seconds": args.soak,
        "requests": total,
        "error_rate": round(errors / total, 6) if total else None,
        "rss_start_mib": rss0,
        "rss_end_mib": windows[-1]["rss_mib_per_worker"] if windows else None,
        "windows": windows,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "make "
        + ("soak" if args.soak else "bench")
        + (" (quick)" if args.quick else ""),
        "machine": machine(),
        "loadavg_start": loadavg(),
        "settings": {
            "users": args.users,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "auth_rate": args.auth_rate,
            "think_s": args.think,
        },
    }
    if args.soak:
        return {"meta": meta, "soak": await soak(args)}
    cores = os.cpu_count() or 1
    worker_counts = [args.workers] if args.workers else sorted({1, cores})
    kinds = ["sqlite"] + (["postgres"] if args.pg_admin_url else [])
    if args.only:
        kinds = [k for k in kinds if k == args.only]
    results: dict[str, Any] = {"meta": meta, "ceiling": {}, "configs": [], "startup": {}}
    port = args.port
    for workers in worker_counts:
        results["ceiling"][str(workers)] = await bench_ceiling(workers, args, port)
    for kind in kinds:
        results["configs"] += await bench_database(kind, worker_counts, args, port)
    if not args.skip_email:
        try:
            results["email"] = await bench_email(args, port)
        except Exception as exc:  # reported, not hidden: e.g. the outbox has not landed yet
            results["email"] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"email latency failed: {results['email']['error']}")
    meta["loadavg_end"] = loadavg()
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (harness debugging)")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--workers", type=int, help="one worker count instead of 1 and cores")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--auth-rate", type=float, default=5.0)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause of a user in the -paced workloads (s)"
    )
    parser.add_argument("--resets", type=int, default=200)
    parser.add_argument("--skip-email", action="store_true")
    parser.add_argument("--soak", type=float, default=0.0, help="soak seconds (mixed workload)")
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--live", action="store_true", help="measure the working tree instead of HEAD's snapshot"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.resets = 5.0, 1.0, 40
    args.pg_admin_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (timeout, an interrupted make) unwinds like Ctrl-C: servers and databases are cleaned.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    import uvloop

    source = "working tree" if args.live else f"snapshot of {snapshot_head()}"
    log(f"measuring the backend from the {source}")
    started = time.perf_counter()
    results = asyncio.run(main_async(args), loop_factory=uvloop.new_event_loop)
    results["meta"]["wall_seconds"] = round(time.perf_counter() - started, 1)
    results["meta"]["backend_source"] = source
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    default = "soak.json" if args.soak else ("quick.json" if args.quick else "results.json")
    output = args.output or RESULTS_DIR / default
    output.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    if not args.quick:
        from report import write_report, write_soak

        if args.soak:
            write_soak(results)
        else:
            write_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
