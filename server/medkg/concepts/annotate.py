"""Annotate free text: which concepts does it mention, where, and by which name.

Text and names are compared token by token after folding case and accents and dropping regular
plural endings ("buttocks" ~ "buttock", "Vertebrae" ~ "vertebra"); hyphens and punctuation
separate tokens ("third-term" ~ "third term"). Abbreviations (OMO:0003000) must match with their
case, so "PT" is found but the "pt" of "pt." is not.

Overlaps: by default the longest mention wins ("lower back pain", not also "back pain" and
"pain"); ``overlapping=True`` returns every match, nested ones included. Spans are offsets into
the text as given (Python code points).
"""

from __future__ import annotations

from medkg.concepts.index import SCOPE_RANK, ConceptIndex, Entry
from medkg.concepts.models import AnnotationMatch, AnnotationResults, Mention
from medkg.concepts.search import InvalidQuery, kind_filter
from medkg.concepts.text import token_key, tokens, unaccent

MAX_TEXT = 200_000


def _abbreviation_ok(entry: Entry, words: list[str]) -> bool:
    # Case matters for abbreviations only; accents still do not.
    return [unaccent(w) for w in words] == [unaccent(t) for t, _, _ in tokens(entry.text)]


def annotate(index: ConceptIndex, text: str, *, kinds: list[str] | None = None,
             overlapping: bool = False) -> AnnotationResults:
    """Mentions of concepts in ``text``, in text order."""
    if len(text) > MAX_TEXT:
        raise InvalidQuery(f"the text is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    allowed = kind_filter(index, kinds)
    found = tokens(text)
    keys = [token_key(t) for t, _, _ in found]
    # Every (start token, length) that names a concept.
    candidates: list[tuple[int, int, list[Entry]]] = []
    for i, key in enumerate(keys):
        # Only names starting with this token can match here: most tokens start none.
        for length in range(min(index.first_token.get(key, 0), len(found) - i), 0, -1):
            entries = index.phrases.get(tuple(keys[i:i + length]))
            if not entries:
                continue
            words = [t for t, _, _ in found[i:i + length]]
            kept = [e for e in entries
                    if (allowed is None or index.kind_of[e.iri] in allowed)
                    and (not e.abbreviation or _abbreviation_ok(e, words))]
            if kept:
                candidates.append((i, length, kept))
    if not overlapping:
        candidates = _longest_first(candidates)
    mentions = []
    for i, length, entries in sorted(candidates, key=lambda c: (c[0], -c[1])):
        start, end = found[i][1], found[i + length - 1][2]
        mentions.append(Mention(start=start, end=end, text=text[start:end], matches=_matches(index, entries)))
    return AnnotationResults(text_length=len(text), total=len(mentions), mentions=mentions)


def _longest_first(candidates: list[tuple[int, int, list[Entry]]]) -> list[tuple[int, int, list[Entry]]]:
    """Non-overlapping candidates, longest taken first, then leftmost."""
    taken: list[tuple[int, int, list[Entry]]] = []
    used: set[int] = set()
    for i, length, entries in sorted(candidates, key=lambda c: (-c[1], c[0])):
        span = range(i, i + length)
        if not any(t in used for t in span):
            used.update(span)
            taken.append((i, length, entries))
    return taken


def _matches(index: ConceptIndex, entries: list[Entry]) -> list[AnnotationMatch]:
    best: dict[str, Entry] = {}
    for entry in entries:
        if entry.iri not in best or SCOPE_RANK[entry.scope] < SCOPE_RANK[best[entry.iri].scope]:
            best[entry.iri] = entry
    ordered = sorted(best.values(), key=lambda e: (SCOPE_RANK[e.scope], index.concepts[e.iri].label.casefold()))
    return [
        AnnotationMatch(concept=index.concepts[e.iri], matched_text=e.text, matched_scope=e.scope,
                        synonym_type=index.curie(e.synonym_type) if e.synonym_type else None,
                        lay=e.lay, abbreviation=e.abbreviation)
        for e in ordered
    ]
