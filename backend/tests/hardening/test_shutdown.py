"""Graceful shutdown through the real `todo-api serve`: SIGTERM lets in-flight requests finish."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET

TODO_API = Path(sys.executable).with_name("todo-api")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_live(base: str, proc: subprocess.Popen[bytes], timeout: float = 100.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited during startup"
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not come up")


@pytest.mark.skipif(not TODO_API.exists(), reason="todo-api entry point not installed")
@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_during_a_slow_request_finishes_it_and_exits_zero(
    database_url: str, tmp_path: Path, workers: int
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PROMETHEUS"))},
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": TEST_SECRET,
        "TEST_ROUTES_ENABLED": "true",
        "SHUTDOWN_GRACE_SECONDS": "15",
        "EMAIL_BACKEND": "console",
        "LOG_FORMAT": "json",
        "WORKERS": str(workers),
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(TODO_API), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_live(base, proc)
            result: dict[str, httpx.Response | BaseException] = {}

            def slow_request() -> None:
                try:
                    result["response"] = httpx.get(f"{base}/_test/slow?seconds=3", timeout=30)
                except BaseException as exc:
                    result["response"] = exc

            thread = threading.Thread(target=slow_request)
            thread.start()
            time.sleep(1.0)  # the request is in flight
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            if workers == 1:
                # The listening socket is closed at once: new connections are refused...
                with pytest.raises(httpx.ConnectError):
                    httpx.get(f"{base}/health/live", timeout=2)
            assert proc.poll() is None  # ...while the process waits for the slow request.
            thread.join(timeout=30)
            response = result["response"]
            assert isinstance(response, httpx.Response), response
            assert response.status_code == 200
            assert response.json() == {"slept": 3.0}
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log_path.read_text()
    assert "Waiting for application shutdown" in output or "Shutting down" in output
    assert "Finished server process" in output
    assert "GET /_test/slow 200" in output
