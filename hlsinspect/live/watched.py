"""What the watch keeps of one media playlist it follows, owned by the watch's own thread.

The reloads run on threads of their own (`live.reload`) and only hand their answers over;
everything here is changed by the one thread that applies the rules, so the report, the live
view and the rules across renditions (drift, rendition reports) read one consistent state.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from hlsinspect.live.compare import Removed, Rendition, Snapshot
from hlsinspect.playlists import Playlist
from hlsinspect.report import ObjectCounts
from hlsinspect.storage.base import ObjectState, Storage

KEPT_ANSWERS = 2
"""Answers kept per playlist for the rendition reports of others: the one before the latest
is the floor of a report asked for while the latest was in flight."""


@dataclass(frozen=True)
class Answer:
    """One reload as a rendition report is judged against it: when it was asked for, when
    it was answered, what it said."""

    sent: float
    answered: float
    snapshot: Snapshot


@dataclass(frozen=True)
class Leaving:
    """A segment that left the playlist, whose object must still be there for a while."""

    removed: Removed
    key: str
    present: float
    """When the ask at its leaving found it still there (monotonic seconds)."""


@dataclass
class Watched:
    """One media playlist followed: where it is and what its reloads showed so far."""

    storage: Storage
    key: str
    uri: str
    parent: str | None
    state: Rendition
    objects: ObjectCounts = field(default_factory=ObjectCounts)
    findings: int = 0
    checked: dict[str, ObjectState] = field(default_factory=dict)
    """Objects of the current window already asked about (byte ranges share one)."""
    leaving: list[Leaving] = field(default_factory=list)
    """Segments that left, until their time to stay available is up (`live.objects`)."""
    updated: float | None = None
    """When its text last changed."""
    version: int | None = None
    playlist: Playlist | None = None
    """Its last text read whole, for the title rules."""
    read: bool = False
    """Asked for at least once since the start."""
    blocking: int = 0
    """Blocking reloads made."""
    not_modified: int = 0
    """Reloads the store answered with "not modified"."""
    answers: deque[Answer] = field(default_factory=lambda: deque(maxlen=KEPT_ANSWERS))
    """Its latest answers, the last one last."""
