"""The concept API's errors: one JSON shape for every failure (ApiError), and the JSON request
bodies the API reads, with their size cap (413) and validation (422)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medkg.concepts.models import ConceptRef

MAX_BODY = 4 * 1024 * 1024  # bytes of a POST body: room for MAX_TEXT characters, however encoded
T = TypeVar("T", bound=BaseModel)


class InvalidField(BaseModel):
    """One parameter or body field that failed validation (a 422)."""

    loc: list[str | int] = Field(description="Where: query, path or body, then the name (and index)",
                                 examples=[["query", "limit"]])
    msg: str = Field(description="Why, as the validator says it", examples=["Input should be a valid integer"])
    type: str = Field(description="The validator's error code", examples=["int_parsing"])


class ApiError(BaseModel):
    """Every error of the API, whatever raised it (the concept core, a parameter check, routing)."""

    status: int = Field(description="The HTTP status, repeated")
    error: str = Field(description="A stable code: not_found, invalid_parameter, payload_too_large, "
                                   "method_not_allowed, remote_store_failed, remote_store_timeout")
    message: str = Field(description="What went wrong, in a sentence a developer can act on")
    suggestions: list[ConceptRef] | None = Field(None, description="Concepts the caller may have meant (404)")
    details: list[InvalidField] | None = Field(
        None, description="422 only: every invalid parameter or body field, where and why")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": 422, "error": "invalid_parameter",
        "message": "invalid query parameter limit: Input should be a valid integer, unable to parse string as an integer",
        "details": [{"loc": ["query", "limit"], "msg": "Input should be a valid integer, unable to parse string as an integer",
                     "type": "int_parsing"}]}]})


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str, suggestions: list[ConceptRef] | None = None,
                 details: list[InvalidField] | None = None) -> None:
        super().__init__(message)
        self.body = ApiError(status=status, error=code, message=message, suggestions=suggestions, details=details)


def error_json(body: ApiError) -> dict[str, Any]:
    """An error as JSON: ``suggestions`` and ``details`` only when there are some, and each
    suggestion a whole ConceptRef (its ``scheme`` null for a curated concept, as everywhere)."""
    return body.model_dump(exclude={name for name in ("suggestions", "details") if getattr(body, name) is None})


def error_response(status: int, code: str, message: str, suggestions: list[ConceptRef] | None = None,
                   details: list[InvalidField] | None = None) -> JSONResponse:
    body = ApiError(status=status, error=code, message=message, suggestions=suggestions, details=details)
    return JSONResponse(error_json(body), status_code=status)


def invalid_fields(errors: Any) -> list[InvalidField]:
    return [InvalidField(loc=list(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e.get("type", "")))
            for e in errors]


def where(field: InvalidField) -> str:
    kind, *name = field.loc or ["body"]
    return f"{kind} parameter {'.'.join(str(n) for n in name)}" if name and kind != "body" else (
        f"JSON body at {'.'.join(str(n) for n in name) or 'body'}")


# Validation errors that mean the body is not a JSON object at all (not a wrong field).
_NOT_AN_OBJECT = {"json_invalid", "json_type", "model_type", "model_attributes_type"}


async def json_body(request: Request, model: type[T], example: dict[str, Any]) -> T:
    """The request body parsed as ``model``, read with a size cap (413) and validated (422)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiFailure(413, "payload_too_large", f"the body is {declared} bytes; at most {MAX_BODY} are accepted")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiFailure(413, "payload_too_large", f"the body is over {MAX_BODY} bytes")
        chunks.append(chunk)
    try:
        return model.model_validate_json(b"".join(chunks))
    except ValidationError as error:
        fields = invalid_fields(error.errors())
        for field in fields:
            field.loc = ["body", *field.loc]
        message = f"invalid {where(fields[0])}: {fields[0].msg}"
        if fields[0].type in _NOT_AN_OBJECT:  # a form, plain text, a bare string: say what to send
            sent = request.headers.get("content-type", "no Content-Type")
            message += (f"; send a JSON object with Content-Type: application/json (this body came as {sent}), "
                        f"e.g. {json.dumps(example)}")
        raise ApiFailure(422, "invalid_parameter", message, details=fields) from None
