"""The facts of one playlist for the report: durations, counts, the ladder."""

from __future__ import annotations

from typing import Any

from hlsinspect.discover import Entry
from hlsinspect.playlists import Playlist
from hlsinspect.report import ObjectCounts, PlaylistReport, Rendition, Variant
from hlsinspect.storage.base import Storage


def playlist_report(storage: Storage, entry: Entry, counts: ObjectCounts | None) -> PlaylistReport:
    loaded = entry.loaded
    uri = storage.uri(loaded.key)
    playlist = loaded.playlist
    if playlist is None:
        return PlaylistReport(uri=uri, kind="media", parent=entry.parent,
                              load_status=loaded.status)
    parsed = playlist.parsed
    version = int(parsed.version) if parsed.version is not None else None
    if playlist.is_multivariant:
        return PlaylistReport(
            uri=uri, kind="multivariant", parent=entry.parent, version=version,
            variants=tuple(_variants(storage, playlist)),
            renditions=tuple(_renditions(storage, playlist)),
        )
    segments = playlist.segments
    target = parsed.target_duration
    return PlaylistReport(
        uri=uri,
        kind="media",
        parent=entry.parent,
        version=version,
        target_duration=int(target) if target is not None else None,
        media_sequence=int(parsed.media_sequence or 0),
        playlist_type=str(parsed.playlist_type).upper() if parsed.playlist_type else None,
        endlist=bool(parsed.is_endlist),
        segment_count=len(segments),
        total_duration=round(playlist.total_duration, 6),
        objects=counts or ObjectCounts(),
    )


def object_uri(storage: Storage, base_key: str, raw: str) -> str:
    """A URI as written in the playlist at `base_key`, as reports name it."""
    where = storage.resolve(base_key, raw)
    return storage.uri(where.key) if where.key is not None else raw


def _uri(storage: Storage, playlist: Playlist, raw: str | None) -> str | None:
    return object_uri(storage, playlist.key, raw) if raw else None


def _resolution(value: Any) -> str | None:
    if not value:
        return None
    width, height = value
    return f"{width}x{height}"


def _variants(storage: Storage, playlist: Playlist) -> list[Variant]:
    """EXT-X-STREAM-INF entries, then EXT-X-I-FRAME-STREAM-INF entries."""
    entries = [(item, item.stream_info, False) for item in playlist.parsed.playlists]
    entries += [(item, item.iframe_stream_info, True) for item in playlist.parsed.iframe_playlists]
    return [
        Variant(
            uri=_uri(storage, playlist, item.uri),
            bandwidth=info.bandwidth,
            average_bandwidth=info.average_bandwidth,
            resolution=_resolution(info.resolution),
            codecs=info.codecs,
            frame_rate=None if iframe else info.frame_rate,
            iframe=iframe,
        )
        for item, info, iframe in entries
    ]


def _renditions(storage: Storage, playlist: Playlist) -> list[Rendition]:
    return [
        Rendition(
            type=media.type,
            group_id=media.group_id,
            name=media.name,
            language=media.language,
            uri=_uri(storage, playlist, media.uri),
        )
        for media in playlist.parsed.media
    ]
