"""Reading the text of a SHACL-SPARQL constraint's SELECT (SHACL 1.0, section 5): what the compiler
needs to know of it without a full parse."""

from __future__ import annotations

import re

from rdflib.namespace import RDF

# A triple pattern opening a group (after blanks and comments): $this, then a variable, an IRI, a
# prefixed name or "a" followed by a blank (so not a path, which goes on with / | ^ * + or ?).
_LEAD = re.compile(r"(?:\s|#[^\n]*)*[?$]this\s+([?$]\w+|<[^>\s]*>|[A-Za-z][\w.-]*:[\w-]*|a)\s")


def lead_predicate(select: str, namespaces: dict[str, str]) -> str | None:
    """The predicate IRI ("" for a variable) of the triple pattern that opens the WHERE group of
    ``select`` when its subject is $this, so that every solution binds ?this; None when the group
    opens with anything else, or the predicate is a property path or an undeclared prefix.
    ``namespaces``: the constraint's sh:prefixes, prefix -> namespace IRI."""
    match = _LEAD.match(select, select.find("{") + 1) if "{" in select else None
    if match is None:
        return None
    predicate = match.group(1)
    if predicate[0] in "?$":
        return ""
    if predicate == "a":
        return str(RDF.type)
    if predicate.startswith("<"):
        return predicate[1:-1]
    prefix, _, local = predicate.partition(":")
    return namespaces[prefix] + local if prefix in namespaces else None


# What may follow a SELECT's WHERE group and stay outside a subquery: solution modifiers without
# braces (a HAVING may hold EXISTS { }; SHACL-SPARQL forbids a trailing VALUES).
_MODIFIERS = re.compile(r"(?:\s+|#[^\n]*|(?:GROUP|ORDER)\s+BY\b[^{}#]*?|(?:LIMIT|OFFSET)\s+\d+)*", re.IGNORECASE)
_IRIS_AND_STRINGS = re.compile(r"""<[^<>"{}|^`\\\s]*>|"[^"\n]*"|'[^'\n]*'""")


def focus_tested_last(select: str, focus: str) -> str | None:
    """``select`` with its WHERE group run first, as a subquery, and each of its solutions then
    tested for a ?this among ``focus`` (a group pattern binding ?this): FILTER EXISTS { focus }.

    The subquery keeps Oxigraph from testing the focus before the group's own filters (it did so
    wherever the FILTER EXISTS was written: the web IRIs check took 7.1 s, not 2.5 s, at 3.8M
    quads). None when the group's end cannot be told without a parser: text after its last brace
    other than GROUP BY, ORDER BY, LIMIT and OFFSET, or a comment on that brace's line."""
    start, end = select.find("{"), select.rfind("}")
    if start < 0 or end < start or _MODIFIERS.fullmatch(select, end + 1) is None:
        return None
    if "#" in _IRIS_AND_STRINGS.sub("", select[select.rfind("\n", 0, end) + 1 : end]):
        return None  # that brace may be inside a comment
    body = select[start + 1 : end]
    return f"{select[: start + 1]} {{ SELECT * WHERE {{ {body} }} }} FILTER EXISTS {{ {focus} }} {select[end:]}"
