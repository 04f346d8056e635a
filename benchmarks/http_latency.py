"""HTTP origins at a CDN's latency: whole `hlsinspect check` processes against a slow origin.

Why: an origin or CDN is 10-100 ms away, and an HTTP origin has no listing, so every object
is one HEAD (and with `--probe`, one or more ranged GETs). What a run costs is then the
round trips it cannot overlap. This measures (never asserts) whole processes, start-up
included, as a user waits for them:

(a) one title (a multivariant playlist of 3 variants of 300 MPEG-TS segments): time to
    verdict, against start-up alone (`--version`, and a check of a tiny local playlist);
(b) --titles titles given as that many targets of one command;
(c) `--probe sample` and `--probe all` on one title;

at each --latency (ms added to every request). A child process serves the titles from memory
(http.server, threaded, HTTP/1.1 keep-alive, HEAD and Range), sleeping MS ms before each
answer; it counts requests and the most it held at once. Each figure is printed beside the
requests it took and the floor those requests impose at --concurrency (requests x latency /
concurrency, plus nothing for CPU): the ratio says how much of the time is waiting that
concurrency did not hide.

    python -m benchmarks.http_latency [--latency 0,30,100] [--titles 20] [--repeat 2]
        [--concurrency 32] [--commit REV] [--only a,b,c]

The children import hlsinspect/ from the working tree, or with --commit as that commit has
it (git archive into a temporary directory), so one run can measure before and after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIANTS = 3
SEGMENTS = 300
SEGMENT_KB = 200
"""Each segment's size: more than the probe's head and tail (64 KiB), so it reads a range."""
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def title_files(segment: bytes) -> dict[str, bytes]:
    """The paths of one title under its directory, with their bodies (segments share one)."""
    files: dict[str, bytes] = {}
    master = ["#EXTM3U", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in range(VARIANTS):
        bandwidth = (variant + 1) * 1_000_000
        master += [f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION=160x90,'
                   'CODECS="avc1.4d401e,mp4a.40.2"', f"v{variant}/index.m3u8"]
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
                 "#EXT-X-PLAYLIST-TYPE:VOD"]
        for n in range(SEGMENTS):
            if n:  # every segment carries the same timestamps
                lines.append("#EXT-X-DISCONTINUITY")
            lines += ["#EXTINF:4.000,", f"seg{n:05d}.ts"]
            files[f"v{variant}/seg{n:05d}.ts"] = segment
        files[f"v{variant}/index.m3u8"] = "\n".join([*lines, "#EXT-X-ENDLIST", ""]).encode()
    files["master.m3u8"] = "\n".join([*master, ""]).encode()
    return files


class SlowOrigin:
    """Titles t00..tNN served at `latency` seconds a request; counts requests and the most
    in flight at once (between a request's arrival and its answer)."""

    def __init__(self, titles: int, latency: float) -> None:
        from hlsinspect.checks.probe_examples import ts_segment

        picture = max(2, SEGMENT_KB * 1024 // 100)  # 100 pictures in 4 s at 25 fps
        segment = ts_segment(start=10.0, seconds=4.0, video="idr", sps=True, picture=picture)
        self.files = {f"/t{t:02d}/{path}": body for t in range(titles)
                      for path, body in title_files(segment).items()}
        self.latency = latency
        self.lock = threading.Lock()
        self.requests = 0
        self.flight = 0
        self.peak = 0
        self.first = 0.0
        """When the first request since the last reset arrived, and the last answer left
        (`time.time()`): what the client spent before asking and after its last answer."""
        self.last = 0.0
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def answer(self) -> None:
                if self.path.startswith("/__"):
                    origin.control(self)
                    return
                with origin.lock:
                    origin.first = origin.first or time.time()
                    origin.requests += 1
                    origin.flight += 1
                    origin.peak = max(origin.peak, origin.flight)
                try:
                    time.sleep(origin.latency)
                    self.serve(origin.files.get(self.path.split("?")[0]))
                finally:
                    with origin.lock:
                        origin.flight -= 1
                        origin.last = time.time()

            def serve(self, data: bytes | None) -> None:
                if data is None:
                    self.send(404, b"not found")
                    return
                wanted = _RANGE.match(self.headers.get("Range", ""))
                if self.command != "GET" or wanted is None:
                    self.send(200, data)
                    return
                start = int(wanted.group(1))
                end = min(int(wanted.group(2) or len(data) - 1), len(data) - 1)
                if start >= len(data):
                    self.send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                    return
                self.send(206, data[start:end + 1],
                          {"Content-Range": f"bytes {start}-{end}/{len(data)}"})

            def send(self, status: int, body: bytes, headers: dict[str, str] | None = None
                     ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = answer

        ThreadingHTTPServer.request_queue_size = 256  # 32+ connections opened at once
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    def control(self, handler: BaseHTTPRequestHandler) -> None:
        """`/__stats`: the counts since the last `/__reset`, as JSON."""
        with self.lock:
            stats = {"requests": self.requests, "peak": self.peak, "first": self.first,
                     "last": self.last}
            if handler.path == "/__reset":
                self.requests = self.peak = 0
                self.first = self.last = 0.0
        body = json.dumps(stats).encode()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def serve(titles: int, latency_ms: float) -> None:
    """Child process: the origin, off the measured processes' cores' interpreter locks."""
    origin = SlowOrigin(titles, latency_ms / 1000)
    host, port = origin.server.server_address[:2]
    threading.Thread(target=origin.server.serve_forever, daemon=True).start()
    print(f"http://{host!s}:{port}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin


def stats(url: str, reset: bool = False) -> dict[str, float]:
    with urllib.request.urlopen(f"{url}/{'__reset' if reset else '__stats'}",
                                timeout=10) as response:
        loaded: dict[str, float] = json.loads(response.read())
        return loaded


@dataclass
class Timed:
    seconds: float
    requests: int
    peak: int
    code: int
    summary: dict[str, int]
    findings: list[str]
    before: float = 0.0
    """Seconds from the start of the process to the origin's first request."""
    asking: float = 0.0
    """Seconds from the first request's arrival to the last answer."""


def child_env(code: Path, cache: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("HLSINSPECT_") and name != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(code), PYTHONPYCACHEPREFIX=str(cache))
    return env


def timed(argv: Sequence[str], env: dict[str, str], work: Path, url: str | None) -> Timed:
    """One child, timed whole; the origin's counts over it; its JSON report's summary."""
    report = work / "report.json"
    report.unlink(missing_ok=True)
    if url:
        stats(url, reset=True)
    started, wall = time.perf_counter(), time.time()
    done = subprocess.run([sys.executable, "-m", "hlsinspect", *argv], env=env, cwd=work,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    counts = stats(url) if url else {"requests": 0, "peak": 0, "first": 0.0, "last": 0.0}
    summary: dict[str, int] = {}
    findings: list[str] = []
    if report.exists():
        document = json.loads(report.read_text())
        summary = document.get("summary", {})
        findings = sorted({f["name"] for f in document.get("findings", [])})
    elif argv[0] == "check":
        print(f"WARNING: no report: exit {done.returncode}: {done.stderr.strip()[-400:]}")
    first, last = counts["first"], counts["last"]
    return Timed(seconds, int(counts["requests"]), int(counts["peak"]), done.returncode,
                 summary, findings, before=first - wall if first else 0.0,
                 asking=last - first if first else 0.0)


def best(runs: list[Timed]) -> Timed:
    return min(runs, key=lambda run: run.seconds)


def check_argv(targets: Sequence[str], concurrency: int, *extra: str) -> list[str]:
    return ["check", *targets, "--no-progress", "--format", "json", "--output", "report.json",
            "--concurrency", str(concurrency), *extra]


def copy_of(rev: str, into: Path) -> str:
    """hlsinspect/ as commit `rev` has it, under `into` (the repository is only read)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, env=env,
                            capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "hlsinspect"],
                             cwd=REPO, env=env, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def floor(requests: int, latency_ms: float, concurrency: int) -> float:
    """The seconds `requests` take at best, `concurrency` at a time, latency each."""
    return requests * latency_ms / 1000 / concurrency


def row(label: str, run: Timed, latency_ms: float, concurrency: int, startup: float) -> str:
    bound = floor(run.requests, latency_ms, concurrency)
    ratio = f"{(run.seconds - startup) / bound:.2f}x" if bound else "-"
    checked = run.summary.get("objects_checked", "-")
    bad = run.summary.get("missing", 0) + run.summary.get("unknown", 0)
    note = f" (WARNING: {bad} missing or unknown)" if bad else ""
    after = run.seconds - run.before - run.asking
    return (f"| {label} | {latency_ms:g} | {run.seconds:.2f} | {run.seconds - startup:.2f} | "
            f"{run.before:.2f} / {run.asking:.2f} / {after:.2f} | "
            f"{run.requests:,} | {run.peak} | {bound:.2f} | {ratio} | {checked}{note} |")


def measure(latency_ms: float, args: argparse.Namespace, env: dict[str, str], work: Path,
            startup: float) -> list[str]:
    rows: list[str] = []
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.http_latency", "--serve",
                              str(args.titles), "--latency", str(latency_ms)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        one = f"{url}/t00/master.m3u8"
        cases: list[tuple[str, list[str]]] = []
        if "a" in args.only:
            cases.append(("(a) one title", check_argv([one], args.concurrency)))
        if "b" in args.only:
            every = [f"{url}/t{t:02d}/master.m3u8" for t in range(args.titles)]
            cases.append((f"(b) {args.titles} targets", check_argv(every, args.concurrency)))
        if "c" in args.only:
            for mode in ("sample", "all"):
                cases.append((f"(c) one title, --probe {mode}",
                              check_argv([one], args.concurrency, "--probe", mode)))
        for label, argv in cases:
            timed(argv, env, work, url)  # untimed: the origin's connections, the caches
            run = best([timed(argv, env, work, url) for _ in range(args.repeat)])
            rows.append(row(label, run, latency_ms, args.concurrency, startup))
            print(rows[-1], "findings:", ", ".join(run.findings) or "-", flush=True)
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", default="0,30,100", help="ms added, comma-separated")
    parser.add_argument("--titles", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--commit", help="measure hlsinspect/ as this commit has it")
    parser.add_argument("--only", default="a,b,c", help="which cases: a, b, c")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, float(args.latency))
        return
    with tempfile.TemporaryDirectory(prefix="hlsinspect-http-") as temp:
        work = Path(temp)
        code, what = REPO, "the working tree"
        if args.commit:
            code = work / "code"
            code.mkdir()
            what = f"commit {copy_of(args.commit, code)}"
        env = child_env(code, work / "pycache")
        tiny = work / "tiny.m3u8"
        tiny.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ntiny.ts\n"
                        "#EXT-X-ENDLIST\n")
        (work / "tiny.ts").write_bytes(b"\x47" * 188)
        timed(["--version"], env, work, None)  # fills the bytecode cache
        version = best([timed(["--version"], env, work, None) for _ in range(3)]).seconds
        local = best([timed(check_argv([str(tiny)], args.concurrency), env, work, None)
                      for _ in range(3)]).seconds
        print(f"hlsinspect as {what}; {os.cpu_count()} cores; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; best of {args.repeat}")
        print(f"start-up: --version {version:.2f} s, check of a local tiny playlist "
              f"{local:.2f} s (taken as start-up below)\n")
        print("| case | ms | seconds | minus start-up | to first request / asking / after "
              f"| requests | most in flight | floor at {args.concurrency} | over floor "
              "| objects checked |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for latency in (float(x) for x in args.latency.split(",")):
            measure(latency, args, env, work, local)
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        shutil.rmtree(work / "pycache", ignore_errors=True)


if __name__ == "__main__":
    main()
