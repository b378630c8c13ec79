"""The concept API over the reference vocabularies (issue 15), on a real slice of ICD-10-CM, HPO and
the HPO annotations loaded with the packaged graph: lookup of any code, search across schemes,
code mapping through the hierarchy and through HPO's cross-references, phenotype-driven lookup."""

from __future__ import annotations

import pytest
from vocab_slice import slice_store

from medkg.concepts import ConceptService, InvalidIdentifier, InvalidQuery, NotFound
from medkg.sparql.client import store_client


@pytest.fixture(scope="module")
def service() -> ConceptService:
    return ConceptService(store_client(slice_store()))


# --- Lookup ---------------------------------------------------------------------------------------

def test_icd_extension_code(service: ConceptService) -> None:
    code = service.lookup("ICD10CM:S32.10XA")
    assert code.label == "Unspecified fracture of sacrum, initial encounter for closed fracture"
    assert (code.kind, code.notation, code.billable) == ("skos:Concept", "S32.10XA", True)
    assert code.scheme is not None and code.scheme.curie == "src:icd-10-cm"
    assert [b.curie for b in code.broader] == ["ICD10CM:S32.10"]  # the code it extends, as simple-icd-10-cm says


@pytest.mark.parametrize("form", ["S32.10XA", "S3210XA", "s32.10xa", "http://purl.bioontology.org/ontology/ICD10CM/S32.10XA"])
def test_plain_code_forms(service: ConceptService, form: str) -> None:
    assert service.lookup(form).curie == "ICD10CM:S32.10XA"


def test_icd_category_with_children_mappings_and_excludes(service: ConceptService) -> None:
    category = service.lookup("ICD10CM:S32")
    assert category.billable is False
    assert [b.curie for b in category.broader] == ["ICD10CM:S30-S39"]
    assert category.narrower_total == len(category.narrower) == 1  # S32.1 in the slice
    assert [(m.concept.curie, m.predicate) for m in category.mapped_from] == [("medkg:pelvic-fracture", "skos:relatedMatch")]
    assert [e.curie for e in category.excludes1] == ["ICD10CM:S38.3"]  # "transection of abdomen (S38.3)"
    chapter = service.lookup("ICD10CM:S30-S39").broader[0]
    assert chapter.iri == "https://w3id.org/medkg/vocab/icd10cm/chapter/19"


def test_inclusion_terms_are_related_synonyms(service: ConceptService) -> None:
    synonyms = {(s.text, s.scope) for s in service.lookup("ICD10CM:M54.50").synonyms}
    assert synonyms == {("Loin pain", "related"), ("Lumbago NOS", "related")}


def test_hpo_term(service: ConceptService) -> None:
    term = service.lookup("HP:0003419")
    assert term.label == "Low back pain" and term.notation == "HP:0003419"
    assert term.definition is not None and term.definition.text.startswith("An unpleasant sensation")
    assert {(s.text, s.scope, s.lay) for s in term.synonyms} == {("Lower back pain", "exact", False),
                                                                 ("Lumbago", "exact", True)}
    assert [b.curie for b in term.broader] == ["HP:0003418"]
    assert {(c.notation, c.predicate, c.justification) for c in term.codes} == {
        ("SNOMEDCT_US:279039007", "skos:closeMatch", "semapv:UnspecifiedMatching"),
        ("UMLS:C0024031", "skos:closeMatch", "semapv:UnspecifiedMatching")}
    assert [m.concept.curie for m in term.mapped_from] == ["medkg:lower-back-pain"]
    assert term.relations == []  # the curated mapping is in mapped_from, not repeated as a relation


def test_definition_references(service: ConceptService) -> None:
    definition = service.lookup("HP:0002659").definition
    assert definition is not None
    assert definition.references == ["https://orcid.org/0009-0006-4530-3154"]  # as the OBO def line gives them


def test_obsolete_term_names_its_replacement(service: ConceptService) -> None:
    term = service.lookup("HP:0003421")
    assert term.deprecated is True
    assert [r.curie for r in term.replaced_by] == ["HP:0000926"]


def test_disease_with_its_phenotypes_and_references(service: ConceptService) -> None:
    disease = service.lookup("OMIM:259770")
    assert disease.label == "Osteoporosis-pseudoglioma syndrome"
    assert disease.scheme is not None and disease.scheme.curie == "src:omim"
    phenotypes = {r.concept.curie: r for r in disease.relations if r.property == "RO:0002200"}
    assert {"HP:0000939", "HP:0002659"} <= set(phenotypes)
    assert [p.source.curie for p in phenotypes["HP:0000939"].provenance if p.source] == ["PMID:21407258"]
    assert [p.source.curie for p in phenotypes["HP:0002756"].provenance if p.source] == ["OMIM:259770"]


def test_not_annotation_is_its_own_relation(service: ConceptService) -> None:
    relations = service.lookup("ORPHA:79153").relations
    assert [(r.property, r.concept.curie) for r in relations] == [("mkg:lacksPhenotype", "HP:0012531")]


def test_children_are_paged_with_totals(service: ConceptService) -> None:
    page = service.descendants("ICD10CM:S32.1", max_depth=1, limit=1)
    assert (page.total, page.limit, [i.concept.curie for i in page.items]) == (2, 1, ["ICD10CM:S32.10"])
    assert [i.concept.curie for i in service.descendants("ICD10CM:S32.1", max_depth=1, offset=1).items] == ["ICD10CM:S32.11"]


# --- Errors ---------------------------------------------------------------------------------------

def test_unknown_code_is_not_found_with_nearby_codes(service: ConceptService) -> None:
    with pytest.raises(NotFound) as missing:
        service.lookup("ICD10CM:S32.19XA")
    assert "no code ICD10CM:S32.19XA" in str(missing.value)
    assert [s.curie for s in missing.value.suggestions][:1] == ["ICD10CM:S32.1"]


@pytest.mark.parametrize("code", ["HP:123", "ICD10CM:S32.1XYZ!", "OMIM:abc", "ORPHA:x1"])
def test_malformed_code_names_the_form(service: ConceptService, code: str) -> None:
    with pytest.raises(InvalidIdentifier, match="expected the form of"):
        service.lookup(code)


# --- Search ---------------------------------------------------------------------------------------

def test_search_across_schemes(service: ConceptService) -> None:
    hits = service.search("low back pain", limit=20).hits
    found = [(h.concept.curie, h.match_type, h.matched_scope) for h in hits]
    assert ("HP:0003419", "exact", "label") in found and ("ICD10CM:M54.5", "exact", "label") in found
    assert ("medkg:lower-back-pain", "exact", "exact") in found  # a synonym: after the exact labels
    assert found.index(("medkg:lower-back-pain", "exact", "exact")) > found.index(("HP:0003419", "exact", "label"))


def test_search_filtered_by_scheme(service: ConceptService) -> None:
    for scheme, prefix in (("hpo", "HP:"), ("icd10cm", "ICD10CM:"), ("src:icd-10-cm", "ICD10CM:"), ("medkg", "medkg:"),
                           ("omim", "OMIM:")):
        hits = service.search("osteoporosis", schemes=[scheme], limit=50).hits
        assert hits and all((h.concept.curie or "").startswith(prefix) for h in hits), scheme
    both = service.search("osteoporosis", schemes=["hpo", "medkg"], limit=50)
    assert {(h.concept.curie or "").split(":")[0] for h in both.hits} == {"HP", "medkg"}
    with pytest.raises(InvalidQuery, match="unknown scheme 'snomed'"):
        service.search("osteoporosis", schemes=["snomed"])


def test_lay_synonym_of_an_hpo_term_is_found(service: ConceptService) -> None:
    hit = service.search("lumbago", schemes=["hpo"]).hits[0]
    assert (hit.concept.curie, hit.lay, hit.match_type) == ("HP:0003419", True, "exact")


def test_annotate_stays_with_the_curated_concepts(service: ConceptService) -> None:
    mentions = service.annotate("osteoporosis and low back pain").mentions
    assert all((m.concept.curie or "").startswith("medkg:") for mention in mentions for m in mention.matches)


# --- Code mapping ---------------------------------------------------------------------------------

def test_icd_code_maps_through_its_nearest_mapped_ancestor(service: ConceptService) -> None:
    result = service.map_code("ICD10CM:S32.10XA")
    assert result.best is not None
    assert result.best.chain == ["ICD10CM:S32.10XA", "ICD10CM:S32.1", "medkg:sacral-fracture"]
    assert (result.best.code.curie, result.best.steps, result.best.predicate) == ("ICD10CM:S32.1", 2, "skos:narrowMatch")
    assert result.tried == ["ICD10CM:S32.10XA", "ICD10CM:S32.10", "ICD10CM:S32.1"]  # S32.10X is no code


def test_snomed_code_maps_through_hpo(service: ConceptService) -> None:
    result = service.map_code("SNOMEDCT_US:279039007")
    assert result.system == "SNOMEDCT_US" and [v.curie for v in result.via] == ["HP:0003419"]
    assert result.best is not None and result.best.chain == ["SNOMEDCT_US:279039007", "HP:0003419", "medkg:lower-back-pain"]
    assert result.best.concept.curie == "medkg:lower-back-pain"


def test_unknown_cross_reference_maps_to_nothing(service: ConceptService) -> None:
    result = service.map_code("SNOMEDCT_US:1")
    assert result.best is None and result.via == [] and result.tried == ["SNOMEDCT_US:1"]


def test_sssom_has_the_xref_mappings_with_their_source(service: ConceptService) -> None:
    rows = [line.split("\t") for line in service.sssom().splitlines() if not line.startswith("#")]
    header, rows = rows[0], rows[1:]
    row = next(dict(zip(header, r, strict=True)) for r in rows if r[0] == "HP:0003419" and "279039007" in r[4])
    assert (row["predicate_id"], row["author_id"], row["mapping_justification"]) == (
        "skos:closeMatch", "src:hpo", "semapv:UnspecifiedMatching")
    assert any(r[0] == "medkg:sacral-fracture" for r in rows)  # the curated ones stay


# --- Phenotypes -----------------------------------------------------------------------------------

def test_diseases_ranked_by_phenotypes_matched(service: ConceptService) -> None:
    result = service.diseases_with_phenotypes(["HP:0000939", "HP:0002659"])
    ranked = [(d.disease.curie, d.matched) for d in result.diseases]
    # Most terms matched first, then by name.
    assert ranked == [("OMIM:612286", 2), ("ORPHA:2788", 2), ("OMIM:259770", 2), ("OMIM:610628", 1), ("OMIM:166710", 1)]
    assert result.total == 5
    oppg = next(d for d in result.diseases if d.disease.curie == "OMIM:259770")
    references = {r.curie for a in oppg.annotations for r in a.references}
    assert "PMID:21407258" in references
    # HP:0002756 (pathologic fracture) descends from HP:0002659: it matches through it.
    assert {a.phenotype.curie: a.matches for a in oppg.annotations} == {
        "HP:0000939": "HP:0000939", "HP:0002659": "HP:0002659", "HP:0002756": "HP:0002659"}


def test_phenotypes_match_descendants(service: ConceptService) -> None:
    ancestor = service.lookup("HP:0000939").broader[0].curie
    assert ancestor == "HP:0004349"  # reduced bone mineral density
    result = service.diseases_with_phenotypes([ancestor])
    assert "OMIM:259770" in {d.disease.curie for d in result.diseases}
    assert all(a.matches == ancestor for d in result.diseases for a in d.annotations)


def test_phenotype_errors(service: ConceptService) -> None:
    with pytest.raises(InvalidQuery, match="at most 20"):
        service.diseases_with_phenotypes([f"HP:{n:07d}" for n in range(21)])
    with pytest.raises(InvalidQuery):
        service.diseases_with_phenotypes(["ICD10CM:S32.1"])
    with pytest.raises(InvalidQuery):
        service.diseases_with_phenotypes(["HP:12"])
    with pytest.raises(NotFound, match="no HPO term"):
        service.diseases_with_phenotypes(["HP:0000001", "HP:9999999"])


def _iri(service: ConceptService, curie: str) -> str:
    from medkg.graph.namespaces import converter

    return converter(service.base).expand(curie) or curie


def _reference_matches(service: ConceptService, terms: list[str]) -> dict[str, set[str]]:
    """disease CURIE -> query terms it matches, by the engine's own property path (not the index)."""
    from medkg.sparql.client import prologue, select

    found: dict[str, set[str]] = {}
    for term in terms:
        rows = select(service.run, prologue(service.base) + f"""SELECT DISTINCT ?d WHERE {{
            ?d <http://purl.obolibrary.org/obo/RO_0002200> ?hp . ?hp skos:broader* <{_iri(service, term)}> }}""")
        for row in rows:
            found.setdefault(service.index.curie(row["d"].value) or "", set()).add(term)
    return found


def _under(service: ConceptService, phenotype: str, term: str) -> bool:
    return bool(service.run(f"ASK {{ <{_iri(service, phenotype)}> <http://www.w3.org/2004/02/skos/core#broader>* "
                            f"<{_iri(service, term)}> }}"))


def _annotation_sources(service: ConceptService, disease: str, phenotype: str) -> set[str]:
    from medkg.sparql.client import prologue, select

    rows = select(service.run, prologue(service.base) + f"""SELECT ?src WHERE {{
        ?ax owl:annotatedSource <{_iri(service, disease)}> ; owl:annotatedProperty <http://purl.obolibrary.org/obo/RO_0002200> ;
            owl:annotatedTarget <{_iri(service, phenotype)}> ;
            dcterms:source ?src }}""")
    return {service.index.curie(row["src"].value) or row["src"].value for row in rows}


@pytest.mark.parametrize("terms", [["HP:0000939"], ["HP:0002659"], ["HP:0004349"], ["HP:0000939", "HP:0002659"],
                                   ["HP:0004349", "HP:0002756", "HP:0000939"], ["HP:0000001"]])
def test_phenotype_lookup_agrees_with_the_graph(service: ConceptService, terms: list[str]) -> None:
    """Every disease, its count and its terms, page after page, as a property path over the store
    says; each annotation shown is a has-phenotype fact under a query term, with its axiom's sources."""
    expected = _reference_matches(service, terms)
    seen: dict[str, set[str]] = {}
    offset = 0
    while True:
        page = service.diseases_with_phenotypes(terms, limit=2, offset=offset)
        assert page.total == len(expected)
        for match in page.diseases:
            seen[match.disease.curie or ""] = set(match.matched_terms)
            assert match.matched == len(match.matched_terms)
            covered: set[str] = set()
            for annotation in match.annotations:
                under = {t for t in terms if _under(service, annotation.phenotype.curie or "", t)}
                assert annotation.matches in under  # the first query term it is, or is under
                assert annotation.matches == min(under, key=terms.index)
                covered |= under
                assert {r.curie for r in annotation.references} == _annotation_sources(
                    service, match.disease.curie or "", annotation.phenotype.curie or "")
            assert covered == set(match.matched_terms)  # each term matched shows the facts that match it
        counts = [m.matched for m in page.diseases]
        assert counts == sorted(counts, reverse=True)
        offset += 2
        if offset >= page.total:
            break
    assert seen == expected


def test_phenotype_lookup_with_the_annotations_has_no_message(service: ConceptService) -> None:
    assert service.diseases_with_phenotypes(["HP:0000939"]).message is None
