"""HPO from real [Term] stanzas of hp.obo: labels, definitions with sources, typed synonyms,
is_a, xrefs as mappings with their source, obsolete terms with their replacement."""

from __future__ import annotations

import pytest
from vocab_slices import Built, hpo_slice

from medkg.vocabularies import cache, hpo

PREFIXES = """PREFIX HP: <http://purl.obolibrary.org/obo/HP_>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX semapv: <https://w3id.org/semapv/vocab/>
PREFIX obo: <http://purl.obolibrary.org/obo/>
"""
# Osteoporosis, fracture susceptibility, low back pain and its parents, an obsolete term
# (HP:0000057, replaced), one with a plural form and one with an abbreviation.
IDS = {"HP:0000939", "HP:0002659", "HP:0003419", "HP:0003418", "HP:0000057", "HP:0001903", "HP:0001250"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    obo = hpo_slice(tmp_path_factory.mktemp("hpo"), IDS)
    path, made = cache.build("hpo", files=(obo,), out=tmp_path_factory.mktemp("out") / "hpo.nq")
    assert made
    return Built(path)


def _frame(curie: str):  # type: ignore[no-untyped-def]
    (obo,) = hpo.source_files()
    return {str(f.id): f for f in hpo.read_terms(obo)}[curie]


def test_label_notation_definition_and_its_sources(built: Built) -> None:
    assert built.query(PREFIXES + """ASK {
        HP:0002659 a skos:Concept ; skos:notation "HP:0002659" ; rdfs:label "Increased susceptibility to fractures" ;
            skos:inScheme <https://w3id.org/medkg/source/hpo> ; skos:broader HP:0011843 ; skos:definition ?d .
        [] a owl:Axiom ; owl:annotatedSource HP:0002659 ; owl:annotatedProperty skos:definition ;
            owl:annotatedTarget ?d ; oboInOwl:hasDbXref ?ref . }""")
    definition = next(c for c in _frame("HP:0002659") if type(c).__name__ == "DefClause")
    found = {s["d"].value for s in built.query(PREFIXES + "SELECT ?d WHERE { HP:0002659 skos:definition ?d }")}
    assert found == {str(definition.definition)}


def test_layperson_synonyms_have_the_omo_type(built: Built) -> None:
    rows = {s["t"].value for s in built.query(PREFIXES + """SELECT ?t WHERE {
        [] owl:annotatedSource HP:0002659 ; owl:annotatedProperty oboInOwl:hasExactSynonym ;
           owl:annotatedTarget ?t ; oboInOwl:hasSynonymType obo:OMO_0003003 }""")}
    assert "Bone fragility" in rows and "Frequent broken bones" in rows


def test_every_synonym_of_the_slice_has_its_obo_scope(built: Built) -> None:
    for curie in sorted(IDS):
        expected = {(str(c.synonym.scope), str(c.synonym.desc)) for c in _frame(curie) if type(c).__name__ == "SynonymClause"}
        found = set()
        for scope, predicate in (("EXACT", "hasExactSynonym"), ("BROAD", "hasBroadSynonym"),
                                 ("NARROW", "hasNarrowSynonym"), ("RELATED", "hasRelatedSynonym")):
            query = PREFIXES + f"SELECT ?s WHERE {{ HP:{curie[3:]} oboInOwl:{predicate} ?s }}"
            found |= {(scope, s["s"].value) for s in built.query(query)}
        assert found == expected, curie


def test_xrefs_are_close_matches_with_the_release_as_source(built: Built) -> None:
    assert built.query(PREFIXES + """ASK {
        HP:0003419 skos:closeMatch ?snomed . ?snomed skos:notation "SNOMEDCT_US:279039007" .
        [] a owl:Axiom ; owl:annotatedSource HP:0003419 ; owl:annotatedProperty skos:closeMatch ;
           owl:annotatedTarget ?snomed ; sssom:mapping_justification semapv:UnspecifiedMatching ;
           dcterms:source <https://w3id.org/medkg/source/hpo> . }""")


def test_obsolete_terms_are_deprecated_with_their_replacement(built: Built) -> None:
    replaced = next(str(c.term) for c in _frame("HP:0000057") if type(c).__name__ == "ReplacedByClause")
    assert built.query(PREFIXES + f"""ASK {{ HP:0000057 owl:deprecated true ;
        <http://purl.obolibrary.org/obo/IAO_0100001> HP:{replaced[3:]} }}""")


def test_an_unknown_xref_prefix_gets_no_guessed_iri() -> None:
    assert hpo.xref_iri("Fyler:4060") is None
    assert hpo.xref_iri("SNOMEDCT_US:279039007") == "http://purl.bioontology.org/ontology/SNOMEDCT/279039007"
    assert hpo.xref_iri("UMLS:C0024031") == "https://uts.nlm.nih.gov/uts/umls/concept/C0024031"
