"""Every HTML page's parameter errors render as an HTML page for a browser, with the status kept
(never raw JSON, never a silent 200), and say what was wrong."""

from __future__ import annotations

import pytest
from conftest import AsgiClient

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

# (page with a bad parameter, the status, a word the page's message must contain)
BAD = [
    ("/search?q=tailbone&offset=abc", 422, "offset"),  # the example of the finding
    ("/search?q=tailbone&offset=-1", 422, "offset"),  # was clamped to 0 in silence
    ("/search?q=tailbone&offset=1.5", 422, "offset"),
    ("/search?q=tailbone&kind=nope", 422, "nope"),
    ("/search?q=" + "a" * 600, 422, "500"),
    ("/?format=nope", 406, "format"),  # was a 200 home page
    ("/concept/sacrum?format=nope", 406, "format"),
    ("/ontology/Fracture?format=nope", 406, "format"),
    ("/source/sacroplasty-article?format=nope", 406, "format"),
]


@pytest.mark.parametrize("path, status, word", BAD)
def test_bad_page_parameter_is_an_html_page(packaged_client: AsgiClient, path: str, status: int, word: str) -> None:
    answer = packaged_client.get(path, headers=BROWSER)
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    alert = answer.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    assert word in alert, alert


@pytest.mark.parametrize("path", ["/search?q=tailbone&offset=0", "/search?q=tailbone&offset=", "/?format=html",
                                  "/concept/sacrum?format=html"])
def test_good_page_parameters_still_work(packaged_client: AsgiClient, path: str) -> None:
    assert packaged_client.get(path, headers=BROWSER).status_code == 200


def test_programs_still_get_a_plain_406(packaged_client: AsgiClient) -> None:
    answer = packaged_client.get("/concept/sacrum?format=nope", headers={"accept": "text/turtle"})
    assert answer.status_code == 406 and answer.headers["content-type"].startswith("text/plain")
