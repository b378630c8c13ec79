"""Unknown routes and wrong methods answer in the project's error shape (issue 14, item 5)."""

from __future__ import annotations

import pytest
from conftest import AsgiClient

SHAPE = {"status", "error", "message"}


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/concept/", 404), ("GET", "/no/such/page", 404), ("GET", "/api/no-such-route", 404),
    ("GET", "/api/concepts/batch", 405), ("GET", "/api/concepts", 404), ("GET", "/api/concepts/", 404),
    ("DELETE", "/concept/sacrum", 405), ("PUT", "/api/search", 405), ("GET", "/api/annotate", 405),
    ("POST", "/health", 405),
])
def test_every_routing_error_is_in_the_project_shape(packaged_client: AsgiClient, method: str, path: str,
                                                      status: int) -> None:
    answer = packaged_client.request(method, path, follow_redirects=False)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert SHAPE <= set(body) and body["status"] == status and body["message"]
    assert body["error"] == {404: "not_found", 405: "method_not_allowed"}[status]
    if status == 405:
        assert answer.headers["allow"] and method not in answer.headers["allow"]


def test_the_examples_of_the_issue(packaged_client: AsgiClient) -> None:
    assert packaged_client.get("/concept/").json()["error"] == "not_found"  # not a bare {"detail": ...}
    batch = packaged_client.get("/api/concepts/batch")
    assert batch.status_code == 405 and batch.headers["allow"] == "POST" and "POST" in batch.json()["message"]
    listing = packaged_client.get("/api/concepts", follow_redirects=False)  # no 307 to a 422
    assert listing.status_code == 404 and "/api/search" in listing.json()["message"]


def test_a_path_is_echoed_percent_encoded(packaged_client: AsgiClient) -> None:
    message = packaged_client.get("/no/%3Cscript%3E").json()["message"]
    assert "<script>" not in message and "%3Cscript%3E" in message
