"""The query-side cases of the W3C SPARQL 1.1 Protocol test suite, ported to medkg.

From w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl: each test below carries the manifest's
name for its case, the request it describes and the response it expects (2xx with a boolean or
tabular or RDF result; 4xx for the bad_* cases). The suite's update cases expect 2xx from an
updatable endpoint; medkg's endpoint is read-only, so they are ported as "refused with 403" while
the bad_update_* cases keep their 4xx. The data0-3 graphs are recreated in
tests/fixtures/sparql/protocol.trig.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import AsgiClient, app_client

from medkg.settings import Settings

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sparql" / "protocol.trig"
D = "http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata"  # + "N.rdf", percent-encoded
DATA = "http://kasei.us/2009/09/sparql/data/data"

BOOLEAN_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/tab-separated-values", "text/csv")
RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json")


@pytest.fixture(scope="module")
def client() -> Iterator[AsgiClient]:
    with app_client(Settings(paths=(FIXTURE,), workers=2)) as test_client:
        yield test_client


def boolean(response: object) -> bool:
    """The boolean of an ASK result in any of the SPARQL results formats."""
    r = response  # type: ignore[assignment]
    assert 200 <= r.status_code < 400, r.text  # type: ignore[attr-defined]
    media = r.headers["content-type"].split(";")[0]  # type: ignore[attr-defined]
    assert media in BOOLEAN_TYPES
    fmt = ox.QueryResultsFormat.JSON if media.endswith("json") else ox.QueryResultsFormat.XML
    result = ox.parse_query_results(r.content, format=fmt)  # type: ignore[attr-defined]
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def direct(query: str) -> dict[str, str]:
    return {"content": query.encode(), "headers": {"content-type": "application/sparql-query"}}  # type: ignore[dict-item]


def test_query_post_form(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?default-graph-uri={D}0.rdf", content=b"query=ASK%20%7B%7D",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert boolean(r) is True


def test_query_dataset_default_graphs_get(client: AsgiClient) -> None:
    query = (f"ASK%20%7B%20%3C{D}1.rdf%3E%20a%20%3Ftype%20.%20%3C{D}2.rdf%3E%20a%20%3Ftype%20.%20%7D")
    r = client.get(f"/sparql/?query={query}&default-graph-uri={D}1.rdf&default-graph-uri={D}2.rdf")
    assert boolean(r) is True


def test_query_dataset_default_graphs_post(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?default-graph-uri={D}1.rdf&default-graph-uri={D}2.rdf",
                    **direct(f"ASK {{ <{DATA}1.rdf> a ?type . <{DATA}2.rdf> a ?type . }}"))  # type: ignore[arg-type]
    assert boolean(r) is True


def test_query_dataset_named_graphs_post(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf",
                    **direct(f"ASK {{ GRAPH ?g1 {{ <{DATA}1.rdf> a ?type }} GRAPH ?g2 {{ <{DATA}2.rdf> a ?type }} }}"))  # type: ignore[arg-type]
    assert boolean(r) is True


def test_query_dataset_named_graphs_get(client: AsgiClient) -> None:
    query = (f"ASK%20%7B%20GRAPH%20%3Fg1%20%7B%20%3C{D}1.rdf%3E%20a%20%3Ftype%20%7D%20GRAPH%20%3Fg2%20%7B"
             f"%20%3C{D}2.rdf%3E%20a%20%3Ftype%20%7D%20%7D")
    r = client.get(f"/sparql/?query={query}&named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf")
    assert boolean(r) is True


def test_query_dataset_full(client: AsgiClient) -> None:
    query = f"""ASK {{
  <{DATA}3.rdf> a ?type
  GRAPH ?g1 {{ <{DATA}1.rdf> a ?type }}
  GRAPH ?g2 {{ <{DATA}2.rdf> a ?type }}
}}"""
    r = client.post(f"/sparql/?default-graph-uri={D}3.rdf&named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf",
                    **direct(query))  # type: ignore[arg-type]
    assert boolean(r) is True


def test_query_multiple_dataset(client: AsgiClient) -> None:
    # The protocol's dataset overrides the query's FROM. (The manifest's URL joins both
    # named-graph-uri values with an encoded '&', an erratum; they are sent as two parameters.)
    query = (f"ASK FROM <{DATA}3.rdf> {{ GRAPH ?g1 {{ <{DATA}1.rdf> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA}2.rdf> a ?type }} }}")
    r = client.post(f"/sparql/?named-graph-uri={D}1.rdf&named-graph-uri={D}2.rdf", **direct(query))  # type: ignore[arg-type]
    assert boolean(r) is True
    # And without a protocol dataset, the query's FROM is the dataset: no named graphs at all.
    r = client.post("/sparql/", **direct(query))  # type: ignore[arg-type]
    assert boolean(r) is False


def test_query_get(client: AsgiClient) -> None:
    r = client.get(f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={D}0.rdf")
    assert boolean(r) is True


def test_query_content_type_select(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?default-graph-uri={D}0.rdf", **direct("SELECT (1 AS ?value) {}"))  # type: ignore[arg-type]
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in TABULAR_TYPES


def test_query_content_type_ask(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?default-graph-uri={D}0.rdf", **direct("ASK {}"))  # type: ignore[arg-type]
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in BOOLEAN_TYPES


def test_query_content_type_describe(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?default-graph-uri={D}0.rdf", **direct("DESCRIBE <http://example.org/>"))  # type: ignore[arg-type]
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in RDF_TYPES


def test_query_content_type_construct(client: AsgiClient) -> None:
    r = client.post(f"/sparql/?default-graph-uri={D}0.rdf", **direct("CONSTRUCT { <s> <p> 1 } WHERE {}"))  # type: ignore[arg-type]
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in RDF_TYPES


def test_query_post_direct(client: AsgiClient) -> None:
    assert boolean(client.post("/sparql/", **direct("ASK {}"))) is True  # type: ignore[arg-type]


def test_bad_query_method(client: AsgiClient) -> None:
    r = client.put(f"/sparql/?query=ASK%20%7B%7D&default-graph-uri={D}0.rdf",
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500


def test_bad_multiple_queries(client: AsgiClient) -> None:
    r = client.get("/sparql/?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert 400 <= r.status_code < 500


def test_bad_query_wrong_media_type(client: AsgiClient) -> None:
    r = client.post("/sparql/", content=b"ASK {}", headers={"content-type": "text/plain"})
    assert 400 <= r.status_code < 500


def test_bad_query_missing_form_type(client: AsgiClient) -> None:
    r = client.post("/sparql/", content=b"query=ASK%20%7B%7D")
    assert 400 <= r.status_code < 500


def test_bad_query_missing_direct_type(client: AsgiClient) -> None:
    r = client.post("/sparql/", content=b"ASK {}")
    assert 400 <= r.status_code < 500


def test_bad_query_non_utf8(client: AsgiClient) -> None:
    r = client.post("/sparql/", content="ASK {}".encode("utf-16"),
                    headers={"content-type": "application/sparql-query; charset=UTF-16"})
    assert 400 <= r.status_code < 500


def test_bad_query_syntax(client: AsgiClient) -> None:
    r = client.get("/sparql/?query=ASK%20%7B")
    assert 400 <= r.status_code < 500


# -- the update cases, against a read-only endpoint -------------------------------------------------


@pytest.mark.parametrize(
    "name, body, content_type",
    [
        ("update_post_form", b"update=CLEAR+ALL", "application/x-www-form-urlencoded"),
        ("update_post_direct", b"CLEAR ALL", "application/sparql-update"),
        ("update_dataset_default_graph", b"CLEAR ALL", "application/sparql-update"),
        ("update_base_uri", b"CLEAR GRAPH <http://example.org/protocol-base-test/>", "application/sparql-update"),
    ],
)
def test_updates_refused_while_read_only(client: AsgiClient, name: str, body: bytes, content_type: str) -> None:
    r = client.post("/sparql/", content=body, headers={"content-type": content_type})
    assert r.status_code == 403, name
    assert "read-only" in r.json()["message"]
    assert boolean(client.post("/sparql/", **direct(f"ASK {{ <{DATA}1.rdf> a ?t }}"))) is True  # type: ignore[arg-type]


def test_bad_update_get(client: AsgiClient) -> None:
    assert 400 <= client.get("/sparql/?update=CLEAR%20ALL").status_code < 500


def test_bad_multiple_updates(client: AsgiClient) -> None:
    r = client.post("/sparql/", content=b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500


def test_bad_update_wrong_media_type(client: AsgiClient) -> None:
    r = client.post("/sparql/", content=b"CLEAR NAMED", headers={"content-type": "text/plain"})
    assert 400 <= r.status_code < 500


def test_bad_update_missing_form_type(client: AsgiClient) -> None:
    assert 400 <= client.post("/sparql/", content=b"update=CLEAR%20NAMED").status_code < 500


def test_bad_update_non_utf8(client: AsgiClient) -> None:
    r = client.post("/sparql/", content="CLEAR NAMED".encode("utf-16"),
                    headers={"content-type": "application/sparql-update; charset=UTF-16"})
    assert 400 <= r.status_code < 500
