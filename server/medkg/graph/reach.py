"""Reachability in a directed graph given as a map of edges: what the class hierarchy (a class and
all its sub- or superclasses) and the blank nodes hanging off a term both need."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


def reachable(edges: Mapping[T, Iterable[T]], starts: Iterable[T]) -> set[T]:
    """The ``starts`` and every node reachable from them along ``edges`` (cycles are fine)."""
    seen = set(starts)
    todo = list(seen)
    while todo:
        for node in edges.get(todo.pop(), ()):
            if node not in seen:
                seen.add(node)
                todo.append(node)
    return seen


def closure(edges: Mapping[T, Iterable[T]], nodes: Iterable[T]) -> dict[T, set[T]]:
    """For each of ``nodes``: itself and all it reaches along ``edges`` (e.g. rdfs:subClassOf*)."""
    return {node: reachable(edges, [node]) for node in nodes}
