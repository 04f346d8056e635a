"""The rules `check` applies to one playlist's own text, applied to a watched snapshot.

A watched playlist is judged as `check` judges it (scopes `line` and `media`, or
`multivariant`), but for the findings that only say it is live, which it is meant to be.
"""

from __future__ import annotations

from functools import cache, partial

from hlsinspect.checks.apply import apply
from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import Scope
from hlsinspect.playlists import Playlist
from hlsinspect.report import Finding
from hlsinspect.settings import Settings
from hlsinspect.storage.base import Storage

LIVE_BY_NATURE = frozenset({"endlist-missing"})
"""Findings of `check` that only say the playlist is live, which a watched one is meant to be."""


def context_of(storage: Storage, key: str, uri: str, playlist: Playlist,
               settings: Settings) -> PlaylistContext:
    """The playlist as the rules take it, its references named as the store names them."""
    named = cache(partial(_object_uri, storage, key))
    return PlaylistContext(playlist, uri, named, settings.rules.profile)


def own_rules(storage: Storage, key: str, uri: str, playlist: Playlist,
              settings: Settings) -> list[Finding]:
    """The rules `check` applies to one playlist's own text."""
    context = context_of(storage, key, uri, playlist, settings)
    selection, strict = settings.rules, settings.raise_errors
    scope: Scope = "multivariant" if playlist.is_multivariant else "media"
    found = [*apply("line", context, selection, uri, raise_errors=strict),
             *apply(scope, context, selection, uri, raise_errors=strict)]
    return [f for f in found if f.name not in LIVE_BY_NATURE]


def _object_uri(storage: Storage, playlist_key: str, raw: str) -> str:
    where = storage.resolve(playlist_key, raw)
    return storage.uri(where.key) if where.key is not None else raw
