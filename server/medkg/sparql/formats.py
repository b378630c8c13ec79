"""Result formats of the SPARQL endpoint and content negotiation between them.

Core module (no web imports): the query workers pick the format once they know the query form.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One way to write a result: its media type, the engine's format and the W3C format IRI."""

    name: str
    media_type: str
    engine: ox.QueryResultsFormat | ox.RdfFormat
    iri: str
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.media_type.endswith(("+json", "+xml", "/json"))
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


_W3C = "http://www.w3.org/ns/formats/"

# First of each list is the default, for a missing Accept header or */*.
RESULTS_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON,
           _W3C + "SPARQL_Results_JSON", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML,
           _W3C + "SPARQL_Results_XML", ("application/xml", "text/xml")),
    Format("csv", "text/csv", ox.QueryResultsFormat.CSV, _W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, _W3C + "SPARQL_Results_TSV"),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ox.RdfFormat.TURTLE, _W3C + "Turtle", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES, _W3C + "N-Triples"),
    Format("rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, _W3C + "RDF_XML"),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, _W3C + "JSON-LD"),
    # A graph result is a dataset with only a default graph, so the dataset syntaxes apply too.
    Format("nquads", "application/n-quads", ox.RdfFormat.N_QUADS, _W3C + "N-Quads"),
    Format("trig", "application/trig", ox.RdfFormat.TRIG, _W3C + "TriG"),
)


def formats_for(kind: str) -> tuple[Format, ...]:
    """The formats for a result kind: 'solutions' and 'boolean' (SELECT, ASK) or 'graph'."""
    return GRAPH_FORMATS if kind == "graph" else RESULTS_FORMATS


def by_name(name: str, kind: str) -> Format | None:
    """A format by its short name (json, xml, csv, tsv, turtle, ntriples, ...) for a result kind."""
    return next((f for f in formats_for(kind) if f.name == name), None)


def parse_accept(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each range of an Accept header; malformed ranges are skipped."""
    ranges: list[tuple[str, float, int]] = []
    for position, part in enumerate(header.split(",")):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def negotiate(accept: str | None, candidates: tuple[Format, ...]) -> Format | None:
    """The best candidate for an Accept header (RFC 9110 section 12.5.1), None when none is acceptable.

    No header, or an empty one, accepts anything (the first candidate). Exact types beat type/* which
    beats */*; among equal q the client's order wins, then ours.
    """
    if not accept or not accept.strip():
        return candidates[0]
    best: tuple[float, int, int, int] | None = None
    chosen: Format | None = None
    ranges = parse_accept(accept)
    for rank, fmt in enumerate(candidates):
        types = (fmt.media_type, *fmt.aliases)
        match: tuple[int, float, int] | None = None  # (specificity, q, position)
        for media, q, position in ranges:
            if media in types:
                specificity = 3
            elif media.endswith("/*") and fmt.media_type.startswith(media[:-1]):  # not via aliases
                specificity = 2
            elif media == "*/*":
                specificity = 1
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, q, position)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -match[2], -rank)
        if best is None or key > best:
            best, chosen = key, fmt
    return chosen


def offered(kind: str) -> str:
    """The media types offered for a result kind, for error messages."""
    return ", ".join(f.media_type for f in formats_for(kind))
