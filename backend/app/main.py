"""The application factory: settings, middleware, routers and the lifespan that owns resources."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.api import auth, health, metrics, password_reset, tasks, testing
from app.core.config import Settings, load_settings
from app.core.csrf import CsrfMiddleware
from app.core.db import (
    create_connection_gate,
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
)
from app.core.errors import UnhandledErrorMiddleware, register_error_handlers
from app.core.metrics import Metrics
from app.core.middleware import install_middleware
from app.core.observability import configure_observability
from app.core.ratelimit import RateLimiter
from app.services.email_service import EmailService, create_backend, email_configured
from app.services.outbox import OutboxDispatcher
from app.services.password_reset import PASSWORD_RESET_REQUEST, ResetRequestResolver

logger = logging.getLogger("app")


def _app_version() -> str:
    try:
        return version("todo-api")
    except PackageNotFoundError:
        return "0.0.0"


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids (`auth-login`, `tasks-list_tasks`) for generated clients."""
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Invalid production settings raise ConfigurationError listing every problem."""
    settings = settings or load_settings()
    settings.validate_for_environment()
    # Also resolves (or generates, with a warning) the JWT key before serving.
    configure_observability(settings, _app_version())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine, app.state.sessionmaker)
        app.state.db_gate = create_connection_gate(engine, settings)
        app.state.limiter = RateLimiter(settings, app.state.metrics)
        email_backend = create_backend(settings)
        app.state.email_service = EmailService(settings, email_backend)
        dispatcher = OutboxDispatcher(
            app.state.sessionmaker,
            email_backend,
            app.state.metrics,
            interval_seconds=settings.email_dispatch_interval_seconds,
            lease_seconds=settings.email_lease_seconds,
            # Forgot-password requests are recorded as intents; the dispatcher resolves them.
            resolvers={
                PASSWORD_RESET_REQUEST: ResetRequestResolver(settings, app.state.metrics),
            },
        )
        app.state.email_dispatcher = dispatcher
        if settings.email_dispatcher_enabled:
            dispatcher.start()
        try:
            yield
        finally:
            # Lets the send in progress finish; rows claimed but not tried go back to the queue.
            await dispatcher.stop(grace_seconds=settings.smtp_timeout + 5)
            await email_backend.aclose()
            await engine.dispose()

    docs = settings.docs_enabled
    app = FastAPI(
        title=settings.app_name,
        version=_app_version(),
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.version = _app_version()
    app.state.email_configured = email_configured(settings)
    app.state.metrics = Metrics()

    register_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(password_reset.router)
    app.include_router(tasks.router)
    app.include_router(metrics.router)
    if settings.test_routes_enabled:
        app.include_router(testing.router)

    # Added innermost first: the last one added runs first on a request.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(CsrfMiddleware, exempt_paths=frozenset({"/api/v1/auth/token"}))
    # Body size, CORS, trusted hosts, security headers, request id/access log, proxy headers.
    install_middleware(app, settings)
    return app
