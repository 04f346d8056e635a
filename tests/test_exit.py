"""How the command ends: its exit code, its output whole on a pipe or in a file, and its
exit functions run, although it skips the interpreter's teardown (`command._leave`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

REPO = Path(__file__).resolve().parent.parent


def hlsinspect(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "hlsinspect", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    """A title of 1,500 segments, none of them there: a long report of errors, exit 1."""
    root = tmp_path / "title"
    root.mkdir()
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:4", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for n in range(1500):
        lines += ["#EXTINF:4,", f"seg{n:05d}.ts"]
    (root / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    return root


def test_a_json_report_on_a_pipe_is_whole_and_the_code_kept(broken: Path, tmp_path: Path):
    run = hlsinspect("check", str(broken), "--format", "json", "--no-progress", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)  # every byte flushed before the process ended
    assert report["summary"]["errors"] >= 1
    assert len(run.stdout) > 64 * 1024  # more than a pipe holds unread


def test_files_are_whole_and_a_clean_run_exits_0(tmp_path: Path):
    out, junit = tmp_path / "r.json", tmp_path / "r.xml"
    run = hlsinspect("check", str(FIXTURES / "titles" / "cmaf"), "--format", "json",
                     "--output", str(out), "--junit", str(junit), "--no-progress", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text())["summary"]["errors"] == 0
    assert junit.read_text().rstrip().endswith("</testsuites>")


def test_a_usage_error_exits_2_with_its_line(tmp_path: Path):
    run = hlsinspect("check", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith("hlsinspect: error:")


def run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "entry.py"
    script.write_text(body)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120,
                          cwd=tmp_path)


def test_exit_functions_run(tmp_path: Path):
    """`python -m hlsinspect` (here run as the __main__ module, as -m does) ends without the
    interpreter's teardown; an exit function (as a finaliser or the discarded listing
    process's) still runs."""
    marker = tmp_path / "ran"
    run = run_script(tmp_path, (
        "import atexit, pathlib, runpy, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        f"sys.argv = ['hlsinspect', 'check', {str(FIXTURES / 'titles' / 'cmaf')!r}, "
        "'--format', 'json', '--no-progress']\n"
        "runpy.run_module('hlsinspect', run_name='__main__', alter_sys=True)\n"
        "print('not reached: the command ends the process')\n"))
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "yes"
    assert json.loads(run.stdout)["summary"]["errors"] == 0


def test_a_program_that_calls_main_goes_on_after_it(tmp_path: Path):
    """Called by another program (or run under a profiler), main() ends with SystemExit as
    before: the program goes on, and a profiler writes what it found."""
    run = run_script(tmp_path, (
        "import sys\n"
        f"sys.argv = ['hlsinspect', 'check', {str(FIXTURES / 'titles' / 'cmaf')!r}, "
        "'--format', 'json', '--no-progress', '--output', 'r.json']\n"
        "from hlsinspect.command import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    print('went on after', done.code)\n"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "went on after 0"
    profile = tmp_path / "check.prof"
    profiled = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "hlsinspect", "check",
         str(FIXTURES / "titles" / "cmaf"), "--no-progress"], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120, cwd=tmp_path)
    assert profiled.returncode == 0, profiled.stderr
    assert profile.stat().st_size > 0
