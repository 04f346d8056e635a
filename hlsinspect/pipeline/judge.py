"""Stage 5, judge: a verified title's objects and the title as a whole, down to its results.

With every referenced object's state known, the rules of scope `object` (sizes, byte ranges,
bit rates), `probe` (what --probe read from the segments) and `title` (the variants of a
multivariant playlist together) run, and the facts
of every playlist are written down. What leaves this stage is small, final data: the parsed
playlists and object states of the title are dropped with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from hlsinspect.bitrate import measure
from hlsinspect.checks.context import Member, ObjectContext, TitleContext
from hlsinspect.checks.probed import PlaylistProbe, ProbeContext
from hlsinspect.pipeline.check import Checked, Rules
from hlsinspect.pipeline.facts import playlist_report, probe_report, timeline
from hlsinspect.pipeline.fetch import Fetched
from hlsinspect.references import ResolvedRef
from hlsinspect.report import Finding, ObjectCounts, PlaylistReport, Timeline
from hlsinspect.settings import ProbeSettings
from hlsinspect.storage.base import Existence, ObjectState, Storage


@dataclass
class TitleResult:
    """What one title adds to the report."""

    playlists: list[PlaylistReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    objects: Counter[Existence] = field(default_factory=Counter)
    """States of the objects this title was the first to ask about."""

    def drop(self, uri: str) -> None:
        """Forget a media playlist reported on its own, and its findings: a multivariant
        playlist of a later title references it, and reports it under itself."""
        self.playlists = [p for p in self.playlists if not (p.uri == uri and p.parent is None)]
        self.findings = [f for f in self.findings if f.playlist != uri]


def judge(found: Fetched, checked: list[Checked], known: Mapping[str, ObjectState],
          rules: Rules, probes: Mapping[str, PlaylistProbe] | None = None,
          probing: ProbeSettings | None = None) -> TitleResult:
    storage = found.storage
    result = TitleResult()
    probes = probes or {}
    probing = probing or ProbeSettings()
    for item in checked:
        item.findings += rules.guarded(item.uri, partial(_objects, storage, item, known, rules))
        probe = probes.get(item.uri)
        if probe is not None and item.context is not None:
            context = ProbeContext(item.context, probe, probing.tolerance, probing.gap)
            item.findings += rules.guarded(item.uri, partial(rules.apply, "probe", context,
                                                             item.uri))
    _unasked(found, checked, probes)
    titles = _titles(found, checked)
    reports = {uri: probe_report(probing.mode, probe) for uri, probe in probes.items()}
    for item in checked:
        title = titles.get(item.entry.loaded.key)
        result.playlists.append(playlist_report(storage, item.entry, _counts(item.refs, known),
                                                title, reports, _timeline(storage, item, known)))
    result.findings.extend(found.title.findings)
    result.findings.extend(found.findings)
    for item in checked:
        result.findings.extend(item.findings)
    for key, title in titles.items():
        uri = storage.uri(key)
        result.findings.extend(rules.guarded(uri, partial(rules.apply, "title", title, uri)))
    return result


INDEPENDENT_TAG_MISSING = "apple-independent-segments-missing"


def _unasked(found: Fetched, checked: list[Checked],
             probes: Mapping[str, PlaylistProbe]) -> None:
    """Take back the request for EXT-X-INDEPENDENT-SEGMENTS from a multivariant playlist
    whose probed segments do not all start independently: the tag would be a false claim
    there (the segments that do not are findings of their own). Without a probe it stands."""
    storage = found.storage
    for item in checked:
        if not any(f.name == INDEPENDENT_TAG_MISSING for f in item.findings):
            continue
        children = found.children.get(item.entry.loaded.key, [])
        if any(segment.found is not None and segment.found.keyframe is False
               for _, key in children
               for segment in (probes[storage.uri(key)].segments
                               if storage.uri(key) in probes else [])):
            item.findings = [f for f in item.findings if f.name != INDEPENDENT_TAG_MISSING]


def _objects(storage: Storage, checked: Checked, known: Mapping[str, ObjectState],
             rules: Rules) -> list[Finding]:
    context = checked.context
    if context is None:
        return []
    if not context.playlist.is_multivariant:
        checked.measured = measure(context.playlist, checked.refs, known)
    return rules.apply("object", ObjectContext(context, checked.refs, known, storage.uri,
                                               checked.measured), checked.uri)


def _titles(found: Fetched, checked: list[Checked]) -> dict[str, TitleContext]:
    """A title context for every parsed multivariant playlist, by key."""
    by_key = {c.entry.loaded.key: c for c in checked}
    loaded = {e.loaded.key: e.loaded for e in found.entries}
    titles: dict[str, TitleContext] = {}
    for master, children in found.children.items():
        item = by_key.get(master)
        if item is None or item.context is None:
            continue
        members = []
        for ref, key in children:
            child = loaded.get(key)
            measured = by_key[key].measured if key in by_key else None
            members.append(Member(ref.role, found.storage.uri(key), ref.tag,
                                  child.playlist if child is not None else None, measured))
        titles[master] = TitleContext(item.context, members)
    return titles


def _timeline(storage: Storage, item: Checked,
              known: Mapping[str, ObjectState]) -> Timeline | None:
    playlist = item.context.playlist if item.context is not None else None
    if playlist is None or playlist.is_multivariant:
        return None
    suspicious = {f.uri for f in item.findings if f.name == "segment-suspicious" and f.uri}
    return timeline(storage, playlist, item.refs, known, suspicious)


def _counts(refs: list[ResolvedRef], known: Mapping[str, ObjectState]) -> ObjectCounts | None:
    if not refs:
        return None
    keys = dict.fromkeys(r.key for r in refs)
    counts = Counter(known[k].existence for k in keys if k in known)
    return ObjectCounts(checked=sum(counts.values()), present=counts[Existence.PRESENT],
                        missing=counts[Existence.MISSING], unknown=counts[Existence.UNKNOWN])
