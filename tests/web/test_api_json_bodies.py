"""Every /api route that takes a JSON body says, when the body is not a JSON object (a form, plain
text, a bare string), to send one with Content-Type: application/json, and shows one."""

from __future__ import annotations

import json

import pytest
from conftest import AsgiClient

NOT_OBJECTS = {
    "plain text": ("hello", "text/plain"),
    "form": ("text=hello", "application/x-www-form-urlencoded"),
    "json string": ('"hello"', "application/json"),
    "json array": ("[1, 2]", "application/json"),
}


def json_body_routes(client: AsgiClient) -> list[str]:
    paths = client.get("/openapi.json").json()["paths"]
    return [path for path, operations in paths.items() if path.startswith("/api")
            and "application/json" in operations.get("post", {}).get("requestBody", {}).get("content", {})]


def test_the_json_body_routes_are_found(packaged_client: AsgiClient) -> None:
    assert {"/api/annotate", "/api/concepts/batch"} <= set(json_body_routes(packaged_client))


@pytest.mark.parametrize("sent", NOT_OBJECTS)
def test_every_json_route_says_to_send_json(packaged_client: AsgiClient, sent: str) -> None:
    body, content_type = NOT_OBJECTS[sent]
    for path in json_body_routes(packaged_client):
        answer = packaged_client.post(path, content=body, headers={"content-type": content_type})
        assert answer.status_code == 422, (path, answer.text)
        message = answer.json()["message"]
        assert "Content-Type: application/json" in message and content_type in message, (path, message)
        example = json.loads(message.split("e.g. ", 1)[1])  # the example given is itself valid
        assert packaged_client.post(path, json=example).status_code == 200, (path, example)


def test_a_wrong_field_is_not_told_to_send_json(packaged_client: AsgiClient) -> None:
    message = packaged_client.post("/api/annotate", json={"txt": "x"}).json()["message"]
    assert "application/json" not in message and "text" in message
