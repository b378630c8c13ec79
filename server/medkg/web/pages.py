"""Linked Data pages: a GET on the path of any IRI the project mints answers with that resource.

The path is the IRI less the base: with the default base, https://w3id.org/medkg/concept/sacrum is
served at /concept/sacrum. Browsers get an HTML page (server-rendered, every value escaped by
Jinja2's autoescape); programs get Turtle, JSON-LD, N-Triples or RDF/XML by content negotiation, or
with ?format=turtle|jsonld|ntriples|rdfxml; anything else is a 406. Also here: the home page (/),
the search page (/search) and the query page (/query), which runs SPARQL against /sparql.
"""

from __future__ import annotations

import weakref
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from medkg.concepts import ConceptService, InvalidQuery
from medkg.concepts.models import Concept, ConceptRef
from medkg.graph.namespaces import (
    CONCEPT,
    DEFAULT_BASE,
    GRAPH,
    ONTOLOGY,
    SOURCE,
    converter,
    prefixes,
)
from medkg.graph.resources import competency_title, queries_dir
from medkg.sparql.client import is_iri, prologue, select
from medkg.sparql.formats import parse_accept
from medkg.web import pictures, wording
from medkg.web.mount import route_path
from medkg.web.pictures import Edge, KindLink
from medkg.web.tree import hierarchy_tree

DISCLAIMER = ("This graph informs; it is not medical advice. It does not replace the advice of a "
              "physician, and nothing in it is a recommendation for a specific treatment.")
# (name for ?format=, media type, engine format); HTML first: the default for browsers and */*.
OFFERS: tuple[tuple[str, str, ox.RdfFormat | None], ...] = (
    ("html", "text/html", None),
    ("turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
)
YASGUI = "yasgui/4.6.2"  # the vendored query editor, static/yasgui/<version>/ (README there)


def competency_examples(base: str) -> list[dict[str, str]]:
    """The competency questions (queries/competency/*.rq) as the query page's ready examples, in
    file order: {"title": the file's leading comment, "text": the query, its IRIs under ``base``}."""
    examples = []
    for path in sorted((queries_dir() / "competency").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        examples.append({"title": competency_title(path), "text": text.replace(DEFAULT_BASE, base)})
    return examples


def choose(accept: str | None, forced: str | None = None) -> tuple[str, str, ox.RdfFormat | None] | None:
    """The offer for an Accept header (or a ?format= name); None when nothing offered is acceptable."""
    if forced:
        return next((o for o in OFFERS if o[0] == forced), None)
    if not accept or not accept.strip():
        return OFFERS[0]
    best: tuple[float, int, int, int] | None = None
    chosen = None
    ranges = parse_accept(accept)
    for rank, offer in enumerate(OFFERS):
        media = offer[1]
        for pattern, q, position in ranges:
            specificity = 3 if pattern == media else 2 if pattern == media.split("/")[0] + "/*" else 1 if pattern == "*/*" else 0
            if specificity and q > 0:
                key = (q, specificity, -position, -rank)
                if best is None or key > best:
                    best, chosen = key, offer
    return chosen


def wants_html(request: Request) -> bool:
    """Whether the client (a browser) takes HTML first, whatever ?format= asks for."""
    return choose(request.headers.get("accept")) == OFFERS[0]


def page_offset(text: str) -> tuple[int, str | None]:
    """A page's ?offset=: (the number, None), or (0, why it is not one) for the page to show."""
    if not text:
        return 0, None
    if not text.strip().isdigit():
        return 0, f"offset={text[:40]!r} is not a whole number of results to skip (0, 20, 40, ...)"
    return int(text), None


class Pages:
    """Renders the pages of one service."""

    def __init__(self, service: ConceptService) -> None:
        self.service = service
        self.env = Environment(loader=PackageLoader("medkg.web", "templates"),
                               autoescape=select_autoescape(["html"], default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(match_words=wording.match_words, justification_words=wording.justification_words,
                                synonym_type_words=wording.synonym_type_words)
        self.env.globals["relation_words"] = wording.relation_words
        dataset = service.describe(service.base)
        values = {p.value.rsplit("/", 1)[-1]: o.value for p, o in (dataset.statements if dataset else [])}
        self.title = values.get("title", "medkg: a medical knowledge graph")
        self.description = values.get("description", "")
        self.disclaimer = values.get("rights", DISCLAIMER)
        self.examples = competency_examples(service.base)  # the query page's ready examples
        self._kinds_picture: tuple[Any, list[tuple[str, str, int]], list[KindLink]] = (None, [], [])

    def href(self, request: Request, iri: str) -> str | None:
        """A link for an IRI: a local path for what we mint, the IRI itself for other web IRIs.

        Anything but http(s) gets no link, so a hostile IRI (javascript:...) never becomes one.
        """
        root = str(request.scope.get("root_path", ""))
        base = self.service.base
        if iri.startswith(base):
            return root + "/" + iri[len(base):]
        return iri if iri.startswith(("http://", "https://")) and is_iri(iri) else None

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        html = self.env.get_template(template).render(
            root=root, base=self.service.base, href=lambda iri: self.href(request, iri), disclaimer=self.disclaimer,
            expand=lambda curie: converter(self.service.base).expand(curie) or curie, **context)
        return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})

    def query_context(self, request: Request) -> dict[str, Any]:
        """What query.html needs: the ready examples and the editor's configuration (endpoint under
        the root path, prefixes)."""
        root = str(request.scope.get("root_path", ""))
        config = {"endpoint": root + "/sparql", "root": root, "base": self.service.base,
                  "prefixes": prefixes(self.service.base), "examples": self.examples}
        return {"examples": self.examples, "config": config, "yasgui": YASGUI}

    def query_page(self, scope: Any) -> bytes:
        """The query page's HTML for an ASGI request scope (what a browser gets on GET /sparql)."""
        request = Request(scope)
        return bytes(self.render(request, "query.html", **self.query_context(request)).body)

    def resource(self, request: Request, local: str) -> Response:
        """The page or the RDF of the resource at base + ``local``."""
        service = self.service
        offer = choose(request.headers.get("accept"), request.query_params.get("format"))
        if offer is None and wants_html(request):  # a browser's unknown ?format=: a page saying so
            return self.render(request, "error.html", status=406, heading="Not acceptable",
                               message=f"format={request.query_params.get('format', '')!r} is not one of "
                                       + ", ".join(o[0] for o in OFFERS) + "; leave it out for this page")
        if offer is None:
            return PlainTextResponse(
                "406 Not Acceptable: this resource is available as " + ", ".join(o[1] for o in OFFERS) + "\n",
                status_code=406, headers={"Vary": "Accept"})
        target = service.base + local
        if not is_iri(target):
            return self._missing(request, offer, target, local)
        if offer[2] is not None:
            triples = service.resource_triples(target)
            if not triples:
                return self._missing(request, offer, target, local)
            from medkg.concepts.describe import serialize_triples
            from medkg.sparql.writers import Unwritable

            try:
                data = serialize_triples(triples, offer[2], service.base)
            except Unwritable as error:
                others = ", ".join(o[1] for o in OFFERS if o[2] not in (None, ox.RdfFormat.RDF_XML))
                return PlainTextResponse(f"406 Not Acceptable: {error.reason}; this resource is available as {others}\n",
                                         status_code=406, headers={"Vary": "Accept"})
            return Response(data, media_type=offer[1], headers={"Vary": "Accept"})
        if target in service.index.concepts:
            concept = service.lookup(target)
            return self.render(request, "concept.html", c=concept, kind_iri=service.index.kind_of[target],
                               picture=self._neighbourhood(request, concept),
                               tree=hierarchy_tree(service.index, target))
        described = service.describe(target)
        if described is None:
            return self._missing(request, offer, target, local)
        return self.render(request, "resource.html", r=described)

    def kinds_picture(self, request: Request) -> Markup:
        """The home page's map of the kinds of concept and the relations between them (cached per
        index snapshot: the counts change only with the graph)."""
        index = self.service.index
        if self._kinds_picture[0] is not index:
            kinds = self.service.kind_counts()
            iris = {self.service.index.curie(k) or k: k for k in index.kind_of.values()}
            ns = self.service.base + ONTOLOGY
            rows = select(self.service.run, prologue(self.service.base) + f"""
                SELECT ?k1 ?p ?k2 (COUNT(*) AS ?n) WHERE {{
                  ?s ?p ?o . FILTER(STRSTARTS(STR(?p), "{ns}")) ?s a ?k1 . ?o a ?k2 .
                  FILTER(STRSTARTS(STR(?k1), "{ns}") && STRSTARTS(STR(?k2), "{ns}")) }} GROUP BY ?k1 ?p ?k2""")
            links = [KindLink(row["k1"].value, row["k2"].value,
                              wording.relation_words(index.curie(row["p"].value) or row["p"].value,
                                                     index.labels.get(row["p"].value), "outgoing"),
                              int(row["n"].value)) for row in rows]
            spots = [(iris.get(curie, curie), label, count) for curie, label, count in kinds]
            self._kinds_picture = (index, spots, links)
        _, spots, links = self._kinds_picture
        return pictures.kinds_map(spots, links, lambda kind: self.href(request, kind) or "#")

    def _neighbourhood(self, request: Request, concept: Concept) -> Markup:
        """The concept's picture: its relations and its broader and narrower concepts, one node
        per neighbour and direction, its phrases joined."""
        grouped: dict[tuple[str, str], tuple[ConceptRef, list[str]]] = {}
        facts = [(r.direction, r.property, r.property_label, r.concept) for r in concept.relations]
        facts += [("outgoing", "skos:broader", None, b) for b in concept.broader]
        facts += [("incoming", "skos:broader", None, n) for n in concept.narrower]
        for direction, prop, label, other in facts:
            phrase = wording.relation_words(prop, label, direction)
            phrases = grouped.setdefault((direction, other.iri), (other, []))[1]
            if phrase not in phrases:
                phrases.append(phrase)
        edges = [Edge(direction, tuple(phrases), other.label, other.kind_label or other.kind, self.href(request, other.iri))
                 for (direction, _), (other, phrases) in grouped.items()]
        return pictures.neighbourhood(concept.label, concept.kind_label or concept.kind, edges)

    def _missing(self, request: Request, offer: tuple[str, str, Any], target: str, local: str) -> Response:
        if offer[0] != "html":
            return PlainTextResponse(f"404 Not Found: nothing in the graph at {target}\n", status_code=404)
        suggestions = self.service.suggestions(local.rsplit("/", 1)[-1]) if local else []
        return self.render(request, "not_found.html", status=404, iri=target, suggestions=suggestions)


# The renderer of each service's pages, for the paths no route names (see ``described``).
_RENDERERS: weakref.WeakKeyDictionary[ConceptService, Pages] = weakref.WeakKeyDictionary()


def described(request: Request, service: ConceptService) -> Response | None:
    """The answer for a GET on a path no route names (/vocab/icd10cm/chapter/19, or any other
    path of an IRI under the base) when the graph describes base + that path; else None.

    The named routes cover the parts the curated graph mints (/concept/, /ontology/, ...); the
    vocabularies and any other graph served mint IRIs under the base too, and each must answer
    at its path as the contract says.
    """
    pages = _RENDERERS.get(service)
    local = route_path(request.scope).lstrip("/")
    if pages is None or not local or not is_iri(service.base + local):
        return None
    if not service.resource_triples(service.base + local):
        return None
    return pages.resource(request, local)


def build_router(service: ConceptService, pages: Pages | None = None) -> APIRouter:
    """The pages over ``service`` (rendered by ``pages``): /, /search, /query and the path of every minted IRI."""
    pages = pages or Pages(service)
    _RENDERERS[service] = pages
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> Response:
        offer = choose(request.headers.get("accept"), request.query_params.get("format"))
        if offer is None or offer[0] != "html":
            return pages.resource(request, "")  # the dataset's own description (VoID, DCAT), or the 406
        refs = service.index.concepts
        examples = [refs[i] for i in (service.base + CONCEPT + n for n in ("sacral-fracture", "sacrum", "sacroplasty"))
                    if i in refs] or list(refs.values())[:3]
        return pages.render(request, "home.html", title=pages.title, description=pages.description,
                            kinds=service.kind_counts(), examples=examples, picture=pages.kinds_picture(request))

    @router.get("/search")
    def search(request: Request, q: str = "", kind: str = "", offset: str = "") -> Response:
        # Every parameter a string, checked here: a wrong one is said on the page, not in JSON.
        start, error = page_offset(offset)
        results = None
        if q and error is None:
            try:
                results = service.search(q, kinds=[kind] if kind else None, limit=20, offset=start)
            except InvalidQuery as invalid:
                error = str(invalid)
        return pages.render(request, "search.html", status=422 if error else 200, q=q, kind=kind,
                            kinds=service.kind_counts(), results=results, error=error)

    @router.get("/query")
    def query(request: Request) -> Response:
        return pages.render(request, "query.html", **pages.query_context(request))  # also GET /sparql from a browser

    for part in (CONCEPT, ONTOLOGY, SOURCE, GRAPH):
        router.add_api_route(f"/{part}{{name}}", _resource_route(pages, part), methods=["GET"])
    router.add_api_route(f"/{ONTOLOGY.rstrip('/')}", _resource_route(pages, ONTOLOGY.rstrip("/"), whole=True),
                         methods=["GET"])
    return router


def _resource_route(pages: Pages, part: str, whole: bool = False) -> Any:
    if whole:
        def whole_resource(request: Request) -> Response:
            return pages.resource(request, part)

        return whole_resource

    def resource(request: Request, name: str) -> Response:
        return pages.resource(request, part + name)

    return resource
