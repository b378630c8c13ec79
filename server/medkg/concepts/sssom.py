"""Every mapping of the graph as an SSSOM table (https://mapping-commons.github.io/sssom/).

The TSV starts with the mapping set's metadata as commented YAML (mapping_set_id, license,
curie_map with exactly the prefixes used), then one row per mapping: subject (the concept),
predicate (the SKOS mapping property), object (the code), the mapping justification, and the
comment giving the reason for the match type (the mapping axiom's rdfs:comment).
"""

from __future__ import annotations

import json

from medkg import __version__
from medkg.concepts.index import ConceptIndex
from medkg.concepts.mappings import MATCHES, mapping_annotations
from medkg.graph.namespaces import converter
from medkg.sparql.client import QueryFunction, prologue, select, values

COLUMNS = ("subject_id", "subject_label", "subject_category", "predicate_id", "object_id", "object_label",
           "mapping_justification", "author_id", "comment")
UNSPECIFIED = "https://w3id.org/semapv/vocab/UnspecifiedMatching"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def mapping_rows(run: QueryFunction, index: ConceptIndex) -> list[dict[str, str]]:
    """One dict per mapping, with full IRIs, sorted by subject then object."""
    rows = select(run, prologue(index.base) + f"""SELECT ?c ?p ?code ?label WHERE {{
        {values("p", MATCHES)} ?c ?p ?code . FILTER(isIRI(?code))
        OPTIONAL {{ ?code rdfs:label ?label }}
    }}""")
    annotations = mapping_annotations(run, index.base, authors=True)
    found: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in rows:
        concept = row["c"].value
        if concept not in index.concepts:
            continue
        key = (concept, row["p"].value, row["code"].value)
        about = annotations.get(key, {})
        record = found.setdefault(key, {
            "subject_id": concept, "subject_label": index.concepts[concept].label,
            "subject_category": index.kind_of[concept], "predicate_id": key[1], "object_id": key[2],
            "object_label": "", "mapping_justification": about.get("just", UNSPECIFIED),
            "author_id": about.get("author", ""), "comment": about.get("comment", "")})
        if "label" in row:
            record["object_label"] = row["label"].value
    return sorted(found.values(), key=lambda r: (r["subject_id"], r["object_id"], r["predicate_id"]))


def _cell(value: str) -> str:
    # TSV cells cannot hold tabs or line breaks.
    return " ".join(value.split())


def sssom_tsv(run: QueryFunction, index: ConceptIndex) -> str:
    """The SSSOM/TSV document of all mappings."""
    conv = converter(index.base)
    rows = mapping_rows(run, index)
    used: set[str] = {"semapv", "skos"}
    iri_columns = ("subject_id", "subject_category", "predicate_id", "object_id", "mapping_justification", "author_id")
    for row in rows:
        for column in iri_columns:
            if row[column]:
                parsed = conv.parse_uri(row[column])
                prefix = parsed[0] if parsed else None
                if prefix:
                    used.add(prefix)
                    row[column] = conv.compress(row[column]) or row[column]
    curie_map = {p: conv.prefix_map[p] for p in sorted(used)}
    header = [
        f"mapping_set_id: {json.dumps(index.base + 'mappings.sssom.tsv')}",
        f"mapping_set_title: {json.dumps('medkg concept mappings to ICD-10-CM and HPO')}",
        f"mapping_set_description: {json.dumps('Mappings of medkg concepts to codes of standard vocabularies. Information, not medical advice.')}",
        f"mapping_set_version: {json.dumps(__version__)}",
        f"license: {json.dumps(LICENSE)}",
        "curie_map:",
        *(f"  {p}: {json.dumps(ns)}" for p, ns in curie_map.items()),
    ]
    lines = [f"#{line}" for line in header]
    lines.append("\t".join(COLUMNS))
    lines.extend("\t".join(_cell(row[c]) for c in COLUMNS) for row in rows)
    return "\n".join(lines) + "\n"
