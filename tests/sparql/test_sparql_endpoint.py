"""/sparql in-process: formats and negotiation, errors and their statuses, the service
description, CORS, request limits, OpenAPI. (Real-process behaviour: test_serve_*.py.)"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AsgiClient, app_client

from medkg.settings import Settings
from medkg.web.sparql import takes_gzip

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sparql" / "protocol.trig"
SELECT = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label FILTER(lang(?label) = 'en') } ORDER BY ?c"
CONSTRUCT = "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c skos:prefLabel ?l }"
LIMIT = 4096


@pytest.fixture(scope="module")
def client() -> Iterator[AsgiClient]:
    settings = Settings(paths=(FIXTURE,), workers=2, max_request_bytes=LIMIT, cors_origins=("*",))
    with app_client(settings) as test_client:
        yield test_client


def media(response: object) -> str:
    return response.headers["content-type"].split(";")[0]  # type: ignore[attr-defined, no-any-return]


# -- results and content negotiation ---------------------------------------------------------------


def test_select_defaults_to_sparql_json(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": SELECT})
    assert r.status_code == 200 and media(r) == "application/sparql-results+json"
    rows = r.json()["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == ["body", "fever", "knee", "leg"]
    assert r.headers["content-length"] == str(len(r.content))


@pytest.mark.parametrize(
    "accept, expected, fmt",
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", "text/csv", ox.QueryResultsFormat.CSV),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/*", "text/csv", ox.QueryResultsFormat.CSV),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ],
)
def test_select_formats(client: AsgiClient, accept: str, expected: str, fmt: ox.QueryResultsFormat) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert r.status_code == 200 and media(r) == expected
    if fmt == ox.QueryResultsFormat.CSV:  # lossy: the engine does not read it back
        labels = [row["label"] for row in csv.DictReader(io.StringIO(r.text))]
    else:
        solutions = ox.parse_query_results(r.content, format=fmt)
        assert isinstance(solutions, ox.QuerySolutions)
        labels = [str(s["label"].value) for s in solutions]
    assert sorted(labels) == ["body", "fever", "knee", "leg"]


def test_csv_escapes_quotes_commas_and_tabs(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?c WHERE { ?x rdfs:comment ?c }"}, headers={"accept": "text/csv"})
    assert list(csv.reader(io.StringIO(r.text))) == [["c"], ['A "quoted" comment, with a comma\tand a tab.']]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask(client: AsgiClient, accept: str) -> None:
    r = client.post("/sparql", data={"query": "ASK { ?c skos:prefLabel 'genou'@fr }"}, headers={"accept": accept})
    fmt = ox.QueryResultsFormat.JSON if accept.endswith("json") else ox.QueryResultsFormat.XML
    assert media(r) == accept and bool(ox.parse_query_results(r.content, format=fmt)) is True


@pytest.mark.parametrize(
    "accept, expected, fmt",
    [
        (None, "text/turtle", ox.RdfFormat.TURTLE),
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-quads", "application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", "application/trig", ox.RdfFormat.TRIG),
    ],
)
def test_construct_formats(client: AsgiClient, accept: str | None, expected: str, fmt: ox.RdfFormat) -> None:
    headers = {"accept": accept} if accept else {}
    r = client.post("/sparql", content=CONSTRUCT.encode(), headers={"content-type": "application/sparql-query", **headers})
    assert r.status_code == 200 and media(r) == expected
    labels = sorted(q.object.value for q in ox.parse(r.content, format=fmt))
    assert labels == ["body", "fever", "genou", "knee", "leg"]


def test_describe(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "DESCRIBE <http://example.org/knee>"}, headers={"accept": "application/n-triples"})
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    assert {t.predicate.value.rsplit("#", 1)[1] for t in triples} == {"type", "prefLabel", "broader"}


def test_predeclared_prefixes_and_query_prefixes(client: AsgiClient) -> None:
    own = "PREFIX skos: <http://example.org/not-skos#> ASK { ?c skos:prefLabel ?l }"
    assert client.get("/sparql", params={"query": own}).json()["boolean"] is False
    assert client.get("/sparql", params={"query": "ASK { ?c skos:prefLabel ?l }"}).json()["boolean"] is True


def test_relative_iris_resolve_against_the_endpoint(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT (<knee> AS ?x) {}"})
    assert r.json()["results"]["bindings"][0]["x"]["value"].endswith("/knee")


@pytest.mark.parametrize("query, accept", [(SELECT, "text/turtle"), ("ASK {}", "text/csv;q=0"), (CONSTRUCT, "application/sparql-results+json")])
def test_406_when_no_acceptable_format(client: AsgiClient, query: str, accept: str) -> None:
    r = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 406
    assert r.json()["error"] == "not_acceptable" and "ask for one of" in r.json()["message"]


def test_head_has_headers_only(client: AsgiClient) -> None:
    r = client.request("HEAD", "/sparql", params={"query": SELECT})
    assert r.status_code == 200 and media(r) == "application/sparql-results+json" and r.content == b""


def test_repeated_query_gives_identical_answers(client: AsgiClient) -> None:
    first = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/csv"})
    second = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/csv"})
    json_one = client.get("/sparql", params={"query": SELECT}, headers={"accept": "application/json"})
    assert first.content == second.content and media(second) == "text/csv"
    assert media(json_one) == "application/sparql-results+json"  # Accept is part of the cache key


BIG = "SELECT * WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 } LIMIT 300"  # some 100 KB of JSON


def test_gzip_when_the_client_takes_it(client: AsgiClient) -> None:
    plain = client.get("/sparql", params={"query": BIG}, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) > 10_000
    for attempt in ("first", "cached"):
        packed = client.get("/sparql", params={"query": BIG}, headers={"accept-encoding": "gzip, deflate"})
        assert packed.headers["content-encoding"] == "gzip", attempt
        assert int(packed.headers["content-length"]) < len(plain.content) / 4  # sent compressed
        assert packed.json() == plain.json(), attempt  # httpx inflates it: the same answer
        assert packed.headers["vary"] == "Accept, Accept-Encoding"
    head = client.request("HEAD", "/sparql", params={"query": BIG}, headers={"accept-encoding": "gzip"})
    assert head.headers["content-encoding"] == "gzip" and head.content == b""
    refused = client.get("/sparql", params={"query": BIG}, headers={"accept-encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers
    small = client.get("/sparql", params={"query": "ASK {}"}, headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers and small.json()["boolean"] is True  # under 1 KiB: as is
    graph = client.get("/store", params={"default": ""}, headers={"accept": "text/turtle", "accept-encoding": "gzip"})
    assert graph.status_code == 200 and graph.headers["content-encoding"] == "gzip" and "skos:prefLabel" in graph.text


@pytest.mark.parametrize("header, expected", [
    (None, False), (b"", False), (b"gzip", True), (b"gzip, deflate, br", True), (b"GZIP", True), (b"x-gzip", True),
    (b"*", True), (b"identity", False), (b"deflate", False), (b"gzip;q=0", False), (b"gzip; q=0.0, *", False),
    (b"*;q=0.5", True), (b"br, *;q=0", False), (b"gzip;q=zero", False), (b"gzip;q=0.001", True),
])
def test_accept_encoding_gzip(header: bytes | None, expected: bool) -> None:
    assert takes_gzip(header) is expected


# -- errors -----------------------------------------------------------------------------------------


def test_syntax_error_names_line_and_column(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE {\n  ?x a ?y .\n  FILTER(?x = ) }"})
    assert r.status_code == 400 and media(r) == "application/json"
    body = r.json()
    assert body["error"] == "malformed_query" and body["line"] == 3 and body["column"] > 1
    assert body["message"].startswith(f"SPARQL syntax error at line 3, column {body['column']}: ")
    assert "expected one of: " in body["message"] and "[_]" not in body["message"]


def test_update_in_query_parameter_is_a_syntax_error(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "INSERT DATA { <a> <b> <c> }"})
    assert r.status_code == 400 and r.json()["error"] == "malformed_query"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_405_for_other_methods(client: AsgiClient, method: str) -> None:
    r = client.request(method, "/sparql", params={"query": "ASK {}"})
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert method in r.json()["message"]


def test_400_missing_query(client: AsgiClient) -> None:
    assert client.get("/sparql", params={"default-graph-uri": "http://example.org/g"}).status_code == 400
    r = client.post("/sparql", data={"default-graph-uri": "http://example.org/g"})
    assert r.status_code == 400 and r.json()["error"] == "missing_query"


def test_400_multiple_queries_by_form_and_url(client: AsgiClient) -> None:
    r = client.post("/sparql?query=ASK%7B%7D", data={"query": "ASK {}"})
    assert r.status_code == 400 and r.json()["error"] == "multiple_query"
    r = client.post("/sparql?query=ASK%7B%7D", content=b"ASK {}", headers={"content-type": "application/sparql-query"})
    assert r.status_code == 400


@pytest.mark.parametrize(
    "content_type, code",
    [(None, "missing_content_type"), ("text/plain", "unsupported_media_type"),
     ("application/json", "unsupported_media_type"), ("application/sparql-query; charset=latin-1", "unsupported_charset")],
)
def test_415_wrong_media_type(client: AsgiClient, content_type: str | None, code: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert r.status_code == 415 and r.json()["error"] == code


def test_400_body_not_utf8(client: AsgiClient) -> None:
    r = client.post("/sparql", content=b"ASK { ?s ?p '\xff' }", headers={"content-type": "application/sparql-query"})
    assert r.status_code == 400 and r.json()["error"] == "bad_encoding"
    assert client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%27%FF%27%20%7D").status_code == 400


def test_400_bad_graph_iri(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400 and "not a valid IRI" in r.json()["message"]


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "nan"])
def test_400_bad_timeout(client: AsgiClient, timeout: str) -> None:
    r = client.get("/sparql", params={"query": "ASK {}", "timeout": timeout})
    assert r.status_code == 400 and r.json()["error"] == "bad_timeout"


def test_service_refused_without_running(client: AsgiClient) -> None:
    for query in [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    ]:
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 400 and r.json()["error"] == "service_disabled", query


@pytest.fixture(scope="module")
def roomy_client() -> Iterator[AsgiClient]:
    with app_client(Settings(paths=(FIXTURE,), workers=1)) as test_client:
        yield test_client


def test_deeply_nested_query_refused(roomy_client: AsgiClient) -> None:
    query = "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000  # would overflow the parser's stack
    r = roomy_client.post("/sparql", content=query.encode(), headers={"content-type": "application/sparql-query"})
    assert r.status_code == 400 and r.json()["error"] == "too_deep"


def test_413_body_over_limit(client: AsgiClient) -> None:
    query = "ASK { ?s ?p " + '"' + "x" * LIMIT + '" }'
    r = client.post("/sparql", content=query.encode(), headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413 and r.json()["error"] == "request_too_large"
    r = client.post("/sparql", data={"query": query})
    assert r.status_code == 413


def test_414_query_string_over_limit(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p " + '"' + "x" * LIMIT + '" }'})
    assert r.status_code == 414 and "POST" in r.json()["message"]


def test_too_many_parameters(roomy_client: AsgiClient) -> None:
    r = roomy_client.get("/sparql?" + "&".join(f"p{i}=1" for i in range(1001)) + "&query=ASK%7B%7D")
    assert r.status_code == 400 and r.json()["error"] == "too_many_parameters"


# -- service description ----------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


@pytest.mark.parametrize(
    "accept, fmt",
    [(None, ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD),
     ("application/rdf+xml", ox.RdfFormat.RDF_XML), ("application/n-triples", ox.RdfFormat.N_TRIPLES)],
)
def test_service_description(client: AsgiClient, accept: str | None, fmt: ox.RdfFormat) -> None:
    r = client.get("/sparql", headers={"accept": accept} if accept else {})
    assert r.status_code == 200
    store = ox.Store()
    store.extend(ox.parse(r.content, format=fmt))
    ask = lambda q: bool(store.query(f"PREFIX sd: <{SD}> PREFIX void: <{VOID}> ASK {{ {q} }}"))
    assert ask("?s a sd:Service ; sd:endpoint <http://testserver/sparql> ; sd:supportedLanguage sd:SPARQL11Query")
    assert ask("?s sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>, <http://www.w3.org/ns/formats/Turtle>")
    assert not ask("?s sd:supportedLanguage sd:SPARQL11Update")
    # VoID counts of the default graph (the union) and of each named graph.
    assert ask("?s sd:defaultDataset/sd:defaultGraph/void:triples 18")
    assert ask("?s sd:defaultDataset/sd:namedGraph [ sd:name <http://kasei.us/2009/09/sparql/data/data1.rdf> ; "
               "sd:graph/void:triples 2 ]")


def test_service_description_406(client: AsgiClient) -> None:
    r = client.get("/sparql", headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 406


# -- CORS, health, OpenAPI --------------------------------------------------------------------------


def test_cors_simple_and_preflight(client: AsgiClient) -> None:
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.request("OPTIONS", "/sparql", headers={
        "origin": "https://app.example", "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == "content-type"
    r = client.get("/sparql", params={"query": "ASK {"}, headers={"origin": "https://app.example"})
    assert r.status_code == 400 and r.headers["access-control-allow-origin"] == "*"  # errors too


def test_cors_restricted_origins() -> None:
    with app_client(Settings(paths=(FIXTURE,), workers=1, cors_origins=("https://ok.example",))) as client:
        ok = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://ok.example"})
        other = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://evil.example"})
        assert ok.headers["access-control-allow-origin"] == "https://ok.example"
        assert "access-control-allow-origin" not in other.headers


def test_health(client: AsgiClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["workers"] == 2


def test_openapi_describes_sparql(client: AsgiClient) -> None:
    doc = client.get("/openapi.json").json()
    sparql = doc["paths"]["/sparql"]
    assert {"get", "post"} <= set(sparql)
    assert {p["name"] for p in sparql["get"]["parameters"]} == {"query", "default-graph-uri", "named-graph-uri", "timeout"}
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(sparql["post"]["requestBody"]["content"])
    assert {"200", "400", "406", "415", "503", "504"} <= set(sparql["get"]["responses"])
    assert "application/sparql-results+json" in sparql["get"]["responses"]["200"]["content"]
    assert "/health" in doc["paths"] and "SparqlError" in doc["components"]["schemas"]
    assert {"401", "422"} <= set(sparql["post"]["responses"])  # SPARQL Update, with the write token
    store = doc["paths"]["/store"]  # the Graph Store Protocol
    assert set(store) == {"get", "put", "post", "delete"}
    assert {p["name"] for p in store["get"]["parameters"]} == {"graph", "default"}
    assert "text/turtle" in store["put"]["requestBody"]["content"] and "text/turtle" in store["get"]["responses"]["200"]["content"]
    assert {"200", "201", "401", "403", "415", "422"} <= set(store["put"]["responses"])
    assert "404" in store["delete"]["responses"] and "WriteResult" in doc["components"]["schemas"]
    json.dumps(doc)
