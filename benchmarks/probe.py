"""What `--probe` costs: bytes read per segment and wall time on a 1,000-segment title.

A title of --segments MPEG-TS segments of 4 s (H.264 and AAC, --segment-kb each: 2,000 KB
is 4 Mbit/s, a 1080p rung) is served by benchmarks.fast_s3 behind the tests' S3 proxy, which
adds --delay ms to every request (real S3 is 10-30 ms away). Every segment is one file
hard-linked under 1,000 names (so the tree costs one segment of disk), each after an
EXT-X-DISCONTINUITY since they all carry the same timestamps. This process times `inspect()`
with `--probe none`, `sample` and `all`, and prints bytes read per probed segment (and as a
share of the segment), GET requests and seconds.

    python -m benchmarks.probe [--segments 1000] [--delay 20] [--segment-kb 2000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BUCKET = "probe-bench"


def make_title(root: Path, segments: int, segment_kb: int) -> int:
    """The title under root/title/; returns one segment's size in bytes."""
    from hlsinspect.checks.probe_examples import ts_segment

    title = root / "title"
    title.mkdir(parents=True)
    picture = max(2, segment_kb * 1024 // 100)  # 100 pictures in 4 s at 25 fps
    data = ts_segment(start=10.0, seconds=4.0, video="idr", sps=True, picture=picture)
    first = title / "seg000000.ts"
    first.write_bytes(data)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for n in range(segments):
        if n:
            os.link(first, title / f"seg{n:06d}.ts")
            lines.append("#EXT-X-DISCONTINUITY")
        lines += ["#EXTINF:4.000,", f"seg{n:06d}.ts"]
    (title / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    return len(data)


def run(endpoint: str, mode: str) -> tuple[float, int, int, list[str]]:
    """Seconds, segments probed, bytes read, and the findings' names."""
    from hlsinspect import S3Options, Settings, inspect
    from hlsinspect.settings import ProbeSettings

    started = time.perf_counter()
    report = inspect([f"s3://{BUCKET}/title/index.m3u8"],
                     settings=Settings(probe=ProbeSettings(mode=mode)),  # type: ignore[arg-type]
                     s3=S3Options(endpoint_url=endpoint))
    elapsed = time.perf_counter() - started
    probes = [p.probe for p in report.playlists if p.probe is not None]
    probed = sum(len(p.segments) for p in probes)
    read = sum(s.bytes_read for p in probes for s in p.segments)
    return elapsed, probed, read, sorted({f.name for f in report.findings})


def proxy(upstream: str, delay_ms: float, slowdown: float = 0.0, seed: int = 1,
          max_rate: float = 0.0) -> None:
    """Child process: the delaying proxy, off this process's interpreter lock (in-process, its
    threads would cost the client as much CPU as botocore does); with `slowdown`, that share
    of the requests answered 503 SlowDown (see tests.s3proxy.slowdown); with `max_rate`, the
    requests beyond so many a second (tests.s3proxy.over_rate)."""
    from tests.s3proxy import S3Proxy, over_rate
    from tests.s3proxy import slowdown as throttling

    throttle = (throttling(slowdown, seed) if slowdown
                else over_rate(max_rate) if max_rate else None)
    with S3Proxy(upstream, delay=delay_ms / 1000, throttle=throttle) as server:
        print(server.endpoint, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


def gets_so_far(endpoint: str) -> int:
    with urllib.request.urlopen(f"{endpoint}/__requests", timeout=10) as response:
        return int(response.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=20.0, help="ms added to each request")
    parser.add_argument("--segment-kb", type=int, default=2000)
    parser.add_argument("--proxy", metavar="UPSTREAM", help=argparse.SUPPRESS)
    parser.add_argument("--slowdown", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--max-rate", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.proxy:
        proxy(args.proxy, args.delay, args.slowdown, args.seed, args.max_rate)
        return
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    from benchmarks.fast_s3 import FastS3

    with tempfile.TemporaryDirectory() as work:
        size = make_title(Path(work), args.segments, args.segment_kb)
        with FastS3(Path(work), BUCKET) as server:
            child = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.probe", "--proxy", server.endpoint,
                 "--delay", str(args.delay)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True)
            try:
                assert child.stdout is not None
                table(child.stdout.readline().strip(), args, size)
            finally:
                if child.stdin:
                    child.stdin.close()
                child.wait(timeout=30)


def table(endpoint: str, args: argparse.Namespace, size: int) -> None:
    print(f"{args.segments} segments of {size:,} bytes (4 s each), {args.delay:g} ms added to "
          f"each request, concurrency 32, {os.cpu_count()} cores\n")
    print("| --probe | seconds | requests | segments probed | bytes read per segment "
          "| share of the segment | findings |\n|---|---:|---:|---:|---:|---:|---|")
    for mode in ("none", "sample", "all"):
        before = gets_so_far(endpoint)
        elapsed, probed, read, names = run(endpoint, mode)
        requests = gets_so_far(endpoint) - before
        per = read / probed if probed else 0
        print(f"| {mode} | {elapsed:.2f} | {requests:,} | {probed:,} | {per:,.0f} | "
              f"{per / size:.1%} | {', '.join(names) or '-'} |")


if __name__ == "__main__":
    main()
