"""What the media playlist rules share: live and low-latency tests, URI comparison across the
playlists of a title, and small builders for the rules' examples.

No rule is registered here.
"""

from __future__ import annotations

import posixpath
import re

from hlsinspect.playlists import Playlist
from hlsinspect.syntax.attributes import as_float
from hlsinspect.syntax.lines import Tag

TS = b"\x47" + b"\x00" * 187
"""One MPEG-2 transport stream packet: enough of a segment for the examples."""
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def is_live(playlist: Playlist) -> bool:
    """A live playlist (RFC 8216bis 6.2.2): not finished and without EXT-X-PLAYLIST-TYPE,
    which a live playlist must not carry."""
    return not playlist.endlist and playlist.playlist_type is None


def is_delta_update(playlist: Playlist) -> bool:
    """A Playlist Delta Update (EXT-X-SKIP): tags of the skipped segments, and older date
    range tags, are missing from it by design, so what they carried cannot be required."""
    return playlist.lines.has("EXT-X-SKIP")


def is_low_latency(playlist: Playlist) -> bool:
    """A playlist with partial segments (or their EXT-X-PART-INF) that is still growing."""
    lines = playlist.lines
    return not playlist.endlist and (lines.has("EXT-X-PART-INF") or lines.has("EXT-X-PART"))


def part_target(playlist: Playlist) -> float | None:
    """PART-TARGET of EXT-X-PART-INF, when it is there and a number."""
    tag = playlist.lines.first("EXT-X-PART-INF")
    return as_float(tag.attr("PART-TARGET")) if tag is not None else None


def server_control(playlist: Playlist, name: str) -> float | None:
    """A numeric attribute of EXT-X-SERVER-CONTROL, when it is there and a number."""
    tag = playlist.lines.first("EXT-X-SERVER-CONTROL")
    return as_float(tag.attr(name)) if tag is not None else None


def has_scheme(uri: str) -> bool:
    """An absolute URI (`https:`, `skd:`, `data:`...) rather than a relative reference."""
    return _SCHEME.match(uri) is not None


def resolve_against(base: str, raw: str) -> str:
    """`raw`, as written in the playlist that reports name `base` (`s3://bucket/key`, an
    http(s) URL or a path), as reports would name what it points at: dot segments removed,
    query kept.

    Absolute URIs and network-path references stay as written; a path-absolute reference
    is taken from the bucket's top (for a local path, the root is unknown: it stays as
    written too).
    """
    raw = raw.strip()
    if has_scheme(raw) or raw.startswith("//"):
        return raw
    prefix, path = "", base
    scheme = next((s for s in ("s3://", "http://", "https://") if base.startswith(s)), None)
    if scheme is not None:
        # the bucket or host is kept apart: path rules must not fold its "//"
        host, _, key = base[len(scheme):].partition("/")
        prefix, path = f"{scheme}{host}", "/" + key.partition("?")[0]
    elif raw.startswith("/"):
        return raw
    target = raw if raw.startswith("/") else posixpath.join(posixpath.dirname(path), raw)
    return prefix + posixpath.normpath(target)


def same_resource(base_a: str, raw_a: str, base_b: str, raw_b: str) -> bool:
    """Two URIs, each written in its own playlist, name the same resource (or are written
    the same)."""
    return raw_a.strip() == raw_b.strip() or (
        resolve_against(base_a, raw_a) == resolve_against(base_b, raw_b))


def durations(tags: list[Tag]) -> list[float | None]:
    """DURATION of each EXT-X-PART tag (None where it is missing or not a number)."""
    return [as_float(tag.attr("DURATION")) for tag in tags]


def media(target: int = 6, body: str = "", *, version: int = 3, head: str = "",
          end: bool = True, vod: bool = True, count: int = 1, duration: float = 6.0,
          segment: str = "s{n}.ts") -> str:
    """A media playlist for an example: `head` after the header, `count` segments (their
    URIs from `segment`), then `body` and (when `end`) EXT-X-ENDLIST."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}", f"#EXT-X-TARGETDURATION:{target}"]
    if vod and end:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    text = "\n".join(lines) + "\n" + head
    for n in range(count):
        text += f"#EXTINF:{duration:.3f},\n{segment.format(n=n)}\n"
    return text + body + ("#EXT-X-ENDLIST\n" if end else "")


def title(master: str, playlists: dict[str, str]) -> dict[str, str | bytes]:
    """A title for an example: master.m3u8 first, its media playlists, and a small segment
    for every segment URI line of theirs."""
    files: dict[str, str | bytes] = {"master.m3u8": master, **playlists}
    for name, text in playlists.items():
        folder = posixpath.dirname(name)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                files[posixpath.join(folder, line)] = TS
    return files
