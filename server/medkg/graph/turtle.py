"""A small, deterministic Turtle writer in the style of data/*.ttl, for `medkg export`.

Why not rdflib's serializer: its subject order, its blank-node labels (random per run) and its
placement of owl:Axiom blocks are not ours to control, so two exports of the same graph would not
be byte-identical and axioms would not sit under the triple they annotate. This writer formats
what ``medkg.store.export`` decides: which units go in a file and in what order.

Blank nodes: one used as an object exactly once is written inline (``[ ... ]``, or ``( ... )`` for
a well-formed rdf:List); one never used as an object is a top-level ``[] ...`` statement; any other
gets a label derived from its content, so the output does not depend on the store's labels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, Term]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDF_FIRST, RDF_REST, RDF_NIL = RDF + "first", RDF + "rest", RDF + "nil"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
OWL = "http://www.w3.org/2002/07/owl#"
AXIOM_HEAD = (OWL + "annotatedSource", OWL + "annotatedProperty", OWL + "annotatedTarget")

WIDTH = 100  # object lists wrap past this column, as in data/
_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")


@dataclass
class Graph:
    """The triples to write, indexed for the writer (built once per export)."""

    triples: list[Triple]
    by_subject: dict[Term, list[Triple]] = field(default_factory=dict)
    object_uses: dict[ox.BlankNode, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in self.triples:
            self.by_subject.setdefault(t[0], []).append(t)
            if isinstance(t[2], ox.BlankNode):
                self.object_uses[t[2]] = self.object_uses.get(t[2], 0) + 1


class TurtleWriter:
    """Formats terms and statements with fixed prefixes, predicate order and blank-node labels."""

    def __init__(self, graph: Graph, prefixes: dict[str, str], predicate_order: Sequence[str] = ()) -> None:
        self.graph = graph
        # Longest namespace first, so ICD10CM:... wins over a shorter prefix of the same IRI.
        self._prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self._order = {p: i for i, p in enumerate(predicate_order)}
        self.used: set[str] = set()
        self._labels: dict[ox.BlankNode, str] = {}
        self._label_shared_bnodes()

    # -- terms -------------------------------------------------------------------------------------

    def iri(self, value: str) -> str:
        if value == RDF_TYPE:
            return "a"
        for name, ns in self._prefixes:
            if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
                self.used.add(name)
                return f"{name}:{value[len(ns):]}"
        return f"<{value}>"

    def literal(self, lit: ox.Literal) -> str:
        text = '"' + _escape(lit.value) + '"'
        if lit.language:
            return f"{text}@{lit.language}"
        if lit.datatype.value != XSD_STRING:
            datatype = self.iri(lit.datatype.value)
            return f"{text}^^{datatype}"
        return text

    def term(self, term: Term, *, nested: int = 0) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return self.literal(term)
        if term in self._labels:
            return "_:" + self._labels[term]
        if nested > 20:  # a cycle of single-use blank nodes cannot be inlined
            raise ValueError("cyclic blank nodes")
        items = self._list_items(term)
        if items is not None:
            return "( " + " ".join(self.term(i, nested=nested + 1) for i in items) + " )" if items else "()"
        return "[ " + " ; ".join(self.predicate_objects(term, nested=nested + 1)) + " ]"

    def is_labelled(self, node: Term) -> bool:
        return node in self._labels

    def sort_key(self, term: Term) -> tuple[int, str]:
        """Orders IRIs, then blank nodes (by content), then literals."""
        if isinstance(term, ox.NamedNode):
            return (0, term.value)
        if isinstance(term, ox.BlankNode):
            return (1, self._content(term))
        return (2, str(term))

    # -- statements --------------------------------------------------------------------------------

    def predicate_objects(self, subject: Term, *, nested: int = 0, exclude: Container[Triple] = ()) -> list[str]:
        """``p o1 , o2`` for each predicate of ``subject``, in the writer's order."""
        groups: dict[str, list[Term]] = {}
        for t in self.graph.by_subject.get(subject, []):
            _, p, o = t
            if t not in exclude:
                groups.setdefault(p.value, []).append(o)
        out = []
        for predicate in sorted(groups, key=self.predicate_key):
            objects = sorted(groups[predicate], key=self.sort_key)
            out.append(self.iri(predicate) + " " + " , ".join(self.term(o, nested=nested) for o in objects))
        return out

    def predicate_key(self, p: str) -> tuple[int, int, str]:
        if p == RDF_TYPE:
            return (0, 0, "")
        return (1, self._order.get(p, len(self._order)), p)

    def block(self, subject: Term, *, exclude: Container[Triple] = ()) -> str:
        """A subject and its predicates, one per line (the style of concepts in data/)."""
        lines = [self._wrap("    " + po) for po in self.predicate_objects(subject, exclude=exclude)]
        return self._subject(subject) + "\n" + " ;\n".join(lines) + " .\n"

    def compact(self, subject: Term) -> str:
        """A subject and its predicates on one line (codes in mappings.ttl)."""
        return self._wrap(self._subject(subject) + " " + " ; ".join(self.predicate_objects(subject))) + " .\n"

    def axiom(self, node: ox.BlankNode) -> str:
        """``[] a owl:Axiom ; owl:annotatedSource ... ;`` then its annotations on the next line."""
        head = [
            po for po in self.predicate_objects(node)
            if po.startswith("a ") or po.split(" ", 1)[0] in {self.iri(h) for h in AXIOM_HEAD[:2]}
        ]
        rest = [po for po in self.predicate_objects(node) if po not in head]
        first = self._subject(node) + " " + " ; ".join(head)
        if not rest:
            return first + " .\n"
        tail = "    " + " ; ".join(rest)
        if len(tail) > WIDTH:  # one annotation per line rather than one very long line
            tail = " ;\n".join(self._wrap("    " + po) for po in rest)
        return first + " ;\n" + tail + " .\n"

    def triple_line(self, triple: Triple) -> str:
        s, p, o = triple
        return self._wrap(f"{self._subject(s)} {self.iri(p.value)} {self.term(o)}") + " .\n"

    # -- internals ---------------------------------------------------------------------------------

    def _subject(self, subject: Term) -> str:
        if isinstance(subject, ox.BlankNode) and subject not in self._labels:
            return "[]"
        return self.term(subject)

    def _wrap(self, line: str) -> str:
        # Break long object lists after a comma, continuation indented by 8, as in data/.
        if len(line) <= WIDTH or " , " not in line:
            return line
        parts = line.split(" , ")
        out, current = [], parts[0]
        for part in parts[1:]:
            if len(current) + 3 + len(part) > WIDTH:
                out.append(current + " ,")
                current = "        " + part
            else:
                current += " , " + part
        out.append(current)
        return "\n".join(out)

    def _list_items(self, node: ox.BlankNode) -> list[Term] | None:
        """The members of a well-formed rdf:List starting at ``node`` (inlined), else None."""
        items: list[Term] = []
        seen = set()
        current: Term = node
        while not (isinstance(current, ox.NamedNode) and current.value == RDF_NIL):
            if not isinstance(current, ox.BlankNode) or current in seen or current in self._labels:
                return None
            seen.add(current)
            triples = self.graph.by_subject.get(current, [])
            preds = sorted(p.value for _, p, _ in triples)
            if preds != [RDF_FIRST, RDF_REST] or (current is not node and self.graph.object_uses.get(current) != 1):
                return None
            first = next(o for _, p, o in triples if p.value == RDF_FIRST)
            current = next(o for _, p, o in triples if p.value == RDF_REST)
            items.append(first)
        return items

    def _content(self, node: ox.BlankNode, depth: int = 0) -> str:
        """A store-independent description of a blank node, for sorting and labels."""
        if node in self._labels:
            return "_:" + self._labels[node]
        parts = []
        for _, p, o in self.graph.by_subject.get(node, []):
            if isinstance(o, ox.BlankNode):
                value = self._content(o, depth + 1) if depth < 8 else "_"
            else:
                value = str(o)
            parts.append(f"{p} {value}")
        return "[" + " ; ".join(sorted(parts)) + "]"

    def _label_shared_bnodes(self) -> None:
        shared = [b for b, n in self.graph.object_uses.items() if n > 1]
        shared += [s for s in self.graph.by_subject if isinstance(s, ox.BlankNode) and self._self_cyclic(s)]
        taken: dict[str, int] = {}
        for node in sorted(set(shared), key=self._content):
            digest = hashlib.sha256(self._content(node).encode()).hexdigest()[:12]
            taken[digest] = taken.get(digest, 0) + 1
            self._labels[node] = f"b{digest}" + (f"_{taken[digest]}" if taken[digest] > 1 else "")

    def _self_cyclic(self, start: ox.BlankNode) -> bool:
        todo, seen = [start], set()
        while todo:
            node = todo.pop()
            for _, _, o in self.graph.by_subject.get(node, []):
                if o == start:
                    return True
                if isinstance(o, ox.BlankNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return False


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )


def prefix_lines(prefixes: dict[str, str], used: Iterable[str]) -> str:
    """``@prefix`` lines for the prefixes used, sorted case-insensitively (as in data/)."""
    names = sorted(set(used), key=lambda n: (n.lower(), n))
    return "".join(f"@prefix {n}: <{prefixes[n]}> .\n" for n in names)
