"""Every `medkg ... --help` says each option whole (no "…" where a word did not fit) and shows no
value type for a flag (typer printed `--version <bool>`, as if it took a value)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

COMMANDS = [[], ["query"], ["validate"], ["serve"], ["load"], ["export"], ["vocab"], ["vocab", "list"],
            ["vocab", "build"]]


def help_text(command: list[str], columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "medkg.cli", *command, "--help"], capture_output=True, env=env,
                          timeout=60, check=True)
    return done.stdout.decode("utf-8")


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "medkg")
def test_help_is_whole_and_flags_take_no_value(command: list[str], columns: int) -> None:
    text = help_text(command, columns)
    assert "…" not in text, text
    assert "<bool>" not in text, text
    assert re.search(r"--help\s+Show this message", text), text  # a flag: its help right after its name


def test_the_store_option_is_said_to_the_end() -> None:
    words = " ".join(help_text(["serve"], 80).replace("│", " ").split())
    assert "for Virtuoso http://HOST:8890/sparql [default: memory]" in words
