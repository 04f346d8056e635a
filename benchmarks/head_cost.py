"""What one HEAD costs the client, and how many HEADs a second hlsinspect makes.

Why: when a title cannot be settled by a listing (`--verify head`, or a store that cannot
list), existence is one HeadObject per object, and botocore spends about 1.5-2 ms of client
CPU on each (events, endpoint rules, signing, urllib3, parsing): with Python's one
interpreter lock, that CPU, not the network, caps a process whatever the concurrency. This
benchmark runs a small tree behind benchmarks.fast_s3 (a server that costs almost nothing)
and prints, in the same run, alternating, best of --repeat:

- CPU per HEAD of a plain boto3 client, and of the client hlsinspect makes (its lean
  parser reads two headers of a HEAD answer, and parameter validation is off);
- HEADs per second of the sequential loop (a plain client, one key after another) against
  hlsinspect's verification in `head` mode at concurrency 1 and 32.

    python -m benchmarks.head_cost [--keys 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BUCKET = "head-cost"
SEGMENTS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    from benchmarks.fast_s3 import FastS3
    from benchmarks.scale_tree import make_tree

    titles = -(-args.keys // (3 * SEGMENTS))
    with tempfile.TemporaryDirectory() as work:
        make_tree(Path(work), titles, segments=SEGMENTS)
        keys = [f"titles/title{t:05d}/v{v}/seg{s:05d}.ts" for t in range(titles)
                for v in range(3) for s in range(SEGMENTS)][:args.keys]
        with FastS3(Path(work), BUCKET) as server:
            cpu, rates = measure(server.endpoint, keys, args.repeat)
            server_cpu = server.cpu_seconds()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"{len(keys)} HEADs per measurement, best of {args.repeat}; load average {load}; "
          f"server CPU over the whole run {server_cpu:.1f} s\n")
    print("| client | CPU per HEAD | vs plain |\n|---|---:|---:|")
    base = min(cpu["plain boto3 client"])
    for name, runs in cpu.items():
        print(f"| {name} | {min(runs):.3f} ms | {min(runs) / base:.2f}x |")
    print("\n| how | HEADs/s | vs the sequential loop |\n|---|---:|---:|")
    loop = max(rates["sequential loop (plain client)"])
    for name, runs in rates.items():
        print(f"| {name} | {max(runs):,.0f} | {max(runs) / loop:.2f}x |")


def measure(endpoint: str, keys: list[str], repeat: int
            ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Alternating rounds of every variant against one running server."""
    import boto3
    from botocore.config import Config

    from hlsinspect.pipeline.verify import verify
    from hlsinspect.settings import VerifySettings
    from hlsinspect.storage.base import Existence
    from hlsinspect.storage.s3 import S3Storage

    plain = boto3.client("s3", endpoint_url=endpoint,
                         config=Config(s3={"addressing_style": "path"}))
    store = S3Storage(BUCKET, endpoint_url=endpoint)

    def plain_head(key: str) -> None:
        plain.head_object(Bucket=BUCKET, Key=key)

    def ours(key: str) -> None:
        assert store.stat(key).existence is Existence.PRESENT

    def cpu_per_call(call: Callable[[str], None]) -> float:
        call(keys[0])
        started = time.process_time()
        for key in keys:
            call(key)
        return (time.process_time() - started) / len(keys) * 1000

    def loop() -> None:
        for key in keys:
            plain_head(key)

    def verify_at(concurrency: int) -> Callable[[], None]:
        settings = VerifySettings(mode="head", concurrency=concurrency)
        fresh = S3Storage(BUCKET, endpoint_url=endpoint, policy=settings.requests)

        def run() -> None:
            states = verify(fresh, keys, settings)
            assert all(s.existence is Existence.PRESENT for s in states.values())
        return run

    def rate(run: Callable[[], None]) -> float:
        started = time.perf_counter()
        run()
        return len(keys) / (time.perf_counter() - started)

    cpu: dict[str, list[float]] = {"plain boto3 client": [], "hlsinspect's client": []}
    rates: dict[str, list[float]] = {"sequential loop (plain client)": [],
                                     "hlsinspect, concurrency 1": [],
                                     "hlsinspect, concurrency 32": []}
    for _ in range(repeat):
        cpu["plain boto3 client"].append(cpu_per_call(plain_head))
        cpu["hlsinspect's client"].append(cpu_per_call(ours))
        rates["sequential loop (plain client)"].append(rate(loop))
        rates["hlsinspect, concurrency 1"].append(rate(verify_at(1)))
        rates["hlsinspect, concurrency 32"].append(rate(verify_at(32)))
    return cpu, rates


if __name__ == "__main__":
    main()
