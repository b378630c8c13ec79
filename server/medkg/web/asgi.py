"""Small helpers for lean ASGI routes: headers, JSON error bodies, CORS."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

JSON_TYPE = b"application/json"


class Cors:
    """CORS headers for a list of allowed origins ("*" for any), so browser apps can query."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self.any = "*" in origins
        self.origins = {o.encode() for o in origins}

    def headers(self, origin: bytes | None) -> Headers:
        if self.any:
            return [(b"access-control-allow-origin", b"*")]
        if origin is not None and origin in self.origins:
            return [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        return []

    def preflight(self, origin: bytes | None, methods: bytes, requested_headers: bytes | None) -> Headers:
        headers = self.headers(origin)
        if headers:
            headers += [
                (b"access-control-allow-methods", methods),
                (b"access-control-allow-headers", requested_headers or b"Accept, Content-Type"),
                (b"access-control-max-age", b"86400"),
            ]
        return headers


def error_body(status: int, code: str, message: str, **extra: Any) -> bytes:
    """The JSON body of an error: what went wrong, in a sentence a developer can act on."""
    return json.dumps({"status": status, "error": code, "message": message, **extra}).encode()


async def respond(send: Send, status: int, body: bytes, content_type: bytes, headers: Headers,
                  head_only: bool = False) -> None:
    """A complete response in one body message."""
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": b"" if head_only else body})
