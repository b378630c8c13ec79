"""Any resource of the graph (ontology term, source, sentence, correction...), for Linked Data pages.

Concepts have the richer record of ``lookup``; everything else is shown as what the graph says
about it: its statements, the statements pointing at it, the facts derived from it (for sources
and sentences) and, for properties, how often they are used.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pyoxigraph as ox

from medkg.graph.namespaces import converter, prefixes
from medkg.sparql.client import QueryFunction, Term, Triple, construct, iri, prologue, select
from medkg.sparql.writers import write_rdfxml

MAX_STATEMENTS = 500  # per direction on one page; the page says when there are more
_LABEL = "skos:prefLabel|rdfs:label|dcterms:title|foaf:name"


@dataclass(frozen=True)
class Node:
    """A term as a page shows it: a link (IRI, with CURIE and label) or a literal."""

    value: str
    is_iri: bool
    curie: str | None = None
    label: str | None = None
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Fact:
    subject: Node
    predicate: Node
    object: Node
    sentences: list[tuple[str, str]] = field(default_factory=list)  # (sentence IRI, text)


@dataclass
class Resource:
    iri: str
    curie: str | None
    label: str | None
    types: list[Node]
    statements: list[tuple[Node, Node]]  # (predicate, object)
    backlinks: list[tuple[Node, Node]]  # (subject, predicate)
    statement_total: int
    backlink_total: int
    sentences: list[tuple[str, int | None, str]]  # parts of a source: (IRI, number, text)
    facts: list[Fact]  # facts whose provenance names this resource
    usage: int  # triples using this resource as predicate
    graph_size: int = 0  # triples in the named graph of this name


def _node(term: Term, label: Term | None, base: str) -> Node:
    if term.type == "uri":
        return Node(term.value, True, converter(base).compress(term.value), label.value if label else None)
    return Node(term.value, False, lang=term.lang, datatype=term.datatype)


def _row_order(row: dict[str, Term]) -> tuple[str, ...]:
    o, label = row["o"], row.get("olabel")
    return (row["dir"].value, row["p"].value, o.type, o.value, o.lang or "", o.datatype or "",
            label.value if label else "", label.lang or "" if label else "")


def describe(run: QueryFunction, target: str, base: str) -> Resource | None:
    """What the graph says about ``target``; None when the graph does not mention it at all."""
    x = iri(target)
    head = prologue(base)
    rows = select(run, head + f"""SELECT ?dir ?p ?plabel ?o ?olabel WHERE {{
      {{ SELECT ("out" AS ?dir) ?p ?o WHERE {{ {x} ?p ?o }} ORDER BY ?p ?o LIMIT {MAX_STATEMENTS + 1} }}
      UNION {{ SELECT ("in" AS ?dir) ?p ?o WHERE {{ ?o ?p {x} . FILTER(isIRI(?o)) }} ORDER BY ?p ?o LIMIT {MAX_STATEMENTS + 1} }}
      OPTIONAL {{ ?p rdfs:label ?plabel }} OPTIONAL {{ ?o {_LABEL} ?olabel }} }}""")
    counts = select(run, head + f"""SELECT ?dir (COUNT(*) AS ?n) WHERE {{
      {{ BIND("out" AS ?dir) {x} ?p ?o }} UNION {{ BIND("in" AS ?dir) ?o ?p {x} FILTER(isIRI(?o)) }}
      UNION {{ BIND("use" AS ?dir) ?s {x} ?o }} UNION {{ BIND("graph" AS ?dir) GRAPH {x} {{ ?s ?p ?o }} }}
    }} GROUP BY ?dir""")
    total = {row["dir"].value: int(row["n"].value) for row in counts}
    if not rows and not total.get("use") and not total.get("graph"):
        return None
    statements: dict[tuple[str, str], tuple[Node, Node]] = {}
    backlinks: dict[tuple[str, str], tuple[Node, Node]] = {}
    label: str | None = None
    types: list[Node] = []
    # Sorted, not in the store's row order: the same page whatever the store (and its label pick).
    for row in sorted(rows, key=_row_order):
        pred, other = _node(row["p"], row.get("plabel"), base), _node(row["o"], row.get("olabel"), base)
        if row["dir"].value == "out":
            statements.setdefault((pred.value, other.value + (other.lang or "")), (pred, other))
            if pred.value.endswith(("#prefLabel", "#label", "/title", "/name")) and (label is None or other.lang == "en"):
                label = other.value if label is None or pred.value.endswith("#prefLabel") else label
            if pred.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and other not in types:
                types.append(other)
        else:
            backlinks.setdefault((other.value, pred.value), (other, pred))
    return Resource(
        iri=target, curie=converter(base).compress(target), label=label,
        statements=list(statements.values())[:MAX_STATEMENTS],
        backlinks=list(backlinks.values())[:MAX_STATEMENTS],
        statement_total=total.get("out", 0), backlink_total=total.get("in", 0),
        types=sorted(types, key=lambda t: t.value),
        sentences=_sentences(run, x, head), facts=_facts(run, x, head, base), usage=total.get("use", 0),
        graph_size=total.get("graph", 0))


def _sentences(run: QueryFunction, x: str, head: str) -> list[tuple[str, int | None, str]]:
    rows = select(run, head + f"""SELECT ?s ?num ?text WHERE {{ ?s dcterms:isPartOf {x} ; prov:value ?text .
        OPTIONAL {{ ?s mkg:sentenceNumber ?num }} }}""")
    found = [(r["s"].value, int(r["num"].value) if "num" in r else None, r["text"].value) for r in rows]
    return sorted(found, key=lambda s: (s[1] or 0, s[0]))


def _facts(run: QueryFunction, x: str, head: str, base: str) -> list[Fact]:
    rows = select(run, head + f"""SELECT ?s ?slabel ?p ?plabel ?o ?olabel ?sent ?text WHERE {{
        ?ax owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o .
        {{ ?ax dcterms:source {x} }} UNION {{ ?ax prov:wasDerivedFrom {x} }}
        OPTIONAL {{ ?ax prov:wasDerivedFrom ?sent . ?sent prov:value ?text }}
        OPTIONAL {{ ?s {_LABEL} ?slabel }} OPTIONAL {{ ?p rdfs:label ?plabel }} OPTIONAL {{ ?o {_LABEL} ?olabel }}
    }} LIMIT 5000""")
    facts: dict[tuple[str, str, str], Fact] = {}
    for row in rows:
        key = (row["s"].value, row["p"].value, row["o"].value)
        fact = facts.setdefault(key, Fact(_node(row["s"], row.get("slabel"), base),
                                          _node(row["p"], row.get("plabel"), base),
                                          _node(row["o"], row.get("olabel"), base)))
        if "sent" in row and (row["sent"].value, row["text"].value) not in fact.sentences:
            fact.sentences.append((row["sent"].value, row["text"].value))
    return sorted(facts.values(), key=lambda f: ((f.subject.label or f.subject.value).casefold(), f.predicate.value))


def resource_triples(run: QueryFunction, target: str, base: str) -> list[Triple]:
    """The resource's own statements and the annotations (provenance axioms) of those statements.

    For the name of a named graph (graph/data, graph/ontology): the triples of that graph.
    """
    x = iri(target)
    triples = construct(run, prologue(base) + f"""CONSTRUCT {{ {x} ?p ?o . ?ax ?ap ?ao . ?gs ?gp ?go }} WHERE {{
        {{ {x} ?p ?o }} UNION {{ ?ax owl:annotatedSource {x} ; ?ap ?ao }} UNION {{ GRAPH {x} {{ ?gs ?gp ?go }} }} }}""")
    # The resource's own statements first, then its annotations: easier to read, and stable.
    return sorted(triples, key=lambda t: (t[0].value != target, t[0].type, t[0].value, t[1].value, t[2].value))


def to_oxigraph(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A term of a SPARQL JSON result as a pyoxigraph term."""
    if term.type == "uri":
        return ox.NamedNode(term.value)
    if term.type == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype) if term.datatype else None)


def serialize_triples(triples: list[Triple], fmt: ox.RdfFormat, base: str) -> bytes:
    """Triples written in an RDF syntax, with the graph's prefixes where the syntax has them.

    Raises medkg.sparql.writers.Unwritable when RDF/XML cannot carry them (its message names the
    syntaxes that can)."""
    graph = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in triples]  # type: ignore[arg-type]
    if fmt == ox.RdfFormat.RDF_XML:  # the engine's RDF/XML is not well formed for every graph
        output = io.BytesIO()
        write_rdfxml(graph, output, prefixes(base))
        return output.getvalue()
    if fmt == ox.RdfFormat.TURTLE:
        data = ox.serialize(graph, format=fmt, prefixes=prefixes(base))
    else:
        data = ox.serialize(graph, format=fmt)
    assert data is not None  # no output file given: the bytes are returned
    return data
