"""Does botocore's `adaptive` retry mode slow a client down on S3's throttling? Measured.

Why: hlsinspect keeps its own rate limit per store (hlsinspect.storage.throttle). botocore
has one too (`Config(retries={"mode": "adaptive"})`), shared by the threads of one client;
this shows what it does on HEAD (a 503 without a body) and on ListObjectsV2 (SlowDown in
an XML body), next to hlsinspect's store on the same requests. moto's server holds --keys
objects; the tests' proxy answers a seeded --slowdown share of the requests with 503
SlowDown; --threads threads make --calls calls of each kind. Printed per row: calls that
succeeded and failed, the SlowDown answers, wall seconds, and the limiter's state at the
end (botocore: whether its token bucket was ever enabled and its rate; hlsinspect: the
throttling answers it saw, its decreases and its rate, None when no limit is left).

    python -m benchmarks.adaptive_retries [--calls 200] [--slowdown 0.3] [--threads 16]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

BUCKET = "adaptive-bench"


def botocore_limiter(client: Any, operation: str) -> str:
    """The state of the adaptive mode's rate limiter, found among the client's handlers."""
    for handler in client.meta.events._emitter._lookup_cache.get(
            f"before-send.s3.{operation}", []):
        limiter = getattr(handler, "__self__", None)
        bucket = getattr(limiter, "_token_bucket", None)
        if bucket is not None:
            return (f"token bucket enabled: {limiter._enabled}, "  # type: ignore[union-attr]
                    f"rate {bucket.max_rate:.1f}/s")
    return "no adaptive limiter found"


def timed(call: Callable[[int], bool], calls: int, threads: int) -> tuple[int, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = sum(pool.map(call, range(calls)))
    return done, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--slowdown", type=float, default=0.3)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    import boto3
    from botocore.config import Config
    from moto.server import ThreadedMotoServer

    from hlsinspect.storage.base import StorageError
    from hlsinspect.storage.s3 import S3Storage
    from tests.s3proxy import S3Proxy, slowdown

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    upstream = f"http://{host}:{port}"
    admin = boto3.client("s3", endpoint_url=upstream)
    admin.create_bucket(Bucket=BUCKET)
    keys = [f"k{n:04d}" for n in range(args.keys)]
    for key in keys:
        admin.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    print(f"{args.calls} calls of each kind on {args.threads} threads, {args.slowdown:.0%} "
          "answered 503 SlowDown\n\n| client | operation | succeeded | failed | SlowDown "
          "answers | seconds | limiter at the end |\n|---|---|---:|---:|---:|---:|---|")
    try:
        for operation in ("HeadObject", "ListObjectsV2"):
            with S3Proxy(upstream, throttle=slowdown(args.slowdown, seed=1)) as proxy:
                client = boto3.client("s3", endpoint_url=proxy.endpoint, config=Config(
                    retries={"mode": "adaptive", "max_attempts": 3}))

                def call(n: int, client: Any = client, operation: str = operation) -> bool:
                    try:
                        if operation == "HeadObject":
                            client.head_object(Bucket=BUCKET, Key=keys[n % len(keys)])
                        else:
                            client.list_objects_v2(Bucket=BUCKET)
                    except Exception:
                        return False
                    return True

                done, seconds = timed(call, args.calls, args.threads)
                print(f"| botocore adaptive | {operation} | {done} | {args.calls - done} "
                      f"| {proxy.throttled} | {seconds:.1f} | "
                      f"{botocore_limiter(client, operation)} |", flush=True)
            with S3Proxy(upstream, throttle=slowdown(args.slowdown, seed=1)) as proxy:
                store = S3Storage(BUCKET, endpoint_url=proxy.endpoint)

                def ours(n: int, store: S3Storage = store, operation: str = operation) -> bool:
                    if operation == "HeadObject":
                        return store.stat(keys[n % len(keys)]).size is not None
                    try:
                        store.list_directory("")
                    except StorageError:
                        return False
                    return True

                done, seconds = timed(ours, args.calls, args.threads)
                limit = store.limit
                rate = f"{limit.rate:.1f}/s" if limit.rate is not None else "None"
                print(f"| hlsinspect store | {operation} | {done} | {args.calls - done} "
                      f"| {proxy.throttled} | {seconds:.1f} | {limit.throttles} throttling "
                      f"answers, {limit.decreases} decreases, rate {rate} |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
