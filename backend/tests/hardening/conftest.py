"""Helpers for the hardening tests: production-valid settings, the app's log output."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "frontend_url": "https://app.example.com",
    "email_backend": "smtp",
    "smtp_host": "smtp.example.com",
    "email_dispatcher_enabled": False,
    "trusted_hosts": ["testserver", "api.example.com"],
}


class AppLog:
    """What the app's own (redacting) log handler wrote, as text."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def attach(self) -> None:
        """Point the handler installed by the latest create_app() at this buffer."""
        for handler in logging.getLogger().handlers:
            if getattr(handler, "_todo_api", False):
                assert isinstance(handler, logging.StreamHandler)
                handler.setStream(self.stream)
                return
        raise AssertionError("the app's log handler is not installed")


@pytest.fixture
def app_log() -> Iterator[AppLog]:
    log = AppLog()
    yield log
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is log.stream:
            handler.setStream(sys.stderr)
