"""Failures of the environment (a cache folder that cannot be written, a full disk, a reader that
went away) are one sentence and an exit code, never "unexpected error" or a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MEDKG = [sys.executable, "-m", "medkg.cli"]


def run(*args: str, env: dict[str, str] | None = None, stdout: int | object = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDKG, *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120, check=False,  # type: ignore[call-overload]
                          env={**os.environ, **(env or {})})


def _unwritable(tmp_path: Path) -> str:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return str(blocker / "cache")  # under a file: cannot be created, even by root


@pytest.mark.parametrize("args", [["vocab", "build", "hpo"], ["vocab", "build", "icd10cm"],
                                  ["query", "--vocab", "hpo", "ASK {}"], ["serve", "--vocab", "icd10cm", "--port", "1"]])
def test_a_cache_folder_that_cannot_be_written_is_named_before_building(tmp_path: Path, args: list[str]) -> None:
    # MEDKG_CACHE_DIR=/proc/nope parsed HPO for 9 s, then said "unexpected error: FileNotFoundError".
    done = run(*args, env={"MEDKG_CACHE_DIR": _unwritable(tmp_path)})
    assert done.returncode == 2, done.stderr
    assert "cannot write the vocabulary cache folder" in done.stderr and "MEDKG_CACHE_DIR" in done.stderr
    assert "unexpected error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["query", "-f", "json", "SELECT * WHERE { ?s ?p ?o }"], ["validate"],
                                  ["query", "--list-competency"]])
def test_a_full_disk_on_output_is_one_sentence(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = run(*args, stdout=full)
    assert done.returncode == 2
    assert done.stderr.startswith("medkg: cannot write the output: ") and "unexpected error" not in done.stderr


def test_a_reader_that_goes_away_is_not_an_error() -> None:
    with subprocess.Popen([*MEDKG, "query", "-f", "ntriples", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()  # as `| head` does
        error = process.stderr.read().decode()
        process.wait(timeout=60)
    assert "unexpected error" not in error and "Traceback" not in error
