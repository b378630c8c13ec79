"""/api/...: the concept API over HTTP, a thin layer on medkg.concepts.ConceptService.

Every route calls one service method and returns its model as JSON; the examples in the OpenAPI
document are real answers of the served graph, computed when the document is first asked for.
JSON answers link their JSON-LD context (/api/context.jsonld) in a Link header, and a client that
asks for application/ld+json gets the same body with "@context" inline (medkg.web.jsonld: every
field that is data reads as a triple). Every error is an ApiError.
"""

from __future__ import annotations

import functools
import json
import weakref
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from medkg.concepts import ConceptService, InvalidIdentifier, InvalidQuery, NotFound, SparqlError
from medkg.concepts.annotate import MAX_TEXT
from medkg.concepts.mappings import SYSTEMS as CODE_SYSTEMS
from medkg.concepts.models import (
    AnnotationResults,
    BatchResults,
    CodeMappingResult,
    Concept,
    HierarchyResults,
    NeighbourResults,
    PhenotypeResults,
    SearchResults,
)
from medkg.concepts.phenotypes import MAX_TERMS
from medkg.concepts.service import MAX_BATCH, MAX_LIMIT
from medkg.web import pages
from medkg.web.api_errors import (
    ApiError,
    ApiFailure,
    InvalidField,
    error_json,
    error_response,
    invalid_fields,
    json_body,
    where,
)
from medkg.web.jsonld import context, context_document
from medkg.web.mount import route_path

# Concept work runs in the threadpool, off the event loop, when it may wait on the store (an
# uncached lookup, neighbours, mappings, batch: SPARQL, over HTTP for --store URL). Work on the
# in-memory index alone (search, a short annotate) and cached lookups are answered inline: they
# take microseconds, less than the hop to a thread (benchmarks/README.md).
INLINE_TEXT = 2000  # characters of text annotated inline; longer texts go to the threadpool
LD_JSON = "application/ld+json"
BATCH_EXAMPLE = {"ids": ["medkg:sacral-fracture", "sacrum", "medkg:no-such-thing"]}
ANNOTATE_EXAMPLE = {"text": "sharp pain in my tailbone since lifting boxes"}


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(description=f"IRIs, CURIEs or concept names, at most {MAX_BATCH}",
                           examples=[["medkg:sacral-fracture", "sacrum", "medkg:no-such-thing"]])


class AnnotateRequest(BaseModel):
    # strict: the JSON types the schema says (overlapping is true or false, not 0 or "yes")
    model_config = ConfigDict(extra="forbid", strict=True)
    text: str = Field(description=f"Free text, at most {MAX_TEXT} characters",
                      examples=["sharp pain in my tailbone since lifting boxes"])
    kinds: list[str] | None = Field(None, description="Only concepts of these kinds (e.g. SignOrSymptom)")
    overlapping: bool = Field(False, description="Also return matches nested in longer ones")


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable", 413: "payload_too_large",
               415: "unsupported_media_type"}


def _is_api(request: Request) -> bool:
    path = route_path(request.scope)
    return path == "/api" or path.startswith("/api/")


async def _validation_error(request: Request, error: Exception) -> Response:
    """FastAPI's parameter checks, in the API's error shape (422 with ``details``)."""
    assert isinstance(error, RequestValidationError)
    fields = invalid_fields(error.errors())
    first = fields[0] if fields else InvalidField(loc=["query"], msg="invalid request", type="invalid")
    more = f" (and {len(fields) - 1} more, see details)" if len(fields) > 1 else ""
    return error_response(422, "invalid_parameter", f"invalid {where(first)}: {first.msg}{more}", details=fields)


async def _http_error(request: Request, error: Exception) -> Response:
    """Routing errors (no such route, wrong method) in the project's error shape, on every path."""
    assert isinstance(error, HTTPException)
    if error.status_code == 404 and request.method in ("GET", "HEAD") and not _is_api(request):
        # A path no route names may still be that of an IRI the graph describes (a vocabulary's).
        found = await run_in_threadpool(pages.described, request, request.app.state.concepts)
        if found is not None:
            return found
    path = quote(request.url.path, safe="/:@!$&'()*+,;=-._~")  # as sent: never markup, whoever renders it
    missing = (f"no API route {path}: see /docs for the API" if _is_api(request) else
               f"nothing at {path}: the pages are /, /search, /query and the path of each minted IRI "
               "the graph describes (/concept/NAME, /ontology/NAME, /vocab/icd10cm/chapter/19, ...); the API is under /api (see /docs)")
    message = {404: missing, 405: f"{request.method} is not allowed on {path}"
               + (f": use {error.headers['Allow']}" if error.headers and "Allow" in error.headers else "")
               }.get(error.status_code, str(error.detail))
    response = error_response(error.status_code, _HTTP_CODES.get(error.status_code, "http_error"), message)
    response.headers.update(error.headers or {})
    return response


def install(app: FastAPI) -> None:
    """Every /api error as an ApiError (FastAPI's own 422s and routing 404/405s included), and the
    examples of the routes built over ``app.state.concepts`` computed when OpenAPI first needs them."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    service, generate = app.state.concepts, app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for examples in _EXAMPLES.pop(service, []):
                examples.fill()
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _no_concept_named() -> JSONResponse:
    return error_response(404, "not_found", "name a concept: GET /api/concepts/{id} with a CURIE (medkg:sacrum), "
                          "a name (sacrum) or an IRI; find one with GET /api/search?q=...")


@functools.lru_cache(maxsize=8)
def _inline_context(base: str) -> str:
    return json.dumps(context(base), ensure_ascii=False)


def _answer(request: Request, body: bytes) -> Response:
    """JSON, or JSON-LD with the context inline when the client prefers it (inline: a JSON-LD
    reader needs no second request, and works offline)."""
    context_url = f"{request.base_url}api/context.jsonld"  # not url_for: it walks every route
    accept = request.headers.get("accept", "")
    if LD_JSON in accept and "application/json" not in accept.split(LD_JSON)[0] and body.startswith(b"{"):
        base = request.app.state.concepts.base
        rest = body[1:].lstrip()
        body = b'{"@context":' + _inline_context(base).encode() + (b"" if rest.startswith(b"}") else b",") + rest
        return Response(body, media_type=LD_JSON, headers={"Vary": "Accept"})
    link = f'<{context_url}>; rel="http://www.w3.org/ns/json-ld#context"; type="{LD_JSON}"'
    return Response(body, media_type="application/json", headers={"Link": link, "Vary": "Accept"})


async def _call(request: Request, work: Callable[[], BaseModel | bytes], inline: bool = False) -> Response:
    """Runs ``work`` (in the threadpool unless ``inline``: it may wait on the store) and answers."""
    try:
        result = work() if inline else await run_in_threadpool(work)
    except NotFound as missing:
        return error_response(404, "not_found", str(missing), missing.suggestions)
    except (InvalidIdentifier, InvalidQuery) as invalid:
        return error_response(422, "invalid_parameter", str(invalid))
    except ApiFailure as failure:
        return JSONResponse(error_json(failure.body), status_code=failure.body.status)
    body = result if isinstance(result, bytes) else result.model_dump_json().encode()
    return _answer(request, body)


_WITH_CONTEXT = {"type": "object", "required": ["@context"], "properties": {"@context": {"type": "object"}}}


class _Examples:
    """The OpenAPI examples of one router: real answers of its graph, computed on first use.

    Computing them costs nothing on the packaged graph but half a minute on a 1M-triple one (an
    SSSOM export, code mappings), so not at startup: ``install`` fills them in just before the app
    first writes its OpenAPI document. The placeholders are shared with the app's routes.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[dict[str, Any], Callable[[], BaseModel | str]]] = []

    def add(self, work: Callable[[], BaseModel | str]) -> dict[str, Any]:
        placeholder: dict[str, Any] = {}
        self.pending.append((placeholder, work))
        return placeholder

    def fill(self) -> None:
        while self.pending:
            placeholder, work = self.pending.pop(0)
            try:
                result = work()
            except (LookupError, ValueError, SparqlError):  # a graph without the example: no example, still an API
                continue
            placeholder["example"] = result if isinstance(result, str) else json.loads(result.model_dump_json())

    def doc(self, model: type[BaseModel], work: Callable[[], BaseModel], *errors: int) -> dict[int | str, dict[str, Any]]:
        responses: dict[int | str, dict[str, Any]] = {200: {"model": model, "content": {
            "application/json": self.add(work),
            # For a client that asks for JSON-LD (_answer). Not an allOf of the model: its schema
            # forbids members it does not name.
            LD_JSON: {"schema": {**_WITH_CONTEXT, "description": f"A {model.__name__} with \"@context\" (the "
                                 "context of /api/context.jsonld, inline) as its first member: read as JSON-LD, each "
                                 "field that is data is a triple (SKOS, SSSOM, OWL axioms, PROV, schema.org)"}},
        }}}
        for status in errors:
            responses[status] = {"model": ApiError}
        return responses


_EXAMPLES: weakref.WeakKeyDictionary[ConceptService, list[_Examples]] = weakref.WeakKeyDictionary()


def _body_doc(model: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": model.model_json_schema(), "example": example}}}}


Kinds = Annotated[list[str] | None, Query(description="Only concepts of these kinds, e.g. Condition, mkg:SignOrSymptom (repeatable)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]
Schemes = Annotated[list[str] | None, Query(description="Only concepts of these vocabularies (repeatable): icd10cm, "
                                             "hpo, omim, orphanet, decipher, or medkg for the curated concepts")]
HierarchyRelation = Annotated[str | None, Query(description="broader (default) or a transitive property, e.g. partOf")]


def build_router(service: ConceptService) -> APIRouter:
    """The /api routes over ``service``, with examples taken from the graph it serves."""
    router = APIRouter(prefix="/api", tags=["concepts"])
    examples = _Examples()
    _EXAMPLES.setdefault(service, []).append(examples)
    curated = service.index.concepts.curated  # the example concept of the docs: the seed's, if there
    sample = "medkg:sacral-fracture" if any(i.endswith("/sacral-fracture") for i in curated) else next(
        iter(service.index.concepts), "medkg:sacral-fracture")

    @router.get("/context.jsonld", name="jsonld_context", summary="The JSON-LD context of the API's JSON",
                response_class=Response, responses={200: {"content": {LD_JSON: {"schema": {
                    "type": "object", "required": ["@context"], "properties": {"@context": {"type": "object"}}}}}}})
    async def jsonld_context() -> Response:
        """Maps the API's field names to RDF terms (SKOS, SSSOM, OWL axioms, oboInOwl, PROV, Dublin
        Core, schema.org, Hydra, Web Annotation), so each answer reads as JSON-LD; an answer asked
        for as application/ld+json carries this context inline. Fields that repeat another (a
        `curie` beside its `iri`, a `lay` flag beside its `synonym_type`) map to null."""
        return Response(json.dumps(context_document(service.base), indent=2), media_type=LD_JSON,
                        headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/search", response_model=SearchResults, summary="Search concepts by label, synonym or lay term",
                responses=examples.doc(SearchResults, lambda: service.search("tailbone", limit=3), 422))
    async def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=500, description="Text to look for: a name, the start of one (autocomplete), or words that start words of a name, in any order; typos are forgiven")],
                     kind: Kinds = None, limit: Limit = 10, offset: Offset = 0, scheme: Schemes = None) -> Response:
        """Case-, accent- and plural-insensitive; words match at word starts ("CT" is not inside
        "fracture"), in any order. Ranked exact > prefix > word prefix > fuzzy. A query that matches
        no name as typed is read again: a word split in two joined ("tail bone pain"), without
        function words ("what is an MRI"), its words across the names of one concept ("MRI scan");
        those hits are `word_prefix`. Then mistyped words are corrected to the words fewest slips
        away (a letter changed, left out, added, or two swapped), the hits are `fuzzy` and
        `did_you_mean` gives the name they were found by; with no hits at all it may still offer the
        nearest name. Each concept once, with the name that matched and its type (label, exact / related / broad /
        narrow synonym, lay term, abbreviation). The curated concepts and the codes and terms of the
        loaded vocabularies (ICD-10-CM, HPO, diseases: `concept.scheme` says which) are searched
        together; `scheme` keeps some of them. `total` counts all matches; page with limit/offset."""
        return await _call(request, lambda: service.search(q, kinds=kind, limit=limit, offset=offset, schemes=scheme),
                           inline=True)

    @router.post("/concepts/batch", response_model=BatchResults, summary="Look up many concepts at once",
                 responses=examples.doc(BatchResults, lambda: service.lookup_many(["medkg:sacrum", "medkg:no-such-thing"]), 413, 422),
                 openapi_extra=_body_doc(BatchRequest, BATCH_EXAMPLE))
    async def batch(request: Request) -> Response:
        """Answers in input order; an unknown or malformed identifier gives an item with
        `found: false` and the reason, never a missing item. At most 1000 identifiers."""
        try:
            body = await json_body(request, BatchRequest, BATCH_EXAMPLE)
        except ApiFailure as failure:
            return JSONResponse(error_json(failure.body), status_code=failure.body.status)
        return await _call(request, lambda: service.lookup_many(body.ids))

    @router.post("/annotate", response_model=AnnotationResults, summary="Find the concepts a text mentions",
                 responses=examples.doc(AnnotationResults, lambda: service.annotate("sharp pain in my tailbone since lifting boxes"), 413, 422),
                 openapi_extra=_body_doc(AnnotateRequest, ANNOTATE_EXAMPLE))
    async def annotate(request: Request) -> Response:
        """Character spans (code point offsets), the label or synonym matched and its type, best
        concept first. Longest match wins unless `overlapping` is true. Case, accents and regular
        plurals are ignored, except that abbreviations must match in case."""
        try:
            body = await json_body(request, AnnotateRequest, ANNOTATE_EXAMPLE)
        except ApiFailure as failure:
            return JSONResponse(error_json(failure.body), status_code=failure.body.status)
        return await _call(request, lambda: service.annotate(body.text, kinds=body.kinds, overlapping=body.overlapping),
                           inline=len(body.text) <= INLINE_TEXT)

    @router.get("/mappings", response_model=CodeMappingResult, summary="The concept for an ICD-10-CM or HPO code, or a code HPO cross-references",
                responses=examples.doc(CodeMappingResult, lambda: service.map_code("ICD10CM:S32.10XA"), 404, 422))
    async def mappings(request: Request, code: Annotated[str, Query(min_length=1, max_length=200, description="ICD10CM:S32.10XA, S32.10XA, HP:0003419, a code IRI, or a cross-reference of an HPO term: SNOMEDCT_US:279039007, UMLS:C0024031, MSH:D010146")],
                       system: Annotated[str | None, Query(description="ICD10CM or HP (any case), for a bare code")] = None) -> Response:
        """Checks the code's syntax (Bioregistry's pattern), then walks up from the code to broader
        codes (S32.10XA -> S32.10X -> S32.10 -> S32.1, and the skos:broader links of the loaded
        vocabularies) until one is mapped. A cross-reference goes through the HPO terms that give it
        (`via`). `chain` shows the way: [SNOMEDCT_US:279039007, HP:0003419, medkg:lower-back-pain].
        `best` is null when nothing is mapped; `predicate` relates the concept to the code given
        (skos:narrowMatch: the code is narrower)."""
        if system is not None and system.strip().casefold() not in {s.casefold() for s in CODE_SYSTEMS}:
            return error_response(422, "invalid_parameter", f"unknown system {system[:80]!r}; systems are: "
                                  f"{', '.join(CODE_SYSTEMS)} (or leave it out and give a CURIE, e.g. ICD10CM:S32.10XA)")
        return await _call(request, lambda: service.map_code(code, system))

    @router.get("/phenotypes/diseases", response_model=PhenotypeResults,
                summary="Diseases with these phenotypes (HPO terms), ranked by how many they match",
                responses=examples.doc(PhenotypeResults, lambda: service.diseases_with_phenotypes(
                    ["HP:0000939", "HP:0002659"], limit=2), 404, 422))
    async def phenotype_diseases(request: Request, hpo: Annotated[list[str], Query(
            min_length=1, description=f"HPO terms (repeatable, at most {MAX_TERMS}): HP:0000939, HP_0000939, 0000939 or the IRI")],
            limit: Limit = 10, offset: Offset = 0) -> Response:
        """The diseases of the HPO annotations (OMIM, Orphanet, DECIPHER; `medkg serve --vocab
        hpo,hpo-annotations`) annotated with each term or one of its descendants (RO:0002200, has
        phenotype; NOT annotations never match), most terms matched first, then by name; each with
        the annotations that matched and their references (PubMed, OMIM, Orphanet), ECO evidence and
        frequency. An unknown term is a 404 with nearby codes; more than 20 terms a 422."""
        return await _call(request, lambda: service.diseases_with_phenotypes(hpo, limit=limit, offset=offset))

    @router.get("/mappings.sssom.tsv", summary="All mappings as an SSSOM table",
                responses={200: {"content": {"text/tab-separated-values": examples.add(service.sssom)}}})
    async def sssom() -> Response:
        """SSSOM/TSV (https://w3id.org/sssom/): metadata with curie_map as commented YAML, then one row
        per mapping with its mapping_justification."""
        return Response(await run_in_threadpool(service.sssom), media_type="text/tab-separated-values; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="medkg.sssom.tsv"'})

    @router.get("/concepts/{id:path}/ancestors", response_model=HierarchyResults, summary="Broader concepts, transitively",
                responses=examples.doc(HierarchyResults, lambda: service.ancestors(sample, limit=3), 404, 422))
    async def ancestors(request: Request, id: str, relation: HierarchyRelation = None,
                        max_depth: Annotated[int | None, Query(ge=1, le=100)] = None, kind: Kinds = None,
                        limit: Limit = 50, offset: Offset = 0) -> Response:
        """Nearest first, each concept once at its shortest depth; `total` counts them all."""
        return await _call(request, lambda: service.ancestors(id, relation=relation, max_depth=max_depth, kinds=kind,
                                                        limit=limit, offset=offset))

    @router.get("/concepts/{id:path}/descendants", response_model=HierarchyResults, summary="Narrower concepts, transitively",
                responses=examples.doc(HierarchyResults, lambda: service.descendants("medkg:fracture", limit=3), 404, 422))
    async def descendants(request: Request, id: str, relation: HierarchyRelation = None,
                          max_depth: Annotated[int | None, Query(ge=1, le=100)] = None, kind: Kinds = None,
                          limit: Limit = 50, offset: Offset = 0) -> Response:
        """Nearest first, each concept once at its shortest depth; `total` counts them all."""
        return await _call(request, lambda: service.descendants(id, relation=relation, max_depth=max_depth, kinds=kind,
                                                          limit=limit, offset=offset))

    @router.get("/concepts/{id:path}/neighbours", response_model=NeighbourResults, summary="Concepts linked by any relation",
                responses=examples.doc(NeighbourResults, lambda: service.neighbours(sample, limit=3), 404, 422))
    async def neighbours(request: Request, id: str, relation: Annotated[str | None, Query(description="Only this property, e.g. hasSymptom or mkg:hasSymptom")] = None,
                   direction: Annotated[Literal["both", "outgoing", "incoming"], Query()] = "both",
                   kind: Kinds = None, limit: Limit = 50, offset: Offset = 0) -> Response:
        """Both directions by default; `total` counts them all."""
        return await _call(request, lambda: service.neighbours(id, relation=relation, direction=direction, kinds=kind,
                                                         limit=limit, offset=offset))

    @router.get("/concepts", include_in_schema=False)
    async def no_concept_named() -> Response:  # not a redirect to /concepts/ and then a 422
        return _no_concept_named()

    @router.get("/concepts/{id:path}", response_model=Concept, summary="Everything about one concept",
                responses=examples.doc(Concept, lambda: service.lookup(sample), 404, 422))
    async def lookup(request: Request, id: str) -> Response:
        """`id` is a CURIE (medkg:sacral-fracture), a concept name (sacral-fracture) or a full IRI;
        or a code of a loaded vocabulary: ICD10CM:S32.10XA (or S32.10XA, S3210XA), HP:0002659 (or
        HP_0002659), OMIM:259770, ORPHA:2788.
        Kind, label, synonyms with their type, definition and its source, codes with their labels,
        every relation in both directions with the source and the quoted sentence behind it; for a
        code, its scheme, notation, parents and children (`narrower_total`; page with
        /descendants?max_depth=1), the curated concepts mapped to it, and what the vocabulary says
        (billable, excludes, replaced_by, a disease's phenotypes with their references).
        An unknown concept is a 404 whose body suggests concepts by name (for a code: the nearest
        codes held); a code not of its vocabulary's form (HP:123) a 422 naming the form."""
        if id == "batch":  # POST /api/concepts/batch: a GET there is the wrong method, not a concept
            response = error_response(405, "method_not_allowed", "GET is not allowed on /api/concepts/batch: "
                                      "POST a JSON body {\"ids\": [...]}, or GET /api/concepts/{id} for one concept")
            response.headers["Allow"] = "POST"
            return response
        if not id:
            return _no_concept_named()
        cached = service.cached_lookup_json(id)  # the hot path: answered on the event loop
        if cached is not None:
            return _answer(request, cached)
        return await _call(request, lambda: service.lookup_json(id))

    return router
