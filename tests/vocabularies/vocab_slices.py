"""Slices of the real vocabulary files, cut from the installed packages' files (never invented),
and a built file loaded for querying. Imported by the tests of this folder."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from medkg.vocabularies import hpo, hpoa, icd10cm


def icd_chapter_slice(tmp: Path, chapter: str) -> tuple[Path, Path]:
    """The real tabular list cut down to one chapter (by its <name>), and the real code list."""
    xml, code_list = icd10cm.source_files()
    text = xml.read_text(encoding="utf-8")
    chapters = [m.start() for m in re.finditer(r"<chapter>", text)] + [text.index("</ICD10CM.tabular>")]
    for start, end in itertools.pairwise(chapters):
        if re.match(rf"<chapter>\s*<name>{chapter}</name>", text[start:]):
            part = text[start:end].rstrip()
            break
    else:
        raise LookupError(f"no chapter {chapter}")
    out = tmp / xml.name
    out.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<ICD10CM.tabular>\n  {part}\n</ICD10CM.tabular>\n',
                   encoding="utf-8")
    return out, code_list


def hpo_slice(tmp: Path, ids: set[str], first: int = 30) -> Path:
    """The real hp.obo with its header and the [Term] stanzas of its first ``first`` terms and of
    ``ids``, with all their is_a ancestors (so the slice's hierarchy is closed, as the release's)."""
    (obo,) = hpo.source_files()
    text = obo.read_text(encoding="utf-8")
    head, *stanzas = re.split(r"\n(?=\[(?:Term|Typedef)\]\n)", text)
    terms = {s.split("\n")[1].removeprefix("id: "): s for s in stanzas if s.startswith("[Term]")}
    wanted = set(list(terms)[:first]) | set(ids)
    todo = list(wanted)
    while todo:
        for parent in re.findall(r"^is_a: (HP:\d{7})", terms[todo.pop()], re.MULTILINE):
            if parent not in wanted:
                wanted.add(parent)
                todo.append(parent)
    kept = [stanza for curie, stanza in terms.items() if curie in wanted]
    out = tmp / obo.name
    out.write_text(head + "\n\n" + "\n\n".join(s.rstrip("\n") for s in kept) + "\n", encoding="utf-8")
    return out


def hpoa_slice(tmp: Path, first: int = 300, diseases: tuple[str, ...] = (), nots: int = 20) -> tuple[Path, int]:
    """The real phenotype.hpoa with its header lines, its first ``first`` data rows, the rows of
    ``diseases`` and the first ``nots`` NOT rows; and the number of data rows kept."""
    (path,) = hpoa.source_files()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    header, *rows = [line for line in lines if not line.startswith("#")]
    kept, seen_not = [], 0
    for i, row in enumerate(rows):
        cells = row.split("\t")
        is_not = cells[2] == "NOT" and seen_not < nots
        if i < first or cells[0] in diseases or is_not:
            kept.append(row)
            seen_not += is_not
    out = tmp / path.name
    out.write_text("".join(comments) + header + "".join(kept), encoding="utf-8")
    return out, len(kept)


class Built:
    """A built vocabulary file loaded into a store, queried over the union of its graphs (as the
    server's default graph is)."""

    def __init__(self, path: Path) -> None:
        import pyoxigraph as ox

        self.path = path
        self.store = ox.Store()
        self.store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)

    def query(self, sparql: str):  # type: ignore[no-untyped-def]
        return self.store.query(sparql, use_default_graph_as_union=True)
