"""The JSON-LD context of the concept API, published at /api/context.jsonld.

It gives the API's field names an RDF meaning where one is clear: ``iri`` is the node's @id,
``kind`` its @type, ``label`` skos:prefLabel, ``broader`` / ``narrower`` the SKOS hierarchy,
``codes`` skos:mappingRelation (the super-property of every SKOS mapping property), a synonym's
``text`` its value under the oboInOwl property of its scope. Fields with no single RDF reading
(``relations``, which carry direction and provenance; paging fields) are left out of the context,
so JSON-LD processors skip them: the Turtle / JSON-LD of a concept's own page has every triple.
"""

from __future__ import annotations

from typing import Any

from medkg.graph.namespaces import prefixes

CONTEXT_PATH = "/api/context.jsonld"


def context_document(base: str) -> dict[str, Any]:
    """The context, with the prefixes of the graph under ``base``."""
    names = ("medkg", "mkg", "src", "skos", "rdf", "rdfs", "oboInOwl", "OMO", "prov", "dcterms", "HP",
             "ICD10CM", "semapv", "sssom", "xsd")
    known = prefixes(base)
    ref = {"iri": "@id", "label": "skos:prefLabel", "kind": "@type"}
    return {
        "@context": {
            "@version": 1.1,
            "@language": "en",
            **{name: known[name] for name in names if name in known},
            **ref,
            "curie": None,
            "kind_label": None,
            "definition": {"@id": "skos:definition", "@context": {
                "text": "rdf:value", "source": {"@id": "dcterms:source"}}},
            "source": {"@id": "dcterms:source"},
            "synonyms": {"@id": "oboInOwl:hasSynonym", "@context": {
                "text": "rdf:value",
                "synonym_type": {"@id": "oboInOwl:hasSynonymType", "@type": "@id"},
                "provenance": {"@id": "prov:wasDerivedFrom"}}},
            "broader": {"@id": "skos:broader"},
            "narrower": {"@id": "skos:narrower"},
            "codes": {"@id": "skos:mappingRelation", "@context": {
                "label": "rdfs:label", "notation": "skos:notation", "scheme": {"@id": "skos:inScheme"},
                "justification": {"@id": "sssom:mapping_justification", "@type": "@id"}}},
            "notes": "skos:editorialNote",
            "sentences": {"@id": "prov:wasDerivedFrom", "@context": {
                "text": "prov:value", "number": {"@id": "mkg:sentenceNumber", "@type": "xsd:positiveInteger"}}},
        }
    }
