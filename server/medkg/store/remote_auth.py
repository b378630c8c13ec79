"""HTTP authentication for a remote SPARQL server: credentials from the environment, Digest and Basic.

- ``credentials_from_env``: ``MEDKG_STORE_USER`` / ``MEDKG_STORE_PASSWORD`` (never on a command line,
  where ``ps`` shows them, nor in a URL, which ends up in logs);
- ``Challenge``: a server's ``WWW-Authenticate`` challenge and the ``Authorization`` answering it,
  HTTP Digest (RFC 7616: MD5 or SHA-256, their ``-sess`` variants, ``qop=auth``) or Basic (RFC 7617).

The password never appears in a ``repr``, a log line or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import re
import secrets
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Credentials:
    """A user name and password for a server's authenticated endpoints (never shown: see ``__repr__``)."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(user={self.user!r}, password=<hidden>)"


USER_VARIABLE = "MEDKG_STORE_USER"
PASSWORD_VARIABLE = "MEDKG_STORE_PASSWORD"


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """``Credentials`` from ``MEDKG_STORE_USER`` / ``MEDKG_STORE_PASSWORD``, None when neither is set.

    Raises ValueError when only one of the two is set.
    """
    env = os.environ if environ is None else environ
    user, password = env.get(USER_VARIABLE, ""), env.get(PASSWORD_VARIABLE, "")
    if not user and not password:
        return None
    if not user or not password:
        missing = USER_VARIABLE if not user else PASSWORD_VARIABLE
        raise ValueError(f"{missing} is not set: set both {USER_VARIABLE} and {PASSWORD_VARIABLE}, or neither")
    return Credentials(user, password)


_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*,?')


@dataclass
class Challenge:
    """A server's ``WWW-Authenticate`` challenge, Digest (RFC 7616, MD5 or SHA-256, qop=auth) or Basic."""

    scheme: str
    realm: str = ""
    nonce: str = ""
    opaque: str | None = None
    algorithm: str = "MD5"
    qop: bool = False
    stale: bool = False
    _counts: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @classmethod
    def parse(cls, header: str) -> Challenge | None:
        scheme, _, rest = header.strip().partition(" ")
        params = {k.lower(): v[1:-1].replace('\\"', '"') if v.startswith('"') else v
                  for k, v in _PARAM.findall(rest)}
        if scheme.lower() == "basic":
            return cls("basic", params.get("realm", ""))
        algorithm = params.get("algorithm", "MD5").upper()
        if scheme.lower() != "digest" or "nonce" not in params or algorithm.removesuffix("-SESS") not in _HASHES:
            return None
        qops = [q.strip() for q in params.get("qop", "").split(",")]
        if params.get("qop") and "auth" not in qops:
            return None  # auth-int only: not offered by the servers medkg knows
        return cls("digest", params.get("realm", ""), params["nonce"], params.get("opaque"), algorithm,
                   "auth" in qops, params.get("stale", "").lower() == "true")

    def answer(self, who: Credentials, method: str, url: str, cnonce: str | None = None) -> str:
        """The ``Authorization`` header for one request (RFC 7616 section 3.4; RFC 7617 section 2).

        ``cnonce``: the client nonce (random unless given, as tests do to replay RFC 7616's examples).
        """
        if self.scheme == "basic":
            return "Basic " + base64.b64encode(f"{who.user}:{who.password}".encode()).decode("ascii")
        hash_ = _HASHES[self.algorithm.removesuffix("-SESS")]
        parts = urllib.parse.urlsplit(url)
        uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        nc, cnonce = f"{next(self._counts):08x}", cnonce or secrets.token_hex(8)  # next(): atomic across threads
        ha1 = hash_(f"{who.user}:{self.realm}:{who.password}")
        if self.algorithm.endswith("-SESS"):
            ha1 = hash_(f"{ha1}:{self.nonce}:{cnonce}")
        ha2 = hash_(f"{method}:{uri}")
        if self.qop:
            response = hash_(f"{ha1}:{self.nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            response = hash_(f"{ha1}:{self.nonce}:{ha2}")
        fields = [f'username="{who.user}"', f'realm="{self.realm}"', f'nonce="{self.nonce}"', f'uri="{uri}"',
                  f"algorithm={self.algorithm}", f'response="{response}"']
        if self.opaque is not None:
            fields.append(f'opaque="{self.opaque}"')
        if self.qop:
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        return "Digest " + ", ".join(fields)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_HASHES: dict[str, Callable[[str], str]] = {"MD5": _md5, "SHA-256": _sha256}
