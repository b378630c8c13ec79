"""Where a node is written: the file and line of its first statement, for a curator to jump to.

RDF parsers keep no positions, so the files are read again as text: a node's statement is the
first line that starts with one of its spellings, its full <IRI> or a prefixed name of a prefix
the file declares (the layout of data/ and of `medkg export`: each subject starts its line), else
(for a few nodes) the first line that names it at all. Blank nodes have no spelling to look for.
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
        try:
            if Path(path).stat().st_size > max_bytes:
                continue
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        prefixes = {p or "": ns for line in lines[:_PREFIX_LINES] for p, ns in _PREFIX.findall(line)}
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
