"""Running SPARQL on a store and writing its results, shared by `medkg query` and the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import pyoxigraph as ox

from medkg.namespaces import DEFAULT_BASE, converter, prefixes

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]


class QueryError(Exception):
    """A query that cannot be parsed or run. The message says where and why."""


def run_query(
    store: ox.Store,
    sparql: str,
    *,
    base: str = DEFAULT_BASE,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> QueryResult:
    """Runs a SPARQL query. Without ``default_graphs`` the default graph is the union of all graphs.

    The graph's usual prefixes (``medkg:``, ``mkg:``, ``skos:``...) are predeclared, so queries may
    use them without PREFIX lines; a query's own PREFIX lines take precedence.
    """
    options: dict[str, object] = {"prefixes": prefixes(base)}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        return store.query(sparql, **options)  # type: ignore[arg-type]
    except SyntaxError as error:
        raise QueryError(f"SPARQL syntax error: {error}") from error
    except ValueError as error:  # e.g. a malformed graph IRI
        raise QueryError(str(error)) from error


def result_kind(result: QueryResult) -> str:
    """'solutions', 'boolean' or 'graph'."""
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    return "graph"


@dataclass(frozen=True)
class Table:
    """A SELECT or ASK result as rows of compact, human-readable cells."""

    columns: list[str]
    rows: list[list[str]]


def as_table(result: QueryResult, base: str = DEFAULT_BASE) -> Table:
    """SELECT, ASK or CONSTRUCT results as a table, IRIs shortened to CURIEs where a prefix fits."""
    if isinstance(result, ox.QueryBoolean):
        return Table(["ask"], [["true" if bool(result) else "false"]])
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [[format_term(solution[name], base) for name in names] for solution in result]
        return Table(names, rows)
    rows = [[format_term(t.subject, base), format_term(t.predicate, base), format_term(t.object, base)] for t in result]
    return Table(["subject", "predicate", "object"], rows)


def format_term(term: object, base: str = DEFAULT_BASE) -> str:
    """A term for display: CURIE for a known IRI, the lexical form (with language) for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return converter(base).compress(term.value) or f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def render_table(table: Table) -> str:
    """A plain-text table with aligned columns and a row count."""
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(table.columns), "-+-".join("-" * w for w in widths)]
    out.extend(line(row) for row in table.rows)
    count = len(table.rows)
    out.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(out) + "\n"


RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def serialize(result: QueryResult, fmt: str, base: str = DEFAULT_BASE) -> bytes:
    """Results in a named standard format, written by the engine (not row by row in Python)."""
    if isinstance(result, ox.QueryTriples):
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"a graph result cannot be written as {fmt!r}; use one of {', '.join(GRAPH_FORMATS)}")
        rdf_format = GRAPH_FORMATS[fmt]
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
            return ox.serialize(result, format=rdf_format, prefixes=prefixes(base))  # type: ignore[no-any-return]
        return result.serialize(format=rdf_format)  # type: ignore[no-any-return]
    if fmt not in RESULTS_FORMATS:
        raise QueryError(f"a SELECT/ASK result cannot be written as {fmt!r}; use one of {', '.join(RESULTS_FORMATS)}")
    return result.serialize(format=RESULTS_FORMATS[fmt])  # type: ignore[no-any-return]
