"""Where a SPARQL server's answers depart from the W3C formats, mended to the standard form.

Virtuoso 7 is the server that needs it (README, "Virtuoso 7's departures from the standards"):
``standard_results`` for SPARQL 1.1 Query Results JSON, ``standard_triples`` for N-Triples. Answers
already standard pass through unchanged, so these are safe on any server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
_ASK_COLUMN = "__ASK_RETVAL"


def _duration(text: str) -> str | None:
    """The canonical xsd:duration (XSD 1.1 part 2, 3.3.6.2) of Virtuoso's seconds ("1800.0"), else None."""
    try:
        seconds = float(text)
    except ValueError:
        return None  # a real lexical form (P1Y2M...): kept as it is
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    time_part = "".join(f"{int(v)}{unit}" for v, unit in ((hours, "H"), (minutes, "M")) if v)
    if rest:
        time_part += f"{rest:.6f}".rstrip("0").rstrip(".") + "S"
    text = sign + "P" + (f"{int(days)}D" if days else "") + (f"T{time_part}" if time_part else "")
    return text if text.removeprefix("-") != "P" else "PT0S"


def standard_triples(triples: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """Triples as written: Virtuoso 7 keeps an xsd:duration as its seconds and answers "1800.0"."""
    mended: list[ox.Triple] = []
    for item in triples:
        triple = item.triple if isinstance(item, ox.Quad) else item
        value = triple.object
        if isinstance(value, ox.Literal) and value.datatype.value == _XSD_DURATION:
            lexical = _duration(value.value)
            if lexical is not None:
                triple = ox.Triple(triple.subject, triple.predicate, ox.Literal(lexical, datatype=value.datatype))
        mended.append(triple)
    return mended


def standard_results(data: Any, ask: bool) -> dict[str, Any]:
    """SPARQL 1.1 Query Results JSON (section 3), from what a server sent; ValueError if it is not that.

    Mends Virtuoso 7's departures: an ASK answered as a one-column SELECT (``__ASK_RETVAL``: one
    row ``1`` for true, no row for false), blank nodes as ``nodeID://b1`` (not a valid label), and
    the 2008 draft's ``typed-literal`` (xsd:string written out, where RDF 1.1 makes it the plain
    literal), and an xsd:duration kept as its seconds (see ``standard_triples``).
    """
    if not isinstance(data, dict) or ("boolean" not in data and "results" not in data):
        raise ValueError("neither a boolean nor results")
    bindings = data.get("results", {}).get("bindings")
    if ask and "boolean" not in data and data.get("head", {}).get("vars") == [_ASK_COLUMN]:
        rows = [row.get(_ASK_COLUMN, {}).get("value") for row in bindings or ()]
        return {"head": {}, "boolean": any(value not in ("0", "false") for value in rows)}
    if not isinstance(bindings, list):
        return data
    for row in bindings:
        for term in row.values():
            kind = term.get("type")
            if kind == "bnode":
                term["value"] = re.sub(r"[^A-Za-z0-9_]", "_", term["value"].removeprefix("nodeID://"))
            elif kind == "typed-literal":
                term["type"] = "literal"
                if term.get("datatype") == _XSD_STRING:
                    del term["datatype"]
            elif kind == "literal" and term.get("datatype") == _XSD_STRING:
                del term["datatype"]
            if term.get("datatype") == _XSD_DURATION:
                term["value"] = _duration(term["value"]) or term["value"]
    return data
