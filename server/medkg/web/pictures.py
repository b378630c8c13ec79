"""Pictures of the graph drawn on the server as SVG (SVG 1.1): no script, no library, no network.

- ``neighbourhood``: one concept as a bar, what points at it above, what it points at below,
  each neighbour a box under a line saying how it is linked, each box a link to its page.
- ``kinds_map``: the kinds of concept with their counts, one box per row, joined by arcs on the
  right for the relations between them (thicker for more facts; relations and counts in each arc's
  tooltip); each kind links to its page.

Both are one column ``WIDTH`` user units wide, so that a phone shows them at full size: drawn at
100 % of a 400 px page, a unit is at least a pixel and the 12-13 px texts stay readable, and no
text is ever drawn over another (rows never share a line; arcs carry no text).
Every text goes through markupsafe's escape, and every link is a local path or an http(s) IRI
given by the caller; a picture is returned as Markup, ready for a Jinja template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

# Sizes in SVG user units (px at 1:1). WIDTH fits the 353 px of a 400 px window (less its
# scrollbar and the page's margins); the pages draw the pictures at most ~1.4 times larger.
WIDTH = 340
TRUNK, INDENT = 14, 34  # x of the line joining the neighbours to the centre, and of their boxes
BOX_H, ROW = 28, 52  # a neighbour's box, and its row: the box and its line of words
CHARS, PHRASE_CHARS = 40, 46  # what fits a box at 13 px, a row at 12 px
ARROW = ('<defs><marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
         'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>')


@dataclass(frozen=True)
class Edge:
    """One neighbour of the centre: ``phrases`` read from the centre ("has symptom"; coming in,
    "affects this"), ``href`` its page (or None: no link)."""

    direction: str  # "outgoing" or "incoming"
    phrases: tuple[str, ...]
    label: str
    kind: str
    href: str | None


def _short(text: str, chars: int = CHARS) -> str:
    return text if len(text) <= chars else text[:chars - 1].rstrip() + "…"


def _node(x: float, y: float, width: float, label: str, kind: str, href: str | None, css: str,
          chars: int = CHARS) -> str:
    box = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" height="{BOX_H}" rx="6" class="{css}"/>'
           f'<text x="{x + 8:.0f}" y="{y + 19:.0f}">{escape(_short(label, chars))}</text>')
    body = f"<title>{escape(label)} ({escape(kind)})</title>{box}"
    if href:
        return f'<a href="{escape(href)}" class="node">{body}</a>'
    return f'<g class="node">{body}</g>'


def neighbourhood(centre: str, centre_kind: str, edges: list[Edge]) -> Markup:
    """The SVG of ``centre`` and its neighbours (one hop in and out); empty Markup without edges.

    A column: each neighbour pointing at the centre (its box, then what it is to the centre), the
    centre, then each neighbour it points at (how, then its box); one line on the left joins them.
    """
    if not edges:
        return Markup("")
    incoming = [e for e in edges if e.direction == "incoming"]
    outgoing = [e for e in edges if e.direction != "incoming"]
    box_w = WIDTH - INDENT - 2
    centre_y = 8 + len(incoming) * ROW
    height = centre_y + BOX_H + 4 + len(outgoing) * ROW + 4
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="neighbourhood" '
              f'role="img" aria-labelledby="neighbourhood-title">'),
             f'<title id="neighbourhood-title">{escape(centre)} and the concepts linked to it</title>',
             ARROW.format(id="arrow")]
    for i, edge in enumerate(incoming):
        y = 8 + i * ROW  # the box, then the words under it
        parts.append(_edge(edge, f"M{INDENT},{y + BOX_H / 2:.0f} L{TRUNK},{y + BOX_H / 2:.0f} L{TRUNK},{centre_y}",
                           y + BOX_H + 15))
        parts.append(_node(INDENT, y, box_w, edge.label, edge.kind, edge.href, "neighbour incoming"))
    top = centre_y + BOX_H + 4
    for i, edge in enumerate(outgoing):
        y = top + i * ROW + 18  # the words, then the box under them
        parts.append(_edge(edge, f"M{TRUNK},{centre_y + BOX_H} L{TRUNK},{y + BOX_H / 2:.0f} L{INDENT},{y + BOX_H / 2:.0f}",
                           y - 5))
        parts.append(_node(INDENT, y, box_w, edge.label, edge.kind, edge.href, "neighbour outgoing"))
    parts.append(_node(0, centre_y, WIDTH, centre, centre_kind, None, "centre", chars=CHARS + 4))
    parts.append("</svg>")
    return Markup("".join(parts))


def _edge(edge: Edge, path: str, text_y: float) -> str:
    phrase = ", ".join(edge.phrases)
    return (f'<g class="edge"><title>{escape(edge.label)}: {escape(phrase)}</title>'
            f'<path d="{path}" fill="none" marker-end="url(#arrow)"/>'
            f'<text x="{INDENT + 8}" y="{text_y:.0f}" class="edge-label">{escape(_short(phrase, PHRASE_CHARS))}</text></g>')


@dataclass(frozen=True)
class KindLink:
    """``count`` facts from concepts of kind ``source`` to concepts of kind ``target`` by ``phrase``."""

    source: str
    target: str
    phrase: str
    count: int


def kinds_map(kinds: list[tuple[str, str, int]], links: list[KindLink], href: Callable[[str], str]) -> Markup:
    """The SVG of the kinds of concept ((key, label, count), each linked at ``href(key)``), one per
    row, joined by ``links`` as arcs on the right (one arc per ordered pair of kinds, its relations
    and fact count in its tooltip, thicker for more facts): an arc diagram, which needs no more
    width however many kinds and relations there are."""
    if not kinds:
        return Markup("")
    box_w, row = 236, 36
    band = WIDTH - box_w - 4  # room for the arcs
    rows = {key: i for i, (key, _, _) in enumerate(kinds)}
    height = len(kinds) * row + 8
    pairs: dict[tuple[str, str], list[KindLink]] = {}
    for link in links:
        if link.source in rows and link.target in rows and link.source != link.target:
            pairs.setdefault((link.source, link.target), []).append(link)
    labels = {key: label for key, label, _ in kinds}
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="kinds-map" '
              'role="img" aria-labelledby="kinds-title"><title id="kinds-title">The kinds of concept and the '
              'relations between them</title>'), ARROW.format(id="kind-arrow")]
    for (source, target), group in sorted(pairs.items()):
        i, j = rows[source], rows[target]
        # Downward arcs a little wider than upward ones, so the two directions of a pair part.
        y1, y2 = 4 + i * row + row / 2 - 2 + (3 if j > i else -3), 4 + j * row + row / 2 - 2
        bulge = min(band - 4, 10 + abs(i - j) * band / max(len(kinds) - 1, 1) + (4 if j > i else 0))
        total = sum(link.count for link in group)
        words = "; ".join(f"{link.phrase} ({link.count})" for link in sorted(group, key=lambda g: -g.count))
        parts.append(f'<g class="edge"><title>{escape(labels[source])} → {escape(labels[target])}: {escape(words)}</title>'
                     f'<path d="M{box_w},{y1:.0f} C{box_w + bulge * 1.33:.0f},{y1:.0f} {box_w + bulge * 1.33:.0f},{y2:.0f} '
                     f'{box_w + 1},{y2:.0f}" marker-end="url(#kind-arrow)" '
                     f'style="stroke-width:{min(1 + total ** 0.5 / 2, 4):.1f}"/></g>')
    for i, (key, label, count) in enumerate(kinds):
        y = 4 + i * row
        parts.append(f'<a href="{escape(href(key))}" class="node"><title>{escape(label)}: {count} concepts</title>'
                     f'<rect x="0" y="{y}" width="{box_w}" height="{row - 8}" rx="6"/>'
                     f'<text x="8" y="{y + 19}">{escape(_short(label, 28))}</text>'
                     f'<text x="{box_w - 8}" y="{y + 19}" text-anchor="end" class="count">{count}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
