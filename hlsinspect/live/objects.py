"""The objects of a watched playlist's segments, asked about as the window moves.

`check` asks about every segment a playlist lists; a watch asks about each new segment once,
when it appears (a HEAD, or the store's equivalent). A segment that leaves the head must stay
available for its duration plus the playlist's (RFC 8216 6.2.2): it is asked about at once,
and once more just before that time is up (the watch wakes for it), since a packager may
delete it a moment after it leaves (ffmpeg's `delete_segments` does, one segment later) or a
little before its time, which an ask at once would not see. What was asked about is kept for
the current window only, and the segments that left, until their time is up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hlsinspect.checks.registry import finding
from hlsinspect.live.compare import Change, Removed, removed_too_early
from hlsinspect.live.watched import Leaving, Watched
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


LEAD = 0.25
"""Seconds before a removed segment's time to stay is up that it is asked about the last
time: as late as can be while the answer still comes before then (one after proves nothing)."""


def removed_objects(item: Watched, change: Change,
                    monotonic: Callable[[], float]) -> list[Finding]:
    """Segments that left the head, each asked about at once; those still there are kept
    for `leaving_due` to ask again when their time to stay is nearly up."""
    still = {_key(item, s.uri) for s in change.snapshot.segments}
    item.leaving = [one for one in item.leaving if one.key not in still]  # listed again
    pending = {one.key for one in item.leaving}
    found = []
    for removed in change.removed:
        key = _key(item, removed.segment.uri)
        if key is None or key in still or key in pending:  # byte ranges share one object
            continue
        pending.add(key)
        late = _ask(item, removed, key, monotonic)
        if late is not None:
            found.append(late)
        else:
            item.leaving.append(Leaving(removed, key, monotonic()))
    return found


def leaving_due(item: Watched, monotonic: Callable[[], float]) -> list[Finding]:
    """The last ask of each segment that left, when its time to stay is nearly up (`due`):
    a packager may delete a segment a moment after it leaves, or a little before its time."""
    found, kept = [], []
    for leaving in item.leaving:
        now = monotonic()
        if now >= leaving.removed.until:
            continue  # its time is up unasked (the watch was busy): no proof either way
        if now < due(leaving):
            kept.append(leaving)
            continue
        late = _ask(item, leaving.removed, leaving.key, monotonic, leaving.present)
        if late is not None:
            found.append(late)
    item.leaving = kept
    return found


def due(leaving: Leaving) -> float:
    """When a segment that left is asked about the last time."""
    removed = leaving.removed
    return removed.until - min(LEAD, (removed.until - removed.time) / 4)


def _ask(item: Watched, removed: Removed, key: str, monotonic: Callable[[], float],
         present: float | None = None) -> Finding | None:
    state = item.storage.stat(key)
    # judged when the answer came: a request that waited (a slot, a pause, a retry) may
    # have been answered after the segment's time was up
    late = removed_too_early(removed, state.existence is Existence.MISSING, monotonic(),
                             present)
    return None if late is None else replace(late, uri=item.storage.uri(key))


def _key(item: Watched, uri: str) -> str | None:
    return item.storage.resolve(item.key, uri).key


def _count(state: ObjectState) -> ObjectCounts:
    return ObjectCounts(1, int(state.existence is Existence.PRESENT),
                        int(state.existence is Existence.MISSING),
                        int(state.existence is Existence.UNKNOWN))
