"""The `medkg` command line: thin commands over the core (each parses its options and calls the
core modules), one sentence on stderr for every known failure, never a traceback.

Modules: ``common`` (the Typer app, shared options, CliError), ``commands`` (query, validate, serve,
load, export), ``vocab`` (vocab list/build). Entry point: ``main`` (the `medkg` script and
`python -m medkg.cli`).

May import: every package of medkg (the top layer).
"""

from __future__ import annotations

import sys

import typer

from medkg.cli import commands, vocab  # noqa: F401  (registers the commands on the app)
from medkg.cli.common import CliError, app, exit_process, exiting_after_command
from medkg.graph.loading import RdfInputError
from medkg.sparql.query import QueryError
from medkg.store.backends import StoreOptionError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: runs the command, turning known failures into one sentence on stderr."""
    exiting_after_command()
    try:
        _run()
    except SystemExit as done:
        exit_process(done.code)
    exit_process(0)


def _run() -> None:
    try:
        app(standalone_mode=False)
    except CliError as error:
        _fail(str(error), error.code)
    except RdfInputError as error:
        _fail(str(error), 2)
    except QueryError as error:
        _fail(str(error), 1)
    except StoreOptionError as error:  # e.g. --store DIR is a file or someone else's folder
        _fail(str(error), 2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:  # the reader went away (medkg query ... | head): not an error to report
        _quiet_exit()
    except OSError as error:  # a file or folder the command needed, not anticipated above
        where = f" ({error.filename})" if error.filename else ""
        _fail(f"a file or folder could not be used{where}: {error.strerror or error}; check the paths given "
              "and the space left", 2)
    except Exception as error:
        # Usage errors: click's, or those of the copy of click that typer >= 0.26 carries (not
        # click.ClickException subclasses), so recognised by what they can do.
        show, code = getattr(error, "show", None), getattr(error, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        _fail(f"unexpected error: {type(error).__name__}: {error}", 1)


def _quiet_exit() -> None:
    # Python would complain again when flushing stdout at exit: point it at /dev/null first.
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(141)  # as a process killed by SIGPIPE (128 + 13)


def _fail(message: str, code: int) -> None:
    typer.echo(f"medkg: {message}", err=True)
    sys.exit(code)
