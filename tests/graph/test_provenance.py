"""Every fact traces to a source; quotes of the article are word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from medkg.sparql.query import run_query

ARTICLE = Path(__file__).parents[1] / "fixtures" / "source" / "sacroplasty-article.txt"


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def rows(store: ox.Store, sparql: str) -> list[dict[str, str]]:
    result = run_query(store, sparql)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else "") for n in names} for s in result]


def test_every_quoted_sentence_is_in_the_article(packaged_store: ox.Store) -> None:
    article = normalized(ARTICLE.read_text(encoding="utf-8"))
    sentences = rows(packaged_store, "SELECT ?s ?text WHERE { ?s a mkg:SourceSentence ; prov:value ?text }")
    assert len(sentences) >= 20
    for row in sentences:
        assert normalized(row["text"]) in article, f"{row['s']} is not quoted word for word"


def test_sentence_numbers_follow_the_article(packaged_store: ox.Store) -> None:
    article = normalized(ARTICLE.read_text(encoding="utf-8"))
    ordered = rows(
        packaged_store,
        "SELECT ?n ?text WHERE { ?s a mkg:SourceSentence ; mkg:sentenceNumber ?n ; prov:value ?text } ORDER BY ?n",
    )
    positions = [article.index(normalized(r["text"])) for r in ordered]
    assert positions == sorted(positions)
    assert [int(r["n"]) for r in ordered] == list(range(1, len(ordered) + 1))


def test_the_article_is_described_as_a_source(packaged_store: ox.Store) -> None:
    [row] = rows(
        packaged_store,
        """SELECT ?title ?publisher ?author ?kind WHERE {
             src:sacroplasty-article a mkg:SourceDocument ; dcterms:title ?title ; dcterms:type ?kind ;
               dcterms:publisher/foaf:name ?publisher ; dcterms:creator/foaf:name ?author }""",
    )
    assert row == {
        "title": "Sacroplasty for Lower Back Pain",
        "publisher": "Dickson-Diveley Orthopaedics",
        "author": "C. Lan Fotopoulos, M.D.",
        "kind": "patient-information article",
    }


def test_every_relation_between_concepts_has_provenance(packaged_store: ox.Store) -> None:
    missing = rows(
        packaged_store,
        """SELECT ?s ?p ?o WHERE {
             ?s ?p ?o .
             ?s a/rdfs:subClassOf* mkg:Concept .
             ?p a owl:ObjectProperty .
             FILTER(STRSTARTS(STR(?p), STR(mkg:)) && ?p != mkg:definitionSource)
             FILTER NOT EXISTS {
               ?axiom owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
                      dcterms:source ?source .
             }
           }""",
    )
    assert missing == []


def test_article_facts_point_to_a_sentence_of_the_article(packaged_store: ox.Store) -> None:
    bad = rows(
        packaged_store,
        """SELECT ?axiom ?s ?p ?o WHERE {
             ?axiom owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
                    dcterms:source src:sacroplasty-article .
             FILTER NOT EXISTS { ?axiom prov:wasDerivedFrom/dcterms:isPartOf src:sacroplasty-article }
           }""",
    )
    assert bad == []


def test_every_axiom_annotates_an_asserted_triple(packaged_store: ox.Store) -> None:
    dangling = rows(
        packaged_store,
        """SELECT ?s ?p ?o WHERE {
             ?axiom a owl:Axiom ; owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o .
             FILTER NOT EXISTS { ?s ?p ?o }
           }""",
    )
    assert dangling == []


def test_article_facts_cover_the_article(packaged_store: ox.Store) -> None:
    """Every quoted sentence but the disclaimer's supports at least one fact or synonym."""
    unused = rows(
        packaged_store,
        """SELECT ?n WHERE {
             ?s a mkg:SourceSentence ; mkg:sentenceNumber ?n .
             FILTER NOT EXISTS { ?axiom prov:wasDerivedFrom ?s }
             FILTER NOT EXISTS { ?correction mkg:correctsSentence ?s }
           } ORDER BY ?n""",
    )
    # 23 and 24 are the article's disclaimer, carried by the dataset's dcterms:rights.
    assert [int(r["n"]) for r in unused] == [23, 24]


def test_definitions_say_where_they_come_from(packaged_store: ox.Store) -> None:
    missing = rows(
        packaged_store,
        """SELECT ?c WHERE { ?c a/rdfs:subClassOf* mkg:Concept .
             FILTER NOT EXISTS { ?c skos:definition ?d ; mkg:definitionSource ?src } }""",
    )
    assert missing == []


def test_the_dataset_says_it_is_not_medical_advice(packaged_store: ox.Store) -> None:
    [row] = rows(packaged_store, "SELECT ?rights ?license WHERE { <https://w3id.org/medkg/> dcterms:rights ?rights ; dcterms:license ?license }")
    assert "not medical advice" in row["rights"]
    assert row["license"] == "https://creativecommons.org/licenses/by/4.0/"
