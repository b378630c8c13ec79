"""/store: the SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

Indirect graph identification on a dedicated URL (section 4.2): ``/store?graph=IRI`` names a graph,
``/store?default`` the default graph (here the union of all graphs, as on /sparql). GET and HEAD
read a graph (content negotiated, through the query workers); PUT replaces a named graph, POST adds
to it, DELETE removes it, each with the write token only (medkg.web.writes), validated against the
shapes before it is committed. POST to ``?default`` adds to the data graph, as an INSERT without
GRAPH does (medkg.writes.default_graph); PUT and DELETE of the default graph (the whole union) are
405. A write that changes nothing is a 409 (medkg.web.writes).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from medkg.graph.namespaces import DATA_GRAPH
from medkg.web.asgi import JSON_TYPE, Headers, Receive, Scope, Send, respond
from medkg.web.sparql import (
    ProtocolError,
    SparqlEndpoint,
    _media_type,
    _params,
    respond_refused,
    takes_gzip,
)
from medkg.web.writes import WriteGate, WriteRefused, success_body
from medkg.writes.serving import request_graph_store

PATHS = ("/store",)
ALLOWED_METHODS = b"GET, HEAD, PUT, POST, DELETE, OPTIONS"


class GraphStoreEndpoint:
    """The ASGI app for /store. Reads go through the SPARQL endpoint's query path."""

    def __init__(self, sparql: SparqlEndpoint, writes: WriteGate, store: Any) -> None:
        self.sparql = sparql
        self.writes = writes
        self._store = store  # () -> the front's current store, for "is there such a graph?"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        cors = self.sparql.cors.headers(headers.get(b"origin"))
        try:
            await self._handle(scope, receive, send, headers, cors)
        except (ProtocolError, WriteRefused) as error:
            await respond_refused(send, scope, error, cors)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes],
                      cors: Headers) -> None:
        method = scope["method"]
        if method == "OPTIONS":
            preflight = self.sparql.cors.preflight(headers.get(b"origin"), ALLOWED_METHODS,
                                                   headers.get(b"access-control-request-headers"))
            await respond(send, 204, b"", b"text/plain", [(b"allow", ALLOWED_METHODS), *preflight])
            return
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise ProtocolError(405, "method_not_allowed", f"{method} is not allowed on the graph store",
                                [(b"allow", ALLOWED_METHODS)])
        params = _params(scope["query_string"])
        graph = self._graph(params)
        exists = graph is None or self._exists(graph)
        if method in ("GET", "HEAD"):
            if not exists:
                raise ProtocolError(404, "no_such_graph", f"there is no graph <{graph}>")
            where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
            await self.sparql._query(scope, receive, send, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", {},
                                     headers.get(b"accept"), cors, gzip=takes_gzip(headers.get(b"accept-encoding")))
            return
        name = self.writes.authorize(headers)
        if graph is None and method == "POST":  # added to the default graph: to the data graph, as INSERT does
            graph = self.sparql.settings.base + DATA_GRAPH
            exists = self._exists(graph)
        elif graph is None:
            raise ProtocolError(405, "default_graph_read_only", f"the default graph is the union of the named graphs: "
                                f"{method} of it would {'replace' if method == 'PUT' else 'delete'} the whole graph. "
                                "Name the graph (?graph=IRI); POST ?default adds to the data graph "
                                f"<{self.sparql.settings.base + DATA_GRAPH}>", [(b"allow", b"GET, HEAD, POST, OPTIONS")])
        if method == "DELETE" and not exists:
            raise ProtocolError(404, "no_such_graph", f"there is no graph <{graph}>")
        data, content_type = b"", "text/turtle"
        if method != "DELETE":
            media, _charset = _media_type(headers.get(b"content-type"))
            if not media or ox.RdfFormat.from_media_type(media) is None:
                raise ProtocolError(415, "unsupported_media_type", f"cannot read a {media or 'untyped'} body: "
                                    "send RDF (text/turtle, application/n-triples, application/rdf+xml, ...)")
            content_type = media
            data = await self.sparql._read_body(receive, headers)
        from medkg.writes.transaction import GraphStoreOperation  # loaded by write servers only

        reply = await self.writes.write(request_graph_store(GraphStoreOperation(method, graph, data, content_type), name))
        status = 201 if method != "DELETE" and not exists else 200
        await respond(send, status, success_body(reply, status), JSON_TYPE, cors)

    @staticmethod
    def _graph(params: dict[str, list[str]]) -> str | None:
        if "default" in params and "graph" not in params:
            return None
        values = params.get("graph", [])
        if len(values) != 1 or "default" in params:
            raise ProtocolError(400, "bad_graph_parameter", "name exactly one graph: ?graph=IRI, or ?default")
        try:
            return ox.NamedNode(values[0]).value
        except ValueError:
            raise ProtocolError(400, "bad_graph_iri", f"{values[0]!r} is not an absolute IRI") from None

    def _exists(self, graph: str) -> bool:
        store = self._store()
        try:
            return bool(store.contains_named_graph(ox.NamedNode(graph)))
        except AttributeError:  # not a local store: let the query say
            return True
