"""`medkg vocab list|build`: the reference vocabularies, built offline from installed packages."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from medkg.cli.common import CliError, Command, Group, _vocab_progress, app

vocab_app = typer.Typer(
    cls=Group,
    help="Reference vocabularies (icd10cm, hpo, hpo-annotations), built offline from installed packages.",
    no_args_is_help=True,
)
app.add_typer(vocab_app, name="vocab")


@vocab_app.command("list", cls=Command)
def vocab_list() -> None:
    """List the vocabularies: source found, built or not, version, counts, cached file.

    The cache folder is $MEDKG_CACHE_DIR, else $XDG_CACHE_HOME/medkg, else ~/.cache/medkg.
    """
    from medkg.vocabularies.cache import status
    from medkg.vocabularies.model import NAMES

    rows = [("name", "source", "built", "version", "triples", "concepts", "file")]
    for name in NAMES:
        st = status(name)
        rows.append((name, "found" if st.available else "missing", "yes" if st.path else "no",
                     st.version or "-", f"{st.triples:,}" if st.triples else "-",
                     f"{st.entities:,}" if st.entities else "-", str(st.path or "-")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@vocab_app.command("build", cls=Command)
def vocab_build(
    names: Annotated[
        Optional[list[str]],
        typer.Argument(help="icd10cm, hpo, hpo-annotations, or all (default: all).", show_default=False),
    ] = None,
) -> None:
    """Build vocabularies into the cache (sorted N-Quads, checked against their shapes).

    Idempotent: a vocabulary already built from the installed sources is not built again; a new
    package release (other source bytes) is built anew. Exit 0 on success, 1 when a build fails
    (the message says why), 2 for an unknown name or a cache folder that cannot be written.
    """
    from medkg.vocabularies.cache import CacheFolderError, VocabularyError, build, check_names

    try:
        wanted = check_names(names or ["all"])
    except VocabularyError as error:
        raise CliError(str(error), 2) from error
    progress = _vocab_progress()
    for name in wanted:
        try:
            path, built = build(name, progress=progress)
        except CacheFolderError as error:  # nothing was built: the environment is wrong
            raise CliError(str(error), 2) from error
        except VocabularyError as error:
            raise CliError(str(error), 1) from error
        if progress:
            sys.stderr.write("\r\x1b[K")
        typer.echo(f"medkg: {name}: {'built' if built else 'already built'}: {path}", err=True)
