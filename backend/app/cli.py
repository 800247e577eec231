"""`todo-api serve | migrate | check-config`: the backend's command line."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from app.core.config import ConfigurationError, Settings, load_settings

if TYPE_CHECKING:
    from alembic.config import Config

BACKEND_DIR = Path(__file__).resolve().parent.parent


def _alembic_config(database_url: str | None) -> Config:
    """Alembic's config for backend/ from any working directory; the URL defaults to settings."""
    from alembic.config import Config

    cfg = Config(str(BACKEND_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def run_migrations(database_url: str | None = None, revision: str = "head") -> None:
    """Upgrade the schema (advisory-locked on PostgreSQL); blocking, call from sync code."""
    from alembic import command

    command.upgrade(_alembic_config(database_url), revision)


def downgrade_migrations(database_url: str | None = None, revision: str = "base") -> None:
    """Downgrade the schema (rollbacks and the migration tests); blocking."""
    from alembic import command

    command.downgrade(_alembic_config(database_url), revision)


def _check_config() -> int:
    try:
        settings = load_settings()
    except Exception as exc:  # pydantic's own validation errors (bad numbers, unknown choices)
        print(f"Invalid configuration:\n{exc}", file=sys.stderr)
        return 1
    problems = settings.problems()
    if problems:
        print("Invalid configuration:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"Configuration OK (environment: {settings.environment.value})")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    try:
        settings = load_settings()
        settings.validate_for_environment()
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"Invalid configuration:\n{exc}", file=sys.stderr)
        return 1
    if args.migrate:
        run_migrations()
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    print(f"Serving the API on http://{host}:{port} ({workers} worker(s))", flush=True)
    _prepare_serving(settings, workers)
    # uvicorn re-raises the signal it handled once its graceful shutdown is over, which would
    # end the process "killed by SIGTERM"; a shutdown that completed is a clean exit (0).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    # On SIGTERM/SIGINT uvicorn stops accepting connections at once, lets in-flight requests
    # finish for up to SHUTDOWN_GRACE_SECONDS, then runs the lifespan shutdown (email
    # dispatcher, pool) and exits 0.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-For is resolved by app.core.proxy (FORWARDED_ALLOW_IPS), not by uvicorn.
        proxy_headers=False,
        server_header=False,
        date_header=True,
        log_config=None,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        access_log=False,
    )
    return 0


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _prepare_serving(settings: Settings, workers: int) -> None:
    """Route uvicorn's startup lines through our formatter; reset multi-process metrics."""
    from app.core.logging import configure_logging
    from app.core.metrics import multiprocess_dir
    from app.core.observability import secret_values
    from app.core.redaction import Redactor

    redactor = Redactor(secret_values(settings))
    configure_logging(settings.log_level, settings.effective_log_format, redactor=redactor)
    directory = multiprocess_dir()
    if directory:
        # Files of a previous run would be summed into this one's counters.
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    elif workers > 1:
        logging.getLogger("app.metrics").warning(
            "WORKERS=%d without PROMETHEUS_MULTIPROC_DIR: each /metrics scrape shows only the "
            "worker that answered it",
            workers,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="todo-api", description="Todo API backend")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API (HOST, PORT, WORKERS from the environment)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    sub.add_parser("migrate", help="apply database migrations (advisory-locked on PostgreSQL)")
    sub.add_parser("check-config", help="validate the environment and exit")
    args = parser.parse_args(argv)

    if args.command == "check-config":
        return _check_config()
    if args.command == "migrate":
        try:
            load_settings().validate_for_environment()
        except ConfigurationError as exc:
            print(exc, file=sys.stderr)
            return 1
        run_migrations()
        print("Database is up to date.")
        return 0
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
