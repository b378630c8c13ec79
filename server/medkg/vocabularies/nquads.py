"""N-Triples / N-Quads terms written as text, fast: the vocabulary builders emit lines, not objects.

Follows RDF 1.1 N-Triples (https://www.w3.org/TR/n-triples/), section 4 "Canonical N-Triples":
a literal escapes only U+0022 ("), U+005C (\\), U+000A and U+000D with ECHAR; everything else is
written as itself (UTF-8). IRIs are checked against the IRIREF production (no space, <, >, ", {, },
|, ^, `, \\ and no control character), so that a bad IRI fails the build instead of the parser
of whoever loads the file.
"""

from __future__ import annotations

import hashlib
import re

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"

_ESCAPES = str.maketrans({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"})
_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class BadTerm(ValueError):
    """A value that cannot be written as the RDF term asked for."""


def iri(value: str) -> str:
    """``<value>``; BadTerm when ``value`` holds a character IRIREF forbids."""
    if _NOT_IN_IRIREF.search(value) or ":" not in value:
        raise BadTerm(f"not an absolute IRI: {value!r}")
    return f"<{value}>"


def literal(value: str, *, datatype: str | None = None, language: str | None = None) -> str:
    """A literal: a plain (xsd:string) literal by default, typed with ``datatype`` (an IRI), or
    language-tagged with ``language`` (BCP 47)."""
    text = '"' + value.translate(_ESCAPES) + '"'
    if language:
        return f"{text}@{language}"
    if datatype and datatype != XSD + "string":
        return f"{text}^^{iri(datatype)}"
    return text


def boolean(value: bool) -> str:
    """An xsd:boolean literal, in its canonical form (true / false)."""
    return literal("true" if value else "false", datatype=XSD + "boolean")


def integer(value: int) -> str:
    """An xsd:integer literal."""
    return literal(str(value), datatype=XSD + "integer")


def blank(*key: str) -> str:
    """A blank node whose label is a hash of ``key``: the same input gives the same label, so a
    rebuild gives the same bytes. Distinct keys give distinct labels (sha256, 20 hex digits)."""
    return "_:b" + hashlib.sha256("\0".join(key).encode()).hexdigest()[:20]


def quad(s: str, p: str, o: str, g: str) -> str:
    """One N-Quads line (with its newline) from written terms."""
    return f"{s} {p} {o} {g} .\n"
