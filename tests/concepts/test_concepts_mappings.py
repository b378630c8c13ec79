"""From ICD-10-CM and HPO codes to concepts, and all mappings as SSSOM."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
import sssom_pydantic

from medkg.concepts import ConceptService, InvalidQuery
from medkg.concepts.mappings import icd_parents
from medkg.graph.namespaces import converter


@pytest.fixture(scope="module")
def service(packaged_store: ox.Store) -> ConceptService:
    return ConceptService.from_store(packaged_store)


@pytest.mark.parametrize("code", ["S32.10XA", "ICD10CM:S32.10XA", "icd10cm:s32.10xa", "S3210XA",
                                  "http://purl.bioontology.org/ontology/ICD10CM/S32.10XA"])
def test_billable_code_walks_up_to_the_mapped_category(service: ConceptService, code: str) -> None:
    result = service.map_code(code)
    assert result.code == "ICD10CM:S32.10XA" and result.system == "ICD10CM"
    assert result.tried == ["ICD10CM:S32.10XA", "ICD10CM:S32.10", "ICD10CM:S32.1"]  # S32.10X: a placeholder, no code
    assert result.best is not None
    assert (result.best.concept.curie, result.best.code.curie, result.best.steps) == (
        "medkg:sacral-fracture", "ICD10CM:S32.1", 2)
    assert result.best.predicate == "skos:narrowMatch"  # the code given is narrower than the concept
    assert result.best.code.label == "Fracture of sacrum"


def test_direct_codes_keep_their_mapping_predicate(service: ConceptService) -> None:
    direct = service.map_code("ICD10CM:S32.1").best  # traumatic only: narrower than sacral fracture
    assert direct is not None and (direct.predicate, direct.steps) == ("skos:narrowMatch", 0)
    related = service.map_code("ICD10CM:M80.08").best
    assert related is not None and (related.concept.curie, related.predicate, related.steps) == (
        "medkg:sacral-insufficiency-fracture", "skos:relatedMatch", 0)
    broad = service.map_code("R10.2").best
    assert broad is not None and (broad.concept.curie, broad.predicate) == ("medkg:pelvic-pain", "skos:broadMatch")
    encounter = service.map_code("M80.08XA").best  # the 7th character (encounter) names the same condition
    assert encounter is not None and (encounter.concept.curie, encounter.predicate, encounter.steps) == (
        "medkg:sacral-insufficiency-fracture", "skos:relatedMatch", 1)


@pytest.mark.parametrize("code", ["S32.9XXA", "S32.009A", "S32.0", "S32.89XA"])
def test_an_overlapping_mapping_of_a_broader_code_is_not_carried_down(service: ConceptService, code: str) -> None:
    # S32 ("lumbar spine and pelvis") only overlaps pelvic fracture (relatedMatch): its narrower codes
    # may be lumbar fractures, which pelvic fracture excludes. No concept, rather than a wrong one.
    result = service.map_code(code)
    assert result.best is None and result.alternatives == []
    assert len(result.tried) == len(set(result.tried)) and result.tried[-1] == "ICD10CM:S32"
    assert result.message is not None and f"no curated concept maps ICD10CM:{code}" in result.message


@pytest.mark.parametrize("code", ["S32.10XA", "S32.009A", "M80.08XA", "Z99.89", "HP:0002659", "HP:0000001",
                                  "SNOMEDCT_US:279039007", "SNOMEDCT_US:1", "UMLS:C0000000"])
def test_a_mapping_says_why_when_it_finds_no_concept(service: ConceptService, code: str) -> None:
    result = service.map_code(code)
    if result.best is None:  # a sentence naming the code and what to try instead
        assert result.message and result.code in result.message and "/api/search" in result.message
    else:
        assert result.message is None


def test_mappings_carried_down_are_exactly_the_inheritable_ones(service: ConceptService) -> None:
    """For every ICD-10-CM code a curated concept maps, a narrower code (one more character) gets the
    mapping only if it is exact, close or narrow; the same code with an encounter (placeholder X's and
    a 7th character) gets it whatever it is, unchanged."""
    from medkg.concepts.mappings import MATCHES

    checked = 0
    for concept in service.index.concepts.curated:
        for predicate in MATCHES:
            for code in _mapped(service, concept, predicate):
                if not code.startswith("ICD10CM:"):
                    continue
                local = code.split(":", 1)[1]
                plain = local.replace(".", "")
                if len(plain) < 6:
                    narrower = plain + "9"
                    found = _carried(service, narrower[:3] + "." + narrower[3:])
                    inherited = predicate.rsplit("#", 1)[1] in ("exactMatch", "closeMatch", "narrowMatch")
                    assert ((concept, code) in found) == inherited, (code, predicate, narrower)
                    checked += 1
                if len(plain) <= 6:
                    encounter = (plain + "XXX")[:6] + "A"
                    found = _carried(service, encounter[:3] + "." + encounter[3:])
                    assert found.get((concept, code)) == service.index.curie(predicate), (code, encounter)
    assert checked >= 10


def _carried(service: ConceptService, local: str) -> dict[tuple[str, str], str]:
    result = service.map_code("ICD10CM:" + local)
    return {(m.concept.iri, m.code.curie or ""): m.predicate
            for m in ([result.best] if result.best else []) + result.alternatives}


def _mapped(service: ConceptService, concept: str, predicate: str) -> list[str]:
    rows = service.run(f"SELECT ?c WHERE {{ <{concept}> <{predicate}> ?c }}")
    assert isinstance(rows, list)
    return [service.index.curie(r["c"].value) or "" for r in rows]


@pytest.mark.parametrize("code", ["HP:0003419", "HP_0003419", "hp:0003419", "0003419",
                                  "http://purl.obolibrary.org/obo/HP_0003419"])
def test_hpo_codes(service: ConceptService, code: str) -> None:
    result = service.map_code(code)
    assert result.system == "HP" and result.code == "HP:0003419"
    assert result.best is not None and result.best.concept.curie == "medkg:lower-back-pain"


def test_valid_but_unmapped_codes(service: ConceptService) -> None:
    result = service.map_code("Z99.89")
    assert result.best is None and result.tried == ["ICD10CM:Z99.89", "ICD10CM:Z99.8", "ICD10CM:Z99"]
    assert service.map_code("HP:0000001").best is None


@pytest.mark.parametrize("code", ["S32.1' } DROP ALL", "HP:123", "HP:00034190", "ICD10CM:", "NOTAVOCAB:123", "UMLS:X123", "",
                                  "123.45", "S", "S32..1", "x" * 300, "ICD10CM:S32.1>", "🦴"])
def test_invalid_codes(service: ConceptService, code: str) -> None:
    with pytest.raises(InvalidQuery):
        service.map_code(code)


def test_icd_parents() -> None:
    assert icd_parents("S32.10XA") == ["S32.10", "S32.1", "S32"]  # S32.10X only holds the 7th character's place
    assert icd_parents("S32.9XXA") == ["S32.9", "S32"]
    assert icd_parents("X00.0XXA") == ["X00.0", "X00"]
    assert icd_parents("T36.0X1A") == ["T36.0X1", "T36.0X", "T36.0", "T36"]  # an X that is no placeholder stays
    assert icd_parents("H21.1X1") == ["H21.1X", "H21.1", "H21"]
    assert icd_parents("M81") == []


def test_every_level_a_code_is_walked_through_is_a_code_of_the_release() -> None:
    """icd_parents of every billable code of ICD-10-CM (April 2026, simple-icd-10-cm) names codes
    of the release only, and the same ones as the tabular list's ancestors."""
    import simple_icd_10_cm as icd

    checked = 0
    for code in icd.get_all_codes(with_dots=True):
        if not icd.is_leaf(code) or len(code) < 5 or "-" in code:  # billable codes, not blocks
            continue
        spelled = icd_parents(code)
        assert all(icd.is_valid_item(parent) for parent in spelled), (code, spelled)
        tabular = [a for a in icd.get_ancestors(code) if "-" not in a and not a.isdigit()]  # no chapters, blocks
        assert spelled == list(dict.fromkeys(tabular)), (code, spelled)  # a block may bear its category's name
        checked += 1
    assert checked > 70_000


def test_sssom_export_is_valid_and_complete(service: ConceptService, packaged_store: ox.Store) -> None:
    text = service.sssom()
    assert text.startswith("#mapping_set_id: ")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert "#curie_map:" in header and '#  ICD10CM: "http://purl.bioontology.org/ontology/ICD10CM/"' in header
    mappings = sssom_pydantic.read(io.StringIO(text), converter=converter())
    records = mappings[0] if isinstance(mappings, tuple) else mappings
    rows = [line.split("\t") for line in text.splitlines() if not line.startswith("#")][1:]
    expected = packaged_store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch "
        "skos:narrowMatch skos:relatedMatch } ?c ?p ?code ; skos:prefLabel [] }",
        prefixes={"skos": "http://www.w3.org/2004/02/skos/core#"}, use_default_graph_as_union=True)
    count = int(next(iter(expected))["n"].value)  # type: ignore[index]
    assert len(rows) == count > 15
    assert len(list(records)) == count
    sacral = [r for r in rows if r[0] == "medkg:sacral-fracture"]
    assert [r[:8] for r in sacral] == [["medkg:sacral-fracture", "Sacral fracture", "mkg:Fracture", "skos:narrowMatch",
                                        "ICD10CM:S32.1", "Fracture of sacrum", "semapv:ManualMappingCuration",
                                        "src:medkg-editors"]]
    assert sacral[0][8].startswith("Narrower: S32.1 sits in the injury chapter")


def test_phenotype_lookup_without_the_annotations_says_how_to_load_them(service: ConceptService) -> None:
    found = service.diseases_with_phenotypes(["HP:0000939"])  # a code the curated graph maps to
    assert found.total == 0 and found.message is not None and "--vocab hpo-annotations" in found.message
