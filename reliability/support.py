"""Real servers, real databases, a real SMTP sink: what the reliability tests are built from.

Every backend here is `todo-api serve` in its own process (as deployed), so a test can kill it,
cut its database off or take its Redis away, and watch it from the outside over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKEND_DIR = ROOT / "backend"
VENV_BIN = Path(sys.executable).parent
SECRET = "reliability-secret-key-long-enough-for-hs256-0123456789abcdef"
PASSWORD = "reliability correct horse battery"

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _die_with_parent() -> None:
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# ------------------------------------------------------------------ databases


@dataclass
class Database:
    """A throwaway database: a SQLite file, or a PostgreSQL database on TEST_DATABASE_URL."""

    url: str
    kind: str
    name: str
    admin_url: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgres"

    async def admin(self, sql: str) -> list[Any]:
        """Run SQL as the admin (on the server's maintenance database), return the rows."""
        import asyncpg  # type: ignore[import-untyped]

        assert self.admin_url
        conn = await asyncpg.connect(self.admin_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            return list(await conn.fetch(sql))
        finally:
            await conn.close()

    async def fetch(self, sql: str) -> list[dict[str, Any]]:
        """Rows of a query against this database, as dicts."""
        if self.is_postgres:
            import asyncpg

            conn = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql"))
            try:
                return [dict(r) for r in await conn.fetch(sql)]
            finally:
                await conn.close()
        import sqlite3

        with contextlib.closing(sqlite3.connect(self.name, timeout=30)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql).fetchall()]


async def create_database(tmp_path: Path, kind: str) -> Database:
    if kind == "sqlite":
        path = tmp_path / f"rel-{uuid.uuid4().hex[:8]}.db"
        return Database(f"sqlite+aiosqlite:///{path}", "sqlite", str(path))
    assert TEST_DATABASE_URL, "PostgreSQL needs TEST_DATABASE_URL"
    name = f"reliability_{uuid.uuid4().hex[:10]}"
    db = Database("", "postgres", name, admin_url=TEST_DATABASE_URL)
    await db.admin(f'CREATE DATABASE "{name}"')
    db.url = TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    if db.url.startswith("postgresql://"):
        db.url = db.url.replace("postgresql://", "postgresql+asyncpg://", 1)
    return db


async def drop_database(db: Database) -> None:
    if db.is_postgres:
        with contextlib.suppress(Exception):
            await db.admin(f'ALTER DATABASE "{db.name}" ALLOW_CONNECTIONS true')
        await db.admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


# ------------------------------------------------------------------ servers


@dataclass
class Backend:
    """One `todo-api serve` process (a replica); `workers` > 1 makes it a uvicorn master."""

    proc: subprocess.Popen[bytes]
    port: int
    workers: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("timeout", 15.0)
        return httpx.AsyncClient(base_url=self.url, **kwargs)

    async def wait_healthy(self, timeout: float = 180.0) -> float:
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() - started < timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"backend exited {self.proc.returncode}:\n{self.log()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/health")).status_code == 200:
                        return time.monotonic() - started
                await asyncio.sleep(0.1)
        raise TimeoutError(f"backend not healthy in {timeout}s:\n{self.log()}")

    def worker_pids(self) -> list[int]:
        if self.workers == 1:
            return [self.proc.pid]
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid and b"spawn_main" in cmdline:
                pids.append(int(entry.name))
        return sorted(pids)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_backend(
    database_url: str, log_dir: Path, *, workers: int = 1, migrate: bool = True, **env: str
) -> Backend:
    port = free_port()
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DATABASE_", "REDIS_"))
    }
    full_env.update(
        {
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
            "JWT_SECRET_KEY": SECRET,
            "FRONTEND_URL": "http://localhost:3000",
            "EMAIL_BACKEND": "console",
            "RATE_LIMIT_ENABLED": "false",
            "DATABASE_URL": database_url,
        }
    )
    full_env.update(env)
    log_path = log_dir / f"backend-{port}.log"
    argv = [str(VENV_BIN / "todo-api"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers)] + (["--migrate"] if migrate else [])
    proc = subprocess.Popen(
        argv,
        cwd=BACKEND_DIR,
        env=full_env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    return Backend(proc, port, workers, log_path, full_env)


# ------------------------------------------------------------------ SMTP sink


@dataclass
class SmtpSink:
    """An aiosmtpd server recording every accepted message (a real SMTP server, not a mock)."""

    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    controller: Any = None
    delay: float = 0.0  # seconds each transaction takes, to widen the window of a send

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        self.messages.append(
            {
                "to": [r.lower() for r in envelope.rcpt_tos],
                "subject": str(message.get("Subject", "")),
                "message_id": str(message.get("Message-ID", "")),
                "at": time.monotonic(),
            }
        )
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def count_to(self, email: str) -> int:
        return sum(1 for m in self.messages if email.lower() in m["to"])


@contextlib.contextmanager
def smtp_sink(port: int | None = None) -> Iterator[SmtpSink]:
    sink = SmtpSink(port or free_port())
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT": "5",
        "EMAIL_DISPATCH_INTERVAL_SECONDS": "0.5",
    }


# ------------------------------------------------------------------ API helpers


async def signup(client: httpx.AsyncClient, email: str | None = None) -> dict[str, Any]:
    email = email or f"rel-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "client": "api"}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["email"] = email
    return body


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def wait_until(predicate: Any, timeout: float, interval: float = 0.2) -> bool:
    """Poll an (async or sync) predicate until true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        await asyncio.sleep(interval)
    return False


# ------------------------------------------------------------------ a database you can unplug


class TcpProxy:
    """A TCP relay in front of PostgreSQL; `cut()` is what a server restart looks like to the app.

    Cutting resets every relayed connection and stops listening, so in-flight queries fail and
    new connections are refused, exactly as while PostgreSQL restarts; `restore()` listens
    again on the same port. The shared PostgreSQL server itself is never touched.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update({writer, up_writer})

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start()

    def url_for(self, database_url: str) -> str:
        """The same database URL, through the proxy."""
        from sqlalchemy.engine import make_url

        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )
