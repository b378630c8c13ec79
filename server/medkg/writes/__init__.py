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

from typing import TYPE_CHECKING, Any

from medkg.writes.auth import AuthError, WriteToken, check_bearer, token_from

if TYPE_CHECKING:
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

_TRANSACTION = {"GraphStoreOperation", "MalformedWrite", "WriteCore", "WriteError", "WriteForbidden",
                "WriteRejected", "WriteResult", "WriteTooLarge"}


def __getattr__(name: str) -> Any:
    # The transaction module (with rdflib and the validator) loads on first use (PEP 562): a
    # read-only server, which only checks tokens, starts without it (~0.2 s of a restart).
    if name in _TRANSACTION:
        from medkg.writes import transaction

        return getattr(transaction, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
