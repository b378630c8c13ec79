"""What every `medkg` command shares: the Typer app, common options, errors, reading a query,
building the vocabularies a --vocab names."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from medkg import __version__
from medkg.graph.loading import RDF_EXTENSIONS_TEXT
from medkg.graph.namespaces import check_base

RDF_IN_FOLDERS = (f"in folders, the files ending in {RDF_EXTENSIONS_TEXT}; the others, and hidden ones, are "
                  "named on stderr and not read")


class _FlagsWithoutType:
    """Help that shows no value type for a flag: `--no-validate` takes none, typer's <bool> says it does."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""  # shown as the type column; empty for a flag
        return params


class Command(_FlagsWithoutType, TyperCommand):
    """Every `medkg` command (``@app.command(cls=Command)``)."""


class Group(_FlagsWithoutType, TyperGroup):
    """`medkg` itself and its groups of commands (``typer.Typer(cls=Group)``)."""


app = typer.Typer(
    name="medkg",
    cls=Group,
    help=(
        "medkg: a medical knowledge graph of conditions, symptoms, risk factors, anatomy and "
        "procedures, with SHACL validation and a SPARQL 1.1 / concept API server.\n\n"
        "Information, not medical advice."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # reflows the docstrings' wrapped lines into paragraphs
)


def _base_iri(value: str) -> str:
    try:
        return check_base(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _root_path(value: str) -> str:
    if value and (not value.startswith("/") or value.endswith("/") or any(c in value for c in "?#% ")):
        raise typer.BadParameter(f"{value!r} is not a path prefix: give one like /medkg (a leading /, no final /)")
    return value


def _port(value: int) -> int:
    # Checked here: the resolver wraps 99999 to 34463 and 0 means "any free port", so either would
    # start a server on a port nobody asked for.
    if not 1 <= value <= 65535:
        raise typer.BadParameter(f"{value} is not a TCP port: give a number from 1 to 65535")
    return value


def _seconds(value: float) -> float:
    # FloatRange lets nan and inf through (nan compares false with the bound).
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"{value} is not a number of seconds: give a positive number, e.g. 30")
    return value


BaseOption = Annotated[
    str, typer.Option("--base", help="Base IRI of every IRI the project mints.", envvar="MEDKG_BASE",
                      callback=_base_iri)
]


VocabOption = Annotated[
    Optional[str],
    typer.Option("--vocab", help="Also load reference vocabularies: NAME[,NAME...] (icd10cm, hpo, hpo-annotations) "
                 "or all; built first if needed (see `medkg vocab`). hpo-annotations brings hpo.", show_default=False),
]


# What the command leaves for the process's exit to free: None until main() says a `medkg` process
# will exit after the command (not under a test's CliRunner: there Python frees it as usual).
_left_to_exit: list[object] | None = None


def leave_to_exit(obj: object) -> None:
    """Keeps ``obj`` until the `medkg` process ends, when the operating system takes its memory back
    at once (exit_process skips the interpreter's teardown): freeing a 3.8M-quad in-memory store
    object by object takes ~2 s, after the answer is written."""
    if _left_to_exit is not None:
        _left_to_exit.append(obj)


def exiting_after_command() -> None:
    """Called by main(): the process ends with the command, so leave_to_exit may keep objects."""
    global _left_to_exit
    _left_to_exit = []


def exit_process(code: int | str | None) -> None:
    """sys.exit(code); when leave_to_exit kept something, the output is flushed and the process
    ends without freeing it (os._exit: no teardown, which would free it object by object)."""
    if not _left_to_exit:
        sys.exit(code)
    if isinstance(code, str):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: the stream was closed before the process started
                stream.flush()
        except (OSError, ValueError):  # a reader that went away: nothing more can be said
            pass
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


class CliError(Exception):
    """A failure to report as one sentence on stderr, with an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def write_out(data: str | bytes) -> None:
    """Writes ``data`` to standard output; a full disk or closed file is a CliError (exit 2), and a
    reader that went away (``| head``) is left to ``main``, which exits quietly."""
    if sys.stdout is None:  # started with standard output closed (`medkg ... >&-`)
        raise CliError("cannot write the output: standard output is closed; redirect it to a file or a pipe", 2)
    try:
        sys.stdout.buffer.write(data.encode() if isinstance(data, str) else data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise CliError(f"cannot write the output: {error.strerror or error}; write it somewhere else", 2) from None


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
    if query.endswith((".rq", ".sparql")) or (len(query) < 4096 and "\n" not in query and _is_file(path)):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"cannot read the query file {query}: {error}", 2) from error
    return query


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a query text longer than a file name may be: it is not a file
        return False


def _vocab_files(option: str | None) -> list[Path]:
    """The built files for a --vocab value (None: none), building what is missing."""
    if option is None:
        return []
    from medkg.vocabularies.cache import VocabularyError, ensure_built

    names = [n.strip() for n in option.split(",")]  # an empty name is refused by check_names
    try:
        return ensure_built(names, progress=_vocab_progress(),
                            announce=lambda message: typer.echo(f"medkg: {message}", err=True))
    except VocabularyError as error:
        raise CliError(f"--vocab: {error}", 2) from error


def _vocab_progress():  # type: ignore[no-untyped-def]
    """A progress line on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(name: str, done: int) -> None:
        sys.stderr.write(f"\r\x1b[Kmedkg vocab: building {name}: {done:,} quads")
        sys.stderr.flush()

    return show


def note_skipped(paths: list[Path] | None, *, suffixes: tuple[str, ...] | None = None) -> None:
    """Says on stderr which files inside the folders ``paths`` are not read: not RDF by their
    extension (``suffixes``, else medkg.graph.loading.RDF_EXTENSIONS), or hidden."""
    from medkg.graph.loading import RDF_EXTENSIONS_TEXT, RdfInputError, select_rdf

    if not paths:
        return
    try:
        skipped = select_rdf(paths, suffixes=suffixes).skipped
    except RdfInputError:
        return  # said, with the exit status, when the command reads them
    if skipped:
        shown = ", ".join(str(p) for p in skipped[:10]) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
        kinds = ", ".join(suffixes) if suffixes else RDF_EXTENSIONS_TEXT
        typer.echo(f"medkg: not read ({len(skipped)}, hidden or not {kinds} by name): {shown}", err=True)
