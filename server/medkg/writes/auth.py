"""The write token: where it comes from, and the bearer-token check (401 missing, 403 wrong).

The secret is never logged: WriteToken's repr hides it, and errors never quote what was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

ENV_VAR = "MEDKG_WRITE_TOKEN"
DEFAULT_NAME = "curator"


@dataclass(frozen=True)
class WriteToken:
    """A named secret. ``name`` is what the provenance graph records; the secret never leaves."""

    name: str
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("the write token must be at least 16 characters long")


class AuthError(Exception):
    """A request that may not write: ``status`` 401 (no bearer token) or 403 (a wrong one)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def token_from(option: str | None = None, environ: Mapping[str, str] | None = None) -> WriteToken | None:
    """The write token from an option value, else from $MEDKG_WRITE_TOKEN; None: writes are off.

    The value is ``SECRET`` or ``NAME:SECRET`` (the name is recorded with each write).
    """
    value = option if option else (os.environ if environ is None else environ).get(ENV_VAR, "")
    if not value:
        return None
    name, sep, secret = value.partition(":")
    return WriteToken(name, secret) if sep and name and secret else WriteToken(DEFAULT_NAME, value)


def check_bearer(authorization: str | None, token: WriteToken) -> str:
    """The token's name when ``authorization`` is ``Bearer <the secret>``; AuthError otherwise."""
    scheme, _, presented = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise AuthError(401, "this request writes to the graph: send the write token as 'Authorization: Bearer TOKEN'")
    # Digests first: compare_digest then compares equal lengths, so not even the length leaks.
    given = hashlib.sha256(presented.strip().encode()).digest()
    wanted = hashlib.sha256(token.secret.encode()).digest()
    if not hmac.compare_digest(given, wanted):
        raise AuthError(403, "the write token is wrong")
    return token.name
