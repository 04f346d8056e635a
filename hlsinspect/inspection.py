"""Discoveries in, Report out: per-playlist checks, one verification pass per store, titles.

A check that crashes on one playlist becomes an `internal-error` finding on that playlist
(unless `raise_errors`), so a bug in one rule cannot cost the user the whole report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from hlsinspect import __version__
from hlsinspect.checks.media import byterange_findings, check_media, check_structure
from hlsinspect.checks.objects import ResolvedRef, check_objects
from hlsinspect.checks.registry import make_finding
from hlsinspect.checks.title import Member, check_title
from hlsinspect.checks.uris import unfollowed
from hlsinspect.discover import Discovery, Entry, failure_finding
from hlsinspect.errors import HlsInspectError
from hlsinspect.facts import object_uri, playlist_report
from hlsinspect.references import ObjectRef, key_refs, object_refs
from hlsinspect.report import Finding, ObjectCounts, PlaylistReport, Report, Severity
from hlsinspect.storage.base import Existence, ObjectState, Storage
from hlsinspect.verify import Progress, VerifySettings, verify


@dataclass
class _Pending:
    """One discovery, checked from its text, waiting for its store's verification pass."""

    found: Discovery
    entries: list[Entry]
    refs: dict[str, list[ResolvedRef]] = field(default_factory=dict)
    findings: dict[str, list[Finding]] = field(default_factory=dict)


class Inspection:
    """Accumulates discoveries, verifies their objects once per store, builds the report."""

    def __init__(self, verify_settings: VerifySettings, fail_on: Severity,
                 progress: Progress | None, *, raise_errors: bool = False) -> None:
        self.verify_settings = verify_settings
        self.fail_on = fail_on
        self.progress = progress
        self.raise_errors = raise_errors
        self.pending: list[_Pending] = []
        self.failures: list[Finding] = []
        self.seen: set[str] = set()

    def add(self, found: Discovery) -> None:
        """Check every new playlist of a discovery from its text; queue what to verify."""
        storage = found.storage
        entries = [e for e in found.entries if storage.uri(e.loaded.key) not in self.seen]
        self.seen.update(storage.uri(e.loaded.key) for e in entries)
        pending = _Pending(found, entries)
        for entry in entries:
            uri = storage.uri(entry.loaded.key)
            queue = pending.refs.setdefault(uri, [])
            pending.findings[uri] = self._guarded(uri, partial(_static, storage, entry, queue))
        self.pending.append(pending)

    def add_failure(self, failure: HlsInspectError) -> None:
        """One of several targets could not be inspected; the others were."""
        hint = f"; {failure.hint}" if failure.hint else ""
        self.failures.append(make_finding(
            "target-not-inspected", failure.message + hint, playlist=None))

    def _guarded(self, uri: str | None, work: Callable[[], list[Finding]]) -> list[Finding]:
        try:
            return work()
        except Exception as exc:
            if self.raise_errors:
                raise
            return [make_finding(
                "internal-error", f"checking stopped on {type(exc).__name__}: {exc}",
                playlist=uri)]

    def _verify(self) -> dict[int, dict[str, ObjectState]]:
        """One pass per store over every key any target there references."""
        stores: dict[int, list[_Pending]] = {}
        for pending in self.pending:
            stores.setdefault(id(pending.found.storage), []).append(pending)
        states: dict[int, dict[str, ObjectState]] = {}
        for ident, group in stores.items():
            keys = {item.key for p in group for items in p.refs.values() for item in items}
            listings = [p.found.listing for p in group if p.found.listing is not None]
            states[ident] = verify(group[0].found.storage, keys, self.verify_settings,
                                   self.progress, listings)
        return states

    def report(self, targets: tuple[str, ...]) -> Report:
        states = self._verify()
        playlists: list[PlaylistReport] = []
        findings: list[Finding] = []
        for pending in self.pending:
            storage = pending.found.storage
            known = states[id(storage)]
            for entry in pending.entries:
                uri = storage.uri(entry.loaded.key)
                counts = None
                if pending.refs.get(uri):
                    found_here, counts = check_objects(pending.refs[uri], known, uri, storage.uri)
                    pending.findings[uri].extend(found_here)
                if entry.loaded.playlist is not None and entry.loaded.playlist.is_multivariant:
                    counts = None  # objects is a media-only member of the report
                playlists.append(playlist_report(storage, entry, counts))
            findings.extend(pending.found.findings)
            for items in pending.findings.values():
                findings.extend(items)
            findings.extend(self._guarded(None, partial(_titles, pending.found)))
        findings.extend(self.failures)
        totals = Counter(state.existence for known in states.values()
                         for state in known.values())
        return Report(
            version=__version__,
            targets=targets,
            playlists=tuple(playlists),
            findings=tuple(dict.fromkeys(findings)),
            objects=ObjectCounts(
                checked=sum(totals.values()),
                present=totals[Existence.PRESENT],
                missing=totals[Existence.MISSING],
                unknown=totals[Existence.UNKNOWN],
            ),
            fail_on=self.fail_on,
        )


def _static(storage: Storage, entry: Entry, refs: list[ResolvedRef]) -> list[Finding]:
    """Findings from the playlist's text alone; fills `refs` with what to verify."""
    loaded, uri = entry.loaded, storage.uri(entry.loaded.key)
    if loaded.parse_failure is not None:
        return [make_finding("playlist-parse-error", loaded.parse_failure.message,
                             playlist=uri, line=loaded.parse_failure.line)]
    if loaded.error is not None:
        return [failure_finding(storage, loaded, uri)] if entry.parent is None else []
    playlist = loaded.playlist
    assert playlist is not None
    found = check_structure(playlist, uri)
    if playlist.is_multivariant:
        wanted = key_refs(playlist.parsed.session_keys, playlist)
    else:
        def to_uri(raw: str) -> str:
            return object_uri(storage, loaded.key, raw)

        found.extend(check_media(playlist, uri, to_uri))
        wanted, problems = object_refs(playlist)
        found.extend(byterange_findings(problems, uri, to_uri))
    for ref in wanted:
        found.extend(_place(storage, loaded.key, uri, ref, refs))
    return found


def _place(storage: Storage, key: str, uri: str, ref: ObjectRef,
           refs: list[ResolvedRef]) -> list[Finding]:
    """Queue the reference for verification, or say why it will not be verified."""
    where = storage.resolve(key, ref.uri)
    if where.key is not None:
        refs.append(ResolvedRef(ref, where.key))
        return []
    return [unfollowed(ref.kind, ref.uri, where, uri, ref.line, local=storage.bucket is None)]


def _titles(found: Discovery) -> list[Finding]:
    """Cross-variant rules for every multivariant playlist with parsed media children."""
    by_key = {e.loaded.key: e.loaded for e in found.entries}
    findings: list[Finding] = []
    for master, children in found.children.items():
        members: list[Member] = []
        seen: set[str] = set()
        for ref, key in children:
            loaded = by_key.get(key)
            if key in seen or loaded is None or loaded.playlist is None:
                continue
            if loaded.playlist.is_multivariant:
                continue
            seen.add(key)
            members.append(Member(ref.role, found.storage.uri(key), loaded.playlist))
        findings.extend(check_title(found.storage.uri(master), members))
    return findings
