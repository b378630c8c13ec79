"""The server's settings: one object, built by `medkg serve` from its options (or by tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from medkg.namespaces import DEFAULT_BASE

if TYPE_CHECKING:
    from medkg.writes.auth import WriteToken


def default_workers() -> int:
    """Query workers by default: two per core, at least four.

    More workers than cores, because a worker spends part of each small query waiting for the web
    front to take its answer and hand it the next one, and so that a couple of heavy queries leave
    workers free for small ones. Idle workers cost little: they share the store's memory with the
    zygote they are forked from.
    """
    return max(4, 2 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    """Everything `create_app` needs. Defaults are those of `medkg serve`."""

    base: str = DEFAULT_BASE
    paths: tuple[Path, ...] = ()
    vocab: tuple[Path, ...] = ()  # built reference vocabularies (N-Quads files) served with the graph
    store: str = "memory"
    host: str = "127.0.0.1"
    port: int = 8000
    # Limits of the SPARQL endpoint.
    query_timeout: float = 30.0  # seconds; a client may ask for less with ?timeout=
    workers: int = field(default_factory=default_workers)
    max_queue: int = 64  # queries waiting for a worker before the server answers 503
    max_request_bytes: int = 1024 * 1024  # a query string or request body
    max_header_bytes: int = 64 * 1024  # all request headers together
    max_connections: int = 1000  # open connections; beyond, new ones get 503
    stream_after_bytes: int = 1024 * 1024  # results bigger than this are streamed
    cache_bytes: int = 64 * 1024 * 1024  # complete answers kept for repeated queries; 0: none
    query_memory_bytes: int = 2 * 1024**3  # memory a query may take beyond the store; 0: no cap
    allow_service: bool = False
    read_only: bool = True  # False when write_token is set
    # Curated writes (SPARQL Update, Graph Store Protocol) are accepted with this bearer token only;
    # None: the server is read-only. Its repr hides the secret.
    write_token: WriteToken | None = None
    force_reload: bool = False  # --store DIR: reload changed inputs even over curated writes
    cors_origins: tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        if self.write_token is not None:
            object.__setattr__(self, "read_only", False)
