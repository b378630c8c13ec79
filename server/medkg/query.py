"""Running SPARQL on a store and writing its results, shared by `medkg query` and the server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import IO, Union

import pyoxigraph as ox

from medkg.namespaces import DEFAULT_BASE, converter, prefixes
from medkg.sparql_text import declares_dataset

QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]


class QueryError(Exception):
    """A query that cannot be parsed or run. The message says where and why.

    For a syntax error, ``line`` and ``column`` (1-based, in the query text as sent) say where.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


# pyoxigraph words syntax errors as "error at 3:17: expected one of ...".
_SYNTAX_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def syntax_error(error: SyntaxError) -> QueryError:
    """A parser error as a QueryError naming the line and column."""
    text = str(error)
    match = _SYNTAX_AT.match(text)
    if match is None:
        return QueryError(f"SPARQL syntax error: {text}")
    line, column, reason = int(match.group(1)), int(match.group(2)), " ".join(match.group(3).split())
    if len(reason) > 240:  # the parser lists every token it could take; the first ones are enough
        reason = reason[:240].rsplit(", ", 1)[0] + ", ..."
    return QueryError(f"SPARQL syntax error at line {line}, column {column}: {reason}", line, column)


def run_query(
    store: ox.Store,
    sparql: str,
    *,
    base: str = DEFAULT_BASE,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    base_iri: str | None = None,
) -> QueryResult:
    """Runs a SPARQL query; relative IRIs in it resolve against ``base_iri`` (the endpoint's URL). The dataset, as the SPARQL 1.1 Protocol defines it:

    - ``default_graphs`` / ``named_graphs`` given (protocol dataset): exactly those, overriding
      any FROM / FROM NAMED of the query (either alone leaves the other part empty);
    - otherwise the query's FROM / FROM NAMED, when it has some;
    - otherwise the default graph is the union of all graphs, and every named graph is visible.

    The graph's usual prefixes (``medkg:``, ``mkg:``, ``skos:``...) are predeclared, so queries may
    use them without PREFIX lines; a query's own PREFIX lines take precedence.
    """
    options: dict[str, object] = {"prefixes": used_prefixes(sparql, base)}
    if base_iri:
        options["base_iri"] = base_iri
    if default_graphs or named_graphs:
        options["default_graph"] = [_graph_iri(g) for g in default_graphs or ()]
        options["named_graphs"] = [_graph_iri(g) for g in named_graphs or ()]
    elif not declares_dataset(sparql):
        # Not with FROM clauses: Oxigraph would let the union override them.
        options["use_default_graph_as_union"] = True
    try:
        return store.query(sparql, **options)  # type: ignore[arg-type]
    except SyntaxError as error:
        raise syntax_error(error) from error
    except ValueError as error:
        raise QueryError(str(error)) from error


def _graph_iri(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise QueryError(f"the graph IRI {iri!r} is not a valid IRI: {error}") from error


_known_prefixes = cache(prefixes)


def used_prefixes(sparql: str, base: str = DEFAULT_BASE) -> dict[str, str]:
    """The predeclared prefixes a query may use: passing all ~20 to the engine costs more than
    running a small query, so only those whose ``name:`` appears in the text are passed."""
    return {name: iri for name, iri in _known_prefixes(base).items() if name + ":" in sparql}


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
    """A term for display: CURIE for a known IRI, the lexical form for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return converter(base).compress(term.value) or f"<{term.value}>"
    if isinstance(term, ox.Literal):
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


def write_result(
    result: QueryResult,
    engine_format: ox.QueryResultsFormat | ox.RdfFormat,
    output: IO[bytes],
    base: str = DEFAULT_BASE,
) -> None:
    """Streams results into ``output`` in the engine's format, as the engine produces them.

    Turtle and RDF/XML graphs get the graph's prefixes; the other syntaxes have none to use.
    """
    if isinstance(result, ox.QueryTriples):
        assert isinstance(engine_format, ox.RdfFormat)
        if engine_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
            ox.serialize(result, output, format=engine_format, prefixes=_known_prefixes(base))
        else:
            result.serialize(output, format=engine_format)
    else:
        assert isinstance(engine_format, ox.QueryResultsFormat)
        result.serialize(output, format=engine_format)
