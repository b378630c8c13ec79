"""README's list of modules that moved (issue 12's layout) names real moves: every old path is
gone, every new one imports, and no module "moves" to itself."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def moves() -> list[tuple[str, str]]:
    """(old, new) module pairs of README's list, the `*` and `.x` shorthands expanded."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("Modules that moved"):text.index("## Contributing")]
    section = section.split("(and the old module", 1)[0]
    pairs = []
    for clause in re.split(r";", section.split(":", 1)[1]):
        left, _, right = clause.partition("->")
        olds = re.findall(r"`([\w.]+)`", left)
        news = re.findall(r"`([\w.*]+)`", right)
        if not olds or not news:
            continue
        package = olds[0].rsplit(".", 1)[0]
        olds = [o if "." in o else f"{package}.{o}" for o in olds]
        if len(news) == 1 and news[0].endswith(".*"):
            news = [news[0][:-1] + old.rsplit(".", 1)[1] for old in olds]
        else:
            target = news[0].rsplit(".", 1)[0]
            news = [n if not n.startswith(".") and "." in n else f"{target}.{n.lstrip('.')}" for n in news]
        assert len(olds) == len(news), clause
        pairs.extend(zip(olds, news))
    return pairs


def test_the_list_is_read() -> None:
    pairs = dict(moves())
    assert pairs["medkg.turtle_writer"] == "medkg.graph.turtle"
    assert pairs["medkg.store_remote"] == "medkg.store.remote"
    assert len(pairs) >= 20


def test_every_move_is_real() -> None:
    for old, new in moves():
        assert old != new, old
        assert importlib.import_module(new), new
        assert importlib.util.find_spec(old) is None, f"{old} still exists"
