"""The application factory: settings, middleware, routers and the lifespan that owns resources."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app.api import auth, health, tasks
from app.core.config import Settings, load_settings
from app.core.csrf import CsrfMiddleware
from app.core.db import create_engine, create_sessionmaker
from app.core.errors import UnhandledErrorMiddleware, register_error_handlers
from app.core.logging import configure_logging
from app.core.metrics import Metrics
from app.core.middleware import RequestIdMiddleware
from app.core.ratelimit import RateLimiter

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
    configure_logging(settings.log_level, settings.effective_log_format)
    _ = settings.secret_key  # resolve (or generate, with a warning) before serving

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.limiter = RateLimiter(settings)
        try:
            yield
        finally:
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
    app.state.email_configured = True
    app.state.metrics = Metrics()

    register_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(tasks.router)

    # Added innermost first: the last one added runs first on a request.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(CsrfMiddleware, exempt_paths=frozenset({"/api/v1/auth/token"}))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Requested-With", "X-Request-ID"],
        expose_headers=["X-Request-ID", "X-Next-Task-ID", "Location", "Retry-After"],
        max_age=3600,
    )
    app.add_middleware(RequestIdMiddleware)
    return app
