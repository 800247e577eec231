"""Masking of personal data and secrets before anything is written to a log or sent to Sentry.

The rules work on text, whatever produced it (our loggers, uvicorn, SQLAlchemy, a traceback),
because a secret reaches a log through paths nobody planned: an exception message quoting a
request body, a repr of a settings object, a reset link printed by the console email backend.
What they cannot recognise by shape (the JWT signing key, SMTP password, API keys) is
registered as a literal with `Redactor(secrets=...)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"

# Keys whose values are secret wherever they appear: `password=...`, `"refresh_token": "..."`,
# `Authorization: ...`, `Cookie: ...`, `?token=...`.
SENSITIVE_KEY = re.compile(
    r"password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|credential|dsn",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(
    r"(?P<key>[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie"
    r"|credential|dsn)[\w.-]*)"
    r"(?P<sep>[\"']?\s*[:=]\s*b?)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s,;&}\])'\"]+)",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_PASSWORD_HASH = re.compile(r"\$(?:argon2(?:id|i|d)|2[aby]|pbkdf2[\w-]*|scrypt)\$[\w$,.+/=-]+")
# Opaque random tokens (refresh and reset tokens are `secrets.token_urlsafe(32)`): long runs
# of URL-safe base64 mixing upper case, lower case and digits. Request ids (lower-case hex),
# UUIDs and identifiers never mix all three.
_OPAQUE_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


_DIGIT = re.compile(r"\d")
# Cheap triggers: the full rules run only on text that contains one of these words.
_SCHEME_TRIGGER = re.compile(r"bearer|basic|token", re.IGNORECASE)
_KEY_TRIGGER = re.compile(
    r"password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|credential|dsn",
    re.IGNORECASE,
)


def mask_email(address: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`; keeps the domain for debugging delivery."""
    local, sep, domain = address.partition("@")
    if not sep:
        return "***"
    return f"{local[:1]}***@{domain}"


def _quoted_redaction(match: re.Match[str]) -> str:
    value = match.group("value")
    if value[:1] in "\"'" and len(value) >= 2:
        replacement = f"{value[0]}{REDACTED}{value[0]}"
    else:
        replacement = REDACTED
    return f"{match.group('key')}{match.group('sep')}{replacement}"


def _opaque(match: re.Match[str]) -> str:
    text = match.group(0)
    if text != text.lower() and text != text.upper() and _DIGIT.search(text):
        return REDACTED
    return text


class Redactor:
    """Scrubs secrets from text and structures; holds the literal secrets of one app."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Register literal secrets (keys, passwords) that have no recognisable shape."""
        known = set(self.secrets) | {s for s in secrets if s and len(s) >= 6}
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted(known, key=len, reverse=True)

    def text(self, value: str) -> str:
        """Return `value` with every secret removed and every email address masked."""
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        # Each rule runs only when its cheap trigger is present: most log lines (access lines,
        # events) have none, and logging must not cost a request a millisecond.
        if "://" in value:
            value = _URL_CREDENTIALS.sub(rf"\1{REDACTED}@", value)
        if "eyJ" in value:
            value = _JWT.sub(REDACTED, value)
        if _SCHEME_TRIGGER.search(value):
            value = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
        if _KEY_TRIGGER.search(value):
            value = _KEY_VALUE.sub(_quoted_redaction, value)
        if "$" in value:
            value = _PASSWORD_HASH.sub(REDACTED, value)
        if len(value) >= 32:
            value = _OPAQUE_TOKEN.sub(_opaque, value)
        if "@" in value:
            value = _EMAIL.sub(lambda m: mask_email(m.group(0)), value)
        return value

    def value(self, key: str | None, value: Any) -> Any:
        """Redact a structured value: everything under a sensitive key, strings scrubbed."""
        if isinstance(value, bool | int | float) or value is None:
            return value
        if key is not None and SENSITIVE_KEY.search(key) and value not in ("", [], {}):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "replace"))
        if isinstance(value, Mapping):
            return {k: self.value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            # Header lists arrive as [name, value] pairs: the name decides for the value.
            if len(value) == 2 and isinstance(value[0], str | bytes):
                name = value[0].decode("latin-1") if isinstance(value[0], bytes) else value[0]
                if SENSITIVE_KEY.search(name):
                    return [name, REDACTED]
            return [self.value(None, item) for item in value]
        return value


DEFAULT_REDACTOR = Redactor()


def scrub(text: str) -> str:
    """Scrub `text` with the shape-based rules only (no app-specific literal secrets)."""
    return DEFAULT_REDACTOR.text(text)
