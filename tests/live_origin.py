"""A live channel simulator: a packager that writes a live HLS stream into a directory by
the clock, one segment per tick, with at most one fault per run.

Serve the directory with `tests.origin.Origin` to make it an HTTP origin, watch the
directory itself, or give `sink` to write each file elsewhere (an S3 bucket). Segments are
never deleted, unless the fault is `early-removal` (deleted as it leaves the playlist) or
`late-removal` (three ticks after, as ffmpeg's `delete_segments` deletes a segment a little
later: still well before its duration plus the playlist's).

With `parts`, the stream is low-latency: each tick publishes one partial segment, every
`parts` ticks complete a segment, and the playlists carry EXT-X-PART-INF, CAN-BLOCK-RELOAD,
a preload hint and rendition reports. Pass `hold=channel.hold` to the Origin to make it
answer blocking reloads (`_HLS_msn`, `_HLS_part`) as an LL-HLS origin does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

TS = b"\x47" + b"\x00" * 187
FAULTS = ("stale", "regress", "rewrite", "early-removal", "late-removal", "target",
          "discontinuity", "drift")
LL_FAULTS = ("late", "wrong-part", "reports")
"""Faults of a low-latency origin: blocking reloads answered late, answered at once without
the part asked for, or rendition reports two segments behind."""
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


class LiveChannel:
    """Publishes `name`.m3u8 (and, with several renditions, master.m3u8) under `root`.

    Tick n adds segment n and drops the oldest beyond `window`; after `total` segments the
    playlists end with EXT-X-ENDLIST (never, when None). `fault` (one of FAULTS) starts at
    segment `fault_at`.
    """

    def __init__(self, root: Path, *, renditions: tuple[str, ...] = ("v0",), target: int = 1,
                 window: int = 3, tick: float = 0.5, total: int | None = None,
                 fault: str | None = None, fault_at: int = 4,
                 sink: Callable[[str, bytes | None], None] | None = None,
                 parts: int = 0, hints: bool = True, playlist_type: str | None = None) -> None:
        assert fault in (None, *FAULTS, *LL_FAULTS), fault
        assert parts or fault not in LL_FAULTS, "low-latency faults need parts"
        self.root = root
        self.renditions = renditions
        self.target = target
        self.window = window
        self.tick = tick
        self.total = total
        self.fault = fault
        self.fault_at = fault_at
        self.sink = sink or self._write
        self.parts = parts
        self.hints = hints
        self.playlist_type = playlist_type
        """EXT-X-PLAYLIST-TYPE of the media playlists (EVENT: give a window they never pass)."""
        self.published = 0
        """Ticks published: segments, or with `parts`, partial segments."""
        self.written: dict[str, tuple[int, int]] = {}
        """Rendition -> complete segments and trailing parts of its playlist as written."""
        self.changed = threading.Condition()
        """Notified after each playlist is written, for the blocking reloads held on it."""
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
        for _ in range(self.parts or 1):  # a low-latency stream starts with a whole segment
            self._publish()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        with self.changed:  # blocking reloads held give up
            self.changed.notify_all()
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
            if self.fault == "stale" and self._segments() >= self.fault_at:
                continue
            self._publish()

    def _publish(self) -> None:
        """One more segment in every rendition, then the playlists."""
        if self.parts:
            self._publish_part()
            return
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
            if self.fault == "late-removal" and gone - 3 >= 0:
                self.sink(f"{name}/s{gone - 3}.ts", None)

    def _playlist(self, name: str, last: int) -> str:
        faulty = self.fault is not None and last >= self.fault_at
        first = max(0, last - self.window + 1)
        sequence = first
        if faulty and self.fault == "regress":
            sequence = 0
        target = self.target + 1 if faulty and self.fault == "target" else self.target
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
                 f"#EXT-X-MEDIA-SEQUENCE:{sequence}"]
        if self.playlist_type:
            lines.append(f"#EXT-X-PLAYLIST-TYPE:{self.playlist_type}")
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

    # low latency

    def _segments(self) -> int:
        return self.published // self.parts if self.parts else self.published

    def _faulty(self) -> bool:
        return self.fault is not None and self._segments() >= self.fault_at

    def _publish_part(self) -> None:
        """One more partial segment in every rendition (and the segment it completes)."""
        n = self.published
        self.published += 1
        segment, index = divmod(n, self.parts)
        for name in self.renditions:
            self.sink(f"{name}/s{segment}.{index}.ts", TS)
            if index == self.parts - 1:
                self.sink(f"{name}/s{segment}.ts", TS * self.parts)
            self.sink(f"{name}.m3u8", self._ll_playlist(name).encode())
            with self.changed:
                self.written[name] = self._edge()
                self.changed.notify_all()

    def _edge(self) -> tuple[int, int]:
        """Complete segments, and parts of the segment being written."""
        return divmod(self.published, self.parts)

    def _ll_playlist(self, name: str) -> str:
        complete, trailing = self._edge()
        part = self.target / self.parts
        first = max(0, complete - self.window)
        date = (EPOCH + timedelta(seconds=first * self.target)).isoformat(timespec="milliseconds")
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{self.target}",
                 f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={4 * part:g}",
                 f"#EXT-X-PART-INF:PART-TARGET={part:g}", f"#EXT-X-MEDIA-SEQUENCE:{first}",
                 f"#EXT-X-PROGRAM-DATE-TIME:{date.replace('+00:00', 'Z')}"]
        for n in range(first, complete):
            if n >= complete - 2:  # parts are listed for the last segments only
                lines += self._parts(name, n, self.parts)
            lines += [f"#EXTINF:{self.target:.3f},", f"{name}/s{n}.ts"]
        lines += self._parts(name, complete, trailing)
        if self.hints:
            lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{name}/s{complete}.{trailing}.ts"')
        last = (complete, trailing - 1) if trailing else (complete - 1, self.parts - 1)
        if self.fault == "reports" and self._faulty():
            last = (max(0, last[0] - 2), last[1])
        for other in self.renditions:
            if other != name:
                lines.append(f'#EXT-X-RENDITION-REPORT:URI="{other}.m3u8",'
                             f"LAST-MSN={last[0]},LAST-PART={last[1]}")
        return "\n".join(lines) + "\n"

    def _parts(self, name: str, segment: int, count: int) -> list[str]:
        part = self.target / self.parts
        return [f'#EXT-X-PART:DURATION={part:.3f},URI="{name}/s{segment}.{i}.ts"'
                + (",INDEPENDENT=YES" if i == 0 else "") for i in range(count)]

    def hold(self, path: str) -> int | None:
        """For `Origin(hold=...)`: hold a blocking reload (`_HLS_msn`, `_HLS_part`) until the
        playlist has the part asked for, as RFC 8216bis 6.2.5.2 says, or the fault says
        otherwise; a status to answer instead (503 after three target durations)."""
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if "_HLS_msn" not in query or not url.path.endswith(".m3u8"):
            return None
        if not self.parts:
            return 400 if "_HLS_part" in query else None
        wanted = (int(query["_HLS_msn"]), int(query.get("_HLS_part", "0")))
        if self.fault == "wrong-part" and self._faulty():
            return None  # answered at once, whatever it holds
        name = url.path.strip("/").removesuffix(".m3u8")
        with self.changed:
            ready = self.changed.wait_for(
                lambda: self.stop.is_set() or self._has(name, wanted), timeout=3 * self.target)
        if not ready:
            return 503
        if self.fault == "late" and self._faulty():
            self.stop.wait(5 * self.target / self.parts)
        return None

    def _has(self, name: str, wanted: tuple[int, int]) -> bool:
        complete, trailing = self.written.get(name, (0, 0))
        return complete - 1 >= wanted[0] or (complete == wanted[0] and trailing > wanted[1])
