"""Validating the graph against shapes/: the core of `medkg validate` and of `medkg serve`'s check.

    from medkg.validation import validate_graph
    report = validate_graph()                 # the packaged graph
    report = validate_graph([Path("data/")])  # files or folders (Turtle in folders)
    if not report.conforms:                   # any Violation
        print(report.to_text(), file=sys.stderr)

The data graph is what the store holds: the ontology and the facts. Given paths replace the packaged
facts; the packaged ontology is added unless one of the files declares an owl:Ontology.

Engine: the files are parsed by Oxigraph straight into an in-memory store, and each constraint of
the shapes is compiled to one SPARQL query (medkg.shacl_compiler) run over all focus nodes at once,
the queries in parallel, one thread per core.
Shapes the compiler cannot translate are validated by pyshacl. ``engine="pyshacl"`` validates
everything with pyshacl over an rdflib graph instead (the reference the tests compare against).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from medkg import resources
from medkg.loading import RdfInputError, parse_file, rdf_files, rdf_format
from medkg.locations import locate, locate_axioms
from medkg.namespaces import DATA_GRAPH, DEFAULT_BASE, ONTOLOGY_GRAPH, moved
from medkg.reach import closure
from medkg.shacl_compiler import Check, compile_shapes, top_level_shapes
from medkg.validation_report import ValidationReport, ValidationResult, results_from_graph

__all__ = [
    "Progress",
    "ValidationReport",
    "ValidationResult",
    "load_data",
    "load_shapes",
    "tty_progress",
    "validate_graph",
    "validate_store",
]

Progress = Callable[[int, int, str], None]
"""Called as progress(done, total, what) while validating."""

OWL_ONTOLOGY = ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")
LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/ns/prov#value",  # a quoted sentence: its words
)


def validate_graph(
    paths: Sequence[Path | str] | None = None,
    *,
    shapes: Sequence[Path | str] | None = None,
    engine: str = "oxigraph",
    progress: Progress | None = None,
    base: str = DEFAULT_BASE,
) -> ValidationReport:
    """Validates the packaged graph, or ``paths`` (RDF files; folders: their Turtle files), as
    served under ``base`` (the files' default-base IRIs moved under it, and the shapes with them).

    Raises RdfInputError (naming file and line) when an input cannot be read or parsed.
    """
    store, files = load_data(paths, progress=progress, base=base)
    if engine == "pyshacl":
        report = _validate_files_with_pyshacl(store, files, load_shapes(shapes, base), base)
    else:
        report = validate_store(store, shapes=load_shapes(shapes, base), engine=engine, progress=progress)
    report.files = [str(f) for f in files]
    report.base = base
    report.locations = _locations(store, report, files, base)
    return report


def _locations(store: ox.Store, report: ValidationReport, files: list[Path], base: str) -> dict[str, tuple[str, int]]:
    """Where each node a curator must act on is written: IRIs by their spelling, axioms (blank
    nodes) by the triple they annotate. The files spell IRIs under the default base."""
    def spelled(term: Term) -> str:
        return f'"{term.value}"' if isinstance(term, ox.Literal) else moved(term.value, DEFAULT_BASE, base)

    to_fix = {r.focus_node for r in report.results if r.severity != "Info"}
    iris = {str(n): moved(str(n), DEFAULT_BASE, base) for n in to_fix if isinstance(n, URIRef)}
    axioms = {}
    for node in to_fix:
        try:  # the engine's blank nodes are the store's; pyshacl's are its own, and found nowhere
            triple = annotated_triple(store, ox.BlankNode(str(node))) if isinstance(node, BNode) else None
        except ValueError:
            triple = None
        if triple is not None:
            axioms[str(node)] = (spelled(triple[0]), spelled(triple[1]), spelled(triple[2]))
    found = locate(sorted(set(iris.values())), files) if iris else {}
    located = {key: found[spelling] for key, spelling in iris.items() if spelling in found}
    return {**located, **(locate_axioms(axioms, files) if axioms else {})}


def _validate_files_with_pyshacl(store: ox.Store, files: list[Path], shapes: Graph,
                                 base: str = DEFAULT_BASE) -> ValidationReport:
    """The reference: pyshacl over the files parsed by rdflib, which keeps every literal as written
    (Oxigraph's store turns an xsd:positiveInteger into an xsd:integer; see shacl_compiler)."""
    import pyshacl

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    data = Graph()
    for path in files:
        data.parse(path, format=_RDFLIB_FORMATS.get(path.suffix, "turtle"))
    if base != DEFAULT_BASE:
        data = _rebased(data, base)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inplace=True)
    results = results_from_graph(report)
    labels = focus_labels(store, {r.focus_node for r in results if not isinstance(r.focus_node, BNode)})
    return ValidationReport(results=[_with_label(r, labels) for r in results], triples=len(data), engine="pyshacl")


_RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".rdf": "xml", ".jsonld": "json-ld"}


def _rebased(graph: Graph, base: str) -> Graph:
    """An rdflib graph with its default-base IRIs moved under ``base`` (as medkg.loading.rebase)."""
    def move(term: Node) -> Node:
        if isinstance(term, URIRef):
            return URIRef(moved(term, base))
        if isinstance(term, Literal) and term.datatype is not None and term.datatype.startswith(DEFAULT_BASE):
            return Literal(term, datatype=URIRef(moved(term.datatype, base)))  # only those: keep literals as written
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((move(s), move(p), move(o)))
    return out


def load_data(paths: Sequence[Path | str] | None = None, *, progress: Progress | None = None,
              base: str = DEFAULT_BASE) -> tuple[ox.Store, list[Path]]:
    """An in-memory store with the ontology and the facts, each in its named graph, under ``base``."""
    store = ox.Store()
    ontology_graph = ox.NamedNode(base + ONTOLOGY_GRAPH)
    data_graph = ox.NamedNode(base + DATA_GRAPH)
    ontology_files = rdf_files([resources.ontology_dir()], suffixes=(".ttl",))
    if paths:
        data_files = rdf_files(paths, suffixes=(".ttl",))
    else:
        data_files = rdf_files([resources.data_dir()], suffixes=(".ttl",))
    for i, path in enumerate(data_files):
        if progress:
            progress(i, len(data_files), f"reading {path.name}")
        _load_file(store, path, data_graph, base)
    files = list(data_files)
    # User paths replace the facts; they bring their own ontology only if they declare one.
    if not paths or not any(True for _ in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), OWL_ONTOLOGY)):
        for path in ontology_files:
            _load_file(store, path, ontology_graph, base)
        files = ontology_files + files
    return store, files


def _load_file(store: ox.Store, path: Path, graph: ox.NamedNode, base: str = DEFAULT_BASE) -> None:
    """Parses one file into ``graph`` in Rust (no Python objects per triple), errors with the line.
    Under another base, its IRIs are moved there (in Python, per triple: medkg.loading)."""
    if base != DEFAULT_BASE:
        store.extend(parse_file(path, graph=graph, base=base))
        return
    fmt = rdf_format(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RdfInputError(path, error.strerror or str(error)) from error
    if not re.search(rb"\S", data):
        raise RdfInputError(path, "the file is empty")
    try:
        store.load(data, format=fmt, base_iri=path.resolve().as_uri(), to_graph=graph)
    except SyntaxError as error:
        text = str(error.msg or error)
        reason = text.removeprefix("Parser error ")
        reason = re.sub(r"^at line \d+ column \d+: ", "", reason)
        raise RdfInputError(path, reason, error.lineno) from error


def load_shapes(paths: Sequence[Path | str] | None = None, base: str = DEFAULT_BASE) -> Graph:
    """The shapes graph: shapes/*.ttl (top level only: shapes/ subfolders are not data shapes).

    The shapes are written for the default base; for a graph served under another ``base``, every
    project IRI they name (classes, properties, the base itself in SPARQL filters) is moved under
    it, as medkg.loading.rebase moves the data. The shapes keep their own names."""
    if paths:
        return _parse_shapes(tuple(str(p) for p in rdf_files(paths, suffixes=(".ttl",))), base)
    return _parse_shapes(tuple(str(p) for p in sorted(resources.shapes_dir().glob("*.ttl"))), base)


# The default base where it starts a project IRI, but not a shape's name.
_PROJECT_IRI = re.compile(re.escape(DEFAULT_BASE) + "(?!shapes/)")


@cache
def _parse_shapes(files: tuple[str, ...], base: str = DEFAULT_BASE) -> Graph:
    g = Graph()
    for f in files:
        try:
            if base == DEFAULT_BASE:
                g.parse(f, format="turtle")
            else:  # as text: the base also appears inside SPARQL strings
                text = _PROJECT_IRI.sub(lambda _: base, Path(f).read_text(encoding="utf-8"))
                g.parse(data=text, format="turtle", publicID=Path(f).resolve().as_uri())
        except Exception as error:  # rdflib raises several types; all mean a broken shapes file
            raise RdfInputError(f, str(error)) from error
    return g


def validate_store(
    store: ox.Store,
    *,
    shapes: Graph | None = None,
    engine: str = "oxigraph",
    progress: Progress | None = None,
) -> ValidationReport:
    """Validates what ``store`` holds (the union of its graphs) against ``shapes``."""
    shapes = load_shapes() if shapes is None else shapes
    # rdflib logs a traceback for each ill-typed literal it meets; the report says it once, better.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    if engine == "pyshacl":
        results = _pyshacl(store, shapes, None)
    elif engine == "oxigraph":
        compiled = compile_shapes(shapes, subclass_closure(store))
        total = len(compiled.checks) + (1 if compiled.uncompiled else 0)
        results = _run_all(store, compiled.checks, total, progress)
        if compiled.uncompiled:
            if progress:
                progress(total - 1, total, "checking the remaining shapes with pyshacl")
            results.extend(_pyshacl(store, shapes, compiled.uncompiled))
    else:
        raise ValueError(f"unknown validation engine {engine!r}: use 'oxigraph' or 'pyshacl'")
    if progress:
        progress(1, 1, "done")
    labels = focus_labels(store, {r.focus_node for r in results})
    results = sorted({_with_label(r, labels) for r in results}, key=lambda r: (r.severity, str(r.focus_node)))
    return ValidationReport(results=results, triples=len(store), engine=engine)


def subclass_closure(store: ox.Store) -> dict[URIRef, set[URIRef]]:
    """For each class in the data graph: itself and all its subclasses (rdfs:subClassOf*)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"), None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            direct.setdefault(URIRef(q.object.value), set()).add(URIRef(q.subject.value))
    return closure(direct, direct)


def _run_all(store: ox.Store, checks: list[Check], total: int, progress: Progress | None) -> list[ValidationResult]:
    # One thread per core: pyoxigraph releases the GIL while it evaluates a query, so the checks run
    # in parallel over the one store (1M triples, 2 cores: 12.7 s -> 8.1 s).
    results: list[list[ValidationResult]] = [[] for _ in checks]
    with ThreadPoolExecutor(max_workers=_cores()) as pool:
        running = {pool.submit(_run, store, check): i for i, check in enumerate(checks)}
        for done, future in enumerate(as_completed(running)):
            i = running[future]
            results[i] = future.result()
            if progress:
                progress(done, total, f"checked {_short(checks[i].source_shape)}")
    return [r for rs in results for r in rs]


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run(store: ox.Store, check: Check) -> list[ValidationResult]:
    return check_results(check, store.query(check.query, use_default_graph_as_union=True))


def check_results(check: Check, solutions: object) -> list[ValidationResult]:
    """The validation results a compiled check's query answered (each solution is one or more)."""
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    out = []
    for row in solutions:
        if check.parts:  # a merged check: one result per part whose flag is true
            for flag, component, with_value in check.parts:
                hit = row[flag]
                if isinstance(hit, ox.Literal) and hit.value == "true":
                    value = to_rdflib(row["value"]) if with_value and row["value"] is not None else None
                    out.append(
                        ValidationResult(
                            severity=str(check.severity)[len(str(SH)) :],
                            focus_node=to_rdflib(row["this"]),
                            message=" ".join(sorted(str(m) for m in check.messages)),
                            source_shape=check.source_shape,
                            component=component,
                            path=check.path,
                            value=value,
                        )
                    )
            continue
        bound = {n: to_rdflib(row[n]) for n in names if row[n] is not None}
        value = bound.get("value")
        if check.ill_typed_datatype is not None and not (isinstance(value, Literal) and value.ill_typed):
            continue
        messages = [str(m) for m in check.messages]
        if check.sparql_based:
            messages = [_substitute(m, bound) for m in messages]
        path = bound.get("path", check.path) if check.sparql_based else check.path
        out.append(
            ValidationResult(
                severity=str(check.severity)[len(str(SH)) :],
                focus_node=bound["this"],
                message=" ".join(sorted(messages)),
                source_shape=check.source_shape,
                component=check.component,
                path=path,
                value=value,
                source_constraint=check.source_constraint,
            )
        )
    return out


def _substitute(message: str, bound: dict[str, Node]) -> str:
    # As pyshacl: {?var} and {$var} become the bound value's string form.
    for name, value in bound.items():
        text = str(value)
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _: text, message)  # noqa: B023
    return message


def to_rdflib(term: object) -> Node:
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def focus_labels(store: ox.Store, nodes: Iterable[Node]) -> dict[Node, str]:
    """A label for each node: its preferred label, label, title or name; for an owl:Axiom the
    triple it annotates."""
    labels: dict[Node, str] = {}
    for node in nodes:
        if isinstance(node, Literal):
            continue
        subject = to_oxigraph(node)
        if isinstance(subject, ox.Literal):
            continue
        for predicate in LABELS:
            found = [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]
            if found:
                label = min(str(o.value) for o in found)  # type: ignore[union-attr]
                labels[node] = label if len(label) <= 80 else label[:77] + "..."
                break
        else:
            labels.update(_axiom_label(store, node, subject))
    return labels


def _axiom_label(store: ox.Store, node: Node, subject: ox.NamedNode | ox.BlankNode) -> dict[Node, str]:
    from medkg.validation_report import term_text

    triple = annotated_triple(store, subject)
    return {node: "axiom on " + " ".join(term_text(to_rdflib(t)) for t in triple)} if triple else {}


Term = ox.NamedNode | ox.BlankNode | ox.Literal


def annotated_triple(store: ox.Store, axiom: ox.NamedNode | ox.BlankNode) -> tuple[Term, Term, Term] | None:
    """The (source, property, target) an owl:Axiom annotates, or None if it names not all three
    (or a quoted triple)."""
    parts: list[Term] = []
    for p in ("annotatedSource", "annotatedProperty", "annotatedTarget"):
        found = next(store.quads_for_pattern(axiom, ox.NamedNode("http://www.w3.org/2002/07/owl#" + p), None), None)
        if found is None or isinstance(found.object, ox.Triple):
            return None
        parts.append(found.object)
    return parts[0], parts[1], parts[2]


def _with_label(r: ValidationResult, labels: dict[Node, str]) -> ValidationResult:
    from dataclasses import replace

    return replace(r, focus_label=labels.get(r.focus_node))


def tty_progress() -> Progress | None:
    """A progress line on stderr when it is a terminal (None otherwise: logs stay clean)."""
    import sys
    import time

    if not sys.stderr.isatty():
        return None
    start = time.monotonic()

    def show(done: int, total: int, what: str) -> None:
        if time.monotonic() - start < 0.5:  # quick runs print nothing
            return
        line = f"medkg validate: {what} ({done}/{total})" if what != "done" else ""
        sys.stderr.write("\r\x1b[K" + line[:120])
        sys.stderr.flush()

    return show


def _short(node: Node) -> str:
    text = str(node)
    return text.rsplit("/", 1)[-1] if isinstance(node, URIRef) else "shape"


def rdflib_graph(store: ox.Store) -> Graph:
    """The union of the store's graphs as one rdflib graph (for pyshacl)."""
    g = Graph()
    for q in store.quads_for_pattern(None, None, None):
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


def _pyshacl(store: ox.Store, shapes: Graph, only: list[Node] | None) -> list[ValidationResult]:
    """pyshacl's results over the union of the store, for all shapes or only the top-level ones given."""
    import pyshacl

    data = rdflib_graph(store)
    shapes_graph = shapes if only is None else _subgraph(shapes, only)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, advanced=True, inplace=True)
    return results_from_graph(report)


def _subgraph(shapes: Graph, roots: list[Node]) -> Graph:
    """The given shapes with everything they reach (property shapes, lists, prefixes), and no other
    top-level shape."""
    others = set(top_level_shapes(shapes)) - set(roots)
    out = Graph()
    seen: set[Node] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            out.add((node, p, o))
            if (isinstance(o, BNode) or (o, None, None) in shapes) and o not in others and p != RDF.type:
                todo.append(o)
    return out
