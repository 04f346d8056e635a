"""The objects of a watched playlist's segments, asked about as the window moves.

`check` asks about every segment a playlist lists; a watch asks about each new segment once,
when it appears (a HEAD, or the store's equivalent). A segment that leaves the head must stay
available for its duration plus the playlist's (RFC 8216 6.2.2): it is asked about at once,
and once more in the last target duration before that time is up, since a packager may
delete it a moment after it leaves (ffmpeg's `delete_segments` does, one segment later), which
an ask at once would not see. What was asked about is kept for the current window only, and
the segments that left, until their time is up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from hlsinspect.checks.registry import finding
from hlsinspect.live.compare import Change, removed_too_early
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


def removed_objects(item: Watched, change: Change,
                    monotonic: Callable[[], float]) -> list[Finding]:
    """Segments that left the head asked about: at once, and once more in the last target
    duration before they may be deleted; a 404 before then is reported (once a segment)."""
    still = {_key(item, s.uri) for s in change.snapshot.segments}
    pending = {one.key for one in item.leaving}
    for removed in change.removed:
        key = _key(item, removed.segment.uri)
        if key is not None and key not in still and key not in pending:  # ranges share one
            item.leaving.append(Leaving(removed, key))
            pending.add(key)
    margin = change.snapshot.target_duration
    found, kept = [], []
    for leaving in item.leaving:
        now = monotonic()
        until = leaving.removed.until
        if now >= until or leaving.key in still:
            continue  # its time is up, or it is listed again
        if leaving.asked and now < until - (margin or (until - leaving.removed.time) / 2):
            kept.append(leaving)
            continue
        state = item.storage.stat(leaving.key)
        # judged when the answer came: a request that waited (a slot, a pause, a retry) may
        # have been answered after the segment's time was up
        late = removed_too_early(leaving.removed, state.existence is Existence.MISSING,
                                 monotonic())
        if late is not None:
            found.append(replace(late, uri=item.storage.uri(leaving.key)))
        elif not leaving.asked:
            kept.append(replace(leaving, asked=True))
    item.leaving = kept
    return found


def _key(item: Watched, uri: str) -> str | None:
    return item.storage.resolve(item.key, uri).key


def _count(state: ObjectState) -> ObjectCounts:
    return ObjectCounts(1, int(state.existence is Existence.PRESENT),
                        int(state.existence is Existence.MISSING),
                        int(state.existence is Existence.UNKNOWN))
