"""Refuse cookie-authenticated unsafe requests that a cross-site HTML form could have sent.

A form can only send urlencoded, multipart or text/plain bodies and cannot set custom
headers; a JSON body or an X-Requested-With header therefore proves the request came from
script running on an allowed origin (CORS guards those). Bearer-token requests carry no
ambient credential and are not checked.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.exceptions import CsrfRejected

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
AUTH_COOKIES = frozenset({b"access_token", b"refresh_token"})


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, exempt_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.exempt_paths = exempt_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.exempt_paths or not _needs_proof(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": CsrfRejected.detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _needs_proof(scope: Scope) -> bool:
    """True for a cookie-carrying request with neither a JSON body nor X-Requested-With."""
    cookie = b""
    has_bearer = False
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookie += value + b";"
        elif name == b"authorization" and value[:7].lower() == b"bearer ":
            has_bearer = True
        elif (name == b"x-requested-with" and value) or (
            name == b"content-type" and value.split(b";")[0].strip().lower() == b"application/json"
        ):
            return False
    if has_bearer:
        return False
    names = {part.split(b"=", 1)[0].strip() for part in cookie.split(b";")}
    return not names.isdisjoint(AUTH_COOKIES)
