"""ICD-10-CM from a real chapter of the tabular list, checked against simple-icd-10-cm."""

from __future__ import annotations

from pathlib import Path

import pytest
import simple_icd_10_cm as cm
from vocab_slices import Built, icd_chapter_slice

from medkg.vocabularies import cache, icd10cm

ICD = "http://purl.bioontology.org/ontology/ICD10CM/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
MKG = "https://w3id.org/medkg/ontology/"


@pytest.fixture(scope="module")
def chapter13(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Chapter 13 (musculoskeletal, M00-M99): 7th characters (M80), blocks, inclusion terms."""
    return icd_chapter_slice(tmp_path_factory.mktemp("icd"), "13")


@pytest.fixture(scope="module")
def built(chapter13: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Built:
    path, _ = cache.build("icd10cm", files=chapter13, out=tmp_path_factory.mktemp("out") / "icd.nq")
    return Built(path)


def test_items_are_those_of_simple_icd_10_cm(chapter13: tuple[Path, Path]) -> None:
    items = icd10cm.read_items(*chapter13)
    expected = {c for c in cm.get_descendants("13")}
    assert set(items) - {"13"} == expected
    for name in expected:
        assert items[name].label == cm.get_description(name), name
        assert items[name].billable == cm.is_leaf(name), name
        parent = cm.get_parent(name)
        if parent == name:  # a single-category block shares its category's code: not minted
            parent = cm.get_parent(parent, prioritize_blocks=True)
        assert items[name].parent == parent, name


def test_seventh_character_extensions_follow_the_placeholder_rule(chapter13: tuple[Path, Path]) -> None:
    items = icd10cm.read_items(*chapter13)
    code = items["M80.08XA"]
    assert code.kind == "extension" and code.parent == "M80.08" and code.billable
    assert code.label == cm.get_description("M80.08XA")
    assert not items["M80.08"].billable


def test_the_graph_has_labels_notations_hierarchy_and_billable(built: Built) -> None:
    ask = f"""ASK {{ GRAPH <https://w3id.org/medkg/graph/icd10cm> {{
        <{ICD}M80.08XA> a <{SKOS}Concept> ; <{SKOS}notation> "M80.08XA" ;
            <http://www.w3.org/2000/01/rdf-schema#label> "{cm.get_description('M80.08XA')}" ;
            <{SKOS}broader> <{ICD}M80.08> ; <{SKOS}inScheme> <https://w3id.org/medkg/source/icd-10-cm> ;
            <{MKG}billable> true .
        <{ICD}M80.08> <{SKOS}broader> <{ICD}M80.0> ; <{MKG}billable> false .
        <{ICD}M80.0> <{SKOS}broader> <{ICD}M80> .
        <{ICD}M80> <{SKOS}broader> <{ICD}M80-M85> .
        <{ICD}M80-M85> <{SKOS}broader> <https://w3id.org/medkg/vocab/icd10cm/chapter/13> .
        <https://w3id.org/medkg/vocab/icd10cm/chapter/13> <{SKOS}topConceptOf> <https://w3id.org/medkg/source/icd-10-cm> .
    }} }}"""
    assert built.query(ask)


def test_inclusion_terms_are_related_synonyms(built: Built) -> None:
    terms = cm.get_inclusion_term("M54.50")
    assert terms
    found = {s["o"].value for s in built.query(
        f"SELECT ?o WHERE {{ <{ICD}M54.50> <http://www.geneontology.org/formats/oboInOwl#hasRelatedSynonym> ?o }}")}
    assert found == set(terms)


def test_excludes_notes_link_to_the_codes_they_name() -> None:
    assert icd10cm.references("certain localized infections - see body system-related chapters") == []
    assert icd10cm.references("carrier or suspected carrier of infectious disease (Z22.-)") == [("Z22", None)]
    assert icd10cm.references("infectious diseases specific to the perinatal period (P35-P39)") == [("P35", "P39")]
    assert icd10cm.references("human herpesvirus 3 (B01.-, B02.-)") == [("B01", None), ("B02", None)]
    assert icd10cm.references("diabetes (E08-E13 with .36)") == []


def test_excludes1_targets_exist_in_the_chapter(built: Built) -> None:
    rows = list(built.query(f"""SELECT ?s ?o WHERE {{ ?s <{MKG}excludes1> ?o .
        FILTER NOT EXISTS {{ ?o <http://www.w3.org/2000/01/rdf-schema#label> ?l }} }}"""))
    assert rows == []
    assert len(list(built.query(f"SELECT * WHERE {{ ?s <{MKG}excludes1> ?o }}"))) > 50
