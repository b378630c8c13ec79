"""Every format refusal of `medkg query` names exactly the formats that work for that query: each
one it suggests is then accepted (derived from the one format table, medkg.sparql.formats)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from medkg.sparql import formats

MEDKG = [sys.executable, "-m", "medkg.cli"]
FORMS = {
    "SELECT": "SELECT ?s WHERE { medkg:sacral-fracture mkg:hasSymptom ?s }",
    "ASK": "ASK { medkg:sacral-fracture ?p ?o }",
    "CONSTRUCT": "CONSTRUCT { medkg:sacral-fracture mkg:hasSymptom ?s } WHERE { medkg:sacral-fracture mkg:hasSymptom ?s }",
    "DESCRIBE": "DESCRIBE medkg:sacrum",
}
# Answers XML cannot carry (U+0001): the XML formats refuse them, naming the others.
UNWRITABLE = {
    "xml": 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }',
    "rdfxml": 'CONSTRUCT { <http://example.org/s> <http://example.org/p> "a\\u0001b" } WHERE {}',
}
ALL_NAMES = [f.name for f in (*formats.RESULTS_FORMATS, *formats.GRAPH_FORMATS)]


def query(fmt: str, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDKG, "query", "-f", fmt, text], capture_output=True, text=True, timeout=120, check=False)


def _suggested(stderr: str) -> list[str]:
    found = re.search(r"use one of ([\w, ]+)$", stderr.strip())
    assert found, stderr
    return [name.strip() for name in found.group(1).split(",")]


def _check_suggestions(text: str, refused: subprocess.CompletedProcess[str]) -> list[str]:
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    suggested = _suggested(refused.stderr)
    for fmt in suggested:
        done = query(fmt, text)
        assert done.returncode == 0, (fmt, done.stderr)
        assert done.stdout
    return suggested


@pytest.mark.parametrize("form", FORMS)
def test_every_format_a_refusal_suggests_works(form: str) -> None:
    # -f rdfxml of a SELECT suggested trig and nquads, then refused them; -f TABLE left out table.
    text = FORMS[form]
    graph = form in ("CONSTRUCT", "DESCRIBE")
    wrong = next(name for name in ALL_NAMES if (name in {f.name for f in formats.GRAPH_FORMATS}) != graph)
    suggested = _check_suggestions(text, query(wrong, text))
    expected = ["table", *(f.name for f in (formats.GRAPH_FORMATS if graph else formats.RESULTS_FORMATS))]
    assert suggested == expected
    assert _check_suggestions(text, query("bogus", text)) == expected


@pytest.mark.parametrize("form", FORMS)
def test_the_format_name_is_read_whatever_its_case(form: str) -> None:
    for fmt in ("TABLE", "Table"):
        assert query(fmt, FORMS[form]).returncode == 0


@pytest.mark.parametrize("fmt", UNWRITABLE)
def test_an_answer_a_format_cannot_carry_suggests_formats_that_can(fmt: str) -> None:
    text = UNWRITABLE[fmt]
    suggested = _check_suggestions(text, query(fmt, text))
    assert "table" in suggested and fmt not in suggested
