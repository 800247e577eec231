"""Plain ASGI middleware that runs on every request: cheap, no request/response objects.

Outermost first (see `install_middleware`): proxy headers -> request id, access log and
metrics -> security headers -> trusted hosts -> CORS -> body size limit -> CSRF -> errors.
Everything a response can come from (a 400 for a bad Host, a 413, a 404, a crash) is inside
the request-id and security-header layers, so every response carries both and is logged once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id_var

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.core.config import Settings
    from app.core.metrics import Metrics

access_logger = logging.getLogger("app.access")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED_ROUTE = "<unmatched>"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes hit these every few seconds; their access lines are DEBUG so they do not drown the log.
QUIET_PATHS = frozenset({"/health/live", "/health", "/metrics"})


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/tasks/{task_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestIdMiddleware:
    """Request id, one access-log line and the request metrics for every HTTP request.

    Echoes a sane client X-Request-ID or mints one and exposes it to logs and error bodies.
    The access line holds the route template, not the path, so ids and `?token=` query
    strings never reach the log, and the metric labels stay few.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _VALID_REQUEST_ID.match(candidate):
                    request_id = candidate
                break
        request_id = request_id or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        header = (b"x-request-id", request_id.encode())
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"),
                    header,
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, state, status, time.perf_counter() - started_at)
            request_id_var.reset(token)

    def _record(self, scope: Scope, state: dict[str, object], status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
        template = route_template(scope)
        if self.metrics is not None:
            self.metrics.observe_request(method, template, status, seconds)
        level = logging.INFO
        if status >= 500:
            level = logging.ERROR
        elif scope["path"] in QUIET_PATHS:
            level = logging.DEBUG
        if not access_logger.isEnabledFor(level):
            return
        duration_ms = round(seconds * 1000, 2)
        user_id = state.get("user_id")
        access_logger.log(
            level,
            "%s %s %s %.2fms",
            method,
            template,
            status,
            duration_ms,
            extra={
                "method": method,
                "path": template,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": str(user_id) if user_id else None,
            },
        )


# ------------------------------------------------------------------ security headers

# Swagger UI (FastAPI's default /docs) loads its script and stylesheet from this CDN and its
# favicon from FastAPI's site; the /docs policy allows exactly these, nothing else.
DOCS_SCRIPT_ORIGINS = ("https://cdn.jsdelivr.net",)
DOCS_STYLE_ORIGINS = ("https://cdn.jsdelivr.net",)
DOCS_IMG_ORIGINS = ("https://fastapi.tiangolo.com",)

API_CSP = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), "
    "sync-xhr=(), usb=(), xr-spatial-tracking=(), browsing-topics=()"
)
HSTS = "max-age=63072000; includeSubDomains"
_AUTH_COOKIES = (b"access_token=", b"refresh_token=")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def docs_csp(html: bytes) -> str:
    """The /docs policy: the CDN origins plus a hash of each inline script of this very page."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    scripts = " ".join((*DOCS_SCRIPT_ORIGINS, hashes)).strip()
    return (
        f"default-src 'none'; script-src {scripts}; style-src {' '.join(DOCS_STYLE_ORIGINS)}; "
        f"img-src 'self' data: {' '.join(DOCS_IMG_ORIGINS)}; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _carries_credentials(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return True
        if name == b"cookie" and any(cookie in value for cookie in _AUTH_COOKIES):
            return True
    return False


class SecurityHeadersMiddleware:
    """Add the security headers to every response; `no-store` on auth and authenticated ones.

    Everything under /api/ is either an auth endpoint or needs a user, so it is never cached;
    any other response to a request carrying credentials is not cached either.
    """

    _MANAGED = frozenset(
        {
            b"server",
            b"x-powered-by",
            b"content-security-policy",
            b"x-content-type-options",
            b"x-frame-options",
            b"referrer-policy",
            b"cross-origin-resource-policy",
            b"permissions-policy",
            b"strict-transport-security",
        }
    )

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts: bool,
        docs_paths: Iterable[str] = (),
        private_prefixes: tuple[str, ...] = ("/api/", "/metrics"),
    ) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        self.private_prefixes = private_prefixes
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        ]
        if hsts:
            common.append((b"strict-transport-security", HSTS.encode()))
        self.common = common
        self.api_headers = [(b"content-security-policy", API_CSP.encode()), *common]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in self.docs_paths:
            await self._docs(scope, receive, send)
            return
        no_store = path.startswith(self.private_prefixes) or _carries_credentials(scope)
        extra = self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self._merge(message.get("headers", []), extra, no_store)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _merge(
        self,
        headers: Iterable[tuple[bytes, bytes]],
        extra: list[tuple[bytes, bytes]],
        no_store: bool,
    ) -> list[tuple[bytes, bytes]]:
        drop = self._MANAGED | {b"cache-control"} if no_store else self._MANAGED
        merged = [(k, v) for k, v in headers if k.lower() not in drop]
        merged.extend(extra)
        if no_store:
            merged.append((b"cache-control", b"no-store"))
        return merged

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the (small, static) docs page to hash its inline scripts into the CSP."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            csp = (b"content-security-policy", docs_csp(body).encode())
            start["headers"] = self._merge(start.get("headers", []), [csp, *self.common], False)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


# ------------------------------------------------------------------ hosts, CORS, body size


def _json_response(status: int, detail: str) -> tuple[Message, Message]:
    body = json.dumps({"detail": detail}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class TrustedHostMiddleware:
    """Refuse requests whose Host is not one of TRUSTED_HOSTS (`*.example.com` for subdomains).

    Health probes are exempt: container and platform health checks address the process by
    IP or `localhost`, and those endpoints reveal nothing a Host check would protect.
    """

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Iterable[str],
        exempt_paths: frozenset[str] = frozenset({"/health/live", "/health"}),
    ) -> None:
        self.app = app
        hosts = [h.strip().lower() for h in allowed_hosts if h.strip()]
        self.allow_any = "*" in hosts
        self.exact = frozenset(h for h in hosts if not h.startswith("*."))
        self.suffixes = tuple(h[1:] for h in hosts if h.startswith("*."))
        self.exempt_paths = exempt_paths

    def is_allowed(self, host: str) -> bool:
        if self.allow_any:
            return True
        host = _host_without_port(host.lower())
        return host in self.exact or (bool(self.suffixes) and host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
                break
        if self.is_allowed(host):
            await self.app(scope, receive, send)
            return
        start, body = _json_response(400, "Invalid host header")
        await send(start)
        await send(body)


def _host_without_port(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class StrictCORSMiddleware:
    """Starlette's CORS for the listed origins only; any other Origin gets no CORS header at all.

    Starlette adds `Access-Control-Allow-Credentials` and the preflight headers even for an
    origin it refuses; here a request from an unlisted origin (`null`, look-alike suffixes)
    bypasses CORS entirely, so the browser sees nothing it could act on.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str],
        allow_headers: Sequence[str],
        expose_headers: Sequence[str],
        allow_credentials: bool = True,
        max_age: int = 3600,
    ) -> None:
        self.app = app
        self.allowed = frozenset(allow_origins)
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(allow_origins),
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
            allow_credentials=allow_credentials,
            max_age=max_age,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"origin":
                    if value.decode("latin-1") in self.allowed:
                        await self.cors(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


class RequestBodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit; FastAPI answers 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class BodySizeLimitMiddleware:
    """413 for bodies over MAX_REQUEST_BODY_BYTES, before they are read whole.

    A declared Content-Length over the limit is refused before the app runs; a chunked body
    without one is counted as it streams in and cut off as soon as it passes the limit.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Exact paths with their own ceiling (the task import takes a whole export).
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > max_bytes:
                    await self._refuse(send)
                    return
                break
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise RequestBodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except RequestBodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        start, body = _json_response(413, "Request body too large")
        start["headers"].append((b"connection", b"close"))
        await send(start)
        await send(body)


# ------------------------------------------------------------------ wiring

CORS_METHODS = ["GET", "POST", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "X-Requested-With", "X-Request-ID"]
CORS_EXPOSE = ["X-Request-ID", "X-Next-Task-ID", "Location", "Retry-After", "Content-Disposition"]


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Add the hardening middleware around whatever create_app added before (CSRF, errors)."""
    from app.core.proxy import ProxyHeadersMiddleware

    # add_middleware wraps: the last one added runs first on a request.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        path_limits={"/api/v1/tasks/import": settings.max_import_body_bytes},
    )
    app.add_middleware(
        StrictCORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=True,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSE,
        max_age=3600,
    )
    if "*" not in settings.trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    elif settings.is_production:
        logging.getLogger("app.security").warning(
            "TRUSTED_HOSTS is '*': requests for any Host are served; list your hostnames"
        )
    docs_paths = [p for p in (app.docs_url, app.swagger_ui_oauth2_redirect_url) if p]
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.is_production,
        docs_paths=docs_paths if app.docs_url else [],
    )
    app.add_middleware(RequestIdMiddleware, metrics=app.state.metrics)
    app.add_middleware(
        ProxyHeadersMiddleware,
        trusted=settings.forwarded_allow_ips,
        hops=settings.forwarded_proxy_hops,
    )
