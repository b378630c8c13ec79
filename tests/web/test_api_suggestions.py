"""A 404's suggestions are ConceptRefs of the same shape as everywhere else in the API (README shows
"scheme": null in them; the error body used to drop every null, so curated suggestions lost it)."""

from __future__ import annotations

from conftest import AsgiClient


def test_suggestions_have_every_field_of_a_concept_ref(packaged_client: AsgiClient) -> None:
    reference = packaged_client.get("/api/search?q=sacral&limit=1").json()["hits"][0]["concept"]
    answer = packaged_client.get("/api/concepts/medkg:sacral-fractur")
    assert answer.status_code == 404
    suggestions = answer.json()["suggestions"]
    assert suggestions and all(set(s) == set(reference) for s in suggestions)
    assert suggestions[0]["scheme"] is None  # a curated concept


def test_errors_without_suggestions_or_details_leave_them_out(packaged_client: AsgiClient) -> None:
    body = packaged_client.get("/api/no-such-route").json()
    assert set(body) == {"status", "error", "message"}
