"""Every setting the code reads is documented where an operator looks for it.

A backend setting is a field of `app.core.config.Settings` (its environment variable is the
upper-case field name); it must have a row in docs/deployment/environment.md and a line in
backend/.env.example. A frontend variable is a `process.env.X` in frontend/ source; it must be in
frontend/.env.example and the same document. The examples name nothing the code does not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.config import Settings

BACKEND = Path(__file__).resolve().parent.parent
ROOT = BACKEND.parent
ENVIRONMENT_DOC = ROOT / "docs" / "deployment" / "environment.md"
BACKEND_EXAMPLE = BACKEND / ".env.example"
FRONTEND = ROOT / "frontend"
FRONTEND_EXAMPLE = FRONTEND / ".env.example"

# Set by Node.js / Next.js themselves, never by an operator.
RUNTIME_PROVIDED = {"NODE_ENV", "NEXT_RUNTIME", "NEXT_PHASE"}
# Test harnesses read their own variables; they are not the app's configuration.
FRONTEND_SKIP_DIRS = {"node_modules", ".next", "e2e", "tests", "__tests__", "scripts", "public"}
FRONTEND_SKIP_FILE = re.compile(r"(\.test\.|\.spec\.|^playwright\.config\.|^jest\.)")
FRONTEND_SOURCE_SUFFIXES = {".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs"}
PROCESS_ENV = re.compile(
    r"process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*[\"']([A-Z][A-Z0-9_]*)[\"']\s*\])"
)
EXAMPLE_LINE = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def backend_variables() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def documented_variables() -> set[str]:
    """Names with a table row of their own: a line starting with | `NAME`."""
    text = ENVIRONMENT_DOC.read_text()
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`", text, re.MULTILINE))


def example_variables(path: Path) -> set[str]:
    """Names assigned in an .env example, commented-out optional ones included."""
    return set(EXAMPLE_LINE.findall(path.read_text()))


def frontend_variables() -> set[str]:
    found: set[str] = set()
    for path in FRONTEND.rglob("*"):
        relative = path.relative_to(FRONTEND)
        if any(part in FRONTEND_SKIP_DIRS for part in relative.parts):
            continue
        if path.suffix not in FRONTEND_SOURCE_SUFFIXES or FRONTEND_SKIP_FILE.search(path.name):
            continue
        for dotted, bracketed in PROCESS_ENV.findall(path.read_text(errors="replace")):
            found.add(dotted or bracketed)
    return found - RUNTIME_PROVIDED


def test_settings_are_read_from_upper_case_variables() -> None:
    # The premise of the other tests: names are matched case-insensitively and unprefixed.
    assert Settings.model_config.get("case_sensitive") is False
    assert not Settings.model_config.get("env_prefix")


def test_every_backend_setting_is_documented() -> None:
    missing = sorted(backend_variables() - documented_variables())
    assert not missing, f"add a row for each to {ENVIRONMENT_DOC.relative_to(ROOT)}: {missing}"


def test_every_backend_setting_is_in_the_env_example() -> None:
    missing = sorted(backend_variables() - example_variables(BACKEND_EXAMPLE))
    assert not missing, f"add each to backend/.env.example: {missing}"


def test_backend_env_example_names_only_real_settings() -> None:
    unknown = sorted(example_variables(BACKEND_EXAMPLE) - backend_variables())
    assert not unknown, f"backend/.env.example names settings the code does not read: {unknown}"


@pytest.fixture
def frontend_present() -> None:
    if not (FRONTEND / "package.json").exists():
        pytest.skip("no frontend in this checkout")


@pytest.mark.usefixtures("frontend_present")
def test_every_frontend_variable_is_in_its_env_example() -> None:
    missing = sorted(frontend_variables() - example_variables(FRONTEND_EXAMPLE))
    assert not missing, f"add each to frontend/.env.example: {missing}"


@pytest.mark.usefixtures("frontend_present")
def test_every_frontend_variable_is_documented() -> None:
    missing = sorted(frontend_variables() - documented_variables())
    assert not missing, f"add a row for each to {ENVIRONMENT_DOC.relative_to(ROOT)}: {missing}"


@pytest.mark.usefixtures("frontend_present")
def test_frontend_env_example_names_only_variables_the_frontend_reads() -> None:
    unknown = sorted(example_variables(FRONTEND_EXAMPLE) - frontend_variables())
    assert not unknown, f"frontend/.env.example names variables nothing reads: {unknown}"


@pytest.mark.usefixtures("frontend_present")
def test_no_secret_is_exposed_to_the_browser() -> None:
    public = {name for name in frontend_variables() if name.startswith("NEXT_PUBLIC_")}
    secret_like = sorted(n for n in public if re.search(r"SECRET|KEY|TOKEN|PASSWORD", n))
    assert not secret_like, f"NEXT_PUBLIC_* values reach the browser bundle: {secret_like}"


def test_the_scan_finds_process_env_references(tmp_path: Path) -> None:
    sample = 'const a = process.env.BACKEND_URL; const b = process.env["API_TIMEOUT"];'
    found = {d or b for d, b in PROCESS_ENV.findall(sample)}
    assert found == {"BACKEND_URL", "API_TIMEOUT"}
    example = tmp_path / ".env.example"
    example.write_text("# comment\nA_VAR=1\n# OPTIONAL_VAR=\nnot_a_var=2\n")
    assert example_variables(example) == {"A_VAR", "OPTIONAL_VAR"}
