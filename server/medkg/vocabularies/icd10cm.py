"""ICD-10-CM as SKOS, from the tabular list that simple-icd-10-cm ships (April 1, 2026 release).

Source: ``simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml`` (CDC/NCHS tabular list, read with
ElementTree) and ``code-list-April-2026.txt`` (the list of valid codes, which decides which
7th-character extensions exist, exactly as simple-icd-10-cm 1.5 does in ``_CodeTree``).

Model (README, "Reference vocabularies"): chapters ``BASE vocab/icd10cm/chapter/N`` (top concepts),
blocks ``ICD10CM:A00-A09``, categories ``ICD10CM:S32``, codes ``ICD10CM:S32.10XA`` (BioPortal PURLs,
with the dot, as data/mappings.ttl writes them). Each is a skos:Concept in src:icd-10-cm with its
official description verbatim as a plain rdfs:label, skos:notation, skos:broader to its parent
(code -> category -> block -> chapter), mkg:billable (a leaf of the tabular list), inclusion
terms as oboInOwl:hasRelatedSynonym (ICD does not say whether they are exact or narrower), and
mkg:excludes1 / mkg:excludes2 to the codes and blocks an Excludes note names in parentheses.

A block of a single category (``B10``, ``B20``...: the XML's section id is the category code) has
no IRI of its own in BioPortal: it is not minted; its category's parent is the chapter.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medkg.graph.namespaces import DEFAULT_BASE
from medkg.vocabularies import model as m
from medkg.vocabularies.nquads import boolean, iri, literal

NAME = "icd10cm"
XML_FILE = "icd10c-tabular-April-1-2026.xml"
CODE_LIST_FILE = "code-list-April-2026.txt"
CODE_IRI = "http://purl.bioontology.org/ontology/ICD10CM/"
SCHEME = "icd-10-cm"

# An ICD-10-CM code or category, with the dot: S32, S32.1, S32.10XA.
CODE = re.compile(r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(?:\.[0-9A-Z]{1,4})?")
# One reference inside an Excludes note's parentheses: a code ("S32.1"), its subdivisions
# ("S32.-", "S32.1-"), or a range ("A15-A19", a block when a block has that id).
_REFERENCE = re.compile(rf"({CODE.pattern})(?:\.?-)?(?:-({CODE.pattern})-?)?")
_PARENTHESES = re.compile(r"\(([^()]*)\)")


def source_files() -> tuple[Path, Path]:
    """The tabular-list XML and the code list inside the installed simple-icd-10-cm package."""
    return m.package_file("simple_icd_10_cm", "data", XML_FILE), m.package_file("simple_icd_10_cm", "data", CODE_LIST_FILE)


@dataclass
class Item:
    """One node of the tabular list: chapter, block, category, code or 7th-character extension."""

    name: str  # "1" (chapter), "A00-A09" (block), "S32.10XA"
    kind: str  # chapter | block | category | code | extension
    label: str
    parent: str | None  # the parent's name
    synonyms: list[str] = field(default_factory=list)
    excludes1: list[str] = field(default_factory=list)
    excludes2: list[str] = field(default_factory=list)
    children: int = 0

    @property
    def billable(self) -> bool:
        """A leaf of the tabular list is a valid code for a claim (all chapters/blocks have children)."""
        return self.children == 0


def read_items(xml_path: Path, code_list_path: Path) -> dict[str, Item]:
    """Every item of the tabular list by name, in the XML's order.

    7th characters: a leaf code under a ``sevenChrDef`` (its own or an ancestor's) gets one extended
    code per extension, padded with the placeholder X to 6 characters after the category, kept only
    when the code list holds it; its label is "<leaf description>, <extension description>".
    Raises ET.ParseError for a malformed file, ValueError for an item with no name.
    """
    confirmed = {line.split(" ")[0] for line in code_list_path.read_text(encoding="utf-8").split("\n")}
    root = ET.parse(xml_path).getroot()
    items: dict[str, Item] = {}
    for chapter in root.iter("chapter"):
        _walk(chapter, None, None, items, confirmed)
    for item in items.values():
        if item.parent is not None:
            items[item.parent].children += 1
    return items


def _walk(node: ET.Element, parent: str | None, seven: ET.Element | None,
          items: dict[str, Item], confirmed: set[str]) -> None:
    kind = {"chapter": "chapter", "section": "block"}.get(node.tag, "code")
    name = node.get("id") if node.tag == "section" else node.findtext("name")
    if not name:
        raise ValueError(f"an ICD-10-CM <{node.tag}> with no name under {parent}")
    label = " ".join((node.findtext("desc") or "").split()) if node.tag == "section" else node.findtext("desc") or ""
    own = name
    if kind == "block" and "-" not in name:
        own = parent  # a single-category block: not minted, see the module docstring
    else:
        if kind == "code" and len(name) == 3:
            kind = "category"
        item = Item(name, kind, label, parent)
        item.synonyms = [n.text or "" for n in node.findall("inclusionTerm/note")]
        item.excludes1 = [n.text or "" for n in node.findall("excludes1/note")]
        item.excludes2 = [n.text or "" for n in node.findall("excludes2/note")]
        items.setdefault(name, item)
    has_children = False
    for child in node:
        if child.tag == "sevenChrDef":  # applies to the children that follow it, as simple-icd-10-cm reads it
            seven = child
        elif child.tag in ("section", "diag"):
            has_children = True
            _walk(child, own, seven, items, confirmed)
    if kind in ("code", "category") and not has_children and seven is not None:
        _extend(items[name], seven, items, confirmed)


def _extend(leaf: Item, seven: ET.Element, items: dict[str, Item], confirmed: set[str]) -> None:
    extensions: dict[str, str] = {}
    last = None
    for child in seven:
        if child.tag == "extension":
            last = child.get("char", "")
            extensions[last] = child.text or ""
        elif child.tag == "note" and last is not None:
            extensions[last] += "/" + (child.text or "")
    stem = leaf.name if len(leaf.name) > 3 else leaf.name + "."
    stem = stem.ljust(7, "X")
    for char, description in extensions.items():
        code = stem + char
        if code.replace(".", "") in confirmed:
            items[code] = Item(code, "extension", f"{leaf.label}, {description}", leaf.name)


def references(note: str) -> list[tuple[str, str | None]]:
    """The codes and ranges an Excludes note names: each parenthesised group made only of
    comma-separated references ("(A15-A19)", "(Z16.-)", "(S32.1, S32.2-)"); a group with words
    ("(E08-E13 with .36)") names a subset of codes and is left out. Pairs (first, last or None)."""
    found: list[tuple[str, str | None]] = []
    for group in _PARENTHESES.findall(note):
        parts = [p.strip() for p in group.split(",")]
        matches = [_REFERENCE.fullmatch(p) for p in parts]
        if parts and all(matches):
            found.extend((m_.group(1), m_.group(2)) for m_ in matches if m_)
    return found


def chapter_iri(name: str, base: str = DEFAULT_BASE) -> str:
    """The minted IRI of chapter ``name`` (1..22): BASE vocab/icd10cm/chapter/N."""
    return f"{base}{m.VOCAB}icd10cm/chapter/{name}"


def item_iri(item: Item, base: str = DEFAULT_BASE) -> str:
    return chapter_iri(item.name, base) if item.kind == "chapter" else CODE_IRI + item.name


def statements(files: tuple[Path, ...], base: str = DEFAULT_BASE) -> Iterator[tuple[str, str, str]]:
    """The triples of the vocabulary (written N-Triples terms), item by item, in the XML's order."""
    items = read_items(files[0], files[1])
    scheme = m.scheme(SCHEME, base)
    billable, excludes1, excludes2 = m.mkg("billable", base), m.mkg("excludes1", base), m.mkg("excludes2", base)
    yield scheme, m.RDF_TYPE, m.SCHEME  # also declared in data/sources.ttl: the graph stands alone
    for item in items.values():
        s = iri(item_iri(item, base))
        yield s, m.RDF_TYPE, m.CONCEPT
        yield s, m.IN_SCHEME, scheme
        yield s, m.LABEL, literal(item.label)
        if item.kind == "chapter":
            yield s, m.TOP_CONCEPT_OF, scheme
            yield scheme, t_has_top(), s
        else:
            yield s, m.NOTATION, literal(item.name)
            yield s, billable, boolean(item.billable)
        if item.parent is not None:
            yield s, m.BROADER, iri(item_iri(items[item.parent], base))
        for synonym in item.synonyms:
            yield s, m.SYNONYM_SCOPES["RELATED"], literal(synonym)
        for notes, predicate in ((item.excludes1, excludes1), (item.excludes2, excludes2)):
            for target in _targets(notes, items):
                if target != item.name:
                    yield s, predicate, iri(CODE_IRI + target)


def _targets(notes: list[str], items: dict[str, Item]) -> list[str]:
    named: list[str] = []
    for note in notes:
        for first, last in references(note):
            name = f"{first}-{last}" if last else first
            if name in items and items[name].kind != "chapter" and name not in named:
                named.append(name)
    return named


def t_has_top() -> str:
    return m.t("skos:hasTopConcept")


def count_billable(files: tuple[Path, ...]) -> int:
    """How many billable codes the release holds (leaves of the tabular list)."""
    return sum(1 for item in read_items(files[0], files[1]).values() if item.billable and item.kind != "chapter")
