"""The report: frozen data that the engine returns and every renderer reads.

`Report.to_dict()` is the JSON contract (schema_version 1); members may be added, never renamed.
"""

from __future__ import annotations

import enum
import functools
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, TypeVar

from hlsinspect.probe_report import ProbeReport
from hlsinspect.uri.keys import is_playlist_key
from hlsinspect.uri.redact import redact

T = TypeVar("T")

SCHEMA_VERSION = 1
INCOMPLETE = "interrupted before the inspection was complete"
"""Why a report is incomplete, when nothing more is known (a report read back)."""


def _members(cls: type, data: Mapping[str, Any], **converted: Any) -> dict[str, Any]:
    """The members of `data` that are init fields of dataclass `cls`, with `converted` ones
    replaced: a member a later version adds is skipped and one an older version lacks keeps
    its default, so `from_dict` reads any schema_version 1 report."""
    names = {f.name for f in fields(cls) if f.init}
    return {k: v for k, v in data.items() if k in names} | converted


def shared(text: str | None) -> str | None:
    """One copy of a text many entries of a report repeat (a parent's URI, a codec list,
    a finding's message): a bucket-wide audit keeps every title's facts and findings, and
    at a million objects the copies were a third of them."""
    return sys.intern(text) if text is not None else None


_SCALARS = frozenset({int, float, bool, type(None)})


@functools.cache
def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The members a dataclass is made from (not those it computes, like a summary); None
    for what is not a dataclass."""
    if not is_dataclass(cls):
        return None
    return tuple(f.name for f in fields(cls) if f.init)


def with_texts(value: T, change: Callable[[str], str]) -> T:
    """`value` (a report's dataclass, a tuple of them, a string) with `change` applied to
    every string in it: the very objects where nothing changed, copies where something did,
    so a report whose texts need nothing costs no copy. Each distinct text is changed once
    (a report repeats its URIs and messages many times), and the walk keeps to a few type
    tests per member: it runs over every finding of a bucket-wide audit."""
    memo: dict[str, str] = {}

    def text(old: str) -> str:
        changed = change(old)
        new = memo[old] = old if changed == old else changed
        return new

    def walk(item: Any) -> Any:
        kind: type = type(item)
        if kind is str:
            return memo.get(item) or text(item)
        if kind is tuple:
            items = tuple([walk(each) for each in item])
            return item if all(a is b for a, b in zip(items, item, strict=True)) else items
        names = _init_fields(kind)
        if names is None:
            return item  # a number, an enum member, None
        changed = {}
        for name in names:
            old = getattr(item, name)
            if type(old) is str:
                new = memo.get(old) or text(old)
            elif type(old) in _SCALARS or isinstance(old, enum.Enum):
                continue
            else:
                new = walk(old)
            if new is not old:
                changed[name] = new
        return replace(item, **changed) if changed else item

    result: T = walk(value)
    return result


class Severity(str, enum.Enum):
    """How bad a finding is; `--fail-on` picks the lowest one that fails the run."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse, so `finding.severity.rank >= fail_on.rank` means failing."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violation, located as precisely as the playlist allows."""

    code: str
    """Stable rule code, `HLS` and three digits."""
    name: str
    """Stable slug, such as `segment-missing`."""
    severity: Severity
    message: str
    """What is wrong and how to fix it, citing the clause."""
    playlist: str | None
    """URI of the playlist the finding belongs to."""
    uri: str | None = None
    """URI of the referenced object, when the finding is about one."""
    line: int | None = None
    """1-based line in the playlist."""
    reference: str | None = None
    """The clause that makes this a problem (RFC 8216 section, Apple HLS item)."""
    hint: str | None = None
    """How to fix it."""
    observed: str | None = None
    """The value found, when the finding is about a value."""
    expected: str | None = None
    """The value (or range) the clause asks for."""
    count: int | None = None
    """How many reloads of `hlsinspect watch` showed it (None outside `watch`)."""
    first_seen: str | None = None
    """When `watch` first saw it (ISO 8601, UTC)."""
    last_seen: str | None = None
    """When `watch` last saw it (ISO 8601, UTC)."""

    def to_dict(self) -> dict[str, Any]:
        if self.count is not None:
            return {**self._base(), "count": self.count, "first_seen": self.first_seen,
                    "last_seen": self.last_seen}
        return self._base()

    def _base(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "playlist": self.playlist,
            "uri": self.uri,
            "line": self.line,
            "reference": self.reference,
            "hint": self.hint,
            "observed": self.observed,
            "expected": self.expected,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of `to_dict`."""
        return cls(**_members(cls, data, severity=Severity(data["severity"])))


@dataclass(frozen=True, slots=True)
class ObjectCounts:
    """Existence checks of the objects one playlist references (unique objects)."""

    checked: int = 0
    present: int = 0
    missing: int = 0
    unknown: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "present": self.present,
            "missing": self.missing,
            "unknown": self.unknown,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObjectCounts:
        """The inverse of `to_dict`."""
        return cls(**_members(cls, data))

    def __add__(self, other: ObjectCounts) -> ObjectCounts:
        """Counts of two runs over different objects (merged shards)."""
        return ObjectCounts(self.checked + other.checked, self.present + other.present,
                            self.missing + other.missing, self.unknown + other.unknown)

    def __sub__(self, other: ObjectCounts) -> ObjectCounts:
        """These counts without objects counted twice (a playlist two merged reports hold)."""
        return ObjectCounts(self.checked - other.checked, self.present - other.present,
                            self.missing - other.missing, self.unknown - other.unknown)


@dataclass(frozen=True, slots=True)
class Variant:
    """One EXT-X-STREAM-INF (or EXT-X-I-FRAME-STREAM-INF) entry of a multivariant playlist."""

    uri: str | None
    bandwidth: int | None
    average_bandwidth: int | None
    resolution: str | None
    codecs: str | None
    frame_rate: float | None
    iframe: bool = False
    measured_bandwidth: int | None = None
    """Peak segment bit rate of the variant with its renditions, from the object sizes
    (RFC 8216bis 4.1), when every segment's size is known."""
    measured_average_bandwidth: int | None = None
    line: int | None = None
    """The line of its EXT-X-STREAM-INF (or EXT-X-I-FRAME-STREAM-INF) tag."""
    groups: tuple[str, ...] = ()
    """The rendition groups it plays with: its AUDIO, VIDEO, SUBTITLES and CLOSED-CAPTIONS
    GROUP-IDs, in that order (CLOSED-CAPTIONS=NONE is none)."""
    probed_duration: float | None = None
    """With --probe: the measured duration of its media playlist's probed segments."""
    probed_codecs: tuple[str, ...] | None = None
    """With --probe: the codecs found in its segments (and init segment)."""
    probed_resolution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "line": self.line,
            "bandwidth": self.bandwidth,
            "average_bandwidth": self.average_bandwidth,
            "resolution": self.resolution,
            "codecs": self.codecs,
            "frame_rate": self.frame_rate,
            "iframe": self.iframe,
            "measured_bandwidth": self.measured_bandwidth,
            "measured_average_bandwidth": self.measured_average_bandwidth,
            "groups": list(self.groups),
            "probed_duration": self.probed_duration,
            "probed_codecs": list(self.probed_codecs) if self.probed_codecs is not None
            else None,
            "probed_resolution": self.probed_resolution,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Variant:
        """The inverse of `to_dict`."""
        codecs = data.get("probed_codecs")
        return cls(**_members(cls, data, groups=tuple(data.get("groups", ())),
                              probed_codecs=tuple(codecs) if codecs is not None else None))


@dataclass(frozen=True, slots=True)
class Rendition:
    """One EXT-X-MEDIA entry of a multivariant playlist."""

    type: str | None
    group_id: str | None
    name: str | None
    language: str | None
    uri: str | None
    line: int | None = None
    """The line of its EXT-X-MEDIA tag."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "type": self.type,
            "group_id": self.group_id,
            "name": self.name,
            "language": self.language,
            "uri": self.uri,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rendition:
        """The inverse of `to_dict`."""
        return cls(**_members(cls, data))


SEGMENT_STATES = {"p": "present", "m": "missing", "u": "unverified", "s": "suspicious",
                  "x": "not checked"}
"""The one-letter states of a timeline's segments, and what each means."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every media segment of one playlist, in order: its EXTINF duration, its object's size
    and state. Packed (8 bytes per number, one letter per state) so that an audit of a
    million segments holds them in a few tens of megabytes; only the segments that are not
    plainly present carry their object's URI."""

    durations: array[float]
    """EXTINF seconds, per segment."""
    sizes: array[int]
    """Bytes of its object (its byte range's length), -1 when unknown."""
    states: str
    """One letter per segment, see SEGMENT_STATES."""
    marked: tuple[tuple[int, str], ...] = ()
    """(index, object URI) of every segment whose state is not `p`."""

    def to_dict(self) -> dict[str, Any]:
        return {"durations": list(self.durations),
                "sizes": [None if size < 0 else size for size in self.sizes],
                "states": self.states, "marked": [list(pair) for pair in self.marked]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Timeline:
        """The inverse of `to_dict`."""
        return cls(array("d", data["durations"]),
                   array("q", [-1 if size is None else size for size in data["sizes"]]),
                   data["states"], tuple((int(i), str(u)) for i, u in data.get("marked", ())))


@dataclass(frozen=True, slots=True)
class PlaylistReport:
    """The facts of one playlist; media-only members are None on a multivariant playlist."""

    uri: str
    kind: str
    """`media` or `multivariant`."""
    parent: str | None
    load_status: str = "ok"
    """Whether the playlist itself could be read: `ok`, or why its facts are absent:
    `missing`, `unreadable`, `unparsable`. Findings about its content are separate."""
    version: int | None = None
    target_duration: int | None = None
    media_sequence: int | None = None
    playlist_type: str | None = None
    endlist: bool | None = None
    segment_count: int | None = None
    total_duration: float | None = None
    objects: ObjectCounts | None = None
    objects_counted: ObjectCounts | None = None
    """The objects this playlist was the first in its run to ask about: they add up to the
    run's summary, so a merge that drops this entry takes back exactly what it added (a
    key two renditions share, once). None in reports of older versions."""
    variants: tuple[Variant, ...] = ()
    renditions: tuple[Rendition, ...] = ()
    probe: ProbeReport | None = None
    """With --probe, what the segments' own bytes say (media playlists only)."""
    segments: Timeline | None = None
    """Each segment's duration, size and state (media playlists that were read)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "uri": self.uri,
            "kind": self.kind,
            "parent": self.parent,
            "load_status": self.load_status,
            "version": self.version,
            "target_duration": self.target_duration,
            "media_sequence": self.media_sequence,
            "playlist_type": self.playlist_type,
            "endlist": self.endlist,
            "segment_count": self.segment_count,
            "total_duration": self.total_duration,
            "objects": self.objects.to_dict() if self.objects else None,
            "objects_counted": (self.objects_counted.to_dict()
                                if self.objects_counted is not None else None),
            "probe": self.probe.to_dict() if self.probe else None,
            "segments": self.segments.to_dict() if self.segments else None,
        }
        if self.kind == "multivariant":
            data["variants"] = [v.to_dict() for v in self.variants]
            data["renditions"] = [r.to_dict() for r in self.renditions]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlaylistReport:
        """The inverse of `to_dict`."""
        objects, counted = data.get("objects"), data.get("objects_counted")
        return cls(**_members(
            cls, data, objects=ObjectCounts.from_dict(objects) if objects is not None else None,
            objects_counted=ObjectCounts.from_dict(counted) if counted is not None else None,
            variants=tuple(Variant.from_dict(v) for v in data.get("variants", ())),
            renditions=tuple(Rendition.from_dict(r) for r in data.get("renditions", ())),
            probe=ProbeReport.from_dict(data["probe"]) if data.get("probe") else None,
            segments=Timeline.from_dict(data["segments"]) if data.get("segments") else None))


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals over the whole run."""

    playlists: int
    segments: int
    objects_checked: int
    missing: int
    unknown: int
    errors: int
    warnings: int
    infos: int
    playlists_missing: int = 0
    """Playlists a multivariant playlist references that do not exist (counted in
    `playlists`, with no facts of their own)."""

    def to_dict(self) -> dict[str, int]:
        return {
            "playlists": self.playlists,
            "playlists_missing": self.playlists_missing,
            "segments": self.segments,
            "objects_checked": self.objects_checked,
            "missing": self.missing,
            "unknown": self.unknown,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.infos,
        }


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """Why nothing could be inspected (exit code 2)."""

    kind: str
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorInfo:
        """The inverse of `to_dict`."""
        return cls(**_members(cls, data))


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One thing `hlsinspect watch` saw happen to a rendition, and when."""

    time: str
    """ISO 8601, UTC."""
    rendition: str
    """The media playlist it happened to."""
    event: str
    """What happened: started, segments-added, segments-removed, ended, a finding's name."""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "rendition": self.rendition, "event": self.event,
                "detail": self.detail}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimelineEvent:
        return cls(**_members(cls, data))


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one `check` run found; `ok` follows the `--fail-on` threshold.

    Its texts hold no credential: each is `redact`ed when the report is made (see
    uri/redact.py), so no renderer can print one."""

    version: str
    targets: tuple[str, ...]
    playlists: tuple[PlaylistReport, ...] = ()
    findings: tuple[Finding, ...] = ()
    objects: ObjectCounts = ObjectCounts()
    """Unique objects over the whole run (a shared object counts once)."""
    fail_on: Severity = Severity.ERROR
    error: ErrorInfo | None = None
    shard: tuple[int, int] | None = None
    """(K, N) when this run was shard K of N (`--shard K/N`, K from 1); None for a whole run."""
    incomplete: str | None = None
    """Why the run stopped before it was done (Ctrl-C, SIGTERM), when it did: the report
    holds the titles completed before, and is never `ok`."""
    timeline: tuple[TimelineEvent, ...] | None = None
    """What `hlsinspect watch` saw happen, in order; None for every other command."""
    summary: Summary = field(init=False)

    def __post_init__(self) -> None:
        # no credential is ever shown: every text of a report is redacted when it is made,
        # whoever made it (a run, an error, a merge of older reports)
        for name in ("targets", "playlists", "findings", "error", "timeline"):
            object.__setattr__(self, name, with_texts(getattr(self, name), redact))
        counts = {s: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity] += 1
        media = [p for p in self.playlists if p.kind == "media"]
        summary = Summary(
            playlists=len(self.playlists),
            segments=sum(p.segment_count or 0 for p in media),
            objects_checked=self.objects.checked,
            missing=self.objects.missing,
            unknown=self.objects.unknown,
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
            playlists_missing=sum(1 for p in self.playlists if p.load_status == "missing"),
        )
        object.__setattr__(self, "summary", summary)

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Findings at or above the `--fail-on` threshold."""
        return tuple(f for f in self.findings if f.severity.rank >= self.fail_on.rank)

    def by_playlist(self) -> dict[str | None, list[Finding]]:
        """Findings by the playlist they concern: their own, and also the playlist a
        multivariant playlist reports about (a missing or truncated variant)."""
        index: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            index.setdefault(finding.playlist, []).append(finding)
            if finding.uri and finding.uri != finding.playlist and is_playlist_key(finding.uri):
                index.setdefault(finding.uri, []).append(finding)
        return index

    @property
    def ok(self) -> bool:
        return self.error is None and self.incomplete is None and not self.failing

    def to_dict(self) -> dict[str, Any]:
        return {name: list(value) if isinstance(value, Iterator) else value
                for name, value in self.members()}

    def members(self) -> Iterator[tuple[str, Any]]:
        """The document's members in order, the long lists (`playlists`, `findings`) as
        iterators of their entries, so that a writer can encode one entry at a time: the
        whole document as dictionaries is several times the report's own size."""
        yield "schema_version", SCHEMA_VERSION
        yield "tool", {"name": "hlsinspect", "version": self.version}
        yield "ok", self.ok
        yield "fail_on", self.fail_on.value
        yield "shard", ({"index": self.shard[0], "count": self.shard[1]}
                        if self.shard is not None else None)
        yield "targets", list(self.targets)
        yield "playlists", (p.to_dict() for p in self.playlists)
        yield "findings", (f.to_dict() for f in self.findings)
        if self.timeline is not None:
            yield "timeline", (e.to_dict() for e in self.timeline)
        yield "summary", self.summary.to_dict()
        if self.error is not None:
            yield "error", self.error.to_dict()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """The inverse of `to_dict`; `ok` and `summary` are derived again, not read.

        The run's unique object counts come back from the summary (`present` is what is
        neither missing nor unknown). `fail_on` and `shard` may be absent (older reports);
        an `incomplete` report that inspected something stays incomplete.
        """
        summary, shard, error = data["summary"], data.get("shard"), data.get("error")
        checked, missing, unknown = (summary["objects_checked"], summary["missing"],
                                     summary["unknown"])
        return cls(
            version=data["tool"]["version"], targets=tuple(data["targets"]),
            playlists=tuple(PlaylistReport.from_dict(p) for p in data["playlists"]),
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            objects=ObjectCounts(checked, checked - missing - unknown, missing, unknown),
            fail_on=Severity(data.get("fail_on", Severity.ERROR.value)),
            error=ErrorInfo.from_dict(error) if error is not None else None,
            shard=(int(shard["index"]), int(shard["count"])) if shard is not None else None,
            timeline=(tuple(TimelineEvent.from_dict(e) for e in data["timeline"])
                      if data.get("timeline") is not None else None),
            incomplete=(INCOMPLETE if data.get("incomplete") is True and error is None
                        else None))
