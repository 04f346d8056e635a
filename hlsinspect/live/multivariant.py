"""The multivariant playlists of a watch: read again now and then, and the title rules run
on the latest snapshots of their media playlists (see `live.titles` for when and why).

This runs on the thread that applies the rules, which owns the media playlists' latest text.
"""

from __future__ import annotations

from collections.abc import Sequence

from hlsinspect.checks.apply import apply
from hlsinspect.checks.registry import finding
from hlsinspect.live import titles
from hlsinspect.live.rules import context_of, own_rules
from hlsinspect.live.schedule import FIRST_RELOAD
from hlsinspect.live.titles import LIVE_BY_NATURE, Title, children, context, digest, due
from hlsinspect.live.watched import Watched
from hlsinspect.playlists import ParseFailure, parse
from hlsinspect.report import Finding
from hlsinspect.settings import Settings
from hlsinspect.storage.base import Conditional, StorageError


def reload_title(title: Title, now: float, settings: Settings) -> list[Finding]:
    """The multivariant playlist read again (conditionally where the store can); its own
    rules, and the title rules, run again when it changed. (A media playlist it names anew
    is not followed: the watch follows those it named at the start.)"""
    title.due = now + titles.RELOAD
    storage = title.storage
    try:
        if isinstance(storage, Conditional):
            data, title.etag = storage.read_changed(title.key, title.etag)
        else:
            data = storage.read(title.key)
        playlist = parse(title.key, data) if data is not None else None
    except StorageError as exc:
        return [finding("playlist-unreadable", exc.message, playlist=title.uri, hint=exc.hint)]
    except ParseFailure as exc:
        return [finding("playlist-parse-error", exc.message, playlist=title.uri,
                        line=exc.line)]
    if playlist is None or digest(playlist) == title.digest:
        return []
    title.digest, title.judged = digest(playlist), None
    title.context = context_of(storage, title.key, title.uri, playlist, settings)
    title.children = children(storage, title.key, playlist)
    return own_rules(storage, title.key, title.uri, playlist, settings)


def judge_title(title: Title, members: Sequence[Watched], now: float,
                settings: Settings) -> list[Finding]:
    """The title rules of `check` on the latest snapshots of the title's media playlists,
    when due: the multivariant changed, or about a target duration passed."""
    targets = [i.state.last.target_duration for i in members
               if i.state.last is not None and i.state.last.target_duration]
    if not due(title, now, float(max(targets, default=FIRST_RELOAD))):
        return []
    ctx = context(title, {i.key: i.playlist for i in members if i.read}, title.storage.uri)
    if ctx is None:
        return []
    title.judged = now
    found = apply("title", ctx, settings.rules, title.uri, raise_errors=settings.raise_errors)
    return [f for f in found if f.name not in LIVE_BY_NATURE]
