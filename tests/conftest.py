"""Shared fixtures: the packaged graph in a store, loaded once per test session."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from medkg.loading import new_store


@pytest.fixture(scope="session")
def packaged_store() -> ox.Store:
    """The packaged graph (ontology + data). Treat as read-only: tests share it."""
    return new_store()
