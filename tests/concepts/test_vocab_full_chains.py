"""The concept API over the full reference vocabularies (issue 15), over HTTP: built by
medkg.vocabularies from the installed packages (once; cached, see `medkg vocab`), served with the
packaged graph, and asked the lookups, chains and phenotype query the issue names.

Slow the first time (the build: minutes); the cache makes later runs load only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import AsgiClient, app_client

from medkg.settings import Settings
from medkg.vocabularies.cache import ensure_built


@pytest.fixture(scope="module")
def client() -> Iterator[AsgiClient]:
    vocab = tuple(ensure_built(["icd10cm", "hpo", "hpo-annotations"]))
    with app_client(Settings(vocab=vocab, workers=2)) as client:
        yield client


def test_lookups(client: AsgiClient) -> None:
    icd = client.get("/api/concepts/ICD10CM:S32.10XA").json()
    assert (icd["label"], icd["billable"], icd["broader"][0]["curie"]) == (
        "Unspecified fracture of sacrum, initial encounter for closed fracture", True, "ICD10CM:S32.10")
    hpo = client.get("/api/concepts/HP:0002659").json()
    assert hpo["label"] == "Increased susceptibility to fractures" and hpo["scheme"]["curie"] == "src:hpo"
    omim = client.get("/api/concepts/OMIM:259770").json()
    assert omim["label"] == "Osteoporosis-pseudoglioma syndrome"
    children = client.get("/api/concepts/ICD10CM:S32.1/descendants", params={"max_depth": 1, "limit": 2}).json()
    assert children["total"] == 9 and len(children["items"]) == 2  # S32.10 ... S32.19, as the tabular list has them


def test_chains(client: AsgiClient) -> None:
    icd = client.get("/api/mappings", params={"code": "S32.10XA"}).json()
    assert icd["best"]["chain"] == ["ICD10CM:S32.10XA", "ICD10CM:S32.1", "medkg:sacral-fracture"]
    snomed = client.get("/api/mappings", params={"code": "SNOMEDCT_US:279039007"}).json()
    assert snomed["best"]["chain"] == ["SNOMEDCT_US:279039007", "HP:0003419", "medkg:lower-back-pain"]


def test_search_by_scheme(client: AsgiClient) -> None:
    hits = client.get("/api/search", params={"q": "lumbago", "scheme": "hpo"}).json()["hits"]
    assert hits[0]["concept"]["curie"] == "HP:0003419" and hits[0]["lay"] is True


def test_phenotype_query(client: AsgiClient) -> None:
    body = client.get("/api/phenotypes/diseases", params=[("hpo", "HP:0000939"), ("hpo", "HP:0002659"), ("limit", 50)]).json()
    both = {d["disease"]["curie"] for d in body["diseases"] if d["matched"] == 2}
    assert {"OMIM:259770", "ORPHA:2788", "OMIM:612286"} <= both
    assert body["total"] > 50
    oppg = next(d for d in body["diseases"] if d["disease"]["curie"] == "OMIM:259770")
    assert any(r["curie"] == "PMID:21407258" for a in oppg["annotations"] for r in a["references"])


def test_a_well_formed_code_the_release_lacks_is_404_with_its_nearest_codes(client: AsgiClient) -> None:
    # S32.99XA has ICD-10-CM's shape but is no code of the April 2026 release (S32.8-, S32.9 are).
    answer = client.get("/api/mappings", params={"code": "S32.99XA"})
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert "S32.99XA" in body["message"] and "ICD-10-CM" in body["message"]
    assert body["suggestions"] and all(s["curie"].startswith("ICD10CM:S32.9") for s in body["suggestions"])


def test_a_lumbar_fracture_code_is_not_mapped_to_pelvic_fracture(client: AsgiClient) -> None:
    body = client.get("/api/mappings", params={"code": "S32.009A"}).json()
    assert body["best"] is None and len(body["tried"]) == len(set(body["tried"]))
