"""The JSON-LD context of the concept API, published at /api/context.jsonld and inlined in every
answer a client asks for as application/ld+json.

One context reads every answer of the API as RDF, each field that is data as a triple in a
standard vocabulary: a node's ``iri`` is its @id and ``kind`` its @type, labels are SKOS, codes
SSSOM mappings (subject_id, predicate_id, object_id, mapping_justification), synonyms and facts
OWL axioms (annotatedSource / Property / Target) as the graph itself writes them, sources and
sentences Dublin Core and PROV, ranked lists ordered RDF lists (schema:itemListElement), paging
Hydra, text spans the Web Annotation selectors. A field whose meaning depends on the model it is
in is given in a scoped context: a relation's ``direction`` is its @type, whose context says
which end ``concept`` is.

``DERIVED`` lists the fields mapped to null: each repeats another field of the same answer (a
CURIE beside its IRI, a flag beside the synonym type it is read from, a count of a list the
answer gives) or of the request (max_depth, the text's length), so a JSON-LD reader loses
nothing it could not read elsewhere by skipping them.
"""

from __future__ import annotations

from typing import Any

from medkg.graph.namespaces import prefixes

CONTEXT_PATH = "/api/context.jsonld"

# field -> what it repeats (tests/web/test_api_jsonld.py holds every other field to a triple)
DERIVED = {
    "curie": "the CURIE of the IRI beside it",
    "property": "the CURIE of property_iri",
    "lay": "synonym_type is OMO:0003003",
    "abbreviation": "synonym_type is OMO:0003000",
    "misnomer": "synonym_type is OMO:0003007",
    "found": "whether the item has a concept",
    "missing": "the items without a concept, counted",
    "matched_terms": "the annotations' matches",
    "matches": "the query term (in phenotypes) the annotated term is or descends from",
    "steps": "where the code is in tried",
    "chain": "the input, via, the code and the concept, in order",
    "system": "the prefix of code",
    "text_length": "the length of the text posted",
    "max_depth": "the max_depth asked for",
    "narrower_total": "narrower, counted (narrower holds them all up to 500; /descendants pages beyond)",
}
_EXTRA_PREFIXES = {"dc": "http://purl.org/dc/elements/1.1/", "hydra": "http://www.w3.org/ns/hydra/core#",
                   "oa": "http://www.w3.org/ns/oa#"}
# The vocabularies HPO cross-references whose codes /api/mappings takes (SNOMEDCT_US:279039007):
# their IRIs as Bioregistry gives them. A code of any other prefix stays unresolved ("@base":
# null), which a JSON-LD reader drops rather than reading as a made-up relative IRI.
XREF_PREFIXES = ("SNOMEDCT_US", "UMLS", "MSH", "NCIT", "DOID", "MONDO")
_EN = {"@language": "en"}
_IRI = {"@type": "@id"}
# The values of a synonym's scope (and a search hit's matched_scope): the oboInOwl property.
_SCOPES = {"exact": "oboInOwl:hasExactSynonym", "related": "oboInOwl:hasRelatedSynonym",
           "broad": "oboInOwl:hasBroadSynonym", "narrow": "oboInOwl:hasNarrowSynonym"}
_SCOPE = {"@id": "owl:annotatedProperty", "@type": "@vocab"}  # "label" reads as the term label: skos:prefLabel
# A code mapped to a concept: an SSSOM mapping whose object is the code (its subject is the node
# holding it, by @reverse). SSSOM has no slot for the object's notation: skos:notation says it.
_MAPPING = {
    "iri": {"@id": "sssom:object_id", **_IRI}, "label": "sssom:object_label", "notation": "skos:notation",
    "scheme": {"@id": "sssom:object_source", **_IRI, "@context": {"iri": "@id", "label": {"@id": "skos:prefLabel", **_EN}}},
    "predicate": {"@id": "sssom:predicate_id", **_IRI},
    "justification": {"@id": "sssom:mapping_justification", **_IRI},
}
# A relation seen from a concept: an owl:Axiom whose other end is ``concept``, by direction.
_RELATION = {
    "direction": "@type",
    "outgoing": {"@id": "owl:Axiom", "@context": {"concept": "owl:annotatedTarget"}},
    "incoming": {"@id": "owl:Axiom", "@context": {"concept": "owl:annotatedSource"}},
    "property_iri": {"@id": "owl:annotatedProperty", **_IRI},
}
# A search hit or an annotation's match: the label or synonym matched, as the axiom naming it.
_HIT = {
    **_SCOPES, "concept": "owl:annotatedSource", "matched_text": {"@id": "owl:annotatedTarget", **_EN},
    "matched_scope": _SCOPE, "match_type": "dc:type",
}
# A concept found for a code: an SSSOM mapping (to the code asked for) derived from the mapping
# of the code that carried it (the code asked for or a broader one).
_MATCH = {"concept": "sssom:subject_id", "predicate": _MAPPING["predicate"],
          "code": {"@id": "prov:wasDerivedFrom", "@context": _MAPPING}}
_RANKED = {"@id": "schema:itemListElement", "@container": "@list"}  # best first: the order is data


def _prefix(iri: str) -> str | dict[str, Any]:
    # JSON-LD 1.1 reads a term as a prefix of compact IRIs only when its IRI ends in a gen-delim
    # (/ # : ...) unless told: OBO's HP_, OMO_, ECO_ must say so, or "HP:0002659" stays unexpanded.
    return iri if iri[-1] in ":/?#[]@" else {"@id": iri, "@prefix": True}


def context_document(base: str) -> dict[str, Any]:
    """The context, with the prefixes of the graph under ``base``."""
    return {"@context": context(base)}


def context(base: str) -> dict[str, Any]:
    """The @context object itself (every prefix of the graph, then the API's field names)."""
    import bioregistry  # as medkg.concepts.mappings reads cross-references

    xrefs = {name: bioregistry.get_uri_prefix(bioregistry.normalize_prefix(name) or name) for name in XREF_PREFIXES}
    known = {**{name: iri for name, iri in xrefs.items() if iri}, **prefixes(base), **_EXTRA_PREFIXES}
    return {
        "@version": 1.1, "@base": None,
        **{name: _prefix(iri) for name, iri in known.items()},
        **{name: None for name in DERIVED},
        "iri": "@id", "kind": "@type",
        "kind_label": {"@id": "dc:type", **_EN},  # the kind in words, as Dublin Core's free-text type
        "property_label": {"@id": "rdfs:label", **_EN},  # a relation's axiom, named by its property
        "label": {"@id": "skos:prefLabel", **_EN},
        "scheme": {"@id": "skos:inScheme", **_IRI},
        "notation": "skos:notation",
        "definition": {"@id": "skos:definition", "@context": {
            "text": {"@id": "rdf:value", **_EN}, "references": "oboInOwl:hasDbXref"}},
        "source": "dcterms:source",
        "provenance": "@nest",  # its source and sentences are the fact's own
        "sentences": {"@id": "prov:wasDerivedFrom", "@context": {
            "text": {"@id": "prov:value", **_EN}, "number": {"@id": "mkg:sentenceNumber", "@type": "xsd:positiveInteger"}}},
        "synonyms": {"@reverse": "owl:annotatedSource", "@context": {
            **_SCOPES, "text": {"@id": "owl:annotatedTarget", **_EN}, "scope": _SCOPE}},
        "synonym_type": {"@id": "oboInOwl:hasSynonymType", **_IRI},
        "broader": "skos:broader",
        "narrower": "skos:narrower",
        "codes": {"@reverse": "sssom:subject_id", "@context": _MAPPING},
        "mapped_from": {"@reverse": "sssom:object_id", "@context": {
            "concept": "sssom:subject_id", "predicate": _MAPPING["predicate"],
            "justification": _MAPPING["justification"]}},
        "relations": {"@id": "dcterms:relation", "@context": _RELATION},
        "narrower_relations": {"@id": "dcterms:relation", "@context": {
            "from_concept": "owl:annotatedSource", "concept": "owl:annotatedTarget",
            "property_iri": _RELATION["property_iri"]}},
        "notes": {"@id": "skos:editorialNote", **_EN},
        "corrections": {"@reverse": "mkg:aboutConcept", "@context": {
            "label": {"@id": "rdfs:label", **_EN}, "corrected_statement": {"@id": "mkg:correctedStatement", **_EN}}},
        "billable": "mkg:billable",
        "deprecated": "owl:deprecated",
        "replaced_by": "IAO:0100001",
        "consider": "oboInOwl:consider",
        "excludes1": "mkg:excludes1",
        "excludes2": "mkg:excludes2",
        # lists and their paging
        "query": "schema:query", "input": "schema:query",
        "did_you_mean": "schema:alternateName",
        "total": "hydra:totalItems", "limit": "hydra:limit", "offset": "hydra:offset",
        "hits": {**_RANKED, "@context": _HIT},
        "items": {**_RANKED, "@context": {
            **_RELATION, "concept": "schema:item", "depth": "schema:position", "error": "schema:error"}},
        "direction": "dc:type",  # of a hierarchy: ancestors or descendants
        "relation": {"@id": "rdf:predicate", **_IRI},  # the hierarchy property followed
        "concept": "schema:about",  # what a list of neighbours, ancestors or descendants is about
        # annotate
        "mentions": {**_RANKED, "@context": {
            "start": "oa:start", "end": "oa:end", "text": "oa:exact", "matches": {**_RANKED, "@context": _HIT}}},
        # mappings: the lookup of a code, its result an SSSOM mapping derived from the code's own
        "code": {"@id": "schema:object", **_IRI},
        "tried": {"@id": "prov:used", **_IRI},
        "via": "prov:used",
        "best": {"@id": "schema:result", "@context": _MATCH},
        "alternatives": {"@id": "schema:result", "@context": _MATCH},
        "message": "schema:error",
        # phenotypes
        "phenotypes": "schema:object",
        "diseases": {**_RANKED, "@context": {
            "disease": "schema:item", "matched": {"@id": "schema:value", "@type": "xsd:integer"},  # its score
            "annotations": {"@id": "prov:wasDerivedFrom", "@context": {
                "phenotype": "owl:annotatedTarget", "references": "dcterms:source",
                "evidence": {"@id": "mkg:evidence", **_IRI}, "frequency": "mkg:frequency"}}}},
    }
