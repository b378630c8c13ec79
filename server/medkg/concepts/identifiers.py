"""Turning what a caller typed (an IRI, a CURIE, a bare concept name) into a concept IRI.

Input is checked here, before anything is looked up: an identifier that is not a plain IRI or a
CURIE with a known prefix is refused (the web layer answers 422), one that is well formed but
names no concept is "not found" (404, with suggestions).
"""

from __future__ import annotations

import re
from functools import cache

from medkg.concepts.models import ConceptRef
from medkg.graph.namespaces import CONCEPT, converter
from medkg.sparql.client import is_iri

# The prefixes of the reference vocabularies' codes -> (Bioregistry prefix, an example).
CODE_SYSTEMS: dict[str, tuple[str, str]] = {
    "ICD10CM": ("icd10cm", "ICD10CM:S32.10XA"),
    "HP": ("hp", "HP:0002659"),
    "OMIM": ("omim", "OMIM:259770"),
    "ORPHA": ("orphanet", "ORPHA:2788"),
    "DECIPHER": ("decipher", "DECIPHER:1"),
}

MAX_IDENTIFIER = 2048
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~\-]*$")


class InvalidIdentifier(ValueError):
    """An identifier that cannot be an IRI or a CURIE. The message says why."""


class NotFound(LookupError):
    """A well-formed identifier that names nothing in the graph, with concepts it may have meant."""

    def __init__(self, message: str, identifier: str, suggestions: list[ConceptRef] | None = None) -> None:
        super().__init__(message)
        self.identifier = identifier
        self.suggestions = suggestions or []


def to_iri(identifier: str, base: str) -> str:
    """The IRI an identifier stands for: an absolute IRI, a CURIE (medkg:sacrum) or a bare name (sacrum).

    Raises InvalidIdentifier when it is none of these.
    """
    text = identifier.strip()
    if not text:
        raise InvalidIdentifier("the identifier is empty; give an IRI, a CURIE (medkg:sacrum) or a concept name")
    if len(text) > MAX_IDENTIFIER:
        raise InvalidIdentifier(f"the identifier is {len(text)} characters long; at most {MAX_IDENTIFIER} are allowed")
    if any(ord(c) < 0x20 or c in "<>\"{}|^`\\ " for c in text):
        raise InvalidIdentifier("the identifier contains a space, a control character or one of <>\"{}|^`\\")
    if _SLUG.match(text):
        return base + CONCEPT + text
    if "://" in text or text.lower().startswith("urn:"):
        if not is_iri(text):
            raise InvalidIdentifier(f"{text[:80]!r} is not a valid absolute IRI")
        return text
    prefix, sep, _ = text.partition(":")
    if sep:
        expanded = converter(base).expand(text)
        if expanded is None or not is_iri(expanded):
            known = ", ".join(sorted(converter(base).prefix_map))
            raise InvalidIdentifier(f"unknown prefix {prefix!r} in {text[:80]!r}; known prefixes: {known}")
        return expanded
    raise InvalidIdentifier(f"{text[:80]!r} is neither an IRI, a CURIE nor a concept name")


@cache
def code_pattern(prefix: str) -> re.Pattern[str]:
    """The regular expression Bioregistry gives for the local identifiers of one of CODE_SYSTEMS."""
    import bioregistry  # slow to import (its registry is large): only when a code is first checked

    pattern = bioregistry.get_pattern(CODE_SYSTEMS[prefix][0])
    if not pattern:
        raise RuntimeError(f"Bioregistry has no pattern for {CODE_SYSTEMS[prefix][0]}")
    return re.compile(pattern)


def check_code(concept: str, base: str) -> None:
    """Raises InvalidIdentifier when ``concept`` is the IRI of a code of CODE_SYSTEMS whose local
    identifier does not have the form Bioregistry gives for it (ICD10CM:S32.1XYZ!, HP:123)."""
    parsed = converter(base).parse_uri(concept)
    if not parsed or parsed[0] not in CODE_SYSTEMS:
        return
    prefix, local = parsed[0], parsed[1]
    if prefix == "ICD10CM" and re.fullmatch(r"\d{1,2}", local):  # a chapter's number has no code of its own
        return
    if not code_pattern(prefix).fullmatch(local):
        raise InvalidIdentifier(f"{local[:80]!r} is not a valid {prefix} code: expected the form of "
                                f"{CODE_SYSTEMS[prefix][1]} (Bioregistry pattern {code_pattern(prefix).pattern})")
