"""The concept page shows narrower concepts' facts, labelled as such (issue 13, item 9)."""

from __future__ import annotations

import html
import re


def test_sacral_fracture_page_shows_treatment_from_narrower_concept(packaged_client) -> None:  # type: ignore[no-untyped-def]
    response = packaged_client.get("/concept/sacral-fracture", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = html.unescape(response.text)
    section = page.split('id="narrower-facts"', 1)[1].split("</section>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", section)
    text = re.sub(r"\s+", " ", text)
    assert "from narrower concept Sacral insufficiency fracture treated by Sacroplasty" in text
    assert "from narrower concept Sacral insufficiency fracture has leading cause Osteoporosis" in text
    assert 'href="/concept/sacral-insufficiency-fracture"' in section


def test_a_leaf_concept_page_has_no_such_section(packaged_client) -> None:  # type: ignore[no-untyped-def]
    response = packaged_client.get("/concept/sacral-insufficiency-fracture", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'id="narrower-facts"' not in response.text
