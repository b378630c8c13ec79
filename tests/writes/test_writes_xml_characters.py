"""What a curated write may store (issue 14, item 3): nothing XML 1.0 cannot carry. A literal or
IRI with such a character (U+0001...) is refused with a 422 saying why, by SPARQL Update and by the
Graph Store Protocol alike, so every stored graph stays servable as RDF/XML and SPARQL XML results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import AsgiClient, app_client

from medkg.settings import Settings
from medkg.writes.auth import WriteToken

SECRET = "s3cret-curator-token-0123"
AUTH = {"Authorization": "Bearer " + SECRET}
DATA = "https://w3id.org/medkg/graph/data"
NOTE = "<https://w3id.org/medkg/concept/sacrum> <http://www.w3.org/2004/02/skos/core#editorialNote> "


@pytest.fixture(scope="module")
def writable() -> Iterator[AsgiClient]:
    with app_client(Settings(write_token=WriteToken("alice", SECRET), workers=1)) as client:
        yield client


def _count_notes(client: AsgiClient) -> int:
    response = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { medkg:sacrum skos:editorialNote ?n0 }"},
                          headers={"Accept": "text/csv"})
    return int(response.text.split()[-1])


def test_an_update_with_a_control_character_is_refused(writable: AsgiClient) -> None:
    before = _count_notes(writable)
    update = f'INSERT DATA {{ GRAPH <{DATA}> {{ {NOTE} "bell\\u0007here"@en }} }}'
    response = writable.post("/sparql", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "not_xml_characters" and "U+0007" in body["message"] and "XML 1.0" in body["message"]
    assert _count_notes(writable) == before


def test_a_graph_store_put_with_a_control_character_is_refused(writable: AsgiClient) -> None:
    turtle = f'{NOTE} "a\\u0001b" .\n'
    response = writable.put("/store", params={"graph": "https://w3id.org/medkg/graph/review-notes"}, content=turtle,
                            headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 422 and "U+0001" in response.json()["message"]
    # The graph was not created: RDF/XML of the whole store is still well formed.
    whole = writable.get("/store", params={"default": ""}, headers={"Accept": "application/rdf+xml"})
    assert whole.status_code == 200 and whole.content.startswith(b"<?xml")


def test_a_tab_and_a_line_break_are_stored(writable: AsgiClient) -> None:
    update = f'INSERT DATA {{ GRAPH <{DATA}> {{ {NOTE} "line one\\n\\tline two"@en }} }}'
    response = writable.post("/sparql", content=update, headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert response.status_code == 200, response.text
