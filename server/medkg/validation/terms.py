"""Terms between the two RDF libraries validation uses (pyoxigraph, rdflib), and the labels that
name a focus node in a report."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/ns/prov#value",  # a quoted sentence: its words
)


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
        # As written: rdflib would show an ill-typed "yes"^^xsd:boolean as "false" (its value).
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
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
    from medkg.validation.report import term_text

    triple = annotated_triple(store, subject)
    return {node: "axiom on " + " ".join("?" if t is None else term_text(to_rdflib(t)) for t in triple)} if triple else {}


Term = ox.NamedNode | ox.BlankNode | ox.Literal


def annotated_triple(store: ox.Store, axiom: ox.NamedNode | ox.BlankNode) -> tuple[Term | None, Term | None, Term | None] | None:
    """The (source, property, target) an owl:Axiom annotates, None for a part it does not name
    (an incomplete axiom, to fix); None if it names none (or a quoted triple)."""
    parts: list[Term | None] = []
    for p in ("annotatedSource", "annotatedProperty", "annotatedTarget"):
        found = next(store.quads_for_pattern(axiom, ox.NamedNode("http://www.w3.org/2002/07/owl#" + p), None), None)
        if found is None:
            parts.append(None)
        elif isinstance(found.object, ox.Triple):
            return None
        else:
            parts.append(found.object)
    return None if parts == [None, None, None] else (parts[0], parts[1], parts[2])


def rdflib_graph(store: ox.Store) -> Graph:
    """The union of the store's graphs as one rdflib graph (for pyshacl)."""
    g = Graph()
    for q in store.quads_for_pattern(None, None, None):
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g
