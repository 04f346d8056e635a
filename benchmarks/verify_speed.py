"""How fast hlsinspect verifies a title in S3, and what concurrency and listing buy.

A child process runs moto's S3 server on 127.0.0.1 behind a proxy that delays each request by
--delay ms (real S3 is 10-30 ms away; loopback is not) and seeds one media playlist of
--segments segments; this process times `inspect()` end to end in each verification setting
and prints objects per second, the speed-up over one HEAD at a time, and requests made.

    python -m benchmarks.verify_speed [--segments 2000] [--delay 20]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
import urllib.request

BUCKET = "bench-out"
DIRECTORY = "HLS/1M/title"
SAMPLE = 200
"""Segments in the playlist timed one HEAD at a time (the baseline, kept short)."""
ABSENT = 20
"""Segments the `gaps` playlist names that do not exist: each is confirmed with one HEAD."""


def playlist(segments: int, directory: str = "", absent: int = 0) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for n in range(segments):
        lines += ["#EXTINF:4.0,", f"{directory}seg{n:06d}.ts"]
    for n in range(absent):
        lines += ["#EXTINF:4.0,", f"{directory}gone{n:06d}.ts"]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def serve(segments: int, delay_ms: float) -> None:
    """Child process: moto + delaying proxy; prints the proxy's endpoint, runs until killed."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer

    from tests.s3proxy import S3Proxy

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    backend.create_bucket(BUCKET, "us-east-1")
    for n in range(segments):
        backend.put_object(BUCKET, f"{DIRECTORY}/seg{n:06d}.ts", b"\x47" * 188)
    backend.put_object(BUCKET, f"{DIRECTORY}/index.m3u8", playlist(segments))
    # the baseline's playlist lives outside DIRECTORY, so a prefix check finds only index.m3u8
    backend.put_object(BUCKET, "HLS/sample.m3u8", playlist(min(SAMPLE, segments), "1M/title/"))
    backend.put_object(BUCKET, "HLS/gaps.m3u8", playlist(segments, "1M/title/", ABSENT))
    with S3Proxy(f"http://{host}:{port}", delay=delay_ms / 1000) as proxy:
        print(proxy.endpoint, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


def requests_so_far(endpoint: str) -> int:
    with urllib.request.urlopen(f"{endpoint}/__requests", timeout=10) as response:
        return int(response.read())


def timed(endpoint: str, target: str, mode: str, concurrency: int,
          absent: int = 0) -> tuple[float, int, int]:
    from hlsinspect import S3Options, Settings, inspect
    from hlsinspect.settings import VerifySettings

    settings = Settings(verify=VerifySettings(mode=mode, concurrency=concurrency))
    before = requests_so_far(endpoint)
    started = time.perf_counter()
    report = inspect([f"s3://{BUCKET}/{target}"], settings=settings,
                     s3=S3Options(endpoint_url=endpoint))
    elapsed = time.perf_counter() - started
    if (report.summary.missing, report.summary.unknown) != (absent, 0):
        raise SystemExit(f"{report.summary.missing} missing and {report.summary.unknown} "
                         f"unknown objects in {mode} mode, {absent} missing expected")
    return elapsed, report.summary.objects_checked, requests_so_far(endpoint) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=20.0, help="ms added to each request")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.segments, args.delay)
        return
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.verify_speed", "--serve",
         "--segments", str(args.segments), "--delay", str(args.delay)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip()
        print(f"{args.segments} segments in one directory, {args.delay:g} ms added to each "
              f"request, {os.cpu_count()} cores (moto, the proxy and hlsinspect share them)")
        print(f"{'setting':<24}{'objects':>8}{'seconds':>9}{'objects/s':>11}{'speed-up':>10}"
              f"{'requests':>10}")
        elapsed, checked, requests = timed(endpoint, "HLS/sample.m3u8", "head", 1)
        base = checked / elapsed
        print(f"{'head, concurrency 1':<24}{checked:>8}{elapsed:>9.2f}{base:>11.0f}"
              f"{1.0:>9.1f}x{requests:>10}")
        playlist_key, prefix = f"{DIRECTORY}/index.m3u8", f"{DIRECTORY}/"
        for label, target, mode, concurrency, absent in (
            ("head, concurrency 8", playlist_key, "head", 8, 0),
            ("head, concurrency 32", playlist_key, "head", 32, 0),
            ("head, concurrency 64", playlist_key, "head", 64, 0),
            ("list", playlist_key, "list", 32, 0),
            ("auto", playlist_key, "auto", 32, 0),
            ("prefix target, auto", prefix, "auto", 32, 0),
            (f"list, {ABSENT} absent", "HLS/gaps.m3u8", "list", 32, ABSENT),
        ):
            elapsed, checked, requests = timed(endpoint, target, mode, concurrency, absent)
            rate = checked / elapsed
            print(f"{label:<24}{checked:>8}{elapsed:>9.2f}{rate:>11.0f}{rate / base:>9.1f}x"
                  f"{requests:>10}")
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
