"""One `medkg serve` per --store DIR: a second server on the same folder would keep its own view of
the live store, and the writes either acknowledges would be lost to the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import start_server

pytestmark = pytest.mark.server

SECRET = "serving-lock-secret-0123456789"
INSERT = "INSERT DATA { <https://w3id.org/medkg/concept/lock-test> <http://www.w3.org/2000/01/rdf-schema#comment> \"x\"@en }"


def medkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "medkg.cli", *args], capture_output=True, text=True,
                          timeout=180, check=False)


@pytest.mark.parametrize("token", [False, True])
def test_a_second_server_on_the_same_folder_is_refused(tmp_path: Path, token: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if token:
        monkeypatch.setenv("MEDKG_WRITE_TOKEN", SECRET)
    folder = tmp_path / "store"
    with start_server("--store", str(folder), "--workers", "1") as first:
        second = medkg("serve", "--store", str(folder), "--workers", "1", "--port", "1")
        assert second.returncode == 2, second.stderr
        assert "is being served by another medkg process" in second.stderr
        assert f"pid {first.process.pid}" in second.stderr and "serve another folder" in second.stderr
        assert "Traceback" not in second.stderr and "serving" not in second.stderr.split(":", 1)[0]
        with first.client() as client:
            assert client.get("/health").status_code == 200  # the first one is untouched


def test_an_acknowledged_write_survives_and_the_folder_is_free_once_the_server_dies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDKG_WRITE_TOKEN", SECRET)
    folder = tmp_path / "store"
    with start_server("--store", str(folder), "--workers", "1") as first:
        with first.client() as client:
            answer = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": "Bearer " + SECRET})
            assert answer.status_code in (200, 204), answer.text
        # export reads the live store while it is served (read-only: RocksDB read-only takes no lock)
        exported = medkg("export", "--store", str(folder), "--out", str(tmp_path / "out"))
        assert exported.returncode == 0, exported.stderr
        assert "lock-test" in "".join(p.read_text() for p in (tmp_path / "out").rglob("*.ttl"))
        os.kill(first.process.pid, signal.SIGKILL)  # a crash: the OS releases the lock
        first.process.wait()
    with start_server("--store", str(folder), "--workers", "1") as again:
        with again.client() as client:
            asked = client.get("/sparql", params={"query": "ASK { <https://w3id.org/medkg/concept/lock-test> ?p ?o }"},
                               headers={"Accept": "application/sparql-results+json"})
        assert asked.json()["boolean"] is True


def test_load_into_a_store_folder_is_refused_with_the_way_to_fill_it(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with start_server("--store", str(folder), "--workers", "1"):
        result = medkg("load", "--into", str(folder), "--no-validate")
        assert result.returncode == 2
        assert "medkg serve --store" in result.stderr and "Traceback" not in result.stderr
