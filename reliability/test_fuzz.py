"""Fuzzing: schemathesis against the running app's own OpenAPI schema, every operation.

Each operation gets a bounded number of generated requests (RELIABILITY_FUZZ_EXAMPLES, 15 by
default), valid and invalid, sent with a real user's bearer token to `todo-api serve` on a real
database. No response may be a 5xx, and every response whose status the schema documents must
match the documented body schema and content type.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from support import (
    PASSWORD,
    SECRET,
    TEST_DATABASE_URL,
    Backend,
    create_database,
    drop_database,
    start_backend,
)

MAX_EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Operations after whose success the fuzzing user's access token is no longer valid.
SESSION_ENDING = {
    "auth-logout_all",
    "auth-delete_me",
    "auth-change_password",
    "auth-reset_password",
}


class FuzzTarget:
    """The server under fuzzing and a signed-in user, replaced when a case ends the session."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.token = ""
        self.operations_seen: set[str] = set()
        self.new_user()

    def new_user(self) -> None:
        import uuid

        email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
        response = httpx.post(
            f"{self.backend.url}/api/v1/auth/signup",
            json={"email": email, "password": PASSWORD, "client": "api"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        self.token = response.json()["access_token"]
        # Something for the task endpoints to find besides 404s.
        httpx.post(
            f"{self.backend.url}/api/v1/tasks",
            json={"title": "fuzz seed", "tags": ["fuzz"]},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    kind = "postgres" if TEST_DATABASE_URL else "sqlite"
    db = asyncio.run(create_database(tmp, kind))
    backend = start_backend(db.url, tmp)
    try:
        asyncio.run(backend.wait_healthy())
        yield FuzzTarget(backend)
    finally:
        backend.stop()
        asyncio.run(drop_database(db))


@pytest.fixture(scope="module")
def api_schema(fuzz_target: FuzzTarget) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_target.backend.url}/openapi.json")


def _operations() -> list[tuple[str, GenerationMode]]:
    """Every operation of the app's schema, read from the app itself at collection time.

    Each is fuzzed with valid data; those that take parameters or a body also with invalid data
    (an operation without inputs has nothing to make invalid).
    """
    from app.core.config import Settings
    from app.main import create_app

    app = create_app(
        Settings(environment="test", jwt_secret_key=SECRET, database_url="sqlite:///:memory:")
    )
    out = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            name = f"{method.upper()} {path}"
            out.append((name, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                out.append((name, GenerationMode.NEGATIVE))
    return sorted(out)


OPERATIONS = _operations()


def test_schema_has_every_api_area() -> None:
    joined = " ".join(name for name, _ in OPERATIONS)
    for path in ("/api/v1/auth/login", "/api/v1/tasks", "/health"):
        assert path in joined


@pytest.mark.parametrize(
    ("operation", "mode"), OPERATIONS, ids=[f"{m.value}-{o}" for o, m in OPERATIONS]
)
def test_no_server_error_and_responses_match_the_schema(
    operation: str, mode: GenerationMode, api_schema: Any, fuzz_target: FuzzTarget
) -> None:
    method, path = operation.split(" ", 1)
    api_operation = api_schema[path][method]
    operation_id = api_operation.definition.raw.get("operationId", operation)

    @given(case=api_operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(
            base_url=fuzz_target.backend.url,
            headers={"Authorization": f"Bearer {fuzz_target.token}"},
            checks=CHECKS,
            timeout=30,
        )
        if operation_id in SESSION_ENDING and response.status_code < 300:
            fuzz_target.new_user()

    check()
