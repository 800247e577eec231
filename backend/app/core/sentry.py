"""Error reporting to Sentry, only when SENTRY_DSN is set, with everything personal scrubbed.

The SDK is told not to collect personal data, request bodies or local variables, and
`before_send` scrubs what remains anyway (headers, cookies, query strings, exception
messages, breadcrumbs, user data): an event leaves the process with nothing a log could not
hold either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.core.config import Settings
from app.core.logging import request_id_var
from app.core.redaction import REDACTED, Redactor

logger = logging.getLogger("app.sentry")

Event = dict[str, Any]
# Request headers worth keeping for debugging; every other header value is dropped.
SAFE_HEADERS = frozenset(
    {"accept", "accept-encoding", "accept-language", "content-length", "content-type",
     "host", "origin", "referer", "user-agent", "x-request-id"}
)  # fmt: skip


def _scrub_request(request: dict[str, Any], redactor: Redactor) -> None:
    for field in ("data", "cookies", "env"):
        if request.get(field):
            request[field] = REDACTED
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: (redactor.text(str(value)) if name.lower() in SAFE_HEADERS else REDACTED)
            for name, value in headers.items()
        }
    elif headers:
        request["headers"] = REDACTED
    if request.get("query_string"):
        request["query_string"] = redactor.text(str(request["query_string"]))
    if request.get("url"):
        request["url"] = redactor.text(str(request["url"]).split("?", 1)[0])


def _scrub_exception(exception: dict[str, Any], redactor: Redactor) -> None:
    for value in exception.get("values") or []:
        if value.get("value"):
            value["value"] = redactor.text(str(value["value"]))
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)


def make_before_send(redactor: Redactor) -> Callable[[Event, Any], Event | None]:
    """A `before_send` hook scrubbing bodies, cookies, headers and secrets from every event."""

    def before_send(event: Event, hint: Any) -> Event | None:
        request = event.get("request")
        if isinstance(request, dict):
            _scrub_request(request, redactor)
        exception = event.get("exception")
        if isinstance(exception, dict):
            _scrub_exception(exception, redactor)
        for thread in (event.get("threads") or {}).get("values") or []:
            for frame in (thread.get("stacktrace") or {}).get("frames") or []:
                frame.pop("vars", None)
        user = event.get("user")
        if isinstance(user, dict):
            event["user"] = {"id": user["id"]} if user.get("id") else {}
        logentry = event.get("logentry")
        if isinstance(logentry, dict):
            for field in ("message", "formatted"):
                if logentry.get(field):
                    logentry[field] = redactor.text(str(logentry[field]))
            logentry.pop("params", None)
        if event.get("message"):
            event["message"] = redactor.text(str(event["message"]))
        breadcrumbs = event.get("breadcrumbs")
        crumbs = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
        for crumb in crumbs or []:
            if crumb.get("message"):
                crumb["message"] = redactor.text(str(crumb["message"]))
            if crumb.get("data"):
                crumb["data"] = redactor.value(None, crumb["data"])
        for field in ("extra", "contexts", "tags"):
            if isinstance(event.get(field), dict):
                event[field] = redactor.value(None, event[field])
        request_id = request_id_var.get()
        if request_id:
            # The key to the log lines of the same request.
            event.setdefault("tags", {})["request_id"] = request_id
        return event

    return before_send


def init_sentry(settings: Settings, redactor: Redactor, release: str) -> bool:
    """Start the Sentry SDK when SENTRY_DSN is set; return whether it was started."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk

    before_send = make_before_send(redactor)
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment.value,
        release=release,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,  # type: ignore[arg-type]
        before_send_transaction=before_send,  # type: ignore[arg-type]
    )
    logger.info("Sentry error reporting enabled (environment %s)", settings.environment.value)
    return True
