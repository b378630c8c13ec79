"""Validating the graph against shapes/: the core of `medkg validate` and of `medkg serve`'s check.

    from medkg.validation import validate_graph
    report = validate_graph()                 # the packaged graph
    report = validate_graph([Path("data/")])  # files or folders (Turtle in folders)
    if not report.conforms:                   # any Violation
        print(report.to_text(), file=sys.stderr)

The data graph is what the store holds: the ontology and the facts. Given paths replace the packaged
facts; the packaged ontology is added unless one of the files declares an owl:Ontology.

Engine: the files are parsed by Oxigraph straight into an in-memory store, and each constraint of
the shapes is compiled to one SPARQL query (medkg.validation.compiler) run over all focus nodes at once,
the queries in parallel, one thread per core.
Shapes the compiler cannot translate are validated by pyshacl. ``engine="pyshacl"`` validates
everything with pyshacl over an rdflib graph instead (the reference the tests compare against).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from medkg.graph.loading import load_vocabularies
from medkg.graph.namespaces import DEFAULT_BASE, moved
from medkg.graph.reach import closure
from medkg.validation.compiled import Check
from medkg.validation.compiler import compile_shapes
from medkg.validation.inputs import RDFLIB_FORMATS, Progress, load_data, load_shapes, rebased
from medkg.validation.locations import locate, locate_axioms
from medkg.validation.report import ValidationReport, ValidationResult, results_from_graph
from medkg.validation.suggestions import with_suggestions
from medkg.validation.targets import top_level_shapes
from medkg.validation.terms import Term, annotated_triple, focus_labels, rdflib_graph, to_rdflib


def validate_graph(
    paths: Sequence[Path | str] | None = None,
    *,
    shapes: Sequence[Path | str] | None = None,
    engine: str = "oxigraph",
    progress: Progress | None = None,
    base: str = DEFAULT_BASE,
    vocab: Sequence[Path | str] = (),
) -> ValidationReport:
    """Validates the packaged graph, or ``paths`` (RDF files; folders: their Turtle files), as
    served under ``base`` (the files' default-base IRIs moved under it, and the shapes with them);
    with ``vocab`` (built reference vocabularies: medkg.vocabularies.cache.ensure_built), together
    with them, as `medkg serve --vocab` serves them. Results are located in the curated files only
    (a vocabulary's file is built, not edited).

    Raises RdfInputError (naming file and line) when an input cannot be read or parsed.
    """
    store, files = load_graph_to_validate(paths, progress=progress, base=base, vocab=vocab)
    return validate_loaded_graph(store, files, shapes=shapes, engine=engine, progress=progress, base=base, vocab=vocab)


def load_graph_to_validate(
    paths: Sequence[Path | str] | None = None,
    *,
    progress: Progress | None = None,
    base: str = DEFAULT_BASE,
    vocab: Sequence[Path | str] = (),
) -> tuple[ox.Store, list[Path]]:
    """validate_graph's first half: an in-memory store with what it validates, and the curated
    files read (where results are located). Raises RdfInputError as validate_graph."""
    store, files = load_data(paths, progress=progress, base=base)
    if vocab:
        if progress:
            progress(0, 1, "reading the reference vocabularies")
        load_vocabularies(store, vocab, base)
    return store, files


def validate_loaded_graph(
    store: ox.Store,
    files: list[Path],
    *,
    shapes: Sequence[Path | str] | None = None,
    engine: str = "oxigraph",
    progress: Progress | None = None,
    base: str = DEFAULT_BASE,
    vocab: Sequence[Path | str] = (),
) -> ValidationReport:
    """validate_graph's second half, over what load_graph_to_validate returned (``vocab``: the
    vocabulary files it loaded, named in the report). The caller keeps the store: `medkg validate`
    leaves it to the process's exit, as freeing 3.8M quads takes ~2 s."""
    if engine == "pyshacl":
        report = _validate_files_with_pyshacl(store, files, load_shapes(shapes, base), base)
    else:
        report = validate_store(store, shapes=load_shapes(shapes, base), engine=engine, progress=progress)
    report.results = with_suggestions(store, report.results)
    report.files = [str(f) for f in files]
    report.vocabularies = [str(v) for v in vocab]
    report.base = base
    report.locations = _locations(store, report, files, base)
    return report


def _locations(store: ox.Store, report: ValidationReport, files: list[Path], base: str) -> dict[str, tuple[str, int]]:
    """Where each node a curator must act on is written: IRIs by their spelling, axioms (blank
    nodes) by the triple they annotate. The files spell IRIs under the default base."""
    def spelled(term: Term | None) -> str | None:
        if term is None:  # a part the axiom lacks: located by the others
            return None
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
        data.parse(path, format=RDFLIB_FORMATS.get(path.suffix, "turtle"))
    if base != DEFAULT_BASE:
        data = rebased(data, base)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inplace=True)
    results = results_from_graph(report)
    labels = focus_labels(store, {r.focus_node for r in results if not isinstance(r.focus_node, BNode)})
    return ValidationReport(results=[_with_label(r, labels) for r in results], triples=len(data), engine="pyshacl")


def validate_store(
    store: ox.Store,
    *,
    shapes: Graph | None = None,
    engine: str = "oxigraph",
    progress: Progress | None = None,
) -> ValidationReport:
    """Validates what ``store`` holds (the union of its graphs) against ``shapes``."""
    shapes = load_shapes() if shapes is None else shapes
    # rdflib logs a traceback (or warns) for each ill-typed literal it meets; the report says it once,
    # better, with the file and line.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", category=UserWarning, module="rdflib.term")
    sizes = _Sizes(store)
    if engine == "pyshacl":
        results = pyshacl_results(store, shapes, None)
    elif engine == "oxigraph":
        compiled = compile_shapes(shapes, subclass_closure(store))
        total = len(compiled.checks) + (1 if compiled.uncompiled else 0)
        results = _run_all(store, compiled.checks, total, progress, sizes)
        if compiled.uncompiled:
            if progress:
                progress(total - 1, total, "checking the remaining shapes with pyshacl")
            results.extend(pyshacl_results(store, shapes, compiled.uncompiled))
    else:
        raise ValueError(f"unknown validation engine {engine!r}: use 'oxigraph' or 'pyshacl'")
    if progress:
        progress(1, 1, "done")
    labels = focus_labels(store, {r.focus_node for r in results})
    results = sorted({_with_label(r, labels) for r in results}, key=lambda r: (r.severity, str(r.focus_node)))
    return ValidationReport(results=results, triples=sizes.triples(), engine=engine)


def subclass_closure(store: ox.Store) -> dict[URIRef, set[URIRef]]:
    """For each class in the data graph: itself and all its subclasses (rdfs:subClassOf*)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"), None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            direct.setdefault(URIRef(q.object.value), set()).add(URIRef(q.subject.value))
    return closure(direct, direct)


def _run_all(store: ox.Store, checks: list[Check], total: int, progress: Progress | None,
             sizes: _Sizes) -> list[ValidationResult]:
    # One thread per core: pyoxigraph releases the GIL while it evaluates a query, so the checks run
    # in parallel over the one store (1M triples, 2 cores: 12.7 s -> 8.1 s).
    results: list[list[ValidationResult]] = [[] for _ in checks]
    with ThreadPoolExecutor(max_workers=_cores()) as pool:
        # The checks that walk every triple (~9 s each at 3.8M quads) first: started last, they
        # would leave the other threads idle while they finish.
        order = sorted(range(len(checks)), key=lambda i: checks[i].lead != "")
        running = {pool.submit(_run, store, checks[i], sizes): i for i in order}
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


def _run(store: ox.Store, check: Check, sizes: _Sizes) -> list[ValidationResult]:
    query = check.focus_last if check.focus_last is not None and sizes.focus_is_broad(check) else check.query
    return check_results(check, store.query(query, use_default_graph_as_union=True))


class _Sizes:
    """Triple counts that choose where a check that offers both plans tests its focus nodes
    (Check.focus_last). Oxigraph keeps no statistics, so it joins in the order written: the focus
    nodes first is fast when they are few (a curated class: ~100 nodes against 120k skos:broader
    triples), and slow when they are a large part of the graph, which every check would then walk
    node by node (at 3.8M quads, focus first -> last: dangling references 7.31 -> 5.23 s, web IRIs
    4.24 -> 2.27 s, broader cycles 0.00 -> 0.37 s; no check of shapes/ the rule gets wrong by
    more than 0.03 s: benchmarks/validate_checks_bench.py)."""

    RATIO = 10  # focus triples at least 1/RATIO of the opening pattern's: test the focus last

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.counts: dict[str, int] = {}  # a pattern's text -> its triples (threads may race: same value)

    def triples(self) -> int:
        """The store's quads (len() walks them all: 0.3 s at 3.8M), counted once."""
        if "" not in self.counts:
            self.counts[""] = len(self.store)
        return self.counts[""]

    def count(self, pattern: str) -> int:
        if pattern == "?s ?p ?o":  # as len(): the union graph repeats a triple found in two graphs
            return self.triples()
        if pattern not in self.counts:
            solutions = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", use_default_graph_as_union=True)
            assert isinstance(solutions, ox.QuerySolutions)
            self.counts[pattern] = int(next(iter(solutions))["n"].value)
        return self.counts[pattern]

    def focus_is_broad(self, check: Check) -> bool:
        if check.targets is None or check.lead is None:
            return False
        t = check.targets
        focus = len(t.nodes)
        if t.classes:
            focus += self.count(f"?s <{RDF.type}> ?c VALUES ?c {{ {' '.join(f'<{c}>' for c in sorted(t.classes))} }}")
        focus += sum(self.count(f"?s <{p}> ?o") for p in sorted(t.subjects_of | t.objects_of))
        lead = self.count(f"?s <{check.lead}> ?o" if check.lead else "?s ?p ?o")
        return focus * self.RATIO >= lead


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


def pyshacl_results(store: ox.Store, shapes: Graph, only: list[Node] | None) -> list[ValidationResult]:
    """pyshacl's results over the union of the store, for all shapes or only the top-level ones given."""
    import pyshacl

    data = rdflib_graph(store)
    shapes_graph = shapes if only is None else shapes_subgraph(shapes, only)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, advanced=True, inplace=True)
    return results_from_graph(report)


def shapes_subgraph(shapes: Graph, roots: list[Node]) -> Graph:
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
