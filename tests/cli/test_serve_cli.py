"""`medkg serve` on the command line: its options and its refusals to start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "medkg.cli", "serve", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_help_documents_every_limit() -> None:
    result = serve("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for option in ("--host", "--port", "--store", "--no-validate", "--timeout", "--workers", "--max-queue",
                   "--max-request-bytes", "--max-header-bytes", "--max-connections", "--stream-after-bytes",
                   "--cache-bytes", "--query-memory-bytes", "--allow-service", "--cors-origin"):
        assert option in text, option


@pytest.mark.parametrize("store", ["a-file", "http://127.0.0.1:1/query"])
def test_unusable_stores_refused(store: str, tmp_path: Path) -> None:
    # --store DIR and URL are issue 6 (tests/test_store_*.py); a file or a dead server is refused.
    if store == "a-file":
        (tmp_path / store).write_text("precious")
        store = str(tmp_path / store)
    result = serve("--store", store)
    assert result.returncode == 2
    assert result.stderr.startswith("medkg: --store") and "Traceback" not in result.stderr


def test_unreadable_rdf_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    result = serve(str(bad), "--no-validate")
    assert result.returncode == 2
    assert "bad.ttl" in result.stderr and "line 1" in result.stderr and "Traceback" not in result.stderr


def test_a_busy_port_is_named_before_anything_is_announced() -> None:
    # issue 14, item 5: not "serving ... on :8000" followed by a raw Errno 98
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = serve("--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr and "--port" in result.stderr
    assert "serving" not in result.stderr and "Errno" not in result.stderr and "Traceback" not in result.stderr


def test_a_host_that_does_not_resolve_is_refused() -> None:
    result = serve("--host", "no-such-host.invalid", "--workers", "1")
    assert result.returncode == 2 and "--host" in result.stderr and "serving" not in result.stderr


@pytest.mark.parametrize("prefix", ["kg", "/kg/", "/a b"])
def test_a_bad_root_path_is_a_usage_error(prefix: str) -> None:
    result = serve("--root-path", prefix)
    assert result.returncode == 2 and "--root-path" in result.stderr


@pytest.mark.parametrize("port", ["99999", "0", "-1", "65536"])
def test_a_port_out_of_range_is_a_usage_error(port: str) -> None:
    # 99999 and 0 printed "serving", then "cannot start a query worker: Broken pipe" forever.
    result = serve("--port", port, "--workers", "1")
    assert result.returncode == 2
    assert f"{port} is not a TCP port: give a number from 1 to 65535" in result.stderr
    assert "serving" not in result.stderr and "Traceback" not in result.stderr


# Options where 0 has a documented meaning (no waiting queue, stream everything, no cache, no cap).
_ZERO_MEANS_SOMETHING = {"max_queue", "stream_after_bytes", "cache_bytes", "query_memory_bytes"}


def _numeric_options() -> list[tuple[str, str, str]]:
    """(command, --option, nonsense value) for every int or float option of serve and load, read
    from the commands' signatures (so a new numeric option is tested without being listed here)."""
    import typing

    from medkg.cli import commands

    cases = []
    for command in (commands.serve, commands.load):
        for name, hint in typing.get_type_hints(command, include_extras=True).items():
            if name == "return" or typing.get_origin(hint) is not typing.Annotated:
                continue
            inner = typing.get_args(hint)[0]  # int, float, Optional[int], ...
            kinds = set(typing.get_args(inner) or [inner])
            if not kinds & {int, float}:
                continue
            values = ["-1"] + ([] if name in _ZERO_MEANS_SOMETHING else ["0"]) + (["nan", "inf"] if float in kinds else [])
            cases += [(command.__name__, "--" + name.replace("_", "-"), value) for value in values]
    return cases


@pytest.mark.parametrize("command,option,value", _numeric_options())
def test_every_numeric_option_refuses_nonsense(command: str, option: str, value: str) -> None:
    args = [command, option, value] + (["--into", "http://127.0.0.1:1/query"] if command == "load" else ["--workers", "1"] * (option != "--workers"))
    result = subprocess.run([sys.executable, "-m", "medkg.cli", *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, (args, result.stderr)
    assert f"Invalid value for '{option}'" in result.stderr and "Traceback" not in result.stderr
    assert "serving" not in result.stderr


def test_the_numeric_options_are_all_found() -> None:
    options = {option for _command, option, _value in _numeric_options()}
    assert {"--port", "--timeout", "--workers", "--max-queue", "--cache-bytes"} <= options
