"""docs/cli.md is every command's --help as the program prints it now: a command or an
option changed without making the reference again fails here, naming the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hlsinspect.cli.reference import WIDTH, commands, render

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
REMAKE = "make it again: python -m hlsinspect.cli.reference docs/cli.md"


def test_the_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render(), f"docs/cli.md is stale; {REMAKE}"


@pytest.mark.parametrize("name", list(commands()))
def test_every_command_has_its_section(name: str):
    text = DOC.read_text(encoding="utf-8")
    assert f"\n## hlsinspect {name}\n" in text, f"docs/cli.md lacks {name}; {REMAKE}"
    assert f"Usage: hlsinspect {name} [OPTIONS]" in text


def test_the_reference_is_plain_text_of_a_fixed_width():
    text = render()
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "TARGET..." in text and "list[str]" not in text


@pytest.mark.parametrize("name", ["check", "merge"])
def test_the_reference_is_what_a_piped_help_prints(name: str):
    """"As hlsinspect prints it": the width of the file is the width of `--help | less`."""
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    printed = subprocess.run([sys.executable, "-m", "hlsinspect", name, "--help"],
                             check=True, capture_output=True, text=True, env=environment).stdout
    lines = "\n".join(line.rstrip() for line in printed.splitlines())
    assert f"## hlsinspect {name}\n\n```text\n{lines}\n```\n" in DOC.read_text(encoding="utf-8")


def test_the_module_writes_the_file(tmp_path: Path):
    written = tmp_path / "cli.md"
    subprocess.run([sys.executable, "-m", "hlsinspect.cli.reference", str(written)],
                   check=True, capture_output=True, env={"COLUMNS": "40", "PATH": ""})
    assert written.read_text(encoding="utf-8") == render()
