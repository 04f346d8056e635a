"""The progress bar appears on stderr only when stderr is a terminal, and never on stdout."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES


def run_with_terminal_stderr(*args: str) -> tuple[int, bytes, bytes]:
    """Run hlsinspect with stderr on a pseudo-terminal; return exit code, stdout, terminal."""
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "hlsinspect", *args], stdout=subprocess.PIPE,
                              stderr=slave, timeout=120, check=False)
    finally:
        os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal is closed once everything is read
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return done.returncode, done.stdout, seen


@pytest.mark.parametrize(("options", "shown"), [([], True), (["--no-progress"], False)])
def test_progress_bar_on_a_terminal(options, shown):
    code, stdout, terminal = run_with_terminal_stderr(
        "check", str(FIXTURES / "titles"), "--verify", "head", *options)
    assert code == 0
    assert (b"verifying objects" in terminal) is shown
    assert b"verifying objects" not in stdout
    assert b"PASS" in stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal():
    done = subprocess.run([sys.executable, "-m", "hlsinspect", "check", str(FIXTURES / "titles")],
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0
    assert done.stderr == b""
