"""Email: messages, templates, and the backends that hand a message to the outside world.

Three backends, chosen by EMAIL_BACKEND: `smtp` (aiosmtplib), `http` (Resend's or SendGrid's
JSON API over HTTPS, for hosts such as Hugging Face Spaces that block outbound SMTP ports) and
`console` (development: the message goes to the log so `make run` shows reset links).

A backend either returns (the provider accepted the message) or raises a TransientEmailError
(worth another attempt: connection errors, timeouts, SMTP 4xx, HTTP 429/5xx) or a
PermanentEmailError (retrying cannot help: SMTP 5xx, HTTP 4xx, a refused certificate). The
outbox dispatcher decides what to do with each; requests never send mail themselves.

Nothing here logs a message body, a link or a credential, except the console backend in
development, whose whole point is to show the message.
"""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import logging
import ssl
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TextIO

import aiosmtplib
import httpx
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.core.clock import utcnow
from app.core.config import Environment as AppEnvironment
from app.core.config import Settings
from app.core.redaction import mask_email

logger = logging.getLogger("app.email")

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "email"
RESEND_BASE_URL = "https://api.resend.com"
SENDGRID_BASE_URL = "https://api.sendgrid.com"

PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
# Not an email: an outbox row recording a forgot-password request, resolved by the dispatcher.
PASSWORD_RESET_REQUEST = "password_reset_request"


@dataclass(frozen=True)
class EmailMessage:
    """One email, fully rendered. `message_id` and `date` stay the same across retries."""

    to: str
    subject: str
    text_body: str
    html_body: str
    from_email: str | None = None
    from_name: str | None = None
    message_id: str = field(default_factory=lambda: email.utils.make_msgid(domain="todo.local"))
    date: datetime = field(default_factory=utcnow)


class EmailDeliveryError(Exception):
    """The backend did not accept a message. `reason` is safe to log: no address, no body."""

    transient: bool = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class TransientEmailError(EmailDeliveryError):
    """Another attempt may succeed (server down, timeout, 4xx SMTP reply, HTTP 429/5xx)."""

    transient = True


class PermanentEmailError(EmailDeliveryError):
    """Retrying cannot help (SMTP 5xx, HTTP 4xx, a certificate we refuse)."""


class EmailBackend(Protocol):
    """Hands one message to a mail system; raises an EmailDeliveryError when it is refused."""

    name: str

    async def send(self, message: EmailMessage) -> None: ...

    async def aclose(self) -> None: ...


# ------------------------------------------------------------------ MIME


def _sender(message: EmailMessage, settings: Settings) -> tuple[str, str]:
    return (
        message.from_name or settings.smtp_from_name or settings.email_from_name,
        message.from_email or settings.smtp_sender,
    )


def to_mime(message: EmailMessage, settings: Settings) -> email.message.EmailMessage:
    """multipart/alternative, plain text first then HTML (clients show the last part they can)."""
    name, address = _sender(message, settings)
    mime = email.message.EmailMessage()
    mime["From"] = email.utils.formataddr((name, address))
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.format_datetime(message.date)
    mime["Message-ID"] = message.message_id
    mime.set_content(message.text_body)
    mime.add_alternative(message.html_body, subtype="html")
    return mime


# ------------------------------------------------------------------ backends


class ConsoleBackend:
    """Development mail: the whole message goes to stderr so `make run` shows reset links.

    The text is written straight to the stream, not through logging, on purpose: the log
    handler scrubs anything shaped like a token, which here is the very thing to show. Outside
    development only the masked address and subject are logged (production refuses this
    backend altogether).
    """

    name = "console"

    def __init__(self, settings: Settings, stream: TextIO | None = None) -> None:
        self.show_body = settings.environment is AppEnvironment.development
        self.stream = stream

    async def send(self, message: EmailMessage) -> None:
        if self.show_body:
            stream = self.stream or sys.stderr
            rule = "-" * 72
            stream.write(
                f"{rule}\nconsole email\nTo: {message.to}\nSubject: {message.subject}\n\n"
                f"{message.text_body}\n{rule}\n"
            )
            stream.flush()
        logger.info(
            "console email written" if self.show_body else "console email (body not shown)",
            extra={"to": mask_email(message.to), "subject": message.subject},
        )

    async def aclose(self) -> None:
        return None


class SmtpBackend:
    """aiosmtplib, one connection per message; SMTP_TIMEOUT bounds the whole send."""

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.smtp_ca_file)
        if not self.settings.smtp_validate_certs:
            # Only reachable outside production (Settings.problems refuses it there).
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        security = s.smtp_security
        kwargs: dict[str, Any] = {
            "hostname": s.smtp_host,
            "port": s.smtp_port,
            "timeout": s.smtp_timeout,
            "use_tls": security == "tls",
            # True makes STARTTLS mandatory: a server that does not offer it is an error.
            "start_tls": security == "starttls",
        }
        if security != "none":
            kwargs["tls_context"] = self._tls_context()
        if s.smtp_username:
            kwargs["username"] = s.smtp_username
            kwargs["password"] = s.smtp_password or ""
        try:
            async with asyncio.timeout(s.smtp_timeout):
                await aiosmtplib.send(to_mime(message, s), **kwargs)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise _classify_smtp_code(min(codes) if codes else 550, "recipient refused") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise _classify_smtp_code(exc.code, type(exc).__name__) from None
        except ssl.SSLCertVerificationError:
            raise PermanentEmailError("server certificate refused") from None
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            raise TransientEmailError("timeout") from None
        except aiosmtplib.SMTPException as exc:
            # aiosmtplib reports a missing STARTTLS or AUTH as a plain SMTPException: waiting
            # will not make the server offer it, and sending without it is not an option.
            if isinstance(exc, aiosmtplib.SMTPNotSupported) or "not supported" in str(exc):
                raise PermanentEmailError(
                    "server does not support a required extension (STARTTLS or AUTH)"
                ) from None
            raise TransientEmailError(f"connection failed ({type(exc).__name__})") from None
        except OSError as exc:
            raise TransientEmailError(f"connection failed ({type(exc).__name__})") from None

    async def aclose(self) -> None:
        return None


def _classify_smtp_code(code: int, what: str) -> EmailDeliveryError:
    """RFC 5321: 4xx is a temporary refusal worth retrying, 5xx is final."""
    reason = f"SMTP {code} ({what})"
    if 400 <= code < 500:
        return TransientEmailError(reason)
    return PermanentEmailError(reason)


class HttpBackend:
    """Resend's or SendGrid's JSON API over HTTPS, for hosts that block SMTP ports."""

    name = "http"

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.provider = settings.email_http_provider
        default = RESEND_BASE_URL if self.provider == "resend" else SENDGRID_BASE_URL
        self.base_url = (settings.email_http_base_url or default).rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=settings.email_http_timeout)

    def request_for(self, message: EmailMessage) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The provider's URL, headers and JSON body for one message."""
        name, address = _sender(message, self.settings)
        headers = {
            "Authorization": f"Bearer {self.settings.email_http_api_key or ''}",
            "Content-Type": "application/json",
        }
        if self.provider == "resend":
            # The same key on a retry lets Resend drop the duplicate if the first try landed.
            headers["Idempotency-Key"] = message.message_id.strip("<>")
            body: dict[str, Any] = {
                "from": email.utils.formataddr((name, address)),
                "to": [message.to],
                "subject": message.subject,
                "text": message.text_body,
                "html": message.html_body,
                "headers": {"Message-ID": message.message_id},
            }
            return f"{self.base_url}/emails", headers, body
        body = {
            "personalizations": [{"to": [{"email": message.to}]}],
            "from": {"email": address, "name": name},
            "subject": message.subject,
            # SendGrid requires text/plain before text/html.
            "content": [
                {"type": "text/plain", "value": message.text_body},
                {"type": "text/html", "value": message.html_body},
            ],
            "headers": {"Message-ID": message.message_id},
        }
        return f"{self.base_url}/v3/mail/send", headers, body

    async def send(self, message: EmailMessage) -> None:
        url, headers, body = self.request_for(message)
        try:
            async with asyncio.timeout(self.settings.email_http_timeout):
                response = await self.client.post(url, headers=headers, json=body)
        except TimeoutError:
            raise TransientEmailError("timeout") from None
        except httpx.HTTPError as exc:
            raise TransientEmailError(f"connection failed ({type(exc).__name__})") from None
        status = response.status_code
        if status < 300:
            return
        reason = f"HTTP {status} from {self.provider}"
        if status == 429 or status >= 500:
            raise TransientEmailError(reason)
        raise PermanentEmailError(reason)

    async def aclose(self) -> None:
        await self.client.aclose()


def create_backend(settings: Settings) -> EmailBackend:
    """The backend EMAIL_BACKEND names."""
    if settings.email_backend == "smtp":
        return SmtpBackend(settings)
    if settings.email_backend == "http":
        return HttpBackend(settings)
    return ConsoleBackend(settings)


def email_configured(settings: Settings) -> bool:
    """Whether the chosen backend has what it needs to deliver (console: outside production)."""
    if settings.email_backend == "smtp":
        return bool(settings.smtp_host)
    if settings.email_backend == "http":
        return bool(settings.email_http_api_key)
    return not settings.is_production


# ------------------------------------------------------------------ templates


class EmailTemplates:
    """Jinja2 templates of every email; HTML is autoescaped, plain text is not."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def render(self, name: str, **context: Any) -> tuple[str, str]:
        """Return (text, html) for `name` (`name.txt` and `name.html`)."""
        text = self.env.get_template(f"{name}.txt").render(**context)
        html = self.env.get_template(f"{name}.html").render(**context)
        return text, html


@lru_cache(maxsize=1)
def default_templates() -> EmailTemplates:
    """The templates shipped with the app, compiled once (read-only after loading)."""
    return EmailTemplates()


def _compose(
    settings: Settings, to_email: str, subject: str, template: str, **context: Any
) -> EmailMessage:
    text, html = default_templates().render(template, app_name=settings.email_from_name, **context)
    domain = settings.smtp_sender.partition("@")[2] or "todo.local"
    return EmailMessage(
        to=to_email,
        subject=subject,
        text_body=text,
        html_body=html,
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
    )


def password_reset_message(settings: Settings, to_email: str, reset_url: str) -> EmailMessage:
    """The "reset your password" email: the link, when it expires, what to do if unasked."""
    return _compose(
        settings,
        to_email,
        "Reset your password",
        PASSWORD_RESET,
        reset_url=reset_url,
        expire_minutes=settings.password_reset_token_expire_minutes,
    )


def password_changed_message(settings: Settings, to_email: str) -> EmailMessage:
    """The "your password was changed" notice, with what to do if it was not the owner."""
    return _compose(
        settings,
        to_email,
        "Your password was changed",
        PASSWORD_CHANGED,
        changed_at=utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        forgot_url=f"{settings.frontend_url}/forgot-password",
    )


class EmailService:
    """Sends the app's emails through one backend (the app itself goes through the outbox)."""

    def __init__(self, settings: Settings, backend: EmailBackend) -> None:
        self.settings = settings
        self.backend = backend

    async def send_email(self, message: EmailMessage) -> None:
        """Send now through the backend; raises TransientEmailError or PermanentEmailError."""
        await self.backend.send(message)

    async def send_password_reset(self, to_email: str, reset_url: str) -> None:
        """Render and send a reset email now."""
        await self.send_email(password_reset_message(self.settings, to_email, reset_url))

    async def aclose(self) -> None:
        await self.backend.aclose()
