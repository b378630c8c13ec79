"""`medkg load --into URL`: put the graph on a SPARQL server, replacing what its graphs held.

Per named graph, the Graph Store Protocol first: an empty ``PUT`` probes for it (and empties the
graph). Oxigraph then gets one ``PUT`` streaming the graph as N-Triples (chunked; memory stays flat
whatever the size, and blank nodes keep their identity as they travel in one request). Other
servers get ``POST``s of batches with a ``Content-Length``: Virtuoso 7 answers ``201`` to a chunked
body and stores nothing, and a batch bounds what one request asks of a server. A server without
the Graph Store Protocol gets SPARQL Update: ``DROP SILENT GRAPH`` then ``INSERT DATA`` in batches.
Either way each blank node's triples are kept in one batch (a blank node label is scoped to one
request).

Servers that want a login (Virtuoso's ``-auth`` endpoints) get the ``Endpoints.credentials``.

Either way a second load leaves the same triples: loading is idempotent.
"""

from __future__ import annotations

import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from medkg.graph.loading import RdfInputError, _parser_reason, rdf_files, rdf_format, rebase
from medkg.graph.namespaces import DATA_GRAPH, DEFAULT_BASE
from medkg.sparql.client import iri
from medkg.store.disk import plan_inputs
from medkg.store.remote import Endpoints, RemoteClient, RemoteRejected, Reply, _excerpt, _origin
from medkg.store.remote_auth import PASSWORD_VARIABLE, USER_VARIABLE

# Statuses meaning "no Graph Store Protocol here" (rather than "your data is wrong").
_NO_GSP = {404, 405, 406, 415, 501}
_CHUNK_TRIPLES = 20_000
BATCH_TRIPLES = 5_000  # per INSERT DATA
TEMPLATE_TRIPLES = 100  # per INSERT ... WHERE {} (triples with blank nodes)
POST_TRIPLES = 100_000  # per Graph Store POST (~12 MB of N-Triples)


@dataclass
class LoadReport:
    graphs: dict[str, int]  # triples sent per graph
    protocol: str  # "graph-store" or "update"
    seconds: float


Progress = Callable[[str, int, bool], None]


def load_into(endpoints: Endpoints, paths: Sequence[Path | str] | None = None, *,
              graph: str | None = None, base: str = DEFAULT_BASE, timeout: float = 120.0,
              progress: Progress | None = None, protocol: str = "auto",
              batch_triples: int = BATCH_TRIPLES) -> LoadReport:
    """Loads the packaged graph (its two named graphs), or ``paths`` into ``graph``.

    ``protocol``: "auto" (Graph Store, falling back to Update), "graph-store" or "update".
    Raises RdfInputError for an unreadable input (what was sent of that graph stays there until the
    next load replaces it), RemoteRejected when the server refuses (``401``: no or wrong login,
    ``403``: the user may not write), other RemoteErrors when it fails.
    """
    start = time.monotonic()
    plan = _plan(paths, graph, base)
    client = RemoteClient(timeout, endpoints.credentials)
    use_gsp = protocol != "update"
    counts: dict[str, int] = {}
    try:
        for target, files in plan.items():
            probe = _gsp_put(client, endpoints, target, iter([])) if use_gsp else None
            if use_gsp and probe is None:
                if protocol == "graph-store":
                    raise RemoteRejected(f"{_origin(endpoints.store)} does not speak the Graph Store Protocol", 405)
                use_gsp = False
            triples = _triples(files, base)
            if use_gsp:
                assert probe is not None
                counter = _Counter(target, progress)
                if probe.server.lower().startswith("oxigraph"):
                    # Oxigraph's own extension: skip the transaction, about 3x faster. Not atomic, but
                    # the graph was just emptied and a failed load is redone by loading again.
                    _gsp_put(client, endpoints, target, _ntriples_chunks(counter.count(triples)),
                             {"no_transaction": ""})
                else:
                    for batch in bnode_safe_batches(counter.count(triples), POST_TRIPLES):
                        _gsp_post(client, endpoints, target, _ntriples(batch))
                counter.done()
                counts[target] = counter.n
            else:
                counts[target] = _update_load(client, endpoints, target, triples, progress, batch_triples)
    finally:
        client.close()
    return LoadReport(counts, "graph-store" if use_gsp else "update", time.monotonic() - start)


def _plan(paths: Sequence[Path | str] | None, graph: str | None, base: str) -> dict[str, list[Path]]:
    if paths:
        return {graph or base + DATA_GRAPH: rdf_files(paths)}
    plan: dict[str, list[Path]] = {}
    for item in plan_inputs(None, base):
        assert item.graph is not None
        plan.setdefault(graph or item.graph, []).append(item.path)
    return plan


def _triples(files: Iterable[Path], base: str) -> Iterator[ox.Triple]:
    """The triples of the files, streamed (quad formats: their graphs are merged into the target)."""
    for path in files:
        fmt = rdf_format(path)
        try:
            if path.stat().st_size == 0:
                raise RdfInputError(path, "the file is empty")
            quads: Iterable[ox.Quad] = ox.parse(path=path, format=fmt, base_iri=path.resolve().as_uri())
            if base != DEFAULT_BASE:
                quads = rebase(quads, base)
            for quad in quads:
                yield quad.triple
        except SyntaxError as error:
            raise RdfInputError(path, _parser_reason(error), error.lineno) from error
        except OSError as error:
            raise RdfInputError(path, error.strerror or str(error)) from error


def _ntriples_chunks(triples: Iterable[ox.Triple]) -> Iterator[bytes]:
    batch: list[ox.Triple] = []
    for triple in triples:
        batch.append(triple)
        if len(batch) >= _CHUNK_TRIPLES:
            yield _ntriples(batch)
            batch.clear()
    if batch:
        yield _ntriples(batch)


def _ntriples(triples: list[ox.Triple]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None  # no output file given: the bytes are returned
    return data


def _gsp_put(client: RemoteClient, endpoints: Endpoints, graph: str, chunks: Iterator[bytes],
             extra: dict[str, str] | None = None) -> Reply | None:
    """PUTs the graph; None when the server has no Graph Store Protocol (only for an empty probe)."""
    url = _with_query(endpoints.store, {"graph": graph, **(extra or {})})
    first = next(chunks, None)
    body: bytes | Iterator[bytes] = b"" if first is None else _prepend(first, chunks)
    reply = client.request("PUT", url, body, {"Content-Type": "application/n-triples"})
    if 200 <= reply.status < 300:
        return reply
    if first is None and reply.status in _NO_GSP:
        return None
    raise _refused(endpoints, endpoints.store, f"the graph {graph}", reply)


def _gsp_post(client: RemoteClient, endpoints: Endpoints, graph: str, body: bytes) -> None:
    reply = client.request("POST", _with_query(endpoints.store, {"graph": graph}), body,
                           {"Content-Type": "application/n-triples"}, retry=False)
    if not 200 <= reply.status < 300:
        raise _refused(endpoints, endpoints.store, f"the graph {graph}", reply)


def _refused(endpoints: Endpoints, url: str, what: str, reply: Reply) -> RemoteRejected:
    """The server's refusal, with what to do about a login or a right that is missing."""
    hint = ""
    if reply.status == 401:
        hint = (f" (wrong user name or password in {USER_VARIABLE} / {PASSWORD_VARIABLE})" if endpoints.credentials
                else f" (it wants a login: set {USER_VARIABLE} and {PASSWORD_VARIABLE})")
    elif reply.status == 403:
        hint = (" (the user may not write there: on Virtuoso, log in as a user with the SPARQL_UPDATE role by "
                f"setting {USER_VARIABLE} and {PASSWORD_VARIABLE}, which sends medkg to the -auth endpoints)")
    return RemoteRejected(f"{_origin(url)} refused {what} ({reply.status}){hint}: {_excerpt(reply.body)}",
                          reply.status)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)


def _update(client: RemoteClient, endpoints: Endpoints, sparql: str) -> None:
    reply = client.request("POST", endpoints.update, urllib.parse.urlencode({"update": sparql}).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded"}, retry=False)
    if not 200 <= reply.status < 300:
        raise _refused(endpoints, endpoints.update, "an update", reply)


def _update_load(client: RemoteClient, endpoints: Endpoints, graph: str, triples: Iterable[ox.Triple],
                 progress: Progress | None, batch_triples: int) -> int:
    _update(client, endpoints, f"DROP SILENT GRAPH {iri(graph)}")
    counter = _Counter(graph, progress)
    for batch in bnode_safe_batches(counter.count(triples), batch_triples):
        ground = [t for t in batch if not _has_bnode(t)]
        if ground:
            _update(client, endpoints, f"INSERT DATA {{ GRAPH {iri(graph)} {{\n{_ntriples(ground).decode()}}} }}")
        # Blank nodes go in a template with WHERE {}: one solution, so each label makes one fresh
        # blank node, as in INSERT DATA (SPARQL 1.1 Update, 3.1.1), which Virtuoso 7 refuses with blank
        # nodes. Small templates: Virtuoso compiles each into SQL and caps its length.
        for linked in bnode_safe_batches([t for t in batch if _has_bnode(t)], TEMPLATE_TRIPLES):
            body = _ntriples(linked).decode()
            _update(client, endpoints, f"INSERT {{ GRAPH {iri(graph)} {{\n{body}}} }} WHERE {{}}")
    counter.done()
    return counter.n


def _has_bnode(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def bnode_safe_batches(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Batches of about ``size`` triples; triples linked through blank nodes stay in one batch.

    Holds the triples that touch blank nodes in memory (those without stream through).
    """
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    linked: list[tuple[str, ox.Triple]] = []
    batch: list[ox.Triple] = []
    for triple in triples:
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            batch.append(triple)
            if len(batch) >= size:
                yield batch
                batch = []
            continue
        root = find(labels[0])
        for other in labels[1:]:
            parent[find(other)] = root
        linked.append((labels[0], triple))
    groups: dict[str, list[ox.Triple]] = {}
    for label, triple in linked:
        groups.setdefault(find(label), []).append(triple)
    for group in groups.values():
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


class _Counter:
    """Counts triples as they stream by, reporting every so often."""

    def __init__(self, graph: str, progress: Progress | None) -> None:
        self.graph = graph
        self.n = 0
        self.progress = progress

    def count(self, triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
        for triple in triples:
            self.n += 1
            if self.progress is not None and self.n % 50_000 == 0:
                self.progress(self.graph, self.n, False)
            yield triple

    def done(self) -> None:
        if self.progress is not None:
            self.progress(self.graph, self.n, True)


def tty_progress() -> Progress | None:
    """A progress line on stderr when it is a terminal, else None (no noise in logs)."""
    if not sys.stderr.isatty():
        return None

    def show(graph: str, n: int, done: bool) -> None:
        sys.stderr.write(f"\r{graph}: {n:,} triples{' - done' if done else ''}\033[K" + ("\n" if done else ""))
        sys.stderr.flush()

    return show
