"""targets -> discover -> parse -> check -> verify -> Report. Never prints, never exits.

The engine returns a `Report` or raises `HlsInspectError` when nothing could be inspected;
every other problem, however bad, is a finding, so the rest of the report is always produced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hlsinspect import __version__
from hlsinspect.checks.media import byterange_findings, check_media
from hlsinspect.checks.objects import ResolvedRef, check_objects
from hlsinspect.checks.registry import make_finding
from hlsinspect.checks.title import Member, check_title
from hlsinspect.discover import Discovery, Entry, discover
from hlsinspect.errors import HlsInspectError, UsageError
from hlsinspect.facts import playlist_report
from hlsinspect.locations import Target, parse_target, resolve
from hlsinspect.references import object_refs
from hlsinspect.report import Finding, ObjectCounts, PlaylistReport, Report, Severity
from hlsinspect.storage.base import Existence, ObjectState, Storage, StorageError
from hlsinspect.storage.local import LocalStorage
from hlsinspect.verify import Progress, VerifySettings, verify


@dataclass(frozen=True)
class S3Options:
    """How to reach S3; None means boto3's defaults (environment, profile, SSO, role)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True)
class Settings:
    verify: VerifySettings = field(default_factory=VerifySettings)
    fail_on: Severity = Severity.ERROR


StorageFactory = Callable[[Target], Storage]


def inspect(
    targets: Sequence[str],
    *,
    bucket: str | None = None,
    settings: Settings = Settings(),
    s3: S3Options = S3Options(),
    progress: Progress | None = None,
) -> Report:
    """Inspect every target; raise HlsInspectError only when nothing could be inspected."""
    # the same playlist or prefix named twice, in any form, is inspected once
    parsed = list(dict.fromkeys(parse_target(text, bucket) for text in targets))
    stores: dict[tuple[str | None, str | None], Storage] = {}

    def storage_for(target: Target) -> Storage:
        ident = (target.bucket, target.root)
        if ident not in stores:
            stores[ident] = _make_storage(target, s3, settings.verify.concurrency)
        return stores[ident]

    discoveries: list[Discovery] = []
    failures: list[HlsInspectError] = []
    for target in parsed:
        try:
            storage = storage_for(target)
            discoveries.append(discover(storage, target, settings.verify.concurrency))
        except HlsInspectError as exc:
            failures.append(exc)
    if failures and not discoveries:
        raise failures[0]
    inspection = _Inspection(settings, progress)
    for discovery in discoveries:
        inspection.add(discovery)
    for failure in failures:
        inspection.findings.append(make_finding(
            "playlist-unreadable", f"target not inspected: {failure.message}", playlist=None))
    return inspection.report(tuple(targets))


def read_playlist(text: str, bucket: str | None, s3: S3Options) -> bytes:
    """The bytes of one playlist, as stored, for `hlsinspect show`."""
    target = parse_target(text, bucket)
    if target.mode == "prefix":
        raise UsageError(f"{text!r} is a prefix or directory; show prints one playlist")
    storage = _make_storage(target, s3, 4)
    try:
        return storage.read(target.key)
    except StorageError as exc:
        raise HlsInspectError(exc.message, hint=exc.hint, kind=exc.kind.value) from exc


def _make_storage(target: Target, s3: S3Options, concurrency: int) -> Storage:
    if target.root is not None:
        return LocalStorage(target.root)
    from hlsinspect.storage.s3 import S3Storage

    assert target.bucket is not None
    try:
        return S3Storage(target.bucket, profile=s3.profile, region=s3.region,
                         endpoint_url=s3.endpoint_url, concurrency=concurrency)
    except StorageError as exc:
        raise HlsInspectError(exc.message, hint=exc.hint, kind=exc.kind.value) from exc


class _Inspection:
    """Accumulates discoveries, verifies their objects per store, and builds the report."""

    def __init__(self, settings: Settings, progress: Progress | None) -> None:
        self.settings = settings
        self.progress = progress
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
            findings[uri] = self._static(storage, entry, refs.setdefault(uri, []))
        keys = {item.key for items in refs.values() for item in items}
        states = verify(storage, keys, self.settings.verify, self.progress)
        for state in states.values():
            self.totals[state.existence] += 1
        for entry in entries:
            uri = storage.uri(entry.loaded.key)
            counts = None
            playlist = entry.loaded.playlist
            if playlist is not None and not playlist.is_multivariant:
                object_findings, counts = check_objects(refs[uri], states, uri, storage.uri)
                findings[uri].extend(object_findings)
            self.playlists.append(playlist_report(storage, entry, counts))
        self.findings.extend(found.findings)
        for uri in findings:
            self.findings.extend(findings[uri])
        self.findings.extend(_titles(found))

    def _static(self, storage: Storage, entry: Entry, refs: list[ResolvedRef]) -> list[Finding]:
        """Findings from the playlist's text alone; fills `refs` with what to verify."""
        loaded, uri = entry.loaded, storage.uri(entry.loaded.key)
        if loaded.parse_failure is not None:
            return [make_finding("playlist-parse-error", loaded.parse_failure.message,
                                 playlist=uri, line=loaded.parse_failure.line)]
        if loaded.error is not None and entry.parent is None:
            name = "playlist-missing" if loaded.status == "missing" else "playlist-unreadable"
            hint = f"; {loaded.error.hint}" if loaded.error.hint else ""
            return [make_finding(name, loaded.error.message + hint, playlist=uri)]
        playlist = loaded.playlist
        if playlist is None or playlist.is_multivariant:
            return []

        def to_uri(raw: str) -> str | None:
            where = resolve(loaded.key, raw, storage.bucket)
            return storage.uri(where.key) if where.key is not None else raw

        found = check_media(playlist, uri, to_uri)
        object_list, problems = object_refs(playlist)
        found.extend(byterange_findings(problems, uri, to_uri))
        for ref in object_list:
            where = resolve(loaded.key, ref.uri, storage.bucket)
            if where.key is not None:
                refs.append(ResolvedRef(ref, where.key))
            elif where.escapes:
                found.append(make_finding(
                    "uri-escapes-root",
                    f"{ref.kind} URI {ref.uri!r} climbs above the root of the store with '..'",
                    playlist=uri, uri=ref.uri, line=ref.line))
            else:
                found.append(make_finding(
                    "external-uri-not-checked",
                    f"{ref.kind} URI {ref.uri!r} is {where.external}: not fetched",
                    playlist=uri, uri=ref.uri, line=ref.line))
        return found

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
            fail_on=self.settings.fail_on,
        )


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


__all__ = ["HlsInspectError", "ObjectState", "S3Options", "Settings", "inspect", "read_playlist"]
