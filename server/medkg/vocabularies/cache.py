"""Building the vocabularies into the on-disk cache: one sorted N-Quads file per vocabulary, named
by the fingerprint of its source files, written atomically.

Cache folder: ``$MEDKG_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/medkg``, else ``~/.cache/medkg``;
the files are ``vocabularies/NAME-FINGERPRINT.nq`` in it, each with a ``.json`` summary beside it
(version and counts, for `medkg vocab list`; the sha256 of the file as built and checked). The
fingerprint is the sha256 of BUILDER_VERSION, the vocabulary's name and its source files' bytes
(first 16 hex digits in the name): a second build is a no-op, a new package release (other bytes)
or a new builder rebuilds, and so does a file changed since its build (``is_built``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from medkg.graph.digests import cache_dir, file_sha256, has_recorded_bytes
from medkg.graph.namespaces import DEFAULT_BASE
from medkg.vocabularies import hpo, hpoa, icd10cm, metadata
from medkg.vocabularies import model as m
from medkg.vocabularies.nquads import iri, quad

# Bump when the model or the output changes: every vocabulary rebuilds.
BUILDER_VERSION = "2"

_MODULES = {icd10cm.NAME: icd10cm, hpo.NAME: hpo, hpoa.NAME: hpoa}

Progress = Callable[[str, int], None]  # (what, lines done so far)


class VocabularyError(Exception):
    """A vocabulary that cannot be built: unknown name, missing source, unreadable or invalid."""


class CacheFolderError(VocabularyError):
    """The cache folder cannot be created or written (checked before a build parses anything)."""


def check_writable(folder: Path) -> None:
    """CacheFolderError unless ``folder`` exists or can be created, and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".medkg-probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise CacheFolderError(
            f"cannot write the vocabulary cache folder {folder} ({error.strerror or error}): set MEDKG_CACHE_DIR "
            "(or XDG_CACHE_HOME) to a folder you can write"
        ) from error


@dataclass(frozen=True)
class Status:
    """What `medkg vocab list` says about one vocabulary."""

    name: str
    sources: tuple[Path, ...]
    available: bool  # every source file is installed
    path: Path | None  # the built file when built for the installed sources
    version: str | None
    triples: int | None
    entities: int | None


def check_names(names: Sequence[str]) -> list[str]:
    """``names`` in build order, duplicates removed ("all" means all); VocabularyError naming the
    valid names for an unknown one, or for no name at all (an empty --vocab would load nothing, silently)."""
    if not names or any(not n.strip() for n in names):
        raise VocabularyError(f"a vocabulary name is empty: give one or more of {', '.join(m.NAMES)} (or all), "
                              "separated by commas")
    wanted = set(m.NAMES if "all" in names else names)
    unknown = sorted(wanted - set(m.NAMES))
    if unknown:
        raise VocabularyError(f"unknown vocabulary {', '.join(unknown)}: the vocabularies are {', '.join(m.NAMES)} (or all)")
    return [n for n in m.NAMES if n in wanted]


def with_needed(names: Sequence[str]) -> list[str]:
    """``names`` plus the vocabularies they link into (hpo-annotations -> hpo), in build order."""
    wanted = set(check_names(names))
    for name in list(wanted):
        wanted.update(m.NEEDS.get(name, ()))
    return [n for n in m.NAMES if n in wanted]


def sources(name: str) -> tuple[Path, ...]:
    """The installed source files of vocabulary ``name``."""
    return _MODULES[check_names([name])[0]].source_files()


def fingerprint(name: str, files: Sequence[Path]) -> str:
    """sha256 (hex) of the builder version, the name and the files' bytes, in order."""
    digest = hashlib.sha256(f"medkg-vocabulary/{BUILDER_VERSION}\0{name}\0".encode())
    for path in files:
        try:
            digest.update(bytes.fromhex(file_sha256(path)))  # remembered by the file's status
        except OSError as error:
            raise VocabularyError(f"cannot read {path}, a source of {name}: {error.strerror or error}") from error
    return digest.hexdigest()


def built_path(name: str, files: Sequence[Path] | None = None) -> Path:
    """Where vocabulary ``name`` built from ``files`` (default: the installed ones) is cached."""
    files = sources(name) if files is None else files
    return cache_dir() / "vocabularies" / f"{name}-{fingerprint(name, files)[:16]}.nq"


def is_built(path: Path) -> bool:
    """Whether ``path`` is a finished build: the file exists and, where its summary records the
    sha256 of the bytes built, still has them (a file changed since is built again)."""
    if not path.is_file():
        return False
    recorded = _sidecar(path)
    return recorded is None or "sha256" not in recorded or has_recorded_bytes(path)


def status(name: str) -> Status:
    """Whether ``name``'s sources are installed and whether it is built, with its version and counts
    (read from the built file's dataset description)."""
    files = sources(name)
    available = all(p.is_file() for p in files)
    path = built_path(name, files) if available else None
    if path is None or not is_built(path):
        return Status(name, files, available, None, None, None, None)
    described = _sidecar(path) or _description(path, name)
    return Status(name, files, available, path, described.get("versionInfo"),
                  _int(described.get("triples")), _int(described.get("entities")))


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _sidecar(path: Path) -> dict[str, str] | None:
    """The dataset's version and counts saved beside the built file (NAME-FINGERPRINT.json), so
    that `medkg vocab list` need not read the file; None when missing or unreadable."""
    try:
        found = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else None


def _description(path: Path, name: str) -> dict[str, str]:
    """The dataset's own literal values (version, counts), read from its lines (sorted: the graph
    IRI's lines come together)."""
    subject = iri(m.graph_iri(name))
    found: dict[str, str] = {}
    with path.open(encoding="utf-8") as file:
        for line in file:
            if line.startswith(subject + " "):
                predicate = line.split(" ", 2)[1]
                local = predicate.rstrip(">").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                value = line.split('"')[1] if '"' in line else ""
                found[local] = value
            elif found:
                break
    return found


def build(name: str, *, progress: Progress | None = None, validate: bool = True,
          files: Sequence[Path] | None = None, out: Path | None = None) -> tuple[Path, bool]:
    """Builds vocabulary ``name`` unless built: (the N-Quads file, whether it was built now).

    ``files`` / ``out`` build from other source files (tests: slices of the real files) into a
    given path. The quads are sorted and de-duplicated, written to a temporary file beside the
    target and renamed into place, so a reader never sees half a file. With ``validate``, the
    result is checked against the vocabulary shapes first (VocabularyError listing violations).
    """
    files = tuple(sources(name) if files is None else files)
    for path in files:
        if not path.is_file():
            raise VocabularyError(f"cannot read {path}, a source of {name}: no such file (is its package installed?)")
    target = out or built_path(name, files)
    if is_built(target):
        return target, False
    check_writable(target.parent)  # before parsing for seconds, not after
    lines = sorted(_lines(name, files, progress))  # unique: _lines de-duplicates
    summary = _summary(name, lines)
    try:
        temporary = _write_temporary(target, lines)
    except OSError as error:  # e.g. the disk filled up meanwhile
        raise CacheFolderError(f"cannot write {name} into {target.parent}: {error.strerror or error}") from error
    del lines  # the check reads the file: one copy of the data in memory, not three
    try:
        if validate:
            from medkg.vocabularies.checks import VocabularyInvalid, check_file

            try:
                check_file(name, temporary)
            except VocabularyInvalid as error:
                raise VocabularyError(str(error)) from error
        # The bytes checked, recorded: loaders may then parse them leniently (graph.loading).
        with temporary.open("rb") as file:
            summary["sha256"] = hashlib.file_digest(file, "sha256").hexdigest()
        # The summary first, then the data: a built file always has its summary beside it.
        _write_atomically(target.with_suffix(".json"), [json.dumps(summary, sort_keys=True) + "\n"])
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _remove_stale(name, target)
    return target, True


def _write_temporary(target: Path, lines: Sequence[str]) -> Path:
    """``lines`` in a new temporary file beside ``target`` (its suffix .tmp: not a build)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.writelines(lines)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def _write_atomically(target: Path, lines: Sequence[str]) -> None:
    temporary = _write_temporary(target, lines)
    try:
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _summary(name: str, lines: Sequence[str]) -> dict[str, str]:
    """The dataset description's version and counts, from its own lines."""
    subject = iri(m.graph_iri(name)) + " "
    found = {}
    for line in lines:
        if line.startswith(subject):
            local = line.split(" ", 2)[1].rstrip(">").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            if local in ("versionInfo", "triples", "entities"):
                found[local] = line.split('"')[1]
    return found


def _lines(name: str, files: tuple[Path, ...], progress: Progress | None) -> Iterator[str]:
    module = _MODULES[name]
    graph = iri(m.graph_iri(name, DEFAULT_BASE))
    data: set[str] = set()
    entities: set[str] = set()
    try:
        for s, p, o in module.statements(files):
            data.add(quad(s, p, o, graph))
            if p == m.RDF_TYPE and o == m.CONCEPT:
                entities.add(s)
            if progress and len(data) % 100_000 == 0:
                progress(name, len(data))
    except (OSError, SyntaxError, ValueError) as error:
        raise VocabularyError(f"cannot build {name} from {', '.join(map(str, files))}: {error}") from error
    info = metadata.release(name, files)
    yield from data
    for s, p, o in metadata.statements(info, len(data), len(entities)):
        yield quad(s, p, o, graph)
    if progress:
        progress(name, len(data))


def _remove_stale(name: str, keep: Path) -> None:
    """Older builds of ``name`` in the same folder (another release or builder version)."""
    for path in keep.parent.glob(f"{name}-*.*"):
        if path.stem != keep.stem and len(path.stem) == len(keep.stem) and path.suffix in (".nq", ".json"):
            path.unlink(missing_ok=True)


def ensure_built(names: Sequence[str], *, progress: Progress | None = None,
                 announce: Callable[[str], None] | None = None) -> list[Path]:
    """The cached files of ``names`` and what they need, building those not built yet (``announce``
    is told, e.g. to say so on stderr)."""
    paths = []
    for name in with_needed(names):
        path = built_path(name)
        if not is_built(path) and announce:
            changed = " again: its file changed since it was built" if path.is_file() else ""
            announce(f"building the {name} vocabulary{changed} (once; cached in {path.parent})")
        paths.append(build(name, progress=progress)[0])
    return paths
