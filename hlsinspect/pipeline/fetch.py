"""Stage 2, fetch: a title's playlists, read and parsed, and every playlist they reference.

Each playlist is fetched once, even when several entries point at it; the children of a
multivariant playlist are fetched concurrently; a reference back into the current chain of
multivariant playlists is reported as a loop and not followed. A name is not enough to know
a playlist: `q.m3u8?1`, `%71.m3u8` and `x%2F..%2F/q.m3u8` may all serve the same bytes, so a
playlist whose bytes are those of one in the chain is a loop too, and a multivariant playlist
already followed under another name is not followed again. Whatever the names, a title
reads at most `limits.MAX_PLAYLISTS_PER_TITLE` playlists by following references (and a run
`limits.MAX_PLAYLISTS_PER_RUN`): past it, title-too-large. A child that is missing,
unreadable or unparsable becomes an entry with that status and a finding, never an exception,
so one broken variant cannot hide the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial

from hlsinspect import limits
from hlsinspect.checks.registry import finding
from hlsinspect.checks.uris import Unresolved, unfollowed
from hlsinspect.errors import HlsInspectError, NoPlaylistError, error_for
from hlsinspect.pipeline.titles import Title
from hlsinspect.playlists import ParseFailure, Playlist, parse, query_values
from hlsinspect.references import PlaylistRef, locate, playlist_refs
from hlsinspect.report import Finding
from hlsinspect.storage.base import ErrorKind, Storage, StorageError, read_from
from hlsinspect.storage.workers import map_concurrently
from hlsinspect.uri.keys import directory_of


@dataclass
class Loaded:
    """The outcome of fetching and parsing one playlist."""

    key: str
    playlist: Playlist | None = None
    error: StorageError | None = None
    parse_failure: ParseFailure | None = None
    digest: bytes | None = None
    """A hash of the bytes read: the same playlist reached under another name."""

    @property
    def status(self) -> str:
        if self.playlist is not None:
            return "ok"
        if self.error is not None:
            return "missing" if self.error.kind is ErrorKind.NOT_FOUND else "unreadable"
        return "unparsable"


@dataclass
class Entry:
    """A playlist in report order, with where it came from."""

    loaded: Loaded
    parent: str | None = None
    role: str = "media"
    """`variant`, `audio`, `subtitles`, `iframe`... for children; `media` for roots."""


@dataclass
class Fetched:
    """Every playlist of one title, in report order."""

    title: Title
    entries: list[Entry] = field(default_factory=list)
    children: dict[str, list[tuple[PlaylistRef, str]]] = field(default_factory=dict)
    """Per multivariant key: each playlist reference and the key it resolved to."""
    findings: list[Finding] = field(default_factory=list)
    failure: HlsInspectError | None = None
    """Set when not one of the title's own playlists could be read: alone, the target could
    not be inspected at all."""
    budget: Budget = field(default_factory=lambda: Budget())
    followed: int = 0
    """Playlists read by following references so far (the roots are not counted)."""
    expanded: dict[bytes, str] = field(default_factory=dict)
    """The bytes of each multivariant playlist followed -> its key."""
    twins: dict[bytes, Playlist] = field(default_factory=dict)
    """The bytes of each playlist parsed -> its parse, shared by the same bytes read under
    another name (a thousand names of one 2,000-variant playlist are parsed once)."""

    @property
    def storage(self) -> Storage:
        return self.title.storage


@dataclass
class Budget:
    """How many playlists may still be read by following references: per title, and in
    the whole run (one Budget is shared by every title of a run)."""

    per_title: int = limits.MAX_PLAYLISTS_PER_TITLE
    left: int = limits.MAX_PLAYLISTS_PER_RUN

    def take(self, used: int, wanted: int) -> int:
        """How many of `wanted` more playlists a title that read `used` may read now."""
        granted = max(0, min(wanted, self.per_title - used, self.left))
        self.left -= granted
        return granted


MAX_NESTING = 8
"""Multivariant playlists inside multivariant playlists are followed this deep at most."""


def fetch(storage: Storage, key: str, body: bytes | StorageError | None = None,
          twins: dict[bytes, Playlist] | None = None) -> Loaded:
    """One playlist, read (unless `body` is what reading it gave already) and parsed. The
    store asks again, in passes with backoff, while a read fails for a reason that may pass
    (throttling, 5xx, a reset, a cut-off body). Bytes parsed already under another name
    (in `twins`) are not parsed again: the playlist shares that parse, under its own key."""
    if isinstance(body, StorageError):
        return Loaded(key, error=body.detached())
    try:
        data = storage.read(key) if body is None else body
    except StorageError as exc:
        return Loaded(key, error=exc.detached())
    digest = hashlib.blake2b(data, digest_size=16).digest()
    crowded = _crowded(storage, key, data)
    if crowded is not None:
        return Loaded(key, error=crowded, digest=digest)
    twin = twins.get(digest) if twins is not None else None
    if twin is not None:
        return Loaded(key, playlist=replace(twin, key=key, memo={}), digest=digest)
    try:
        playlist = parse(key, data)
        if twins is not None:
            twins.setdefault(digest, playlist)
        return Loaded(key, playlist=playlist, digest=digest)
    except ParseFailure as exc:
        return Loaded(key, parse_failure=exc, digest=digest)
    except Exception as exc:  # a parser bug must cost one playlist, not the run
        return Loaded(key, parse_failure=ParseFailure(
            f"the playlist could not be parsed ({type(exc).__name__}: {exc})", None))


def _crowded(storage: Storage, key: str, data: bytes) -> StorageError | None:
    """Why a playlist holds more segments or lines than hlsinspect parses (the limits keep a
    64 MiB playlist of 5 million segments from taking 6 GB), or None. Counted on the bytes:
    each URI line is a line that does not start with '#'."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    segments = lines - data.count(b"\n#") - data.startswith(b"#") - data.count(b"\n\n")
    if segments <= limits.MAX_SEGMENTS and lines <= limits.MAX_LINES:
        return None
    what, count, cap = (("segments", segments, limits.MAX_SEGMENTS)
                        if segments > limits.MAX_SEGMENTS else
                        ("lines", lines, limits.MAX_LINES))
    return StorageError(
        ErrorKind.TOO_LARGE, f"{storage.uri(key)} is too large: {count:,} {what}, more than "
        f"hlsinspect reads in one playlist ({cap:,})",
        f"raise HLSINSPECT_LIMIT_MAX_{what.upper()} to read it (about 1.2 KB of memory a "
        "segment)")


def fetch_all(storage: Storage, keys: list[str], workers: int,
              bodies: Mapping[str, bytes | StorageError] | None = None,
              twins: dict[bytes, Playlist] | None = None) -> dict[str, Loaded]:
    """Every playlist in `keys`, fetched concurrently (a Ctrl-C waits for none of them);
    those in `bodies` were read already and are only parsed."""
    got = bodies or {}
    loaded = map_concurrently(lambda key: fetch(storage, key, got.get(key), twins), keys,
                              workers)
    return dict(zip(keys, loaded, strict=True))


def fetch_title(title: Title, workers: int, budget: Budget | None = None) -> Fetched:
    """The title's playlists and everything their multivariant playlists reference, within
    `budget` (a fresh one when None)."""
    storage, keys = title.storage, title.roots
    bodies, title.bodies = title.bodies, {}  # parsed once: the bytes need not stay
    twins: dict[bytes, Playlist] = {}
    loaded = fetch_all(storage, keys, workers, bodies, twins)
    found = Fetched(title, failure=_nothing_readable(title, loaded), budget=budget or Budget(),
                    twins=twins)
    claimed: set[str] = set()
    masters = [k for k in keys if _is_multivariant(loaded[k])]
    others = [k for k in keys if k not in masters]
    for key in masters:
        if key not in claimed:
            claimed.add(key)
            found.entries.append(Entry(loaded[key]))
            _remember(found, loaded[key])
            _expand(found, loaded, key, [key], claimed, workers)
    for key in others:
        if key not in claimed:
            claimed.add(key)
            found.entries.append(Entry(loaded[key]))
            found.findings.extend(_unreferenced(storage, key, masters, loaded))
    return found


def _unreferenced(storage: Storage, key: str, masters: list[str],
                  loaded: dict[str, Loaded]) -> list[Finding]:
    """playlist-unreferenced, when a listed media playlist lies under the directory of a
    multivariant playlist that does not reference it (a lost variant, a left-over)."""
    if loaded[key].playlist is None:
        return []
    for master in masters:
        directory = directory_of(master)
        if not directory or key.startswith(directory + "/"):
            uri = storage.uri(key)
            return [finding(
                "playlist-unreferenced",
                f"media playlist {uri} is not referenced by {storage.uri(master)}, which "
                "stands above it: a variant the multivariant playlist lost, or a left-over",
                playlist=uri, uri=uri)]
    return []


def _is_multivariant(loaded: Loaded) -> bool:
    return loaded.playlist is not None and loaded.playlist.is_multivariant


def _nothing_readable(title: Title, loaded: dict[str, Loaded]) -> HlsInspectError | None:
    """Why not one of the title's playlists could be fetched, or None when one could."""
    errors = [loaded[k].error for k in title.roots]
    first = errors[0] if errors else None
    if first is None or not all(errors):
        return None
    storage, target = title.storage, title.target
    if target.mode == "auto" and title.unlisted is not None:
        return error_for(title.unlisted.kind.value,
                         f"{first.message}; and as a prefix: {title.unlisted.message}",
                         title.unlisted.hint)
    if target.mode == "auto" and first.kind is ErrorKind.NOT_FOUND:
        return NoPlaylistError(
            f"no playlist at {storage.uri(target.key)} and none under "
            f"{storage.uri(target.key + '/')}", hint="check the key or prefix")
    return first.fatal()


def _expand(
    found: Fetched,
    loaded: dict[str, Loaded],
    master: str,
    chain: list[str],
    claimed: set[str],
    workers: int,
) -> None:
    """Depth first under `master`; `chain` is the path of multivariant keys from the root."""
    playlist = loaded[master].playlist
    assert playlist is not None
    storage, uri = found.storage, found.storage.uri(master)
    resolved: list[tuple[PlaylistRef, str]] = []
    location = read_from(storage, master)
    unknowns = Unresolved(playlist, uri, location, imported=False)
    for ref in playlist_refs(playlist, playlist.variables(query=query_values(location))):
        located = locate(partial(storage.resolve, master), ref.uri, ref.unresolved)
        where = located.where
        unknowns.add(ref.unresolved, ref.line, located.known)
        if where.key is not None and located.known:
            resolved.append((ref, where.key))
        elif where.key is None:
            found.findings.append(unfollowed(f"{ref.role} playlist", ref.uri, where, uri,
                                             ref.line, local=storage.bucket is None))
    found.findings += unknowns.findings("playlist")
    found.children[master] = resolved
    _fetch_within_budget(found, loaded, [k for _, k in resolved], uri, workers)
    ancestors = {loaded[k].digest for k in chain} - {None}
    for ref, key in resolved:
        child = loaded.get(key)
        if child is None:  # over the cap: not read
            continue
        if key in chain or child.digest in ancestors:
            same = "" if key in chain else " (the same bytes under another name)"
            found.findings.append(finding(
                "playlist-loop",
                f"{ref.role} playlist {ref.uri!r} leads back to {storage.uri(key)}{same}, "
                "which is already being followed: not followed again",
                playlist=uri, uri=storage.uri(key), line=ref.line))
            continue
        if key in claimed:
            continue
        claimed.add(key)
        found.entries.append(Entry(child, parent=uri, role=ref.role))
        if child.error is not None:
            found.findings.append(failure_finding(storage, child, uri, ref))
        if child.playlist is not None and child.playlist.is_multivariant:
            _nested(found, loaded, ref, key, chain, claimed, workers, uri)


def _nested(found: Fetched, loaded: dict[str, Loaded], ref: PlaylistRef, key: str,
            chain: list[str], claimed: set[str], workers: int, uri: str) -> None:
    """multivariant-nested for a multivariant child, followed unless too deep or followed
    already under another name (the same bytes)."""
    storage = found.storage
    deep = len(chain) >= MAX_NESTING
    digest = loaded[key].digest
    twin = found.expanded.get(digest) if digest is not None else None
    note = (f"; nested {MAX_NESTING} deep, not followed further" if deep else
            f"; the same bytes as {storage.uri(twin)}, followed already" if twin else "")
    found.findings.append(finding(
        "multivariant-nested",
        f"{ref.role} playlist {ref.uri!r} is itself a multivariant playlist{note}",
        playlist=uri, uri=storage.uri(key), line=ref.line))
    if not deep and twin is None:
        _remember(found, loaded[key])
        _expand(found, loaded, key, [*chain, key], claimed, workers)


def _remember(found: Fetched, loaded: Loaded) -> None:
    if loaded.digest is not None:
        found.expanded.setdefault(loaded.digest, loaded.key)


def _fetch_within_budget(found: Fetched, loaded: dict[str, Loaded], keys: list[str],
                         uri: str, workers: int) -> None:
    """Read the playlists of `keys` not read yet, as many as the budget allows; the first
    time it runs out, title-too-large."""
    new = list(dict.fromkeys(k for k in keys if k not in loaded))
    granted = found.budget.take(found.followed, len(new))
    found.followed += granted
    loaded.update(fetch_all(found.storage, new[:granted], workers, twins=found.twins))
    if granted == len(new) or any(f.name == "title-too-large" for f in found.findings):
        return
    budget = found.budget
    cap = (f"{budget.per_title} playlists a title may read" if found.followed >= budget.per_title
           else f"{limits.MAX_PLAYLISTS_PER_RUN} playlists a run may read")
    found.findings.append(finding(
        "title-too-large",
        f"{uri} reached the cap of {cap} by following references: {len(new) - granted} "
        "more and all they lead to are not read (a fan-out or a loop through queries, links "
        "or encoded slashes?)",
        playlist=uri, uri=uri,
        hint="raise HLSINSPECT_LIMIT_MAX_PLAYLISTS_PER_TITLE for a title this large"))


def failure_finding(storage: Storage, child: Loaded, playlist: str | None,
                    ref: PlaylistRef | None = None) -> Finding:
    """playlist-missing or playlist-unreadable, for a child (on its parent) or a listed root."""
    assert child.error is not None
    uri = storage.uri(child.key)
    what = f"{ref.role} playlist {ref.uri!r}" if ref else "playlist"
    line = ref.line if ref else None
    if child.error.kind is ErrorKind.NOT_FOUND:
        return finding("playlist-missing", f"{what} does not exist",
                       playlist=playlist, uri=uri, line=line)
    return finding("playlist-unreadable", f"{what}: {child.error.message}",
                   playlist=playlist, uri=uri, line=line, hint=child.error.hint)
