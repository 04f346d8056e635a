"""How long reading a large media playlist takes: checks, m3u8's parse, our line index.

    python -m benchmarks.parse_speed
"""

from __future__ import annotations

import time
from collections.abc import Callable

import m3u8

from hlsinspect.playlists import parse
from hlsinspect.references import object_refs


def playlist(segments: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4"]
    for n in range(segments):
        lines += ["#EXTINF:3.997,", f"segment{n:07d}.ts"]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    print(f"{'segments':>9}{'m3u8.loads':>12}{'hlsinspect':>12}{'overhead':>10}{'refs':>9}")
    for segments in (1_000, 10_000, 100_000):
        data = playlist(segments)
        runs = 5 if segments < 100_000 else 2
        bare = best_of(runs, lambda d=data: m3u8.loads(d.decode()))
        ours = best_of(runs, lambda d=data: parse("x/index.m3u8", d))
        parsed = parse("x/index.m3u8", data)
        refs = best_of(runs, lambda p=parsed: object_refs(p))
        print(f"{segments:>9}{bare:>11.3f}s{ours:>11.3f}s{ours / bare:>9.2f}x{refs:>8.3f}s")


if __name__ == "__main__":
    main()
