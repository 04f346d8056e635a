"""Ctrl-C ends a real process at once, with requests in flight, and CI still gets its files.

A stalled request would hold the process for its read timeout times its attempts (90 s by
default); each test sends SIGINT while requests hang and expects the process to be gone long
before that, with exit code 130 and, when asked for, a JSON document and a JUnit file that
say the run was interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_KEY
from tests.origin import Origin
from tests.s3proxy import S3Proxy

WITH_CTRL_C = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv = ['hlsinspect', *sys.argv[1:]]; "
    "runpy.run_module('hlsinspect', run_name='__main__', alter_sys=True)")
"""`python -m hlsinspect`, with Ctrl-C handled as in a terminal even when this test run was
started in the background, where the shell leaves SIGINT ignored for every process it starts
(and Python keeps an ignored SIGINT ignored)."""
ENDED_WELL_BEFORE_THE_STALL = 30
"""Seconds: far less than one stalled request's 3 attempts x 30 s read timeout."""


def interrupt(args: list[str], started: threading.Event,
              before: Callable[[int], None] | None = None) -> subprocess.CompletedProcess[str]:
    """Run hlsinspect, send SIGINT once `started` is set (after calling `before` with its
    pid, if given), and collect what it wrote."""
    process = subprocess.Popen([sys.executable, "-c", WITH_CTRL_C, *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=os.environ.copy())
    try:
        assert started.wait(60), "the request never arrived"
        if before is not None:
            before(process.pid)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=ENDED_WELL_BEFORE_THE_STALL)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def assert_interrupted(done: subprocess.CompletedProcess[str], junit: Path) -> None:
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.rstrip().endswith("hlsinspect: interrupted")
    document = json.loads(done.stdout)
    assert document["ok"] is False
    assert document["incomplete"] is True
    assert document["error"]["kind"] == "interrupted"
    assert 'type="interrupted"' in junit.read_text()


def test_ctrl_c_while_the_playlist_is_being_read(tmp_path: Path):
    junit = tmp_path / "report.xml"
    with Origin(tmp_path, stall=lambda method, path: True) as origin:
        done = interrupt(["check", f"{origin.url}/title/master.m3u8", "--format", "json",
                          "--junit", str(junit)], origin.arrived)
    assert_interrupted(done, junit)


def test_ctrl_c_while_workers_wait_for_objects(tmp_path: Path):
    """Worker threads blocked in HEADs must not be joined at exit."""
    shutil.copytree(FIXTURES / "titles/ts-ladder", tmp_path / "t")
    heads = threading.Event()

    def stall(method: str, path: str) -> bool:
        if method == "HEAD":
            heads.set()
            return True
        return False

    junit = tmp_path / "report.xml"
    with Origin(tmp_path, stall=stall) as origin:
        done = interrupt(["check", f"{origin.url}/t/master.m3u8", "--format", "json",
                          "--junit", str(junit), "--concurrency", "4"], heads)
    assert_interrupted(done, junit)


@pytest.mark.usefixtures("s3")
def test_ctrl_c_while_s3_heads_stall(s3: S3, tmp_path: Path):
    heads = threading.Event()

    def stall(method: str, path: str) -> str | None:
        if method == "HEAD":
            heads.set()
            return "stall"
        return None

    junit = tmp_path / "report.xml"
    with S3Proxy(s3.endpoint, fault=stall) as proxy:
        done = interrupt(["check", f"s3://{BUCKET}/{SAMPLE_KEY}", "--endpoint-url",
                          proxy.endpoint, "--verify", "head", "--format", "json",
                          "--junit", str(junit)], heads)
    assert_interrupted(done, junit)


def test_ctrl_c_with_a_table_prints_no_report(tmp_path: Path):
    with Origin(tmp_path, stall=lambda method, path: True) as origin:
        done = interrupt(["check", f"{origin.url}/title/master.m3u8"], origin.arrived)
    assert done.returncode == 130
    assert done.stdout == ""
    assert done.stderr == "hlsinspect: interrupted\n"


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.update(int(child) for child in task.read_text().split())
        except FileNotFoundError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_while_the_titles_are_listed_leaves_no_process(s3: S3, tmp_path: Path):
    """A prefix is listed by a second process; Ctrl-C ends both, mid-listing."""
    lists = threading.Event()

    def stall(method: str, path: str) -> str | None:
        if "list-type" in path and "prefix=HLS/1M/&" in unquote(path):
            lists.set()
            return "stall"
        return None

    junit = tmp_path / "report.xml"
    listing: set[int] = set()
    with S3Proxy(s3.endpoint, fault=stall) as proxy:
        done = interrupt(["check", f"s3://{BUCKET}/HLS/", "--endpoint-url", proxy.endpoint,
                          "--format", "json", "--junit", str(junit)], lists,
                         before=lambda pid: listing.update(_descendants(pid)))
        assert listing, "no process lists the titles"
        assert_interrupted(done, junit)
        for _ in range(50):
            if not any(Path(f"/proc/{pid}").exists() for pid in listing):
                break
            time.sleep(0.1)
        assert not any(Path(f"/proc/{pid}").exists() for pid in listing)
