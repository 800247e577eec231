"""Email latency: from the forgot-password request to acceptance by a local SMTP server.

An aiosmtpd sink on 127.0.0.1 records when each message arrives; the app runs with
EMAIL_BACKEND=smtp against it, its outbox dispatcher working as in production.
"""

from __future__ import annotations

import asyncio
import time
from email import message_from_bytes
from typing import Any

from loadgen import HOST, percentile
from population import create_users
from rawhttp import JSON_HEADERS, Connection, json_body


class SinkHandler:
    """Records the arrival time of every message by recipient."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        message = message_from_bytes(envelope.content)
        subject = str(message.get("Subject", ""))
        for rcpt in envelope.rcpt_tos:
            self.arrivals.setdefault(rcpt.lower(), []).append(now)
        self.messages += 1
        _ = subject
        return "250 OK"


def start_sink(port: int) -> tuple[Any, SinkHandler]:
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


async def measure(
    port: int, handler: SinkHandler, *, resets: int = 200, rate: float = 10.0
) -> dict[str, Any]:
    """Sign `resets` users up, then ask a reset for each at `rate` per second."""
    users = await create_users(port, resets)
    sent: dict[str, float] = {}
    statuses: dict[int, int] = {}
    conn = Connection(HOST, port)
    t0 = time.perf_counter()
    try:
        for i, user in enumerate(users):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[user.email.lower()] = time.perf_counter()
            status, _, _ = await conn.request(
                "POST",
                "/api/v1/auth/forgot-password",
                headers=JSON_HEADERS,
                body=json_body({"email": user.email}),
            )
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        conn.close()
    deadline = time.perf_counter() + 90
    while time.perf_counter() < deadline and not all(e in handler.arrivals for e in sent):
        await asyncio.sleep(0.1)
    latencies = sorted(handler.arrivals[e][0] - t for e, t in sent.items() if e in handler.arrivals)
    duplicates = sum(1 for e in sent if len(handler.arrivals.get(e, [])) > 1)
    return {
        "resets": resets,
        "request_rate": rate,
        "statuses": statuses,
        "delivered": len(latencies),
        "duplicates": duplicates,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
    }
