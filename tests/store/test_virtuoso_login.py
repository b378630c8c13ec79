"""`medkg load --into` Virtuoso: its writes want a login with the SPARQL_UPDATE role (conftest's Virtuoso)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def _load(virtuoso: Any, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MEDKG_STORE_")} | env
    return subprocess.run([sys.executable, "-m", "medkg.cli", "load", "--into", virtuoso.query, str(data),
                           "--graph", "urn:test:login", "--no-validate"],
                          capture_output=True, text=True, timeout=60, check=False, env=environ)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "one.nt"
    path.write_text('<urn:a> <urn:b> "c" .\n', encoding="utf-8")
    return path


def test_without_a_login_the_refusal_says_how_to_log_in(virtuoso_server: Any, data: Path) -> None:
    result = _load(virtuoso_server, data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "(403)" in result.stderr and "SPARQL_UPDATE" in result.stderr and "MEDKG_STORE_USER" in result.stderr


def test_a_wrong_password_is_refused_without_showing_it(virtuoso_server: Any, data: Path) -> None:
    result = _load(virtuoso_server, data, MEDKG_STORE_USER="medkg-loader", MEDKG_STORE_PASSWORD="not-the-password-42")
    assert result.returncode == 1 and "(401)" in result.stderr and "wrong user name or password" in result.stderr
    assert "not-the-password-42" not in result.stderr + result.stdout


def test_half_a_login_is_an_option_error(virtuoso_server: Any, data: Path) -> None:
    result = _load(virtuoso_server, data, MEDKG_STORE_USER="medkg-loader")
    assert result.returncode == 2 and "MEDKG_STORE_PASSWORD is not set" in result.stderr


def test_the_loaders_login_writes_by_digest(virtuoso_server: Any, data: Path) -> None:
    login = virtuoso_server.credentials
    result = _load(virtuoso_server, data, MEDKG_STORE_USER=login.user, MEDKG_STORE_PASSWORD=login.password)
    assert result.returncode == 0, result.stderr
    assert "loaded 1 triples into 1 graph(s)" in result.stderr and login.password not in result.stderr
