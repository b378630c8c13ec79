"""Everything about one concept, in one SPARQL query (one round trip, also to a remote store).

The query is a UNION of parts, each row tagged with ``?part``; rows multiply where a fact has
several sentences, and are folded back into one record here. Labels of related concepts, kinds
and properties come from the index, which holds them all.
"""

from __future__ import annotations

from medkg.concepts.index import ABBREVIATION, BROADER, LAY, MISNOMER, SCOPES, ConceptIndex
from medkg.concepts.models import (
    Code,
    Concept,
    Correction,
    Definition,
    MappedFrom,
    NarrowerRelation,
    Provenance,
    Ref,
    Relation,
    Sentence,
    Synonym,
)
from medkg.sparql.client import QueryFunction, Row, iri, prologue, select, values

_MATCHES = [f"http://www.w3.org/2004/02/skos/core#{p}Match" for p in ("exact", "close", "broad", "narrow", "related")]
_ORDER = {f"skos:{p}Match": i for i, p in enumerate(("exact", "close", "narrow", "broad", "related"))}
RO_HAS_PHENOTYPE = "http://purl.obolibrary.org/obo/RO_0002200"
MAX_NARROWER = 500
# Properties of a vocabulary concept, each a part of the lookup: (part, property).
_VOCAB_PARTS = {
    "billable": "mkg:billable", "deprecated": "owl:deprecated", "replaced": "IAO:0100001",
    "consider": "oboInOwl:consider", "excl1": "mkg:excludes1", "excl2": "mkg:excludes2", "notation": "skos:notation",
}
_PROVENANCE = """OPTIONAL {{ ?ax owl:annotatedSource {s} ; owl:annotatedProperty ?p ; owl:annotatedTarget {o} .
        OPTIONAL {{ ?ax dcterms:source ?src }}
        OPTIONAL {{ ?ax prov:wasDerivedFrom ?sent . ?sent prov:value ?text .
                    OPTIONAL {{ ?sent mkg:sentenceNumber ?num }} }} }}"""
# Facts of narrower concepts: read with a cap, so that a concept high in a large hierarchy stays cheap
# (no ORDER BY, so the engine can stop at the cap; the record sorts what it got).
MAX_NARROWER_ROWS = 500
# The narrower concepts whose facts are read: at most this many, nearest first.
MAX_NARROWER_CONCEPTS = 100  # a branch of ~500 characters each in the query


def narrower_curated(index: ConceptIndex, concept: str, cap: int = MAX_NARROWER_CONCEPTS) -> list[str]:
    """The curated concepts under ``concept`` in the skos:broader hierarchy (any depth), nearest
    first, at most ``cap``. Only curated concepts state relations to curated concepts (an imported
    vocabulary's facts never name one), so only theirs can be inherited facts of the record."""
    down, curated = index.down[BROADER], index.concepts.curated
    found: list[str] = []
    seen = {concept}
    level = [concept]
    while level and len(found) < cap:
        below = []
        for parent in level:
            for child in down.get(parent, ()):
                if child not in seen:
                    seen.add(child)
                    below.append(child)
                    if child in curated:
                        found.append(child)
        level = below
    return found[:cap]


def _narrower_facts(concept: str) -> str:
    # One branch per concept, its IRI a constant: with the concepts bound by VALUES instead,
    # Oxigraph 0.5 joins the provenance OPTIONAL by hash, over every axiom of the graph (~2 s at
    # 3.8M quads, benchmarks/README.md), where a constant subject makes it a lookup (~1 ms).
    x = iri(concept)
    return f"""{{ BIND({x} AS ?extra) {x} ?p ?o . ?o skos:prefLabel [] . FILTER(?p != skos:broader)
    {_PROVENANCE.format(s=x, o="?o")} }}"""


def lookup_query(concept: str, base: str, narrower: list[str] | None = None) -> str:
    """The one query of a record (a SPARQL 1.1 SELECT, for any server). ``narrower``: the concepts
    whose facts the record shows as inherited (``narrower_curated``), taken from the index, as a
    property path over the store cost ~2 s a lookup at 3.8M quads."""
    x = iri(concept)
    sub_part = f"""UNION {{ SELECT ?part ?extra ?p ?o ?src ?sent ?text ?num WHERE {{ BIND("sub" AS ?part)
    {{ {" UNION ".join(_narrower_facts(n) for n in narrower)} }} }} LIMIT {MAX_NARROWER_ROWS} }}""" if narrower else ""
    vocab_parts = " UNION ".join(f'{{ BIND("{part}" AS ?part) {x} {prop} ?o }}' for part, prop in _VOCAB_PARTS.items())
    return prologue(base) + f"""SELECT ?part ?p ?o ?olabel ?src ?sent ?text ?num ?just ?extra ?extra2 WHERE {{
  {{ BIND("scheme" AS ?part) {x} skos:inScheme ?o . OPTIONAL {{ ?o dcterms:title|rdfs:label ?olabel }} }}
  UNION {vocab_parts}
  UNION {{ BIND("from" AS ?part) {values("p", _MATCHES)} ?o ?p {x} .
    OPTIONAL {{ ?jx owl:annotatedSource ?o ; owl:annotatedProperty ?p ; owl:annotatedTarget {x} ;
                sssom:mapping_justification ?just }} }}
  UNION {{ BIND("pheno" AS ?part) VALUES ?p {{ <{RO_HAS_PHENOTYPE}> mkg:lacksPhenotype }} {x} ?p ?o .
    {_PROVENANCE.format(s=x, o="?o")} }}
  UNION {{ BIND("def" AS ?part) {x} skos:definition ?o . OPTIONAL {{ {x} mkg:definitionSource ?src }}
    OPTIONAL {{ ?dx owl:annotatedSource {x} ; owl:annotatedProperty skos:definition ; owl:annotatedTarget ?o ;
                oboInOwl:hasDbXref ?extra }} }}
  UNION {{ BIND("syn" AS ?part) {values("p", list(SCOPES))} {x} ?p ?o .
    OPTIONAL {{ ?tx owl:annotatedSource {x} ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
                oboInOwl:hasSynonymType ?extra }}
    {_PROVENANCE.format(s=x, o="?o")} }}
  UNION {{ BIND("code" AS ?part) {values("p", _MATCHES)} {x} ?p ?o .
    OPTIONAL {{ ?o rdfs:label ?olabel }} OPTIONAL {{ ?o skos:notation ?extra }}
    OPTIONAL {{ ?o skos:inScheme ?extra2 }}
    OPTIONAL {{ ?jx owl:annotatedSource {x} ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
                sssom:mapping_justification ?just }} }}
  UNION {{ BIND("out" AS ?part) {x} ?p ?o . ?o skos:prefLabel [] . FILTER(?p != skos:broader)
    {_PROVENANCE.format(s=x, o="?o")} }}
  UNION {{ BIND("in" AS ?part) ?o ?p {x} . ?o skos:prefLabel [] . FILTER(?p != skos:broader)
    {_PROVENANCE.format(s="?o", o=x)} }}
  {sub_part}
  UNION {{ BIND("note" AS ?part) {x} skos:editorialNote ?o }}
  UNION {{ BIND("corr" AS ?part) ?o mkg:aboutConcept {x} .
    OPTIONAL {{ ?o rdfs:label ?olabel }} OPTIONAL {{ ?o mkg:correctedStatement ?extra }} }}
}}"""


def source_labels_query(base: str) -> str:
    return prologue(base) + """SELECT ?s ?label WHERE {
  { ?s a mkg:SourceDocument ; dcterms:title ?label } UNION { ?s foaf:name ?label } }"""


class _Provenance:
    """Sources and their sentences of one fact, in first-seen order, without repeats."""

    def __init__(self) -> None:
        self.by_source: dict[str | None, dict[str, Sentence]] = {}

    def add(self, row: Row, index: ConceptIndex, sources: dict[str, str]) -> None:
        src = row["src"].value if "src" in row else None
        if src is None and "sent" not in row:
            return
        sentences = self.by_source.setdefault(src, {})
        if "sent" in row and row["sent"].value not in sentences:
            sent = row["sent"].value
            number = int(row["num"].value) if "num" in row and row["num"].value.isdigit() else None
            sentences[sent] = Sentence(iri=sent, curie=index.curie(sent), text=row["text"].value, number=number)

    def build(self, index: ConceptIndex, sources: dict[str, str]) -> list[Provenance]:
        return [
            Provenance(source=_ref(src, index, sources) if src else None,
                       sentences=sorted(sents.values(), key=lambda s: (s.number or 0, s.iri)))
            for src, sents in self.by_source.items()
        ]


def _ref(resource: str, index: ConceptIndex, sources: dict[str, str]) -> Ref:
    return Ref(iri=resource, curie=index.curie(resource), label=sources.get(resource))


def build_concept(concept: str, rows: list[Row], index: ConceptIndex, sources: dict[str, str]) -> Concept:
    """The record of a concept from the rows of ``lookup_query``."""
    ref = index.concepts[concept]
    definition: Definition | None = None
    synonyms: dict[tuple[str, str], tuple[str | None, _Provenance]] = {}
    codes: dict[tuple[str, str], dict[str, str | None]] = {}
    relations: dict[tuple[str, str, str], _Provenance] = {}
    notes: list[str] = []
    corrections: dict[str, Correction] = {}
    inherited: dict[tuple[str, str, str], _Provenance] = {}
    vocab: dict[str, list[str]] = {}  # part -> values, for the _VOCAB_PARTS and the scheme
    mapped_from: dict[tuple[str, str], str | None] = {}
    references: list[str] = []
    scheme_label: str | None = None
    for row in rows:
        part, o = row["part"].value, row["o"].value
        if part == "def":
            if definition is None:
                src = row["src"].value if "src" in row else None
                definition = Definition(text=o, source=_ref(src, index, sources) if src else None)
            if "extra" in row and row["extra"].value not in references:
                references.append(row["extra"].value)
        elif part in _VOCAB_PARTS or part == "scheme":
            if o not in vocab.setdefault(part, []):
                vocab[part].append(o)
            if part == "scheme" and "olabel" in row:
                scheme_label = row["olabel"].value
        elif part == "from" and o in index.concepts:
            key = (o, row["p"].value)
            if mapped_from.get(key) is None:
                mapped_from[key] = row["just"].value if "just" in row else None
        elif part == "pheno" and o in index.concepts:
            direction = "outgoing"
            relations.setdefault((row["p"].value, direction, o), _Provenance()).add(row, index, sources)
        elif part == "syn":
            key = (SCOPES[row["p"].value], o)
            _, prov = synonyms.setdefault(key, (None, _Provenance()))
            if "extra" in row:
                synonyms[key] = (row["extra"].value, prov)
            prov.add(row, index, sources)
        elif part == "code":
            fields = codes.setdefault((row["p"].value, o), {})
            for name, var in (("label", "olabel"), ("notation", "extra"), ("scheme", "extra2"), ("just", "just")):
                if var in row and not fields.get(name):
                    fields[name] = row[var].value
        elif part in ("out", "in") and o in index.concepts and row["p"].value not in _MATCHES:  # (mapped_from)
            direction = "outgoing" if part == "out" else "incoming"
            relations.setdefault((row["p"].value, direction, o), _Provenance()).add(row, index, sources)
        elif part == "sub" and o in index.concepts and row["extra"].value in index.concepts:
            inherited.setdefault((row["extra"].value, row["p"].value, o), _Provenance()).add(row, index, sources)
        elif part == "note" and o not in notes:
            notes.append(o)
        elif part == "corr" and o not in corrections:
            corrections[o] = Correction(
                iri=o, curie=index.curie(o), label=row["olabel"].value if "olabel" in row else None,
                corrected_statement=row["extra"].value if "extra" in row else None)
    if definition is not None and references:
        definition = definition.model_copy(update={"references": references})
    narrower = index.down[BROADER].get(concept, [])

    def refs(part: str) -> list[Ref]:
        return [_ref(o, index, {o: index.concepts.label(o)} if o in index.concepts else sources)
                for o in vocab.get(part, [])]

    scheme = vocab.get("scheme", [None])[0]
    return Concept(
        iri=ref.iri, curie=ref.curie, label=ref.label, kind=ref.kind, kind_label=ref.kind_label,
        scheme=_ref(scheme, index, {scheme: sources.get(scheme) or scheme_label} if scheme_label else sources)
        if scheme else None,
        notation=vocab.get("notation", [None])[0], narrower_total=len(narrower),
        billable=vocab["billable"][0] == "true" if "billable" in vocab else None,
        deprecated=vocab.get("deprecated", ["false"])[0] == "true",
        replaced_by=refs("replaced"), consider=refs("consider"), excludes1=refs("excl1"), excludes2=refs("excl2"),
        mapped_from=sorted(
            (MappedFrom(concept=index.concepts[c], predicate=index.curie(p) or p,
                        justification=index.curie(j) if j else None) for (c, p), j in mapped_from.items()),
            key=lambda m: (_ORDER.get(m.predicate, len(_ORDER)), m.concept.label.casefold())),
        definition=definition,
        synonyms=sorted(
            (_synonym(scope, text, kind, prov, index, sources) for (scope, text), (kind, prov) in synonyms.items()),
            key=lambda s: (s.scope != "exact", s.scope, s.text.casefold())),
        broader=[index.concepts[i] for i in index.up[BROADER].get(concept, [])],
        narrower=[index.concepts[i] for i in narrower[:MAX_NARROWER]],
        codes=sorted((_code(p, o, f, index, sources) for (p, o), f in codes.items()),
                     key=lambda c: (_ORDER.get(c.predicate, len(_ORDER)), c.iri)),
        relations=sorted(
            (_relation(p, d, o, prov, index, sources) for (p, d, o), prov in relations.items()),
            key=lambda r: (r.direction != "outgoing", r.property, r.concept.label.casefold())),
        notes=notes,
        corrections=list(corrections.values()),
        narrower_relations=sorted(
            (_narrower_relation(n, p, o, prov, index, sources) for (n, p, o), prov in inherited.items()),
            key=lambda r: (r.from_concept.label.casefold(), r.property, r.concept.label.casefold())),
    )


def _synonym(scope: str, text: str, kind: str | None, prov: _Provenance, index: ConceptIndex,
             sources: dict[str, str]) -> Synonym:
    return Synonym(text=text, scope=scope, synonym_type=index.curie(kind) if kind else None,  # type: ignore[arg-type]
                   lay=kind == LAY, abbreviation=kind == ABBREVIATION, misnomer=kind == MISNOMER,
                   provenance=prov.build(index, sources))


def _code(predicate: str, code: str, fields: dict[str, str | None], index: ConceptIndex,
          sources: dict[str, str]) -> Code:
    scheme = fields.get("scheme")
    just = fields.get("just")
    return Code(iri=code, curie=index.curie(code), notation=fields.get("notation"), label=fields.get("label"),
                scheme=_ref(scheme, index, sources) if scheme else None,
                predicate=index.curie(predicate) or predicate, justification=index.curie(just) if just else None)


def _relation(prop: str, direction: str, other: str, prov: _Provenance, index: ConceptIndex,
              sources: dict[str, str]) -> Relation:
    return Relation(property=index.curie(prop) or prop, property_iri=prop, property_label=index.labels.get(prop),
                    direction=direction, concept=index.concepts[other],  # type: ignore[arg-type]
                    provenance=prov.build(index, sources))


def _narrower_relation(narrower: str, prop: str, other: str, prov: _Provenance, index: ConceptIndex,
                       sources: dict[str, str]) -> NarrowerRelation:
    return NarrowerRelation(from_concept=index.concepts[narrower], property=index.curie(prop) or prop,
                            property_iri=prop, property_label=index.labels.get(prop),
                            concept=index.concepts[other], provenance=prov.build(index, sources))


def lookup(run: QueryFunction, index: ConceptIndex, sources: dict[str, str], concept: str) -> Concept:
    """The record of a concept known to the index."""
    query = lookup_query(concept, index.base, narrower_curated(index, concept))
    return build_concept(concept, select(run, query), index, sources)


def load_source_labels(run: QueryFunction, base: str) -> dict[str, str]:
    """Titles of source documents and names of organisations, for showing provenance."""
    labels: dict[str, str] = {}
    for row in select(run, source_labels_query(base)):
        labels.setdefault(row["s"].value, row["label"].value)
    return labels
