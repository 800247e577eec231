"""Logging setup: JSON lines in production, text in development, request id on every record.

Every record, whatever logger produced it (ours, uvicorn's, SQLAlchemy's, a library's), goes
through the one handler installed here, and its filter scrubs secrets and masks email
addresses in the message, the extra fields and the formatted traceback before any formatter
sees them.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from app.core.redaction import DEFAULT_REDACTOR, Redactor

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured duplicate of the message
}


# Extras the app itself fills with values it has validated (ids, route templates, numbers).
_TRUSTED_EXTRAS = frozenset({"request_id", "method", "path", "status", "duration_ms", "user_id"})


class ContextFilter(logging.Filter):
    """Attach the current request id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class RedactionFilter(logging.Filter):
    """Scrub the message, the extra fields and the traceback of every record, in place."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        redactor = self.redactor
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redactor.text(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key in _TRUSTED_EXTRAS or key in _RESERVED or key.startswith("_"):
                continue
            if value is not None:
                record.__dict__[key] = redactor.value(key, value)
        if record.exc_info:
            record.exc_text = redactor.text(logging.Formatter().formatException(record.exc_info))
            # The formatted (scrubbed) text replaces the live exception: no formatter can
            # render the original again.
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redactor.text(record.exc_text)
        if record.stack_info:
            record.stack_info = redactor.text(record.stack_info)
        record._redacted = True
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and value is not None and not key.startswith("_"):
                payload[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc_info"] = record.exc_text
        if record.stack_info:
            payload["stack_info"] = record.stack_info
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = {
            k: v
            for k, v in record.__dict__.items()
            if k not in _RESERVED and k != "request_id" and v is not None and not k.startswith("_")
        }
        if extras:
            base += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return base


def configure_logging(
    level: str,
    fmt: str,
    *,
    redactor: Redactor | None = None,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Route the root, uvicorn and SQLAlchemy loggers through one redacting handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactionFilter(redactor or DEFAULT_REDACTOR))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_todo_api", False):
            root.removeHandler(existing)
    handler._todo_api = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "sqlalchemy.engine"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # With DB_ECHO, SQLAlchemy gives its engine logger a raw stdout handler unless it already
    # has one; a NullHandler keeps SQL (and its parameters) on the redacting path only.
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    engine_logger.handlers = [logging.NullHandler()]
    engine_logger.propagate = True
    # uvicorn's own access line carries the raw query string; ours logs the route template.
    logging.getLogger("uvicorn.access").disabled = True
    return handler
