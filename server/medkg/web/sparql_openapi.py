"""The OpenAPI description of /sparql (a lean ASGI route, so FastAPI cannot derive it)."""

from __future__ import annotations

from typing import Any

from medkg import formats

_RESULTS = {f.media_type: {"schema": {"type": "string"}} for f in formats.RESULTS_FORMATS}
_GRAPHS = {f.media_type: {"schema": {"type": "string"}} for f in formats.GRAPH_FORMATS}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/SparqlError"}}}

_DATASET_PARAMETERS: list[dict[str, Any]] = [
    {"name": "default-graph-uri", "in": "query", "required": False,
     "description": "IRI of a graph to use as (part of) the default graph; repeatable. Without it the "
                    "default graph is the union of all graphs.",
     "schema": {"type": "array", "items": {"type": "string", "format": "iri"}}, "explode": True},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "description": "IRI of a graph GRAPH clauses may see; repeatable. Without it, all named graphs.",
     "schema": {"type": "array", "items": {"type": "string", "format": "iri"}}, "explode": True},
    {"name": "timeout", "in": "query", "required": False,
     "description": "Seconds the query may run, at most the server's limit (its default).",
     "schema": {"type": "number", "exclusiveMinimum": 0}},
]

_RESPONSES: dict[str, Any] = {
    "200": {"description": "Results: SPARQL JSON/XML/CSV/TSV for SELECT and ASK; Turtle, N-Triples, "
                           "RDF/XML, JSON-LD, N-Quads or TriG for CONSTRUCT and DESCRIBE, by the Accept "
                           "header. With no query, the SPARQL 1.1 Service Description.",
            "content": {**_RESULTS, **_GRAPHS}},
    "400": {"description": "Malformed query (the message gives line and column), missing or repeated "
                           "`query`, SERVICE refused, bad parameter.", "content": _ERROR},
    "403": {"description": "SPARQL Update on the read-only endpoint.", "content": _ERROR},
    "405": {"description": "A method other than GET, HEAD, POST or OPTIONS.", "content": _ERROR},
    "406": {"description": "No format in the Accept header fits the result.", "content": _ERROR},
    "413": {"description": "Request body over the server's limit.", "content": _ERROR},
    "414": {"description": "Query string over the server's limit.", "content": _ERROR},
    "415": {"description": "POST body of another media type or charset.", "content": _ERROR},
    "503": {"description": "Every query worker busy and the waiting line full; retry (Retry-After).",
            "content": _ERROR},
    "504": {"description": "The query ran past its time limit and was stopped.", "content": _ERROR},
}

SPARQL_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "error", "message"],
    "properties": {
        "status": {"type": "integer"},
        "error": {"type": "string", "description": "A stable code, e.g. malformed_query, timeout."},
        "message": {"type": "string"},
        "line": {"type": "integer", "description": "For malformed_query: where the parser stopped."},
        "column": {"type": "integer"},
    },
}

SPARQL_PATH: dict[str, Any] = {
    "get": {
        "tags": ["sparql"],
        "summary": "SPARQL query by GET (or the service description)",
        "description": "SPARQL 1.1 Protocol, query via GET "
                       "(https://www.w3.org/TR/sparql11-protocol/#query-via-get). Without parameters, "
                       "returns the SPARQL 1.1 Service Description.",
        "operationId": "sparql_query_get",
        "parameters": [
            {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "The SPARQL query. Usual prefixes (medkg:, mkg:, skos:, ...) are predeclared."},
            *_DATASET_PARAMETERS,
        ],
        "responses": _RESPONSES,
    },
    "post": {
        "tags": ["sparql"],
        "summary": "SPARQL query by POST (form or direct)",
        "description": "SPARQL 1.1 Protocol, query via URL-encoded POST or POST directly "
                       "(https://www.w3.org/TR/sparql11-protocol/#query-operation). SPARQL Update is "
                       "refused while the endpoint is read-only.",
        "operationId": "sparql_query_post",
        "parameters": _DATASET_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "update": {"type": "string"},
                                   "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                                   "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                                   "timeout": {"type": "number"}},
                }},
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/sparql-update": {"schema": {"type": "string"}},
            },
        },
        "responses": _RESPONSES,
    },
}
