"""The start of a watch: every media playlist of every target, read once.

A TARGET names a media playlist, a multivariant playlist (which brings each media playlist
it references) or a prefix (every playlist under it). A multivariant playlist's own rules
run here, once; a media playlist that cannot be read yet is still followed (its reloads
report it), but a target that cannot be read at all ends the watch before it starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hlsinspect.errors import NoPlaylistError, UsageError
from hlsinspect.live import titles
from hlsinspect.live.compare import Rendition
from hlsinspect.live.rules import context_of, own_rules
from hlsinspect.live.titles import Title, children, digest
from hlsinspect.live.watched import Watched
from hlsinspect.locations import Target, map_target, parse_target
from hlsinspect.pipeline.facts import ladder
from hlsinspect.playlists import ParseFailure, Playlist, parse
from hlsinspect.report import Finding, PlaylistReport
from hlsinspect.settings import Settings
from hlsinspect.storage.base import Storage, StorageError
from hlsinspect.storage.factory import S3Options, Stores
from hlsinspect.uri.keys import is_playlist_key
from hlsinspect.uri.redact import redact


@dataclass(frozen=True)
class Where:
    """How TARGETs name stores: as `check` takes them."""

    bucket: str | None = None
    default_bucket: str | None = None
    root: str | None = None


@dataclass
class Discovered:
    """What the watch follows, and the findings of the multivariant playlists' own text."""

    watched: list[Watched] = field(default_factory=list)
    titles: dict[str, PlaylistReport] = field(default_factory=dict)
    """Multivariant playlists, by URI, as first read."""
    masters: dict[str, Title] = field(default_factory=dict)
    """Multivariant playlists followed, by URI, for their title rules."""
    findings: list[Finding] = field(default_factory=list)


def discover(targets: Sequence[str], where: Where, settings: Settings, s3: S3Options,
             now: float) -> Discovered:
    """Every media playlist of every target; HlsInspectError when there is none."""
    if not targets:
        raise UsageError("no target to watch", hint="name a live playlist")
    found = Discovered()
    stores = Stores(s3, settings.verify.requests, settings.maps)
    for text in dict.fromkeys(targets):
        target = _target(text, where, settings)
        try:
            storage = stores.for_target(target)
            for key in _keys(storage, target):
                _follow(found, storage, key, None, settings, now)
        except StorageError as exc:
            raise exc.fatal() from exc
    if not found.watched:
        raise NoPlaylistError("no media playlist to watch in "
                              + ", ".join(redact(t) for t in targets),
                              hint="name a live media or multivariant playlist")
    return found


def _target(text: str, where: Where, settings: Settings) -> Target:
    mapped = map_target(text, settings.maps)
    if mapped is not None:
        return parse_target(mapped[0], None, None, mapped[1])
    return parse_target(text, where.bucket, where.default_bucket, where.root)


def _keys(storage: Storage, target: Target) -> list[str]:
    if target.mode == "playlist" or (target.mode == "auto" and is_playlist_key(target.key)):
        return [target.key]
    keys = [key for key, _ in storage.list_keys(target.key) if is_playlist_key(key)]
    if not keys:
        raise NoPlaylistError(f"no playlist under {redact(target.text)}",
                              hint="name a live media or multivariant playlist")
    return keys


def _follow(found: Discovered, storage: Storage, key: str, parent: str | None,
            settings: Settings, now: float) -> None:
    uri = storage.uri(key)
    if uri in found.titles or any(item.uri == uri for item in found.watched):
        return
    try:
        playlist = _read(storage, key)
    except StorageError:
        if parent is None:
            raise
        playlist = None  # a variant not readable yet: its reloads report it
    if playlist is None or not playlist.is_multivariant:
        found.watched.append(Watched(storage, key, uri, parent, Rendition(uri)))
        return
    if parent is not None:
        return  # a multivariant playlist does not nest
    variants, renditions = ladder(playlist, _named(storage, key, playlist))
    found.titles[uri] = PlaylistReport(uri=uri, kind="multivariant", parent=None,
                                       version=playlist.version, variants=variants,
                                       renditions=renditions)
    # the rules of check for a multivariant playlist's own text, again when it changes
    found.findings += own_rules(storage, key, uri, playlist, settings)
    found.masters[uri] = Title(storage, key, uri, context_of(storage, key, uri, playlist,
                                                             settings),
                               children(storage, key, playlist), digest(playlist),
                               due=now + titles.RELOAD)
    for child in _children(playlist):
        where = storage.resolve(key, child)
        if where.key is not None:
            _follow(found, storage, where.key, uri, settings, now)


def _named(storage: Storage, key: str, playlist: Playlist) -> dict[int, str]:
    """Each variant's and rendition's URI as the store names it (the watched playlists' URIs),
    by the line of its tag."""
    structure = playlist.structure
    written = {**{v.tag.line: v.uri for v in (*structure.variants, *structure.iframes)},
               **{t.line: t.attr("URI") for t in structure.renditions}}
    named = {}
    for line, uri in written.items():
        if uri:
            where = storage.resolve(key, uri)
            named[line] = storage.uri(where.key) if where.key is not None else uri
    return named


def _read(storage: Storage, key: str) -> Playlist | None:
    """The playlist at the start; a parse failure is left to the reloads to report."""
    data = storage.read(key)
    try:
        return parse(key, data)
    except ParseFailure:
        return None


def _children(playlist: Playlist) -> list[str]:
    """The URIs of the media playlists a multivariant playlist references."""
    structure = playlist.structure
    uris = [v.uri for v in (*structure.variants, *structure.iframes) if v.uri]
    uris += [uri for tag in structure.renditions if (uri := tag.attr("URI"))]
    return list(dict.fromkeys(uris))
