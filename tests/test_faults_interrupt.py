"""Ctrl-C and SIGTERM end a real process at once, with requests in flight, and CI still gets
its files.

A stalled request would hold the process for its read timeout times its attempts (90 s by
default); each test sends SIGINT (or SIGTERM, as CI does when a job is cancelled or times
out) while requests hang and expects the process to be gone long before that, with exit code
130 (143) and, when asked for, a JSON document and a JUnit file that say the run was
interrupted and hold every title completed before.
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
import uuid
import xml.etree.ElementTree as ET
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
              before: Callable[[int], None] | None = None, number: int = signal.SIGINT,
              group: bool = False) -> subprocess.CompletedProcess[str]:
    """Run hlsinspect, send SIGINT (or signal `number`; to its whole process group when
    `group`, as a terminal or a CI runner does) once `started` is set (after calling
    `before` with its pid, if given), and collect what it wrote."""
    process = subprocess.Popen([sys.executable, "-c", WITH_CTRL_C, *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=os.environ.copy(), start_new_session=group)
    try:
        assert started.wait(60), "the request never arrived"
        if before is not None:
            before(process.pid)
        if group:
            os.killpg(process.pid, number)
        else:
            process.send_signal(number)
        stdout, stderr = process.communicate(timeout=ENDED_WELL_BEFORE_THE_STALL)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def assert_interrupted(done: subprocess.CompletedProcess[str], junit: Path,
                       number: int = signal.SIGINT) -> None:
    """Stopped with nothing completed: the error document and an errored JUnit file."""
    code, line = STOPPED[number]
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.rstrip().endswith(line)
    document = json.loads(done.stdout)
    assert document["ok"] is False
    assert document["incomplete"] is True
    assert document["error"]["kind"] == "interrupted"
    assert 'type="interrupted"' in junit.read_text()


STOPPED = {signal.SIGINT: (130, "hlsinspect: interrupted"),
           signal.SIGTERM: (143, "hlsinspect: terminated")}
SIGNALS = [pytest.param(signal.SIGINT, id="ctrl-c"), pytest.param(signal.SIGTERM, id="sigterm")]


@pytest.mark.parametrize("number", SIGNALS)
def test_ctrl_c_while_the_playlist_is_being_read(tmp_path: Path, number: int):
    junit = tmp_path / "report.xml"
    with Origin(tmp_path, stall=lambda method, path: True) as origin:
        done = interrupt(["check", f"{origin.url}/title/master.m3u8", "--format", "json",
                          "--junit", str(junit)], origin.arrived, number=number)
    assert_interrupted(done, junit, number)


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


LIBRARY = ("t1", "t2", "t3", "t4")
"""Titles of the prefix, inspected in this order: t1 a TS ladder with a segment missing,
t2 a CMAF ladder, t3 (whose segments never answer) and t4 plain titles."""


def _library(s3: S3) -> dict[str, list[str]]:
    """The titles uploaded under `lib/`; each title's playlists by title."""
    sources = {"t1": "ts-ladder", "t2": "cmaf", "t3": "aes128", "t4": "single-file"}
    playlists: dict[str, list[str]] = {}
    for title, source in sources.items():
        home = FIXTURES / "titles" / source
        s3.upload_tree(home, prefix=f"lib/{title}/")
        playlists[title] = sorted(f"s3://{BUCKET}/lib/{title}/"
                                  f"{path.relative_to(home).as_posix()}"
                                  for path in home.rglob("*.m3u8"))
    s3.delete("lib/t1/stream_1/seg001.ts")
    return playlists


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("group", [pytest.param(False, id="to-the-process"),
                                   pytest.param(True, id="to-the-process-group")])
@pytest.mark.parametrize("number", SIGNALS)
def test_a_stopped_audit_reports_the_titles_it_completed(s3: S3, tmp_path: Path, number: int,
                                                         group: bool):
    """Stopped while the third title's segments are asked about (and the fourth title is
    listed): the JSON report and the JUnit file hold the first two titles, their findings
    and objects, marked incomplete; the process that lists the titles is gone with it.
    Titles are completed in key order, so the first two are done by the time the third's
    requests are made."""
    playlists = _library(s3)
    heads = threading.Event()

    def stall(method: str, path: str) -> str | None:
        if method == "HEAD" and "/lib/t3/" in unquote(path):
            heads.set()
            return "stall"
        if "list-type" in path and "prefix=lib/t4/" in unquote(path):
            return "stall"  # the listing process is still at work
        return None

    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    listing: set[int] = set()
    with S3Proxy(s3.endpoint, fault=stall) as proxy:
        done = interrupt(["check", f"s3://{BUCKET}/lib/", "--endpoint-url", proxy.endpoint,
                          "--verify", "head", "--format", "json", "--output", str(report),
                          "--junit", str(junit), "--no-progress"], heads,
                         before=lambda pid: listing.update(_descendants(pid)),
                         number=number, group=group)
        assert listing, "no process lists the titles"
        _assert_gone(listing)
    code, line = STOPPED[number]
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.rstrip().endswith(line)
    document = json.loads(report.read_text())
    assert (document["ok"], document["incomplete"], "error" in document) == (False, True, False)
    completed = playlists["t1"] + playlists["t2"]
    assert sorted(p["uri"] for p in document["playlists"]) == completed
    missing = f"s3://{BUCKET}/lib/t1/stream_1/seg001.ts"
    assert [f["uri"] for f in document["findings"] if f["name"] == "segment-missing"] == \
        [missing]
    assert document["summary"]["objects_checked"] == 12 + 15  # the ladders' objects
    assert document["summary"]["missing"] == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")
    [failure] = suite.iter("failure")
    assert failure.get("type") == "segment-missing"
    [error] = suite.iter("error")
    assert error.get("type") == "interrupted"
    assert ("SIGTERM" in (error.get("message") or "")) == (number == signal.SIGTERM)
    classes = {case.get("classname") or "" for case in suite.iter("testcase")}
    assert classes == {*completed, "hlsinspect"}
    [stopped] = [case for case in suite.iter("testcase") if case.get("classname") == "hlsinspect"]
    assert stopped.get("name") == f"s3://{BUCKET}/lib/"


@pytest.mark.parametrize("output_format", ["table", "markdown", "github", "gitlab"])
def test_every_format_says_the_report_is_incomplete(s3: S3, tmp_path: Path,
                                                    output_format: str):
    _library(s3)
    heads = threading.Event()

    def stall(method: str, path: str) -> str | None:
        if method == "HEAD" and "/lib/t3/" in unquote(path):
            heads.set()
            return "stall"
        return None

    with S3Proxy(s3.endpoint, fault=stall) as proxy:
        done = interrupt(["check", f"s3://{BUCKET}/lib/", "--endpoint-url", proxy.endpoint,
                          "--verify", "head", "--format", output_format, "--no-progress",
                          "--color", "never"], heads, number=signal.SIGTERM)
    assert done.returncode == 143, done.stderr
    assert "segment-missing" in done.stdout and "lib/t2/" in done.stdout
    assert "lib/t3/" not in done.stdout
    assert "terminated (SIGTERM) before the inspection was complete" in done.stdout
    if output_format == "github":  # an annotation, beside the verdict
        assert "::error title=hlsinspect was interrupted::" in done.stdout
    if output_format == "gitlab":
        assert "hlsinspect-interrupted" in {i["check_name"] for i in json.loads(done.stdout)}


def _assert_gone(pids: set[int]) -> None:
    for _ in range(50):
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs POSIX signals")
def test_a_second_signal_does_not_cut_the_report_short():
    """CI sends SIGTERM a few seconds after SIGINT: while the report of what was completed is
    written, it is ignored, and the exit code is the first signal's."""
    from dataclasses import replace

    import typer

    from hlsinspect.cli.failures import guard
    from hlsinspect.command import terminate
    from hlsinspect.engine import inspect
    from hlsinspect.errors import Interrupted, Terminated

    report = replace(inspect([str(FIXTURES / "titles/aes128")]), incomplete="interrupted")
    written: list[str] = []

    def stopped() -> None:
        raise Interrupted(report, KeyboardInterrupt())

    def write(partial: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives in the middle of writing
        written.append("json")
        time.sleep(0.05)
        written.append("junit")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        with pytest.raises(typer.Exit) as ended:
            guard(stopped, False, on_partial=write)
    except Terminated:  # a KeyboardInterrupt: pytest would stop the whole session
        pytest.fail(f"SIGTERM stopped the writing after {written}")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert (ended.value.exit_code, written) == (130, ["json", "junit"])


def test_a_playlist_is_kept_where_it_was_reported_until_its_parent_is_complete(s3: S3,
                                                                               tmp_path: Path):
    """`m/1M/` is reported on its own; the multivariant playlist of `m/v/`, which lists
    after it, takes it back under itself, but the run is stopped before `m/v/` is complete:
    the report keeps it on its own rather than lose it."""
    ladder = FIXTURES / "titles/elastic-transcoder/HLS"
    s3.upload_tree(ladder / "1M", prefix="m/1M/")
    s3.upload_tree(ladder / "400k", prefix="m/v/400k/")
    s3.put("m/v/master.m3u8", (ladder / "sample.m3u8").read_text().replace(
        "\n1M/", "\n../1M/"))
    heads = threading.Event()

    def stall(method: str, path: str) -> str | None:
        if method == "HEAD" and "/m/v/" in unquote(path):
            heads.set()
            return "stall"
        return None

    with S3Proxy(s3.endpoint, fault=stall) as proxy:
        done = interrupt(["check", f"s3://{BUCKET}/m/", "--endpoint-url", proxy.endpoint,
                          "--verify", "head", "--format", "json", "--no-progress"], heads,
                         number=signal.SIGTERM)
    assert done.returncode == 143, done.stderr
    document = json.loads(done.stdout)
    assert [(p["uri"], p["parent"]) for p in document["playlists"]] == \
        [(f"s3://{BUCKET}/m/1M/sample.m3u8", None)]
    assert document["summary"]["objects_checked"] == 4


def test_sigterm_before_the_inspection_starts_is_exit_143(cli, monkeypatch: pytest.MonkeyPatch):
    """Outside the inspection (here while the settings file is read) SIGTERM still ends the
    command with 143, not Ctrl-C's 130."""
    import importlib

    from hlsinspect.errors import Terminated

    app = importlib.import_module("hlsinspect.cli.app")  # the module, not its Typer app

    def terminated(ctx: object) -> None:
        raise Terminated()

    monkeypatch.setattr(app, "FromFile", terminated)
    run = cli("check", str(FIXTURES / "titles/aes128"))
    assert (run.exit_code, run.stderr) == (143, "hlsinspect: terminated\n")


def _listing_processes(tag: str) -> set[int]:
    """Processes running hlsinspect's listing child started by the run tagged `tag` (in its
    environment, which the listing child inherits), so that runs of other tests at the same
    time are not counted."""
    found = set()
    marker = f"HLSINSPECT_TEST_RUN={tag}".encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and \
                    b"hlsinspect.pipeline.apart" in (entry / "cmdline").read_bytes() and \
                    marker in (entry / "environ").read_bytes().split(b"\0"):
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def _start_env() -> tuple[str, dict[str, str]]:
    """A tag for one run, and its environment: no AWS settings of this machine's, dummy keys."""
    tag = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", HLSINSPECT_TEST_RUN=tag)
    return tag, env


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("delay", [round(0.06 + 0.03 * n, 2) for n in range(14)])
def test_sigterm_while_the_command_starts_is_143_and_leaves_no_process(delay: float):
    """An S3 prefix audit starts its listing process before parsing its arguments. A
    SIGTERM to the process group at any moment of the start ends the run with 143 (or, before
    Python has set its handler, by the signal itself), no traceback, and no listing process
    left behind: the listing process is in its own group, so the signal is the audit's to
    handle."""
    tag, env = _start_env()
    child = subprocess.Popen(
        [sys.executable, "-m", "hlsinspect", "check", "s3://bucket/HLS/", "--endpoint-url",
         "http://127.0.0.1:9", "--format", "json"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, env=env)
    time.sleep(delay)
    os.killpg(child.pid, signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode in (143, -signal.SIGTERM, 2), err  # 2: it ended on its own first
    assert b"Traceback" not in err
    for _ in range(50):
        if not _listing_processes(tag):
            break
        time.sleep(0.1)
    assert not _listing_processes(tag)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("delay", [round(0.1 + 0.03 * n, 2) for n in range(12)])
def test_ctrl_c_while_the_command_starts_is_130_without_a_traceback(delay: float):
    """Ctrl-C at any moment of the start (importing the command line, starting the listing
    process, parsing the arguments) ends the run with 130 and its line, never a traceback,
    and leaves no listing process. The child starts with Ctrl-C ignored (an interpreter
    keeps an inherited SIG_IGN) until the hlsinspect package is imported: the interpreter's
    own start, slow on a loaded machine, is no moment hlsinspect can handle; nor is finding
    `python -m`'s module, which the child does before. Then Ctrl-C is handled as in a
    terminal."""
    tag, env = _start_env()
    wrapper = ("import pathlib, signal, sys, hlsinspect; "
               "path = pathlib.Path(hlsinspect.__file__).with_name('__main__.py'); "
               "code = compile(path.read_text(), str(path), 'exec'); "
               "sys.argv = ['hlsinspect', *sys.argv[1:]]; "
               "signal.signal(signal.SIGINT, signal.default_int_handler); "
               "exec(code, {'__name__': '__main__'})")
    child = subprocess.Popen(
        [sys.executable, "-c", wrapper, "check", "s3://bucket/HLS/", "--endpoint-url",
         "http://127.0.0.1:9", "--format", "json"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # from exec on
    time.sleep(delay)
    os.killpg(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode in (130, 2), err  # 2: it ended on its own first
    assert b"Traceback" not in err
    if child.returncode == 130:
        assert err.decode().splitlines()[-1] == "hlsinspect: interrupted"
    for _ in range(50):
        if not _listing_processes(tag):
            break
        time.sleep(0.1)
    assert not _listing_processes(tag)


def _run_with_app(tmp_path: Path, app: str,
                  **env: str) -> subprocess.CompletedProcess[str]:
    """hlsinspect's entry point run with `app` (the source of a module defining app()) in
    place of the command line: the stop it provokes reaches the entry point as a real one."""
    script = tmp_path / "entry.py"
    script.write_text(
        "import gc, os, signal, sys, time, types, weakref\n" + app +
        "cli = types.ModuleType('hlsinspect.cli'); app_module = types.ModuleType('app')\n"
        "app_module.app = app; cli.app = app_module\n"
        "sys.modules['hlsinspect.cli'] = cli; sys.modules['hlsinspect.cli.app'] = app_module\n"
        "sys.argv = ['hlsinspect', '--version']\n"
        "from hlsinspect.command import main\n"
        "main()\n")
    variables = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent),
                     **env)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=variables, timeout=60)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX timers")
@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGINT, 130, "hlsinspect: interrupted"),
    (signal.SIGTERM, 143, "hlsinspect: terminated")],
    ids=["ctrl-c", "sigterm"])
def test_a_stop_that_lands_in_a_callback_still_stops_the_run(tmp_path: Path, signum: int,
                                                               code: int, line: str):
    """A stop that lands in a weak reference's callback (each import ends with one) cannot be
    raised there: Python would print "Exception ignored in", a traceback, and go on as if no
    key had been pressed. It still ends the run with its code and line, and nothing else."""
    done = _run_with_app(tmp_path, (
        "class Referent: pass\n"
        "def landed(_):\n"
        f"    os.kill(os.getpid(), {int(signum)})\n"
        "    for _ in range(1000): pass\n"
        "def app():\n"
        "    referent = Referent(); watcher = weakref.ref(referent, landed)\n"
        "    del referent; gc.collect()\n"
        "    time.sleep(5)\n"
        "    print('went on')\n"))
    assert (done.returncode, done.stderr, done.stdout) == (code, line + "\n", "")


def test_a_second_stop_held_from_a_callback_does_not_cut_the_report_short(tmp_path: Path):
    """Ctrl-C, then CI's SIGTERM landing in a callback while the first stop unwinds: held,
    it must not be raised while the report of the stopped run is written (a second stop is
    ignored then); the report is whole and the exit code is the first stop's."""
    report = tmp_path / "report.txt"
    done = _run_with_app(tmp_path, (
        "import typer\n"
        "from hlsinspect.cli.failures import guard\n"
        "class Referent: pass\n"
        "def landed(_):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    for _ in range(1000): pass\n"
        "def app():\n"
        "    def call():\n"
        "        referent = Referent(); watcher = weakref.ref(referent, landed)\n"
        "        try:\n"
        "            raise KeyboardInterrupt()\n"
        "        finally:\n"
        "            del referent\n"
        "    def on_error(error):\n"
        "        with open(os.environ['REPORT'], 'w') as out:\n"
        "            for n in range(50):\n"
        "                time.sleep(0.002); out.write(f'line {n}\\n')\n"
        "    try:\n"
        "        guard(call, False, on_error=on_error)\n"
        "    except typer.Exit as done:\n"
        "        sys.exit(done.exit_code)\n"), REPORT=str(report))
    assert (done.returncode, done.stderr) == (130, "hlsinspect: interrupted\n")
    assert len(report.read_text().splitlines()) == 50


def test_a_stop_while_a_class_is_made_is_still_a_stop(tmp_path: Path):
    """Python 3.10 and 3.11 wrap an exception raised in `__set_name__` (a module making its
    classes, as `platform` does while typer loads) in a RuntimeError: a SIGTERM that lands
    there still ends the run with 143 and its line, not a traceback and exit 1."""
    done = _run_with_app(tmp_path, (
        "class Descriptor:\n"
        "    def __set_name__(self, owner, name):\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        for _ in range(1000): pass\n"
        "def app():\n"
        "    class Made:\n"
        "        x = Descriptor()\n"))
    assert (done.returncode, done.stderr) == (143, "hlsinspect: terminated\n")
