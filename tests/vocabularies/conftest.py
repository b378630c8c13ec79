"""The full build of the three vocabularies, shared by the tests that need it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medkg.vocabularies import cache


@pytest.fixture(scope="session")
def full_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """All three vocabularies built from the installed packages into a session cache folder
    ($MEDKG_CACHE_DIR points there while the session lasts)."""
    folder = tmp_path_factory.mktemp("medkg-cache")
    before = os.environ.get("MEDKG_CACHE_DIR")
    os.environ["MEDKG_CACHE_DIR"] = str(folder)
    try:
        for name in ("icd10cm", "hpo", "hpo-annotations"):
            cache.build(name)
        yield folder
    finally:
        if before is None:
            os.environ.pop("MEDKG_CACHE_DIR", None)
        else:
            os.environ["MEDKG_CACHE_DIR"] = before
