"""Ancestors, descendants and neighbours of a concept, complete and paged.

Hierarchies (skos:broader, and each transitive property such as mkg:partOf) are walked in the
index, breadth first, so each concept is reported once at its shortest distance. Neighbours (any
relation, both directions) are asked of the store. Every answer carries the total, so a page is
never mistaken for the whole.
"""

from __future__ import annotations

from medkg.concepts.identifiers import InvalidIdentifier, to_iri
from medkg.concepts.index import BROADER, ConceptIndex
from medkg.concepts.models import HierarchyItem, HierarchyResults, Neighbour, NeighbourResults
from medkg.concepts.search import InvalidQuery, kind_filter
from medkg.sparql.client import QueryFunction, iri, prologue, select

MAX_DEPTH = 100


def hierarchy_relation(index: ConceptIndex, name: str | None) -> str:
    """The IRI of a hierarchy property: broader (default), or a transitive one such as partOf."""
    if not name or name.strip().casefold() in ("broader", "skos:broader"):
        return BROADER
    text = name.strip()
    try:
        relation = to_iri(f"mkg:{text}" if ":" not in text else text, index.base)
    except InvalidIdentifier as error:
        raise InvalidQuery(str(error)) from error
    if relation not in index.up:
        known = ", ".join(index.curie(r) or r for r in index.up)
        raise InvalidQuery(f"{name[:80]!r} is not a hierarchy property; use one of {known}")
    return relation


def walk(index: ConceptIndex, concept: str, *, ancestors: bool, relation: str = BROADER,
         max_depth: int | None = None, kinds: list[str] | None = None, limit: int = 50,
         offset: int = 0) -> HierarchyResults:
    """Ancestors (``ancestors=True``) or descendants of a concept, nearest first."""
    if max_depth is not None and not 1 <= max_depth <= MAX_DEPTH:
        raise InvalidQuery(f"max_depth must be between 1 and {MAX_DEPTH}")
    allowed = kind_filter(index, kinds)
    edges = (index.up if ancestors else index.down)[relation]
    depth_of: dict[str, int] = {}
    frontier, depth = [concept], 0
    while frontier and (max_depth is None or depth < max_depth):
        depth += 1
        following = []
        for node in frontier:
            for other in edges.get(node, ()):
                if other not in depth_of and other != concept:
                    depth_of[other] = depth
                    following.append(other)
        frontier = following
    ordered = sorted(
        (HierarchyItem(concept=index.concepts[c], depth=d) for c, d in depth_of.items()
         if allowed is None or index.kind_of[c] in allowed),
        key=lambda item: (item.depth, item.concept.label.casefold(), item.concept.iri))
    return HierarchyResults(
        concept=index.concepts[concept], direction="ancestors" if ancestors else "descendants",
        relation=index.curie(relation) or relation, max_depth=max_depth, total=len(ordered),
        limit=limit, offset=offset, items=ordered[offset:offset + limit])


def neighbours(run: QueryFunction, index: ConceptIndex, concept: str, *, relation: str | None = None,
               direction: str = "both", kinds: list[str] | None = None, limit: int = 50,
               offset: int = 0) -> NeighbourResults:
    """Concepts linked to this one by any relation (or by ``relation``), in either direction."""
    if direction not in ("both", "outgoing", "incoming"):
        raise InvalidQuery("direction must be both, outgoing or incoming")
    allowed = kind_filter(index, kinds)
    prop = None
    if relation:
        try:
            prop = to_iri(relation if ":" in relation else f"mkg:{relation}", index.base)
        except InvalidIdentifier as error:
            raise InvalidQuery(str(error)) from error
        if run(f"ASK {{ ?s {iri(prop)} ?o }}") is not True:  # a misspelt property: say so, not total 0
            had = neighbours(run, index, concept, direction=direction, limit=MAX_DEPTH * 10)
            known = sorted({n.property for n in had.items}) or ["none"]
            raise InvalidQuery(f"{relation[:80]!r} is not a property used in the graph; "
                               f"this concept's relations are: {', '.join(known)}")
    p = iri(prop) if prop else "?p"
    x = iri(concept)
    parts = []
    if direction in ("both", "outgoing"):
        parts.append(f'{{ BIND("outgoing" AS ?dir) {x} {p} ?o . ?o skos:prefLabel [] }}')
    if direction in ("both", "incoming"):
        parts.append(f'{{ BIND("incoming" AS ?dir) ?o {p} {x} . ?o skos:prefLabel [] }}')
    select_p = "?p" if prop is None else f"({p} AS ?p)"
    rows = select(run, prologue(index.base) + f"SELECT DISTINCT ?dir {select_p} ?o WHERE {{ {' UNION '.join(parts)} }}")
    items = []
    for row in rows:
        other, prop_iri = row["o"].value, row["p"].value
        if other not in index.concepts or (allowed is not None and index.kind_of[other] not in allowed):
            continue
        items.append(Neighbour(property=index.curie(prop_iri) or prop_iri, property_iri=prop_iri,
                               property_label=index.labels.get(prop_iri, _skos_label(prop_iri)),
                               direction=row["dir"].value, concept=index.concepts[other]))  # type: ignore[arg-type]
    items.sort(key=lambda n: (n.direction != "outgoing", n.property, n.concept.label.casefold(), n.concept.iri))
    return NeighbourResults(concept=index.concepts[concept], total=len(items), limit=limit, offset=offset,
                            items=items[offset:offset + limit])


def _skos_label(prop: str) -> str | None:
    return "broader" if prop == BROADER else None
