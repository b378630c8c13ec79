"""The SHACL check of a built vocabulary: shapes/vocabularies.ttl, shapes/codes.ttl and shapes/axioms.ttl,
run by medkg's own validation engine (constraints compiled to SPARQL over an in-memory Oxigraph store
of the built quads)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from medkg.graph import resources
from medkg.validation import load_shapes, validate_store

SHAPES_FILES = ("prefixes.ttl", "axioms.ttl", "codes.ttl", "vocabularies.ttl")
_SHOWN = 10  # violations quoted in the error message


class VocabularyInvalid(ValueError):
    """A built vocabulary that violates its shapes; the message lists the first violations."""


def check_file(name: str, path: Path) -> int:
    """Validates an N-Quads file (one vocabulary) against the vocabulary shapes; the number of
    triples checked, or VocabularyInvalid naming the count and the first violations."""
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    return check_store(name, store)


def check_store(name: str, store: ox.Store) -> int:
    """Validates what ``store`` holds against the vocabulary shapes (see check_file)."""
    shapes = load_shapes([resources.shapes_dir() / f for f in SHAPES_FILES])
    report = validate_store(store, shapes=shapes)
    violations = report.violations
    if violations:
        shown = "; ".join(f"{r.focus_node}: {r.message}" + (f" ({r.value})" if r.value is not None else "")
                          for r in violations[:_SHOWN])
        raise VocabularyInvalid(f"the {name} vocabulary violates its shapes ({len(violations)} violations): {shown}")
    return report.triples
