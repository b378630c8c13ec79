"""Serving `--store URL`: /sparql and the concept API over a remote SPARQL 1.1 server.

There is no local store, so no query workers: a query is forwarded to the server from a thread
(its HTTP request has the query's timeout), and its answer comes back as the same frames a worker
sends (HEAD, DATA, END, or an ERROR with its status), so /sparql relays it unchanged.

- ``RemoteEngine``: the ``QueryEngine`` interface (run, open, stop, ...), at most ``workers``
  queries at once and ``max_queue`` waiting, as the worker pool does;
- ``RemoteStoreView``: the few ``pyoxigraph.Store`` methods the concept service and the service
  description call (``query``, ``named_graphs``), answered by the server.

Every answer is asked for as SPARQL JSON or N-Triples, mended where a server departs from the
standards (Virtuoso 7: an ASK answered as a table, ``nodeID://`` blank nodes, xsd:duration as
seconds; ``medkg.store.remote_dialect``), and written in the format the client negotiated by
medkg's writers, as the embedded store's workers do: a server's own CSV or RDF/XML may not be well
formed (``medkg.sparql.writers``), and an answer a format cannot carry is a 406 naming those that can.

Remote failures: a timeout is a ``QueryTimeout`` (504); a query the server refuses as malformed
keeps its 400 (or 406); anything else is a 502 naming the server.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pyoxigraph as ox

from medkg.graph.namespaces import DEFAULT_BASE, prefixes
from medkg.sparql import formats, wire
from medkg.sparql.engine import EngineBusy, QueryEngine, QueryRequest, QueryTimeout
from medkg.sparql.query import write_result
from medkg.sparql.text import declares_dataset, nesting_depth, uses_service
from medkg.sparql.worker import _SERVICE_REFUSED, MAX_NESTING, WorkerConfig
from medkg.sparql.writers import Unwritable
from medkg.store.errors import StoreOptionError
from medkg.store.remote import (
    RemoteBadReply,
    RemoteError,
    RemoteRejected,
    RemoteStore,
    RemoteTimeout,
    Reply,
    _is_ask,
    _is_graph_query,
    endpoints,
    standard_graphs,
)
from medkg.store.remote_dialect import standard_results, standard_triples
from medkg.store.remote_errors import prologue_lines, remote_syntax_error

_RESULTS = "application/sparql-results+json"


def prepared(query: str, base: str, base_iri: str | None = None) -> str:
    """The query as the embedded engine would read it: predeclared prefixes, relative IRIs resolved.

    A query's own PREFIX / BASE lines come after these, so they take precedence, as they do locally.
    """
    head = f"BASE <{base_iri}>\n" if base_iri and ">" not in base_iri else ""
    head += "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes(base).items() if p + ":" in query)
    return head + query


def dataset(store: RemoteStore, query: str, default_graphs: Sequence[str] | None,
            named_graphs: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The protocol dataset for a query, with the embedded store's rules (see ``medkg.sparql.query.run_query``)."""
    if default_graphs or named_graphs:
        return list(default_graphs or ()), list(named_graphs or ())
    if declares_dataset(query) or store.graphs is None:
        return [], []  # the query's FROM / FROM NAMED, or the server's own default graph
    return list(store.graphs), list(store.graphs)  # union of medkg's graphs, all of them named


class RemoteRun:
    """One forwarded query, read with ``next_frame()`` like a worker's run."""

    def __init__(self, engine: RemoteEngine, task: asyncio.Future[Reply] | tuple[int, bytes],
                 timeout: float, query: str = "", prologue: int = 0) -> None:
        self._engine = engine
        self._query = query  # the user's text, and the lines medkg sent before it: for error positions
        self._prologue = prologue
        self.timeout = timeout
        self.expired = False
        self.complete = False
        # An error frame decided before sending (e.g. SERVICE refused), or the request in flight.
        self._frames: list[tuple[int, bytes]] | None = [task] if isinstance(task, tuple) else None
        self._task = task if not isinstance(task, tuple) else None

    async def next_frame(self) -> tuple[int, bytes]:
        if self._frames is None:
            self._frames = await self._answer()
        kind, payload = self._frames.pop(0)
        if kind in (wire.END, wire.ERROR):
            self.complete = True
        return kind, payload

    async def _answer(self) -> list[tuple[int, bytes]]:
        assert self._task is not None
        try:
            reply = await self._task
        except RemoteTimeout:
            self.expired = True
            raise QueryTimeout(self.timeout) from None
        except _NotAcceptable as refused:
            return [_error(406, "not_acceptable", str(refused))]
        except RemoteRejected as refused:
            if refused.remote_status == 400:  # the client's query: said at its own line and column
                said = remote_syntax_error(str(refused), self._query, self._prologue, self._engine.config.base)
                where = {"line": said.line, "column": said.column} if said.line is not None else {}
                return [_error(400, "malformed_query", said.message, **where)]
            if refused.remote_status == 406:  # the client's Accept: theirs to fix
                return [_error(406, "not_acceptable", str(refused))]
            return [_error(502, "remote_store_failed", str(refused))]
        except RemoteError as failure:
            return [_error(failure.status, "remote_store_failed", str(failure))]
        return [(wire.HEAD, reply.content_type.encode("latin-1")), (wire.DATA, reply.body), (wire.END, b"")]

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()  # the thread finishes its request (bounded by the timeout) unheard

    def close(self) -> None:
        self._engine._done()


def _error(status: int, code: str, message: str, **extra: object) -> tuple[int, bytes]:
    return wire.ERROR, json.dumps({"status": status, "error": code, "message": message, **extra}).encode()


class RemoteEngine(QueryEngine):
    """The query engine for a remote store: forwards queries instead of running workers."""

    def __init__(self, backend: Any, *, workers: int = 2, max_queue: int = 64,
                 config: WorkerConfig | None = None) -> None:
        super().__init__(backend, workers=workers, max_queue=max_queue, config=config)
        self.remote: RemoteStore = backend.store
        self._running = 0
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0

    def start(self) -> None:
        self.backend.load()  # checks that the server answers

    async def open(self) -> None:
        self.start()
        self._slots = asyncio.Semaphore(self.workers)

    def stop(self) -> None:
        self.remote.close()

    @property
    def worker_pids(self) -> list[int]:
        return []

    @property
    def busy(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting

    async def run(self, request: QueryRequest, timeout: float) -> RemoteRun:  # type: ignore[override]
        if self._slots is None:
            await self.open()
        assert self._slots is not None
        loop = asyncio.get_running_loop()
        start = loop.time()
        if self._slots.locked():
            if self._waiting >= self.max_queue:
                raise EngineBusy(f"all {self.workers} query slots are busy and {self.max_queue} queries are waiting")
            self._waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), timeout)
            except TimeoutError:
                raise EngineBusy(f"all {self.workers} query slots stayed busy for {timeout:g} s") from None
            finally:
                self._waiting -= 1
        else:
            await self._slots.acquire()
        self._running += 1
        left = max(timeout - (loop.time() - start), 0.001)
        forwarded = self._forward(request, left)
        if isinstance(forwarded[0], int):  # refused before sending: an error frame
            return RemoteRun(self, forwarded, left)  # type: ignore[arg-type]
        task, sent = forwarded
        return RemoteRun(self, task, left, request.query, prologue_lines(sent, request.query))

    def _forward(self, request: QueryRequest, timeout: float) -> tuple[asyncio.Future[Reply], str] | tuple[int, bytes]:
        """The request in flight and the text sent, or an error frame decided before sending."""
        query = request.query
        if not self.config.allow_service and uses_service(query):
            return _error(400, "service_disabled", _SERVICE_REFUSED)
        if nesting_depth(query) > MAX_NESTING:
            return _error(400, "too_deep", f"the query nests more than {MAX_NESTING} levels deep; flatten it")
        store = self.remote
        default, named = dataset(store, query, request.default_graphs, request.named_graphs)
        text = prepared(query, self.config.base, request.base_iri)
        return asyncio.ensure_future(asyncio.to_thread(
            _rewritten, store, text, request.accept, default, named, timeout, self.config.base)), text

    def _done(self) -> None:
        if self._running:
            self._running -= 1
            if self._slots is not None:
                self._slots.release()


class _NotAcceptable(RemoteError):
    """No media type of the client's Accept header can hold the result."""


def _rewritten(store: RemoteStore, query: str, accept: str | None, default: list[str], named: list[str],
               timeout: float, base: str) -> Reply:
    """The server's answer in standard SPARQL JSON / N-Triples, mended, written as ``accept`` asks.

    Raises _NotAcceptable (406) when the Accept header takes no format of the result's kind.
    """
    graph = _is_graph_query(query)
    kind = "graph" if graph else "boolean" if _is_ask(query) else "solutions"
    fmt = formats.negotiate(accept, formats.formats_for(kind))
    if fmt is None:
        form = {"graph": "a CONSTRUCT or DESCRIBE", "boolean": "an ASK", "solutions": "a SELECT"}[kind]
        raise _NotAcceptable(f"none of the media types in the Accept header can hold {form} result; "
                             f"ask for one of: {formats.offered(kind)}")
    result = _parsed(store, query, default, named, timeout)
    output = io.BytesIO()
    try:
        write_result(result, fmt.engine, output, base)
    except Unwritable as error:
        acceptable = [f.media_type for f in formats.formats_for(kind) if f.name in error.alternatives]
        raise _NotAcceptable(f"{error.reason}; ask for one of: {', '.join(acceptable)}") from None
    return Reply(200, fmt.content_type, output.getvalue(), store.server)


def _parsed(store: RemoteStore, query: str, default: list[str], named: list[str],
            timeout: float | None = None) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
    """A query's answer from the server, standard and parsed (triples for CONSTRUCT / DESCRIBE)."""
    graph = _is_graph_query(query)
    reply = store.query(query, "application/n-triples" if graph else _RESULTS, default_graphs=default,
                        named_graphs=named, timeout=timeout)
    try:
        if graph:
            return standard_triples(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
        data = standard_results(json.loads(reply.body), _is_ask(query))
        return ox.parse_query_results(json.dumps(data).encode(), format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError, AttributeError, TypeError) as error:
        raise RemoteBadReply(f"the SPARQL server {store.url} sent an unreadable result: {error}") from error


class RemoteStoreView:
    """``query`` and ``named_graphs`` of a pyoxigraph Store, answered by a remote server."""

    def __init__(self, store: RemoteStore) -> None:
        self.remote = store

    def query(self, query: str, *, use_default_graph_as_union: bool = False,
              default_graph: ox.NamedNode | list[ox.NamedNode] | None = None,
              named_graphs: list[ox.NamedNode] | None = None, prefixes: dict[str, str] | None = None,
              base_iri: str | None = None) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        head = f"BASE <{base_iri}>\n" if base_iri else ""
        head += "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        if default_graph is not None or named_graphs is not None:
            graphs = default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []
            default = [g.value for g in graphs]
            named = [g.value for g in named_graphs or ()]
        else:
            default, named = dataset(self.remote, query, None, None)
        return _parsed(self.remote, head + query, default, named)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        if self.remote.graphs is not None:
            return iter([ox.NamedNode(g) for g in self.remote.graphs])
        rows = self.remote.run("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        assert isinstance(rows, list)
        return iter([ox.NamedNode(row["g"].value) for row in rows if "g" in row])  # type: ignore[call-overload]


class RemoteStoreUnreachable(StoreOptionError):
    """`--store URL` names a server that does not answer SPARQL queries."""


class RemoteBackend:
    """The graph on a SPARQL server, in medkg's named graphs (as `medkg load --into` puts it).

    There is no local store and no query worker: ``medkg.store.remote_engine`` forwards /sparql queries,
    and ``load()`` gives the concept service and the service description a view of the server
    with the pyoxigraph ``Store.query`` signature.
    """

    name = "remote"
    local = False  # no store in this process: no query workers to fork

    def __init__(self, url: str, graphs: Sequence[str] | None = None, timeout: float = 30.0,
                 base: str = DEFAULT_BASE) -> None:
        try:
            self.endpoints = endpoints(url)
        except ValueError as error:
            raise StoreOptionError(f"--store {url!r}: {error}") from error
        self.store = RemoteStore(self.endpoints.query, graphs if graphs is not None else standard_graphs(base),
                                 timeout)
        self._view: Any = None

    def load(self) -> ox.Store:
        """Checks that the server answers; returns the store view (duck-typed as a pyoxigraph Store)."""
        if self._view is None:
            try:
                self.store.ping()
            except RemoteError as error:
                raise RemoteStoreUnreachable(f"--store {self.store.url}: {error}") from error
            self._view = RemoteStoreView(self.store)
        return self._view  # type: ignore[no-any-return]

    def worker_store(self) -> ox.Store:
        raise RuntimeError("a remote store has no query workers")
