"""sha256 digests of input files, remembered by the files' status so an unchanged file is not read again.

Starting `medkg serve --vocab all --store DIR` hashes the vocabularies' source files (to find their
build) and the built N-Quads files (to find the store loaded from them): ~3.5 GB, seconds on every
start. A digest is remembered in ``digests.json`` of the cache folder (``cache_dir``) under the
file's real path, with its device, inode, size, and modification and change times in nanoseconds:
any write to the file changes its change time (which no user call can set back), so a remembered
digest is used only for the very bytes it was computed from. As git does for its index ("racily
clean" entries), a digest of a file changed in the last two seconds is not remembered: the file
could still change within the same time stamp.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from pathlib import Path

_RACY_SECONDS = 2.0
_MAX_ENTRIES = 256  # the oldest are dropped past this: a few files per vocabulary and store


def cache_dir() -> Path:
    """medkg's cache folder: ``$MEDKG_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/medkg``, else
    ``~/.cache/medkg`` (the XDG Base Directory layout); not created here."""
    if os.environ.get("MEDKG_CACHE_DIR"):
        return Path(os.environ["MEDKG_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "medkg"


def _memo_path() -> Path:
    return cache_dir() / "digests.json"


def _status(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def _read_memo() -> dict[str, list[object]]:
    try:
        memo = json.loads(_memo_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def _remember(key: str, entry: list[object]) -> None:
    """Adds one digest to the memo, atomically; a cache folder that cannot be written only means
    the file is hashed again next time."""
    memo = _read_memo()
    memo.pop(key, None)
    memo[key] = entry
    while len(memo) > _MAX_ENTRIES:
        del memo[next(iter(memo))]
    path = _memo_path()
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(memo), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def file_sha256(path: Path) -> str:
    """The sha256 of ``path``'s bytes (hex), from the memo when the file is unchanged since it was
    hashed. Raises OSError when the file cannot be read."""
    real = os.path.realpath(path)
    with open(real, "rb") as file:
        before = os.fstat(file.fileno())
        entry = _read_memo().get(real)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == _status(before) and isinstance(entry[1], str):
            return entry[1]
        digest = hashlib.file_digest(file, "sha256").hexdigest()
        after = os.fstat(file.fileno())
    if _status(after) == _status(before) and time.time() - after.st_mtime > _RACY_SECONDS:
        _remember(real, [_status(after), digest])
    return digest


def has_recorded_bytes(path: Path) -> bool:
    """Whether ``path`` holds the very bytes whose sha256 its sidecar records (the file of the same
    name with suffix .json: {"sha256": hex, ...}, written by medkg.vocabularies.cache when it
    builds and checks the file). False when there is no such record, or the bytes differ."""
    try:
        recorded = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return isinstance(recorded, dict) and recorded.get("sha256") == file_sha256(path)
    except (OSError, ValueError):
        return False
