"""Rendition reports, each held until the rendition it reports on is read again.

An EXT-X-RENDITION-REPORT in one playlist's answer says where another rendition stood when
the origin answered. It is judged (`lowlatency.report_findings`) between two reloads of
that rendition: the last one answered before the report was asked for (its floor) and the
first one asked for after the report was answered (its ceiling). The reloads run
concurrently, so the two are picked by when they were sent and answered, not by the order
the answers happen to be applied in: a reload in flight while the report was asked for
bounds it neither way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hlsinspect.live.lowlatency import PENDING, Pending, pending, report_findings
from hlsinspect.live.reload import Fetched
from hlsinspect.live.watched import Answer, Watched
from hlsinspect.report import Finding


@dataclass(frozen=True)
class Held:
    """A report waiting, with when the answer carrying it came."""

    waiting: Pending
    answered: float


@dataclass
class RenditionReports:
    """The reports waiting, by the URI of the rendition they report on."""

    held: dict[str, list[Held]] = field(default_factory=dict)

    def carried(self, fetched: Fetched, watched: Sequence[Watched]) -> None:
        """Hold the reports `fetched` carries of the other renditions of its title."""
        item, snapshot = fetched.watched, fetched.snapshot
        if snapshot is None or snapshot.parts is None:
            return
        for report in snapshot.parts.reports:
            where = item.storage.resolve(item.key, report.uri)
            other = next((o for o in watched if where.key is not None and o is not item
                          and o.storage is item.storage and o.key == where.key), None)
            if other is None:
                continue  # not a rendition of this title (ll-rendition-report-missing's)
            before = _answered_before(other, fetched.sent)
            last = before.snapshot if before is not None else None
            held = self.held.setdefault(other.uri, [])
            held.append(Held(pending(item.uri, report, last.parts if last else None,
                                     last.last_sequence if last else None), fetched.answered))
            del held[:-PENDING]

    def judged(self, fetched: Fetched) -> list[tuple[str, list[Finding]]]:
        """The reports of `fetched`'s rendition answered before it was asked for, judged
        against it: (the URI of the playlist carrying each, its findings)."""
        item, snapshot = fetched.watched, fetched.snapshot
        if snapshot is None:
            return []
        held = self.held.pop(item.uri, [])
        later = [h for h in held if h.answered > fetched.sent]
        if later:
            self.held[item.uri] = later
        return [(h.waiting.playlist, report_findings(h.waiting, item.uri, snapshot.parts,
                                                     snapshot.last_sequence))
                for h in held if h.answered <= fetched.sent]


def _answered_before(item: Watched, moment: float) -> Answer | None:
    """The latest answer of `item` that came before `moment`."""
    return next((a for a in reversed(item.answers) if a.answered <= moment), None)
