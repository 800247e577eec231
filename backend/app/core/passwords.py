"""The password policy: 8 to 128 characters, anything allowed, common passwords refused."""

from __future__ import annotations

from functools import lru_cache

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships ~30k passwords ranked by frequency in real leaks; only those a user
    # could still pick under the length rule matter.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_PASSWORD_LENGTH)


def password_problem(password: str) -> str | None:
    """Return why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters."
    if password.lower() in _common_passwords():
        return "This password is too common; choose one that is harder to guess."
    return None
