"""HEAD on every GET route (issue 14, item 4; RFC 9110, 9.3.2): a sweep over the routing table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AsgiClient

from medkg.app import MedkgApp

# A value for each path parameter, and the query a route needs to answer 200: a new route with a
# parameter not listed here fails the sweep until it is added.
PATH_VALUES = {"name": {"/concept/": "sacrum", "/ontology/": "Fracture", "/source/": "sacroplasty-article",
                        "/graph/": "data"}, "id": "medkg:sacral-fracture"}
QUERIES = {"/api/search": "q=tailbone", "/api/mappings": "code=S32.1", "/search": "q=sacrum",
           "/sparql": "query=ASK%7B%7D"}
SKIPPED_HEADERS = {"date"}


def get_routes(app: MedkgApp) -> Iterator[str]:
    """The path template of every route answering GET: FastAPI's (included routers walked) and the lean ones."""
    def walk(routes: list[Any]) -> Iterator[tuple[str, set[str]]]:
        for route in routes:
            contexts = getattr(route, "effective_route_contexts", None)
            if contexts is not None:  # an included router (FastAPI >= 0.130)
                for context in (contexts() if callable(contexts) else contexts):
                    yield context.path, set(context.methods or ())
            else:
                yield route.path, set(getattr(route, "methods", None) or ())

    for path, methods in walk(app.routes):
        if "GET" in methods:
            yield path
    yield from app.lean_routes


def concrete(template: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        choice = PATH_VALUES[name]
        return choice if isinstance(choice, str) else choice[template[: match.start()]]

    path = re.sub(r"\{([^}]+)\}", value, template)
    query = QUERIES.get(template.rstrip("/") or "/")
    return path + ("?" + query if query else "")


def test_the_sweep_finds_every_kind_of_route(packaged_client: AsgiClient) -> None:
    paths = set(get_routes(packaged_client.app))
    for expected in ["/", "/health", "/search", "/query", "/concept/{name}", "/api/concepts/{id:path}",
                     "/api/mappings.sssom.tsv", "/openapi.json", "/docs", "/sparql", "/store"]:
        assert expected in paths, expected


@pytest.mark.parametrize("accept", ["text/html", "application/json", "text/turtle", None])
def test_head_answers_every_get_route_with_the_gets_headers(packaged_client: AsgiClient, accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    checked = 0
    for template in get_routes(packaged_client.app):
        url = concrete(template) if template != "/store" else "/store?default"
        got = packaged_client.get(url, headers=headers)
        head = packaged_client.request("HEAD", url, headers=headers)
        assert head.status_code == got.status_code != 405, (url, head.status_code, got.status_code)
        assert head.content == b"", url
        same = {k: v for k, v in got.headers.items() if k not in SKIPPED_HEADERS}
        assert {k: v for k, v in head.headers.items() if k not in SKIPPED_HEADERS} == same, url
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("url", ["/", "/health", "/search", "/query", "/concept/sacroplasty", "/api/concepts/sacrum",
                                 "/api/search?q=tailbone"])
def test_the_examples_of_the_issue(packaged_client: AsgiClient, url: str) -> None:
    head = packaged_client.request("HEAD", url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == packaged_client.get(url).headers["content-length"]


def test_head_on_a_post_only_route_is_405_with_allow(packaged_client: AsgiClient) -> None:
    answer = packaged_client.request("HEAD", "/api/annotate")
    assert answer.status_code == 405 and "POST" in answer.headers["allow"]
