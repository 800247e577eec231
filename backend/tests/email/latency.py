"""Delivery latency of reset emails: from the forgot-password request to SMTP acceptance.

Run from backend/ (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set):

    ../.tools/bin/uv run --frozen --no-sync python -m tests.email.latency --resets 200

Each reset is one new account asking for a link; the clock starts just before the request and
stops when the real SMTP server (aiosmtpd, STARTTLS + AUTH, on 127.0.0.1) accepts the message.
`--concurrency` sends that many requests at once to see the dispatcher under a burst.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from fastapi import FastAPI
from sqlalchemy import insert

from app.core.security import hash_password
from app.models.user import User
from tests.conftest import client_for
from tests.email.conftest import Mailbox, SmtpServer

FORGOT = "/api/v1/auth/forgot-password"


class TimedMailbox(Mailbox):
    """Records when each recipient's message was accepted (perf_counter, process-wide)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted_at: dict[str, float] = {}

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        for rcpt in envelope.rcpt_tos:
            self.accepted_at[rcpt] = time.perf_counter()
        return reply


@dataclass(frozen=True)
class LatencyReport:
    count: int
    p50: float
    p95: float
    max: float

    def __str__(self) -> str:
        return (
            f"{self.count} resets: p50 {self.p50 * 1000:.0f} ms, p95 {self.p95 * 1000:.0f} ms, "
            f"max {self.max * 1000:.0f} ms"
        )


async def _create_users(app: FastAPI, emails: list[str]) -> None:
    # Straight into the table: signing up through the API would be rate-limited and slow.
    password_hash = hash_password(uuid.uuid4().hex)
    async with app.state.sessionmaker() as session:
        await session.execute(
            insert(User),
            [{"id": uuid.uuid4(), "email": e, "password_hash": password_hash} for e in emails],
        )
        await session.commit()


async def measure(
    app: FastAPI, mailbox: TimedMailbox, resets: int, concurrency: int = 1
) -> LatencyReport:
    """Time `resets` forgot-password requests until each email is accepted by the server."""
    emails = [f"lat-{uuid.uuid4().hex[:10]}@example.com" for _ in range(resets)]
    await _create_users(app, emails)
    started: dict[str, float] = {}
    semaphore = asyncio.Semaphore(concurrency)

    async def one(client: httpx.AsyncClient, address: str) -> None:
        async with semaphore:
            started[address] = time.perf_counter()
            response = await client.post(FORGOT, json={"email": address})
            assert response.status_code == 202, response.text
            async with asyncio.timeout(60):
                while address not in mailbox.accepted_at:
                    await asyncio.sleep(0.002)

    async with client_for(app) as client:
        await asyncio.gather(*(one(client, address) for address in emails))
    latencies = sorted(mailbox.accepted_at[a] - started[a] for a in emails)
    return LatencyReport(
        count=len(latencies),
        p50=statistics.median(latencies),
        p95=latencies[max(0, round(0.95 * len(latencies)) - 1)],
        max=latencies[-1],
    )


def latency_settings(smtp: SmtpServer) -> dict[str, Any]:
    """The app's defaults (1 s poll), pointed at the local server, with room for many resets."""
    settings = smtp.settings()
    settings.update(
        email_dispatch_interval_seconds=1.0,
        password_reset_limit_per_ip="1000000/hour",
        password_reset_global_limit="1000000/hour",
    )
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resets", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(_run(args.resets, args.concurrency))


async def _run(resets: int, concurrency: int) -> None:
    import ssl

    import trustme
    from asgi_lifespan import LifespanManager

    from app.cli import run_migrations
    from app.main import create_app
    from tests.conftest import TEST_DATABASE_URL, _PostgresDatabase, make_settings
    from tests.email.conftest import free_port

    with tempfile.TemporaryDirectory() as tmp:
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        ca_file = Path(tmp) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        smtp = SmtpServer(port=free_port(), ca_file=ca_file, server_context=context)
        smtp.mailbox = TimedMailbox()
        smtp.start()
        pg = _PostgresDatabase(TEST_DATABASE_URL) if TEST_DATABASE_URL else None
        if pg is not None:
            await asyncio.to_thread(pg.create)
            url = str(pg.url)
        else:
            url = f"sqlite+aiosqlite:///{tmp}/latency.db"
            await asyncio.to_thread(run_migrations, url)
        try:
            app = create_app(make_settings(url, **latency_settings(smtp)))
            async with LifespanManager(app):
                assert isinstance(smtp.mailbox, TimedMailbox)
                report = await measure(app, smtp.mailbox, resets, concurrency)
                registry = app.state.metrics.registry
                total = registry.get_sample_value(
                    "todo_email_send_duration_seconds_sum", {"backend": "smtp"}
                )
                count = registry.get_sample_value(
                    "todo_email_send_duration_seconds_count", {"backend": "smtp"}
                )
            engine = "PostgreSQL" if pg else "SQLite"
            send_ms = 1000 * (total or 0.0) / (count or 1)
            print(
                f"{engine}, STARTTLS+AUTH, concurrency {concurrency}: {report}; "
                f"SMTP session per message (connect, STARTTLS, AUTH, DATA) {send_ms:.0f} ms"
            )
        finally:
            smtp.stop()
            if pg is not None:
                await asyncio.to_thread(pg.drop)


if __name__ == "__main__":
    os.environ.setdefault("ENVIRONMENT", "test")
    main()
