"""A browser opening /sparql gets HTML, the query page; programs still get the service description (issue 14, item 5)."""

from __future__ import annotations

import pytest
from conftest import AsgiClient

from medkg.web.accept import prefers_html

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept,html", [
    (CHROME, True), (FIREFOX, True), ("text/html", True), (None, False), ("*/*", False), ("text/turtle", False),
    ("text/turtle, text/html", False), ("text/html, text/turtle", True), ("text/html;q=0.5, text/turtle", False),
    ("application/ld+json, text/html;q=0.9", False), ("text/html;q=0", False),
])
def test_prefers_html(accept: str | None, html: bool) -> None:
    assert prefers_html(accept.encode() if accept else None) is html


@pytest.mark.parametrize("accept", [CHROME, FIREFOX])
def test_a_browser_opening_sparql_gets_the_query_page(packaged_client: AsgiClient, accept: str) -> None:
    page = packaged_client.get("/sparql", headers={"accept": accept})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="yasgui"' in page.text and 'action="/sparql"' in page.text and "Accept" in page.headers["vary"]
    head = packaged_client.request("HEAD", "/sparql", headers={"accept": accept})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"] == page.headers["content-type"]


@pytest.mark.parametrize("accept,media", [(None, "text/turtle"), ("*/*", "text/turtle"),
                                          ("application/ld+json", "application/ld+json")])
def test_programs_still_get_the_service_description(packaged_client: AsgiClient, accept: str | None, media: str) -> None:
    answer = packaged_client.get("/sparql", headers={"accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    assert "sparql-service-description" in answer.text or "sd:Service" in answer.text


def test_a_browser_running_a_query_still_gets_results(packaged_client: AsgiClient) -> None:
    answer = packaged_client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": CHROME})
    # a results format, as before: the browser's application/xml;q=0.9 picks SPARQL XML
    assert answer.status_code == 200 and "<boolean>true</boolean>" in answer.text
