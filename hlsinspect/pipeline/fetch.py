"""Stage 2, fetch: a title's playlists, read and parsed, and every playlist they reference.

Each playlist is fetched once, even when several entries point at it; the children of a
multivariant playlist are fetched concurrently; a reference back into the current chain of
multivariant playlists is reported as a loop and not followed. A child that is missing,
unreadable or unparsable becomes an entry with that status and a finding, never an exception,
so one broken variant cannot hide the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hlsinspect.checks.registry import finding
from hlsinspect.checks.uris import unfollowed
from hlsinspect.errors import HlsInspectError, NoPlaylistError, error_for
from hlsinspect.pipeline.titles import Title
from hlsinspect.playlists import ParseFailure, Playlist, parse
from hlsinspect.references import PlaylistRef, playlist_refs
from hlsinspect.report import Finding
from hlsinspect.storage.base import ErrorKind, Storage, StorageError
from hlsinspect.storage.workers import map_concurrently


@dataclass
class Loaded:
    """The outcome of fetching and parsing one playlist."""

    key: str
    playlist: Playlist | None = None
    error: StorageError | None = None
    parse_failure: ParseFailure | None = None

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

    @property
    def storage(self) -> Storage:
        return self.title.storage


MAX_NESTING = 8
"""Multivariant playlists inside multivariant playlists are followed this deep at most."""


def fetch(storage: Storage, key: str, body: bytes | StorageError | None = None) -> Loaded:
    """One playlist, read (unless `body` is what reading it gave already) and parsed. The
    store asks again, in passes with backoff, while a read fails for a reason that may pass
    (throttling, 5xx, a reset, a cut-off body)."""
    if isinstance(body, StorageError):
        return Loaded(key, error=body.detached())
    try:
        data = storage.read(key) if body is None else body
    except StorageError as exc:
        return Loaded(key, error=exc.detached())
    try:
        return Loaded(key, playlist=parse(key, data))
    except ParseFailure as exc:
        return Loaded(key, parse_failure=exc)
    except Exception as exc:  # a parser bug must cost one playlist, not the run
        return Loaded(key, parse_failure=ParseFailure(
            f"the playlist could not be parsed ({type(exc).__name__}: {exc})", None))


def fetch_all(storage: Storage, keys: list[str], workers: int,
              bodies: Mapping[str, bytes | StorageError] | None = None) -> dict[str, Loaded]:
    """Every playlist in `keys`, fetched concurrently (a Ctrl-C waits for none of them);
    those in `bodies` were read already and are only parsed."""
    got = bodies or {}
    loaded = map_concurrently(lambda key: fetch(storage, key, got.get(key)), keys, workers)
    return dict(zip(keys, loaded, strict=True))


def fetch_title(title: Title, workers: int) -> Fetched:
    """The title's playlists and everything their multivariant playlists reference."""
    storage, keys = title.storage, title.roots
    bodies, title.bodies = title.bodies, {}  # parsed once: the bytes need not stay
    loaded = fetch_all(storage, keys, workers, bodies)
    found = Fetched(title, failure=_nothing_readable(title, loaded))
    claimed: set[str] = set()
    masters = [k for k in keys if _is_multivariant(loaded[k])]
    others = [k for k in keys if k not in masters]
    for key in masters:
        if key not in claimed:
            claimed.add(key)
            found.entries.append(Entry(loaded[key]))
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
        directory = master.rpartition("/")[0]
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
    for ref in playlist_refs(playlist):
        where = storage.resolve(master, ref.uri)
        if where.key is not None:
            resolved.append((ref, where.key))
        else:
            found.findings.append(unfollowed(f"{ref.role} playlist", ref.uri, where, uri,
                                             ref.line, local=storage.bucket is None))
    found.children[master] = resolved
    new = list(dict.fromkeys(k for _, k in resolved if k not in loaded))
    loaded.update(fetch_all(storage, new, workers))
    for ref, key in resolved:
        if key in chain:
            found.findings.append(finding(
                "playlist-loop",
                f"{ref.role} playlist {ref.uri!r} leads back to {storage.uri(key)}, which is "
                "already being followed: not followed again",
                playlist=uri, uri=storage.uri(key), line=ref.line))
            continue
        if key in claimed:
            continue
        claimed.add(key)
        child = loaded[key]
        found.entries.append(Entry(child, parent=uri, role=ref.role))
        if child.error is not None:
            found.findings.append(failure_finding(storage, child, uri, ref))
        if child.playlist is not None and child.playlist.is_multivariant:
            deep = len(chain) >= MAX_NESTING
            found.findings.append(finding(
                "multivariant-nested",
                f"{ref.role} playlist {ref.uri!r} is itself a multivariant playlist"
                + (f"; nested {MAX_NESTING} deep, not followed further" if deep else ""),
                playlist=uri, uri=storage.uri(key), line=ref.line))
            if not deep:
                _expand(found, loaded, key, [*chain, key], claimed, workers)


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
