"""The redaction rules, shape by shape: what must go, and what must stay readable."""

from __future__ import annotations

import pytest

from app.core.redaction import REDACTED, Redactor, mask_email

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXN0dWZm"
OPAQUE = "Zx9kQ2mP7rT4vW1yB8nD3fH6jL0sA5cE9gK2qR8tU"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {JWT}", JWT),
        ("authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ('{"password": "correct horse battery"}', "correct horse"),
        ("{'new_password': 'second pass phrase'}", "second pass"),
        ("current_password=hunter2&next=/", "hunter2"),
        (f"Cookie: access_token={JWT}; refresh_token={OPAQUE}", OPAQUE),
        (f"GET /reset-password?token={OPAQUE}&x=1", OPAQUE),
        ("reset link: https://app.example.com/reset-password?token=abc123DEF", "abc123DEF"),
        (f"refresh failed for {OPAQUE}", OPAQUE),
        ("hash $argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "c2FsdHNhbHQ"),
        ("postgresql+asyncpg://todo:S3cr3t-pw@db.example.com/todo", "S3cr3t-pw"),
        ("redis://:redispass@127.0.0.1:6379/0", "redispass"),
        ("SMTP_PASSWORD=smtp-pass-123 EMAIL_HTTP_API_KEY=re_abc", "smtp-pass-123"),
        ("api_key: re_live_abcdef", "re_live_abcdef"),
        ("settings: jwt_secret_key='k' * 48", "'k'"),
    ],
)
def test_secrets_are_removed(text: str, secret: str) -> None:
    scrubbed = Redactor().text(text)
    assert secret not in scrubbed
    assert REDACTED in scrubbed


def test_literal_secrets_are_removed_whatever_their_shape() -> None:
    redactor = Redactor(["plain words secret key", None, "short"])
    assert redactor.text("key is plain words secret key!") == f"key is {REDACTED}!"
    # Too short to be a secret worth matching everywhere: "short" stays.
    assert redactor.text("short") == "short"


def test_emails_are_masked_keeping_the_domain() -> None:
    assert Redactor().text("sent to Jane.Doe+x@Example.co.uk.") == "sent to J***@Example.co.uk."
    assert mask_email("nobody") == "***"


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/tasks/{task_id} 200 12.34ms",
        "request 9f1c2e3d4b5a69788796a5b4c3d2e1f0 done",
        "user 6b25528b-cac2-473a-a866-037809cf8c08 signed up",
        "SELECT tasks.id FROM tasks WHERE tasks.user_id = ? LIMIT ? OFFSET ?",
        "test_every_response_carries_the_security_headers",
        "https://app.example.com/tasks",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


def test_structured_values_are_redacted_by_key() -> None:
    redactor = Redactor()
    value = redactor.value(
        None,
        {
            "password": "x",
            "headers": [("authorization", "Bearer abcdefgh"), ("accept", "*/*")],
            "count": 3,
            "nested": {"refresh_token": OPAQUE, "note": "mail a@b.example"},
        },
    )
    assert value == {
        "password": REDACTED,
        "headers": [["authorization", REDACTED], ["accept", "*/*"]],
        "count": 3,
        "nested": {"refresh_token": REDACTED, "note": "mail a***@b.example"},
    }
