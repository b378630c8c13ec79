"""The wheel carries the graph, so an installed medkg works from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    [built] = out.glob("medkg-*.whl")
    return built


def test_wheel_carries_ontology_data_shapes_and_queries(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in ("ontology", "data", "shapes", "queries"):
        expected = {
            f"medkg/graph/{part}/{p.relative_to(ROOT / part).as_posix()}"
            for p in (ROOT / part).rglob("*")
            if p.is_file()
        }
        assert expected, f"{part}/ is empty"
        assert expected <= names, f"missing from the wheel: {sorted(expected - names)[:5]}"
    assert "medkg/cli/__init__.py" in names and "medkg/py.typed" in names


def test_wheel_leaves_out_tests_and_benchmarks(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_wheel_declares_the_command_and_licences(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    assert "medkg = medkg.cli:main" in archive.read(entry_points).decode()
    licences = [n for n in archive.namelist() if "/licenses/" in n]
    assert any(n.endswith("LICENSE") for n in licences) and any(n.endswith("LICENSE-DATA.md") for n in licences)


def test_wheel_carries_the_pages_assets(wheel: Path) -> None:
    """The vendored query editor (with its licence) and the pages' scripts ship in the package."""
    names = set(zipfile.ZipFile(wheel).namelist())
    static = ROOT / "server" / "medkg" / "web" / "static"
    expected = {f"medkg/web/static/{p.relative_to(static).as_posix()}" for p in static.rglob("*") if p.is_file()}
    assert {"medkg/web/static/yasgui/4.6.2/yasgui.min.js", "medkg/web/static/yasgui/4.6.2/LICENSE",
            "medkg/web/static/medkg/query.js"} <= expected <= names
    assert "medkg/web/templates/query.html" in names
