"""backend/requirements.txt (for pip and Docker users) is exactly what uv.lock says."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[1]


def _uv() -> str:
    bundled = BACKEND.parent / ".tools" / "bin" / "uv"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("uv")
    if not found:
        pytest.fail("uv not found: run scripts/bootstrap.sh backend")
    return found


def test_requirements_txt_matches_the_lock() -> None:
    exported = subprocess.run(
        [_uv(), "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--quiet"],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    committed = (BACKEND / "requirements.txt").read_text()

    def pins(text: str) -> list[str]:
        return sorted(line for line in text.splitlines() if line and not line.startswith("#"))

    assert pins(committed) == pins(exported), "run `make requirements` and commit the result"
