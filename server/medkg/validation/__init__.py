"""Validation: the graph checked against the SHACL shapes of shapes/, with reports a curator can act on.

Public entry points: ``validate_graph`` (files or the packaged graph, as `medkg validate` runs it),
its two halves ``load_graph_to_validate`` and ``validate_loaded_graph`` (for a caller that keeps the
store), ``validate_store`` (a store already loaded), ``load_shapes``, ``load_data``,
``ValidationReport``.
Modules: ``compiler`` (SHACL shapes to SPARQL queries, the ``compiled`` Checks; ``datatypes`` and
``sparql_text`` serve it), ``engine`` (runs them; pyshacl for the rest
and as the reference), ``inputs`` (reading data and shapes), ``report`` (results, text/JSON/Turtle),
``locations`` (the file and line where a node is written), ``suggestions`` (did you mean... for an IRI
defined nowhere), ``terms`` (rdflib <-> pyoxigraph terms).

May import: medkg.graph only.
"""

from medkg.validation.engine import (
    load_graph_to_validate,
    tty_progress,
    validate_graph,
    validate_loaded_graph,
    validate_store,
)
from medkg.validation.inputs import Progress, load_data, load_shapes
from medkg.validation.report import ValidationReport, ValidationResult

__all__ = [
    "Progress",
    "ValidationReport",
    "ValidationResult",
    "load_data",
    "load_graph_to_validate",
    "load_shapes",
    "tty_progress",
    "validate_graph",
    "validate_loaded_graph",
    "validate_store",
]
