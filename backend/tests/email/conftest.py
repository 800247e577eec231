"""Email fixtures: a real SMTP server (aiosmtpd, with STARTTLS/TLS and AUTH), a local HTTP
server posing as an email API, raw log capture, and helpers to read what was delivered."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as MimeMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import col

from app.models.email import EmailOutbox

SMTP_USER = "mailer"
SMTP_PASSWORD = "smtp-Pa55word-do-not-log"
HTTP_API_KEY = "re_test_api_key_do_not_log_123"
# Tests that drive the dispatcher by hand, step by step, turn its loop off.
MANUAL: dict[str, Any] = {"email_dispatcher_enabled": False}
LINK = re.compile(r"http://localhost:3000/reset-password\?token=([A-Za-z0-9_-]+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------ SMTP


class Mailbox:
    """The aiosmtpd handler: keeps accepted messages; can answer DATA with queued replies."""

    def __init__(self) -> None:
        self.messages: list[MimeMessage] = []
        self.envelopes: list[Envelope] = []
        self.replies: list[str] = []
        self.auth_logins: list[str] = []
        self.stall_seconds = 0.0

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
            return "451 4.3.0 Too slow"
        if self.replies:
            return self.replies.pop(0)
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, MimeMessage)
        self.envelopes.append(envelope)
        self.messages.append(parsed)
        return "250 2.0.0 OK"

    def authenticate(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == SMTP_USER.encode()
            and data.password == SMTP_PASSWORD.encode()
        )
        if ok:
            self.auth_logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[MimeMessage]:
        """Wait until `count` messages arrived; fail the test otherwise."""
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                await asyncio.sleep(0.02)
        return self.messages


@dataclass
class SmtpServer:
    """An aiosmtpd server on a fixed port, startable later (to simulate an outage)."""

    port: int
    ca_file: Path
    server_context: ssl.SSLContext
    mailbox: Mailbox = field(default_factory=Mailbox)
    controller: Controller | None = None

    def start(self, *, security: str = "starttls", auth: bool = True) -> None:
        kwargs: dict[str, Any] = {}
        if security == "starttls":
            kwargs.update(tls_context=self.server_context, require_starttls=True)
        elif security == "tls":
            kwargs.update(ssl_context=self.server_context)
        if auth:
            kwargs.update(
                authenticator=self.mailbox.authenticate,
                auth_required=True,
                # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS socket is one anyway.
                auth_require_tls=security == "starttls",
            )
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self, security: str = "starttls", auth: bool = True) -> dict[str, Any]:
        """App settings that point at this server."""
        values: dict[str, Any] = {
            "email_backend": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": security,
            "smtp_ca_file": str(self.ca_file),
            "smtp_timeout": 5.0,
            "smtp_from_email": "no-reply@todo.test",
            "email_dispatch_interval_seconds": 0.05,
        }
        if auth:
            values.update(smtp_username=SMTP_USER, smtp_password=SMTP_PASSWORD)
        return values


@pytest.fixture(scope="session")
def tls_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA and a server certificate for 127.0.0.1; the app trusts the CA file."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca_file, server_context


@pytest.fixture
def smtp_server(tls_ca: tuple[Path, ssl.SSLContext]) -> Iterator[SmtpServer]:
    """An SMTP server that is not started yet: tests call .start() (or leave it down)."""
    ca_file, context = tls_ca
    server = SmtpServer(port=free_port(), ca_file=ca_file, server_context=context)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    """A running SMTP server requiring STARTTLS and AUTH."""
    smtp_server.start()
    return smtp_server


# ------------------------------------------------------------------ HTTP email API


@dataclass
class ApiRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class EmailApiServer:
    """A local HTTP server standing in for Resend/SendGrid; records requests, replies as told."""

    def __init__(self) -> None:
        self.requests: list[ApiRequest] = []
        self.statuses: list[int] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                recorder.requests.append(
                    ApiRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, payload)
                )
                status = recorder.statuses.pop(0) if recorder.statuses else 200
                body = json.dumps({"id": "msg_1"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[ApiRequest]:
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                await asyncio.sleep(0.02)
        return self.requests


@pytest.fixture
def email_api() -> Iterator[EmailApiServer]:
    server = EmailApiServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


# ------------------------------------------------------------------ logs


class RawLogs(logging.Handler):
    """Every record as first emitted, before any redacting handler could rewrite it."""

    WATCHED = ("app", "aiosmtplib", "httpx", "uvicorn", "sqlalchemy")

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        extras = {k: v for k, v in record.__dict__.items() if k not in ("msg", "args")}
        self.lines.append(f"{record.getMessage()} {extras!r}")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def raw_logs() -> Iterator[RawLogs]:
    # Our loggers at DEBUG; the libraries' keep the levels the app configures.
    handler = RawLogs()
    loggers = [logging.getLogger(name) for name in RawLogs.WATCHED]
    app_logger = loggers[0]
    app_level = app_logger.level
    app_logger.setLevel(logging.DEBUG)
    for lg in loggers:
        lg.addHandler(handler)
    try:
        yield handler
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
        app_logger.setLevel(app_level)


# ------------------------------------------------------------------ helpers


def parts(message: MimeMessage) -> tuple[str, str]:
    """(text, html) of a multipart/alternative message, checking the structure on the way."""
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = list(message.iter_parts())
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    return str(text_part.get_content()), str(html_part.get_content())


def reset_token_from(message: MimeMessage) -> str:
    """The token of the reset link, which both parts must carry identically."""
    text, html = parts(message)
    text_link = LINK.search(text)
    html_link = LINK.search(html)
    assert text_link
    assert html_link
    assert text_link.group(1) == html_link.group(1)
    return text_link.group(1)


async def deliver_pending(app: FastAPI, timeout: float = 10.0) -> int:
    """Let the dispatcher run until nothing is due: forgot-password requests are resolved into
    emails on one pass and sent on the next. Rows the app's own dispatcher loop (when it runs)
    holds are waited for."""
    total = 0
    async with asyncio.timeout(timeout):
        while True:
            if handled := await app.state.email_dispatcher.run_once():
                total += handled
                continue
            async with app.state.sessionmaker() as session:
                in_flight = await session.scalar(
                    select(func.count())
                    .select_from(EmailOutbox)
                    .where(
                        col(EmailOutbox.status) == "pending",
                        col(EmailOutbox.claim_token).is_not(None),
                    )
                )
            if not in_flight:
                return total
            await asyncio.sleep(0.02)
