"""README's examples cannot drift (issue 14, item 6): every marked example (`<!-- readme-example -->`)
is regenerated from the real CLI and a real `medkg serve` by benchmarks/readme_examples.py, and
must be what README shows. After a change of data or messages, refresh README with
`python benchmarks/readme_examples.py` and review the diff."""

from __future__ import annotations

import difflib
import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "benchmarks" / "readme_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("readme_examples", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_readme_examples_are_what_the_code_gives() -> None:
    generator = _generator()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("<!-- readme-example") >= 15  # the marks themselves do not vanish
    regenerated = generator.regenerate(text)
    diff = "".join(difflib.unified_diff(text.splitlines(True), regenerated.splitlines(True), "README.md", "regenerated"))
    assert regenerated == text, "README differs from what the code gives; run python benchmarks/readme_examples.py\n" + diff


def test_a_drift_is_caught() -> None:
    generator = _generator()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- readme-example: session -->")
    end = text.index("\n```\n", start + 40) + 5
    block = text[start:end]
    drifted = block.replace("(5 rows)", "(6 rows)")
    assert drifted != block
    assert generator.regenerate(drifted) == block  # the generator puts back what the CLI prints
