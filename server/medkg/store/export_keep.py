"""`medkg export` over files that exist: keep every statement whose triples did not change.

The checked-in ontology/ and data/ are written by hand (section comments, their own order and line
breaks), not in the export's layout; rewriting them whole made `git diff` after a one-triple
change show thousands of lines. So an existing file is kept statement by statement: a top-level
statement (a subject's block, an axiom, with the comments above it) stays as written when all of
its triples are still in the file's graph; a statement that changed is replaced, in its place, by
the export's writing of that subject (and an axiom by the export's axiom); what is new goes
after the statement of the same subject, else at the end. Prefix lines the new statements need
are added. A file whose prefixes cannot be read the same way is written anew.

Triples are compared exactly for named nodes; blank nodes by their connected part (an axiom, a
list), canonicalized alone, so a statement is never kept for a blank node it does not hold.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

_PREFIX_LINE = re.compile(r"^\s*(@prefix|@base|PREFIX|BASE)\b", re.IGNORECASE)
_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.\-]*):\s*<([^>]*)>", re.IGNORECASE)


@dataclass
class _Unit:
    text: str  # the statement, with the comment lines and blank lines above it
    keys: Counter[object] = field(default_factory=Counter)
    anchor: str | None = None  # the subject IRI (an axiom's annotated source)


def keep_unchanged(old: str, new: str) -> str:
    """The text to write: ``new`` (the export's rendering of a file) laid over ``old`` (the file
    there now), keeping every statement of ``old`` whose triples ``new`` still holds. An ``old``
    that cannot be read statement by statement (not Turtle, cut short) is replaced by ``new``."""
    try:
        return _lay_over(old, new)
    except (SyntaxError, ValueError, IndexError):
        return new


def _lay_over(old: str, new: str) -> str:
    if not old.strip():
        return new
    old_head, old_units = _split(old)
    new_head, new_units = _split(new)
    old_prefixes, new_prefixes = _prefixes(old_head), _prefixes(new_head)
    if old_prefixes is None or new_prefixes is None or any(
            old_prefixes.get(p, ns) != ns for p, ns in new_prefixes.items()):
        return new  # a prefix read another way: the texts cannot be compared statement by statement
    for unit in old_units:
        _read(unit, old_head)
    for unit in new_units:
        _read(unit, new_head)
    wanted: Counter[object] = Counter()
    for unit in new_units:
        wanted.update(unit.keys)
    kept: list[_Unit | None] = []  # None: a statement dropped, where its subject's new text goes
    dropped_at: dict[str, int] = {}
    for unit in old_units:
        if not unit.keys or not unit.keys - wanted:  # comments only, or every triple still there
            wanted.subtract(unit.keys)
            kept.append(unit)
        else:
            if unit.anchor is not None:
                dropped_at.setdefault(unit.anchor, len(kept))
            kept.append(None)
    placed: dict[int, list[str]] = {}
    last_of: dict[str, int] = {u.anchor: i for i, u in enumerate(kept) if u is not None and u.anchor}
    for unit in new_units:
        if not unit.keys or all(wanted[k] <= 0 for k in unit.keys):
            continue  # held by a kept statement
        # A kept statement this one holds whole (the subject's block, now with a triple more) is
        # replaced by it in place, rather than the subject written twice.
        inside = [i for i, u in enumerate(kept)
                  if u is not None and u.keys and u.anchor == unit.anchor and not u.keys - unit.keys]
        for i in inside:
            wanted.update(kept[i].keys)  # type: ignore[union-attr]
            kept[i] = None
        wanted.subtract(unit.keys)
        at = inside[0] if inside else dropped_at.get(unit.anchor or "", last_of.get(unit.anchor or "", len(kept)))
        placed.setdefault(at, []).append(unit.text.strip("\n") + "\n")
    out = [old_head.rstrip("\n") + "\n"]
    written = "".join(t for texts in placed.values() for t in texts)
    missing = [line for line in new_head.splitlines() if (m := _PREFIX_DECL.match(line))
               and m.group(1) not in old_prefixes and re.search(rf"(?<![\w.\-]){re.escape(m.group(1))}:", written)]
    out += [line + "\n" for line in missing]
    for i in range(len(kept) + 1):
        unit = kept[i] if i < len(kept) else None
        if unit is not None:
            out.append(unit.text)
        texts = placed.get(i, [])
        # In a dropped statement's place, the blank line above it is the kept comment unit's.
        out += [t if j == 0 and i < len(kept) and unit is None else "\n" + t for j, t in enumerate(texts)]
    return "".join(out).rstrip("\n") + "\n"


def _split(text: str) -> tuple[str, list[_Unit]]:
    """The head (comments and prefix lines up to the first statement) and the statements."""
    lines = text.splitlines(keepends=True)
    i = 0
    last_prefix = -1
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#") or _PREFIX_LINE.match(lines[i])):
        if _PREFIX_LINE.match(lines[i]):
            last_prefix = i
        i += 1
    head_end = last_prefix + 1
    head, body = "".join(lines[:head_end]), "".join(lines[head_end:])
    units: list[_Unit] = []
    start = 0
    for end in _statement_ends(body):
        chunk = body[start:end].splitlines(keepends=True)
        lead = 0  # blank and comment lines above a statement stay, whatever becomes of it
        while lead < len(chunk) and (not chunk[lead].strip() or chunk[lead].lstrip().startswith("#")):
            lead += 1
        if lead:
            units.append(_Unit("".join(chunk[:lead])))
        units.append(_Unit("".join(chunk[lead:])))
        start = end
    if body[start:].strip():
        units.append(_Unit(body[start:]))  # trailing comments
    return head, units


def _statement_ends(text: str) -> list[int]:
    """Offsets just past each top-level statement's final '.' (and the rest of its line)."""
    ends: list[int] = []
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            i = text.find("\n", i) if "\n" in text[i:] else n
            continue
        if c == "<":
            i = text.index(">", i) + 1
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == "." and depth == 0 and (i + 1 == n or text[i + 1] in " \t\r\n#"):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            ends.append(i)
            continue
        i += 1
    return ends


def _prefixes(head: str) -> dict[str, str] | None:
    found: dict[str, str] = {}
    for line in head.splitlines():
        if _PREFIX_LINE.match(line):
            m = _PREFIX_DECL.match(line)
            if m is None:
                return None  # @base, or a form not read here
            found[m.group(1)] = m.group(2)
    return found


def _read(unit: _Unit, head: str) -> None:
    """Fills the unit's keys (its triples; blank-node parts canonicalized alone) and anchor."""
    prefix_text = "".join(line + "\n" for line in head.splitlines() if _PREFIX_LINE.match(line))
    triples = [(q.subject, q.predicate, q.object) for q in ox.parse(prefix_text + unit.text, format=ox.RdfFormat.TURTLE)]
    parts: dict[object, list[tuple[object, ...]]] = {}
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(b: ox.BlankNode) -> ox.BlankNode:
        while parent.get(b, b) != b:
            b = parent[b]
        return b

    for s, _, o in triples:
        nodes = [t for t in (s, o) if isinstance(t, ox.BlankNode)]
        for b in nodes:
            parent.setdefault(b, b)
        if len(nodes) == 2:
            parent[root(nodes[0])] = root(nodes[1])
    for t in triples:
        nodes = [x for x in (t[0], t[2]) if isinstance(x, ox.BlankNode)]
        if nodes:
            parts.setdefault(root(nodes[0]), []).append(t)
        else:
            unit.keys[t] += 1
    for part in parts.values():
        dataset = ox.Dataset(ox.Quad(s, p, o) for s, p, o in part)  # type: ignore[arg-type]
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        unit.keys[tuple(sorted(str(q) for q in dataset))] += 1
    unit.anchor = _anchor(triples)


def _anchor(triples: list[tuple[object, ...]]) -> str | None:
    for s, p, o in triples:
        if isinstance(p, ox.NamedNode) and p.value.endswith("#annotatedSource") and isinstance(o, ox.NamedNode):
            return o.value
    for s, _, _ in triples:
        if isinstance(s, ox.NamedNode):
            return s.value
    return None
