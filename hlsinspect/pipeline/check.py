"""Stage 3, check: each new playlist judged from its text, its references resolved to keys.

Rules of scope `line`, and `media` or `multivariant`, need only the playlist's text; the
references it makes are resolved once, by the playlist's store, and byte ranges are placed.
What a title's playlists reference is then the set of keys the verify stage asks about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial

from hlsinspect.bitrate import Measured
from hlsinspect.checks.apply import apply
from hlsinspect.checks.context import PlaylistContext
from hlsinspect.checks.registry import Scope, Selection, finding
from hlsinspect.checks.uris import Unresolved, unfollowed
from hlsinspect.pipeline.fetch import Entry, Fetched, failure_finding
from hlsinspect.playlists import query_values
from hlsinspect.references import (
    ObjectRef,
    ResolvedRef,
    locate,
    object_refs,
    place,
    range_reference,
)
from hlsinspect.report import Finding
from hlsinspect.storage.base import Existence, ObjectState, Storage, read_from

LABELS = {"segment": "segment", "init": "init segment", "key": "key",
          "part": "partial segment", "preload-hint": "preload hint",
          "session-data": "session data"}
PARSE_HINT = "is this the playlist? hlsinspect show prints what is stored"


@dataclass(frozen=True)
class Rules:
    """Which rules run, and whether a crashing one stops the run (--debug) or is a finding."""

    selection: Selection = field(default_factory=Selection)
    raise_errors: bool = False

    def apply(self, scope: Scope, context: object, uri: str | None) -> list[Finding]:
        return apply(scope, context, self.selection, uri, raise_errors=self.raise_errors)

    def guarded(self, uri: str | None, work: Callable[[], list[Finding]]) -> list[Finding]:
        """`work()`, or an internal-error finding when hlsinspect itself fails on it."""
        try:
            return work()
        except Exception as exc:
            if self.raise_errors:
                raise
            return [finding("internal-error", f"checking stopped on {type(exc).__name__}: "
                            f"{exc}", playlist=uri)]


@dataclass
class Checked:
    """One playlist checked from its text, waiting for its title's verification."""

    entry: Entry
    uri: str
    context: PlaylistContext | None = None
    refs: list[ResolvedRef] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    measured: Measured | None = None
    unknown: dict[str, ObjectState] = field(default_factory=dict)
    """Objects whose URI holds a variable with no known value, already known to be
    unverifiable: the verify stage does not ask about them."""


def object_uri(storage: Storage, playlist_key: str, raw: str) -> str:
    """A URI as written in the playlist at `playlist_key`, as reports name what it points at."""
    where = storage.resolve(playlist_key, raw)
    return storage.uri(where.key) if where.key is not None else raw


def check_title(found: Fetched, rules: Rules, seen: set[str],
                reclaim: Callable[[str], bool] = lambda uri: False) -> list[Checked]:
    """Every playlist of the title not already checked (by an earlier title or target);
    a child already checked on its own is checked again under its parent when `reclaim`
    takes it back from where it was reported."""
    storage = found.storage
    parsed = {storage.uri(e.loaded.key): e.loaded for e in found.entries}
    checked: list[Checked] = []
    for entry in found.entries:
        uri = storage.uri(entry.loaded.key)
        if uri in seen and not (entry.parent is not None and reclaim(uri)):
            continue
        seen.add(uri)
        item = Checked(entry, uri)
        parent = parsed.get(entry.parent) if entry.parent else None
        imported = (parent.playlist.variables(
            query=query_values(read_from(storage, parent.key)))
            if parent is not None and parent.playlist is not None else None)
        item.findings = rules.guarded(uri, partial(_text, storage, item, imported, rules))
        checked.append(item)
    return checked


def _text(storage: Storage, checked: Checked, imported: dict[str, str] | None,
          rules: Rules) -> list[Finding]:
    """Rules that need only the text; the references resolved, byte ranges placed."""
    loaded, uri = checked.entry.loaded, checked.uri
    if loaded.parse_failure is not None:
        return [finding("playlist-parse-error", loaded.parse_failure.message,
                        playlist=uri, line=loaded.parse_failure.line, hint=PARSE_HINT)]
    if loaded.error is not None:
        return [failure_finding(storage, loaded, uri)] if checked.entry.parent is None else []
    playlist = loaded.playlist
    assert playlist is not None
    # findings name objects through the store, once per distinct URI of the playlist
    named = cache(partial(object_uri, storage, loaded.key))
    context = PlaylistContext(playlist, uri, named, rules.selection.profile)
    checked.context = context
    found = rules.apply("line", context, uri)
    found += rules.apply("multivariant" if playlist.is_multivariant else "media", context, uri)
    resolved: list[tuple[ObjectRef, str | None]] = []
    location = read_from(storage, loaded.key)
    unknowns = Unresolved(playlist, uri, location, imported is not None)
    variables = playlist.variables(imported, query_values(location))
    for ref in object_refs(playlist, variables):
        located = locate(partial(storage.resolve, loaded.key), ref.uri, ref.unresolved)
        where = located.where
        unknowns.add(ref.unresolved, ref.line, located.known)
        if where.key is None and ref.fetched:
            found.append(unfollowed(LABELS[ref.kind], ref.uri, where, uri, ref.line,
                                    local=storage.bucket is None))
        elif where.key is not None and not located.known and ref.fetched:
            checked.unknown[where.key] = ObjectState(
                Existence.UNKNOWN, reason=unknowns.why(ref.unresolved))
        resolved.append((ref, where.key))
    found += unknowns.findings("object")
    checked.refs, problems = place(resolved)
    found += [finding("byterange-invalid", p.message, playlist=uri, line=p.ref.line,
                      uri=object_uri(storage, loaded.key, p.ref.uri),
                      reference=range_reference(p.ref.kind)) for p in problems]
    return found

