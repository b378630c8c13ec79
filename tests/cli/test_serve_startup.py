"""`medkg serve` never hangs or ends in a traceback when the web server fails to start after the
graph is loaded: the port taken meanwhile (a race with the early check), or the app's lifespan
start-up failing. It exits non-zero with one sentence on stderr."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import free_port, start_server

pytestmark = pytest.mark.server


def _stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_a_port_taken_between_the_check_and_the_bind_is_named_and_serve_exits(tmp_path: Path) -> None:
    # The example: "serving ..." announced, then uvicorn's bind error, and the process did not exit.
    port = free_port()
    store = tmp_path / "store"
    command = [sys.executable, "-m", "medkg.cli", "serve", "--store", str(store), "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1"]
    with subprocess.Popen(command, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        try:
            # The store folder is claimed (its lock names the pid) after the port check, before
            # loading: frozen there while another process takes the port, the race is certain.
            deadline = time.monotonic() + 60
            while _lock_holder(store) != str(process.pid):
                assert process.poll() is None and time.monotonic() < deadline, "the store was never claimed"
                time.sleep(0.005)
            os.kill(process.pid, signal.SIGSTOP)
            with socket.socket() as taker:
                taker.bind(("127.0.0.1", port))
                taker.listen()
                os.kill(process.pid, signal.SIGCONT)
                code = process.wait(timeout=120)
        finally:
            if process.poll() is None:  # hung: the fault this test is about
                process.kill()
        rest = process.stderr.read().decode()
    assert code == 2, rest
    assert _stderr_lines(rest) == [f"medkg: port {port} on 127.0.0.1 is in use (another server is listening there): "
                                   "stop it, or choose another port with --port"], rest


def _lock_holder(store: Path) -> str:
    try:
        return (store / ".serving").read_text().strip()
    except OSError:
        return ""


_FAILING_LIFESPAN = textwrap.dedent("""
    import contextlib, socket, sys
    from starlette.applications import Starlette
    from medkg.serve import ServeError, run_app, _listen

    @contextlib.asynccontextmanager
    async def lifespan(app):
        open({missing!r}).close()  # a real failure: the file is not there
        yield

    try:
        run_app(Starlette(lifespan=lifespan), _listen("127.0.0.1", {port}), {{"log_level": "warning"}})
    except ServeError as error:
        print("medkg:", error, file=sys.stderr)
        sys.exit(error.code)
    print("served", file=sys.stderr)
""")


def test_a_lifespan_start_up_failure_is_one_sentence_and_an_exit(tmp_path: Path) -> None:
    # The general case: whatever fails in the app's start-up, run_app (what `medkg serve` runs
    # after announcing) says so in one sentence and returns; uvicorn's traceback is held back.
    script = _FAILING_LIFESPAN.format(missing=str(tmp_path / "absent.ttl"), port=free_port())
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    lines = _stderr_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("medkg: the server failed to start after loading the graph (FileNotFoundError:")
    assert "absent.ttl" in lines[0] and "Traceback" not in done.stderr


def test_a_server_that_starts_announces_once_and_serves() -> None:
    # The port is bound by medkg before "serving" and handed to uvicorn: it still serves.
    with start_server("--workers", "1") as live, live.client() as client:
        assert client.get("/health").status_code == 200
        log = live.log_text()
    assert log.count("medkg: serving ") == 1 and "Traceback" not in log
