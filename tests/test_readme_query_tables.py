"""README's `medkg query` examples print what the CLI prints. Those over the full vocabularies are
not regenerated (benchmarks/readme_examples.py would have to build and load them), so their
tables are checked here against the CLI's own rendering: IRIs shortened to CURIEs where a prefix
fits (medkg.sparql.query.as_table), columns aligned by render_table."""

from __future__ import annotations

import re
from pathlib import Path

from medkg.graph.namespaces import DEFAULT_BASE, converter
from medkg.sparql.query import Table, render_table

README = Path(__file__).parents[1] / "README.md"


def query_tables(text: str) -> list[tuple[str, str]]:
    """(command, the table README shows after it) for every `$ medkg query` printing a table."""
    found = []
    for block in re.findall(r"```\n(.*?)```", text, flags=re.DOTALL):
        lines = block.splitlines(keepends=True)
        for i, line in enumerate(lines):
            if line.startswith("$ medkg query") and "--format" not in line and i + 2 < len(lines) \
                    and set(lines[i + 2].strip()) <= {"-", "+"}:
                end = next(j for j in range(i + 1, len(lines)) if re.fullmatch(r"\(\d+ rows?\)\n", lines[j]))
                found.append((line.strip(), "".join(lines[i + 1:end + 1])))
    return found


def as_cli_prints(table: str) -> str:
    """The same table as the CLI renders it: IRI cells in CURIE form where a prefix fits."""
    lines = table.splitlines()
    split = lambda line: [cell.strip() for cell in line.split(" | ")]
    convert = converter(DEFAULT_BASE)

    def cell(text: str) -> str:
        if text.startswith("<") and text.endswith(">"):
            return convert.compress(text[1:-1]) or text
        return text

    rows = [[cell(c) for c in split(line)] for line in lines[2:-1]]
    return render_table(Table(split(lines[0]), rows))


def test_readme_has_query_tables() -> None:
    commands = [command for command, _ in query_tables(README.read_text(encoding="utf-8"))]
    assert any("--vocab hpo-annotations" in command for command in commands)


def test_every_query_table_is_what_the_cli_prints() -> None:
    for command, table in query_tables(README.read_text(encoding="utf-8")):
        assert table == as_cli_prints(table), command
