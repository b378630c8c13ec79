"""Pictures of the graph drawn on the server as SVG (SVG 1.1): no script, no library, no network.

- ``neighbourhood``: one concept in the middle, what points at it on the left, what it points at
  on the right, each edge labelled with its plain-words phrase, each node a link to its page.
- ``kinds_map``: the kinds of concept with their counts, in a circle, joined by the relations
  between them (arrows, with the number of facts); each kind links to a search among its concepts.

Every text goes through markupsafe's escape, and every link is a local path or an http(s) IRI
given by the caller; a picture is returned as Markup, ready for a Jinja template.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

# Sizes in SVG user units (px at 1:1): wide enough for a label of ~30 characters in 13px text.
NODE_W, NODE_H, ROW = 230, 30, 40
WIDTH = 1100
RUN = 150  # the straight part of an edge next to the neighbour, where its phrase is written
CHARS = 30


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


def _node(x: float, y: float, label: str, kind: str, href: str | None, css: str) -> str:
    box = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6" class="{css}"/>'
           f'<text x="{x + NODE_W / 2:.0f}" y="{y + 20:.0f}" text-anchor="middle">{escape(_short(label))}</text>')
    body = f"<title>{escape(label)} ({escape(kind)})</title>{box}"
    if href:
        return f'<a href="{escape(href)}" class="node">{body}</a>'
    return f'<g class="node">{body}</g>'


def neighbourhood(centre: str, centre_kind: str, edges: list[Edge]) -> Markup:
    """The SVG of ``centre`` and its neighbours (one hop in and out); empty Markup without edges."""
    if not edges:
        return Markup("")
    incoming = [e for e in edges if e.direction == "incoming"]
    outgoing = [e for e in edges if e.direction != "incoming"]
    rows = max(len(incoming), len(outgoing), 1)
    height = rows * ROW + 40
    cx, cy = (WIDTH - NODE_W) / 2, height / 2 - NODE_H / 2
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="neighbourhood" '
              f'role="img" aria-labelledby="neighbourhood-title">'),
             f'<title id="neighbourhood-title">{escape(centre)} and the concepts linked to it</title>',
             ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
              'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>')]
    for side, items in (("incoming", incoming), ("outgoing", outgoing)):
        top = (height - len(items) * ROW) / 2 + (ROW - NODE_H) / 2
        x = 10.0 if side == "incoming" else WIDTH - NODE_W - 10.0
        for i, edge in enumerate(items):
            y = top + i * ROW
            # An elbow: straight beside the neighbour (with the phrase above it), then to the centre.
            ny = y + NODE_H / 2
            if side == "incoming":
                start, bend, end = (x + NODE_W, ny), (x + NODE_W + RUN, ny), (cx, cy + NODE_H / 2)
                lx = x + NODE_W + RUN / 2
            else:
                start, bend, end = (cx + NODE_W, cy + NODE_H / 2), (x - RUN, ny), (x, ny)
                lx = x - RUN / 2
            phrase = ", ".join(edge.phrases)
            path = " L".join(f"{px:.0f},{py:.0f}" for px, py in (start, bend, end))
            parts.append(f'<g class="edge"><title>{escape(edge.label)}: {escape(phrase)}</title>'
                         f'<path d="M{path}" fill="none" marker-end="url(#arrow)"/>'
                         f'<text x="{lx:.0f}" y="{ny - 5:.0f}" text-anchor="middle" class="edge-label">'
                         f'{escape(_short(phrase, 26))}</text></g>')
            parts.append(_node(x, y, edge.label, edge.kind, edge.href, "neighbour " + side))
    parts.append(_node(cx, cy, centre, centre_kind, None, "centre"))
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class KindLink:
    """``count`` facts from concepts of kind ``source`` to concepts of kind ``target`` by ``phrase``."""

    source: str
    target: str
    phrase: str
    count: int


def kinds_map(kinds: list[tuple[str, str, int]], links: list[KindLink], href: Callable[[str], str]) -> Markup:
    """The SVG of the kinds of concept ((key, label, count), each linked at ``href(key)``) on a circle,
    joined by ``links`` (one arrow per pair of kinds, its relations and fact count in its tooltip)."""
    if not kinds:
        return Markup("")
    width, node_w, node_h, row = 960, 200, 40, 64
    # Around an ellipse, in even steps of height (right side down, left side up), so that boxes
    # never overlap however many kinds there are; the picture grows in height with them.
    right = (len(kinds) + 1) // 2
    left = len(kinds) - right
    rx, ry = (width - node_w) / 2 - 10, max(right, 2) * row / 2
    cx, cy = width / 2, ry + node_h
    size_h = 2 * ry + 2 * node_h
    spots: dict[str, tuple[float, float]] = {}
    for i, (key, _, _) in enumerate(kinds):
        side, k, j = (1, right, i) if i < right else (-1, left, left - 1 - (i - right))
        t = (2 * j + 1) / k - 1
        spots[key] = (cx + side * rx * math.sqrt(1 - t * t), cy + ry * t)
    pairs: dict[tuple[str, str], list[KindLink]] = {}
    for link in links:
        if link.source in spots and link.target in spots and link.source != link.target:
            pairs.setdefault((link.source, link.target), []).append(link)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {size_h:.0f}" class="kinds-map" '
              'role="img" aria-labelledby="kinds-title"><title id="kinds-title">The kinds of concept and the '
              'relations between them</title>'),
             ('<defs><marker id="kind-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
              'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>')]
    for (source, target), group in sorted(pairs.items()):
        (x1, y1), (x2, y2) = spots[source], spots[target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        # Stop at the target box's edge (an ellipse around it is close enough), and bend a little so
        # that the arrows of the two directions between a pair do not overlap.
        ex, ey = x2 - dx / length * (node_h * 0.9), y2 - dy / length * (node_h * 0.9)
        mx, my = (x1 + ex) / 2 - dy / length * 18, (y1 + ey) / 2 + dx / length * 18
        total = sum(link.count for link in group)
        words = "; ".join(f"{link.phrase} ({link.count})" for link in sorted(group, key=lambda g: -g.count))
        parts.append(f'<g class="edge"><title>{escape(words)}</title>'
                     f'<path d="M{x1:.0f},{y1:.0f} Q{mx:.0f},{my:.0f} {ex:.0f},{ey:.0f}" marker-end="url(#kind-arrow)" '
                     f'style="stroke-width:{min(1 + math.log2(total), 5):.1f}"/>'
                     f'<text x="{mx:.0f}" y="{my:.0f}" text-anchor="middle" class="edge-count">{total}</text></g>')
    for key, label, count in kinds:
        x, y = spots[key]
        parts.append(f'<a href="{escape(href(key))}" class="node"><title>{escape(label)}: {count} concepts</title>'
                     f'<rect x="{x - node_w / 2:.0f}" y="{y - node_h / 2:.0f}" width="{node_w}" height="{node_h}" rx="8"/>'
                     f'<text x="{x:.0f}" y="{y - 2:.0f}" text-anchor="middle">{escape(_short(label, 26))}</text>'
                     f'<text x="{x:.0f}" y="{y + 14:.0f}" text-anchor="middle" class="count">{count}</text></a>')
    parts.append("</svg>")
    return Markup("".join(parts))
