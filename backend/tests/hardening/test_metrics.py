"""/metrics: Prometheus text, request counts and latencies by route template, pool, email."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import AppFactory, bearer, client_for, signup

TOKEN = "a-long-random-metrics-token-0123456789"


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


async def test_metrics_count_requests_by_route_template_and_status(app_factory: AppFactory) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        session = await signup(client)
        for task_id in (
            "00000000-0000-4000-8000-000000000001",
            "00000000-0000-4000-8000-000000000002",
        ):
            await client.get(f"/api/v1/tasks/{task_id}", headers=bearer(session))
        await client.get("/no/such/path/12345")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    counts = {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in samples["todo_http_requests_total"]
    }
    assert counts[("GET", "/api/v1/tasks/{task_id}", "404")] == 2
    assert counts[("POST", "/api/v1/auth/signup", "201")] == 1
    assert counts[("GET", "<unmatched>", "404")] == 1
    assert not any("12345" in route or "0000" in route for _, route, _ in counts)
    buckets = [
        labels
        for labels, _ in samples["todo_http_request_duration_seconds_bucket"]
        if labels["route"] == "/api/v1/tasks/{task_id}" and labels["status"] == "404"
    ]
    assert {b["le"] for b in buckets} >= {"0.005", "0.1", "1.0", "+Inf"}
    assert "todo_db_pool_checked_out" in samples
    assert "todo_db_pool_size" in samples
    # The email metrics live in the same registry.
    assert "todo_emails_sent_total" in response.text
    assert "todo_email_send_duration_seconds" in response.text


async def test_metrics_need_the_bearer_token_when_one_is_set(app_factory: AppFactory) -> None:
    app = await app_factory(metrics_token=TOKEN)
    async with client_for(app) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        basic = await client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.json() == {"detail": "Not authenticated"}
        assert "todo_" not in refused.text
    assert right.status_code == 200
    assert "todo_http_requests_total" in right.text
    assert right.headers["cache-control"] == "no-store"


async def test_metrics_are_not_in_the_openapi_schema(app_factory: AppFactory) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        schema = (await client.get("/openapi.json")).json()
    assert "/metrics" not in schema["paths"]
    assert not any(path.startswith("/_test") for path in schema["paths"])
