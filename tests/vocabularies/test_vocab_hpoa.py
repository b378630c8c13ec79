"""HPO disease annotations from real rows of phenotype.hpoa: one fact and one provenance axiom per
row, NOT rows as the distinct negative relation."""

from __future__ import annotations

from pathlib import Path

import pytest
from vocab_slices import Built, hpoa_slice

from medkg.vocabularies import cache, hpoa

PREFIXES = """PREFIX HP: <http://purl.obolibrary.org/obo/HP_>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX mkg: <https://w3id.org/medkg/ontology/>
PREFIX RO: <http://purl.obolibrary.org/obo/RO_>
"""


@pytest.fixture(scope="module")
def sliced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return hpoa_slice(tmp_path_factory.mktemp("hpoa"), diseases=("OMIM:259770",))


@pytest.fixture(scope="module")
def built(sliced: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory) -> Built:
    path, _ = cache.build("hpo-annotations", files=(sliced[0],), out=tmp_path_factory.mktemp("out") / "a.nq")
    return Built(path)


def test_one_axiom_per_row_and_one_fact_per_distinct_row(built: Built, sliced: tuple[Path, int]) -> None:
    axioms = next(iter(built.query(PREFIXES + "SELECT (COUNT(?a) AS ?n) WHERE { ?a mkg:evidence ?e }")))["n"]
    assert int(axioms.value) == sliced[1]
    rows = list(hpoa.read_rows(sliced[0]))
    facts = {(r["database_id"], r["qualifier"], r["hpo_id"]) for r in rows}
    found = next(iter(built.query(PREFIXES + """SELECT (COUNT(*) AS ?n) WHERE {
        { ?d RO:0002200 ?h } UNION { ?d mkg:lacksPhenotype ?h } }""")))["n"]
    assert int(found.value) == len(facts)


def test_not_rows_are_the_negative_relation_only(built: Built, sliced: tuple[Path, int]) -> None:
    nots = [r for r in hpoa.read_rows(sliced[0]) if r["qualifier"] == "NOT"]
    assert nots
    for row in nots:
        disease, term = hpoa.disease_iri(row["database_id"]), row["hpo_id"][3:]
        assert built.query(PREFIXES + f"ASK {{ <{disease}> mkg:lacksPhenotype HP:{term} }}")
    positives = {(hpoa.disease_iri(r["database_id"]), r["hpo_id"]) for r in hpoa.read_rows(sliced[0]) if not r["qualifier"]}
    for row in built.query(PREFIXES + "SELECT ?d ?h WHERE { ?d RO:0002200 ?h }"):
        assert (row["d"].value, "HP:" + row["h"].value.rsplit("_", 1)[1]) in positives


def test_the_provenance_pattern_of_curated_facts_answers_for_imported_ones(built: Built) -> None:
    rows = list(built.query(PREFIXES + """SELECT ?src ?evidence ?freq ?cur WHERE {
        ?a owl:annotatedSource <https://omim.org/entry/259770> ; owl:annotatedProperty RO:0002200 ;
           owl:annotatedTarget HP:0000939 ; dcterms:source ?src ;
           prov:wasDerivedFrom <https://w3id.org/medkg/graph/hpo-annotations> ;
           mkg:evidence ?evidence ; mkg:biocuration ?cur .
        OPTIONAL { ?a mkg:frequency ?freq } }"""))
    assert rows
    assert {r["evidence"].value for r in rows} <= set(hpoa.EVIDENCE.values())
    assert built.query(PREFIXES + """ASK { <https://omim.org/entry/259770> a skos:Concept ;
        skos:notation "OMIM:259770" ; rdfs:label "Osteoporosis-pseudoglioma syndrome" ;
        skos:inScheme <https://w3id.org/medkg/source/omim> }""")


def test_references_and_diseases_get_their_registry_iris() -> None:
    assert hpoa.reference_iri("PMID:31675180") == "https://pubmed.ncbi.nlm.nih.gov/31675180"
    assert hpoa.reference_iri("ORPHA:2781") == "http://www.orpha.net/ORDO/Orphanet_2781"
    assert hpoa.disease_iri("DECIPHER:1") == "https://www.deciphergenomics.org/syndrome/1"
    with pytest.raises(hpoa.AnnotationError):
        hpoa.disease_iri("MONDO:0000001")


def test_a_row_of_the_wrong_width_names_its_line(tmp_path: Path) -> None:
    (real,) = hpoa.source_files()
    lines = real.read_text(encoding="utf-8").splitlines(keepends=True)[:10]
    lines[7] = "\t".join(lines[7].split("\t")[:5]) + "\n"
    bad = tmp_path / "phenotype.hpoa"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(cache.VocabularyError, match="line 8"):
        cache.build("hpo-annotations", files=(bad,), out=tmp_path / "x.nq")


def test_the_curated_graph_with_annotations_conforms_to_all_the_shapes(tmp_path: Path) -> None:
    """A slice with the release's one malformed reference ("PMID:20037588P", OMIM:606071), loaded
    with the curated graph: every shape of shapes/ passes (the full graph: test_vocab_full)."""
    from medkg.graph.loading import new_store
    from medkg.validation import validate_store

    source, _ = hpoa_slice(tmp_path, first=100, diseases=("OMIM:606071", "OMIM:259770"))
    assert "PMID:20037588P" in source.read_text(encoding="utf-8")
    built, _ = cache.build("hpo-annotations", files=(source,), out=tmp_path / "a.nq")
    report = validate_store(new_store(vocab=[built]))
    assert report.conforms, report.to_text(min_severity="Violation")[:3000]


def test_an_incomplete_imported_annotation_is_reported_by_the_shape_that_names_the_fix(tmp_path: Path) -> None:
    """Each imported annotation is an owl:Axiom, so its source, property and target are counted by
    AxiomShape as every axiom's are; the annotation shapes add what is particular to HPO's facts."""
    import pyoxigraph as ox

    from medkg.graph.loading import new_store
    from medkg.validation import validate_store

    source, _ = hpoa_slice(tmp_path, first=20, diseases=("OMIM:259770",))
    built, _ = cache.build("hpo-annotations", files=(source,), out=tmp_path / "a.nq")
    store = new_store(vocab=[built])
    owl, mkg = "http://www.w3.org/2002/07/owl#", "https://w3id.org/medkg/ontology/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    axioms = sorted({q.subject for q in store.quads_for_pattern(None, ox.NamedNode(mkg + "evidence"), None)}, key=str)[:4]
    untyped, no_target, two_sources, wrong_relation = axioms

    def one(node: ox.BlankNode, prop: str) -> ox.Quad:
        return next(store.quads_for_pattern(node, ox.NamedNode(prop), None))

    store.remove(one(untyped, rdf_type.value))
    store.remove(one(no_target, owl + "annotatedTarget"))
    extra = one(two_sources, owl + "annotatedSource")
    store.add(ox.Quad(two_sources, extra.predicate, ox.NamedNode("https://omim.org/entry/100100"), extra.graph_name))
    relation = one(wrong_relation, owl + "annotatedProperty")
    store.remove(relation)
    store.add(ox.Quad(wrong_relation, relation.predicate, ox.NamedNode("http://www.w3.org/2004/02/skos/core#related"), relation.graph_name))
    found = {(str(r.focus_node), str(r.source_shape).rsplit("/", 1)[-1]) for r in validate_store(store).violations}
    assert (untyped.value, "ImportedAnnotationShape") in found
    assert (no_target.value, "axiom-annotatedTarget") in found
    assert (two_sources.value, "axiom-annotatedSource") in found
    assert (wrong_relation.value, "annotation-property") in found
    # Each fault once, by one shape: the annotation shapes no longer repeat the axioms' counts.
    assert not {shape for node, shape in found if node in (no_target.value, two_sources.value)} - {
        "axiom-annotatedTarget", "axiom-annotatedSource", "AxiomTripleShape"}
