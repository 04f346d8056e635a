"""`--help` and `--version` answer without loading the engine, the rules or boto3.

A CI step that only asks for the version, or a user reading the help, should not pay for
what a check needs; the import list, not a timing, is what these tests pin.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("hlsinspect.engine", "hlsinspect.pipeline", "hlsinspect.checks", "boto3",
         "botocore", "hlsinspect.storage.s3")


def imported(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "hlsinspect", *args],
                          capture_output=True, text=True, check=True)
    return [line.rpartition("|")[2].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:")]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"],
                                  ["merge", "--help"]])
def test_help_and_version_import_no_engine(args: list[str]):
    names = imported(*args)
    assert "hlsinspect.cli.app" in names
    assert [n for n in names if n.startswith(HEAVY)] == []


def test_the_package_still_offers_its_api_on_first_use():
    code = ("import sys, hlsinspect; assert 'hlsinspect.engine' not in sys.modules; "
            "from hlsinspect import inspect, Report, Severity, Settings, S3Options, "
            "HlsInspectError, Finding; assert 'hlsinspect.engine' in sys.modules; "
            "print(hlsinspect.__version__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AttributeError):
        import hlsinspect
        hlsinspect.no_such_name  # noqa: B018


def test_a_check_parses_its_arguments_without_pydantic(tmp_path):
    """typer 0.29 requires pydantic and builds a pydantic validator for every option on every
    run: 0.12 s more for each `hlsinspect check` (0.35 s against 0.23 s for a tiny playlist),
    paid by every CI step. The command line keeps to a typer without it (pyproject caps it,
    constraints.txt pins it); this pins that a check loads no pydantic."""
    (tmp_path / "a.ts").write_bytes(b"\x47" + bytes(187))
    (tmp_path / "p.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n"
                                     "#EXT-X-ENDLIST\n")
    names = imported("check", str(tmp_path / "p.m3u8"), "--format", "json")
    assert "hlsinspect.engine" in names
    assert [n for n in names if n.split(".")[0] in ("pydantic", "pydantic_core")] == []


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_a_check_for_ci_loads_no_rich(tmp_path, to_file: bool):
    """A JSON report, to stdout or a file, with no terminal for a progress bar: rich (a
    console, a progress bar: 30 ms of a 0.2 s start) is loaded only to draw something."""
    (tmp_path / "a.ts").write_bytes(b"\x47" + bytes(187))
    (tmp_path / "p.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n"
                                     "#EXT-X-ENDLIST\n")
    out = ("--output", str(tmp_path / "r.json")) if to_file else ()
    names = imported("check", str(tmp_path / "p.m3u8"), "--format", "json", *out)
    assert "hlsinspect.engine" in names
    assert [n for n in names if n.split(".")[0] == "rich"] == []
    table = imported("check", str(tmp_path / "p.m3u8"))
    assert "rich.console" in table
