"""How long reading and checking a large media playlist takes, against m3u8's parse alone.

    python -m benchmarks.parse_speed

hlsinspect reads playlists with its own line reader (see tests/test_reader_agrees_with_m3u8.py);
this prints what that reading costs next to m3u8.loads, and what the text-only rules (scopes
`line` and `media`) and the reference listing add.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import m3u8

from hlsinspect.checks.apply import apply
from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import Selection
from hlsinspect.playlists import parse
from hlsinspect.references import object_refs


def playlist(segments: int) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
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


def check(data: bytes) -> int:
    parsed = parse("x/index.m3u8", data)
    context = PlaylistContext(parsed, "x/index.m3u8")
    found = apply("line", context, Selection(), None) + apply("media", context, Selection(), None)
    return len(found) + len(object_refs(parsed))


def main() -> None:
    print(f"{'segments':>9}{'m3u8.loads':>12}{'read':>10}{'vs m3u8':>9}"
          f"{'read+rules+refs':>17}{'vs m3u8':>9}")
    for segments in (1_000, 10_000, 100_000):
        data = playlist(segments)
        runs = 5 if segments < 100_000 else 3
        bare = best_of(runs, lambda d=data: m3u8.loads(d.decode()))
        ours = best_of(runs, lambda d=data: parse("x/index.m3u8", d))
        full = best_of(runs, lambda d=data: check(d))
        print(f"{segments:>9}{bare:>11.3f}s{ours:>9.3f}s{ours / bare:>8.2f}x"
              f"{full:>16.3f}s{full / bare:>8.2f}x")


if __name__ == "__main__":
    main()
