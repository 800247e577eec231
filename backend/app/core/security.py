"""Password hashing, access tokens (JWT) and opaque-token hashing.

Access tokens are short-lived HS256 JWTs carrying the user's token version: bumping the
version (logout-all, password change or reset) invalidates every token issued before.
Refresh and reset tokens are random strings stored only as SHA-256 hashes, so a database
leak does not hand out live sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.clock import utcnow

ACCESS_TOKEN_TYPE = "access"
_JWT_ALGORITHM = "HS256"
_password_hash = PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked for unknown emails so a failed login costs the same time either way.

    Built on first use rather than at import: an Argon2 hash per process at import time
    slowed every worker's start-up (and the container's time to healthy).
    """
    return _password_hash.hash(secrets.token_urlsafe(16))


class InvalidToken(Exception):
    """The access token is malformed, expired, forged or of the wrong type."""


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Check a password; return (valid, new_hash) where new_hash is set when parameters changed.

    With no stored hash (unknown user) a dummy hash is verified anyway, so the caller's timing
    does not reveal whether the account exists.
    """
    if password_hash is None:
        _password_hash.verify(password, _dummy_hash())
        return False, None
    try:
        return _password_hash.verify_and_update(password, password_hash)
    except Exception:  # an unparseable stored hash is a failed login, not a crash
        return False, None


# At most two hashes at a time per process: each takes 64 MiB (Argon2's memory cost) and a
# core, so more in parallel buys no speed, only memory (six at once, the default executor's
# size on 2 cores, left workers at ~450 MiB RSS after the auth benchmark).
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


async def hash_password_in_thread(password: str) -> str:
    """hash_password off the event loop.

    Argon2 costs ~0.1-0.2 s of CPU by design; argon2-cffi releases the GIL while hashing, so in
    a thread it neither stalls every other request of the worker nor keeps a second core idle.
    """
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_password, password)


async def verify_password_in_thread(
    password: str, password_hash: str | None
) -> tuple[bool, str | None]:
    """verify_password off the event loop (see hash_password_in_thread)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHING, verify_password, password, password_hash)


def new_opaque_token() -> str:
    """A 256-bit URL-safe random token (refresh and reset tokens)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an opaque token; what the database stores."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    token_version: int
    jti: str
    expires_at: datetime


def create_access_token(
    user_id: uuid.UUID, token_version: int, secret: str, lifetime: timedelta
) -> tuple[str, int]:
    """Sign an access token; return it with its lifetime in seconds."""
    now = utcnow()
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "type": ACCESS_TOKEN_TYPE,
        "ver": token_version,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=_JWT_ALGORITHM), int(lifetime.total_seconds())


# Tokens whose signature and claims were verified, by (secret, token): every authenticated
# request carries one, and re-verifying the HMAC and re-parsing the JSON of the same string
# is a measurable share of a request (docs/benchmarks.md). Expiry is still checked on every
# use. Bounded: the oldest entries go first once it is full.
_VERIFIED_MAX = 4096
_verified: dict[tuple[str, str], AccessClaims] = {}


def decode_access_token(token: str, secret: str) -> AccessClaims:
    """Verify signature, algorithm, expiry and type; raise InvalidToken on any failure."""
    claims = _verified.get((secret, token))
    if claims is None:
        claims = _verify_access_token(token, secret)
        if len(_verified) >= _VERIFIED_MAX:
            with contextlib.suppress(StopIteration, RuntimeError):
                _verified.pop(next(iter(_verified)), None)
        _verified[(secret, token)] = claims
    if claims.expires_at <= utcnow():
        raise InvalidToken("expired")
    return claims


def _verify_access_token(token: str, secret: str) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[_JWT_ALGORITHM],
            options={"require": ["sub", "exp", "iat", "jti", "type", "ver"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    # Expiry is checked against our clock (not PyJWT's) so tests can move time.
    exp = payload.get("exp")
    if not isinstance(exp, int) or exp <= int(utcnow().timestamp()):
        raise InvalidToken("expired")
    if payload.get("type") != ACCESS_TOKEN_TYPE:
        raise InvalidToken("wrong token type")
    try:
        user_id = uuid.UUID(str(payload["sub"]))
        version = int(payload["ver"])
    except (ValueError, TypeError) as exc:
        raise InvalidToken("bad claims") from exc
    return AccessClaims(
        user_id=user_id,
        token_version=version,
        jti=str(payload["jti"]),
        expires_at=datetime.fromtimestamp(exp, UTC),
    )
