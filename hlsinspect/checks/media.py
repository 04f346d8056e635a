"""Rules about one media playlist's own text (RFC 8216 4.3.3)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hlsinspect.checks.registry import make_finding
from hlsinspect.playlists import Playlist
from hlsinspect.references import ByterangeProblem
from hlsinspect.report import Finding, Severity


def nearest_integer(value: float | Decimal) -> int:
    """RFC 8216 rounds EXTINF to the nearest integer, halves up (Python's round() is banker's)."""
    return int(Decimal(str(value)).to_integral_value(rounding=ROUND_HALF_UP))


def _written_duration(playlist: Playlist, index: int, parsed: float) -> Decimal:
    """The EXTINF duration exactly as written: 13.4999999999999999 is not 13.5."""
    line = playlist.extinf_lines[index] if index < len(playlist.extinf_lines) else 0
    if line:
        text = playlist.lines[line - 1].strip()
        try:
            return Decimal(text.partition(":")[2].partition(",")[0].strip())
        except InvalidOperation:
            pass
    return Decimal(str(parsed))


def check_media(
    playlist: Playlist, uri: str, to_uri: Callable[[str], str | None]
) -> list[Finding]:
    """Target duration, EXTINF limits, ENDLIST and emptiness of one media playlist.

    `to_uri` turns a URI as written into the URI reports use.
    """
    parsed = playlist.parsed
    findings: list[Finding] = []
    segments = playlist.segments
    if not segments:
        findings.append(make_finding(
            "playlist-empty", "the media playlist lists no segments", playlist=uri))
    target = parsed.target_duration
    if target is None:
        findings.append(make_finding(
            "target-duration-missing",
            "no EXT-X-TARGETDURATION: players cannot size their buffer; add "
            "#EXT-X-TARGETDURATION:<max segment duration, rounded>", playlist=uri, line=1))
    else:
        findings.extend(_long_segments(playlist, uri, int(target), to_uri))
    if not parsed.is_endlist:
        vod = str(parsed.playlist_type or "").upper() == "VOD"
        findings.append(make_finding(
            "endlist-missing",
            "no EXT-X-ENDLIST" + (
                ": a PLAYLIST-TYPE:VOD playlist must end with it" if vod
                else ": players treat the playlist as live; a finished transcode ends with it"),
            playlist=uri, severity=Severity.ERROR if vod else Severity.WARNING))
    return findings


def check_structure(playlist: Playlist, uri: str) -> list[Finding]:
    """Lines m3u8 drops without a word: URI lines no tag introduces, dangling STREAM-INF."""
    findings = [make_finding("playlist-parse-error", message, playlist=uri, line=line)
                for message, line in playlist.problems]
    for line in playlist.dangling_lines:
        tag = playlist.lines[line - 1].strip().split(":", 1)[0]
        findings.append(make_finding(
            "playlist-parse-error", f"{tag} is not followed by a URI line: what it describes "
            "is lost", playlist=uri, line=line))
    if playlist.is_multivariant:
        for line in playlist.stray_lines:
            findings.append(make_finding(
                "playlist-parse-error",
                "a URI line with no EXT-X-STREAM-INF before it: players ignore it",
                playlist=uri, line=line))
        return findings
    for line in playlist.stray_lines:
        findings.append(make_finding(
            "extinf-missing", "a URI line with no EXTINF before it: players skip it, so it is "
            "not a segment", playlist=uri, line=line))
    for index, extinf in enumerate(playlist.extinf_lines):
        if not extinf:
            segment = playlist.segments[index]
            findings.append(make_finding(
                "extinf-missing", f"segment {segment.uri!r} has EXT-X-BYTERANGE but no EXTINF",
                playlist=uri, line=playlist.segment_lines[index]))
    return findings


def _long_segments(
    playlist: Playlist, uri: str, target: int, to_uri: Callable[[str], str | None]
) -> list[Finding]:
    findings = []
    for index, segment in enumerate(playlist.segments):
        duration = float(segment.duration or 0)
        if duration > target - 0.5 and nearest_integer(
                _written_duration(playlist, index, duration)) > target:
            line = playlist.extinf_lines[index] if index < len(playlist.extinf_lines) else None
            findings.append(make_finding(
                "extinf-exceeds-target-duration",
                f"segment {index} lasts {duration:g} s, which rounds to "
                f"{nearest_integer(duration)} s, above EXT-X-TARGETDURATION:{target}; raise "
                "the target duration or cut shorter segments",
                playlist=uri, uri=to_uri(segment.uri), line=line or None))
    return findings


def byterange_findings(
    problems: list[ByterangeProblem], uri: str, to_uri: Callable[[str], str | None]
) -> list[Finding]:
    return [
        make_finding("byterange-invalid", p.message, playlist=uri, uri=to_uri(p.uri), line=p.line)
        for p in problems
    ]
