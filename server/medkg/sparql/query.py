"""Running SPARQL on a store and writing its results, shared by `medkg query` and the server."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from collections.abc import Sequence
from typing import IO, Union

import pyoxigraph as ox

from medkg.graph.namespaces import DEFAULT_BASE, converter, prefixes
from medkg.sparql import formats, writers
from medkg.sparql.errors import explain
from medkg.sparql.text import declares_dataset
from medkg.sparql.writers import Unwritable

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


def syntax_error(error: SyntaxError, query: str = "", base: str = DEFAULT_BASE) -> QueryError:
    """A parser error as a QueryError that says in words what is wrong (medkg.sparql.errors),
    naming the line and column."""
    text = str(error)
    match = _SYNTAX_AT.match(text)
    if match is None:
        return QueryError(f"SPARQL syntax error: {text}")
    line, column, reason = int(match.group(1)), int(match.group(2)), " ".join(match.group(3).split())
    said = explain(query, line, column, reason, _known_prefixes(base))
    return QueryError(f"SPARQL syntax error at line {line}, column {column}: {said}", line, column)


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
        raise syntax_error(error, sparql, base) from error
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


# The formats by name, from the one table the endpoint negotiates with (medkg.sparql.formats).
RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    f.name: f.engine for f in formats.RESULTS_FORMATS if isinstance(f.engine, ox.QueryResultsFormat)}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {f.name: f.engine for f in formats.GRAPH_FORMATS if isinstance(f.engine, ox.RdfFormat)}


def serialize(result: QueryResult, fmt: str, base: str = DEFAULT_BASE, also: Sequence[str] = ()) -> bytes:
    """Results in a named standard format (json, xml, csv, tsv; turtle, ntriples, rdfxml, jsonld,
    nquads, trig).

    Raises QueryError for a format that does not fit the result's kind, or cannot carry this answer
    (medkg.sparql.writers.Unwritable), naming exactly the formats that can: ``also`` (what the
    caller offers besides, e.g. the command line's table) and those of the result's kind."""
    graph = isinstance(result, ox.QueryTriples)
    names: dict[str, ox.QueryResultsFormat] | dict[str, ox.RdfFormat] = GRAPH_FORMATS if graph else RESULTS_FORMATS
    if fmt not in names:
        kind = "a graph (CONSTRUCT/DESCRIBE)" if graph else "a SELECT/ASK"
        raise QueryError(f"{kind} result cannot be written as {fmt!r}; use one of {', '.join((*also, *names))}")
    output = io.BytesIO()
    try:
        write_result(result, names[fmt], output, base)
    except Unwritable as error:
        usable = (*also, *(name for name in error.alternatives if name in names))
        raise QueryError(f"{error.reason}; use one of {', '.join(usable)}") from error
    return output.getvalue()


def write_result(
    result: QueryResult | list[ox.Triple],
    engine_format: ox.QueryResultsFormat | ox.RdfFormat,
    output: IO[bytes],
    base: str = DEFAULT_BASE,
) -> None:
    """Writes results into ``output`` in a format, as the engine produces them (streaming).

    CSV, SPARQL XML and RDF/XML are written by medkg.sparql.writers (the engine's are not well
    formed for every answer), the others by the engine. Turtle, TriG and RDF/XML graphs get the
    graph's prefixes. Raises medkg.sparql.writers.Unwritable when XML cannot carry the answer; what
    was written is then incomplete, so a caller must hold XML output until this returns.
    """
    if isinstance(result, ox.QueryTriples | list):  # a list: triples from a remote server
        assert isinstance(engine_format, ox.RdfFormat)
        if engine_format == ox.RdfFormat.RDF_XML:
            writers.write_rdfxml(result, output, _known_prefixes(base))
        elif engine_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            ox.serialize(result, output, format=engine_format, prefixes=_known_prefixes(base))
        elif isinstance(result, list):
            ox.serialize(result, output, format=engine_format)
        else:
            result.serialize(output, format=engine_format)
        return
    assert isinstance(engine_format, ox.QueryResultsFormat)
    if isinstance(result, ox.QuerySolutions) and engine_format == ox.QueryResultsFormat.CSV:
        writers.write_csv(result, output)
    elif isinstance(result, ox.QuerySolutions) and engine_format == ox.QueryResultsFormat.XML:
        writers.write_xml_results(result, output)
    else:
        result.serialize(output, format=engine_format)


def holds_output(engine_format: ox.QueryResultsFormat | ox.RdfFormat) -> bool:
    """Whether an answer in this format must be held whole before sending: XML formats, which
    may find a term they cannot carry midway (then the answer is a 406, not a cut 200)."""
    return engine_format in (ox.QueryResultsFormat.XML, ox.RdfFormat.RDF_XML)
