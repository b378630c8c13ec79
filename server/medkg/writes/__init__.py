"""Curated writes: authenticated, SHACL-guarded, transactional changes to the graph (no web imports).

    from medkg.writes import WriteCore, WriteToken, check_bearer
    core = WriteCore(store)                          # the writer's store (see WriteCore)
    name = check_bearer(request_authorization, token)  # AuthError: 401 missing, 403 wrong
    result = core.update(sparql_update, token_name=name)   # WriteRejected (422) keeps the store as it was

See transaction.py for how a write is staged, validated and committed; serving.py for how the
server runs writes in its single-threaded writer and focus.py for validating only what changed.

May import: medkg.graph, medkg.sparql, medkg.validation and medkg.store.
"""

from __future__ import annotations

from medkg.writes.auth import AuthError, WriteToken, check_bearer, token_from
from medkg.writes.transaction import (
    GraphStoreOperation,
    MalformedWrite,
    WriteCore,
    WriteError,
    WriteForbidden,
    WriteRejected,
    WriteResult,
    WriteTooLarge,
)

__all__ = [
    "AuthError",
    "GraphStoreOperation",
    "MalformedWrite",
    "WriteCore",
    "WriteError",
    "WriteForbidden",
    "WriteRejected",
    "WriteResult",
    "WriteToken",
    "WriteTooLarge",
    "check_bearer",
    "token_from",
]
