"""Regenerates README's marked examples from the real CLI and a real `medkg serve`, or checks them.

    python benchmarks/readme_examples.py            # rewrite README.md's marked outputs in place
    python benchmarks/readme_examples.py --check    # exit 1 and print a diff when README differs

A marked example is an HTML comment right before a fenced block:

- ``<!-- readme-example -->``: the block is the output of the ``curl`` command in the fenced block
  just before it, run against a read-only `medkg serve` of the packaged graph.
  Options: ``keep=REGEX`` keeps only the output lines that match (and ``...`` where lines were left
  out); ``head=N`` the first N lines and ``...``; ``skip-prefixes`` leaves out Turtle's @prefix lines.
- ``<!-- readme-example: session -->``: a shell session: each ``$ `` line is run in order (bash, in a
  temporary folder; `medkg` is this checkout's CLI) and the lines after it are replaced by its
  output. ``$ export`` sets the environment of what follows, ``$ medkg serve`` starts a server
  (with that environment), ``$ cat FILE`` is README's definition of FILE: it is written, not read.
  ``curl -i`` answers keep the status line and the content-type header. JSON bodies longer than 160
  characters are indented.

Outputs that differ only in what changes on every run (a write's activity id, a time stamp) keep
README's text. `http://127.0.0.1:8000` in a command is the server this script started.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARK = re.compile(r"^\s*<!-- readme-example(?::\s*(.*?))?\s*-->$")
FENCE = re.compile(r"^(\s*)```")
VOLATILE = re.compile(r"write-[0-9a-f]{32}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?")
CLI = f"{shlex.quote(sys.executable)} -c 'from medkg.cli import main; main()'"


@dataclass
class Block:
    """A fenced block: the line numbers of its opening and closing fences, its body lines (without
    the indentation of its fence, as in a list item) and that indentation."""

    start: int
    end: int
    body: list[str]
    indent: str


def fenced_blocks(lines: list[str]) -> list[Block]:
    blocks, start, indent = [], None, ""
    for number, line in enumerate(lines):
        fence = FENCE.match(line)
        if fence:
            if start is None:
                start, indent = number, fence.group(1)
            else:
                body = [x.removeprefix(indent) for x in lines[start + 1:number]]
                blocks.append(Block(start, number, body, indent))
                start = None
    return blocks


# -- servers -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(env: dict[str, str]) -> Iterator[str]:
    """A `medkg serve` of the packaged graph on a free port; yields its base URL."""
    port = _free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen([sys.executable, "-c", "from medkg.cli import main; main()", "serve", "--port",
                                str(port), "--workers", "2"], env=env, stdout=log, stderr=log, cwd=tempfile.gettempdir())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("medkg serve did not start:\n" + log.read().decode(errors="replace")) from None
                time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def run_shell(command: str, env: dict[str, str], cwd: Path, url: str | None) -> str:
    """A README command run by bash: stdout then stderr, as one text."""
    if url:
        command = command.replace("http://127.0.0.1:8000", url)
    # No progress meter on stderr (README's commands leave out curl's -sS to stay short).
    script = f"medkg() {{ {CLI} \"$@\"; }}\ncurl() {{ command curl -sS \"$@\"; }}\n{command}"
    done = subprocess.run(["bash", "-c", script], env=env, cwd=cwd, capture_output=True, timeout=300, check=False)
    out = done.stdout.decode("utf-8").replace("\r\n", "\n")
    if url:
        out = out.replace(url, "http://127.0.0.1:8000")
    return out + done.stderr.decode("utf-8")


# -- shaping outputs -------------------------------------------------------------------------------


def _indent_json(text: str) -> str:
    stripped = text.strip()
    if len(stripped) <= 160 or not stripped.startswith("{"):
        return text
    try:
        return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False) + "\n"
    except ValueError:
        return text


def shape_curl(out: str, command: str, indent_json: bool = False) -> str:
    indent = _indent_json if indent_json else (lambda text: text)
    if " -i " not in f" {command} ":
        return indent(out)
    head, _, body = out.partition("\n\n")
    kept = [line for i, line in enumerate(head.split("\n")) if i == 0 or line.lower().startswith("content-type:")]
    return "\n".join(kept) + "\n\n" + indent(body)


def apply_options(out: str, options: dict[str, str]) -> str:
    lines = out.rstrip("\n").split("\n")
    if "skip-prefixes" in options:
        lines = [line for line in lines if not line.startswith(("@prefix", "PREFIX"))]
        while lines and not lines[0]:
            lines.pop(0)
    if "keep" in options:
        pattern = re.compile(options["keep"])
        kept: list[str] = []
        for line in lines:
            if pattern.search(line):
                kept.append(line)
            elif kept and kept[-1] != "...":
                kept.append("...")
        lines = kept
    if "head" in options and len(lines) > int(options["head"]):
        lines = lines[: int(options["head"])] + ["..."]
    return "\n".join(lines) + "\n"


def stable(new: str, old: str) -> str:
    """README's text when the two differ only in volatile values."""
    same = VOLATILE.sub("*", new).rstrip("\n") == VOLATILE.sub("*", old).rstrip("\n")
    return old if same else new


def _options(text: str | None) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in shlex.split(text or ""):
        key, _, value = item.partition("=")
        options[key] = value
    return options


# -- the two kinds ---------------------------------------------------------------------------------


class Session:
    """The shell sessions of README, in order: environment and server carry over from one to the next."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {**os.environ}
        self.url: str | None = None
        self._servers: list[object] = []

    def run(self, body: list[str]) -> list[str]:
        """The session's lines with each command's output replaced by what it prints now."""
        out: list[str] = []
        i = 0
        while i < len(body):
            line = body[i]
            assert line.startswith("$ "), f"a session line that is not a command: {line!r}"
            command = line[2:]
            j = i + 1
            while j < len(body) and not body[j].startswith("$ "):
                j += 1
            old = "".join(x + "\n" for x in body[i + 1:j])
            out.append(line)
            i = j
            words = shlex.split(command)
            if words[0] == "export":
                name, _, value = words[1].partition("=")
                self.env[name] = value
                continue
            if words[:2] == ["medkg", "serve"]:
                context = server(self.env)
                self.url = context.__enter__()
                self._servers.append(context)
                continue
            if words[0] == "cat" and len(words) == 2:  # README defines the file
                (self.workdir / words[1]).write_text(old, encoding="utf-8")
                new = old
            else:
                new = run_shell(command, self.env, self.workdir, self.url)
                if words[0] == "curl":
                    new = shape_curl(new, command, indent_json=True)
            new = stable(new, old)
            out.extend(new.rstrip("\n").split("\n") if new.strip() else [])
        return out

    def close(self) -> None:
        for context in reversed(self._servers):
            context.__exit__(None, None, None)  # type: ignore[attr-defined]


def regenerate(text: str) -> str:
    lines = text.split("\n")
    blocks = fenced_blocks(lines)
    by_start = {b.start: b for b in blocks}
    replacements: dict[int, list[str]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="medkg-readme-"))
    shutil.copytree(ROOT / "queries", workdir / "queries")
    shutil.copytree(ROOT / "tests" / "fixtures", workdir / "tests" / "fixtures")
    plain_server = None
    url = None
    session = Session(workdir)
    try:
        for number, line in enumerate(lines):
            mark = MARK.match(line)
            if mark is None:
                continue
            block = by_start.get(number + 1)
            assert block is not None, f"README line {number + 1}: the mark must be right before a fenced block"
            options = _options(mark.group(1))
            if "session" in options:
                replacements[block.start] = session.run(block.body)
                continue
            previous = [b for b in blocks if b.end < block.start][-1]
            command = " ".join(x.rstrip("\\").strip() for x in previous.body)
            if url is None:
                plain_server = server({**os.environ, "MEDKG_WRITE_TOKEN": ""})
                url = plain_server.__enter__()
            new = apply_options(shape_curl(run_shell(command, dict(os.environ), workdir, url), command), options)
            old = "".join(x + "\n" for x in block.body)
            replacements[block.start] = stable(new, old).rstrip("\n").split("\n")
    finally:
        session.close()
        if plain_server is not None:
            plain_server.__exit__(None, None, None)
        shutil.rmtree(workdir, ignore_errors=True)
    out: list[str] = []
    skip_to = -1
    for number, line in enumerate(lines):
        if number <= skip_to:
            continue
        out.append(line)
        if number in replacements:
            indent = by_start[number].indent
            out.extend(indent + x if x else x for x in replacements[number])
            skip_to = by_start[number].end - 1
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write; exit 1 on a difference")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    new = regenerate(text)
    if new == text:
        print("README.md examples are up to date")
        return
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True), "README.md", "regenerated"))
        print("\nREADME.md differs from what the code gives: run python benchmarks/readme_examples.py")
        sys.exit(1)
    README.write_text(new, encoding="utf-8")
    print("README.md examples regenerated")


if __name__ == "__main__":
    main()
