"""Which files of a folder are RDF is decided by extension (medkg.graph.loading.RDF_EXTENSIONS), the
same for every command that takes folders; the others (notes, READMEs, .DS_Store) are named on
stderr and never read. Oxigraph alone reads a .txt as N-Triples, a .json as JSON-LD."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import OxigraphServer, start_server

from medkg.graph import resources
from medkg.graph.loading import RDF_EXTENSIONS, RdfInputError, rdf_format, select_rdf

MEDKG = [sys.executable, "-m", "medkg.cli"]

# Valid N-Triples: read as RDF, it would add a fracture with no label (a violation) and the marker.
NOTES = '<https://w3id.org/medkg/concept/from-notes> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/medkg/ontology/Fracture> .\n'
MARKER = "ASK { <https://w3id.org/medkg/concept/from-notes> ?p ?o }"
NOT_RDF = ["notes.txt", "README.md", ".DS_Store", "sub/config.json", "sub/layout.xml", ".git/HEAD.ttl"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDKG, *args], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The packaged facts, with files beside them that are not RDF by their names."""
    data = tmp_path / "data"
    shutil.copytree(resources.data_dir(), data)
    (data / "sub").mkdir()
    (data / ".git").mkdir()
    for name in NOT_RDF:
        (data / name).write_text(NOTES if not name.endswith((".md", ".DS_Store")) else "# about this folder\n")
    (data / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\x00")
    return data


def _says_skipped(stderr: str) -> None:
    line = next((line for line in stderr.splitlines() if line.startswith("medkg: not read")), "")
    for name in ("notes.txt", "README.md", ".DS_Store", "config.json", "layout.xml", ".git"):
        assert name in line, (name, stderr)
    assert "HEAD.ttl" not in line  # a hidden folder is left out whole, not looked into
    assert "conditions.ttl" not in line


def test_the_extensions_are_the_documented_ones() -> None:
    assert list(RDF_EXTENSIONS) == [".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".jsonld"]
    for name in ("notes.txt", "a.json", "a.xml", "a.n3", "README"):
        with pytest.raises(RdfInputError, match="not an RDF file by its name"):
            rdf_format(Path(name))
    assert str(rdf_format(Path("A.TTL"))) == "Turtle"


def test_selection_skips_by_extension_and_hidden(folder: Path) -> None:
    chosen = select_rdf([folder])
    assert all(p.suffix in RDF_EXTENSIONS for p in chosen.files) and chosen.files
    assert {p.name for p in chosen.skipped} == {"notes.txt", "README.md", ".DS_Store", "config.json", "layout.xml", ".git"}


def test_validate_reads_only_the_rdf_files(folder: Path) -> None:
    done = run("validate", str(folder))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr  # notes.txt read: a violation
    _says_skipped(done.stderr)


def test_query_reads_only_the_rdf_files(folder: Path) -> None:
    done = run("query", "--data", str(folder), MARKER)
    assert done.returncode == 0, done.stderr
    assert "false" in done.stdout and "true" not in done.stdout
    _says_skipped(done.stderr)


def test_export_reads_only_the_rdf_files(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run("export", str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not any("from-notes" in p.read_text() for p in out.rglob("*.ttl"))
    _says_skipped(done.stderr)


@pytest.mark.server
def test_serve_reads_only_the_rdf_files(folder: Path) -> None:
    with start_server(str(folder), "--workers", "1") as live, live.client() as client:
        answer = client.get("/sparql", params={"query": MARKER}, headers={"Accept": "application/sparql-results+json"})
        log = live.log_text()
    assert answer.json()["boolean"] is False
    _says_skipped(log)


@pytest.mark.server
def test_load_reads_only_the_rdf_files(folder: Path, oxigraph_server: OxigraphServer) -> None:
    done = run("load", str(folder), "--into", oxigraph_server.query, "--graph", "https://example.org/folder-test")
    assert done.returncode == 0, done.stderr
    _says_skipped(done.stderr)
    answer = httpx.get(oxigraph_server.query, params={"query": MARKER}, headers={"Accept": "application/sparql-results+json"})
    assert answer.json()["boolean"] is False


@pytest.mark.parametrize("command", [["validate", "{}"], ["query", "--data", "{}", "ASK {}"], ["export", "{}", "--out", "OUT"],
                                     ["serve", "{}", "--no-validate", "--port", "1"], ["load", "{}", "--into", "http://127.0.0.1:1/query"]])
def test_a_file_named_that_is_not_rdf_is_refused(tmp_path: Path, command: list[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTES)
    args = [str(notes) if a == "{}" else str(tmp_path / "out") if a == "OUT" else a for a in command]
    done = run(*args)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert f"cannot read {notes}: not an RDF file by its name (its extension '.txt')" in done.stderr and ".ttl" in done.stderr
    assert "Traceback" not in done.stderr
