"""The result of validating the graph: a SHACL validation report, and its text / JSON / Turtle forms."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from medkg.graph.namespaces import DEFAULT_BASE, converter, prefixes

SEVERITIES = ("Violation", "Warning", "Info")
SHAPES = "https://w3id.org/medkg/shapes/"


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, with the focus node's label for people."""

    severity: str  # "Violation", "Warning" or "Info"
    focus_node: Node
    message: str
    source_shape: Node
    component: URIRef
    path: Node | None = None
    value: Node | None = None
    focus_label: str | None = None
    source_constraint: Node | None = None
    suggestion: URIRef | None = None  # for a value defined nowhere, the nearest defined IRI (suggestions.py)

    @property
    def severity_iri(self) -> URIRef:
        return SH[self.severity]

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "focusNode": _json_term(self.focus_node),
            "focusLabel": self.focus_label,
            "resultPath": _json_term(self.path),
            "value": _json_term(self.value),
            "message": self.message,
            "sourceShape": _json_term(self.source_shape),
            "sourceConstraintComponent": str(self.component),
            "suggestion": _json_term(self.suggestion),
        }


@dataclass
class ValidationReport:
    """All results. ``conforms`` is medkg's sense: no result of severity Violation.

    (The raw SHACL report, ``to_graph()``, says sh:conforms false on any result, warnings too.)
    """

    results: list[ValidationResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    vocabularies: list[str] = field(default_factory=list)  # the built vocabulary files checked with them
    triples: int = 0
    engine: str = "oxigraph"
    # Focus IRI -> (file, line) of its first statement, for the results a curator must act on.
    locations: dict[str, tuple[str, int]] = field(default_factory=dict)
    base: str = DEFAULT_BASE  # the base the graph was checked under: its IRIs read as CURIEs in text

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for r in self.results if r.severity == s) for s in SEVERITIES}

    def summary(self) -> str:
        """One line: 'conforms' or 'does not conform', with the counts."""
        counts = self.counts()
        parts = [f"{counts[s]} {s.lower()}{'' if counts[s] == 1 else 's'}" for s in SEVERITIES if counts[s]]
        verdict = "conforms" if self.conforms else "does not conform"
        return f"{verdict} ({', '.join(parts) or 'no results'}; {self.triples} triples checked)"

    def to_text(self, *, min_severity: str = "Info") -> str:
        """Results grouped by focus node (most severe first), for people."""
        keep = SEVERITIES[: SEVERITIES.index(min_severity) + 1]
        groups: dict[Node, list[ValidationResult]] = {}
        for r in sorted(self.results, key=_sort_key):
            if r.severity in keep:
                groups.setdefault(r.focus_node, []).append(r)
        lines: list[str] = []
        for focus, results in groups.items():
            label = results[0].focus_label
            where = self.locations.get(str(focus))
            # A blank node's id changes from run to run: its label (an axiom's statement) names it.
            head = "[]" if isinstance(focus, BNode) and label else term_text(focus, self.base)
            lines.append(head + (f'  "{label}"' if label else "")
                         + (f"  ({where[0]}:{where[1]})" if where else ""))
            # Two constraints of one shape that fail on the same value with the shape's one message
            # (say its datatype and its minimum) read the same: said once, naming both.
            blocks: dict[tuple[str, ...], list[str]] = {}
            for r in results:
                # A node-level constraint reports the focus node as its value: nothing to add.
                value = None if r.path is None and r.value == r.focus_node else r.value
                path = term_text(r.path, self.base) if r.path is not None else ""
                at = "  ".join(x for x in (path, _value_text(value, self.base)) if x)
                block = (f"  {r.severity}: {r.message}", *([f"    at {at}"] if at else []),
                         *([f"    did you mean {term_text(r.suggestion, self.base)}?"] if r.suggestion else []),
                         f"    (shape {term_text(r.source_shape, self.base)}")
                blocks.setdefault(block, []).append(str(r.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent"))
            for block, components in blocks.items():
                tested = f"; constraints {', '.join(sorted(components))}" if len(components) > 1 else ""
                lines.extend([*block[:-1], f"{block[-1]}{tested})"])
            lines.append("")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "counts": self.counts(),
                "triples": self.triples,
                "files": self.files,
                "vocabularies": self.vocabularies,
                "results": [{**r.to_dict(), "location": self._location(r)} for r in sorted(self.results, key=_sort_key)],
            },
            indent=2,
            ensure_ascii=False,
        )

    def _location(self, result: ValidationResult) -> dict[str, object] | None:
        where = self.locations.get(str(result.focus_node))
        return {"file": where[0], "line": where[1]} if where else None

    def to_graph(self) -> Graph:
        """The sh:ValidationReport graph (SHACL section 3.6)."""
        g = Graph()
        for prefix, iri in prefixes(self.base).items():
            g.bind(prefix, iri)
        g.bind("mkgsh", SHAPES)
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(not self.results)))
        for r in sorted(self.results, key=_sort_key):
            node = BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.resultSeverity, r.severity_iri))
            g.add((node, SH.focusNode, r.focus_node))
            g.add((node, SH.resultMessage, Literal(r.message)))
            g.add((node, SH.sourceShape, r.source_shape))
            g.add((node, SH.sourceConstraintComponent, r.component))
            if r.path is not None:
                g.add((node, SH.resultPath, r.path))
            if r.value is not None:
                g.add((node, SH.value, r.value))
        return g

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")


def _sort_key(r: ValidationResult) -> tuple[int, str, str, str, str]:
    return (
        SEVERITIES.index(r.severity),
        str(r.focus_node),
        str(r.path or ""),
        str(r.value or ""),
        r.message,
    )


def term_text(term: Node | None, base: str = DEFAULT_BASE) -> str:
    """A term for people: CURIE where a prefix fits, <IRI> otherwise, "literal"@lang."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        if str(term).startswith(SHAPES):
            return "mkgsh:" + str(term)[len(SHAPES) :]
        curie = converter(base).compress(str(term))
        return curie or f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.datatype and not term.language:
            return f"{Literal(str(term)).n3()}^^{term_text(term.datatype, base)}"
        return term.n3()
    return str(term)


def _value_text(value: Node | None, base: str = DEFAULT_BASE) -> str:
    return "" if value is None else f"value {term_text(value, base)}"


def _json_term(term: Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return term.n3()
    return str(term)


def results_from_graph(report: Graph, labels: dict[Node, str] | None = None) -> list[ValidationResult]:
    """The results of a SHACL report graph (pyshacl's), as ValidationResults."""
    out = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(node, SH.resultSeverity)
        messages: Iterable[Node] = report.objects(node, SH.resultMessage)
        focus = report.value(node, SH.focusNode)
        out.append(
            ValidationResult(
                severity=str(severity)[len(str(SH)) :],
                focus_node=focus,  # type: ignore[arg-type]
                message=" ".join(sorted(str(m) for m in messages)),
                source_shape=report.value(node, SH.sourceShape),  # type: ignore[arg-type]
                component=report.value(node, SH.sourceConstraintComponent),  # type: ignore[arg-type]
                path=report.value(node, SH.resultPath),
                value=report.value(node, SH.value),
                focus_label=(labels or {}).get(focus),  # type: ignore[arg-type]
                source_constraint=report.value(node, SH.sourceConstraint),
            )
        )
    return out
