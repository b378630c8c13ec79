"""Where the article is loose or wrong, the graph models the correct fact and records why."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from medkg.sparql.query import run_query


def ask(store: ox.Store, sparql: str) -> bool:
    return bool(run_query(store, f"ASK {{ {sparql} }}"))


@pytest.mark.parametrize(
    ("correction", "concepts", "sentences"),
    [
        ("correction-tailbone", {"sacrum", "coccyx"}, {3, 4, 6, 14}),
        ("correction-sacrum-position", {"sacrum"}, {4}),
        ("correction-vertebroplasty-injection-site", {"vertebroplasty", "vertebral-body"}, {19}),
        ("correction-scope-insufficiency", {"sacral-fracture", "sacral-insufficiency-fracture"}, {15}),
        ("correction-third-trimester", {"third-trimester-pregnancy"}, {17}),
        ("correction-steroid-bone-loss", {"long-term-corticosteroid-use"}, {17}),
        ("correction-radiation", {"pelvic-radiation-exposure"}, {17}),
        ("correction-nonsurgical", {"sacroplasty"}, {21}),
    ],
)
def test_correction_is_recorded(
    packaged_store: ox.Store, correction: str, concepts: set[str], sentences: set[int]
) -> None:
    rows = list(
        run_query(
            packaged_store,
            f"""SELECT ?concept ?n ?wording ?corrected ?why WHERE {{
                  src:{correction} a mkg:Correction ; mkg:aboutConcept ?concept ;
                    mkg:correctsSentence/mkg:sentenceNumber ?n ; mkg:sourceWording ?wording ;
                    mkg:correctedStatement ?corrected ; mkg:rationale ?why ;
                    prov:wasAttributedTo src:medkg-editors }}""",
        )
    )
    assert rows, f"{correction} is missing or incomplete"
    assert concepts <= {r["concept"].value.rsplit("/", 1)[-1] for r in rows}
    assert sentences <= {int(r["n"].value) for r in rows}


def test_tailbone_is_the_coccyx(packaged_store: ox.Store) -> None:
    assert ask(packaged_store, 'medkg:coccyx oboInOwl:hasExactSynonym "tailbone"@en')
    assert not ask(packaged_store, 'medkg:sacrum oboInOwl:hasExactSynonym "tailbone"@en')
    assert ask(packaged_store, 'medkg:sacrum oboInOwl:hasRelatedSynonym "tailbone"@en')
    assert ask(packaged_store, "medkg:coccyx mkg:partOf medkg:vertebral-column")


def test_sacrum_is_part_of_the_spine_and_pelvis(packaged_store: ox.Store) -> None:
    assert ask(packaged_store, "medkg:sacrum mkg:partOf medkg:vertebral-column , medkg:pelvis")


def test_vertebroplasty_cement_goes_into_the_vertebral_body(packaged_store: ox.Store) -> None:
    assert ask(packaged_store, "medkg:vertebroplasty mkg:injectionSite medkg:vertebral-body ; mkg:injectsMaterial medkg:bone-cement")
    assert ask(packaged_store, "medkg:vertebral-body mkg:partOf medkg:vertebra")
    # Nothing in the graph names the space between vertebrae as an injection site.
    assert not ask(packaged_store, "medkg:vertebroplasty mkg:injectionSite ?site . FILTER(?site != medkg:vertebral-body)")


def test_osteoporosis_leads_insufficiency_not_all_sacral_fractures(packaged_store: ox.Store) -> None:
    assert ask(packaged_store, "medkg:sacral-insufficiency-fracture mkg:hasLeadingCause medkg:osteoporosis")
    assert not ask(packaged_store, "medkg:sacral-fracture mkg:hasLeadingCause ?x")
    assert ask(packaged_store, "medkg:sacral-insufficiency-fracture mkg:treatedBy medkg:sacroplasty")
    assert not ask(packaged_store, "medkg:sacral-fracture mkg:treatedBy medkg:sacroplasty")


def test_sacroplasty_is_minimally_invasive_not_nonsurgical(packaged_store: ox.Store) -> None:
    assert ask(packaged_store, "medkg:sacroplasty a mkg:MinimallyInvasiveProcedure")
    assert not ask(packaged_store, "medkg:sacroplasty a mkg:NonsurgicalTreatment")


def test_article_wording_is_kept_as_typed_synonyms(packaged_store: ox.Store) -> None:
    assert ask(packaged_store, 'medkg:third-trimester-pregnancy oboInOwl:hasRelatedSynonym "third-term pregnancy"@en')
    assert ask(packaged_store, 'medkg:pelvic-radiation-exposure oboInOwl:hasBroadSynonym "radiation exposure"@en')
    assert ask(packaged_store, 'medkg:long-term-corticosteroid-use oboInOwl:hasExactSynonym "chronic steroid use"@en')
    assert ask(packaged_store, 'medkg:sacral-fracture oboInOwl:hasRelatedSynonym "tailbone fracture"@en')
