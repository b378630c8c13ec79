"""Who is asking: a browser, by its Accept header (RFC 9110, 12.5.1)."""

from __future__ import annotations

from medkg.sparql import formats

_HTML = ("text/html", "application/xhtml+xml")


def prefers_html(accept: bytes | None) -> bool:
    """Whether an Accept header ranks HTML above every RDF format the service description comes in
    (RFC 9110, 12.5.1): a browser's does (text/html first, */* lower); curl's */* and a client
    naming an RDF type do not. At equal q, the range listed first wins."""
    if not accept:
        return False
    rdf = {media for fmt in formats.GRAPH_FORMATS for media in (fmt.media_type, *fmt.aliases)}
    best_html = best_rdf = (0.0, 0)
    for media, q, position in formats.parse_accept(accept.decode("latin-1")):
        key = (q, -position)
        if media in _HTML:
            best_html = max(best_html, key)
        elif media in rdf:
            best_rdf = max(best_rdf, key)
    return best_html[0] > 0 and best_html > best_rdf
