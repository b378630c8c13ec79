"""What medkg.validation.compiler produces: a Check per compiled constraint (a SPARQL query whose
solutions are validation results, with what the engine needs to run it and word its results)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from medkg.validation.targets import Targets


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a query whose solutions are validation results."""

    query: str
    source_shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None = None
    source_constraint: Node | None = None
    sparql_based: bool = False
    # For sh:datatype: the query lists well-typed-looking values; keep those whose lexical form
    # rdflib finds ill-typed (pyshacl reports those too).
    ill_typed_datatype: URIRef | None = None
    # Several constraints of one property shape answered by one query (see _ShapeCompiler.merged):
    # (flag variable, component, reports ?value); a row is a result of each part whose flag is true.
    parts: tuple[tuple[str, URIRef, bool], ...] = ()
    targets: Targets | None = None  # its top-level shape's (None: unknown, so any node)
    # The same query testing each solution's ?this against the targets last (FILTER EXISTS)
    # instead of joining the focus nodes first, and the predicate of the triple pattern its rows
    # come from ("": a variable): for a SPARQL-based constraint whose group opens with a pattern on
    # $this, and for a property shape's merged check without minCount (a row needs a value). Cheaper
    # when the focus nodes are not far fewer than that pattern's triples (the engine picks).
    focus_last: str | None = None
    lead: str | None = None


@dataclass
class Compiled:
    checks: list[Check] = field(default_factory=list)
    uncompiled: list[Node] = field(default_factory=list)  # top-level shapes left to pyshacl
