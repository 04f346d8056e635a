"""The whole-bucket audit at scale, measured: time and peak memory against boto3's paginator.

Why: `hlsinspect check titles/` on an output bucket must list every object, so the floor it
is held to is the plainest way of listing them, boto3's `list_objects_v2` paginator. Its
targets are to take at most 0.5x the paginator's time on an instant endpoint, 0.4x with 30 ms
added to every request and 0.25x with 100 ms (S3's latency, where the paginator waits page
after page), and to stay at or under 150 MB with a peak that does not grow from 10,000 to
1,000,000 objects. This measures them
(never asserts them): for each point, benchmarks.scale_tree writes titles of 3 variants of
300 segments on disk once (904 objects a title; reused when the count is right), and
benchmarks.fast_s3 serves them as a bucket from a child process, fast enough that the figures
measure the client (its CPU seconds are printed beside each figure). Then, alternating, best
(minimum) of --repeat:

1. the baseline: a fresh `python -c` child pages through `titles/` with a default boto3 client
   (path-style addressing, dummy credentials, us-east-1), counting the keys;
2. the audit: `python -m hlsinspect check titles/ ... --format json --output FILE` in a child;
   its JSON summary must say every segment was checked and no error found, or a WARNING line
   says it did not.

Both figures are the child's whole wall time, interpreter start and imports included, as a
user would wait for them; one untimed run of each comes first and fills a bytecode cache kept
under the work directory (see child_env). Peak memory is the child's own maximum resident
set, as the kernel reports it when the child is reaped: the parent reaps each child with
os.wait4(pid), whose rusage belongs to that one process (and any children it reaped), unlike
getrusage(RUSAGE_CHILDREN), which is the maximum over every child reaped so far (the server
included), and unlike sampling /proc/PID/status, which misses a peak between samples (the
JSON report is rendered in the last fraction of a second). hlsinspect lists the titles of an
S3 prefix in a second process, which the audit child reaps; the audit runs under a wrapper
(AUDITED) that records that process's peak, and the audit's peak is the sum of the two. At
the smallest point, HEAD
throughput: hlsinspect `--verify head` at `--concurrency 32` and 1 (objects checked over the
child's wall time) against a child calling `head_object` one key at a time on the first
--head-keys keys (its loop alone is timed).

    python -m benchmarks.scale_audit [--points 11,100,1107 | --quick] [--repeat 3]
        [--work /tmp/hlsinspect-scale] [--workers 2] [--keep] [--profile] [--worktree]
        [--latency MS[,MS...]] [--slowdown FRACTION] [--seed N] [--max-rate N]

`--latency MS` (or a list, `0,30,100`, measured in turn) routes both the paginator and the
audit through the tests' S3 proxy (tests/s3proxy.py, in a child process of its own) adding
MS milliseconds to every request,
closer to S3 seen from a CI runner than loopback is; the proxy's request count is printed
beside each run. The proxy is Python and opens an upstream connection per request, so it
adds some CPU of its own to the 2 cores; with 0 (the default) there is no proxy.
`--slowdown FRACTION` has the proxy answer that share of the requests (paginator and audit
alike) with 503 SlowDown, as S3 throttles: an XML body on GET and listings, none on HEAD;
which requests is seeded by `--seed`. The count of SlowDown answers is printed beside the
request count; a paginator that gives up (its default client retries a request 3 times in
all) is printed as FAILED, with its time until then. `--max-rate N` instead answers
SlowDown to the requests beyond N in the last second, as S3 throttles a prefix: that
throttling eases when the client slows down, where --slowdown's never does.

The children import hlsinspect/ as committed at HEAD, copied under the work directory when
the run starts, so that one run measures one commit while the working tree is being edited;
`--worktree` measures the working tree's files instead.

`--profile` then runs the audit once more at the point nearest 100 titles with a cProfile
profiler in every thread (plain `python -m cProfile` sees only the main thread, and the
listings and playlist reads run on others), and prints the top costs; profiling slows
Python code, so read its shares, not its seconds. Trees over 100,000 objects are deleted at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.fast_s3 import FastS3
from benchmarks.scale_tree import BUCKET, make_tree, objects_per_title

VARIANTS = 3
SEGMENTS = 300
PREFIX = "titles/"
DEFAULT_POINTS = (11, 100, 1107)
"""Titles: 9,944, 90,400 and 1,000,728 objects."""
QUICK_POINTS = (11, 100)
KEEP_AT_MOST = 100_000
"""Trees of more objects than this are deleted at the end unless --keep."""
RATIO_TARGETS = ((0.0, 0.5), (30.0, 0.4), (100.0, 0.25))
"""(ms added per request, audit / paginator at most): at 0 ms the audit must still beat the
paginator by half; at S3's latency it overlaps what the paginator waits for one by one."""
PEAK_TARGET_MB = 150.0
PROFILE_NEAR = 100
"""--profile runs at the point whose title count is nearest this."""
REPO = Path(__file__).resolve().parent.parent

PAGINATOR = """\
import json, sys, time
import boto3
from botocore.config import Config
endpoint, bucket, prefix = sys.argv[1:4]
started = time.perf_counter()
client = boto3.client("s3", endpoint_url=endpoint,
                      config=Config(s3={"addressing_style": "path"}))
count = pages = 0
for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    count += len(page.get("Contents", []))
    pages += 1
print(json.dumps({"count": count, "pages": pages,
                  "seconds": time.perf_counter() - started}))
"""
"""Baseline child: a plain paginator over the prefix, nothing kept but the count."""

HEAD_LOOP = """\
import json, sys, time
import boto3
from botocore.config import Config
endpoint, bucket, prefix, wanted = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = boto3.client("s3", endpoint_url=endpoint,
                      config=Config(s3={"addressing_style": "path"}))
keys = []
for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    keys += [item["Key"] for item in page.get("Contents", [])]
    if len(keys) >= wanted:
        break
keys = keys[:wanted]
started = time.perf_counter()
for key in keys:
    client.head_object(Bucket=bucket, Key=key)
print(json.dumps({"count": len(keys), "seconds": time.perf_counter() - started}))
"""
"""Sequential child: list the first keys (untimed, it also opens the connection), then one
head_object after another (timed)."""

PROFILED = """\
import atexit, cProfile, json, pstats, runpy, sys, threading
out = sys.argv[1]
sys.argv = ["hlsinspect", *sys.argv[2:]]
threads = []
original = threading.Thread.run

def run(self):
    profile = cProfile.Profile()
    threads.append(profile)
    profile.enable()
    try:
        original(self)
    finally:
        profile.disable()

def dump():
    main.disable()
    merged = pstats.Stats(main)
    main_seconds = merged.total_tt
    others = 0.0
    for profile in list(threads):
        profile.disable()  # a worker still idle in its pool at exit
        stats = pstats.Stats(profile)
        others += stats.total_tt
        merged.add(stats)
    merged.dump_stats(out)
    with open(out + ".json", "w") as file:
        json.dump({"main": main_seconds, "threads": len(threads), "others": others}, file)

threading.Thread.run = run
atexit.register(dump)  # the command ends with its exit functions, not a SystemExit
main = cProfile.Profile()
main.enable()
runpy.run_module("hlsinspect", run_name="__main__", alter_sys=True)
"""
"""Profile child: hlsinspect's command line with one cProfile profiler per thread, merged."""


AUDITED = """\
import atexit, resource, runpy, sys
out = sys.argv[1]
sys.argv = ["hlsinspect", *sys.argv[2:]]

def record():
    with open(out, "w") as file:
        file.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))

atexit.register(record)
runpy.run_module("hlsinspect", run_name="__main__", alter_sys=True)
"""
"""Audit child: hlsinspect's command line, then the peak RSS of the processes it started and
reaped (the one that lists the titles) written to a file: os.wait4 gives the maximum over a
process and its children, and two processes run at once, so the audit's peak is the sum."""


@dataclass
class Run:
    """One child process: its wall time, peak memory and CPU, and the server's CPU meanwhile."""

    seconds: float
    peak_mb: float
    cpu: float
    server_cpu: float
    returncode: int
    stdout: str
    stderr: str
    helper_mb: float = 0.0
    """The peak RSS of the process hlsinspect lists titles in (0 when it started none)."""
    failed: bool = False
    """The paginator did not list every key (it gave up under throttling)."""

    @property
    def total_mb(self) -> float:
        """Both processes' peaks added: an upper bound of what they held at once."""
        return self.peak_mb + self.helper_mb


@dataclass
class Point:
    titles: int
    objects: int
    segments: int
    build_seconds: float | None
    server_startup: float
    paginator: Run
    audit: Run
    audit_peak_mb: float
    """The highest peak over the audit's repeats, both processes' peaks added (the best
    run's time is reported)."""
    summary: dict[str, int]
    latency_ms: float = 0.0


def ratio_target(latency_ms: float) -> float:
    """The target of the nearest latency RATIO_TARGETS names."""
    return min(RATIO_TARGETS, key=lambda pair: abs(pair[0] - latency_ms))[1]


@dataclass
class HeadRow:
    label: str
    objects: int
    seconds: float
    server_cpu: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.objects / self.seconds if self.seconds else 0.0


def child_env(work: Path) -> dict[str, str]:
    """This environment without AWS or hlsinspect settings, plus dummy credentials.

    hlsinspect is imported from work/code, the committed copy main() puts there, if there is
    one (else from the repository, as it is). Bytecode is cached under work/pycache
    (PYTHONPYCACHEPREFIX), as an installed tool has its .pyc files: where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it), every hlsinspect module would
    otherwise be compiled at every start. Nothing is written into the repository.
    """
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AWS_", "HLSINSPECT_")) and name != "PYTHONDONTWRITEBYTECODE"}
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               PYTHONPATH=str(work / "code" if (work / "code").is_dir() else REPO),
               PYTHONPYCACHEPREFIX=str(work / "pycache"))
    return env


def run_child(argv: Sequence[str], server: FastS3, work: Path) -> Run:
    """Run argv to its end; its wall time, and its own peak RSS and CPU from os.wait4.

    Output goes to files, not pipes, so the child never blocks on a full pipe while the
    parent waits. The child runs in `work`, where no .hlsinspect.toml or pyproject.toml
    adds settings.
    """
    out_path, err_path = work / "child.out", work / "child.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        server_before = server.cpu_seconds()
        started = time.perf_counter()
        child = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 env=child_env(work), cwd=work)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        server_cpu = server.cpu_seconds() - server_before
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    return Run(seconds=elapsed, peak_mb=usage.ru_maxrss / 1024,  # kB on Linux
               cpu=usage.ru_utime + usage.ru_stime, server_cpu=server_cpu,
               returncode=child.returncode, stdout=out_path.read_text(errors="replace"),
               stderr=err_path.read_text(errors="replace"))


def count_files(root: Path) -> int:
    total = 0
    pending = [str(root)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    total += 1
    return total


def ensure_tree(root: Path, titles: int, workers: int) -> tuple[int, float | None]:
    """The tree of `titles` titles at root: reused if its file count is right, else written
    anew. Returns the object count and the seconds spent writing (None when reused)."""
    expected = titles * objects_per_title(VARIANTS, SEGMENTS)
    if root.is_dir():
        if (root / "titles").is_dir() and count_files(root / "titles") == expected:
            return expected, None
        shutil.rmtree(root)
    root.mkdir(parents=True)
    started = time.perf_counter()
    written = make_tree(root, titles, VARIANTS, SEGMENTS, workers=workers)
    return written, time.perf_counter() - started


def audit_argv(endpoint: str, report: Path, *extra: str) -> list[str]:
    rss = report.with_suffix(".rss")
    return [sys.executable, "-c", AUDITED, str(rss), "check", PREFIX, "--bucket", BUCKET,
            "--endpoint-url", endpoint, "--no-progress", "--format", "json",
            "--output", str(report), *extra]


def helper_peak(report: Path) -> float:
    """The listing process's peak RSS in MB, as the audit child recorded it (0 if none)."""
    try:
        return int(report.with_suffix(".rss").read_text()) / 1024  # kB on Linux
    except (OSError, ValueError):
        return 0.0


def read_summary(run: Run, report: Path, segments: int, label: str) -> dict[str, int]:
    """The report's summary counts; a loud WARNING when the audit is not the clean one."""
    # read in a child: a report of a million segments parsed here would leave this process
    # 80 MB larger, and Linux counts a parent's peak into the peak of every child it starts
    # afterwards (exec records the memory it replaces), the audits' and paginators' alike
    read = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(json.load("
         "open(sys.argv[1]))['summary']))", str(report)], capture_output=True, text=True)
    try:
        summary: dict[str, int] = json.loads(read.stdout)
        if not isinstance(summary, dict):
            raise ValueError(read.stderr.strip()[-300:] or "no summary")
    except (OSError, ValueError, KeyError) as exc:
        print(f"WARNING: {label}: no JSON report ({exc}); exit {run.returncode}; stderr: "
              f"{run.stderr.strip()[-500:]}", flush=True)
        return {}
    if (run.returncode != 0 or summary.get("objects_checked") != segments
            or summary.get("errors") or summary.get("missing") or summary.get("unknown")):
        print(f"WARNING: {label}: exit {run.returncode}, summary {summary}, expected "
              f"objects_checked {segments} and no error, missing or unknown object; stderr: "
              f"{run.stderr.strip()[-500:]}", flush=True)
    return summary


def paginator_count(run: Run, expected: int) -> bool:
    """Whether the paginator listed every key; a WARNING line when it did not."""
    try:
        count = json.loads(run.stdout)["count"]
    except (ValueError, KeyError):
        count = None
    if run.returncode != 0 or count != expected:
        print(f"WARNING: paginator listed {count} keys, {expected} expected; exit "
              f"{run.returncode}; stderr: {run.stderr.strip()[-300:]}", flush=True)
        return False
    return True


@dataclass(frozen=True)
class Proxying:
    """What the proxy in front of the bucket does: ms added to each request, and the share
    of requests it answers 503 SlowDown (seeded: the same requests on every run)."""

    latency_ms: float = 0.0
    slowdown: float = 0.0
    seed: int = 1
    max_rate: float = 0.0
    """Requests a second the proxy serves; those beyond are answered 503 SlowDown."""

    def __bool__(self) -> bool:
        return bool(self.latency_ms or self.slowdown or self.max_rate)

    def __str__(self) -> str:
        return f"{self.latency_ms:g} ms added to each request{self.throttling()}"

    def throttling(self) -> str:
        """What the proxy throttles, as the end of a sentence ("" when nothing)."""
        if self.slowdown:
            return f", {self.slowdown:.0%} answered 503 SlowDown (seed {self.seed})"
        if self.max_rate:
            return f", those beyond {self.max_rate:g} a second answered 503 SlowDown"
        return ""


@contextlib.contextmanager
def delayed(endpoint: str, proxying: Proxying) -> Iterator[str]:
    """endpoint itself at 0 ms without throttling; else a proxy's endpoint in front of it,
    served by a child process (in this one, its threads would share the parent's
    interpreter lock)."""
    if not proxying:
        yield endpoint
        return
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.probe", "--proxy", endpoint,
         "--delay", str(proxying.latency_ms), "--slowdown", str(proxying.slowdown),
         "--seed", str(proxying.seed), "--max-rate", str(proxying.max_rate)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, cwd=REPO)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=30)


def requests_so_far(endpoint: str, proxying: Proxying) -> tuple[int, int] | None:
    """The proxy's count of requests, and of those it answered SlowDown (None without one)."""
    if not proxying:
        return None
    counts = []
    for path in ("__requests", "__throttled"):
        with urllib.request.urlopen(f"{endpoint}/{path}", timeout=10) as response:
            counts.append(int(response.read()))
    return counts[0], counts[1]


def requests_between(before: tuple[int, int] | None, endpoint: str,
                     proxying: Proxying) -> str:
    after = requests_so_far(endpoint, proxying)
    if before is None or after is None:
        return ""
    said = f", {after[0] - before[0]} requests"
    if proxying.slowdown or proxying.max_rate:
        said += f" ({after[1] - before[1]} SlowDown)"
    return said


def measure_point(titles: int, work: Path, repeat: int, workers: int,
                  head_keys: int | None, warm_up: bool,
                  proxying: Proxying = Proxying()) -> tuple[Point, list[HeadRow]]:
    root = work / f"tree-{titles}"
    objects, build_seconds = ensure_tree(root, titles, workers)
    segments = titles * VARIANTS * SEGMENTS
    built = (f"written in {build_seconds:.1f} s" if build_seconds is not None
             else "reused")
    report = work / f"report-{titles}.json"
    best_paginator: Run | None = None
    best_audit: Run | None = None
    peak = 0.0
    summary: dict[str, int] = {}
    heads: list[HeadRow] = []
    with FastS3(root, BUCKET) as server, delayed(server.endpoint, proxying) as endpoint:
        print(f"\n{objects:,} objects ({titles} titles, {segments:,} segments): tree {built}; "
              f"fast_s3 ready in {server.startup_seconds:.1f} s; {proxying}", flush=True)
        paginator = [sys.executable, "-c", PAGINATOR, endpoint, BUCKET, PREFIX]
        if warm_up:  # untimed: fills the bytecode cache and the file cache
            run_child(paginator, server, work)
            run_child(audit_argv(endpoint, report), server, work)
        for attempt in range(1, repeat + 1):
            before = requests_so_far(endpoint, proxying)
            listed = run_child(paginator, server, work)
            listed_requests = requests_between(before, endpoint, proxying)
            listed.failed = not paginator_count(listed, objects)
            report.unlink(missing_ok=True)
            before = requests_so_far(endpoint, proxying)
            audited = run_child(audit_argv(endpoint, report), server, work)
            audited_requests = requests_between(before, endpoint, proxying)
            audited.helper_mb = helper_peak(report)
            summary = read_summary(audited, report, segments, f"audit of {titles} titles")
            peak = max(peak, audited.total_mb)
            print(f"  run {attempt}: paginator {'FAILED after ' if listed.failed else ''}"
                  f"{listed.seconds:.2f} s "
                  f"({listed.peak_mb:.0f} MB, server CPU {listed.server_cpu:.2f} s"
                  f"{listed_requests}); "
                  f"audit {audited.seconds:.2f} s ({audited.peak_mb:.0f} + "
                  f"{audited.helper_mb:.0f} MB{audited_requests}, CPU "
                  f"{audited.cpu:.2f} s, server CPU {audited.server_cpu:.2f} s); "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
            if best_paginator is None or listed.seconds < best_paginator.seconds:
                best_paginator = listed
            if best_audit is None or audited.seconds < best_audit.seconds:
                best_audit = audited
        print(f"  audit summary: {summary}", flush=True)
        if head_keys and not proxying:
            heads = measure_heads(server, work, repeat, segments, head_keys)
    assert best_paginator is not None and best_audit is not None
    return Point(titles, objects, segments, build_seconds, server.startup_seconds,
                 best_paginator, best_audit, peak, summary, proxying.latency_ms), heads


def measure_one_title(titles: int, work: Path, repeat: int, proxying: Proxying) -> str:
    """Time to verdict for one title (its multivariant playlist named, 904 objects), beside
    start-up (a check of a tiny local playlist): issue 20 wants start-up + 0.5 s at 30 ms.
    Best of `repeat`, after one untimed run of each."""
    root = work / f"tree-{titles}"
    tiny = work / "tiny.m3u8"
    tiny.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ntiny.ts\n#EXT-X-ENDLIST\n")
    (work / "tiny.ts").write_bytes(b"\x47" * 188)
    with FastS3(root, BUCKET) as server, delayed(server.endpoint, proxying) as endpoint:
        title = [sys.executable, "-m", "hlsinspect", "check",
                 f"s3://{BUCKET}/{PREFIX}title00000/master.m3u8", "--endpoint-url", endpoint,
                 "--no-progress", "--format", "json", "--output", str(work / "one.json")]
        local = [sys.executable, "-m", "hlsinspect", "check", str(tiny), "--no-progress",
                 "--format", "json", "--output", str(work / "tiny.json")]
        run_child(title, server, work)
        run_child(local, server, work)
        startup = min(run_child(local, server, work).seconds for _ in range(repeat))
        best: Run | None = None
        requests = ""
        for _ in range(repeat):
            before = requests_so_far(endpoint, proxying)
            timed = run_child(title, server, work)
            if best is None or timed.seconds < best.seconds:
                best, requests = timed, requests_between(before, endpoint, proxying)
        assert best is not None
    summary = json.loads((work / "one.json").read_text())["summary"]
    checked = f"{summary['objects_checked']} objects checked, {summary['errors']} errors"
    over = best.seconds - startup
    return (f"| one title, {proxying.latency_ms:g} ms | {best.seconds:.2f} | {startup:.2f} | "
            f"{over:.2f} | {'met' if over <= 0.5 else 'missed'} | "
            f"{requests.lstrip(', ') or '-'} | {checked} |")


def measure_heads(server: FastS3, work: Path, repeat: int, segments: int,
                  head_keys: int) -> list[HeadRow]:
    """Best of `repeat`, alternating: the sequential loop, hlsinspect HEAD at 32 and at 1."""
    loop_argv = [sys.executable, "-c", HEAD_LOOP, server.endpoint, BUCKET, PREFIX,
                 str(head_keys)]
    report = work / "report-head.json"
    settings = (("hlsinspect --verify head, concurrency 32", "32"),
                ("hlsinspect --verify head, concurrency 1", "1"))
    best: dict[str, HeadRow] = {}

    def keep(row: HeadRow) -> None:
        if row.label not in best or row.seconds < best[row.label].seconds:
            best[row.label] = row

    for attempt in range(1, repeat + 1):
        looped = run_child(loop_argv, server, work)
        line = [f"  HEAD run {attempt}"]
        try:
            done = json.loads(looped.stdout)
            row = HeadRow("boto3 head_object loop, one at a time", done["count"],
                          done["seconds"], looped.server_cpu, "the loop alone")
            keep(row)
            line.append(f"loop {row.rate:.0f}/s (server CPU {row.server_cpu:.2f} s)")
        except (ValueError, KeyError):
            print(f"WARNING: HEAD loop failed: exit {looped.returncode}: "
                  f"{looped.stderr.strip()[-500:]}", flush=True)
        for label, concurrency in settings:
            report.unlink(missing_ok=True)
            run = run_child(audit_argv(server.endpoint, report, "--verify", "head",
                                       "--concurrency", concurrency), server, work)
            summary = read_summary(run, report, segments, label)
            checked = summary.get("objects_checked", 0)
            keep(HeadRow(label, checked, run.seconds, run.server_cpu,
                         "whole command: start, listing, reads, HEADs, report"))
            line.append(f"c{concurrency} {run.seconds:.2f} s ({checked / run.seconds:.0f}/s, "
                        f"server CPU {run.server_cpu:.2f} s)")
        print(": ".join(line[:2]) + "; " + "; ".join(line[2:]), flush=True)
    return list(best.values())


def profile_audit(titles: int, work: Path, workers: int) -> None:
    """The audit once under a profiler in every thread; the top costs printed."""
    root = work / f"tree-{titles}"
    ensure_tree(root, titles, workers)
    report = work / f"report-profile-{titles}.json"
    out = work / f"audit-{titles}.pstats"
    with FastS3(root, BUCKET) as server:
        argv = [sys.executable, "-c", PROFILED, str(out),
                *audit_argv(server.endpoint, report)[4:]]
        run = run_child(argv, server, work)
    read_summary(run, report, titles * VARIANTS * SEGMENTS, "profiled audit")
    split = json.loads(Path(f"{out}.json").read_text())
    print(f"\n## profile: audit of {titles} titles under cProfile (every thread), "
          f"{run.seconds:.1f} s wall, {run.cpu:.1f} s CPU\n\nprofiled time: main thread "
          f"{split['main']:.1f} s, {split['threads']} other threads {split['others']:.1f} s "
          f"(threads overlap: these add up to more than the wall time)\n", flush=True)
    stats = pstats.Stats(str(out), stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(30)
    print(f"(full profile: {out})")


def committed_copy(work: Path) -> str:
    """hlsinspect/ as HEAD has it, copied to work/code (git archive: the repository is only
    read), so that every child of a run imports the same code, whatever is being edited in
    the working tree meanwhile. Returns what was copied."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, env=env,
                            capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "hlsinspect"],
                             cwd=REPO, env=env, capture_output=True, check=True).stdout
    code = work / "code"
    shutil.rmtree(code, ignore_errors=True)
    code.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(code, filter="data")
    return f"commit {commit} (hlsinspect/ as committed, run from {code})"


def code_state() -> str:
    """The commit measured, and whether hlsinspect/ differs from it (no lock is taken)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, env=env,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "hlsinspect"],
                               cwd=REPO, env=env).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {commit}" + (" + uncommitted changes in hlsinspect/" if dirty else "")


SPIN = "import time\nt = time.perf_counter()\nfor _ in range(8_000_000): pass\n" \
       "print(time.perf_counter() - t)"
"""A child that only spins, timed from inside."""


def parallel_slowdown() -> float:
    """How much longer two CPU-bound processes take together than one alone (best of 3):
    1.0 on two independent cores, up to 2.0 on one. The audit runs two busy processes (the
    checking and the listing one) and the paginator one, so a machine whose two cores share
    one physical core, or a host whose neighbours are busy, moves the ratio against the
    audit; this figure, printed with the results, says how much."""
    def alone() -> float:
        return float(subprocess.run([sys.executable, "-c", SPIN], capture_output=True,
                                    text=True, check=True).stdout)

    def together() -> float:
        pair = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.PIPE,
                                 text=True) for _ in range(2)]
        return max(float(child.communicate()[0]) for child in pair)

    return min(together() for _ in range(3)) / min(alone() for _ in range(3))


def print_tables(points: list[Point], heads: list[HeadRow], load: tuple[float, ...],
                 code_at_start: str, worktree: bool, proxying: Proxying = Proxying(),
                 slowdown: float | None = None) -> None:
    today = datetime.date.today().isoformat()
    code = code_state() if worktree else code_at_start
    if code != code_at_start:
        code = f"CODE CHANGED DURING THE RUN: {code_at_start} at the start, {code} at the end"
    print(f"\n## scale_audit, {today}: {os.cpu_count()} cores, load average at start "
          f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, Python {platform.python_version()}, "
          f"{code}{proxying.throttling()}\n")
    if slowdown is not None:
        print(f"Two CPU-bound processes at once ran {slowdown:.2f}x as long as one alone "
              "(1.00: two independent cores).\n")
    print("| point | ms added | paginator s | audit s | audit / paginator | audit peak MB "
          "| audit CPU s | paginator peak MB | server CPU s (paginator / audit) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in points:
        ratio = p.audit.seconds / p.paginator.seconds
        failed = "failed after " if p.paginator.failed else ""
        print(f"| {p.objects:,} objects ({p.titles} titles) | {p.latency_ms:g} "
              f"| {failed}{p.paginator.seconds:.2f} "
              f"| {p.audit.seconds:.2f} | {ratio:.2f}x | {p.audit_peak_mb:.0f} "
              f"| {p.audit.cpu:.2f} | {p.paginator.peak_mb:.0f} "
              f"| {p.paginator.server_cpu:.2f} / {p.audit.server_cpu:.2f} |")
    if heads:
        loop = next((row for row in heads if row.label.startswith("boto3")), None)
        print("\n| HEAD, smallest point | objects | seconds | objects/s | vs boto3 loop "
              "| server CPU s | timed |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for row in heads:
            versus = f"{row.rate / loop.rate:.2f}x" if loop and loop.rate else "-"
            print(f"| {row.label} | {row.objects:,} | {row.seconds:.2f} | {row.rate:,.0f} "
                  f"| {versus} | {row.server_cpu:.2f} | {row.note} |")
    print("\nTargets (measured, not asserted):")
    for p in points:
        ratio = p.audit.seconds / p.paginator.seconds
        target = ratio_target(p.latency_ms)
        verdict = "met" if ratio <= target else f"MISSED by {ratio / target:.2f}x"
        print(f"- {p.objects:,} objects at {p.latency_ms:g} ms: audit / paginator "
              f"{ratio:.2f}x, target <= {target}x: {verdict}")
    for p in points:
        verdict = ("met" if p.audit_peak_mb <= PEAK_TARGET_MB
                   else f"MISSED by {p.audit_peak_mb - PEAK_TARGET_MB:.0f} MB")
        print(f"- peak at {p.objects:,} objects ({p.latency_ms:g} ms) {p.audit_peak_mb:.0f} MB,"
              f" target <= {PEAK_TARGET_MB:.0f} MB: {verdict}")
    sizes = sorted({p.objects for p in points})
    if len(sizes) > 1:
        low = max(p.audit_peak_mb for p in points if p.objects == sizes[0])
        high = max(p.audit_peak_mb for p in points if p.objects == sizes[-1])
        print(f"- peak from {sizes[0]:,} to {sizes[-1]:,} objects: {low:.0f} -> {high:.0f} MB "
              f"({high / low:.2f}x; target: flat)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=lambda text: [int(n) for n in text.split(",")],
                        help="titles at each point (904 objects a title); default "
                             f"{','.join(map(str, DEFAULT_POINTS))}")
    parser.add_argument("--quick", action="store_true",
                        help=f"only {','.join(map(str, QUICK_POINTS))} titles")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hlsinspect-scale"),
                        help="where the trees are written (and reused)")
    parser.add_argument("--workers", type=int, default=2, help="processes writing a tree")
    parser.add_argument("--head-keys", type=int, default=2000,
                        help="keys the sequential HEAD loop asks; 0 skips the HEAD rows")
    parser.add_argument("--profile", action="store_true",
                        help=f"then profile one audit at the point nearest {PROFILE_NEAR} "
                             "titles")
    parser.add_argument("--worktree", action="store_true",
                        help="measure hlsinspect/ as it is in the working tree, not as "
                             "committed")
    parser.add_argument("--latency", type=lambda text: [float(n) for n in text.split(",")],
                        default=[0.0], metavar="MS[,MS...]",
                        help="ms added to every request by a proxy in front of the bucket "
                             "(paginator and audit alike; HEAD rows only at 0), each in "
                             "turn: 0,30,100 measures all three in one run")
    parser.add_argument("--slowdown", type=float, default=0.0, metavar="FRACTION",
                        help="share of requests the proxy answers 503 SlowDown (0 to 1), "
                             "paginator and audit alike")
    parser.add_argument("--seed", type=int, default=1,
                        help="which requests --slowdown throttles (the same on every run)")
    parser.add_argument("--max-rate", type=float, default=0.0, metavar="N",
                        help="the proxy answers 503 SlowDown to requests beyond N a second, "
                             "as S3 throttles a prefix (instead of --slowdown)")
    parser.add_argument("--one-title", action="store_true",
                        help="also time a check of one title (its multivariant playlist) "
                             "at each --latency, beside start-up")
    parser.add_argument("--keep", action="store_true",
                        help=f"keep trees over {KEEP_AT_MOST:,} objects")
    args = parser.parse_args()
    if args.points and args.quick:
        parser.error("--points or --quick, not both")
    titles = sorted(set(args.points or (QUICK_POINTS if args.quick else DEFAULT_POINTS)))
    if not titles or titles[0] < 1 or args.repeat < 1:
        parser.error("each point needs at least one title, and --repeat at least 1")
    if not 0.0 <= args.slowdown < 1.0:
        parser.error("--slowdown is a share of the requests, from 0 to below 1")
    if args.max_rate < 0 or (args.max_rate and args.slowdown):
        parser.error("--max-rate is a positive rate, and not given with --slowdown")
    proxying = Proxying(args.latency[0], args.slowdown, args.seed, args.max_rate)
    load = os.getloadavg()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.worktree:
        shutil.rmtree(work / "code", ignore_errors=True)
        code_at_start = code_state()
    else:
        code_at_start = committed_copy(work)
    imported = subprocess.run(
        [sys.executable, "-c", "import hlsinspect; print(hlsinspect.__file__)"],
        env=child_env(work), cwd=work, capture_output=True, text=True)
    print(f"scale_audit: points {titles} titles, best of {args.repeat}, work {work}, "
          f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, {code_at_start}; "
          f"children import {imported.stdout.strip() or imported.stderr.strip()}", flush=True)
    points: list[Point] = []
    heads: list[HeadRow] = []
    try:
        for n in titles:
            for latency in args.latency:
                first = n == titles[0] and latency == args.latency[0]
                point, rows = measure_point(n, work, args.repeat, args.workers,
                                            args.head_keys if first else None, warm_up=first,
                                            proxying=replace(proxying, latency_ms=latency))
                points.append(point)
                heads += rows
        print_tables(points, heads, load, code_at_start, args.worktree, proxying,
                     parallel_slowdown())
        if args.one_title:
            print("\n| case | seconds | start-up | minus start-up | start-up + 0.5 s "
                  "| requests | report |\n|---|---:|---:|---:|---|---:|---|")
            for latency in args.latency:
                print(measure_one_title(titles[0], work, args.repeat,
                                        replace(proxying, latency_ms=latency)), flush=True)
        if args.profile:
            profile_audit(min(titles, key=lambda n: abs(n - PROFILE_NEAR)), work, args.workers)
    finally:
        if not args.keep:
            for n in titles:
                root = work / f"tree-{n}"
                if n * objects_per_title(VARIANTS, SEGMENTS) > KEEP_AT_MOST and root.is_dir():
                    shutil.rmtree(root)
                    print(f"deleted {root}", flush=True)


if __name__ == "__main__":
    main()
