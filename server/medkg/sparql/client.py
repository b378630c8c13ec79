"""The one door of the concept core to the store: a SPARQL 1.1 query function.

The core sees results in the shape of the W3C SPARQL 1.1 JSON results format (terms typed uri,
literal or bnode), whatever answers the query. Two adapters are here: the embedded pyoxigraph
store, and any SPARQL 1.1 Protocol endpoint over HTTP (standard library only), so the same core
runs against a remote server (issue 6). Nothing else in the core touches a store API.

Every value put into a query goes through ``iri`` or ``literal`` below, which refuse or escape
anything that could end the term early: input never reaches SPARQL unescaped.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, NamedTuple

import pyoxigraph as ox

from medkg.graph.namespaces import DEFAULT_BASE, prefixes


class Term(NamedTuple):
    """An RDF term as the SPARQL JSON results format has it (a tuple: cheap to make by the million)."""

    type: str  # "uri", "literal" or "bnode"
    value: str
    lang: str | None = None
    datatype: str | None = None


Row = dict[str, Term]
Triple = tuple[Term, Term, Term]
Result = list[Row] | bool | list[Triple]
QueryFunction = Callable[[str], Result]


class SparqlError(Exception):
    """The store refused or failed a query the core sent."""


# SPARQL 1.1 grammar, IRIREF: no controls, space, <>"{}|^`\ inside an IRI.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that can be written as a SPARQL IRIREF."""
    return bool(_SCHEME.match(text)) and not _IRI_FORBIDDEN.search(text) and len(text) <= 4096


def iri(text: str) -> str:
    """``<text>`` for a query. Raises ValueError for anything that is not a plain absolute IRI."""
    if not is_iri(text):
        raise ValueError(f"not an absolute IRI: {text[:80]!r}")
    return f"<{text}>"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def literal(text: str) -> str:
    """A quoted string literal for a query, every character that could close it escaped."""
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def values(variable: str, iris: list[str]) -> str:
    """A VALUES block binding ``variable`` to each IRI."""
    return f"VALUES ?{variable} {{ {' '.join(iri(i) for i in iris)} }}"


def prologue(base: str = DEFAULT_BASE) -> str:
    """PREFIX lines, so the core's queries run on any SPARQL 1.1 server (no predeclared prefixes)."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base).items())


# --- The embedded store -------------------------------------------------------------------------


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term(node: object) -> Term:
    kind = type(node)  # exact types first: this runs once per value of every row the core reads
    if kind is ox.NamedNode or isinstance(node, ox.NamedNode):
        return Term("uri", node.value)  # type: ignore[attr-defined]
    if isinstance(node, ox.Literal):
        language = node.language
        if language:
            return Term("literal", node.value, language)
        datatype = node.datatype.value
        return Term("literal", node.value, None, None if datatype == _XSD_STRING else datatype)
    if isinstance(node, ox.BlankNode):
        return Term("bnode", node.value)
    return Term("literal", str(node))


def store_client(store: ox.Store) -> QueryFunction:
    """A query function over an embedded pyoxigraph store (default graph = union of all graphs)."""

    def run(sparql: str) -> Result:
        try:
            result = store.query(sparql, use_default_graph_as_union=True)
        except (SyntaxError, ValueError, OSError) as error:
            raise SparqlError(str(error)) from error
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows: list[Row] = []
            for solution in result:
                row: Row = {}
                for name in names:
                    node = solution[name]
                    if node is not None:
                        row[name] = _term(node)
                rows.append(row)
            return rows
        return [(_term(t.subject), _term(t.predicate), _term(t.object)) for t in result]

    return run


# --- A remote SPARQL 1.1 Protocol endpoint ------------------------------------------------------


def parse_json_results(data: dict[str, Any]) -> list[Row] | bool:
    """SPARQL 1.1 Query Results JSON into rows (or the boolean of an ASK)."""
    if "boolean" in data:
        return bool(data["boolean"])
    bindings = data.get("results", {}).get("bindings", [])
    rows: list[Row] = []
    for binding in bindings:
        row: Row = {}
        for name, value in binding.items():
            kind = "literal" if value["type"] == "typed-literal" else value["type"]
            row[name] = Term(kind, value["value"], value.get("xml:lang"), value.get("datatype"))
        rows.append(row)
    return rows


def http_client(endpoint: str, timeout: float = 30.0) -> QueryFunction:
    """A query function over a SPARQL 1.1 Protocol endpoint (query via POST, URL-encoded form).

    CONSTRUCT results are asked for as N-Triples and parsed with pyoxigraph's parser.
    """

    def run(sparql: str) -> Result:
        graph = re.search(r"^\s*(CONSTRUCT|DESCRIBE)\b", _strip_prologue(sparql), re.IGNORECASE) is not None
        accept = "application/n-triples" if graph else "application/sparql-results+json"
        body = urllib.parse.urlencode({"query": sparql}).encode()
        request = urllib.request.Request(endpoint, data=body, headers={
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
        except OSError as error:
            raise SparqlError(f"the SPARQL endpoint {endpoint} failed: {error}") from error
        if graph:
            triples = ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)
            return [(_term(t.subject), _term(t.predicate), _term(t.object)) for t in triples]
        return parse_json_results(json.loads(payload))

    return run


def _strip_prologue(sparql: str) -> str:
    return re.sub(r"^(\s*(PREFIX\s+[^:\s]*:\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*))*", "", sparql, flags=re.IGNORECASE)


def select(run: QueryFunction, sparql: str) -> list[Row]:
    """Rows of a SELECT query."""
    result = run(sparql)
    if isinstance(result, bool):
        raise SparqlError("expected solutions from a SELECT query, got a boolean")
    return result  # type: ignore[return-value]


def construct(run: QueryFunction, sparql: str) -> list[Triple]:
    """Triples of a CONSTRUCT query."""
    result = run(sparql)
    if isinstance(result, bool):
        raise SparqlError("expected triples from a CONSTRUCT query, got a boolean")
    return result  # type: ignore[return-value]
