"""Terminal manners: colour only where it is wanted, --quiet, and clean lines in pipes.

Colour is decided per stream: a terminal gets it unless NO_COLOR is set or --color never
says otherwise; a pipe gets none unless --color always asks for it. Some cases need a real
terminal, so they run the command in a pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES

LADDER = str(FIXTURES / "titles" / "ts-ladder")
ESCAPE = re.compile(r"\x1b\[")


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """What `hlsinspect ARGS` writes to stdout and stderr when both are a terminal."""
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    done = subprocess.Popen([sys.executable, "-m", "hlsinspect", *args], stdout=follower,
                            stderr=follower, env=environment | (env or {}))
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other side closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    done.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(("args", "env", "escapes"), [
    pytest.param([], {}, True, id="auto-colours-a-terminal"),
    pytest.param([], {"NO_COLOR": "1"}, False, id="NO_COLOR-means-none"),
    pytest.param(["--color", "never"], {}, False, id="never-means-none"),
    pytest.param(["--color", "always"], {"NO_COLOR": "1"}, True, id="always-beats-NO_COLOR"),
])
def test_colour_on_a_terminal(args: list[str], env: dict[str, str], escapes: bool):
    shown = on_a_terminal("check", LADDER, "--no-progress", *args, env=env)
    assert "Ladder of" in shown
    assert bool(ESCAPE.search(shown)) is escapes


@pytest.mark.parametrize(("args", "escapes"), [
    pytest.param([], False, id="auto-leaves-a-pipe-plain"),
    pytest.param(["--color", "never"], False, id="never"),
    pytest.param(["--color", "always"], True, id="always-colours-a-pipe"),
])
def test_colour_through_a_pipe(cli, args: list[str], escapes: bool):
    run = cli("check", LADDER, *args)
    assert run.exit_code == 0
    assert "PASS" in run.stdout
    assert bool(ESCAPE.search(run.stdout)) is escapes


def test_always_colours_an_output_file_too(cli, tmp_path):
    cli("check", LADDER, "--color", "always", "--output", str(tmp_path / "report.txt"))
    assert ESCAPE.search((tmp_path / "report.txt").read_text())


def test_quiet_shows_the_findings_and_the_verdict_only(cli):
    run = cli("check", LADDER, "--quiet")
    assert run.stdout.splitlines()[0] == "Warnings (1)"
    assert "HLS538 channels-missing" in run.stdout
    assert run.stdout.splitlines()[-2].startswith("PASS  0 errors, 1 warning")
    assert "Ladder of" not in run.stdout and "┃" not in run.stdout


def test_quiet_draws_no_progress_bar():
    shown = on_a_terminal("check", LADDER, "--quiet")
    assert "verifying objects" not in shown
    assert "verifying objects" in on_a_terminal("check", LADDER)


@pytest.mark.parametrize("columns", ["60", "100", "160"])
@pytest.mark.parametrize("target", [
    pytest.param(FIXTURES / "titles", id="every-title"),
    pytest.param(FIXTURES / "app1-transcoder-out", id="one-media-playlist"),
])
def test_piped_tables_have_no_trailing_spaces(cli, monkeypatch, target, columns: str):
    monkeypatch.setenv("COLUMNS", columns)
    run = cli("check", str(target))
    assert "Ladder of" in run.stdout or "Total length" in run.stdout
    assert [line for line in run.stdout.splitlines() if line != line.rstrip()] == []


def test_the_rules_table_has_no_trailing_spaces_either(cli):
    listed = cli("rules").stdout
    assert "segment-missing" in listed
    assert [line for line in listed.splitlines() if line != line.rstrip()] == []


@pytest.mark.parametrize("output_format", ["table", "json", "markdown"])
def test_a_reader_that_stops_early_keeps_the_verdict(output_format: str, tmp_path):
    """`hlsinspect check ... | head -1`: no error line, the exit code of the verdict, and
    the JUnit file written in full. The report is far larger than a pipe holds, so the
    command is still writing when its reader goes away."""
    for n in range(600):
        title = tmp_path / "out" / f"title{n:03d}"
        title.mkdir(parents=True)
        (title / "index.m3u8").write_text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nmissing.ts\n#EXT-X-ENDLIST\n")
    junit = tmp_path / "report.xml"
    done = subprocess.Popen(
        [sys.executable, "-m", "hlsinspect", "check", str(tmp_path / "out"), "--format",
         output_format, "--junit", str(junit), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.stdout is not None and done.stderr is not None
    assert done.stdout.read(1)
    done.stdout.close()
    errors = done.stderr.read().decode()
    done.stderr.close()
    assert done.wait(timeout=120) == 1, errors
    assert errors == ""
    assert junit.read_text().count("segment-missing") >= 600
