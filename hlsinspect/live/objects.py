"""The objects of a watched playlist's segments, asked about as the window moves.

`check` asks about every segment a playlist lists; a watch asks about each new segment once,
when it appears (a HEAD, or the store's equivalent), and once more when it leaves the head,
at once, to catch one deleted before its duration plus the playlist's had passed (RFC 8216
6.2.2). What was asked about is kept for the current window only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hlsinspect.checks.registry import finding
from hlsinspect.live.compare import Change, removed_too_early
from hlsinspect.live.watched import Watched
from hlsinspect.report import Finding, ObjectCounts
from hlsinspect.storage.base import Existence, ObjectState


def new_objects(item: Watched, change: Change) -> list[Finding]:
    """A HEAD for each new segment's object (once per object within the window)."""
    window = {_key(item, s.uri) for s in change.snapshot.segments}
    item.checked = {k: v for k, v in item.checked.items() if k in window}
    found = []
    for segment in change.added:
        key = _key(item, segment.uri)
        if key is None or key in item.checked:
            continue
        state = item.checked[key] = item.storage.stat(key)
        item.objects = item.objects + _count(state)
        named = f"media sequence number {segment.sequence}"
        if state.existence is Existence.MISSING:
            found.append(finding("segment-missing", f"{named} does not exist",
                                 playlist=item.uri, uri=item.storage.uri(key),
                                 line=segment.line))
        elif state.size == 0:
            found.append(finding("segment-empty", f"{named} is 0 bytes",
                                 playlist=item.uri, uri=item.storage.uri(key),
                                 line=segment.line))
        elif state.existence is Existence.UNKNOWN:
            found.append(finding("object-unverified",
                                 f"{named}: {state.reason or 'existence unknown'}",
                                 playlist=item.uri, uri=item.storage.uri(key),
                                 line=segment.line))
    return found


def removed_objects(item: Watched, change: Change,
                    monotonic: Callable[[], float]) -> list[Finding]:
    """Each segment that left the head, asked about once, now: still there, or gone too
    early (judged by when it was asked about)."""
    still = {_key(item, s.uri) for s in change.snapshot.segments}
    found = []
    for removed in change.removed:
        key = _key(item, removed.segment.uri)
        if key is None or key in still:
            continue
        asked = monotonic()
        state = item.storage.stat(key)
        late = removed_too_early(removed, state.existence is Existence.MISSING, asked)
        if late is not None:
            found.append(replace(late, uri=item.storage.uri(key)))
    return found


def _key(item: Watched, uri: str) -> str | None:
    return item.storage.resolve(item.key, uri).key


def _count(state: ObjectState) -> ObjectCounts:
    return ObjectCounts(1, int(state.existence is Existence.PRESENT),
                        int(state.existence is Existence.MISSING),
                        int(state.existence is Existence.UNKNOWN))
