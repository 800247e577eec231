"""Start and stop the servers under test; databases for them; time-to-healthy; RSS per worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rawhttp import Connection, HTTPError

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# The backend under test: the working tree, or a snapshot of a commit (see run.py --live).
BACKEND_DIR = ROOT / "backend"
WORK_DIR = BENCH_DIR / ".work"
VENV_BIN = Path(sys.executable).parent
BENCH_SECRET = "bench-secret-key-that-is-long-enough-for-hs256-0123456789abcdef"


def backend_dir() -> Path:
    return Path(os.environ.get("BENCH_BACKEND_DIR") or BACKEND_DIR)


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the bench process dies, however it dies."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def base_env(**extra: str) -> dict[str, str]:
    """The environment of every app server under test (rate limits off: we measure, not limit)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DATABASE_"))}
    env.update(
        {
            "ENVIRONMENT": "test",
            # As deployed: an access-log line (JSON) per request, into the server's log file.
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json",
            "JWT_SECRET_KEY": BENCH_SECRET,
            "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
            "RATE_LIMIT_ENABLED": "false",
            "EMAIL_BACKEND": "console",
            "FRONTEND_URL": "http://localhost:3000",
        }
    )
    env.update(extra)
    return env


def child_pids(parent: int, marker: bytes = b"") -> list[int]:
    """The processes whose parent is `parent` (and whose command line holds `marker`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and marker in cmdline:
            pids.append(int(entry.name))
    return sorted(pids)


@dataclass
class Server:
    """A server process (uvicorn master, or the single worker when WORKERS=1)."""

    proc: subprocess.Popen[bytes]
    port: int
    workers: int
    started_at: float
    log_path: Path
    ready_seconds: float | None = None
    extra: dict[str, str] = field(default_factory=dict)

    async def wait_healthy(self, path: str = "/health", timeout: float = 180.0) -> float:
        """Seconds from process start to the first 200 on `path`."""
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode}; see {self.log_path}"
                )
            conn = Connection("127.0.0.1", self.port)
            try:
                status, _, _ = await conn.request("GET", path)
                if status == 200:
                    self.ready_seconds = time.perf_counter() - self.started_at
                    return self.ready_seconds
            except HTTPError:
                pass
            finally:
                conn.close()
            await asyncio.sleep(0.02)
        raise TimeoutError(f"server not healthy within {timeout}s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the children uvicorn spawned, or the process."""
        if self.workers == 1:
            return [self.proc.pid]
        return child_pids(self.proc.pid, b"spawn_main")

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the serving processes (from /proc/<pid>/stat).

        CPU per request hardly depends on how busy the rest of the machine is, unlike
        throughput and latency: the steadier figure for before/after comparisons.
        """
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def rss_mib(self) -> list[float]:
        """Resident set size of each worker, MiB, from /proc/<pid>/status."""
        out = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(round(int(line.split()[1]) / 1024, 1))
            except OSError:
                continue
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_app(
    database_url: str, *, port: int, workers: int, migrate: bool = True, **extra: str
) -> Server:
    """`todo-api serve` exactly as deployed (uvicorn, WORKERS processes)."""
    WORK_DIR.mkdir(exist_ok=True)
    log_path = WORK_DIR / f"server-{port}.log"
    env = base_env(DATABASE_URL=database_url, WORKERS=str(workers), PORT=str(port), **extra)
    env["PYTHONPATH"] = str(backend_dir())  # ahead of the venv's editable install of the tree
    argv = [str(VENV_BIN / "todo-api"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers)]
    if migrate:
        argv.append("--migrate")
    log = log_path.open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=backend_dir(),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    return Server(proc, port, workers, started, log_path, extra=extra)


def start_ceiling(*, port: int, workers: int) -> Server:
    WORK_DIR.mkdir(exist_ok=True)
    log_path = WORK_DIR / f"ceiling-{port}.log"
    argv = [sys.executable, str(BENCH_DIR / "ceiling.py"), "--port", str(port)]
    argv += ["--workers", str(workers)]
    log = log_path.open("wb")
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=BENCH_DIR, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )
    return Server(proc, port, workers, started, log_path)


# ------------------------------------------------------------------ databases


@dataclass
class Database:
    url: str
    kind: str
    name: str


async def _pg_admin(admin_url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(kind: str, pg_admin_url: str | None) -> Database:
    """A fresh, empty database (migrated by the server's --migrate)."""
    if kind == "sqlite":
        WORK_DIR.mkdir(exist_ok=True)
        path = WORK_DIR / f"bench-{uuid.uuid4().hex[:8]}.db"
        return Database(f"sqlite+aiosqlite:///{path}", "sqlite", str(path))
    assert pg_admin_url, "PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL"
    name = f"bench_{uuid.uuid4().hex[:10]}"
    await _pg_admin(pg_admin_url, f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    return Database(f"{base}/{name}", "postgres", name)


async def drop_database(db: Database, pg_admin_url: str | None) -> None:
    if db.kind == "sqlite":
        for suffix in ("", "-wal", "-shm", ".migrate.lock"):
            Path(db.name + suffix).unlink(missing_ok=True)
        return
    assert pg_admin_url
    await _pg_admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
