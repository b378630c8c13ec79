"""/api/...: the concept API over HTTP, a thin layer on medkg.concepts.ConceptService.

Every route calls one service method and returns its model as JSON; the examples in the OpenAPI
document are real answers of the served graph, computed when the router is built. JSON answers
link their JSON-LD context (/api/context.jsonld) in a Link header, and a client that asks for
application/ld+json gets the same body with "@context" inline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medkg.concepts import ConceptService, InvalidIdentifier, InvalidQuery, NotFound, SparqlError
from medkg.concepts.annotate import MAX_TEXT
from medkg.concepts.models import (
    AnnotationResults,
    BatchResults,
    CodeMappingResult,
    Concept,
    ConceptRef,
    HierarchyResults,
    NeighbourResults,
    SearchResults,
)
from medkg.concepts.service import MAX_BATCH, MAX_LIMIT
from medkg.web.jsonld import context_document

MAX_BODY = 4 * 1024 * 1024  # bytes of a POST body: room for MAX_TEXT characters, however encoded
LD_JSON = "application/ld+json"
T = TypeVar("T", bound=BaseModel)


class ApiError(BaseModel):
    """Every error of the API."""

    status: int
    error: str = Field(description="A stable code: not_found, invalid_parameter, payload_too_large")
    message: str = Field(description="What went wrong, in a sentence a developer can act on")
    suggestions: list[ConceptRef] | None = Field(None, description="Concepts the caller may have meant (404)")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(description=f"IRIs, CURIEs or concept names, at most {MAX_BATCH}",
                           examples=[["medkg:sacral-fracture", "sacrum", "medkg:no-such-thing"]])


class AnnotateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description=f"Free text, at most {MAX_TEXT} characters",
                      examples=["sharp pain in my tailbone since lifting boxes"])
    kinds: list[str] | None = Field(None, description="Only concepts of these kinds (e.g. SignOrSymptom)")
    overlapping: bool = Field(False, description="Also return matches nested in longer ones")


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str, suggestions: list[ConceptRef] | None = None) -> None:
        super().__init__(message)
        self.body = ApiError(status=status, error=code, message=message, suggestions=suggestions)


def error_response(status: int, code: str, message: str, suggestions: list[ConceptRef] | None = None) -> JSONResponse:
    body = ApiError(status=status, error=code, message=message, suggestions=suggestions)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def _answer(request: Request, body: bytes) -> Response:
    """JSON, or JSON-LD with the context inline when the client prefers it."""
    context_url = f"{request.base_url}api/context.jsonld"  # not url_for: it walks every route
    accept = request.headers.get("accept", "")
    if LD_JSON in accept and "application/json" not in accept.split(LD_JSON)[0]:
        data = json.loads(body)
        if isinstance(data, dict):
            body = json.dumps({"@context": context_url, **data}, ensure_ascii=False).encode()
            return Response(body, media_type=LD_JSON, headers={"Vary": "Accept"})
    link = f'<{context_url}>; rel="http://www.w3.org/ns/json-ld#context"; type="{LD_JSON}"'
    return Response(body, media_type="application/json", headers={"Link": link, "Vary": "Accept"})


def _call(request: Request, work: Callable[[], BaseModel | bytes]) -> Response:
    try:
        result = work()
    except NotFound as missing:
        return error_response(404, "not_found", str(missing), missing.suggestions)
    except (InvalidIdentifier, InvalidQuery) as invalid:
        return error_response(422, "invalid_parameter", str(invalid))
    except ApiFailure as failure:
        return JSONResponse(failure.body.model_dump(exclude_none=True), status_code=failure.body.status)
    body = result if isinstance(result, bytes) else result.model_dump_json().encode()
    return _answer(request, body)


async def _json_body(request: Request, model: type[T]) -> T:
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
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiFailure(422, "invalid_parameter", f"invalid JSON body at {where}: {first['msg']}") from None


def _example(work: Callable[[], BaseModel | str]) -> Any:
    try:
        result = work()
    except (LookupError, ValueError, SparqlError):  # a graph without the example: no example, still an API
        return None
    return result if isinstance(result, str) else json.loads(result.model_dump_json())


def _doc(model: type[BaseModel], example: Any, *errors: int) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {"application/json": {"example": example}} if example is not None else {}
    responses: dict[int | str, dict[str, Any]] = {200: {"model": model, "content": content}}
    for status in errors:
        responses[status] = {"model": ApiError}
    return responses


def _body_doc(model: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": model.model_json_schema(), "example": example}}}}


Kinds = Annotated[list[str] | None, Query(description="Only concepts of these kinds, e.g. Condition, mkg:SignOrSymptom (repeatable)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]


def build_router(service: ConceptService) -> APIRouter:
    """The /api routes over ``service``, with examples taken from the graph it serves."""
    router = APIRouter(prefix="/api", tags=["concepts"])
    sample = "medkg:sacral-fracture" if "sacral-fracture" in " ".join(service.index.concepts) else next(
        iter(service.index.concepts), "medkg:sacral-fracture")

    @router.get("/context.jsonld", name="jsonld_context", summary="The JSON-LD context of the API's JSON")
    async def jsonld_context() -> Response:
        """Maps the API's field names to RDF terms (SKOS, oboInOwl, PROV), so its JSON reads as JSON-LD."""
        return Response(json.dumps(context_document(service.base), indent=2), media_type=LD_JSON,
                        headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/search", response_model=SearchResults, summary="Search concepts by label, synonym or lay term",
                responses=_doc(SearchResults, _example(lambda: service.search("tailbone", limit=3)), 422))
    async def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=500, description="Text to look for: a word, a prefix (autocomplete) or any part of a name")],
                     kind: Kinds = None, limit: Limit = 10, offset: Offset = 0) -> Response:
        """Case-, accent- and plural-insensitive. Ranked exact > prefix > word prefix > substring;
        each concept once, with the name that matched and its type (label, exact / related / broad /
        narrow synonym, lay term, abbreviation). `total` counts all matches; page with limit/offset."""
        return _call(request, lambda: service.search(q, kinds=kind, limit=limit, offset=offset))

    @router.post("/concepts/batch", response_model=BatchResults, summary="Look up many concepts at once",
                 responses=_doc(BatchResults, _example(lambda: service.lookup_many(["medkg:sacrum", "medkg:no-such-thing"])), 413, 422),
                 openapi_extra=_body_doc(BatchRequest, {"ids": ["medkg:sacral-fracture", "sacrum", "medkg:no-such-thing"]}))
    async def batch(request: Request) -> Response:
        """Answers in input order; an unknown or malformed identifier gives an item with
        `found: false` and the reason, never a missing item. At most 1000 identifiers."""
        try:
            body = await _json_body(request, BatchRequest)
        except ApiFailure as failure:
            return JSONResponse(failure.body.model_dump(exclude_none=True), status_code=failure.body.status)
        return _call(request, lambda: service.lookup_many(body.ids))

    @router.post("/annotate", response_model=AnnotationResults, summary="Find the concepts a text mentions",
                 responses=_doc(AnnotationResults, _example(lambda: service.annotate("sharp pain in my tailbone since lifting boxes")), 413, 422),
                 openapi_extra=_body_doc(AnnotateRequest, {"text": "sharp pain in my tailbone since lifting boxes"}))
    async def annotate(request: Request) -> Response:
        """Character spans (code point offsets), the label or synonym matched and its type, best
        concept first. Longest match wins unless `overlapping` is true. Case, accents and regular
        plurals are ignored, except that abbreviations must match in case."""
        try:
            body = await _json_body(request, AnnotateRequest)
        except ApiFailure as failure:
            return JSONResponse(failure.body.model_dump(exclude_none=True), status_code=failure.body.status)
        return _call(request, lambda: service.annotate(body.text, kinds=body.kinds, overlapping=body.overlapping))

    @router.get("/mappings", response_model=CodeMappingResult, summary="The concept for an ICD-10-CM or HPO code",
                responses=_doc(CodeMappingResult, _example(lambda: service.map_code("ICD10CM:S32.10XA")), 422))
    async def mappings(request: Request, code: Annotated[str, Query(min_length=1, max_length=200, description="ICD10CM:S32.10XA, S32.10XA, HP:0003419, or a code IRI")],
                       system: Annotated[str | None, Query(description="ICD10CM or HP, for a bare code")] = None) -> Response:
        """Checks the code's syntax (Bioregistry's pattern), then walks up from the code to broader
        codes (S32.10XA -> S32.10X -> S32.10 -> S32.1) until one is mapped. `best` is null when none
        is; `predicate` relates the concept to the code given (skos:narrowMatch: the code is narrower)."""
        return _call(request, lambda: service.map_code(code, system))

    @router.get("/mappings.sssom.tsv", summary="All mappings as an SSSOM table",
                responses={200: {"content": {"text/tab-separated-values": {"example": _example(service.sssom)}}}})
    async def sssom() -> Response:
        """SSSOM/TSV (https://w3id.org/sssom/): metadata with curie_map as commented YAML, then one row
        per mapping with its mapping_justification."""
        return Response(service.sssom(), media_type="text/tab-separated-values; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="medkg.sssom.tsv"'})

    @router.get("/concepts/{id}/ancestors", response_model=HierarchyResults, summary="Broader concepts, transitively",
                responses=_doc(HierarchyResults, _example(lambda: service.ancestors(sample, limit=3)), 404, 422))
    async def ancestors(request: Request, id: str, relation: Annotated[str | None, Query(description="broader (default) or a transitive property, e.g. partOf")] = None,
                        max_depth: Annotated[int | None, Query(ge=1, le=100)] = None, kind: Kinds = None,
                        limit: Limit = 50, offset: Offset = 0) -> Response:
        """Nearest first, each concept once at its shortest depth; `total` counts them all."""
        return _call(request, lambda: service.ancestors(id, relation=relation, max_depth=max_depth, kinds=kind,
                                                        limit=limit, offset=offset))

    @router.get("/concepts/{id}/descendants", response_model=HierarchyResults, summary="Narrower concepts, transitively",
                responses=_doc(HierarchyResults, _example(lambda: service.descendants("medkg:fracture", limit=3)), 404, 422))
    async def descendants(request: Request, id: str, relation: Annotated[str | None, Query(description="broader (default) or a transitive property, e.g. partOf")] = None,
                          max_depth: Annotated[int | None, Query(ge=1, le=100)] = None, kind: Kinds = None,
                          limit: Limit = 50, offset: Offset = 0) -> Response:
        """Nearest first, each concept once at its shortest depth; `total` counts them all."""
        return _call(request, lambda: service.descendants(id, relation=relation, max_depth=max_depth, kinds=kind,
                                                          limit=limit, offset=offset))

    @router.get("/concepts/{id}/neighbours", response_model=NeighbourResults, summary="Concepts linked by any relation",
                responses=_doc(NeighbourResults, _example(lambda: service.neighbours(sample, limit=3)), 404, 422))
    def neighbours(request: Request, id: str, relation: Annotated[str | None, Query(description="Only this property, e.g. hasSymptom or mkg:hasSymptom")] = None,
                   direction: Annotated[str, Query(pattern="^(both|outgoing|incoming)$")] = "both",
                   kind: Kinds = None, limit: Limit = 50, offset: Offset = 0) -> Response:
        """Both directions by default; `total` counts them all."""
        return _call(request, lambda: service.neighbours(id, relation=relation, direction=direction, kinds=kind,
                                                         limit=limit, offset=offset))

    @router.get("/concepts/{id:path}", response_model=Concept, summary="Everything about one concept",
                responses=_doc(Concept, _example(lambda: service.lookup(sample)), 404, 422))
    async def lookup(request: Request, id: str) -> Response:
        """`id` is a CURIE (medkg:sacral-fracture), a concept name (sacral-fracture) or a full IRI.
        Kind, label, synonyms with their type, definition and its source, codes with their labels,
        every relation in both directions with the source and the quoted sentence behind it.
        An unknown concept is a 404 whose body suggests concepts by name."""
        return _call(request, lambda: service.lookup_json(id))

    return router
