"""The concept core in Python: lookup, batch, search, hierarchy, neighbours (annotate and codes: own files)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import LiveServer

from medkg.concepts import ConceptService, InvalidIdentifier, InvalidQuery, NotFound
from medkg.graph.loading import new_store
from medkg.sparql.client import Result, http_client, iri, literal, store_client

M = "https://w3id.org/medkg/concept/"


class Recorder:
    """The real store's query function, keeping every SPARQL text sent (to check what reaches it)."""

    def __init__(self, store: ox.Store) -> None:
        self.run = store_client(store)
        self.sent: list[str] = []

    def __call__(self, sparql: str) -> Result:
        self.sent.append(sparql)
        return self.run(sparql)


@pytest.fixture(scope="module")
def recorder(packaged_store: ox.Store) -> Recorder:
    return Recorder(packaged_store)


@pytest.fixture(scope="module")
def service(recorder: Recorder) -> ConceptService:
    return ConceptService(recorder)


# --- lookup --------------------------------------------------------------------------------------

@pytest.mark.parametrize("identifier", ["medkg:sacral-fracture", M + "sacral-fracture", "sacral-fracture",
                                        "  medkg:sacral-fracture  "])
def test_lookup_by_iri_curie_or_name(service: ConceptService, identifier: str) -> None:
    concept = service.lookup(identifier)
    assert concept.iri == M + "sacral-fracture"
    assert (concept.curie, concept.label, concept.kind, concept.kind_label) == (
        "medkg:sacral-fracture", "Sacral fracture", "mkg:Fracture", "fracture")


def test_lookup_has_synonyms_with_types_and_their_source(service: ConceptService) -> None:
    concept = service.lookup("medkg:sacral-fracture")
    synonyms = {s.text: s for s in concept.synonyms}
    assert synonyms["sacrum fracture"].scope == "exact" and not synonyms["sacrum fracture"].lay
    misnomer = synonyms["tailbone fracture"]  # the tailbone is the coccyx: a misnomer here
    assert (misnomer.scope, misnomer.synonym_type, misnomer.lay, misnomer.abbreviation) == (
        "related", "OMO:0003007", False, False)
    assert [s.number for s in misnomer.provenance[0].sentences] == [3, 4]
    assert "caused by a tailbone fracture" in misnomer.provenance[0].sentences[0].text
    lay = {s.text: s for s in service.lookup("medkg:coccyx-fracture").synonyms}["tailbone fracture"]
    assert (lay.scope, lay.synonym_type, lay.lay) == ("exact", "OMO:0003003", True)
    abbreviation = {s.text: s for s in service.lookup("physical-therapy").synonyms}["PT"]
    assert abbreviation.abbreviation and abbreviation.synonym_type == "OMO:0003000"


def test_lookup_has_definition_source_and_codes_with_labels(service: ConceptService) -> None:
    concept = service.lookup("medkg:sacral-fracture")
    assert concept.definition is not None and concept.definition.text.startswith("A fracture of the sacrum")
    assert concept.definition.source is not None and concept.definition.source.label == "medkg editors"
    (code,) = concept.codes
    assert (code.curie, code.notation, code.label, code.predicate, code.justification) == (
        "ICD10CM:S32.1", "S32.1", "Fracture of sacrum", "skos:narrowMatch", "semapv:ManualMappingCuration")
    assert [c.curie for c in concept.broader] == ["medkg:pelvic-fracture", "medkg:spinal-fracture"]
    assert [c.curie for c in concept.narrower] == ["medkg:sacral-insufficiency-fracture"]


def test_lookup_has_relations_both_ways_with_provenance(service: ConceptService) -> None:
    fracture = service.lookup("medkg:sacral-fracture")
    symptoms = {r.concept.label: r for r in fracture.relations if r.property == "mkg:hasSymptom"}
    assert set(symptoms) == {"Pelvic pain", "Reduced mobility", "Pain worse with heavy lifting, better lying down",
                             "Pain radiating from the sacrum"}
    pelvic = symptoms["Pelvic pain"]
    assert pelvic.direction == "outgoing" and pelvic.property_label == "has symptom"
    assert pelvic.provenance[0].source is not None and pelvic.provenance[0].source.curie == "src:sacroplasty-article"
    assert [s.text for s in pelvic.provenance[0].sentences] == [
        "In addition to lower back pain, symptoms of a sacral fracture may include:", "Pelvic pain"]
    sacrum = service.lookup("medkg:sacrum")
    incoming = {(r.property, r.concept.curie) for r in sacrum.relations if r.direction == "incoming"}
    assert ("mkg:affectsStructure", "medkg:sacral-fracture") in incoming
    assert ("mkg:partOf", "medkg:pelvis") in {(r.property, r.concept.curie) for r in sacrum.relations
                                              if r.direction == "outgoing"}


def test_lookup_unknown_suggests_concepts(service: ConceptService) -> None:
    with pytest.raises(NotFound) as missing:
        service.lookup("medkg:sacral-fractur")
    assert missing.value.suggestions[0].curie == "medkg:sacral-fracture"
    with pytest.raises(NotFound):
        service.lookup("medkg:pelvis-and-more")  # well formed, absent


@pytest.mark.parametrize("hostile", [
    "medkg:x> ?p ?o } ; DROP ALL ; #",
    M + "x> } INSERT DATA { <a> <b> <c> } #",
    'https://example.org/"quote',
    "medkg:a\nb", "medkg:a\x00b", "javascript:alert(1)", "nope:thing", "", "   ",
    "x" * 5000, "<https://w3id.org/medkg/concept/sacrum>", "medkg:{x}", "a b",
])
def test_hostile_identifiers_never_reach_sparql(service: ConceptService, recorder: Recorder, hostile: str) -> None:
    before = len(recorder.sent)
    with pytest.raises((InvalidIdentifier, NotFound)):
        service.lookup(hostile)
    assert recorder.sent[before:] == []  # refused or unknown: the store is not even asked


def test_sparql_terms_are_escaped(packaged_store: ox.Store) -> None:
    run = store_client(packaged_store)
    for text in ['a"b', "back\\slash", "new\nline", "tab\tand\r", '""" triple', "emoji 🦴 and ́accent", "'single'"]:
        (row,) = run(f"SELECT ?v WHERE {{ BIND({literal(text)} AS ?v) }}")  # type: ignore[misc]
        assert row["v"].value == text
    for bad in ["no scheme", "https://a b", "https://a>b", "https://a{b}", 'https://a"b', "https://a\\b"]:
        with pytest.raises(ValueError):
            iri(bad)


# --- batch ---------------------------------------------------------------------------------------

def test_batch_keeps_order_and_marks_unknown(service: ConceptService) -> None:
    ids = ["sacrum", "medkg:nope", "medkg:sacral-fracture", "bad id", "sacrum"]
    result = service.lookup_many(ids)
    assert [item.input for item in result.items] == ids
    assert [item.found for item in result.items] == [True, False, True, False, True]
    assert (result.total, result.found, result.missing) == (5, 3, 2)
    assert result.items[0].concept is not None and result.items[0].concept.label == "Sacrum"
    assert "no concept" in (result.items[1].error or "")


def test_batch_limits(service: ConceptService) -> None:
    assert service.lookup_many(["sacrum"] * 1000).found == 1000
    with pytest.raises(InvalidQuery, match="at most 1000"):
        service.lookup_many(["sacrum"] * 10_000)


# --- search --------------------------------------------------------------------------------------

def _hits(service: ConceptService, query: str, **kwargs: object) -> list[tuple[str, str, str]]:
    result = service.search(query, **kwargs)  # type: ignore[arg-type]
    return [(h.concept.label, h.matched_text, h.match_type) for h in result.hits]


def test_search_ranks_exact_prefix_word_prefix_fuzzy(service: ConceptService) -> None:
    hits = service.search("fracture", limit=100).hits
    tiers = [h.match_type for h in hits]
    order = ["exact", "prefix", "word_prefix", "fuzzy"]
    assert tiers == sorted(tiers, key=order.index)
    assert hits[0].concept.label == "Fracture" and hits[0].match_type == "exact"
    assert {"prefix", "word_prefix"} <= set(tiers)
    # Inside a word is no match; a misspelling is a fuzzy one (tests/concepts/test_search_forgiving.py)
    assert _hits(service, "racture", limit=1)[0][::2] == ("Fracture", "fuzzy")


def test_search_by_lay_term_says_what_matched(service: ConceptService) -> None:
    hits = service.search("tailbone").hits
    assert [(h.concept.label, h.matched_scope, h.lay) for h in hits[:2]] == [
        ("Coccyx", "exact", True), ("Sacrum", "related", False)]  # on the sacrum, a misnomer
    assert all(h.match_type == "exact" for h in hits[:2])


@pytest.mark.parametrize("query", ["TAILBONE", "Tailbône", "tailbones", "  tail-bone ".replace("-", ""),
                                   "ta\u0301ilbone"])
def test_search_ignores_case_accents_and_plurals(service: ConceptService, query: str) -> None:
    assert _hits(service, query)[0][:2] == ("Coccyx", "tailbone")


def test_search_prefix_for_autocomplete(service: ConceptService) -> None:
    labels = [h[0] for h in _hits(service, "sacr", limit=50)]
    assert "Sacrum" in labels and "Sacroplasty" in labels and "Sacral fracture" in labels


def test_search_filters_by_kind_with_subkinds(service: ConceptService) -> None:
    kinds = {h.concept.kind for h in service.search("pain", kinds=["Condition"], limit=100).hits}
    assert kinds <= {"mkg:Condition", "mkg:Disease", "mkg:Injury", "mkg:Fracture"}
    symptoms = service.search("pain", kinds=["mkg:SignOrSymptom"], limit=100)
    assert symptoms.total >= 5 and {h.concept.kind for h in symptoms.hits} == {"mkg:SignOrSymptom"}
    with pytest.raises(InvalidQuery, match="unknown kind"):
        service.search("pain", kinds=["Vegetable"])


def test_search_pages_are_complete(service: ConceptService) -> None:
    whole = service.search("p", limit=1000)
    assert whole.total == len(whole.hits) > 10
    paged = [h for offset in range(0, whole.total, 4) for h in service.search("p", limit=4, offset=offset).hits]
    assert [h.concept.iri for h in paged] == [h.concept.iri for h in whole.hits]
    assert service.search("p", limit=7, offset=10_000).hits == []


@pytest.mark.parametrize("query", ["", "   ", "!!!", "\u200b", "\x00", "🦴", "\U0010ffff"])
def test_search_without_letters_is_refused(service: ConceptService, query: str) -> None:
    with pytest.raises(InvalidQuery):
        service.search(query)


@pytest.mark.parametrize("query", ["bone 🦴 xyz", "עצם", "骨折", "' OR 1=1 --", '"} UNION { ?s ?p ?o', "a" * 500])
def test_search_weird_input_is_just_text(service: ConceptService, recorder: Recorder, query: str) -> None:
    before = len(recorder.sent)
    result = service.search(query)
    assert result.total == len(result.hits) == 0
    assert recorder.sent[before:] == []  # search runs on the index, never on the store


def test_search_limits(service: ConceptService) -> None:
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        with pytest.raises(InvalidQuery):
            service.search("pain", **bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidQuery, match="at most 500"):
        service.search("a" * 501)


# --- hierarchy and neighbours --------------------------------------------------------------------

def test_ancestors_with_depths(service: ConceptService) -> None:
    result = service.ancestors("medkg:sacral-insufficiency-fracture")
    depths = {i.concept.curie: i.depth for i in result.items}
    assert depths == {"medkg:sacral-fracture": 1, "medkg:insufficiency-fracture": 1, "medkg:fracture": 2,
                      "medkg:pelvic-fracture": 2, "medkg:spinal-fracture": 2, "medkg:spinal-disorder": 3}
    assert result.total == 6 and result.relation == "skos:broader"
    near = service.ancestors("medkg:sacral-insufficiency-fracture", max_depth=1)
    assert near.total == 2 and {i.depth for i in near.items} == {1}


def test_descendants_paged_and_by_part_of(service: ConceptService) -> None:
    whole = service.descendants("medkg:fracture")
    assert whole.total == len(whole.items) == 6
    pages = [i for o in range(0, 6, 2) for i in service.descendants("medkg:fracture", limit=2, offset=o).items]
    assert pages == whole.items
    parts = service.descendants("medkg:vertebral-column", relation="partOf")
    assert {"medkg:sacrum", "medkg:coccyx", "medkg:vertebra", "medkg:vertebral-body"} <= {i.concept.curie for i in parts.items}
    assert {i.concept.curie: i.depth for i in parts.items}["medkg:vertebral-body"] == 2
    with pytest.raises(InvalidQuery):
        service.descendants("medkg:fracture", relation="hasSymptom")  # not a hierarchy
    with pytest.raises(InvalidQuery):
        service.descendants("medkg:fracture", max_depth=0)


def test_neighbours_by_relation_and_direction(service: ConceptService) -> None:
    every = service.neighbours("medkg:sacrum")
    assert every.total == len(every.items) >= 6
    assert {"incoming", "outgoing"} == {n.direction for n in every.items}
    symptoms = service.neighbours("medkg:sacral-fracture", relation="hasSymptom", direction="outgoing")
    assert symptoms.total == 4 and {n.property for n in symptoms.items} == {"mkg:hasSymptom"}
    incoming = service.neighbours("medkg:sacrum", direction="incoming", limit=1)
    assert incoming.total > 1 and len(incoming.items) == 1
    with pytest.raises(InvalidQuery):
        service.neighbours("medkg:sacrum", direction="sideways")
    with pytest.raises(InvalidQuery):
        service.neighbours("medkg:sacrum", relation="x> ?p ?o")


# --- the index follows the graph -----------------------------------------------------------------

def test_refresh_picks_up_changes() -> None:
    store = new_store()
    service = ConceptService.from_store(store)
    assert service.search("coccydynia").total == 0
    before = service.lookup("medkg:coccyx")
    node = ox.NamedNode(M + "coccyx")
    store.add(ox.Quad(node, ox.NamedNode("http://www.geneontology.org/formats/oboInOwl#hasRelatedSynonym"),
                      ox.Literal("coccydynia", language="en")))
    assert service.lookup("medkg:coccyx") == before  # a snapshot until refresh()
    service.refresh()
    assert service.search("coccydynia").hits[0].concept.curie == "medkg:coccyx"
    assert "coccydynia" in {s.text for s in service.lookup("medkg:coccyx").synonyms}


def test_describe_any_resource(service: ConceptService) -> None:
    article = service.describe("https://w3id.org/medkg/source/sacroplasty-article")
    assert article is not None and article.label == "Sacroplasty for Lower Back Pain"
    assert [s[1] for s in article.sentences] == list(range(1, 25))
    assert any(f.predicate.curie == "mkg:hasSymptom" for f in article.facts)
    prop = service.describe("https://w3id.org/medkg/ontology/hasSymptom")
    assert prop is not None and prop.usage >= 4 and prop.label == "has symptom"
    assert service.describe("https://w3id.org/medkg/concept/nothing-here") is None


@pytest.mark.server
def test_same_answers_over_the_sparql_protocol(service: ConceptService, live_server: LiveServer) -> None:
    """The core needs nothing but SPARQL 1.1: over `medkg serve`'s /sparql it answers as over the store."""
    remote = ConceptService(http_client(live_server.sparql))
    assert remote.index.concepts == service.index.concepts
    for concept in ["medkg:sacral-fracture", "medkg:sacrum", "medkg:physical-therapy"]:
        assert remote.lookup(concept) == service.lookup(concept)
    assert remote.search("tailbone") == service.search("tailbone")
    assert remote.neighbours("medkg:sacrum") == service.neighbours("medkg:sacrum")
    assert remote.map_code("S32.10XA") == service.map_code("S32.10XA")
    assert remote.sssom() == service.sssom()
    assert remote.resource_triples(M + "sacrum") and remote.describe(M + "sacrum") == service.describe(M + "sacrum")
