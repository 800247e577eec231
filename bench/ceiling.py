"""The ceiling: a bare ASGI app answering every request with one fixed 20-item JSON page.

No framework, no database, no auth: what uvicorn (same loop, same HTTP parser, same flags as
`todo-api serve`) can do on this machine. Our `list` throughput is reported as a fraction of it.
Run: `python ceiling.py --port 8101 --workers 2`.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, datetime
from typing import Any

_NOW = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
_ITEMS = [
    {
        "id": str(uuid.UUID(int=i + 1)),
        "title": f"Task number {i}",
        "description": "A fixed task of about the size of a real one",
        "priority": "medium",
        "tags": ["work", "bench"],
        "due_at": None,
        "recurrence": "none",
        "completed": False,
        "completed_at": None,
        "created_at": _NOW,
        "updated_at": _NOW,
    }
    for i in range(20)
]
BODY = json.dumps({"items": _ITEMS, "total": 20, "limit": 20, "offset": 0}).encode()
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}
_BODY = {"type": "http.response.body", "body": BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send(_START)
    await send(_BODY)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same arguments `todo-api serve` passes (app/cli.py), so only the app differs.
    uvicorn.run(
        "ceiling:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1,::1",
        server_header=False,
        date_header=True,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
