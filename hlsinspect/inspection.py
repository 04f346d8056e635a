"""Discoveries in, Report out: per-playlist checks, one verification pass per store, titles.

A check that crashes on one playlist becomes an `internal-error` finding on that playlist
(unless `raise_errors`), so a bug in one rule cannot cost the user the whole report.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from hlsinspect import __version__
from hlsinspect.checks.media import byterange_findings, check_media, check_structure
from hlsinspect.checks.objects import ResolvedRef, check_objects
from hlsinspect.checks.registry import make_finding
from hlsinspect.checks.title import Member, check_title
from hlsinspect.discover import Discovery, Entry, failure_finding
from hlsinspect.errors import HlsInspectError
from hlsinspect.facts import object_uri, playlist_report
from hlsinspect.locations import resolve
from hlsinspect.references import ObjectRef, key_refs, object_refs
from hlsinspect.report import Finding, ObjectCounts, PlaylistReport, Report, Severity
from hlsinspect.storage.base import Existence, Storage
from hlsinspect.verify import Progress, VerifySettings, verify


class Inspection:
    """Accumulates discoveries, verifies their objects per store, and builds the report."""

    def __init__(self, verify_settings: VerifySettings, fail_on: Severity,
                 progress: Progress | None, *, raise_errors: bool = False) -> None:
        self.verify_settings = verify_settings
        self.fail_on = fail_on
        self.progress = progress
        self.raise_errors = raise_errors
        self.findings: list[Finding] = []
        self.playlists: list[PlaylistReport] = []
        self.seen: set[str] = set()
        self.totals = {e: 0 for e in Existence}

    def add(self, found: Discovery) -> None:
        storage = found.storage
        entries = [e for e in found.entries if storage.uri(e.loaded.key) not in self.seen]
        self.seen.update(storage.uri(e.loaded.key) for e in entries)
        refs: dict[str, list[ResolvedRef]] = {}
        findings: dict[str, list[Finding]] = {}
        for entry in entries:
            uri = storage.uri(entry.loaded.key)
            queue = refs.setdefault(uri, [])
            findings[uri] = self._guarded(uri, partial(_static, storage, entry, queue))
        keys = {item.key for items in refs.values() for item in items}
        listings = [found.listing] if found.listing is not None else []
        states = verify(storage, keys, self.verify_settings, self.progress, listings)
        for state in states.values():
            self.totals[state.existence] += 1
        for entry in entries:
            uri = storage.uri(entry.loaded.key)
            counts = None
            if refs.get(uri):
                found_here, counts = check_objects(refs[uri], states, uri, storage.uri)
                findings[uri].extend(found_here)
            if entry.loaded.playlist is not None and entry.loaded.playlist.is_multivariant:
                counts = None  # objects is a media-only member of the report
            self.playlists.append(playlist_report(storage, entry, counts))
        self.findings.extend(found.findings)
        for uri in findings:
            self.findings.extend(findings[uri])
        self.findings.extend(self._guarded(None, lambda: _titles(found)))

    def add_failure(self, failure: HlsInspectError) -> None:
        """One of several targets could not be inspected; the others were."""
        hint = f"; {failure.hint}" if failure.hint else ""
        self.findings.append(make_finding(
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

    def report(self, targets: tuple[str, ...]) -> Report:
        totals = self.totals
        return Report(
            version=__version__,
            targets=targets,
            playlists=tuple(self.playlists),
            findings=tuple(dict.fromkeys(self.findings)),
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
    where = resolve(key, ref.uri, storage.bucket)
    if where.key is not None:
        refs.append(ResolvedRef(ref, where.key))
        return []
    if where.escapes:
        return [make_finding(
            "uri-escapes-root",
            f"{ref.kind} URI {ref.uri!r} climbs above the root of the store with '..'",
            playlist=uri, uri=ref.uri, line=ref.line)]
    if where.invalid:
        return [make_finding("uri-invalid", f"{ref.kind} URI {ref.uri!r}: {where.invalid}",
                             playlist=uri, uri=ref.uri, line=ref.line)]
    return [make_finding(
        "external-uri-not-checked", f"{ref.kind} URI {ref.uri!r} is {where.external}: not fetched",
        playlist=uri, uri=ref.uri, line=ref.line)]


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
