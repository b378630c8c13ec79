"""File digests remembered by the files' status (medkg.graph.digests): used only for the same bytes."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from medkg.graph.digests import file_sha256


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _old_file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def test_the_digest_is_the_sha256_of_the_bytes_and_is_remembered(tmp_path: Path, cache: Path) -> None:
    path = _old_file(tmp_path / "a.nq", b"<a> <b> <c> .\n")
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    memo = json.loads((cache / "digests.json").read_text())
    assert memo[os.path.realpath(path)][1] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_remembered_digest_is_what_an_unchanged_file_gets(tmp_path: Path, cache: Path) -> None:
    path = _old_file(tmp_path / "a.nq", b"one")
    file_sha256(path)
    memo_file = cache / "digests.json"
    memo = json.loads(memo_file.read_text())
    memo[os.path.realpath(path)][1] = "f" * 64  # proof that the memo, not the bytes, answered
    memo_file.write_text(json.dumps(memo))
    assert file_sha256(path) == "f" * 64


def test_new_bytes_of_the_same_size_and_time_stamp_are_hashed_again(tmp_path: Path) -> None:
    path = _old_file(tmp_path / "a.nq", b"one")
    first = file_sha256(path)
    stat = path.stat()
    time.sleep(0.01)
    path.write_bytes(b"two")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time: the change time differs
    assert file_sha256(path) == hashlib.sha256(b"two").hexdigest() != first


def test_a_file_changed_just_now_is_not_remembered(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "fresh.nq"
    path.write_bytes(b"still being written")
    assert file_sha256(path) == hashlib.sha256(b"still being written").hexdigest()
    assert not (cache / "digests.json").exists()


def test_an_unwritable_cache_only_means_hashing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("MEDKG_CACHE_DIR", str(blocker))
    path = _old_file(tmp_path / "a.nq", b"x")
    assert file_sha256(path) == hashlib.sha256(b"x").hexdigest()
    assert file_sha256(path) == hashlib.sha256(b"x").hexdigest()


def test_a_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        file_sha256(tmp_path / "absent.nq")
