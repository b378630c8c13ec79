"""Inputs that name nothing are errors (exit 2, saying so), not a silent success on nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

MEDKG = [sys.executable, "-m", "medkg.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDKG, *args], capture_output=True, text=True, timeout=120, check=False)


def _folders(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "no-rdf"
    (other / "sub").mkdir(parents=True)
    (other / "notes.csv").write_text("not,RDF")
    (other / "sub" / "README.md").write_text("# nor this")
    return {"empty": empty, "no-rdf": other}


@pytest.mark.parametrize("kind", ["empty", "no-rdf"])
@pytest.mark.parametrize("command", [["validate", "{}"], ["validate", "--shapes", "{}"], ["query", "--data", "{}", "ASK {}"],
                                     ["export", "{}", "--out", "OUT"], ["serve", "{}", "--port", "1", "--no-validate"],
                                     ["load", "{}", "--into", "http://127.0.0.1:1/query", "--no-validate"]])
def test_a_folder_with_no_rdf_files_is_an_error(tmp_path: Path, kind: str, command: list[str]) -> None:
    # `medkg validate EMPTYDIR` printed "conforms (no results; 452 triples checked)".
    folder = _folders(tmp_path)[kind]
    args = [str(folder) if a == "{}" else str(tmp_path / "out") if a == "OUT" else a for a in command]
    done = run(*args)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert str(folder) in done.stderr and "holds no" in done.stderr and "files" in done.stderr
    assert "conforms" not in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["", " ", ",", "hpo,", ",,icd10cm"])
@pytest.mark.parametrize("command", [["query", "ASK {}"], ["serve", "--port", "1"]])
def test_an_empty_vocab_name_is_an_error_listing_the_names(value: str, command: list[str]) -> None:
    done = run(command[0], "--vocab", value, *command[1:])
    assert done.returncode == 2, done.stderr
    assert "a vocabulary name is empty" in done.stderr
    assert all(name in done.stderr for name in ("icd10cm", "hpo", "hpo-annotations"))


def test_vocab_build_of_an_empty_name_is_an_error() -> None:
    done = run("vocab", "build", "")
    assert done.returncode == 2 and "a vocabulary name is empty" in done.stderr
