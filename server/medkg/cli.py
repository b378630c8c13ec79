"""The `medkg` command. Thin: each command parses its options and calls the core modules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from medkg import __version__
from medkg.loading import RdfInputError
from medkg.namespaces import DEFAULT_BASE
from medkg.query import QueryError

app = typer.Typer(
    name="medkg",
    help=(
        "medkg: a medical knowledge graph of conditions, symptoms, risk factors, anatomy and "
        "procedures, with SHACL validation and a SPARQL 1.1 / concept API server.\n\n"
        "Information, not medical advice."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

BaseOption = Annotated[
    str, typer.Option("--base", help="Base IRI of every IRI the project mints.", envvar="MEDKG_BASE")
]


class CliError(Exception):
    """A failure to report as one sentence on stderr, with an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _version(value: bool) -> None:
    if value:
        typer.echo(f"medkg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = None,
) -> None:
    """medkg command line."""


def _read_query(query: str) -> str:
    if query == "-":
        return sys.stdin.read()
    path = Path(query)
    if query.endswith((".rq", ".sparql")) or (len(query) < 4096 and "\n" not in query and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"cannot read the query file {query}: {error}", 2) from error
    return query


@app.command()
def query(
    query: Annotated[
        str,
        typer.Argument(help="The SPARQL query: its text, a .rq/.sparql file, or - to read standard input."),
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help=(
                "table (default), or json / xml / csv / tsv for SELECT and ASK, "
                "turtle / ntriples / rdfxml / jsonld for CONSTRUCT and DESCRIBE."
            ),
        ),
    ] = "table",
    paths: Annotated[
        Optional[list[Path]],
        typer.Option("--data", help="Query these RDF files or folders instead of the packaged graph."),
    ] = None,
    base: BaseOption = DEFAULT_BASE,
) -> None:
    """Run a SPARQL query on the packaged graph, no server needed.

    The usual prefixes (medkg:, mkg:, src:, skos:, rdfs:, schema:, prov:, HP:, ICD10CM:, ...) are
    predeclared. The default graph is the union of the ontology and data graphs.

    Exit 0 on success, 1 when the query is invalid, 2 when an input cannot be read.
    """
    from medkg.loading import new_store
    from medkg.query import as_table, render_table, run_query, serialize

    text = _read_query(query)
    store = new_store(paths, base)
    result = run_query(store, text, base=base)
    if fmt == "table":
        sys.stdout.write(render_table(as_table(result, base)))
    else:
        sys.stdout.buffer.write(serialize(result, fmt, base))
    sys.stdout.flush()


def main() -> None:
    """Entry point: runs the command, turning known failures into one sentence on stderr."""
    try:
        app(standalone_mode=False)
    except CliError as error:
        _fail(str(error), error.code)
    except RdfInputError as error:
        _fail(str(error), 2)
    except QueryError as error:
        _fail(str(error), 1)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as error:  # click usage errors and the like
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        _fail(f"unexpected error: {type(error).__name__}: {error}", 1)


def _fail(message: str, code: int) -> None:
    typer.echo(f"medkg: {message}", err=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
