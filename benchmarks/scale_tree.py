"""A bucket-sized HLS tree on local disk, for benchmarks of a whole-bucket audit.

Why: the cost of auditing a bucket grows with its object count, and a realistic count (a
million objects) cannot be uploaded to moto or kept in memory. This writes the layout a
transcoder produces, on disk, where benchmarks.fast_s3 serves it as a bucket:

    titles/title00000/master.m3u8          multivariant playlist, one STREAM-INF per variant
    titles/title00000/v0/index.m3u8        VOD media playlist, `segments` segments of 6 s
    titles/title00000/v0/seg00000.ts       sparse file: a size, no data, almost no disk

Variant j's segments are all `segment_bytes * 2**j / 2` bytes (100 kB, 200 kB, 400 kB, ...
by default) and its BANDWIDTH is 5% above that bit rate, rounded up, so hlsinspect's bandwidth
checks pass: the tree is clean, and an audit of it reports nothing. 100 titles of 3 variants
of 300 segments are 90,400 objects; 1,107 titles are just over a million.

    python -m benchmarks.scale_tree DIR --titles N [--variants 3] [--segments 300] [--workers 2]
    python -m benchmarks.scale_tree DIR [--titles N] --list

The first writes the tree and prints the object count and seconds. `--list` then serves DIR
with fast_s3 in a child process and times boto3's list_objects_v2 paginator over the whole
bucket, with the CPU seconds each side spent: the server's share shows whether the figure
measures the client.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SEGMENT_SECONDS = 6
CODECS = "avc1.64001f,mp4a.40.2"
RESOLUTIONS = ((640, 360), (960, 540), (1280, 720))
"""Lowest variant first; avc1.64001f (High, level 3.1) goes up to 1280x720."""
BUCKET = "bench-out"
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def objects_per_title(variants: int, segments: int) -> int:
    return 1 + variants * (1 + segments)


def segment_size(variant: int, segment_bytes: int) -> int:
    return (segment_bytes << variant) // 2


def bandwidth(size: int) -> int:
    """At or above the peak bit rate of segments of `size` bytes (5% headroom, rounded up)."""
    return -(-size * 8 * 105 // (SEGMENT_SECONDS * 100))  # integer ceil: no float error


def master_playlist(variants: int, segment_bytes: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for j in range(variants):
        width, height = RESOLUTIONS[min(j, len(RESOLUTIONS) - 1)]
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth(segment_size(j, segment_bytes))},"
                  f'RESOLUTION={width}x{height},CODECS="{CODECS}"', f"v{j}/index.m3u8"]
    return ("\n".join(lines) + "\n").encode()


def media_playlist(segments: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for k in range(segments):
        lines += [f"#EXTINF:{SEGMENT_SECONDS}.000,", f"seg{k:05d}.ts"]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def _write(name: str, data: bytes, directory: int) -> None:
    fd = os.open(name, FILE_FLAGS, 0o644, dir_fd=directory)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _sparse(name: str, size: int, directory: int) -> None:
    """A file of `size` bytes with no data written: a hole, costing an inode and no blocks."""
    fd = os.open(name, FILE_FLAGS, 0o644, dir_fd=directory)
    try:
        os.ftruncate(fd, size)
    finally:
        os.close(fd)


def _write_titles(root: str, first: int, stop: int, variants: int, segments: int,
                  segment_bytes: int) -> int:
    """Titles first..stop-1; the playlists are the same bytes in every title."""
    master = master_playlist(variants, segment_bytes)
    media = media_playlist(segments)
    names = [f"seg{k:05d}.ts" for k in range(segments)]
    sizes = [segment_size(j, segment_bytes) for j in range(variants)]
    for i in range(first, stop):
        title = os.path.join(root, "titles", f"title{i:05d}")
        for j in range(variants):
            os.makedirs(os.path.join(title, f"v{j}"), exist_ok=True)
        fd = os.open(title, os.O_RDONLY | os.O_DIRECTORY)
        try:
            _write("master.m3u8", master, fd)
        finally:
            os.close(fd)
        for j in range(variants):
            fd = os.open(os.path.join(title, f"v{j}"), os.O_RDONLY | os.O_DIRECTORY)
            try:
                _write("index.m3u8", media, fd)
                for name in names:
                    _sparse(name, sizes[j], fd)
            finally:
                os.close(fd)
    return (stop - first) * objects_per_title(variants, segments)


def make_tree(root: Path, titles: int, variants: int = 3, segments: int = 300, *,
              segment_bytes: int = 200_000, workers: int = 1) -> int:
    """Write `titles` titles under root/titles/ and return the number of objects written.

    Files already there are overwritten; nothing else is removed. `workers` > 1 writes
    batches of titles in that many processes.
    """
    if titles < 0 or variants < 1 or segments < 1 or segment_bytes < 2:
        raise ValueError("titles >= 0, variants >= 1, segments >= 1, segment_bytes >= 2")
    shape = (variants, segments, segment_bytes)
    if workers <= 1 or titles < 2 * workers:
        return _write_titles(str(root), 0, titles, *shape)
    batch = max(1, min(50, titles // (4 * workers)))
    with ProcessPoolExecutor(workers) as pool:
        futures = [pool.submit(_write_titles, str(root), first, min(first + batch, titles),
                               *shape) for first in range(0, titles, batch)]
        return sum(future.result() for future in futures)


INVENTORY_RUN = "inventory/{bucket}/daily/2026-11-28T01-00Z"


def write_inventory(root: Path, bucket: str = BUCKET, prefix: str = "titles/") -> str:
    """An S3 Inventory (CSV, one gzip data file) of every file under root/prefix, written
    under root/inventory/ as S3 would write it into a destination bucket: served from the
    same directory, `check --inventory s3://BUCKET/<returned key>` reads it. Keys in CSV
    inventories are URL-encoded; the tree's names need no encoding."""
    import csv
    import gzip
    import io
    import json
    import time

    rows = io.StringIO()
    writer = csv.writer(rows, quoting=csv.QUOTE_ALL, lineterminator="\n")
    top = root / prefix
    for directory, _, files in os.walk(top):
        for name in files:
            path = os.path.join(directory, name)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            writer.writerow([bucket, key, os.stat(path).st_size, "2026-11-28T00:30:00.000Z"])
    run = INVENTORY_RUN.format(bucket=bucket)
    data_key = f"inventory/{bucket}/daily/data/inventory-0.csv.gz"
    (root / data_key).parent.mkdir(parents=True, exist_ok=True)
    body = gzip.compress(rows.getvalue().encode(), compresslevel=1)
    (root / data_key).write_bytes(body)
    manifest = {"sourceBucket": bucket, "destinationBucket": f"arn:aws:s3:::{bucket}",
                # made now: an older inventory is refused (--inventory-max-age, default 2d)
                "version": "2016-11-30", "creationTimestamp": str(int(time.time() * 1000)),
                "fileFormat": "CSV", "fileSchema": "Bucket, Key, Size, LastModifiedDate",
                "files": [{"key": data_key, "size": len(body), "MD5checksum": ""}]}
    (root / run).mkdir(parents=True, exist_ok=True)
    (root / run / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return f"{run}/manifest.json"


def time_listing(root: Path, bucket: str = BUCKET) -> None:
    """Serve root with fast_s3 and time a plain list_objects_v2 paginator over all of it."""
    import boto3
    from botocore.config import Config

    from benchmarks.fast_s3 import FastS3

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    with FastS3(root, bucket) as server:
        print(f"fast_s3 ready in {server.startup_seconds:.2f} s (process start, index, listen)")
        client = boto3.client("s3", endpoint_url=server.endpoint,
                              config=Config(s3={"addressing_style": "path"}))
        client.list_objects_v2(Bucket=bucket, MaxKeys=1)  # connection and first-call costs
        server_before, client_before = server.cpu_seconds(), time.process_time()
        started = time.perf_counter()
        count = pages = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            count += len(page.get("Contents", []))
            pages += 1
        elapsed = time.perf_counter() - started
        server_cpu = server.cpu_seconds() - server_before
        client_cpu = time.process_time() - client_before
    print(f"listed {count:,} objects in {pages} pages: {elapsed:.2f} s, "
          f"{count / elapsed:,.0f} objects/s")
    print(f"CPU: client {client_cpu:.2f} s, server {server_cpu:.2f} s "
          f"({100 * server_cpu / elapsed:.1f}% of one core, "
          f"{100 * server_cpu / (server_cpu + client_cpu):.1f}% of the CPU both used)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--titles", type=int, help="write this many titles")
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--segment-bytes", type=int, default=200_000,
                        help="variant 1's segment size; variant j's is this * 2**j / 2")
    parser.add_argument("--workers", type=int, default=1, help="processes writing titles")
    parser.add_argument("--list", action="store_true",
                        help="then time boto3's paginator over DIR served by fast_s3")
    args = parser.parse_args()
    if args.titles is None and not args.list:
        parser.error("give --titles, --list or both")
    if args.titles is not None:
        started = time.perf_counter()
        count = make_tree(args.directory, args.titles, args.variants, args.segments,
                          segment_bytes=args.segment_bytes, workers=args.workers)
        elapsed = time.perf_counter() - started
        print(f"{count:,} objects ({args.titles} titles) written in {elapsed:.1f} s, "
              f"{count / elapsed:,.0f} objects/s, {args.workers} worker(s)")
    if args.list:
        sys.stdout.flush()
        time_listing(args.directory)


if __name__ == "__main__":
    main()
