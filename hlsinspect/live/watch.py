"""`hlsinspect watch`: live playlists reloaded as a client reloads them, each snapshot checked.

Each media playlist is reloaded about once per target duration, after half of it when the
last reload showed no change (RFC 8216bis 6.3.4). Every snapshot goes through the same rules
as `check` gives one playlist (scopes `line` and `media`); only its new segments are asked
about (a HEAD each); the rules across snapshots are `live.compare`'s, and a segment that
leaves the head is asked about once, at once, to catch one deleted too early. A finding
seen again on later reloads is reported once, with a count and when it was first and last
seen. What is kept between reloads is bounded by the playlists' windows, not by the watch.

`Watch.events()` runs the watch and yields what happens as it happens; `Watch.report()`
is the report of what was seen, in the same form as `check`'s.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cache, partial

from hlsinspect.checks.apply import apply
from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import Scope, finding, priority
from hlsinspect.errors import HlsInspectError, Interrupted, NoPlaylistError, Terminated, UsageError
from hlsinspect.live.compare import (
    Change,
    Rendition,
    Snapshot,
    drift,
    removed_too_early,
    snapshot_of,
)
from hlsinspect.live.lowlatency import (
    PENDING,
    Pending,
    Position,
    blocking_findings,
    directives,
    pending,
    report_findings,
)
from hlsinspect.live.titles import LIVE_BY_NATURE as TITLE_LIVE_BY_NATURE
from hlsinspect.live.titles import RELOAD as TITLE_RELOAD
from hlsinspect.live.titles import Title, children, context, due
from hlsinspect.locations import Target, map_target, parse_target
from hlsinspect.playlists import ParseFailure, Playlist, parse
from hlsinspect.report import (
    Finding,
    ObjectCounts,
    PlaylistReport,
    Report,
    TimelineEvent,
    Variant,
)
from hlsinspect.settings import Settings
from hlsinspect.storage.base import (
    Conditional,
    Existence,
    ObjectState,
    Storage,
    StorageError,
)
from hlsinspect.storage.factory import S3Options, Stores
from hlsinspect.uri.keys import is_playlist_key
from hlsinspect.uri.redact import redact
from hlsinspect.version import __version__

DISTINCT = 100
"""Distinct findings of one rule in one playlist kept one by one; the rest are counted in one
more, so that a fault repeating with every segment costs no memory over a long watch."""
TIMELINE = 10_000
"""Events kept for the report's timeline; later ones are counted, not kept."""
Identity = tuple[str, str | None, str | None, str, str]
LIVE_BY_NATURE = frozenset({"endlist-missing"})
"""Findings of `check` that only say the playlist is live, which a watched one is meant to be."""
FIRST_RELOAD = 1.0
"""Seconds before the second reload of a playlist that has no target duration."""


@dataclass(frozen=True)
class Clock:
    """Where the watch gets its time: a monotonic clock to measure, the wall clock to date."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Watched:
    """One media playlist followed: where it is, its state between reloads, when it is due."""

    storage: Storage
    key: str
    uri: str
    parent: str | None
    state: Rendition
    due: float = 0.0
    objects: ObjectCounts = field(default_factory=ObjectCounts)
    findings: int = 0
    checked: dict[str, ObjectState] = field(default_factory=dict)
    """Objects of the current window already asked about (byte ranges share one)."""
    updated: float | None = None
    """When its text last changed."""
    version: int | None = None
    etag: str | None = None
    """The ETag of the text last read, for a conditional GET."""
    not_modified: int = 0
    """Reloads the store answered with "not modified"."""
    playlist: Playlist | None = None
    """Its last text read whole, for the title rules."""
    read: bool = False
    """Asked for at least once since the start."""
    wanted: Position | None = None
    """The part the next reload asks for with a blocking request; None: a plain reload."""
    blocking: int = 0
    """Blocking reloads made."""


@dataclass
class Seen:
    """A finding and how often, from when to when, the watch saw it."""

    finding: Finding
    first: float
    last: float
    count: int = 1


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
    seen: dict[Identity, Seen] = field(default_factory=dict, init=False)
    kinds: Counter[tuple[str, str | None]] = field(default_factory=Counter, init=False)
    """Distinct findings kept per rule and playlist (at most DISTINCT, then one more)."""
    timeline: list[TimelineEvent] = field(default_factory=list, init=False)
    dropped: int = field(default=0, init=False)
    started: float = field(default=0.0, init=False)
    masters: dict[str, Title] = field(default_factory=dict, init=False)
    """Multivariant playlists followed, by URI, for their title rules."""
    reports: dict[str, list[Pending]] = field(default_factory=dict, init=False)
    """Rendition reports waiting for the next reload of the rendition they report on."""

    def events(self) -> Iterator[TimelineEvent]:
        """Run the watch, yielding each event as it happens; HlsInspectError when no
        playlist can be read at the start."""
        self._discover()
        self.started = self.clock.monotonic()
        for item in self.watched:
            yield self._event(item.uri, "started", item.parent or "")
        while not self._done():
            now = self.clock.monotonic()
            ready = [item for item in self.watched if item.due <= now]
            if not ready:
                wake = min(item.due for item in self.watched)
                if self.duration is not None:
                    wake = min(wake, self.started + self.duration)
                self.clock.sleep(max(0.0, wake - now))
                continue
            for item in ready:
                yield from self._reload(item)
            yield from self._drift()
            yield from self._titles()

    def run(self) -> Report:
        """The whole watch, then its report; Ctrl-C or SIGTERM raise `Interrupted` with the
        report of what was seen, marked incomplete."""
        try:
            for _ in self.events():
                pass
        except KeyboardInterrupt as stop:
            if not self.watched:
                raise
            why = ("terminated (SIGTERM)" if isinstance(stop, Terminated) else
                   "interrupted (Ctrl-C)") + ": the report holds what the watch saw until then"
            raise Interrupted(replace(self.report(), incomplete=why), stop) from None
        return self.report()

    def report(self) -> Report:
        """What the watch saw so far, as a Report (the last snapshot of each playlist)."""
        findings = [replace(s.finding, count=s.count, first_seen=_iso(self._wall(s.first)),
                            last_seen=_iso(self._wall(s.last)))
                    for s in self.seen.values()
                    if self.settings.rules.admits(s.finding)]
        findings.sort(key=priority)
        playlists = [*self.titles.values(), *(self._playlist(item) for item in self.watched)]
        total = ObjectCounts()
        for item in self.watched:
            total = total + item.objects
        timeline = list(self.timeline)
        if self.dropped:
            timeline.append(TimelineEvent(_iso(self.clock.wall()), "", "timeline-truncated",
                                          f"{self.dropped} later events not kept"))
        return Report(version=__version__, targets=tuple(redact(t) for t in self.targets),
                      playlists=tuple(playlists), findings=tuple(findings), objects=total,
                      fail_on=self.settings.fail_on, timeline=tuple(timeline))

    # the start: every media playlist of every target

    def _discover(self) -> None:
        if not self.targets:
            raise UsageError("no target to watch", hint="name a live playlist")
        stores = Stores(self.s3, self.settings.verify.requests, self.settings.maps)
        for text in dict.fromkeys(self.targets):
            target = self._target(text)
            try:
                storage = stores.for_target(target)
                keys = self._keys(storage, target)
                for key in keys:
                    self._follow(storage, key, None)
            except StorageError as exc:
                raise exc.fatal() from exc
        if not self.watched:
            raise NoPlaylistError("no media playlist to watch in "
                                  + ", ".join(redact(t) for t in self.targets),
                                  hint="name a live media or multivariant playlist")

    def _target(self, text: str) -> Target:
        mapped = map_target(text, self.settings.maps)
        if mapped is not None:
            return parse_target(mapped[0], None, None, mapped[1])
        return parse_target(text, self.bucket, self.default_bucket, self.root)

    @staticmethod
    def _keys(storage: Storage, target: Target) -> list[str]:
        if target.mode == "playlist" or (target.mode == "auto" and is_playlist_key(target.key)):
            return [target.key]
        keys = [key for key, _ in storage.list_keys(target.key) if is_playlist_key(key)]
        if not keys:
            raise NoPlaylistError(f"no playlist under {redact(target.text)}",
                                  hint="name a live media or multivariant playlist")
        return keys

    def _follow(self, storage: Storage, key: str, parent: str | None) -> None:
        uri = storage.uri(key)
        if uri in self.titles or any(item.uri == uri for item in self.watched):
            return
        try:
            playlist = _read(storage, key)
        except StorageError:
            if parent is None:
                raise
            playlist = None  # a variant not readable yet: its reloads report it
        if playlist is None or not playlist.is_multivariant:
            self.watched.append(Watched(storage, key, uri, parent, Rendition(uri)))
            return
        if parent is not None:
            return  # a multivariant playlist does not nest
        self.titles[uri] = PlaylistReport(
            uri=uri, kind="multivariant", parent=None, version=playlist.version,
            variants=tuple(Variant(v.uri, None, None, None, None, None, v.iframe)
                           for v in (*playlist.structure.variants, *playlist.structure.iframes)))
        # the rules of check for a multivariant playlist's own text, again when it changes
        now = self.clock.monotonic()
        for one in self._rules(storage, key, uri, playlist):
            self.seen.setdefault(_identity(one), Seen(one, now, now))
        self.masters[uri] = Title(storage, key, uri, self._context(storage, key, uri, playlist),
                                  children(storage, key, playlist), _digest(playlist),
                                  due=now + TITLE_RELOAD)
        for child in _children(playlist):
            where = storage.resolve(key, child)
            if where.key is not None:
                self._follow(storage, where.key, uri)

    # one reload

    def _reload(self, item: Watched) -> Iterator[TimelineEvent]:
        now = self.clock.monotonic()
        wanted, item.wanted = item.wanted, None
        try:
            data = self._fetch(item, wanted)
            playlist = parse(item.key, data) if data is not None else None
        except StorageError as exc:
            item.read = True
            item.due = now + self._pause(item, changed=False)
            yield from self._found(item, [finding("playlist-unreadable", exc.message,
                                                  playlist=item.uri, hint=exc.hint)], now)
            return
        except ParseFailure as exc:
            item.read = True
            item.etag = None  # its last good text is no longer what is served
            item.due = now + self._pause(item, changed=False)
            yield from self._found(item, [finding("playlist-parse-error", exc.message,
                                                  playlist=item.uri, line=exc.line)], now)
            return
        answered = self.clock.monotonic()
        item.read = True
        if playlist is not None:
            item.playlist = playlist
        before = item.state.last
        if playlist is None:
            assert before is not None  # "not modified" answers a reload, never the first read
            snapshot = replace(before, time=now)
        else:
            snapshot = snapshot_of(playlist, item.uri, now)
        change = item.state.observe(snapshot)
        changed = before is None or before.digest != change.snapshot.digest
        found = list(change.findings)
        if changed and playlist is not None:
            item.updated, item.version = now, playlist.version
            found += self._rules(item.storage, item.key, item.uri, playlist)
        found += self._new_objects(item, change)
        found += self._removed_objects(item, change, now)
        item.due = now + self._pause(item, changed=changed)
        if wanted is not None and before is not None:
            found += self._blocking(item, wanted, before, snapshot, answered - now)
            # a server that does not hold the request is not asked again at once
            wrong = any(f.name == "blocking-reload-wrong-part" for f in found)
            item.due = answered + (self._part_target(before) if wrong else 0.0)
        if self._blocks(item, snapshot):
            assert snapshot.parts is not None
            item.wanted = snapshot.parts.following
            if wanted is None:
                item.due = answered  # the first read: from now on, ask for the next part
        yield from self._changes(item, change, before is None)
        yield from self._found(item, found, now)
        yield from self._reported(item, snapshot, now)

    def _fetch(self, item: Watched, wanted: Position | None = None) -> bytes | None:
        """The playlist's bytes; None when the store said it has not changed (a conditional
        GET answered 304 Not Modified: no transfer for an unchanged reload). With `wanted`,
        a blocking reload: the origin holds it until the playlist has that part."""
        storage = item.storage
        if wanted is not None:
            item.etag, item.blocking = None, item.blocking + 1
            return storage.read(directives(item.key, wanted))
        if not isinstance(storage, Conditional):
            return storage.read(item.key)
        known = item.etag if item.state.last is not None else None
        data, item.etag = storage.read_changed(item.key, known)
        if data is None:
            item.not_modified += 1
        return data

    def _blocks(self, item: Watched, snapshot: Snapshot) -> bool:
        """Reload it as a low-latency client does, with blocking requests (RFC 8216bis
        6.3.8): it offers them, the watch paces itself (no --interval), and the store is an
        HTTP origin, the only kind that answers Delivery Directives."""
        return (self.interval is None and snapshot.parts is not None
                and snapshot.parts.blocking and not snapshot.endlist
                and item.uri.startswith(("http://", "https://")))

    @staticmethod
    def _part_target(snapshot: Snapshot) -> float:
        parts = snapshot.parts
        return (parts.part_target or 0.0) if parts is not None else 0.0

    def _blocking(self, item: Watched, wanted: Position, before: Snapshot, after: Snapshot,
                  elapsed: float) -> list[Finding]:
        """The answer to a blocking reload judged; its rendition reports kept until the
        renditions they report on are read again."""
        found = blocking_findings(item.uri, wanted, after.parts, after.last_sequence,
                                  after.endlist, elapsed, before.target_duration,
                                  self._part_target(before))
        for report in after.parts.reports if after.parts is not None else ():
            where = item.storage.resolve(item.key, report.uri)
            other = next((o for o in self.watched if where.key is not None and o is not item
                          and o.storage is item.storage and o.key == where.key), None)
            if other is None:
                continue  # not a rendition of this title (ll-rendition-report-missing's)
            last = other.state.last
            queue = self.reports.setdefault(other.uri, [])
            queue.append(pending(item.uri, report, last.parts if last else None,
                                 last.last_sequence if last else None))
            del queue[:-PENDING]
        return found

    def _reported(self, item: Watched, snapshot: Snapshot,
                  now: float) -> Iterator[TimelineEvent]:
        """The reports other playlists made of this one, checked against this reload."""
        for waiting in self.reports.pop(item.uri, []):
            carrier = next((o for o in self.watched if o.uri == waiting.playlist), item)
            yield from self._found(carrier, report_findings(
                waiting, item.uri, snapshot.parts, snapshot.last_sequence), now)

    def _pause(self, item: Watched, *, changed: bool) -> float:
        """Until the next reload: the target duration, half of it after an unchanged reload
        (RFC 8216bis 6.3.4), or --interval."""
        if self.interval is not None:
            return self.interval
        last = item.state.last
        target = float(last.target_duration) if last and last.target_duration else FIRST_RELOAD
        return target if changed else target / 2

    def _context(self, storage: Storage, key: str, uri: str,
                 playlist: Playlist) -> PlaylistContext:
        named = cache(partial(_object_uri, storage, key))
        return PlaylistContext(playlist, uri, named, self.settings.rules.profile)

    def _rules(self, storage: Storage, key: str, uri: str,
               playlist: Playlist) -> list[Finding]:
        """The rules `check` applies to one playlist's own text."""
        context = self._context(storage, key, uri, playlist)
        selection, strict = self.settings.rules, self.settings.raise_errors
        scope: Scope = "multivariant" if playlist.is_multivariant else "media"
        found = [*apply("line", context, selection, uri, raise_errors=strict),
                 *apply(scope, context, selection, uri, raise_errors=strict)]
        return [f for f in found if f.name not in LIVE_BY_NATURE]

    def _titles(self) -> Iterator[TimelineEvent]:
        """The multivariant playlists read again when due; the title rules of `check` on
        the latest snapshots, when the multivariant changed and about once per target
        duration otherwise (see `live.titles`)."""
        now = self.clock.monotonic()
        for title in self.masters.values():
            if title.due <= now:
                yield from self._reload_title(title, now)
            members = [i for i in self.watched if i.parent == title.uri]
            targets = [i.state.last.target_duration for i in members
                       if i.state.last is not None and i.state.last.target_duration]
            if not due(title, now, float(max(targets, default=FIRST_RELOAD))):
                continue
            ctx = context(title, {i.key: i.playlist for i in members if i.read},
                          title.storage.uri)
            if ctx is None:
                continue
            title.judged = now
            found = apply("title", ctx, self.settings.rules, title.uri,
                          raise_errors=self.settings.raise_errors)
            yield from self._found(None, [f for f in found
                                          if f.name not in TITLE_LIVE_BY_NATURE], now)

    def _reload_title(self, title: Title, now: float) -> Iterator[TimelineEvent]:
        """The multivariant playlist read again (conditionally where the store can); its own
        rules, and the title rules, run again when it changed. (A media playlist it names
        anew is not followed: the watch follows those it named at the start.)"""
        title.due = now + TITLE_RELOAD
        storage = title.storage
        try:
            if isinstance(storage, Conditional):
                data, title.etag = storage.read_changed(title.key, title.etag)
            else:
                data = storage.read(title.key)
            playlist = parse(title.key, data) if data is not None else None
        except StorageError as exc:
            yield from self._found(None, [finding("playlist-unreadable", exc.message,
                                                  playlist=title.uri, hint=exc.hint)], now)
            return
        except ParseFailure as exc:
            yield from self._found(None, [finding("playlist-parse-error", exc.message,
                                                  playlist=title.uri, line=exc.line)], now)
            return
        if playlist is None or _digest(playlist) == title.digest:
            return
        title.digest, title.judged = _digest(playlist), None
        title.context = self._context(storage, title.key, title.uri, playlist)
        title.children = children(storage, title.key, playlist)
        yield from self._found(None, self._rules(storage, title.key, title.uri, playlist), now)

    def _new_objects(self, item: Watched, change: Change) -> list[Finding]:
        """A HEAD for each new segment's object (once per object within the window)."""
        window = {self._key(item, s.uri) for s in change.snapshot.segments}
        item.checked = {k: v for k, v in item.checked.items() if k in window}
        found = []
        for segment in change.added:
            key = self._key(item, segment.uri)
            if key is None or key in item.checked:
                continue
            state = item.checked[key] = item.storage.stat(key)
            item.objects = item.objects + _count(state)
            if state.existence is Existence.MISSING:
                found.append(finding("segment-missing",
                                     f"media sequence number {segment.sequence} does not exist",
                                     playlist=item.uri, uri=item.storage.uri(key)))
            elif state.size == 0:
                found.append(finding("segment-empty",
                                     f"media sequence number {segment.sequence} is 0 bytes",
                                     playlist=item.uri, uri=item.storage.uri(key)))
            elif state.existence is Existence.UNKNOWN:
                found.append(finding("object-unverified",
                                     f"media sequence number {segment.sequence}: "
                                     f"{state.reason or 'existence unknown'}",
                                     playlist=item.uri, uri=item.storage.uri(key)))
        return found

    def _removed_objects(self, item: Watched, change: Change, now: float) -> list[Finding]:
        """Each segment that left the head, asked about once, now: still there, or gone
        too early."""
        still = {self._key(item, s.uri) for s in change.snapshot.segments}
        found = []
        for removed in change.removed:
            key = self._key(item, removed.segment.uri)
            if key is None or key in still:
                continue
            state = item.storage.stat(key)
            late = removed_too_early(removed, state.existence is Existence.MISSING, now)
            if late is not None:
                found.append(replace(late, uri=item.storage.uri(key)))
        return found

    @staticmethod
    def _key(item: Watched, uri: str) -> str | None:
        return item.storage.resolve(item.key, uri).key

    def _changes(self, item: Watched, change: Change, first: bool) -> Iterator[TimelineEvent]:
        if change.added and not first:
            yield self._event(item.uri, "segments-added", _numbers(
                [s.sequence for s in change.added]))
        if change.removed:
            yield self._event(item.uri, "segments-removed", _numbers(
                [r.segment.sequence for r in change.removed]))
        if change.ended:
            yield self._event(item.uri, "ended", f"EXT-X-ENDLIST after media sequence number "
                                                 f"{change.snapshot.last_sequence}")

    def _found(self, item: Watched | None, found: list[Finding],
               now: float) -> Iterator[TimelineEvent]:
        """Findings counted; an event for each one not seen before."""
        for one in found:
            key = _identity(one)
            if key not in self.seen and self.kinds[one.name, one.playlist] >= DISTINCT:
                # a fault that repeats with every segment: counted, not kept one by one
                one = replace(one, uri=None, line=None, observed=None, expected=None,
                              message=f"more {one.name} findings in this playlist than the "
                                      f"{DISTINCT} listed one by one; the last: {one.message}")
                key = (one.name, one.playlist, None, one.severity.value, "")
            seen = self.seen.get(key)
            if seen is not None:
                seen.count += 1
                seen.last = now
                if key[4] == "":
                    seen.finding = one
                continue
            self.seen[key] = Seen(one, now, now)
            self.kinds[one.name, one.playlist] += 1
            if item is not None:
                item.findings += 1
            yield self._event(one.playlist or (item.uri if item else ""), one.name, one.message)

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

    def _event(self, rendition: str, event: str, detail: str) -> TimelineEvent:
        made = TimelineEvent(_iso(self.clock.wall()), redact(rendition), event, redact(detail))
        if len(self.timeline) < TIMELINE:
            self.timeline.append(made)
        else:
            self.dropped += 1
        return made

    def _done(self) -> bool:
        if self.duration is not None and self.clock.monotonic() - self.started >= self.duration:
            return True
        if self.until_endlist or self.duration is None:
            states = [item.state.last for item in self.watched]
            return all(s is not None and s.endlist for s in states)
        return False

    def _wall(self, monotonic: float) -> float:
        return self.clock.wall() - (self.clock.monotonic() - monotonic)

    @staticmethod
    def _playlist(item: Watched) -> PlaylistReport:
        last = item.state.last
        if last is None:
            return PlaylistReport(uri=item.uri, kind="media", parent=item.parent,
                                  load_status="unreadable")
        return PlaylistReport(
            uri=item.uri, kind="media", parent=item.parent, version=item.version,
            target_duration=last.target_duration,
            media_sequence=last.media_sequence, endlist=last.endlist,
            segment_count=len(last.segments), total_duration=round(last.duration, 6),
            objects=item.objects)


def _read(storage: Storage, key: str) -> Playlist | None:
    """The playlist at the start; a parse failure is left to the reloads to report."""
    data = storage.read(key)
    try:
        return parse(key, data)
    except ParseFailure:
        return None


def _digest(playlist: Playlist) -> str:
    return hashlib.sha256(playlist.text.encode()).hexdigest()


def _children(playlist: Playlist) -> list[str]:
    """The URIs of the media playlists a multivariant playlist references."""
    structure = playlist.structure
    uris = [v.uri for v in (*structure.variants, *structure.iframes) if v.uri]
    uris += [uri for tag in structure.renditions if (uri := tag.attr("URI"))]
    return list(dict.fromkeys(uris))


def _identity(found: Finding) -> Identity:
    """What makes two findings of two reloads the same one (not the line, which moves)."""
    return found.name, found.playlist, found.uri, found.severity.value, found.message


def _object_uri(storage: Storage, playlist_key: str, raw: str) -> str:
    where = storage.resolve(playlist_key, raw)
    return storage.uri(where.key) if where.key is not None else raw


def _count(state: ObjectState) -> ObjectCounts:
    return ObjectCounts(1, int(state.existence is Existence.PRESENT),
                        int(state.existence is Existence.MISSING),
                        int(state.existence is Existence.UNKNOWN))


def _numbers(sequence: list[int]) -> str:
    if len(sequence) == 1:
        return f"media sequence number {sequence[0]}"
    return f"media sequence numbers {sequence[0]}-{sequence[-1]}"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")


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
