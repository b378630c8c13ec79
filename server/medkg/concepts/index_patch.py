"""Patch the containers of a ConceptIndex for a few concepts, without touching the old ones.

``concepts.follow`` works out what a write changed (which names appear or go, which hierarchy
edges); this module writes that into a new index. Readers on other threads still hold the old
index, so nothing reachable from it is ever mutated: a container that changes is copied
(shallowly) on its first write, one that does not is shared, and Entry objects are frozen and
shared. A new name gets a rank between its neighbours in the one ranking order (``index.rank_key``);
when no int is left between them, ``NeedsRebuild`` says a full build is due.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable
from operator import attrgetter
from typing import Any, Generic, TypeVar

from medkg.concepts.index import RANK_GAP, ConceptIndex, Entry, phrase_limits, rank_key
from medkg.concepts.text import TOKEN, search_key, token_key

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_RANK = attrgetter("rank")


class NeedsRebuild(Exception):
    """The change is one a patch does not follow (cheaply or safely): build the index anew.
    The message says why."""


class CopyOnWrite(Generic[K, V]):
    """A dict of lists shared with an older index until its first write: then the dict is copied,
    and each list the first time it is edited. ``done()`` gives the dict to use."""

    def __init__(self, shared: dict[K, list[V]]) -> None:
        self.shared = shared
        self.table: dict[K, list[V]] | None = None
        self.copied: set[K] = set()

    def edit(self, key: K) -> list[V]:
        """The list under ``key``, a private copy (empty if there was none)."""
        if self.table is None:
            self.table = self.shared.copy()
        if key not in self.copied:
            self.copied.add(key)
            self.table[key] = list(self.table.get(key, ()))
        return self.table[key]

    def put(self, key: K, items: list[V]) -> None:
        """Sets the list under ``key`` (an empty list: no key), copying only if it differs."""
        if self.get(key) != items:
            self.edit(key)[:] = items

    def get(self, key: K) -> list[V]:
        """The list under ``key`` as it stands (not to be edited), or an empty one."""
        table = self.table if self.table is not None else self.shared
        return table.get(key, [])

    def done(self) -> tuple[dict[K, list[V]], set[K], set[K]]:
        """(the dict, keys it gained, keys it lost): lists left empty are dropped."""
        if self.table is None:
            return self.shared, set(), set()
        for key in self.copied:
            if not self.table[key]:
                del self.table[key]
        gained = {k for k in self.copied if k in self.table and k not in self.shared}
        lost = {k for k in self.copied if k not in self.table and k in self.shared}
        return self.table, gained, lost


def old_entries(index: ConceptIndex, iri: str, names: Iterable[tuple[str, str]]) -> set[Entry]:
    """The entries of ``iri`` in ``index`` among ``names`` ((scope, text) pairs that may be its
    names: a superset is fine), found by bisection in the rank order (no per-concept table)."""
    key = rank_key(index)
    curated = iri in index.concepts.curated
    label = index.sort_label[iri]
    found: set[Entry] = set()
    for scope, text in set(names):
        probe = Entry(iri, text, scope, None)  # type: ignore[arg-type]
        start: Any = (probe.order, not curated, label, iri, text)  # a prefix of rank_key: sorts before its entries
        at = bisect.bisect_left(index.entries, start, key=key)
        while at < len(index.entries) and key(index.entries[at])[:5] == start:
            found.add(index.entries[at])
            at += 1
    return found


def patch_entries(old: ConceptIndex, new: ConceptIndex, removed: set[Entry], added: set[Entry]) -> set[Entry]:
    """``new.entries`` and ``new.rank_width``: old's entries without ``removed``, with ``added``
    in rank order, each added one ranked between its neighbours; returns the added entries as
    ranked (what ``patch_search`` takes).

    ``new``'s concept tables must already hold the changed concepts: the order of an added entry
    depends on its concept's label and on whether it is curated. Raises NeedsRebuild when a run of
    added entries finds no free ints between its neighbours."""
    if not removed and not added:
        new.entries, new.rank_width = old.entries, old.rank_width
        return set()
    entries = list(old.entries)
    before, after = rank_key(old), rank_key(new)
    for entry in removed:
        at = bisect.bisect_left(entries, before(entry), key=before)
        if at == len(entries) or entries[at] is not entry:
            raise NeedsRebuild("an old name was not where its rank puts it")
        del entries[at]
    for entry in added:
        bisect.insort(entries, entry, key=after)
    positions = sorted(bisect.bisect_left(entries, after(e), key=after) for e in added)
    width = old.rank_width
    run: list[int] = []
    for position in positions + [-1]:
        if run and position == run[-1] + 1:
            run.append(position)
            continue
        if run:
            width = max(width, _rank_run(entries, run[0], len(run)) + 1)
        run = [position]
    new.entries, new.rank_width = entries, width
    return {entries[position] for position in positions}


def _rank_run(entries: list[Entry], first: int, count: int) -> int:
    """Ranks ``count`` new entries from ``first`` on (replacing them in ``entries``), spread
    between their neighbours; the last rank."""
    low = entries[first - 1].rank if first > 0 else 0
    end = first + count
    high = entries[end].rank if end < len(entries) else low + (count + 1) * RANK_GAP
    if high - low <= count:
        raise NeedsRebuild("no rank left between two names")
    for offset in range(count):
        entries[first + offset] = entries[first + offset].ranked(low + (high - low) * (offset + 1) // (count + 1))
    return entries[end - 1].rank


def phrase_of(entry: Entry) -> tuple[str, ...]:
    """The token keys of a name, as ``index._build_phrases`` makes them."""
    return tuple(token_key(t) for t in TOKEN.findall(entry.text))


def patch_search(old: ConceptIndex, new: ConceptIndex, removed: set[Entry], added: set[Entry]) -> None:
    """``new``'s by_key, keys, words, postings and phrases, from old's (added entries
    already ranked). Phrases hold the names of curated concepts only, as the build does."""
    by_key: CopyOnWrite[str, Entry] = CopyOnWrite(old.by_key)
    phrases: CopyOnWrite[tuple[str, ...], Entry] = CopyOnWrite(old.phrases)
    for entry in removed:
        key = search_key(entry.text)
        if key:
            by_key.edit(key).remove(entry)
        if entry.iri in old.concepts.curated and phrase_of(entry):
            phrases.edit(phrase_of(entry)).remove(entry)
    for entry in added:
        key = search_key(entry.text)
        if key:
            bisect.insort(by_key.edit(key), entry, key=_RANK)
        if entry.iri in new.concepts.curated and phrase_of(entry):
            bisect.insort(phrases.edit(phrase_of(entry)), entry, key=_RANK)
    new.by_key, gained, lost = by_key.done()
    new.phrases, _, _ = phrases.done()
    if new.phrases is old.phrases:
        new.longest_phrase, new.first_token = old.longest_phrase, old.first_token
    else:
        new.longest_phrase, new.first_token = phrase_limits(new.phrases)
    new.keys = _sorted_update(old.keys, gained, lost)
    postings: CopyOnWrite[str, str] = CopyOnWrite(old.postings)
    for key in lost:
        for word in set(key.split(" ")):
            postings.edit(word).remove(key)
    for key in gained:
        for word in set(key.split(" ")):
            bisect.insort(postings.edit(word), key)
    new.postings, words_gained, words_lost = postings.done()
    new.words = _sorted_update(old.words, words_gained, words_lost)


def _sorted_update(items: list[str], gained: set[str], lost: set[str]) -> list[str]:
    """A sorted list with ``gained`` inserted and ``lost`` removed (``items`` itself if neither)."""
    if not gained and not lost:
        return items
    result = list(items)
    for item in lost:
        del result[bisect.bisect_left(result, item)]
    for item in gained:
        bisect.insort(result, item)
    return result


def patch_relation(old_up: dict[str, list[str]], old_down: dict[str, list[str]], touched: set[str],
                   parents: dict[str, set[str]], children: dict[str, set[str]],
                   order: Callable[[str], tuple[str, str]], is_concept: Callable[[str], bool],
                   ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The (child -> parents, parent -> children) tables of one relation after a change.

    ``parents``/``children``: each touched concept's neighbours by this relation as the store
    has them now (both ends must be concepts of the new index, ``is_concept``). The lists of the
    touched concepts are made anew; so are those of their untouched neighbours, old and new (they
    lose or gain a touched concept, or see its label, hence its place in the order, change).
    ``order``: the sort key of the new index (``index.neighbour_key``)."""
    up: CopyOnWrite[str, str] = CopyOnWrite(old_up)
    down: CopyOnWrite[str, str] = CopyOnWrite(old_down)
    gained_children: dict[str, set[str]] = {}  # untouched parent -> its touched children
    gained_parents: dict[str, set[str]] = {}
    for concept in touched:
        alive = is_concept(concept)
        ups = {o for o in parents.get(concept, ()) if alive and is_concept(o)}
        downs = {s for s in children.get(concept, ()) if alive and is_concept(s)}
        up.put(concept, sorted(ups, key=order))
        down.put(concept, sorted(downs, key=order))
        for other in {*old_up.get(concept, ()), *ups} - touched:
            gained_children.setdefault(other, set()).update({concept} if other in ups else ())
        for other in {*old_down.get(concept, ()), *downs} - touched:
            gained_parents.setdefault(other, set()).update({concept} if other in downs else ())
    for other, gained in gained_children.items():
        down.put(other, sorted({*(n for n in old_down.get(other, ()) if n not in touched), *gained}, key=order))
    for other, gained in gained_parents.items():
        up.put(other, sorted({*(n for n in old_up.get(other, ()) if n not in touched), *gained}, key=order))
    return up.done()[0], down.done()[0]
