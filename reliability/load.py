"""A small background load for fault tests: users working on their own tasks, every answer kept."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from support import Backend, bearer, signup


@dataclass
class Outcome:
    op: str
    status: int | None  # None: no HTTP answer at all (connection refused or reset)
    at: float
    json_detail: bool
    error: str = ""


@dataclass
class LoadUser:
    session: dict[str, Any]
    task_ids: list[str] = field(default_factory=list)
    # Titles of creates that got an answer (201) and of those that got none (in doubt).
    created: dict[str, str] = field(default_factory=dict)
    in_doubt: set[str] = field(default_factory=set)
    # Ids of tasks this load deleted (204), and of deletes that got no answer.
    deleted: set[str] = field(default_factory=set)
    delete_in_doubt: set[str] = field(default_factory=set)


async def make_users(backend: Backend, count: int, tasks_each: int = 5) -> list[LoadUser]:
    users = []
    async with backend.client() as client:
        for _ in range(count):
            user = LoadUser(await signup(client))
            for i in range(tasks_each):
                response = await client.post(
                    "/api/v1/tasks", json={"title": f"seed {i}"}, headers=bearer(user.session)
                )
                assert response.status_code == 201, response.text
                user.task_ids.append(response.json()["id"])
            users.append(user)
    return users


class MixedLoad:
    """`concurrency` loops of list/create/update/delete over their own user's tasks."""

    def __init__(self, backends: list[Backend], users: list[LoadUser], concurrency: int = 8):
        self.backends = backends
        self.users = users
        self.concurrency = concurrency
        self.outcomes: list[Outcome] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(i)) for i in range(self.concurrency)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    def statuses(self) -> dict[int | None, int]:
        out: dict[int | None, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    async def _loop(self, i: int) -> None:
        rng = random.Random(i)
        user = self.users[i % len(self.users)]
        backend = self.backends[i % len(self.backends)]
        # A fresh connection per request: a killed worker must not doom a kept-alive connection.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with backend.client(limits=limits, timeout=10.0) as client:
            while not self._stop.is_set():
                await self._one(client, user, rng)
                await asyncio.sleep(0.01)

    async def _one(self, client: httpx.AsyncClient, user: LoadUser, rng: random.Random) -> None:
        roll = rng.random()
        headers = bearer(user.session)
        title = ""
        task_id = ""
        if roll < 0.6 or not user.task_ids:
            op, request = "list", client.get("/api/v1/tasks?limit=20", headers=headers)
        elif roll < 0.8:
            title = f"load {uuid.uuid4().hex}"
            request = client.post("/api/v1/tasks", json={"title": title}, headers=headers)
            op = "create"
        elif roll < 0.9:
            task_id = rng.choice(user.task_ids)
            op = "update"
            request = client.patch(
                f"/api/v1/tasks/{task_id}", json={"completed": True}, headers=headers
            )
        else:
            task_id = user.task_ids.pop(rng.randrange(len(user.task_ids)))
            op, request = "delete", client.delete(f"/api/v1/tasks/{task_id}", headers=headers)
        at = time.monotonic()
        try:
            response = await request
        except httpx.HTTPError as exc:
            if title:
                user.in_doubt.add(title)
            if op == "delete":
                user.delete_in_doubt.add(task_id)
            self.outcomes.append(Outcome(op, None, at, False, type(exc).__name__))
            return
        detail = False
        try:
            body = response.json() if response.content else None
            detail = isinstance(body, dict) and (
                "detail" in body or "items" in body or "id" in body
            )
        except ValueError:
            pass
        self.outcomes.append(Outcome(op, response.status_code, at, detail))
        if op == "create":
            if response.status_code == 201:
                user.created[title] = response.json()["id"]
                user.task_ids.append(response.json()["id"])
            elif response.status_code >= 500:
                user.in_doubt.add(title)
        elif op == "delete":
            if response.status_code == 204:
                user.deleted.add(task_id)
            elif response.status_code >= 500:
                user.delete_in_doubt.add(task_id)
