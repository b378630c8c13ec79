"""Validating only what a change can affect: its focus nodes and their neighbours.

A change (quads added and removed) can break a constraint only on:
- the subjects and (non-literal) objects of the changed triples;
- the nodes that link to a changed subject (in the graph before or after), e.g. an owl:Axiom
  annotating a triple of it, a concept whose sh:class value lost its type, or a referrer of an IRI
  that is no longer defined.
A change to the schema (the ontology graph, subclass / subproperty / domain / range statements or
an ontology term) can change what every shape targets: then the whole graph is validated.

How: the compiled checks (medkg.validation.compiler) are each one SPARQL query over all focus nodes.
For the few focus nodes of a usual write, each check of a shape that targets the node (its
types, the predicates of its triples: ``Targets`` of the compiler) runs once with ``?this`` bound
to it (a SPARQL substitution, which names blank nodes too): the engine then starts from the node,
and the ~10 nodes of a one-triple write take ~0.1 s at 3.8M quads. For many nodes, one query per check: the nodes are written into a scratch named graph, and each query
gets ``GRAPH <focus> { ?this a <Focus> }`` joined in first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

import pyoxigraph as ox
from rdflib import Graph, URIRef

from medkg.graph.namespaces import DEFAULT_BASE, ONTOLOGY, ONTOLOGY_GRAPH
from medkg.validation.compiled import Compiled
from medkg.validation.compiler import compile_shapes
from medkg.validation.engine import check_results, pyshacl_results, subclass_closure
from medkg.validation.inputs import load_shapes
from medkg.validation.report import ValidationReport, ValidationResult
from medkg.validation.terms import focus_labels, to_rdflib

FOCUS_GRAPH = ox.NamedNode("urn:x-medkg:write-focus")
FOCUS = ox.NamedNode("urn:x-medkg:Focus")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SCHEMA_PREDICATES = {
    "http://www.w3.org/2000/01/rdf-schema#" + p for p in ("subClassOf", "subPropertyOf", "domain", "range")
}
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)

Node = ox.NamedNode | ox.BlankNode


def touches_schema(changed: Iterable[ox.Quad], base: str = DEFAULT_BASE) -> bool:
    """Whether a change can alter what the shapes target (then validate everything)."""
    ontology_graph = ox.NamedNode(base + ONTOLOGY_GRAPH)
    for q in changed:
        if q.graph_name == ontology_graph or q.predicate.value in SCHEMA_PREDICATES:
            return True
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base + ONTOLOGY):
            return True
    return False


def focus_nodes(changed: Iterable[ox.Quad], stores: Iterable[ox.Store]) -> set[Node]:
    """The nodes a change can affect (see the module docstring)."""
    subjects: set[Node] = set()
    nodes: set[Node] = set()
    for q in changed:
        subjects.add(q.subject)  # type: ignore[arg-type]
        if isinstance(q.object, (ox.NamedNode, ox.BlankNode)):
            nodes.add(q.object)
    nodes |= subjects
    for store in stores:
        for s in subjects:
            nodes.update(q.subject for q in store.quads_for_pattern(None, None, s))  # type: ignore[misc]
    return nodes


def validate_focus(store: ox.Store, nodes: set[Node], shapes: Graph | None = None) -> ValidationReport:
    """The results of the shapes on ``nodes`` only, in ``store`` (which gets a scratch graph while
    this runs when there are many nodes: pass a private staging store, or one no one else reads)."""
    shapes = load_shapes() if shapes is None else shapes
    compiled = _compiled(shapes, subclass_closure(store))
    if len(nodes) <= PER_NODE_MAX:
        results = _per_node(store, compiled, nodes)
    else:
        results = _marked(store, compiled, nodes)
    if compiled.uncompiled:
        results.extend(pyshacl_results(store, shapes, compiled.uncompiled))
    wanted = {to_rdflib(n) for n in nodes}
    results = [r for r in results if r.focus_node in wanted]
    labels = focus_labels(store, {r.focus_node for r in results})
    ordered = sorted({replace(r, focus_label=labels.get(r.focus_node)) for r in results},
                     key=lambda r: (r.severity, str(r.focus_node)))
    # Counting the store reads all of it (0.65 s at 3.8M quads): only for a report that is shown.
    return ValidationReport(results=ordered, triples=len(store) if ordered else 0, engine="oxigraph (focus)")


# Each check runs once per node (only those of the shapes targeting it) for up to this many nodes;
# past it, once over all nodes marked in a scratch graph. Both take ~0.05 s on the packaged graph;
# at 3.8M quads, per node: ~0.1 s for a one-triple write.
PER_NODE_MAX = 64
_THIS = ox.Variable("this")


def _per_node(store: ox.Store, compiled: Compiled, nodes: set[Node]) -> list[ValidationResult]:
    # Only the checks whose shape targets the node: a query costs ~0.2 ms even when it finds
    # nothing, and a write's ~10 nodes times ~200 checks cost ~0.5 s at 3.8M quads.
    results = []
    for node in nodes:
        types = {q.object.value for q in store.quads_for_pattern(node, RDF_TYPE, None)}
        out = {q.predicate.value for q in store.quads_for_pattern(node, None, None)}
        into = {q.predicate.value for q in store.quads_for_pattern(None, None, node)}
        name = str(node)
        for check in compiled.checks:
            if check.targets is not None and not check.targets.may_target(name, types, out, into):
                continue
            solutions = store.query(check.query, use_default_graph_as_union=True, substitutions={_THIS: node})
            results.extend(check_results(check, solutions))
    return results


def _marked(store: ox.Store, compiled: Compiled, nodes: set[Node]) -> list[ValidationResult]:
    store.extend(ox.Quad(n, RDF_TYPE, FOCUS, FOCUS_GRAPH) for n in nodes)
    try:
        graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
        graphs += [g for g in store.named_graphs() if g != FOCUS_GRAPH]
        return [
            r
            for check in compiled.checks
            for r in check_results(
                check, store.query(_restricted(check.query), default_graph=graphs, named_graphs=[FOCUS_GRAPH]))
        ]
    finally:
        store.remove_graph(FOCUS_GRAPH)


def _restricted(query: str) -> str:
    """The query with the marked focus nodes joined in first (without a WHERE: the query whole;
    the results are filtered by focus node anyway)."""
    match = _WHERE.search(query)
    if match is None:
        return query
    pattern = f" GRAPH <{FOCUS_GRAPH.value}> {{ ?this a <{FOCUS.value}> }} "
    return query[: match.end()] + pattern + query[match.end():]


_COMPILED: dict[tuple[int, frozenset[object]], Compiled] = {}


def _compiled(shapes: Graph, closure: dict[URIRef, set[URIRef]]) -> Compiled:
    # Compiling costs ~0.2 s; the class hierarchy changes only with the schema, so reuse it.
    key = (id(shapes), frozenset((c, frozenset(subs)) for c, subs in closure.items()))
    if key not in _COMPILED:
        if len(_COMPILED) > 8:
            _COMPILED.clear()
        _COMPILED[key] = compile_shapes(shapes, closure)
    return _COMPILED[key]
