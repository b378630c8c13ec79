"""One write = one transaction: staged, validated on what it touches, committed only if it conforms.

    core = WriteCore(store)
    core.update("INSERT DATA { GRAPH <https://w3id.org/medkg/graph/data> { ... } }", token_name="curator")
    core.graph_store(GraphStoreOperation("PUT", graph_iri, turtle_bytes, "text/turtle"), token_name=...)

How a write runs (under one lock, so writes are serialized):
1. size caps on the request (bytes) - WriteTooLarge;
2. the change (quads added and removed), capped in triples - WriteTooLarge. INSERT DATA / DELETE
   DATA requests and Graph Store Protocol writes name their quads: the change is read from them
   and the live store, in O(change). Any other update runs on a private copy of the live store,
   and the change is the difference of the two (O(graph size): pyoxigraph 0.5 exposes no user
   transaction and no change log, and a rejected update could not be undone on the live store);
3. the change is applied to a staging store: a copy of the live one, or with ``in_place`` the live
   store itself (for an owner no one reads concurrently, e.g. the server's single-threaded writer);
4. the shapes are checked on the focus nodes of the change (medkg.writes.focus) - WriteRejected
   with the SHACL report; the live store is as it was (in place: the change is undone);
5. a prov:Activity is added to <base>graph/provenance in the staging store, and the staging store
   becomes the live one (one reference swap: a reader holding the old store keeps a consistent
   snapshot, a reader asking afterwards gets the new one).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import Graph

from medkg.graph.namespaces import DEFAULT_BASE, GRAPH
from medkg.sparql.query import used_prefixes
from medkg.sparql.text import _tokens, data_operations, uses_service
from medkg.sparql.writers import xml_unsafe
from medkg.store.backends import apply_change
from medkg.validation import load_shapes, validate_store
from medkg.validation.report import ValidationReport
from medkg.writes import default_graph, focus, graph_operations

PROVENANCE_GRAPH = GRAPH + "provenance"
PROVENANCE_PREFIX = "source/write-"  # activities: <base>source/write-<uuid>
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"


class WriteError(Exception):
    """A write that was not applied. ``status`` is the HTTP status the server answers with."""

    status = 400


class MalformedWrite(WriteError):
    """Not a parseable SPARQL Update / RDF payload (400)."""


class WriteForbidden(WriteError):
    """An operation writes may not do: LOAD, SERVICE, touching the provenance graph (403)."""

    status = 403


class WriteTooLarge(WriteError):
    """Past a size cap (413)."""

    status = 413


class WriteRejected(WriteError):
    """The graph would violate the shapes (422); ``report`` says where and why."""

    status = 422

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(f"the write would leave the graph invalid: {report.summary()}")
        self.report = report


class UnservableWrite(WriteError):
    """The write would store a character XML 1.0 cannot carry (422): every graph stays servable in
    every format the server offers, RDF/XML and SPARQL XML results included."""

    status = 422


def _check_servable(added: set[ox.Quad]) -> None:
    """Raises UnservableWrite for an added IRI or literal holding a character outside XML 1.0's Char
    production (section 2.2: U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF)."""
    for quad in added:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, (ox.NamedNode, ox.Literal)):
                bad = xml_unsafe(term.value)
                if bad is not None:
                    what = f"the literal {term.value!r}" if isinstance(term, ox.Literal) else f"the IRI <{term.value}>"
                    raise UnservableWrite(
                        f"{what} holds U+{ord(bad):04X}, a character XML 1.0 cannot carry: the graph is served "
                        "as RDF/XML and SPARQL XML results too, so it is not stored; remove the character or "
                        "write it out in words")


@dataclass(frozen=True)
class GraphStoreOperation:
    """A Graph Store Protocol request: PUT (replace), POST (add to) or DELETE a named graph."""

    method: str
    graph: str
    data: bytes = b""
    content_type: str = "text/turtle"


@dataclass(frozen=True)
class WriteResult:
    activity: str  # IRI of the prov:Activity recording it
    added: int
    removed: int
    focus_nodes: int
    full_validation: bool
    seconds: dict[str, float] = field(default_factory=dict)
    # The quads the commit added (the provenance record included) and removed: what a copy of the
    # store needs to follow the write (the server's front, an on-disk checkpoint).
    added_quads: frozenset[ox.Quad] = field(default=frozenset(), repr=False)
    removed_quads: frozenset[ox.Quad] = field(default=frozenset(), repr=False)


class WriteCore:
    """Serialized, validated writes to a store. ``store`` is always a committed state.

    Readers must take ``core.store`` for each read (or hold one reference for a consistent
    snapshot): a commit replaces the object, it never changes a store a reader holds.
    """

    def __init__(self, store: ox.Store, *, base: str = DEFAULT_BASE, shapes: Graph | None = None,
                 max_request_bytes: int = 1024 * 1024, max_changed_triples: int = 10_000,
                 in_place: bool = False, read_only_graphs: frozenset[str] = frozenset()) -> None:
        """``read_only_graphs``: named graphs no write may change (the imported vocabularies'), 403."""
        self._store = store
        self.read_only_graphs = read_only_graphs
        self.base = base
        self.shapes = shapes
        self.max_request_bytes = max_request_bytes
        self.max_changed_triples = max_changed_triples
        self.in_place = in_place  # see the module docstring, step 3
        self.lock = threading.Lock()

    @property
    def store(self) -> ox.Store:
        return self._store

    def update(self, sparql: str, *, token_name: str) -> WriteResult:
        """Applies a SPARQL 1.1 Update (see the module docstring). Its default graph is the one queries
        see, the union of the named graphs (medkg.writes.default_graph): MalformedWrite (400) for
        CLEAR / DROP / COPY / MOVE / ADD DEFAULT and CLEAR / DROP NAMED / ALL, which would act on the whole graph."""
        self._check_size(len(sparql.encode()))
        tokens = {t.upper() for t in _tokens(sparql)}
        if "LOAD" in tokens or uses_service(sparql):
            raise WriteForbidden("LOAD and SERVICE are not allowed in writes: send the data itself")
        if self.base + PROVENANCE_GRAPH in sparql:
            raise WriteForbidden(f"the graph <{self.base + PROVENANCE_GRAPH}> is written by the server only")

        refusal = default_graph.whole_graph_refusal(sparql, self.base)
        if refusal is not None:
            raise MalformedWrite(refusal)

        # The prefixes a query may use undeclared, an update may too (the same mechanism: run_query's).
        prefixes = used_prefixes(sparql, self.base)
        changed, sources = graph_operations.operation_graphs(sparql, prefixes)
        self._check_writable(changed)
        for source in sorted(sources):
            if not self._store.contains_named_graph(ox.NamedNode(source)):
                raise MalformedWrite(
                    f"the graph <{source}> does not exist: copying, moving or adding from it would put nothing "
                    "in the target (COPY and MOVE would empty it), so the update is refused, SILENT or not. "
                    "Check the graph's IRI (the graphs are listed by SELECT DISTINCT ?g WHERE { GRAPH ?g {} })")

        def apply(staging: ox.Store) -> None:
            own = default_graph.union_as_default(staging)  # the default graph a query sees
            try:
                staging.update(sparql, prefixes=prefixes)
            except SyntaxError as error:
                raise MalformedWrite(f"SPARQL Update syntax error: {error}") from error
            except (ValueError, OSError, RuntimeError) as error:  # e.g. DROP of a graph that is not there
                raise MalformedWrite(f"the update failed: {error}") from error
            default_graph.fold_default(staging, self._store, own, self.base)  # self._store: live, under the lock

        operations = _data_quads(sparql, prefixes)
        if operations is None:
            return self._transaction(apply, token_name, record=_record(sparql))

        def change(live: ox.Store) -> tuple[set[ox.Quad], set[ox.Quad]]:
            return default_graph.data_change(live, operations, self.base)

        return self._transaction(change, token_name, record=_record(sparql), direct=True)

    def graph_store(self, op: GraphStoreOperation, *, token_name: str) -> WriteResult:
        """Applies a Graph Store Protocol PUT / POST / DELETE of a named graph."""
        self._check_size(len(op.data))
        if op.method not in ("PUT", "POST", "DELETE"):
            raise MalformedWrite(f"the Graph Store Protocol writes with PUT, POST or DELETE, not {op.method}")
        try:
            graph = ox.NamedNode(op.graph)
        except ValueError as error:
            raise MalformedWrite(f"the graph IRI {op.graph!r} is not valid: {error}") from error
        if op.graph == self.base + PROVENANCE_GRAPH:
            raise WriteForbidden(f"the graph <{op.graph}> is written by the server only")
        self._check_writable({op.graph})
        quads: list[ox.Quad] = []
        if op.method != "DELETE":
            fmt = ox.RdfFormat.from_media_type(op.content_type.split(";")[0].strip())
            if fmt is None:
                raise MalformedWrite(f"unsupported RDF media type {op.content_type!r}")
            try:
                quads = [ox.Quad(q.subject, q.predicate, q.object, graph)
                         for q in ox.parse(op.data, format=fmt, base_iri=op.graph)]
            except SyntaxError as error:
                raise MalformedWrite(f"the {op.content_type} payload does not parse: {error}") from error

        def change(live: ox.Store) -> tuple[set[ox.Quad], set[ox.Quad]]:
            if op.method == "DELETE" and not live.contains_named_graph(graph):
                raise MalformedWrite(f"there is no graph <{op.graph}>")
            current = set(live.quads_for_pattern(None, None, None, graph)) if op.method != "POST" else set()
            new = set(quads)
            if op.method == "POST":
                return {q for q in new if q not in live}, set()
            return new - current, current - new

        record = f"{op.method} <{op.graph}> ({op.content_type}, {len(op.data)} bytes, sha256 {hashlib.sha256(op.data).hexdigest()})"
        return self._transaction(change, token_name, record=record, direct=True)

    # -- internals ---------------------------------------------------------------------------------

    def _check_writable(self, graphs: set[str]) -> None:
        """WriteForbidden for a change to an imported vocabulary's graph: it holds the release as
        published (rebuilt by `medkg vocab build`), and the concept index follows curated graphs only."""
        for graph in sorted(graphs & self.read_only_graphs):
            raise WriteForbidden(
                f"the graph <{graph}> holds an imported vocabulary, kept as its release publishes it: writes "
                f"may not change it. Write curated facts to <{default_graph.data_graph(self.base).value}> "
                "(e.g. a skos:exactMatch from a curated concept to the vocabulary's code)")

    def _check_size(self, size: int) -> None:
        if size > self.max_request_bytes:
            raise WriteTooLarge(f"the write is {size} bytes; at most {self.max_request_bytes} are accepted per request")

    def _transaction(self, step, token_name: str, *, record: str, direct: bool = False) -> WriteResult:  # type: ignore[no-untyped-def]
        """``step``: with ``direct``, live store -> (added, removed); otherwise it applies the write
        to a copy of the live store, and the change is the difference."""
        seconds: dict[str, float] = {}
        with self.lock:
            live = self._store
            t0 = time.perf_counter()
            if direct:
                added, removed = step(live)
                staging = None
            else:
                staging = _copy(live)
                step(staging)
                added = set(staging.quads_for_pattern(None, None, None, None))
                removed = set(live.quads_for_pattern(None, None, None, None))
                added, removed = added - removed, removed - added
            seconds["change"] = time.perf_counter() - t0
            if len(added) + len(removed) > self.max_changed_triples:
                raise WriteTooLarge(f"the write changes {len(added) + len(removed)} triples; at most "
                                    f"{self.max_changed_triples} may change per request")
            _check_servable(added)
            changed = added | removed
            provenance = ox.NamedNode(self.base + PROVENANCE_GRAPH)
            if any(q.graph_name == provenance for q in changed):  # whatever the spelling of the IRI
                raise WriteForbidden(f"the graph <{provenance.value}> is written by the server only")
            self._check_writable({q.graph_name.value for q in changed if isinstance(q.graph_name, ox.NamedNode)})
            referrers = focus.focus_nodes(changed, [live])  # before the change: who linked to what goes
            t1 = time.perf_counter()
            if staging is None:
                staging = live if self.in_place else _copy(live)
                apply_change(staging, added, removed)
                seconds["stage"] = time.perf_counter() - t1
                t1 = time.perf_counter()
            try:
                # The shapes as they read under this store's base (medkg.validation.load_shapes).
                shapes = self.shapes if self.shapes is not None else load_shapes(base=self.base)
                full = focus.touches_schema(changed, self.base)
                if full:
                    report = validate_store(staging, shapes=shapes)
                    nodes: set[focus.Node] = set()
                else:
                    nodes = referrers | focus.focus_nodes(changed, [staging])
                    report = focus.validate_focus(staging, nodes, shapes) if nodes else ValidationReport()
                seconds["validate"] = time.perf_counter() - t1
                if not report.conforms:
                    raise WriteRejected(report)
            except BaseException:
                if staging is live:
                    apply_change(live, removed, added)  # undone: the live store as it was
                raise
            activity = self.base + PROVENANCE_PREFIX + uuid.uuid4().hex
            record_quads: list[ox.Quad] = []
            if changed:
                record_quads = self._provenance(activity, token_name, len(added), len(removed), record)
                staging.extend(record_quads)
                self._store = staging  # the commit: one reference swap (or the same store, in place)
            seconds["total"] = time.perf_counter() - t0
        return WriteResult(activity if changed else "", len(added), len(removed), len(nodes), full, seconds,
                           frozenset(added) | frozenset(record_quads), frozenset(removed))

    def _provenance(self, activity: str, token_name: str, added: int, removed: int, record: str) -> list[ox.Quad]:
        """The write's record: a prov:Activity, its agent (the token's name) and what changed.

        The record conforms to shapes/ on its own (it is validated with the change): the agent is
        defined here, and the ontology declares mkg:triplesAdded / mkg:triplesRemoved."""
        g = ox.NamedNode(self.base + PROVENANCE_GRAPH)
        mkg = self.base + "ontology/"
        agent = ox.NamedNode(self.base + "source/agent-" + _slug(token_name))
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label"
        quads = []

        def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
            quads.append(ox.Quad(s, ox.NamedNode(p), o, g))

        a = ox.NamedNode(activity)
        add(a, rdf_type, ox.NamedNode(PROV + "Activity"))
        add(a, rdfs_label, ox.Literal(f"write by {token_name}", language="en"))
        add(a, PROV + "endedAtTime", ox.Literal(now, datatype=ox.NamedNode(XSD + "dateTime")))
        add(a, PROV + "wasAssociatedWith", agent)
        add(a, mkg + "triplesAdded", ox.Literal(str(added), datatype=ox.NamedNode(XSD + "integer")))
        add(a, mkg + "triplesRemoved", ox.Literal(str(removed), datatype=ox.NamedNode(XSD + "integer")))
        add(a, PROV + "value", ox.Literal(record))
        add(agent, rdf_type, ox.NamedNode(PROV + "Agent"))
        add(agent, "http://xmlns.com/foaf/0.1/name", ox.Literal(token_name))
        return quads


def _copy(store: ox.Store) -> ox.Store:
    staging = ox.Store()
    staging.extend(store.quads_for_pattern(None, None, None, None))
    return staging


def _data_quads(sparql: str, prefixes: dict[str, str]) -> list[tuple[str, list[ox.Quad]]] | None:
    """The quads of each operation of an INSERT DATA / DELETE DATA request, read by running it on
    an empty store; None for any other request (or one the engine refuses: the general path then
    says why)."""
    operations = data_operations(sparql)
    if operations is None or len(operations) > _MAX_DATA_OPERATIONS:
        return None
    try:
        ox.Store().update(sparql, prefixes=prefixes)  # the engine's own check of the whole request
        out = []
        for kind, text in operations:
            scratch = ox.Store()
            scratch.update(text, prefixes=prefixes)
            quads = list(scratch.quads_for_pattern(None, None, None, None))
            if kind == "DELETE" and any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
                return None  # not allowed in DELETE DATA: the engine's refusal says so
            out.append((kind, quads))
    except (SyntaxError, ValueError, OSError, RuntimeError):
        return None
    return out


_MAX_DATA_OPERATIONS = 100  # more, and one update call on a copy is cheaper than one parse each

RECORD_TEXT_LIMIT = 16 * 1024  # longer updates are recorded by digest (the change counts stay exact)


def _record(sparql: str) -> str:
    data = sparql.encode()
    if len(data) <= RECORD_TEXT_LIMIT:
        return sparql
    return f"SPARQL Update of {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}"


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name) or "anonymous"
