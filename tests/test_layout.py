"""The code's layout (issue 12): one package per subsystem, import rules enforced by import-linter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "medkg"
SUBSYSTEMS = ("graph", "store", "sparql", "validation", "vocabularies", "concepts", "writes", "web")
MAX_LINES = 460  # "no module over ~450 lines"


def test_import_contracts_are_kept() -> None:
    """layers, core-never-imports-web and no cycles: pyproject.toml's [tool.importlinter]."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                          cwd=ROOT / "server", timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_each_subsystem_is_a_documented_package() -> None:
    for name in SUBSYSTEMS:
        init = PACKAGE / name / "__init__.py"
        assert init.is_file(), f"{name} is not a package"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "May import" in doc, f"{name}/__init__.py must say what the subsystem does and may import"


def test_only_entry_points_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "app.py", "serve.py", "settings.py"]
    assert (PACKAGE / "cli" / "__init__.py").is_file() and (PACKAGE / "cli" / "__main__.py").is_file()


def test_no_module_is_too_long() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these by job: {long}"


def test_tests_mirror_the_packages() -> None:
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "fixtures"}
    assert set(SUBSYSTEMS) <= folders | {"graph"}, folders
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert len(names) == len(set(names)), "test module names must be unique across tests/"


def test_readme_layout_matches_the_tree() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    for name in SUBSYSTEMS:
        assert f"`{name}/`" in section, f"README's layout section does not name {name}/"
    for package in (p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        assert f"`{package}/`" in section, f"README's layout section does not name {package}/"
