"""The title-level rules of `check` (scope `title`) on a watched multivariant playlist.

`check` judges a title once, from the multivariant playlist and every media playlist it
references read together. A watch has no single moment when all of them are read: it keeps
the multivariant playlist (read again now and then, its own rules run again when it changed)
and the latest text of each media playlist, and runs the title rules on those snapshots
when the multivariant playlist changed and otherwise about once per target duration, so a
fault that only the title shows is seen without running every rule on every reload.

The snapshots are up to one reload apart. The title rules that compare total durations
(variant-duration-mismatch, variant-shorter-than-siblings) judge finished playlists only,
and those that compare sliding windows (discontinuities, date ranges) compare them where
they overlap, so none gives a false verdict on live output; `LIVE_BY_NATURE` names those
that would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hlsinspect.checks.context import Member, PlaylistContext, TitleContext
from hlsinspect.playlists import Playlist
from hlsinspect.references import PlaylistRef, playlist_refs
from hlsinspect.storage.base import Storage

LIVE_BY_NATURE = frozenset({
    # the bit rates measured from object sizes: a watch knows no sizes of whole windows
    "bandwidth-below-measured", "average-bandwidth-below-measured",
    "apple-bandwidth-not-within-10-percent", "apple-average-bandwidth-not-within-10-percent",
    "apple-peak-above-twice-average",
})
"""Title rules not run on watched snapshots, and why: each needs what a watch does not
have. (`check`'s measured bit rates come from the sizes of every segment a playlist lists;
a watch asks about new segments only, so it would judge partial windows.)"""
RELOAD = 10.0
"""Seconds between reloads of a multivariant playlist (a conditional GET where the store
offers one): it rarely changes while a title is live."""


@dataclass
class Title:
    """A watched multivariant playlist: its last text and the media playlists it names."""

    storage: Storage
    key: str
    uri: str
    context: PlaylistContext
    children: list[tuple[PlaylistRef, str]]
    """Each reference to a media playlist, with the key it names in the store."""
    digest: str
    etag: str | None = None
    due: float = 0.0
    """When the multivariant playlist is read again."""
    judged: float | None = None
    """When the title rules last ran; None: they are due (at the start, after a change)."""


def children(storage: Storage, key: str, playlist: Playlist) -> list[tuple[PlaylistRef, str]]:
    """The media playlists a multivariant playlist references, with their keys."""
    found = []
    for ref in playlist_refs(playlist):
        where = storage.resolve(key, ref.uri)
        if where.key is not None:
            found.append((ref, where.key))
    return found


def digest(playlist: Playlist) -> str:
    """What tells a multivariant playlist read again from the one read before."""
    return hashlib.sha256(playlist.text.encode()).hexdigest()


def due(title: Title, now: float, every: float) -> bool:
    """The title rules are due: never run, or the multivariant changed, or `every` seconds
    (a target duration) passed since they last ran."""
    return title.judged is None or now - title.judged >= every


def context(title: Title, latest: Mapping[str, Playlist | None],
            uri: Callable[[str], str]) -> TitleContext | None:
    """The title as the rules of scope `title` take it, from the latest text of each media
    playlist (by key; None for one never read whole); None until each was asked for once."""
    members = []
    for ref, key in title.children:
        if key not in latest:
            return None
        members.append(Member(ref.role, uri(key), ref.tag, latest[key]))
    return TitleContext(title.context, members)
