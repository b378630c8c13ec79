"""The concept API over HTTP, the same suite over each store (issue 6).

`api` (conftest) is the packaged graph's app over memory (in-process, httpx over ASGI), then over a
real `medkg serve --store DIR` and `--store URL` (a remote `oxigraph serve`), servers shared for
the session. Last, a smoke pass on the default `medkg serve`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import rdflib
from conftest import AsgiClient, LiveServer

Client = AsgiClient | httpx.Client

M = "https://w3id.org/medkg/concept/"


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


# --- each operation ------------------------------------------------------------------------------

def test_lookup(api: Client) -> None:
    body = _json(api.get("/api/concepts/medkg:sacral-fracture"))
    assert (body["iri"], body["label"], body["kind"]) == (M + "sacral-fracture", "Sacral fracture", "mkg:Fracture")
    tailbone = {s["text"]: s for s in body["synonyms"]}["tailbone fracture"]
    assert (tailbone["lay"], tailbone["synonym_type"]) == (False, "OMO:0003007")  # a misnomer: the coccyx's
    treated = {(r["from_concept"]["curie"], r["property"], r["concept"]["curie"]) for r in body["narrower_relations"]}
    assert ("medkg:sacral-insufficiency-fracture", "mkg:treatedBy", "medkg:sacroplasty") in treated
    assert body["codes"][0]["label"] == "Fracture of sacrum"
    relation = next(r for r in body["relations"] if r["concept"]["curie"] == "medkg:pelvic-pain")
    assert relation["provenance"][0]["sentences"][1]["text"] == "Pelvic pain"
    by_iri = _json(api.get(f"/api/concepts/{M}sacral-fracture"))
    by_name = _json(api.get("/api/concepts/sacral-fracture"))
    assert by_iri == by_name == body


def test_lookup_unknown_is_404_with_suggestions(api: Client) -> None:
    body = _json(api.get("/api/concepts/medkg:sacral-fractur"), 404)
    assert body["error"] == "not_found" and "sacral-fractur" in body["message"]
    assert body["suggestions"][0]["curie"] == "medkg:sacral-fracture"


@pytest.mark.parametrize("path", ["/api/concepts/nope:thing", "/api/concepts/medkg:a%3Eb%20c",
                                  "/api/concepts/medkg:x%22%7D%20INSERT", "/api/concepts/" + "x" * 3000])
def test_lookup_malformed_is_422(api: Client, path: str) -> None:
    body = _json(api.get(path), 422)
    assert body["error"] == "invalid_parameter" and body["message"]


def test_search(api: Client) -> None:
    body = _json(api.get("/api/search", params={"q": "tailbone", "limit": 2}))
    assert body["total"] == 6 and len(body["hits"]) == 2
    first = body["hits"][0]
    assert (first["concept"]["curie"], first["matched_text"], first["matched_scope"], first["lay"], first["match_type"]) == (
        "medkg:coccyx", "tailbone", "exact", True, "exact")
    kinds = _json(api.get("/api/search", params=[("q", "pain"), ("kind", "Condition"), ("kind", "Outcome")]))
    assert {h["concept"]["kind"] for h in kinds["hits"]} <= {"mkg:Condition", "mkg:Disease", "mkg:Fracture",
                                                             "mkg:PathologicalFracture", "mkg:TraumaticFracture",
                                                             "mkg:Injury", "mkg:Outcome"}
    page2 = _json(api.get("/api/search", params={"q": "pain", "limit": 3, "offset": 3}))
    whole = _json(api.get("/api/search", params={"q": "pain", "limit": 100}))
    assert page2["hits"] == whole["hits"][3:6] and page2["total"] == whole["total"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "pain", "limit": 0}, {"q": "pain", "limit": "ten"},
                                    {"q": "pain", "limit": 1001}, {"q": "pain", "offset": -1},
                                    {"q": "pain", "kind": "Vegetable"}, {"q": "!!!"}, {"q": "a" * 501}])
def test_search_bad_parameters_are_422(api: Client, params: dict[str, Any]) -> None:
    assert api.get("/api/search", params=params).status_code == 422


@pytest.mark.parametrize("path,params,where", [
    ("/api/search", {"q": "pain", "limit": "abc"}, ["query", "limit"]),
    ("/api/search", {}, ["query", "q"]),
    ("/api/concepts/medkg:sacrum/ancestors", {"max_depth": 0}, ["query", "max_depth"]),
    ("/api/concepts/medkg:sacrum/neighbours", {"direction": "up"}, ["query", "direction"]),
])
def test_fastapi_validation_errors_have_the_api_error_shape(api: Client, path: str, params: dict[str, Any],
                                                            where: list[str]) -> None:
    body = _json(api.get(path, params=params), 422)
    assert set(body) == {"status", "error", "message", "details"}
    assert (body["status"], body["error"]) == (422, "invalid_parameter")
    assert body["message"].startswith(f"invalid query parameter {where[1]}: ")
    assert body["details"][0]["loc"] == where and body["details"][0]["msg"] and body["details"][0]["type"]


def test_every_api_error_has_the_same_shape(api: Client) -> None:
    several = _json(api.get("/api/search", params={"limit": "abc", "offset": "x"}), 422)
    assert len(several["details"]) == 3 and "(and 2 more, see details)" in several["message"]
    body = _json(api.post("/api/concepts/batch", json={"ids": [1]}), 422)
    assert body["details"][0]["loc"] == ["body", "ids", 0] and body["message"].startswith("invalid JSON body at ids.0")
    missing = _json(api.get("/api/no-such-route"), 404)
    assert missing == {"status": 404, "error": "not_found", "message": "no API route /api/no-such-route: see /docs for the API"}
    wrong = _json(api.request("DELETE", "/api/search"), 405)
    assert (wrong["status"], wrong["error"]) == (405, "method_not_allowed") and "DELETE" in wrong["message"]
    for body in (several, missing, wrong, _json(api.get("/api/concepts/medkg:nope"), 404)):
        assert {"status", "error", "message"} <= set(body)


def test_pages_keep_their_own_errors(packaged_client: AsgiClient) -> None:
    page = packaged_client.get("/no-such-page")
    assert page.status_code == 404 and "ApiError" not in page.text


def test_batch(api: Client) -> None:
    ids = ["medkg:nope", "sacrum", f"{M}coccyx", "a b"]
    body = _json(api.post("/api/concepts/batch", json={"ids": ids}))
    assert [i["input"] for i in body["items"]] == ids
    assert [i["found"] for i in body["items"]] == [False, True, True, False]
    assert body["items"][2]["concept"]["label"] == "Coccyx" and body["missing"] == 2


@pytest.mark.parametrize("payload,status", [
    ({"ids": ["sacrum"] * 10_000}, 422),  # over the batch limit: refused, with the limit in the message
    ({"ids": "sacrum"}, 422), ({"ids": [1, 2]}, 422), ({"names": []}, 422), ({}, 422),
])
def test_batch_bad_bodies(api: Client, payload: Any, status: int) -> None:
    body = _json(api.post("/api/concepts/batch", json=payload), status)
    assert body["status"] == status and body["message"]


def test_bodies_that_are_not_json_or_too_large(api: Client) -> None:
    bad = api.post("/api/annotate", content=b"{not json", headers={"content-type": "application/json"})
    assert _json(bad, 422)["error"] == "invalid_parameter"
    huge = api.post("/api/annotate", content=b'{"text": "' + b"a" * (5 * 1024 * 1024) + b'"}',
                                headers={"content-type": "application/json"})
    assert _json(huge, 413)["error"] == "payload_too_large"


def test_annotate(api: Client) -> None:
    text = "sharp pain in my tailbone since lifting boxes"
    body = _json(api.post("/api/annotate", json={"text": text}))
    assert [(m["start"], m["end"], m["text"]) for m in body["mentions"]] == [(6, 10, "pain"), (17, 25, "tailbone")]
    assert body["mentions"][1]["matches"][0]["concept"]["curie"] == "medkg:coccyx"
    nested = _json(api.post("/api/annotate", json={"text": "lower back pain", "overlapping": True}))
    assert [m["text"] for m in nested["mentions"]] == ["lower back pain", "lower back", "back pain", "pain"]
    too_long = api.post("/api/annotate", json={"text": "a" * 200_001})
    assert "at most 200000" in _json(too_long, 422)["message"]
    for loose in (0, "yes", "true"):  # JSON types as the schema says: a boolean is true or false
        refused = _json(api.post("/api/annotate", json={"text": text, "overlapping": loose}), 422)
        assert refused["details"][0]["loc"] == ["body", "overlapping"], loose
    assert _json(api.post("/api/annotate", json={"text": 5}), 422)["details"][0]["loc"] == ["body", "text"]


def test_hierarchy_and_neighbours(api: Client) -> None:
    up = _json(api.get("/api/concepts/medkg:sacral-insufficiency-fracture/ancestors",
                                   params={"max_depth": 1}))
    assert up["total"] == 2 and {i["depth"] for i in up["items"]} == {1}
    down = _json(api.get("/api/concepts/vertebral-column/descendants", params={"relation": "partOf", "limit": 1}))
    assert down["total"] >= 4 and len(down["items"]) == 1 and down["relation"] == "mkg:partOf"
    near = _json(api.get("/api/concepts/medkg:sacral-fracture/neighbours",
                                     params={"relation": "mkg:hasSymptom", "direction": "outgoing"}))
    assert near["total"] == 4
    for path, params in [("ancestors", {"max_depth": 0}), ("descendants", {"relation": "hasSymptom"}),
                         ("neighbours", {"direction": "up"})]:
        assert api.get(f"/api/concepts/medkg:sacrum/{path}", params=params).status_code == 422
    assert _json(api.get("/api/concepts/medkg:nope/ancestors"), 404)["suggestions"] is not None


def test_code_mapping_and_sssom(api: Client) -> None:
    body = _json(api.get("/api/mappings", params={"code": "S32.10XA"}))
    assert body["best"]["concept"]["curie"] == "medkg:sacral-fracture" and body["best"]["steps"] == 2
    assert _json(api.get("/api/mappings", params={"code": "HP:12"}), 422)["error"] == "invalid_parameter"
    assert api.get("/api/mappings").status_code == 422
    tsv = api.get("/api/mappings.sssom.tsv")
    assert tsv.status_code == 200 and tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert "\nsubject_id\tsubject_label\t" in tsv.text and "#curie_map:" in tsv.text


# --- JSON-LD and OpenAPI -------------------------------------------------------------------------

def test_json_ld(api: Client) -> None:
    plain = api.get("/api/concepts/medkg:sacral-fracture")
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in plain.headers["link"]
    context = api.get("/api/context.jsonld")
    assert context.status_code == 200 and context.headers["content-type"].startswith("application/ld+json")
    ld = api.get("/api/concepts/medkg:sacral-fracture", headers={"accept": "application/ld+json"})
    assert ld.headers["content-type"].startswith("application/ld+json")
    document = ld.json()
    assert document["@context"] == context.json()["@context"]  # inline: no network while parsing
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    node = rdflib.URIRef(M + "sacral-fracture")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    sssom = rdflib.Namespace("https://w3id.org/sssom/")
    assert (node, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/medkg/ontology/Fracture")) in graph
    assert (node, skos.prefLabel, rdflib.Literal("Sacral fracture", lang="en")) in graph
    assert (node, skos.broader, rdflib.URIRef(M + "pelvic-fracture")) in graph
    mapping = graph.value(predicate=sssom.subject_id, object=node, any=False)  # tests/web/test_api_jsonld.py: the rest
    assert graph.value(mapping, sssom.object_id) == rdflib.URIRef("http://purl.bioontology.org/ontology/ICD10CM/S32.1")


def test_openapi_documents_every_route_with_real_examples(api: Client) -> None:
    schema = api.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ["/api/search", "/api/concepts/batch", "/api/annotate", "/api/mappings", "/api/mappings.sssom.tsv",
                 "/api/concepts/{id}/ancestors", "/api/concepts/{id}/descendants", "/api/concepts/{id}/neighbours",
                 "/api/concepts/{id}", "/api/context.jsonld"]:
        assert path in paths, path
    lookup = paths["/api/concepts/{id}"]["get"]["responses"]
    example = lookup["200"]["content"]["application/json"]["example"]
    real = api.get("/api/concepts/medkg:sacral-fracture").json()
    assert example == _without_nulls(real)  # FastAPI drops nulls from examples
    assert lookup["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError")
    # JSON-LD, as _answer gives it on request, and the context document's own media type
    assert lookup["200"]["content"]["application/ld+json"]["schema"]["required"] == ["@context"]
    assert list(paths["/api/context.jsonld"]["get"]["responses"]["200"]["content"]) == ["application/ld+json"]
    annotate = paths["/api/annotate"]["post"]
    assert annotate["requestBody"]["content"]["application/json"]["schema"]["properties"]["text"]
    assert "Concept" in schema["components"]["schemas"]
    for path, operations in paths.items():  # every /api error documented as ApiError, 422s with details
        for operation in operations.values() if path.startswith("/api/") else ():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ApiError"), (path, status)
    error = schema["components"]["schemas"]["ApiError"]
    assert "details" in error["properties"] and "HTTPValidationError" not in schema["components"]["schemas"]


# --- against the real server -----------------------------------------------------------------------

@pytest.mark.server
def test_every_operation_on_the_real_server(live_server: LiveServer) -> None:
    with live_server.client() as client:
        assert _json(client.get("/api/concepts/medkg:sacrum"))["label"] == "Sacrum"
        assert _json(client.get("/api/concepts/medkg:sacrm"), 404)["suggestions"][0]["curie"] == "medkg:sacrum"
        assert _json(client.get("/api/search", params={"q": "Tailbône"}))["hits"][0]["concept"]["curie"] == "medkg:coccyx"
        batch = _json(client.post("/api/concepts/batch", json={"ids": ["medkg:x", "sacrum"]}))
        assert [i["found"] for i in batch["items"]] == [False, True]
        notes = _json(client.post("/api/annotate", json={"text": "sharp pain in my tailbone since lifting boxes"}))
        assert [m["text"] for m in notes["mentions"]] == ["pain", "tailbone"]
        assert _json(client.get("/api/concepts/medkg:fracture/descendants"))["total"] == 6
        assert _json(client.get("/api/concepts/medkg:sacral-insufficiency-fracture/ancestors"))["total"] == 6
        assert _json(client.get("/api/concepts/medkg:sacrum/neighbours"))["total"] >= 6
        mapped = _json(client.get("/api/mappings", params={"code": "ICD10CM:S32.10XA"}))
        assert mapped["best"]["concept"]["curie"] == "medkg:sacral-fracture"
        assert client.get("/api/mappings.sssom.tsv").text.startswith("#mapping_set_id")
        assert client.get("/api/search", params={"q": "pain", "limit": 0}).status_code == 422


def test_gzip_when_the_client_takes_it(api: Client) -> None:
    for path in ["/api/mappings.sssom.tsv", "/api/concepts/medkg:sacral-fracture", "/concept/sacral-fracture"]:
        plain = api.get(path, headers={"accept-encoding": "identity"})
        packed = api.get(path, headers={"accept-encoding": "gzip, deflate"})
        assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == "gzip", path
        assert packed.content == plain.content and int(packed.headers["content-length"]) < len(plain.content), path
    small = api.get("/health", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KiB: as is
