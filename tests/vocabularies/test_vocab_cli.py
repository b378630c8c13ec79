"""`medkg vocab list|build` and `--vocab` on `medkg query`, as a user runs them (subprocesses),
over the session's full build."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path


def medkg(*args: str, cache_dir: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDKG_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-m", "medkg.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def test_unknown_names_are_usage_errors(tmp_path: Path) -> None:
    done = medkg("vocab", "build", "snomed", cache_dir=tmp_path)
    assert done.returncode == 2
    assert "icd10cm, hpo, hpo-annotations" in done.stderr and "Traceback" not in done.stderr
    done = medkg("query", "--vocab", "hpo,nope", "ASK {}", cache_dir=tmp_path)
    assert done.returncode == 2 and "nope" in done.stderr
    assert not (tmp_path / "vocabularies").exists()  # nothing built for a bad command


def test_list_says_what_is_built(full_cache: Path, tmp_path: Path) -> None:
    empty = medkg("vocab", "list", cache_dir=tmp_path)
    assert empty.returncode == 0
    rows = {line.split()[0]: line.split() for line in empty.stdout.splitlines()[1:]}
    assert set(rows) == {"icd10cm", "hpo", "hpo-annotations"}
    assert all(row[1:3] == ["found", "no"] for row in rows.values())
    built = medkg("vocab", "list", cache_dir=full_cache)
    rows = {line.split()[0]: line.split() for line in built.stdout.splitlines()[1:]}
    assert rows["hpo"][1:4] == ["found", "yes", "2025-01-16"]
    assert rows["hpo"][5] == "19,484"  # concepts: every [Term] of hp.obo
    assert rows["icd10cm"][-1].startswith(str(full_cache))


def test_build_again_is_a_no_op(full_cache: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (full_cache / "vocabularies").iterdir()}
    done = medkg("vocab", "build", "icd10cm", "hpo", cache_dir=full_cache)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("already built") == 2
    assert {p: p.stat().st_mtime_ns for p in (full_cache / "vocabularies").iterdir()} == before


def test_query_with_the_annotations_brings_hpo_along(full_cache: Path) -> None:
    # DISTINCT: HP:0000939's label is in data/mappings.ttl and in the hpo graph (the default graph
    # is their union, which matches the triple once per graph).
    query = """SELECT DISTINCT ?label WHERE {
        ?d <http://purl.obolibrary.org/obo/RO_0002200> HP:0000939 ; skos:notation "OMIM:259770" ; rdfs:label ?label .
        HP:0000939 rdfs:label "Osteoporosis" }"""
    done = medkg("query", "--vocab", "hpo-annotations", "--format", "csv", query, cache_dir=full_cache)
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(done.stdout.splitlines()))[1:] == [["Osteoporosis-pseudoglioma syndrome"]]


def test_query_without_a_built_vocabulary_builds_it_and_says_so(tmp_path: Path) -> None:
    done = medkg("query", "--vocab", "icd10cm", "--format", "csv",
                 'SELECT ?l WHERE { ICD10CM:S32.10XA rdfs:label ?l }', cache_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "building the icd10cm vocabulary" in done.stderr
    assert list(csv.reader(done.stdout.splitlines()))[1:] == [["Unspecified fracture of sacrum, initial encounter for closed fracture"]]


def test_validate_with_a_vocabulary_checks_the_union(full_cache: Path) -> None:
    import json

    alone = medkg("validate", "--format", "json", cache_dir=full_cache)
    together = medkg("validate", "--vocab", "hpo", "--format", "json", cache_dir=full_cache)
    assert alone.returncode == together.returncode == 0, together.stderr[-2000:]
    assert "Traceback" not in together.stderr
    report, curated = json.loads(together.stdout), json.loads(alone.stdout)
    assert report["conforms"] is True
    assert report["triples"] > curated["triples"] + 100_000  # HPO's ~19k terms with their facts
    # The report names the built files it checked, beside the curated ones.
    assert [Path(p).name.split("-")[0] for p in report["vocabularies"]] == ["hpo"] and curated["vocabularies"] == []


def test_validate_with_a_vocabulary_refuses_the_slow_engine(tmp_path: Path) -> None:
    done = medkg("validate", "--vocab", "hpo", "--engine", "pyshacl", cache_dir=tmp_path)
    assert done.returncode == 2 and "oxigraph engine" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "vocabularies").exists()  # refused before building anything
