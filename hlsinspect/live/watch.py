"""`hlsinspect watch`: live playlists reloaded as a client reloads them, each snapshot checked.

Each media playlist is reloaded about once per target duration, after half of it when the
last reload showed no change (RFC 8216bis 6.3.4), or with blocking requests when it is a
low-latency playlist on an HTTP origin (`live.schedule`). Each playlist's reloads run on a
thread of their own (`live.reload`), so one slow origin or one reload held by the origin
delays no other playlist's reloads; they only fetch, and hand each answer to this module's
loop, the one thread that applies the rules and owns everything the report, the live view
and the rules across playlists read.

Every snapshot goes through the same rules as `check` gives one playlist (`live.rules`); only
its new segments are asked about, and a segment that leaves the head is asked about once, at
once (`live.objects`); the rules across snapshots are `live.compare`'s and
`live.lowlatency`'s (rendition reports held in `live.rendition_reports`), and the title rules
run on the latest snapshots (`live.multivariant`). A finding seen again on later reloads is
reported once, with a count and when it was first and last seen (`live.seen`). What is kept
between reloads is bounded by the playlists' windows, not by the watch.

`Watch.events()` runs the watch and yields what happens as it happens; `Watch.report()`
is the report of what was seen, in the same form as `check`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from hlsinspect.errors import HlsInspectError, Interrupted, Terminated
from hlsinspect.live.compare import drift
from hlsinspect.live.discovery import Where, discover
from hlsinspect.live.lowlatency import blocking_findings
from hlsinspect.live.multivariant import judge_title, reload_title
from hlsinspect.live.objects import due, leaving_due, new_objects, removed_objects
from hlsinspect.live.reload import Fetched, Reloaders
from hlsinspect.live.rendition_reports import RenditionReports
from hlsinspect.live.reporting import Dating, assemble
from hlsinspect.live.rules import own_rules
from hlsinspect.live.schedule import part_target
from hlsinspect.live.seen import SeenFindings
from hlsinspect.live.timeline import Timeline, changes
from hlsinspect.live.titles import Title
from hlsinspect.live.watched import Answer, Watched
from hlsinspect.report import Finding, PlaylistReport, Report, TimelineEvent
from hlsinspect.settings import Settings
from hlsinspect.storage.factory import S3Options


@dataclass(frozen=True)
class Clock:
    """Where the watch gets its time: a monotonic clock to measure, the wall clock to date."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


@dataclass
class Watch:
    """One watch over `targets` (the TARGETs of `hlsinspect check`)."""

    targets: Sequence[str]
    duration: float | None = None
    """Stop after this many seconds; None: until every playlist ended or Ctrl-C."""
    until_endlist: bool = False
    """Stop once every media playlist carries EXT-X-ENDLIST."""
    interval: float | None = None
    """Seconds between reloads; None: as a client does (once per target duration)."""
    bucket: str | None = None
    default_bucket: str | None = None
    root: str | None = None
    settings: Settings = field(default_factory=Settings)
    s3: S3Options = field(default_factory=S3Options)
    clock: Clock = field(default_factory=Clock)
    watched: list[Watched] = field(default_factory=list, init=False)
    titles: dict[str, PlaylistReport] = field(default_factory=dict, init=False)
    """Multivariant playlists, by URI, as first read."""
    masters: dict[str, Title] = field(default_factory=dict, init=False)
    """Multivariant playlists followed, by URI, for their title rules."""
    seen: SeenFindings = field(default_factory=SeenFindings, init=False)
    timeline: Timeline = field(init=False)
    reports: RenditionReports = field(default_factory=RenditionReports, init=False)
    """Rendition reports waiting for the next reload of the rendition they report on."""
    started: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.clock.wall)

    def events(self) -> Iterator[TimelineEvent]:
        """Run the watch, yielding each event as it happens; HlsInspectError when no
        playlist can be read at the start."""
        found = discover(self.targets, Where(self.bucket, self.default_bucket, self.root),
                         self.settings, self.s3, self.clock.monotonic())
        self.watched, self.titles, self.masters = found.watched, found.titles, found.masters
        self.seen.keep(found.findings, self.clock.monotonic())
        self.started = self.clock.monotonic()
        for item in self.watched:
            yield self.timeline.event(item.uri, "started", item.parent or "")
        reloaders = Reloaders(self.watched, self.interval, self.clock.monotonic,
                              self.settings.verify.requests.concurrency)
        reloaders.start()
        try:
            while not self._done():
                fetched = reloaders.next(self._wait())
                if fetched is not None:
                    yield from self._apply(fetched)
                    reloaders.applied(fetched)
                    yield from self._drift()
                yield from self._titles()
                yield from self._leaving()
            yield from self._stopped()
        finally:
            reloaders.close()  # a reload still in flight is not waited for

    def _stopped(self) -> Iterator[TimelineEvent]:
        """When --duration ends the watch, its `stopped` events."""
        if self.duration is None or self.clock.monotonic() - self.started < self.duration:
            return
        yield from self._stop_events(f"--duration {self.duration:g} s reached")

    def _stop_events(self, why: str) -> Iterator[TimelineEvent]:
        """A last event for each playlist still live when the watch ends (--duration, Ctrl-C,
        SIGTERM), so a timeline says why it stops there (an ended playlist has its `ended`
        event)."""
        for item in self.watched:
            last = item.state.last
            if last is None or not last.endlist:
                yield self.timeline.event(item.uri, "stopped", why)

    def run(self) -> Report:
        """The whole watch, then its report; Ctrl-C or SIGTERM raise `Interrupted` with the
        report of what was seen, marked incomplete."""
        try:
            for _ in self.events():
                pass
        except KeyboardInterrupt as stop:
            if not self.watched:
                raise
            how = "terminated (SIGTERM)" if isinstance(stop, Terminated) else \
                "interrupted (Ctrl-C)"
            for _ in self._stop_events(how):
                pass
            why = how + ": the report holds what the watch saw until then"
            raise Interrupted(replace(self.report(), incomplete=why), stop) from None
        return self.report()

    def report(self) -> Report:
        """What the watch saw so far, as a Report (the last snapshot of each playlist)."""
        return assemble(self.targets, self.titles.values(), self.watched,
                        self.seen.seen.values(), self.timeline.kept(), self.settings,
                        Dating(self.clock.monotonic, self.clock.wall))

    def _wait(self) -> float | None:
        """Seconds until this thread has something to do without an answer: the end of
        --duration, a multivariant playlist due to be read again, a segment that left due
        to be asked about the last time (None: none of them)."""
        wake = [title.due for title in self.masters.values()]
        wake += [due(leaving) for item in self.watched for leaving in item.leaving]
        if self.duration is not None:
            wake.append(self.started + self.duration)
        return max(0.0, min(wake) - self.clock.monotonic()) if wake else None

    def _apply(self, fetched: Fetched) -> Iterator[TimelineEvent]:
        """One reload's answer: the rules on it, its new and removed segments asked about."""
        item, now = fetched.watched, fetched.sent
        item.read = True
        item.blocking += int(fetched.asked is not None)
        item.not_modified += int(fetched.not_modified)
        if fetched.snapshot is None:
            assert fetched.failure is not None
            yield from self._found(item, [fetched.failure], now)
            return
        snapshot, playlist = fetched.snapshot, fetched.playlist
        if playlist is not None:
            item.playlist = playlist
        before = item.state.last
        change = item.state.observe(snapshot)
        item.answers.append(Answer(fetched.sent, fetched.answered, snapshot))
        found = list(change.findings)
        if playlist is not None and (before is None or before.digest != snapshot.digest):
            item.updated, item.version = now, playlist.version
            found += own_rules(item.storage, item.key, item.uri, playlist, self.settings)
        found += new_objects(item, change)
        found += removed_objects(item, change, self.clock.monotonic)
        if fetched.asked is not None and before is not None:
            found += blocking_findings(item.uri, fetched.asked, snapshot.parts,
                                       snapshot.last_sequence, snapshot.endlist,
                                       fetched.answered - fetched.sent,
                                       before.target_duration, part_target(before))
            self.reports.carried(fetched, self.watched)
        for name, detail in changes(change, before is None):
            yield self.timeline.event(item.uri, name, detail)
        yield from self._found(item, found, now)
        for carrier, reported in self.reports.judged(fetched):
            yield from self._found(
                next((o for o in self.watched if o.uri == carrier), item), reported, now)

    def _found(self, item: Watched | None, found: list[Finding],
               now: float) -> Iterator[TimelineEvent]:
        """Findings counted; an event for each one not seen before."""
        for one in self.seen.add(found, now):
            if item is not None:
                item.findings += 1
            yield self.timeline.event(one.playlist or (item.uri if item else ""), one.name,
                                      one.message)

    def _leaving(self) -> Iterator[TimelineEvent]:
        """Segments that left, asked about the last time when their time to stay is nearly
        up (`live.objects`)."""
        for item in self.watched:
            if item.leaving:
                yield from self._found(item, leaving_due(item, self.clock.monotonic),
                                       self.clock.monotonic())

    def _drift(self) -> Iterator[TimelineEvent]:
        now = self.clock.monotonic()
        groups: dict[str | None, list[Watched]] = {}
        for item in self.watched:
            if item.parent is not None:
                groups.setdefault(item.parent, []).append(item)
        for title, items in groups.items():
            found = drift(title, [item.state for item in items])
            behind = next((i for i in items if found and i.uri == found[0].uri), items[0])
            yield from self._found(behind, found, now)

    def _titles(self) -> Iterator[TimelineEvent]:
        """The multivariant playlists read again when due, and the title rules when due."""
        now = self.clock.monotonic()
        for title in self.masters.values():
            if title.due <= now:
                yield from self._found(None, reload_title(title, now, self.settings), now)
            members = [i for i in self.watched if i.parent == title.uri]
            yield from self._found(None, judge_title(title, members, now, self.settings), now)

    def _done(self) -> bool:
        if self.duration is not None and self.clock.monotonic() - self.started >= self.duration:
            return True
        if self.until_endlist or self.duration is None:
            states = [item.state.last for item in self.watched]
            return all(s is not None and s.endlist for s in states)
        return False


def watch(targets: str | Sequence[str], *, duration: float | None = None,
          until_endlist: bool = False, interval: float | None = None,
          bucket: str | None = None, default_bucket: str | None = None,
          root: str | None = None, settings: Settings | None = None,
          s3: S3Options | None = None) -> Report:
    """Follow live playlists and return the report of what was seen (see `Watch`).

    Stops after `duration` seconds, once every media playlist carries EXT-X-ENDLIST
    (`until_endlist`, or always when no duration is given), or on Ctrl-C, which raises
    `errors.Interrupted` carrying the report. HlsInspectError when nothing can be watched.
    """
    return Watch([targets] if isinstance(targets, str) else list(targets), duration,
                 until_endlist, interval, bucket, default_bucket, root,
                 settings or Settings(), s3 or S3Options()).run()


__all__ = ["Clock", "HlsInspectError", "Watch", "watch"]
