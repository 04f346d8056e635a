"""Rules across the media playlists of one multivariant playlist (RFC 8216 6.2.4).

A rendition noticeably shorter than its siblings is the classic truncated transcode; the
variants of one title must also agree on target duration, playlist type and discontinuities.
"""

from __future__ import annotations

from dataclasses import dataclass

from hlsinspect.checks.registry import make_finding
from hlsinspect.playlists import Playlist
from hlsinspect.report import Finding


@dataclass(frozen=True)
class Member:
    """A parsed media playlist of a title, with its role in the multivariant playlist."""

    role: str
    uri: str
    playlist: Playlist

    @property
    def duration(self) -> float:
        return self.playlist.total_duration

    @property
    def target(self) -> int | None:
        value = self.playlist.parsed.target_duration
        return int(value) if value is not None else None

    @property
    def vod_like(self) -> bool:
        return bool(self.playlist.parsed.is_endlist)


def check_title(master: str, members: list[Member]) -> list[Finding]:
    """Findings for the title of multivariant playlist `master`."""
    if len(members) < 2:
        return []
    return [
        *_durations(master, members),
        *_target_durations(master, members),
        *_playlist_types(master, members),
        *_discontinuities(master, members),
    ]


def _durations(master: str, members: list[Member]) -> list[Finding]:
    finished = [m for m in members if m.vod_like and m.playlist.segments]
    if len(finished) < 2:
        return []
    longest = max(finished, key=lambda m: m.duration)
    findings = []
    for member in finished:
        tolerance = max(member.target or 0, longest.target or 0)
        gap = longest.duration - member.duration
        if gap > tolerance:
            findings.append(make_finding(
                "variant-duration-mismatch",
                f"{member.role} playlist lasts {member.duration:.3f} s, {gap:.3f} s less than "
                f"{longest.uri} ({longest.duration:.3f} s); more than one target duration "
                f"({tolerance} s) short: the rendition looks truncated",
                playlist=master, uri=member.uri))
    return findings


def _target_durations(master: str, members: list[Member]) -> list[Finding]:
    def exempt(member: Member) -> bool:
        vod = str(member.playlist.parsed.playlist_type or "").upper() == "VOD"
        iframe = bool(member.playlist.parsed.is_i_frames_only)
        return member.role == "subtitles" or (iframe and vod)

    compared = [m for m in members if not exempt(m) and m.target is not None]
    values = sorted({m.target for m in compared if m.target is not None})
    if len(values) < 2:
        return []
    common = max(values, key=lambda v: sum(1 for m in compared if m.target == v))
    return [
        make_finding(
            "target-duration-mismatch",
            f"{m.role} playlist has EXT-X-TARGETDURATION:{m.target}, the others "
            f"{common}: every media playlist of a title needs the same target duration",
            playlist=master, uri=m.uri)
        for m in compared if m.target != common
    ]


def _playlist_types(master: str, members: list[Member]) -> list[Finding]:
    types = {str(m.playlist.parsed.playlist_type or "").upper() for m in members}
    if len(types) < 2:
        return []
    listing = ", ".join(
        f"{m.uri}: {m.playlist.parsed.playlist_type or 'none'}" for m in members)
    return [make_finding(
        "playlist-type-mismatch",
        f"EXT-X-PLAYLIST-TYPE differs between media playlists ({listing}); put the same "
        "value on all of them or on none", playlist=master)]


def _discontinuities(master: str, members: list[Member]) -> list[Finding]:
    compared = [m for m in members if m.role != "subtitles"]
    counts = {
        m.uri: (sum(1 for s in m.playlist.segments if s.discontinuity),
                int(m.playlist.parsed.discontinuity_sequence or 0))
        for m in compared
    }
    if len(set(counts.values())) < 2:
        return []
    listing = ", ".join(f"{uri}: {n} (sequence {seq})" for uri, (n, seq) in counts.items())
    return [make_finding(
        "discontinuity-mismatch",
        f"media playlists disagree on EXT-X-DISCONTINUITY count or "
        f"EXT-X-DISCONTINUITY-SEQUENCE ({listing})", playlist=master)]
