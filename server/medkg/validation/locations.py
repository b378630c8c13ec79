"""Where a node is written: the file and line of its first statement, for a curator to jump to.

RDF parsers keep no positions, so the files are read again as text: a node's statement is the
first line that starts with one of its spellings, its full <IRI> or a prefixed name of a prefix
the file declares (the layout of data/ and of `medkg export`: each subject starts its line), else
(for a few nodes) the first line that names it at all. Blank nodes have no spelling to look for,
but an owl:Axiom is found by the triple it annotates: the statement that names its source, property
and target (``locate_axioms``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_LOCAL_END = re.compile(r"[\s;,.)\]]|$")  # what may follow a prefixed name: a prefix of a longer name is not it

Location = tuple[str, int]


def locate(iris: Iterable[str], files: Sequence[Path | str], max_bytes: int = 64 * 1024 * 1024) -> dict[str, Location]:
    """IRI -> (file, 1-based line) for the IRIs found in ``files`` (files over ``max_bytes``, and
    unreadable ones, are skipped: a location is a help, not a must)."""
    wanted = set(iris)
    found: dict[str, Location] = {}
    for path in files:
        if not wanted - found.keys():
            break
        lines, prefixes = _read(path, max_bytes)
        spellings = dict(_spellings(wanted - found.keys(), prefixes))
        # One pass: the first word of each line, looked up (a node is the subject of its lines).
        for number, line in enumerate(lines, start=1):
            words = line.split(None, 1)
            iri = spellings.get(words[0]) if words else None
            if iri is not None and iri not in found:
                found[iri] = (str(path), number)
        # A node that is no subject here (e.g. only linked to): the first line naming it, for a few.
        rest = [(s, iri) for s, iri in spellings.items() if iri not in found][:_SEARCH_MAX]
        for number, line in enumerate(lines, start=1):
            if not rest:
                break
            for spelling, iri in rest:
                at = line.find(spelling)
                while at >= 0 and not spelling.endswith(">") and not _LOCAL_END.match(line, at + len(spelling)):
                    at = line.find(spelling, at + 1)
                if at >= 0 and iri not in found:
                    found[iri] = (str(path), number)
            rest = [(s, iri) for s, iri in rest if iri not in found]
    return found


# An owl:Axiom's annotated triple: source IRI, property IRI, and target (an IRI, or a literal's
# lexical form in double quotes); None for a part the axiom does not name.
Axiom = tuple[str | None, str | None, str | None]
_ANNOTATED = re.compile(r'owl:annotated(Source|Property|Target)\s+(<[^>]*>|"(?:[^"\\]|\\.)*"|[^\s;,]+)')
_STATEMENT_LINES = 5  # an axiom's statement spans one to three lines in data/; a bound, not a rule


def locate_axioms(axioms: dict[str, Axiom], files: Sequence[Path | str],
                  max_bytes: int = 64 * 1024 * 1024) -> dict[str, Location]:
    """Key -> (file, 1-based line) of the statement of each axiom: the line naming its
    owl:annotatedSource, in a statement (up to its final ".") that names the same property and
    target (and not the part an incomplete axiom lacks). Written with the owl: prefix, as data/ and
    `medkg export` write axioms."""
    found: dict[str, Location] = {}
    for path in files:
        if len(found) == len(axioms):
            break
        lines, prefixes = _read(path, max_bytes)
        wanted = {_written(triple, prefixes): key for key, triple in axioms.items() if key not in found}
        for number, line in enumerate(lines, start=1):
            if "owl:annotatedSource" not in line:
                continue
            statement = ""
            for more in lines[number - 1:number - 1 + _STATEMENT_LINES]:
                statement += " " + more
                if more.rstrip().endswith("."):
                    break
            parts = dict(_ANNOTATED.findall(statement))
            for spelled, key in wanted.items():
                if key not in found and all(parts.get(role) in options if options is not None else role not in parts
                                            for role, options in zip(("Source", "Property", "Target"), spelled)):
                    found[key] = (str(path), number)
    return found


def _written(triple: Axiom, prefixes: dict[str, str]) -> tuple[frozenset[str] | None, ...]:
    """The ways each part of an axiom's triple may be written in a file with these prefixes (None:
    a part it lacks, which its statement must not name)."""
    return tuple(None if term is None else frozenset([term]) if term.startswith('"')
                 else frozenset(s for s, _ in _spellings([term], prefixes)) for term in triple)


def _read(path: Path | str, max_bytes: int) -> tuple[list[str], dict[str, str]]:
    """A file's lines and the prefixes it declares; nothing for a file too big or unreadable (a
    location is a help, not a must)."""
    try:
        if Path(path).stat().st_size > max_bytes:
            return [], {}
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return [], {}
    return lines, {p or "": ns for line in lines[:_PREFIX_LINES] for p, ns in _PREFIX.findall(line)}


_PREFIX_LINES = 10_000  # prefixes are declared at the top
_SEARCH_MAX = 50  # spellings searched for anywhere in a line (the slow way)


def _spellings(iris: Iterable[str], prefixes: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for iri in iris:
        out.append((f"<{iri}>", iri))
        for prefix, namespace in prefixes.items():
            if namespace and iri.startswith(namespace) and len(iri) > len(namespace):
                out.append((f"{prefix}:{iri[len(namespace):]}", iri))
    return out
