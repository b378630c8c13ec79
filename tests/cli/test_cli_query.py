"""`medkg query`: runs SPARQL on the packaged graph from any directory, in standard formats,
and answers bad input with one sentence on stderr and the contract's exit code."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

MEDKG = [sys.executable, "-c", "from medkg.cli import main; main()"]
SYMPTOMS = "SELECT ?s WHERE { medkg:sacral-fracture mkg:hasSymptom ?s } ORDER BY ?s"


def medkg(*args: str, stdin: str | bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([*MEDKG, *args], input=data, capture_output=True, cwd=cwd, timeout=120)


def test_table_output_from_another_directory(tmp_path: Path) -> None:
    done = medkg("query", SYMPTOMS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "medkg:pelvic-pain" in out and "(4 rows)" in out


def test_json_results_follow_the_sparql_json_format() -> None:
    done = medkg("query", "--format", "json", SYMPTOMS)
    body = json.loads(done.stdout)
    assert body["head"]["vars"] == ["s"]
    assert len(body["results"]["bindings"]) == 4
    assert body["results"]["bindings"][0]["s"]["type"] == "uri"


def test_csv_and_tsv() -> None:
    rows = list(csv.reader(io.StringIO(medkg("query", "-f", "csv", SYMPTOMS).stdout.decode())))
    assert rows[0] == ["s"] and len(rows) == 5
    tsv = medkg("query", "-f", "tsv", SYMPTOMS).stdout.decode().splitlines()
    assert tsv[0] == "?s" and tsv[1].startswith("<https://w3id.org/medkg/concept/")


def test_construct_as_turtle_parses_with_rdflib() -> None:
    done = medkg("query", "-f", "turtle", "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c skos:prefLabel ?l }")
    graph = rdflib.Graph().parse(data=done.stdout.decode(), format="turtle")
    assert len(graph) >= 60
    assert b"@prefix skos:" in done.stdout


def test_query_from_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text("ASK { medkg:sacroplasty mkg:similarTo medkg:vertebroplasty }", encoding="utf-8")
    assert "true" in medkg("query", str(path)).stdout.decode()
    assert "true" in medkg("query", "-", stdin=path.read_text()).stdout.decode()


def test_query_other_files(tmp_path: Path) -> None:
    data = tmp_path / "g.ttl"
    data.write_text("<http://example.org/a> <http://example.org/b> 1 .\n", encoding="utf-8")
    done = medkg("query", "--data", str(data), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert done.returncode == 0 and "1" in done.stdout.decode().splitlines()[2]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("query", "SELECT * WHERE { ?s ?p }"), 1, "SPARQL syntax error at line 1, column"),
        (("query", "SELECT * WHERE { ?s undeclared:p ?o }"), 1, "SPARQL syntax error"),
        (("query", "--format", "turtle", "SELECT * WHERE { ?s ?p ?o }"), 1, "cannot be written as 'turtle'"),
        (("query", "--format", "json", "CONSTRUCT WHERE { ?s ?p ?o }"), 1, "cannot be written as 'json'"),
        (("query", "missing-file.rq"), 2, "cannot read the query file missing-file.rq"),
        (("query", "--data", "no/such/dir", "ASK {}"), 2, "no such file or folder"),
    ],
)
def test_bad_input_gets_one_sentence_and_an_exit_code(args: tuple[str, ...], code: int, message: str) -> None:
    done = medkg(*args)
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_hostile_and_oversized_queries_are_refused_cleanly() -> None:
    binary = medkg("query", "-", stdin=b"\xff\xfe\x00garbage")
    assert binary.returncode != 0 and "Traceback" not in binary.stderr.decode()
    huge = 'ASK { FILTER(STRLEN("' + "x" * 2_000_000 + '") > 0) }'
    done = medkg("query", "-", stdin=huge)
    assert done.returncode == 0 and "true" in done.stdout.decode()  # large but valid: answered
    deep = "ASK { " + "{ " * 5_000 + "}" * 5_000 + " }"
    nested = medkg("query", "-", stdin=deep)
    assert "Traceback" not in nested.stderr.decode()


def test_unparseable_data_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://e/> .\nex:a ex:b "unterminated .\n', encoding="utf-8")
    done = medkg("query", "--data", str(bad), "ASK {}")
    assert done.returncode == 2
    assert f"{bad}, line 2" in done.stderr.decode()


def test_help_and_version() -> None:
    assert "Run a SPARQL query" in medkg("query", "--help").stdout.decode()
    assert medkg("--version").stdout.decode().startswith("medkg ")


@pytest.mark.parametrize("base", ["not an iri", "ftp://example.org/kg/", "https://example.org/kg", 'https://e.org/"x"/'])
def test_a_bad_base_is_a_usage_error(base: str) -> None:
    done = medkg("query", "--base", base, "ASK {}")
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "--base" in err and "not a base IRI" in err and "Traceback" not in err


def test_usage_errors_show_usage_and_exit_2() -> None:
    done = medkg("query")  # no QUERY
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "Usage:" in err and "Missing argument" in err and "unexpected error" not in err
    assert medkg("query", "--no-such-option", "ASK {}").returncode == 2


# -- packaged competency questions by name, from any directory (issue 14, item 7) ---------------


def test_competency_questions_run_by_number_from_another_directory(tmp_path: Path) -> None:
    done = medkg("query", "--competency", "01", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "medkg:lower-back-pain" in done.stdout.decode() and "(5 rows)" in done.stdout.decode()
    by_name = medkg("query", "-c", "01-symptoms-of-sacral-fracture.rq", cwd=tmp_path)
    assert by_name.stdout == done.stdout


def test_every_listed_competency_question_runs(tmp_path: Path) -> None:
    listing = medkg("query", "--list-competency", cwd=tmp_path)
    assert listing.returncode == 0
    numbers = [line.split()[0] for line in listing.stdout.decode().splitlines() if line and not line[0].isspace()]
    assert numbers == [f"{n:02d}" for n in range(1, len(numbers) + 1)] and len(numbers) >= 17
    assert "What are the symptoms of a sacral fracture" in listing.stdout.decode()
    for number in numbers:
        done = medkg("query", "--competency", number, "--format", "json", cwd=tmp_path)
        assert done.returncode == 0, (number, done.stderr)
        assert json.loads(done.stdout)


def test_listed_questions_are_whole_sentences(tmp_path: Path) -> None:
    # Each question as its file's leading comment says it, never cut at the end of its first line.
    from medkg.graph.resources import competency_title, queries_dir

    listing = " ".join(medkg("query", "--list-competency", cwd=tmp_path).stdout.decode().split())
    for path in sorted((queries_dir() / "competency").glob("*.rq")):
        title = competency_title(path)
        assert title.endswith((".", "?", ")")), (path.name, title)
        assert title in listing, path.name
    assert "(hasLeadingCause and hasCause are sub-properties of hasRiskFactor.)" in listing


@pytest.mark.parametrize("args,message", [
    (("--competency", "99"), "--list-competency"), ((), "Missing argument 'QUERY'"),
    (("ASK {}", "--competency", "01"), "give either a QUERY or --competency"),
])
def test_competency_usage_errors(args: tuple[str, ...], message: str) -> None:
    done = medkg("query", *args)
    assert done.returncode == 2 and message in done.stderr.decode()


def test_readmes_query_commands_work_from_any_directory(tmp_path: Path) -> None:
    # README says an installed medkg works from any directory: each `$ medkg query ...` it shows
    # runs from an empty folder, and prints what README shows.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^\$ medkg query (.+)$", readme, flags=re.MULTILINE)
    assert len(commands) >= 3
    # (Those with --vocab load millions of triples: tests/vocabularies and tests/concepts check them
    # on the full build.)
    for command in [c for c in commands if "--vocab" not in c]:
        done = medkg("query", *shlex.split(command), cwd=tmp_path)
        # What README shows after the command: up to the next command or the end of the block.
        block = re.split(r"^(?:\$ |```)", readme.split(f"$ medkg query {command}\n", 1)[1], maxsplit=1,
                         flags=re.MULTILINE)[0]
        if block.startswith("medkg: "):  # an example of an error: on stderr, exit 1
            assert (done.returncode, done.stderr.decode()) == (1, block), command
        else:
            assert done.returncode == 0, (command, done.stderr)
            assert done.stdout.decode() == block, command
