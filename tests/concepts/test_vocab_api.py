"""The concept API's HTTP routes over the reference vocabularies (a real slice of them, served with
the packaged graph by the app in-process): lookups, chains, the phenotype query, their errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import AsgiClient, app_client
from vocab_slice import slice_paths

from medkg.settings import Settings


@pytest.fixture(scope="module")
def client() -> Iterator[AsgiClient]:
    with app_client(Settings(paths=slice_paths(), workers=2)) as client:
        yield client


def test_lookup_of_codes(client: AsgiClient) -> None:
    for path, label in (("ICD10CM:S32.10XA", "Unspecified fracture of sacrum, initial encounter for closed fracture"),
                        ("S32.10XA", "Unspecified fracture of sacrum, initial encounter for closed fracture"),
                        ("HP:0002659", "Increased susceptibility to fractures"),
                        ("OMIM:259770", "Osteoporosis-pseudoglioma syndrome")):
        response = client.get(f"/api/concepts/{path}")
        assert response.status_code == 200, path
        assert response.json()["label"] == label


def test_unknown_code_is_404_with_suggestions(client: AsgiClient) -> None:
    response = client.get("/api/concepts/ICD10CM:S32.19XA")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_found" and body["suggestions"][0]["curie"] == "ICD10CM:S32.1"


def test_malformed_code_is_422_naming_the_form(client: AsgiClient) -> None:
    response = client.get("/api/concepts/HP:123")
    assert response.status_code == 422
    assert "expected the form of HP:0002659" in response.json()["message"]


def test_search_with_scheme(client: AsgiClient) -> None:
    body = client.get("/api/search", params={"q": "fracture", "scheme": "icd10cm", "limit": 50}).json()
    assert body["total"] > 0 and all(h["concept"]["scheme"] == "src:icd-10-cm" for h in body["hits"])
    response = client.get("/api/search", params={"q": "fracture", "scheme": "snomed"})
    assert response.status_code == 422 and "unknown scheme" in response.json()["message"]


def test_mapping_chains(client: AsgiClient) -> None:
    icd = client.get("/api/mappings", params={"code": "S32.10XA"}).json()
    assert icd["best"]["chain"] == ["ICD10CM:S32.10XA", "ICD10CM:S32.1", "medkg:sacral-fracture"]
    snomed = client.get("/api/mappings", params={"code": "SNOMEDCT_US:279039007"}).json()
    assert snomed["best"]["chain"] == ["SNOMEDCT_US:279039007", "HP:0003419", "medkg:lower-back-pain"]


def test_phenotype_diseases(client: AsgiClient) -> None:
    response = client.get("/api/phenotypes/diseases", params=[("hpo", "HP:0000939"), ("hpo", "HP:0002659"), ("limit", "2")])
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"]) == (5, 2)
    assert [(d["disease"]["curie"], d["matched"]) for d in body["diseases"]] == [("OMIM:612286", 2), ("ORPHA:2788", 2)]


@pytest.mark.parametrize(("params", "status", "words"), [
    ([("hpo", f"HP:{n:07d}") for n in range(21)], 422, "at most 20"),
    ([("hpo", "HP:12")], 422, "not a valid HP code"),
    ([("hpo", "HP:9999999")], 404, "no HPO term"),
    ([], 422, "hpo"),
])
def test_phenotype_errors(client: AsgiClient, params: list[tuple[str, str]], status: int, words: str) -> None:
    response = client.get("/api/phenotypes/diseases", params=params)
    assert response.status_code == status
    assert words in response.json()["message"]


def test_openapi_documents_the_phenotype_route(client: AsgiClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operation = paths["/api/phenotypes/diseases"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"hpo", "limit", "offset"}
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example["diseases"][0]["disease"]["curie"] == "OMIM:612286"
    assert "scheme" in {p["name"] for p in paths["/api/search"]["get"]["parameters"]}
