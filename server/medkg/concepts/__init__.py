"""The concept core: lookup, search, annotate, hierarchy and code mapping over SPARQL.

Imports nothing from the web layer: the HTTP API (medkg.web.concepts), the Linked Data pages and
Python users share ``ConceptService``.

    >>> from medkg.concepts import ConceptService
    >>> from medkg.graph.loading import new_store
    >>> service = ConceptService.from_store(new_store())
    >>> service.lookup("medkg:sacral-fracture").label
    'Sacral fracture'

May import: medkg.graph and medkg.sparql (its SPARQL client).
"""

from __future__ import annotations

from medkg.concepts.identifiers import InvalidIdentifier, NotFound
from medkg.concepts.search import InvalidQuery
from medkg.concepts.service import ConceptService
from medkg.sparql.client import QueryFunction, SparqlError, http_client, store_client

__all__ = [
    "ConceptService", "InvalidIdentifier", "InvalidQuery", "NotFound", "QueryFunction", "SparqlError",
    "http_client", "store_client",
]
