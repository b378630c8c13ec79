"""What callers hand the query engine (a store backend, query requests) and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox

from medkg.sparql import wire


class StoreBackend(Protocol):
    """What the server needs from a store."""

    name: str

    def load(self) -> ox.Store:
        """Loads or opens the store in the serving process, before any worker or thread starts."""
        ...

    def worker_store(self) -> ox.Store:
        """The store a query worker queries, called in the worker right after it is forked."""
        ...


class EngineBusy(Exception):
    """Every worker is busy and the waiting line is full (or the wait outlasted the deadline)."""


class QueryTimeout(Exception):
    """The query outlasted its deadline; its worker was killed."""


class WorkerFailed(Exception):
    """A worker died in the middle of a query (not killed by us), e.g. out of memory."""


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    accept: str | None = None
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    gzip: bool = False  # the client takes gzip: the worker may compress the answer

    def message(self) -> bytes:
        return wire.request_message(self.query, self.accept, self.base_iri, self.default_graphs, self.named_graphs,
                                    self.gzip)
