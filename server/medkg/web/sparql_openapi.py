"""The OpenAPI description of /sparql and /store (lean ASGI routes, so FastAPI cannot derive it)."""

from __future__ import annotations

from typing import Any

from medkg.sparql import formats

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
                           "header. With no query, the SPARQL 1.1 Service Description. Answers of 1 KiB "
                           "or more are gzip-compressed (Content-Encoding: gzip) when Accept-Encoding takes gzip.",
            "content": {**_RESULTS, **_GRAPHS}},
    "400": {"description": "Malformed query (the message gives line and column), missing or repeated "
                           "`query`, SERVICE refused, bad parameter.", "content": _ERROR},
    "403": {"description": "SPARQL Update on the read-only endpoint.", "content": _ERROR},
    "405": {"description": "A method other than GET, HEAD, POST or OPTIONS.", "content": _ERROR},
    "406": {"description": "No format in the Accept header fits the result.", "content": _ERROR},
    "413": {"description": "Request body over the server's limit.", "content": _ERROR},
    "414": {"description": "Query string over the server's limit.", "content": _ERROR},
    "415": {"description": "POST body of another media type or charset.", "content": _ERROR},
    "500": {"description": "The query failed while running, e.g. past the memory a query may take "
                           "(medkg serve --query-memory-bytes).", "content": _ERROR},
    "503": {"description": "Every query worker busy and the waiting line full; retry (Retry-After).",
            "content": _ERROR},
    "504": {"description": "The query ran past its time limit and was stopped.", "content": _ERROR},
}
_WRITE_OK = {"application/json": {"schema": {"$ref": "#/components/schemas/WriteResult"}}}
# Curated writes (SPARQL Update on /sparql, PUT/POST/DELETE on /store): medkg serve --write-token.
_WRITE_RESPONSES: dict[str, Any] = {
    "401": {"description": "A write without the bearer token (WWW-Authenticate says how).", "content": _ERROR},
    "403": {"description": "A write on a read-only server, or with a wrong token.", "content": _ERROR},
    "413": {"description": "Request body over the server's limit.", "content": _ERROR},
    "409": {"description": "The write changed nothing (error no_change): its patterns matched no triple, or "
                           "what it inserts is there already. Never a 200 a curator would read as done.",
            "content": _ERROR},
    "422": {"description": "The write would leave the graph violating the SHACL shapes: nothing was "
                           "written; `report` lists the violations.", "content": _ERROR},
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
        "report": {"type": "object", "description": "For shacl_violation: the SHACL validation report "
                                                    "(as `medkg validate --format json`)."},
    },
}

WRITE_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "added", "removed"],
    "properties": {
        "status": {"type": "integer"},
        "activity": {"type": ["string", "null"], "format": "iri",
                     "description": "The prov:Activity recording the write in the provenance graph."},
        "added": {"type": "integer", "description": "Triples added."},
        "removed": {"type": "integer", "description": "Triples removed."},
    },
}

SPARQL_PATH: dict[str, Any] = {
    "get": {
        "tags": ["sparql"],
        "summary": "SPARQL query by GET (or the service description)",
        "description": "SPARQL 1.1 Protocol, query via GET "
                       "(https://www.w3.org/TR/sparql11-protocol/#query-via-get). Without parameters, "
                       "returns the SPARQL 1.1 Service Description (RDF), or to a browser (an Accept "
                       "ranking text/html above every RDF type) the HTML query page.",
        "operationId": "sparql_query_get",
        "parameters": [
            {"name": "query", "in": "query", "required": False, "schema": {"type": "string", "minLength": 1},
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
                       "refused while the endpoint is read-only. With the write token, an update sees the "
                       "default graph queries see, the union of the named graphs: a pattern without GRAPH "
                       "matches across it, a deleted triple leaves every graph holding it, and a triple "
                       "inserted without GRAPH goes to the data graph. CLEAR/DROP/COPY/MOVE/ADD DEFAULT "
                       "and CLEAR/DROP NAMED/ALL are refused (400): name the graph.",
        "operationId": "sparql_query_post",
        "parameters": _DATASET_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object",
                    "properties": {"query": {"type": "string", "minLength": 1},
                                   "update": {"type": "string", "minLength": 1},
                                   "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                                   "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                                   "timeout": {"type": "number", "exclusiveMinimum": 0}},
                    # exactly one of query and update
                    "oneOf": [{"required": ["query"], "not": {"required": ["update"]}},
                              {"required": ["update"], "not": {"required": ["query"]}}],
                }},
                "application/sparql-query": {"schema": {"type": "string", "minLength": 1}},
                "application/sparql-update": {"schema": {"type": "string", "minLength": 1}},
            },
        },
        "responses": {**_RESPONSES, "200": {**_RESPONSES["200"], "description": _RESPONSES["200"]["description"]
                                            + " For a SPARQL Update (with the write token): what it changed.",
                                            "content": {**_RESPONSES["200"]["content"], **_WRITE_OK}},
                      **_WRITE_RESPONSES},
    },
}

_GRAPH_PARAMETERS: list[dict[str, Any]] = [
    {"name": "graph", "in": "query", "required": False, "schema": {"type": "string", "format": "iri"},
     "description": "The IRI of the named graph (indirect identification)."},
    {"name": "default", "in": "query", "required": False, "allowEmptyValue": True, "schema": {"type": "string"},
     "description": "Instead of graph: the default graph, the union of all graphs. GET reads it; POST "
                    "adds to the data graph; PUT and DELETE of it are refused (405)."},
]
_RDF_BODY = {"required": True, "content": {f.media_type: {"schema": {"type": "string"}} for f in formats.GRAPH_FORMATS}}
_STORE_ERRORS: dict[str, Any] = {
    "400": {"description": "Neither or both of graph and default, or a graph that is not an absolute IRI; "
                           "a body that does not parse.", "content": _ERROR},
    "405": {"description": "PUT or DELETE of the default graph (the union, the whole graph: name a graph).",
            "content": _ERROR},
}


def _store_write(summary: str, description: str, operation: str, body: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": "Done: what changed.", "content": _WRITE_OK},
        **_STORE_ERRORS,
        **_WRITE_RESPONSES,
    }
    if body:
        responses["201"] = {"description": "Done, and the graph is new.", "content": _WRITE_OK}
        responses["415"] = {"description": "A body that is not RDF.", "content": _ERROR}
    else:
        responses["404"] = {"description": "No such graph.", "content": _ERROR}
    return {"tags": ["graph store"], "summary": summary, "description": description, "operationId": operation,
            "parameters": _GRAPH_PARAMETERS, **({"requestBody": _RDF_BODY} if body else {}), "responses": responses}


STORE_PATH: dict[str, Any] = {
    "get": {
        "tags": ["graph store"],
        "summary": "Read a graph",
        "description": "SPARQL 1.1 Graph Store HTTP Protocol, GET "
                       "(https://www.w3.org/TR/sparql11-http-rdf-update/#http-get): the graph's triples in the "
                       "format of the Accept header.",
        "operationId": "graph_store_get",
        "parameters": _GRAPH_PARAMETERS,
        "responses": {
            "200": {"description": "The graph.", "content": _GRAPHS},
            **_STORE_ERRORS,
            "404": {"description": "No such graph.", "content": _ERROR},
            "406": _RESPONSES["406"], "503": _RESPONSES["503"], "504": _RESPONSES["504"],
        },
    },
    "put": _store_write("Replace a named graph", "Graph Store Protocol PUT: the body becomes the graph, "
                        "validated against the SHACL shapes before it is committed (write token only).",
                        "graph_store_put", True),
    "post": _store_write("Add to a named graph", "Graph Store Protocol POST: the body's triples are added, "
                         "validated against the SHACL shapes before they are committed (write token only).",
                         "graph_store_post", True),
    "delete": _store_write("Remove a named graph", "Graph Store Protocol DELETE (write token only), "
                           "refused if what remains would violate the shapes.", "graph_store_delete", False),
}
