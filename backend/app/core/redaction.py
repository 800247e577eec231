"""Masking of personal data and secrets before anything is written to a log."""

from __future__ import annotations


def mask_email(address: str) -> str:
    """`jane.doe@example.com` -> `j***@example.com`; keeps the domain for debugging delivery."""
    local, sep, domain = address.partition("@")
    if not sep:
        return "***"
    return f"{local[:1]}***@{domain}"
