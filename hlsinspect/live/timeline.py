"""The timeline of a watch: what happened to each rendition, and when, in bounded memory.

Events are kept for the report up to `TIMELINE`; later ones are counted, and the report
says how many were not kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from hlsinspect.live.compare import Change
from hlsinspect.report import TimelineEvent
from hlsinspect.uri.redact import redact

TIMELINE = 10_000
"""Events kept for the report's timeline; later ones are counted, not kept."""


@dataclass
class Timeline:
    """The events kept, and how many more there were."""

    wall: Callable[[], float]
    events: list[TimelineEvent] = field(default_factory=list)
    dropped: int = 0

    def event(self, rendition: str, event: str, detail: str) -> TimelineEvent:
        """An event now, kept while there is room."""
        made = TimelineEvent(iso(self.wall()), redact(rendition), event, redact(detail))
        if len(self.events) < TIMELINE:
            self.events.append(made)
        else:
            self.dropped += 1
        return made

    def kept(self) -> tuple[TimelineEvent, ...]:
        """The events for the report, with a last one saying how many were not kept."""
        if not self.dropped:
            return tuple(self.events)
        return (*self.events, TimelineEvent(iso(self.wall()), "", "timeline-truncated",
                                            f"{self.dropped} later events not kept"))


def changes(change: Change, first: bool) -> list[tuple[str, str]]:
    """The events (name, detail) of what one reload changed; the first read adds nothing."""
    found = []
    if change.added and not first:
        found.append(("segments-added", _numbers([s.sequence for s in change.added])))
    if change.removed:
        found.append(("segments-removed",
                      _numbers([r.segment.sequence for r in change.removed])))
    if change.ended:
        found.append(("ended", f"EXT-X-ENDLIST after media sequence number "
                               f"{change.snapshot.last_sequence}"))
    return found


def _numbers(sequence: list[int]) -> str:
    if len(sequence) == 1:
        return f"media sequence number {sequence[0]}"
    return f"media sequence numbers {sequence[0]}-{sequence[-1]}"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")
