"""Search by label, synonym or lay term: ranked exact > prefix > word prefix > substring.

Case, accents and punctuation are ignored (``text.normalize``). Each concept appears once, with
the name that matched best; ties go to the preferred label, then exact synonyms, then shorter
names. Totals count every match, so a client can page through all of them.
"""

from __future__ import annotations

import bisect

from medkg.concepts.identifiers import InvalidIdentifier, to_iri
from medkg.concepts.index import ConceptIndex, Entry, key_range, word_range
from medkg.concepts.models import SearchHit, SearchResults
from medkg.concepts.text import search_key
from medkg.namespaces import ONTOLOGY

MAX_QUERY = 500
_TIERS = ("exact", "prefix", "word_prefix", "substring")


class InvalidQuery(ValueError):
    """A search or annotate input that cannot be run. The message says why."""


def kind_filter(index: ConceptIndex, kinds: list[str] | None) -> set[str] | None:
    """The kind IRIs (with their subkinds) a filter names, or None for no filter.

    Kinds are CURIEs (mkg:Condition), IRIs, or bare names (Condition, case-insensitive).
    """
    if not kinds:
        return None
    by_name = {k.rsplit("/", 1)[-1].casefold(): k for k in index.subkinds}
    allowed: set[str] = set()
    for kind in kinds:
        name = kind.strip()
        iri = by_name.get(name.casefold()) if ":" not in name else None
        if iri is None:
            try:
                iri = to_iri(name, index.base) if ":" in name else None
            except InvalidIdentifier:
                iri = None
        if iri is None or iri not in index.subkinds:
            known = ", ".join(sorted(index.curie(k) or k for k in index.subkinds if k.startswith(index.base + ONTOLOGY)))
            raise InvalidQuery(f"unknown kind {kind[:80]!r}; kinds are: {known}")
        allowed |= index.subkinds[iri]
    return allowed


def scheme_filter(index: ConceptIndex, schemes: list[str] | None) -> set[str | None] | None:
    """The scheme IRIs a filter names (None standing for medkg's own concepts), or None for no filter.

    A scheme is its IRI, its CURIE (src:icd-10-cm), its name with or without hyphens (icd-10-cm,
    icd10cm, hpo, omim, orphanet, decipher), or medkg for the curated concepts; case-insensitive."""
    if not schemes:
        return None
    names: dict[str, str | None] = {"medkg": None}
    for scheme in index.schemes:
        local = scheme.rstrip("/#").rsplit("/", 1)[-1].casefold()
        names.update({scheme.casefold(): scheme, local: scheme, local.replace("-", ""): scheme,
                      (index.curie(scheme) or scheme).casefold(): scheme})
    allowed: set[str | None] = set()
    for name in schemes:
        key = name.strip().casefold()
        if key not in names:
            known = ", ".join(["medkg", *sorted(s.rstrip("/#").rsplit("/", 1)[-1] for s in index.schemes)])
            raise InvalidQuery(f"unknown scheme {name[:80]!r}; schemes are: {known}")
        allowed.add(names[key])
    return allowed


def _matching_keys(index: ConceptIndex, query: str) -> list[tuple[int, str]]:
    """(tier, key) for every indexed name that contains the query, best tier per key."""
    found: dict[str, int] = {}
    if query in index.by_key:
        found[query] = 0
    lo, hi = key_range(index.keys, query)
    for key in index.keys[lo:hi]:
        found.setdefault(key, 1)
    lo, hi = word_range(index, query)
    for start in index.word_starts[lo:hi]:
        found.setdefault(index.keys[bisect.bisect_right(index.offsets, start) - 1], 2)
    position = index.blob.find(query)
    while position != -1:  # substring matches, scanning the joined keys at C speed
        i = bisect.bisect_right(index.offsets, position) - 1
        found.setdefault(index.keys[i], 3)
        next_key = index.offsets[i + 1] if i + 1 < len(index.offsets) else len(index.blob)
        position = index.blob.find(query, next_key)
    return [(tier, key) for key, tier in found.items()]


def search(index: ConceptIndex, query: str, *, kinds: list[str] | None = None,
           limit: int = 10, offset: int = 0, schemes: list[str] | None = None) -> SearchResults:
    """Concepts whose label or a synonym contains ``query``, best first."""
    if len(query) > MAX_QUERY:
        raise InvalidQuery(f"the query is {len(query)} characters long; at most {MAX_QUERY} are allowed")
    needle = search_key(query)
    if not needle:
        raise InvalidQuery("the query has no letters or digits to search for")
    allowed = kind_filter(index, kinds)
    in_schemes = scheme_filter(index, schemes)
    best: dict[str, tuple[int, Entry]] = {}
    for tier, key in _matching_keys(index, needle):
        for entry in index.by_key[key]:
            if allowed is not None and index.kind_of[entry.iri] not in allowed:
                continue
            if in_schemes is not None and index.concepts.scheme(entry.iri) not in in_schemes:
                continue
            found = best.get(entry.iri)
            if found is None or (tier, entry.order) < (found[0], found[1].order):
                best[entry.iri] = (tier, entry)
    # Best tier, then best name (label, exact synonym, shorter), then the concept's label.
    ordered = sorted(best.values(), key=lambda item: (item[0], item[1].order, index.sort_label[item[1].iri]))
    hits = [
        SearchHit(concept=index.concepts[entry.iri], matched_text=entry.text, matched_scope=entry.scope,
                  synonym_type=index.curie(entry.synonym_type) if entry.synonym_type else None,
                  lay=entry.lay, abbreviation=entry.abbreviation, match_type=_TIERS[tier])  # type: ignore[arg-type]
        for tier, entry in ordered[offset:offset + limit]
    ]
    return SearchResults(query=query, total=len(ordered), limit=limit, offset=offset, hits=hits)
