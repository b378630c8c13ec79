"""`medkg validate` as a curator runs it: a real subprocess, its exit code, stdout and stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

FIXTURES = Path(__file__).parents[1] / "fixtures"
INVALID = FIXTURES / "invalid"
# Only warnings: exit 0. Not parseable: exit 2. Every other invalid fixture: exit 1.
EXIT_CODES = {"missing-definition": 0, "unjustified-mapping": 0, "syntax-error": 2, "empty": 2, "non-utf8": 2}


def medkg(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medkg.cli", *map(str, args)], check=False, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess[str]]:
    """`medkg validate FILE` for every invalid fixture, a few at a time."""
    paths = sorted(INVALID.glob("*.ttl"))
    with ThreadPoolExecutor(4) as pool:
        return dict(zip((p.stem for p in paths), pool.map(lambda p: medkg("validate", p), paths)))


def test_exit_code_of_every_fixture(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    wrong = {name: run.returncode for name, run in runs.items() if run.returncode != EXIT_CODES.get(name, 1)}
    assert not wrong, {name: runs[name].stderr for name in wrong}


def test_violations_are_listed_by_node_with_label_path_value_and_fix(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = runs["literal-for-concept"]
    assert "medkg:fx-literal-fracture" in run.stdout and '"Literal fracture"' in run.stdout
    assert "mkg:affectsStructure" in run.stdout and '"sacrum"' in run.stdout
    assert "literal where a concept belongs" in run.stdout
    assert run.stderr.strip() == "medkg: the graph does not conform: 2 violations (listed above)"


def test_warnings_are_printed_and_exit_zero(runs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = runs["missing-definition"]
    assert "Warning: The concept has no definition" in run.stdout
    assert run.stdout.strip().endswith("2 warnings; 370 triples checked)") or "conforms (2 warnings" in run.stdout


@pytest.mark.parametrize(("name", "line"), [("syntax-error", 9), ("non-utf8", 6), ("empty", None)])
def test_unreadable_file_is_one_sentence_naming_file_and_line(
    runs: dict[str, subprocess.CompletedProcess[str]], name: str, line: int | None
) -> None:
    err = runs[name].stderr.strip()
    assert err.startswith(f"medkg: cannot read {INVALID / name}.ttl")
    assert (f", line {line}:" in err) if line else "empty" in err
    assert "Traceback" not in err and "\n" not in err


def test_packaged_graph_conforms() -> None:
    run = medkg("validate")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1].startswith("conforms (3 infos;")
    assert "Violation:" not in run.stdout and "Warning:" not in run.stdout
    # The infos: conditions and symptoms with no ICD-10-CM / HPO code (advice, not faults).
    unmapped = {line.split()[0] for line in run.stdout.splitlines() if line.startswith("medkg:")}
    assert unmapped == {  # spinal fracture and sacral insufficiency fracture got codes in the clinical review
        "medkg:spinal-disorder",
        "medkg:pain-radiating-from-sacrum",
        "medkg:pain-worse-lifting-better-lying",
    }
    assert run.stdout.count("Info: No code of a standard vocabulary") == 3


def test_folder_of_turtle_files() -> None:
    assert medkg("validate", FIXTURES / "valid").returncode == 0


def test_json_and_turtle_reports() -> None:
    run = medkg("validate", INVALID / "two-labels.ttl", "--format", "json")
    report = json.loads(run.stdout)
    assert run.returncode == 1 and report["conforms"] is False and report["counts"]["Violation"] == 1
    assert report["results"][0]["sourceShape"] == "https://w3id.org/medkg/shapes/prefLabel-one-per-language"
    run = medkg("validate", INVALID / "two-labels.ttl", "-f", "turtle")
    graph = Graph().parse(data=run.stdout, format="turtle")
    assert run.returncode == 1 and len(list(graph.subjects(SH.resultSeverity, SH.Violation))) == 1


def test_the_whole_report_reaches_a_file_and_a_pipe_that_closes_early(tmp_path: Path) -> None:
    # The command ends the process without freeing its store (medkg.cli.common.leave_to_exit):
    # what it wrote must still be flushed, to a file (block-buffered) as to a terminal, and the exit
    # code kept.
    out = tmp_path / "report.json"
    with out.open("wb") as sink:
        done = subprocess.run([sys.executable, "-m", "medkg.cli", "validate", str(INVALID / "two-labels.ttl"), "-f", "json"],
                              stdout=sink, stderr=subprocess.PIPE, check=False, timeout=120)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert done.returncode == 1 and report["counts"]["Violation"] == 1
    assert done.stderr.strip() == b"medkg: the graph does not conform: 1 violation (in the JSON report)"
    shell = f"{sys.executable} -m medkg.cli validate {INVALID / 'two-labels.ttl'} -f turtle | head -c 10"
    piped = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, check=False, timeout=120)
    assert len(piped.stdout) == 10 and piped.returncode in (1, 141) and b"Traceback" not in piped.stderr, piped.stderr
    # Started with standard output closed: one sentence, exit 2.
    closed = subprocess.run(["bash", "-c", f"{sys.executable} -m medkg.cli validate {INVALID / 'two-labels.ttl'} >&-"],
                            capture_output=True, check=False, timeout=120)
    assert closed.returncode == 2 and closed.stderr.strip() == (
        b"medkg: cannot write the output: standard output is closed; redirect it to a file or a pipe"), closed.stderr


def test_help_explains_paths_ontology_output_and_exit_codes() -> None:
    text = " ".join(medkg("validate", "--help").stdout.split())
    for words in ("packaged graph", "owl:Ontology", "--format", "json", "turtle", "Exit 0", "1 on violations", "2 when a file"):
        assert words in text, words


def test_bad_format_is_a_usage_error() -> None:
    run = medkg("validate", "--format", "xml")
    assert run.returncode == 2 and "text, json or turtle" in run.stderr


def test_base_option_checks_the_graph_as_served_under_that_base() -> None:
    fixture = INVALID / "dangling-iri.ttl"
    run = medkg("validate", "--base", "https://example.org/kg/", fixture)
    assert run.returncode == 1
    assert "\nmedkg:fx-dangling-fracture " in run.stdout  # CURIEs of the prefixes under that base
    assert "https://example.org/kg/concept/fx-dangling-sacrm, which is defined nowhere" in run.stdout
    assert f"({fixture}:" in run.stdout and "w3id.org" not in run.stdout
    assert medkg("validate", "--base", "https://example.org/kg/").returncode == 0  # the packaged graph
    bad = medkg("validate", "--base", "example.org/kg/")
    assert bad.returncode == 2 and "not a base IRI" in bad.stderr
