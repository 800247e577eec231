"""Fixtures for the task tests: signed-in users and a helper to create tasks through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import bearer, signup

CreateTask = Callable[..., Awaitable[dict[str, Any]]]


class Api:
    """A client acting as one user (bearer token), with shortcuts for the task endpoints."""

    def __init__(self, client: httpx.AsyncClient, session: dict[str, Any]) -> None:
        self.client = client
        self.session = session
        self.headers = bearer(session)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def create(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "a task", **fields}
        response = await self.post("/api/v1/tasks", json=body)
        assert response.status_code == 201, response.text
        task: dict[str, Any] = response.json()
        return task

    async def list(self, **params: Any) -> dict[str, Any]:
        response = await self.get("/api/v1/tasks", params=params)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    async def titles(self, **params: Any) -> list[str]:
        return [item["title"] for item in (await self.list(**params))["items"]]


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Api:
    return Api(client, await signup(client, "alice@example.com"))


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Api:
    return Api(client, await signup(client, "bob@example.com"))
