"""The IRIs medkg mints and the prefixes it speaks, in one place.

Every IRI the project mints sits under one base (default ``https://w3id.org/medkg/``). The Turtle
files are written with the default base; ``rebase`` moves a loaded graph under another one.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import curies

DEFAULT_BASE = "https://w3id.org/medkg/"

# Local parts under the base, one per kind of minted IRI.
CONCEPT = "concept/"
ONTOLOGY = "ontology/"
SOURCE = "source/"
GRAPH = "graph/"

ONTOLOGY_GRAPH = GRAPH + "ontology"
DATA_GRAPH = GRAPH + "data"

# External vocabularies the graph uses. IRIs of ICD-10-CM codes follow BioPortal's PURLs, which
# Bioregistry lists as a provider of the ICD10CM prefix. Diseases of the HPO annotations (OMIM,
# ORPHA, DECIPHER) and PubMed references take the IRIs of the vocabulary model (issue 15).
EXTERNAL_PREFIXES: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "DECIPHER": "https://www.deciphergenomics.org/syndrome/",
    "ECO": "http://purl.obolibrary.org/obo/ECO_",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "ICD10CM": "http://purl.bioontology.org/ontology/ICD10CM/",
    "IAO": "http://purl.obolibrary.org/obo/IAO_",
    "oboInOwl": "http://www.geneontology.org/formats/oboInOwl#",
    "OMIM": "https://omim.org/entry/",
    "OMO": "http://purl.obolibrary.org/obo/OMO_",
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "owl": "http://www.w3.org/2002/07/owl#",
    "PMID": "https://pubmed.ncbi.nlm.nih.gov/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "RO": "http://purl.obolibrary.org/obo/RO_",
    "schema": "https://schema.org/",
    "semapv": "https://w3id.org/semapv/vocab/",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def check_base(base: str) -> str:
    """``base`` if it can be the base of minted IRIs: an absolute http(s) IRI ending in / or #, so
    that base + local part is an IRI; ValueError saying why not."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or not base.endswith(("/", "#")):
        raise ValueError(f"{base!r} is not a base IRI: give an absolute http(s) IRI ending in / or #, "
                         f"like {DEFAULT_BASE}")
    if any(c in base for c in ' <>"{}|\\^`') or any(ord(c) < 0x21 for c in base):
        raise ValueError(f"{base!r} is not a base IRI: it holds characters an IRI cannot hold")
    return base


def moved(iri: str, to_base: str, from_base: str = DEFAULT_BASE) -> str:
    """``iri`` moved from under ``from_base`` to under ``to_base``; any other IRI as it is."""
    return to_base + iri[len(from_base):] if iri.startswith(from_base) else iri


def local_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """The prefixes of what medkg mints, under ``base``."""
    return {
        "medkg": base + CONCEPT,
        "mkg": base + ONTOLOGY,
        "src": base + SOURCE,
    }


def prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """All prefixes, ours first, sorted by name within each group."""
    return {**local_prefixes(base), **dict(sorted(EXTERNAL_PREFIXES.items()))}


@cache
def converter(base: str = DEFAULT_BASE) -> curies.Converter:
    """A CURIE <-> IRI converter for the graph's prefixes (case-insensitive prefix synonyms)."""
    records = [
        curies.Record(
            prefix=prefix,
            uri_prefix=uri,
            prefix_synonyms=[prefix.lower()] if prefix.lower() != prefix else [],
        )
        for prefix, uri in prefixes(base).items()
    ]
    return curies.Converter(records)


def sparql_prologue(base: str = DEFAULT_BASE) -> str:
    """PREFIX lines for every known prefix, to put before a query."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes(base).items())
