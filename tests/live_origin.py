"""A live channel simulator: a packager that writes a live HLS stream into a directory by
the clock, one segment per tick, with at most one fault per run.

Serve the directory with `tests.origin.Origin` to make it an HTTP origin, watch the
directory itself, or give `sink` to write each file elsewhere (an S3 bucket). Segments are
never deleted, unless the fault is `early-removal`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

TS = b"\x47" + b"\x00" * 187
FAULTS = ("stale", "regress", "rewrite", "early-removal", "target", "discontinuity", "drift")


class LiveChannel:
    """Publishes `name`.m3u8 (and, with several renditions, master.m3u8) under `root`.

    Tick n adds segment n and drops the oldest beyond `window`; after `total` segments the
    playlists end with EXT-X-ENDLIST (never, when None). `fault` (one of FAULTS) starts at
    segment `fault_at`.
    """

    def __init__(self, root: Path, *, renditions: tuple[str, ...] = ("v0",), target: int = 1,
                 window: int = 3, tick: float = 0.5, total: int | None = None,
                 fault: str | None = None, fault_at: int = 4,
                 sink: Callable[[str, bytes | None], None] | None = None) -> None:
        assert fault in (None, *FAULTS), fault
        self.root = root
        self.renditions = renditions
        self.target = target
        self.window = window
        self.tick = tick
        self.total = total
        self.fault = fault
        self.fault_at = fault_at
        self.sink = sink or self._write
        self.published = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def playlist(self) -> str:
        """The name to watch: the multivariant playlist, or the one media playlist."""
        return "master.m3u8" if len(self.renditions) > 1 else f"{self.renditions[0]}.m3u8"

    def __enter__(self) -> LiveChannel:
        if len(self.renditions) > 1:
            lines = ["#EXTM3U"]
            for index, name in enumerate(self.renditions):
                lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={(index + 1) * 100000},"
                          f"CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360", f"{name}.m3u8"]
            self.sink("master.m3u8", ("\n".join(lines) + "\n").encode())
        self._publish()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _write(self, name: str, data: bytes | None) -> None:
        path = self.root / name
        if data is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)

    def _run(self) -> None:
        while not self.stop.wait(self.tick):
            if self.total is not None and self.published >= self.total:
                continue
            if self.fault == "stale" and self.published >= self.fault_at:
                continue
            self._publish()

    def _publish(self) -> None:
        """One more segment in every rendition, then the playlists."""
        n = self.published
        self.published += 1
        for name in self.renditions:
            if self.fault == "drift" and name != self.renditions[0] and n >= self.fault_at:
                continue  # this rendition stops growing while the first goes on
            self.sink(f"{name}/s{n}.ts", TS)
            self.sink(f"{name}.m3u8", self._playlist(name, n).encode())
            gone = n - self.window
            if self.fault == "early-removal" and gone >= 0:
                self.sink(f"{name}/s{gone}.ts", None)

    def _playlist(self, name: str, last: int) -> str:
        faulty = self.fault is not None and last >= self.fault_at
        first = max(0, last - self.window + 1)
        sequence = first
        if faulty and self.fault == "regress":
            sequence = 0
        target = self.target + 1 if faulty and self.fault == "target" else self.target
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
                 f"#EXT-X-MEDIA-SEQUENCE:{sequence}"]
        if self.fault == "discontinuity":
            # a discontinuity before every segment but the first; the sequence never moves
            lines.append("#EXT-X-DISCONTINUITY-SEQUENCE:0")
        for n in range(first, last + 1):
            if self.fault == "discontinuity" and n > 0:
                lines.append("#EXT-X-DISCONTINUITY")
            uri = f"{name}/s{n}.ts"
            if faulty and self.fault == "rewrite" and n == self.fault_at - 1:
                uri = f"{name}/s{n}.ts?v=2"
            lines += [f"#EXTINF:{self.target:.3f},", uri]
        if self.total is not None and last + 1 >= self.total:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"
