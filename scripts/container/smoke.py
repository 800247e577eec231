"""The container test's helpers, run with the backend's virtual environment.

smoke.py sink --port P --cert C --key K --maildir D
    an SMTP server on 127.0.0.1:P that requires STARTTLS (certificate C) and writes every
    message it receives to D; stands in for the mail provider of a production deployment.
smoke.py scenario --base-url URL --maildir D
    the smoke scenario over HTTP against the running container: health, signup, login,
    create and list a task, forgot-password, the reset email arriving at the sink, reset the
    password with the emailed token, log in with the new password. Exits non-zero on the
    first step that does not behave as API.md says.
smoke.py pg-create --url URL / smoke.py pg-drop --url URL
    create (printing its URL) or drop a throwaway PostgreSQL database on URL's server.
smoke.py shared-db --base-url A --base-url B
    two replicas on one database: an account made through A logs in through B, a task made
    through B is listed through A.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import re
import secrets
import signal
import ssl
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

API = "/api/v1"


def run_sink(port: int, cert: Path, key: Path, maildir: Path) -> None:
    """Serve SMTP with mandatory STARTTLS until SIGTERM; one file per received message."""
    from aiosmtpd.controller import Controller

    maildir.mkdir(parents=True, exist_ok=True)

    class SaveToDir:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
            (maildir / name).write_bytes(envelope.original_content or envelope.content)
            print(f"sink: message for {envelope.rcpt_tos} saved as {name}", flush=True)
            return "250 Message accepted for delivery"

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    controller = Controller(
        SaveToDir(),
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        server_hostname="127.0.0.1",
    )
    controller.start()
    print(f"sink: listening on 127.0.0.1:{port} (STARTTLS required)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


class ScenarioFailed(Exception):
    """A step of the smoke scenario did not get the response API.md specifies."""


def expect(response: httpx.Response, status: int, step: str) -> Any:
    if response.status_code != status:
        raise ScenarioFailed(
            f"{step}: expected {status}, got {response.status_code}: {response.text[:500]}"
        )
    print(f"ok   {step}: {response.status_code}", flush=True)
    return response.json() if response.content else None


def wait_for_reset_token(maildir: Path, address: str, timeout: float) -> str:
    """The token of the reset link in the first message the sink received for `address`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(maildir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address not in str(message.get("To", "")):
                continue
            bodies = [
                part.get_content()
                for part in message.walk()
                if part.get_content_type() in {"text/plain", "text/html"}
            ]
            for body in bodies:
                match = re.search(r"reset-password\?token=([A-Za-z0-9_\-\.~%]+)", body)
                if match:
                    print(f"ok   reset email delivered to the SMTP sink ({path.name})", flush=True)
                    return match.group(1)
            raise ScenarioFailed(f"the email to {address} has no reset-password link")
        time.sleep(0.25)
    raise ScenarioFailed(f"no email for {address} reached the SMTP sink within {timeout:.0f}s")


def run_scenario(base_url: str, maildir: Path) -> None:
    address = f"smoke-{uuid.uuid4().hex[:12]}@example.com"
    password = secrets.token_urlsafe(18)
    new_password = secrets.token_urlsafe(18)
    with httpx.Client(base_url=base_url, timeout=15.0) as client:
        health = expect(client.get("/health"), 200, "GET /health")
        if health.get("status") != "healthy" or health.get("database") != "connected":
            raise ScenarioFailed(f"/health is not healthy: {health}")
        expect(client.get("/health/live"), 200, "GET /health/live")

        body = {"email": address, "password": password, "name": "Smoke Test"}
        session = expect(client.post(f"{API}/auth/signup", json=body), 201, "signup")
        if session["user"]["email"] != address:
            raise ScenarioFailed(f"signup returned another user: {session['user']}")
        expect(client.post(f"{API}/auth/signup", json=body), 409, "signup again (email taken)")

        client.cookies.clear()  # from here on, bearer tokens only: the non-browser client path
        login = {"email": address, "password": password}
        token = expect(client.post(f"{API}/auth/login", json=login), 200, "login")["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        expect(client.get(f"{API}/auth/me", headers=auth), 200, "GET /auth/me")

        task = {"title": "Ship the container", "priority": "high", "tags": ["Deploy"]}
        created = expect(client.post(f"{API}/tasks", json=task, headers=auth), 201, "create task")
        listed = expect(client.get(f"{API}/tasks", headers=auth), 200, "list tasks")
        if [t["id"] for t in listed["items"]] != [created["id"]] or listed["total"] != 1:
            raise ScenarioFailed(f"task list does not hold exactly the new task: {listed}")
        expect(client.get(f"{API}/tasks"), 401, "list tasks without credentials")

        forgot = client.post(f"{API}/auth/forgot-password", json={"email": address})
        known = expect(forgot, 202, "forgot-password (existing account)")
        unknown_address = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com"}
        unknown = client.post(f"{API}/auth/forgot-password", json=unknown_address)
        if expect(unknown, 202, "forgot-password (unknown account)") != known:
            raise ScenarioFailed("forgot-password answers differ for known and unknown emails")

        reset_token = wait_for_reset_token(maildir, address, timeout=30.0)
        validate = client.post(f"{API}/auth/reset-password/validate", json={"token": reset_token})
        expect(validate, 204, "reset token validates")
        reset = {"token": reset_token, "new_password": new_password}
        expect(client.post(f"{API}/auth/reset-password", json=reset), 204, "reset password")
        expect(client.post(f"{API}/auth/reset-password", json=reset), 400, "reset token reused")
        expect(client.post(f"{API}/auth/login", json=login), 401, "login with the old password")
        login["password"] = new_password
        expect(client.post(f"{API}/auth/login", json=login), 200, "login with the new password")
    print("smoke scenario passed", flush=True)


def _admin_connect(url: Any, database: str) -> Any:
    import asyncpg

    return asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        database=database,
    )


def create_database(admin_url: str) -> str:
    """A fresh database on admin_url's server; returns its URL (same credentials)."""
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    name = f"container_test_{uuid.uuid4().hex[:10]}"

    async def run() -> None:
        conn = await _admin_connect(url, url.database or "postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    """Drop the throwaway database, closing what still connects to it."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)

    async def run() -> None:
        conn = await _admin_connect(url, "postgres")
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(run())


def run_shared_db(base_urls: list[str]) -> None:
    first, second = base_urls
    address = f"replicas-{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": address, "password": secrets.token_urlsafe(18)}
    with httpx.Client(base_url=first, timeout=15.0) as a, httpx.Client(base_url=second) as b:
        expect(a.post(f"{API}/auth/signup", json=body), 201, "signup through replica A")
        token = expect(b.post(f"{API}/auth/login", json=body), 200, "login through replica B")
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        task = {"title": "Made on B"}
        created = expect(b.post(f"{API}/tasks", json=task, headers=auth), 201, "task on B")
        listed = expect(a.get(f"{API}/tasks", headers=auth), 200, "list on A")
        if [t["id"] for t in listed["items"]] != [created["id"]]:
            raise ScenarioFailed(f"replica A does not see the task made on B: {listed}")
    print("shared database scenario passed", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sink = sub.add_parser("sink")
    sink.add_argument("--port", type=int, required=True)
    sink.add_argument("--cert", type=Path, required=True)
    sink.add_argument("--key", type=Path, required=True)
    sink.add_argument("--maildir", type=Path, required=True)
    scenario = sub.add_parser("scenario")
    scenario.add_argument("--base-url", required=True)
    scenario.add_argument("--maildir", type=Path, required=True)
    for name in ("pg-create", "pg-drop"):
        sub.add_parser(name).add_argument("--url", required=True)
    shared = sub.add_parser("shared-db")
    shared.add_argument("--base-url", action="append", required=True)
    args = parser.parse_args()
    if args.command == "sink":
        run_sink(args.port, args.cert, args.key, args.maildir)
        return 0
    if args.command == "pg-create":
        print(create_database(args.url))
        return 0
    if args.command == "pg-drop":
        drop_database(args.url)
        return 0
    try:
        if args.command == "shared-db":
            run_shared_db(args.base_url)
        else:
            run_scenario(args.base_url, args.maildir)
    except ScenarioFailed as failure:
        print(f"FAIL {failure}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
