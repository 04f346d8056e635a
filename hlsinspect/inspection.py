"""Discoveries in, Report out: check each playlist, verify once per store, judge the titles.

The stages, in order: every new playlist is checked from its text (rules of scope `line`
and `media` or `multivariant`) and its references are resolved by its store; then each store
verifies every key its playlists reference, once; then the objects (scope `object`) and the
titles (scope `title`) are judged, and the facts of every playlist are written down.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, partial

from hlsinspect.bitrate import Measured, measure
from hlsinspect.checks.apply import apply
from hlsinspect.checks.context import Member, ObjectContext, PlaylistContext, TitleContext
from hlsinspect.checks.registry import Selection, finding, priority
from hlsinspect.checks.uris import unfollowed
from hlsinspect.discover import Discovery, Entry, failure_finding
from hlsinspect.errors import HlsInspectError
from hlsinspect.facts import playlist_report
from hlsinspect.references import ObjectRef, ResolvedRef, object_refs, place
from hlsinspect.report import Finding, ObjectCounts, PlaylistReport, Report, Severity
from hlsinspect.storage.base import Existence, ObjectState, Storage
from hlsinspect.verify import Progress, VerifySettings, verify
from hlsinspect.version import __version__


@dataclass
class _Checked:
    """One playlist checked from its text, waiting for its store's verification."""

    entry: Entry
    uri: str
    context: PlaylistContext | None = None
    refs: list[ResolvedRef] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    measured: Measured | None = None


@dataclass
class _Pending:
    found: Discovery
    checked: list[_Checked] = field(default_factory=list)


def object_uri(storage: Storage, playlist_key: str, raw: str) -> str:
    """A URI as written in the playlist at `playlist_key`, as reports name what it points at."""
    where = storage.resolve(playlist_key, raw)
    return storage.uri(where.key) if where.key is not None else raw


class Inspection:
    """Accumulates discoveries, verifies their objects once per store, builds the report."""

    def __init__(self, verify_settings: VerifySettings, fail_on: Severity,
                 progress: Progress | None, *, selection: Selection | None = None,
                 raise_errors: bool = False) -> None:
        self.verify_settings = verify_settings
        self.fail_on = fail_on
        self.progress = progress
        self.selection = selection or Selection()
        self.raise_errors = raise_errors
        self.pending: list[_Pending] = []
        self.failures: list[Finding] = []
        self.seen: set[str] = set()

    def add(self, found: Discovery) -> None:
        """Check every new playlist of a discovery from its text; resolve its references."""
        pending = _Pending(found)
        parsed = {found.storage.uri(e.loaded.key): e.loaded.playlist for e in found.entries}
        for entry in found.entries:
            uri = found.storage.uri(entry.loaded.key)
            if uri in self.seen:
                continue
            self.seen.add(uri)
            checked = _Checked(entry, uri)
            parent = parsed.get(entry.parent) if entry.parent else None
            imported = parent.variables() if parent is not None else {}
            checked.findings = self._guarded(
                uri, partial(self._static, found.storage, checked, imported))
            pending.checked.append(checked)
        self.pending.append(pending)

    def add_failure(self, failure: HlsInspectError) -> None:
        """One of several targets could not be inspected; the others were."""
        self.failures.append(finding("target-not-inspected", failure.message, playlist=None,
                                     hint=failure.hint))

    def _guarded(self, uri: str | None, work: Callable[[], list[Finding]]) -> list[Finding]:
        try:
            return work()
        except Exception as exc:
            if self.raise_errors:
                raise
            return [finding("internal-error", f"checking stopped on {type(exc).__name__}: "
                            f"{exc}", playlist=uri)]

    def _static(self, storage: Storage, checked: _Checked,
                imported: dict[str, str]) -> list[Finding]:
        """Rules that need only the text; the references resolved, byte ranges placed."""
        loaded, uri = checked.entry.loaded, checked.uri
        if loaded.parse_failure is not None:
            return [finding("playlist-parse-error", loaded.parse_failure.message,
                            playlist=uri, line=loaded.parse_failure.line,
                            hint=RULE_HINT_PARSE)]
        if loaded.error is not None:
            parent = checked.entry.parent
            return [failure_finding(storage, loaded, uri)] if parent is None else []
        playlist = loaded.playlist
        assert playlist is not None
        # findings name objects through the store, once per distinct URI of the playlist
        named = cache(partial(object_uri, storage, loaded.key))
        context = PlaylistContext(playlist, uri, named,
                                  self.selection.profile)
        checked.context = context
        found = self._apply("line", context, uri)
        found += self._apply("multivariant" if playlist.is_multivariant else "media",
                             context, uri)
        resolved: list[tuple[ObjectRef, str | None]] = []
        for ref in object_refs(playlist, playlist.variables(imported)):
            where = storage.resolve(loaded.key, ref.uri)
            if where.key is None and ref.fetched:
                found.append(unfollowed(LABELS[ref.kind], ref.uri, where, uri, ref.line,
                                        local=storage.bucket is None))
            resolved.append((ref, where.key))
        checked.refs, problems = place(resolved)
        found += [finding("byterange-invalid", p.message, playlist=uri, line=p.ref.line,
                          uri=object_uri(storage, loaded.key, p.ref.uri)) for p in problems]
        return found

    def _apply(self, scope: str, context: object, uri: str | None) -> list[Finding]:
        return apply(scope, context, self.selection, uri,  # type: ignore[arg-type]
                     raise_errors=self.raise_errors)

    def _verify(self) -> dict[int, dict[str, ObjectState]]:
        """One pass per store over every key any target there references."""
        stores: dict[int, list[_Pending]] = {}
        for pending in self.pending:
            stores.setdefault(id(pending.found.storage), []).append(pending)
        states: dict[int, dict[str, ObjectState]] = {}
        for ident, group in stores.items():
            keys = {r.key for p in group for c in p.checked for r in c.refs}
            listings = [p.found.listing for p in group if p.found.listing is not None]
            states[ident] = verify(group[0].found.storage, keys, self.verify_settings,
                                   self.progress, listings)
        return states

    def report(self, targets: tuple[str, ...]) -> Report:
        states = self._verify()
        playlists: list[PlaylistReport] = []
        findings: list[Finding] = []
        for pending in self.pending:
            known = states[id(pending.found.storage)]
            for checked in pending.checked:
                checked.findings += self._guarded(
                    checked.uri, partial(self._objects, pending.found.storage, checked, known))
            titles = self._titles(pending)
            for checked in pending.checked:
                counts = _counts(checked.refs, known)
                title = titles.get(checked.entry.loaded.key)
                playlists.append(playlist_report(pending.found.storage, checked.entry, counts,
                                                 title))
            findings.extend(pending.found.findings)
            for checked in pending.checked:
                findings.extend(checked.findings)
            for key, title in titles.items():
                uri = pending.found.storage.uri(key)
                findings.extend(self._guarded(uri, partial(self._apply, "title", title, uri)))
        findings.extend(self.failures)
        totals = Counter(state.existence for known in states.values()
                         for state in known.values())
        kept = [f for f in dict.fromkeys(findings) if self.selection.admits(f)]
        return Report(
            version=__version__, targets=targets, playlists=tuple(playlists),
            findings=tuple(sorted(kept, key=priority)),
            objects=ObjectCounts(checked=sum(totals.values()),
                                 present=totals[Existence.PRESENT],
                                 missing=totals[Existence.MISSING],
                                 unknown=totals[Existence.UNKNOWN]),
            fail_on=self.fail_on)

    def _objects(self, storage: Storage, checked: _Checked,
                 known: Mapping[str, ObjectState]) -> list[Finding]:
        context = checked.context
        if context is None:
            return []
        if not context.playlist.is_multivariant:
            checked.measured = measure(context.playlist, checked.refs, known)
        return self._apply("object", ObjectContext(context, checked.refs, known, storage.uri,
                                                   checked.measured), checked.uri)

    def _titles(self, pending: _Pending) -> dict[str, TitleContext]:
        """A title context for every parsed multivariant playlist, by key."""
        found = pending.found
        by_key = {c.entry.loaded.key: c for c in pending.checked}
        loaded = {e.loaded.key: e.loaded for e in found.entries}
        titles: dict[str, TitleContext] = {}
        for master, children in found.children.items():
            checked = by_key.get(master)
            if checked is None or checked.context is None:
                continue
            members = []
            for ref, key in children:
                child = loaded.get(key)
                measured = by_key[key].measured if key in by_key else None
                members.append(Member(ref.role, found.storage.uri(key), ref.tag,
                                      child.playlist if child is not None else None, measured))
            titles[master] = TitleContext(checked.context, members)
        return titles


def _counts(refs: list[ResolvedRef], known: Mapping[str, ObjectState]) -> ObjectCounts | None:
    if not refs:
        return None
    keys = dict.fromkeys(r.key for r in refs)
    counts = Counter(known[k].existence for k in keys if k in known)
    return ObjectCounts(checked=sum(counts.values()), present=counts[Existence.PRESENT],
                        missing=counts[Existence.MISSING], unknown=counts[Existence.UNKNOWN])


LABELS = {"segment": "segment", "init": "init segment", "key": "key",
          "part": "partial segment", "preload-hint": "preload hint",
          "session-data": "session data"}
RULE_HINT_PARSE = "is this the playlist? hlsinspect show prints what is stored"
