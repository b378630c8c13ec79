"""Curated writes over HTTP: the bearer-token gate and the serialized write path (issue 7).

Shared by SPARQL Update on /sparql (medkg.web.sparql) and the Graph Store Protocol on /store
(medkg.web.graph_store). A write is sent to the engine (run in the zygote, medkg.writes.serving);
once it is committed, the hooks refresh what the front derived from the graph (its store copy,
concept indexes, statistics, response cache), and only then does the client get its 200. A write
that changes nothing is answered 409 "no_change" with the reason, never a 200 a curator reads as done.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from medkg.settings import Settings
from medkg.sparql.engine import QueryEngine
from medkg.writes.auth import AuthError, check_bearer

Hook = Callable[[dict[str, Any]], Awaitable[None]]


class WriteRefused(Exception):
    """A write not applied: its status, error code, message, extra JSON fields and headers."""

    def __init__(self, status: int, code: str, message: str, *, headers: list[tuple[bytes, bytes]] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or []
        self.extra = extra


class WriteGate:
    """Who may write (the token), and the one path every write takes."""

    def __init__(self, settings: Settings, engine: QueryEngine) -> None:
        self.token = settings.write_token
        self.engine = engine
        self.hooks: list[Hook] = []
        self._lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return self.token is not None and getattr(self.engine, "writer", None) is not None

    def authorize(self, headers: dict[bytes, bytes]) -> str:
        """The token's name, or WriteRefused: 403 when writes are off, 401 / 403 for the token."""
        if not self.enabled or self.token is None:
            raise WriteRefused(403, "read_only", "this endpoint is read-only: writes are not accepted "
                               "(a curator's server is started with --write-token)")
        authorization = headers.get(b"authorization")
        try:
            return check_bearer(authorization.decode("latin-1") if authorization else None, self.token)
        except AuthError as error:
            challenge = b'Bearer realm="medkg"' if error.status == 401 else b'Bearer realm="medkg", error="invalid_token"'
            raise WriteRefused(error.status, "unauthorized" if error.status == 401 else "forbidden", str(error),
                               headers=[(b"www-authenticate", challenge)]) from None

    async def write(self, request: dict[str, Any]) -> dict[str, Any]:
        """Runs a write; its success reply, or WriteRefused (the graph unchanged)."""
        async with self._lock:
            reply = await self.engine.write(request)
            if reply.get("ok") and (reply.get("added") or reply.get("removed")):
                for hook in self.hooks:
                    await hook(reply)
        if not reply.get("ok"):
            status = int(reply.get("status", 500))
            code = {400: "malformed_write", 403: "forbidden_write", 413: "write_too_large",
                    422: "shacl_violation"}.get(status, "write_failed")
            if reply.get("error") == "UnservableWrite":
                code = "not_xml_characters"
            extra = {"report": reply["report"]} if reply.get("report") is not None else {}
            raise WriteRefused(status, code, str(reply.get("message")), **extra)
        if not (reply.get("added") or reply.get("removed")):
            raise WriteRefused(409, "no_change", _NO_CHANGE.get(request.get("kind", ""), _NO_CHANGE["update"]),
                               added=0, removed=0)
        return reply


# A write that changes nothing is not answered 200: a curator would read that as done (issue 14).
_NO_CHANGE = {
    "update": "nothing changed: the update deleted no triple (its patterns matched none, the triples are not "
              "in the graph, or the graph it clears, drops or moves holds none) and inserted none that was not "
              "there already. Updates see the default graph "
              "queries see, the union of the named graphs; check what it matches with a SELECT of the same WHERE.",
    "graph_store": "nothing changed: the graph already holds exactly these triples.",
}


def success_body(reply: dict[str, Any], status: int = 200) -> bytes:
    return json.dumps({"status": status, "activity": reply.get("activity") or None, "added": reply.get("added", 0),
                       "removed": reply.get("removed", 0)}).encode()
