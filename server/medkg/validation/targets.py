"""What a top-level shape targets (SHACL 1.0, section 2.1.3), so that a caller validating a few
nodes runs only the checks of the shapes that can have them as focus nodes (medkg.writes.focus)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node


@dataclass(frozen=True)
class Targets:
    """The focus nodes a top-level shape declares (SHACL 2.1.3), as IRIs (nodes as N-Triples):
    ``classes`` with every subclass. Lets a caller skip the checks a node cannot be a focus of."""

    classes: frozenset[str] = frozenset()
    nodes: frozenset[str] = frozenset()
    subjects_of: frozenset[str] = frozenset()
    objects_of: frozenset[str] = frozenset()

    def may_target(self, node: str, types: set[str], out: set[str], into: set[str]) -> bool:
        """Whether a node (N-Triples) with these rdf:types, predicates of its triples (``out``) and
        predicates of the triples naming it as object (``into``) is a focus node of the shape."""
        return bool(node in self.nodes or self.classes & types or self.subjects_of & out or self.objects_of & into)


def shape_targets(g: Graph, shape: Node, subclasses: Mapping[URIRef, set[URIRef]]) -> Targets:
    """The targets of ``shape``: sh:targetClass (with ``subclasses[c]``, c and all its subclasses),
    sh:targetNode, sh:targetSubjectsOf and sh:targetObjectsOf."""
    classes: set[str] = set()
    for c in g.objects(shape, SH.targetClass):
        cls = URIRef(str(c))
        classes.update(str(x) for x in subclasses.get(cls, {cls}) | {cls})
    return Targets(frozenset(classes), frozenset(n.n3() for n in g.objects(shape, SH.targetNode)),
                   frozenset(str(p) for p in g.objects(shape, SH.targetSubjectsOf)),
                   frozenset(str(p) for p in g.objects(shape, SH.targetObjectsOf)))


def top_level_shapes(shapes: Graph) -> list[Node]:
    """Shapes with a target, in a stable order (the shapes pyshacl starts from)."""
    found: set[Node] = set()
    for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        found.update(shapes.subjects(target, None))
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))
