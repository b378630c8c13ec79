"""The hierarchy around a concept as a tree, as OLS shows it: every path from the roots down to the
concept (skos:broader, several parents merged into one tree), then the concept's children. The page
draws it as nested lists; static/medkg/tree.js loads deeper children from
/api/concepts/{id}/descendants?max_depth=1 when a node is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from medkg.concepts.index import BROADER, ConceptIndex
from medkg.concepts.models import ConceptRef

MAX_CHILDREN = 200  # children listed under one node, on the page and per request of tree.js


@dataclass
class TreeNode:
    """One concept in the tree: ``open`` when its ``children`` are shown; ``has_children`` says
    whether it can be opened (its children are then loaded by the page's script)."""

    concept: ConceptRef
    current: bool = False
    open: bool = False
    has_children: bool = False
    children: list[TreeNode] = field(default_factory=list)


def hierarchy_tree(index: ConceptIndex, concept: str) -> list[TreeNode]:
    """The roots of the tree around ``concept`` (a concept IRI of ``index``), by label; [] when the
    concept has neither broader nor narrower concepts."""
    up = index.up.get(BROADER, {})
    down = index.down.get(BROADER, {})
    if not up.get(concept) and not down.get(concept):
        return []
    ancestors: set[str] = set()
    stack = list(up.get(concept, []))
    while stack:
        iri = stack.pop()
        if iri not in ancestors and iri != concept:  # a cycle (refused by the shapes) stops here
            ancestors.add(iri)
            stack.extend(up.get(iri, []))
    on_path = ancestors | {concept}

    def build(iri: str, depth: int) -> TreeNode:
        ref = index.concepts[iri]
        if iri == concept:
            children = [TreeNode(index.concepts[c], has_children=bool(down.get(c)))
                        for c in down.get(iri, [])[:MAX_CHILDREN]]
            return TreeNode(ref, current=True, open=True, has_children=bool(children), children=children)
        kids = [c for c in down.get(iri, []) if c in on_path] if depth < 50 else []
        return TreeNode(ref, open=True, has_children=True, children=[build(c, depth + 1) for c in kids])

    roots = sorted((a for a in on_path if not up.get(a)), key=lambda a: index.concepts[a].label.casefold())
    return [build(root, 0) for root in roots]
