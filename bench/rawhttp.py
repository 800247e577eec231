"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load generator.

Why not httpx or locust: on a 2-core machine the generator shares the CPU with the server it
measures, so every microsecond it spends per request is taken from the server. httpx spends
roughly 10x more CPU per request than this (URL parsing, header models, transports), and
locust's gevent workers more still. This client writes pre-built request bytes and parses only
the status line and the headers it needs; it is only used against our own servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class HTTPError(Exception):
    """The connection failed or the response could not be parsed."""


class Connection:
    """One keep-alive connection; requests on it are sequential (one virtual user)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._host_header = f"Host: {host}:{port}\r\n".encode()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: bytes = b"",
        body: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; return (status, lower-cased headers, body)."""
        try:
            return await self._request(method, path, headers, body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.close()
            raise HTTPError(f"{type(exc).__name__}: {exc}") from exc

    async def _request(
        self, method: str, path: str, headers: bytes, body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = await self._connect()
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._host_header + headers
        if body is not None:
            head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        writer.write(head + b"\r\n" + (body or b""))
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        response_headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                response_headers[name.strip().lower()] = value.strip()
        if "content-length" in response_headers:
            payload = await reader.readexactly(int(response_headers["content-length"]))
        elif response_headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _read_chunked(reader)
        elif status in (204, 304) or method == "HEAD":
            payload = b""
        else:
            payload = await reader.read()
            self.close()
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, response_headers, payload


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def json_body(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def auth_headers(token: str, *, json_content: bool = False) -> bytes:
    """Pre-built header block for one user (built once, reused for every request)."""
    out = f"Authorization: Bearer {token}\r\n"
    if json_content:
        out += "Content-Type: application/json\r\n"
    return out.encode()


JSON_HEADERS = b"Content-Type: application/json\r\n"
