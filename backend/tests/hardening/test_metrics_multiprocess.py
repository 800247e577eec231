"""With PROMETHEUS_MULTIPROC_DIR, /metrics sums what every worker process counted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER = """
from app.core.metrics import Metrics
m = Metrics()
m.observe_request("GET", "/api/v1/tasks", 200, 0.01)
m.db_pool_checked_out.set(3)
"""
RENDER = """
from app.core.metrics import Metrics
print(Metrics().render()[0].decode())
"""


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_metrics_of_all_workers_are_summed(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):  # two worker processes, each answering one request
        _python(WORKER, env)
    text = _python(RENDER, env)
    line = 'todo_http_requests_total{method="GET",route="/api/v1/tasks",status="200"} 2.0'
    assert line in text
    # The pool gauges of workers that are gone are not summed into the current value.
    assert "todo_db_pool_checked_out 3.0" not in text
    assert "todo_db_pool_checked_out 6.0" not in text
