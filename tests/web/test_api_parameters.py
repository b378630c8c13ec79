"""The API's identifiers and enumerated parameters: every /api/concepts/{id}/... route takes the id
in every form the lookup takes (CURIE, full IRI encoded or not, bare name), and every parameter with
a fixed set of values refuses an unknown one with a 422 naming the allowed ones, never a 200 that
silently ignores it (issue: new user's trial, items 2 and 3)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from conftest import AsgiClient, LiveServer

SUB_ROUTES = {"ancestors": "relation=partOf", "descendants": "relation=partOf", "neighbours": "direction=both"}
IRI = "https://w3id.org/medkg/concept/sacrum"
ID_FORMS = {"curie": "medkg:sacrum", "bare name": "sacrum", "iri": IRI, "encoded iri": quote(IRI, safe="")}


def test_every_sub_route_of_a_concept_is_in_the_openapi_document(packaged_client: AsgiClient) -> None:
    paths = packaged_client.get("/openapi.json").json()["paths"]
    subs = {p.rsplit("/", 1)[1] for p in paths if p.startswith("/api/concepts/{id}/")}
    assert subs == set(SUB_ROUTES)  # a new sub-route must be added here, and so tested below


@pytest.mark.parametrize("form", ID_FORMS)
@pytest.mark.parametrize("sub", SUB_ROUTES)
def test_every_sub_route_takes_every_form_of_id(packaged_client: AsgiClient, sub: str, form: str) -> None:
    answer = packaged_client.get(f"/api/concepts/{ID_FORMS[form]}/{sub}?{SUB_ROUTES[sub]}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["concept"]["iri"] == IRI
    assert answer.json() == packaged_client.get(f"/api/concepts/medkg:sacrum/{sub}?{SUB_ROUTES[sub]}").json()


def test_swaggers_encoding_of_an_iri_on_a_real_server(live_server: LiveServer) -> None:
    # The example of the finding: what "Try it out" sends, through uvicorn's own path decoding.
    answer = httpx.get(f"{live_server.url}/api/concepts/{quote(IRI, safe='')}/ancestors?relation=partOf")
    assert answer.status_code == 200, answer.text
    assert "medkg:pelvis" in {item["concept"]["curie"] for item in answer.json()["items"]}


# Every query parameter of every /api GET route: the enumerated ones with a path that takes them,
# the others (free text, numbers, identifiers) named so that a new parameter is never left unchecked.
ENUMERATED = {
    ("/api/search", "kind"): "/api/search?q=sacrum",
    ("/api/search", "scheme"): "/api/search?q=sacrum",
    ("/api/mappings", "system"): "/api/mappings?code=ICD10CM:S32.10XA",
    **{(f"/api/concepts/{{id}}/{sub}", name): f"/api/concepts/medkg:sacral-fracture/{sub}?limit=1"
       for sub in SUB_ROUTES for name in ("relation", "kind")},
    ("/api/concepts/{id}/neighbours", "direction"): "/api/concepts/medkg:sacral-fracture/neighbours?limit=1",
}
FREE = {"q", "code", "hpo", "limit", "offset", "max_depth"}


def test_every_query_parameter_is_classified(packaged_client: AsgiClient) -> None:
    paths = packaged_client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "query" and path.startswith("/api"):
                assert (path, parameter["name"]) in ENUMERATED or parameter["name"] in FREE, (path, parameter)


@pytest.mark.parametrize("route, name", ENUMERATED)
def test_unknown_enumerated_value_is_a_422_naming_the_allowed(packaged_client: AsgiClient, route: str,
                                                              name: str) -> None:
    answer = packaged_client.get(f"{ENUMERATED[route, name]}&{name}=nope")
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_parameter" and (name in body["message"] or "nope" in body["message"])
    assert "," in body["message"] or " or " in body["message"]  # the allowed values, listed


def test_the_examples_of_the_finding(packaged_client: AsgiClient) -> None:
    neighbours = packaged_client.get("/api/concepts/medkg:sacral-fracture/neighbours?relation=nope").json()
    assert neighbours["status"] == 422 and "mkg:hasSymptom" in neighbours["message"]
    mappings = packaged_client.get("/api/mappings?code=S32.10XA&system=FOO").json()
    assert mappings["status"] == 422 and "ICD10CM, HP" in mappings["message"]
    # The known values still work, in any case for the system.
    assert packaged_client.get("/api/mappings?code=S32.10XA&system=icd10cm").status_code == 200
    assert packaged_client.get("/api/concepts/medkg:sacral-fracture/neighbours?relation=hasSymptom").json()["total"] > 0
