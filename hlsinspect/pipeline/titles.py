"""Stage 1, titles: from a target to titles, in key order, each with its own listing.

A title is what a transcoder writes for one asset: the first directory on a path that holds a
playlist directly (`HLS/1M/D0002021500_00000/` with `sample.m3u8`; `TS/` with `master.m3u8`
and `TS/stream_0/index.m3u8`), and everything below it. The prefix is walked one level at a
time with a `/` delimiter, so directories without a playlist (`HLS/`, `HLS/1M/`) cost one
short listing each; a title's subtree is then listed in full, its subdirectories at once,
and that complete listing settles which of its referenced objects exist.

The directories of one level are listed a bounded window at a time (`window`), each title
among them completed on the thread that listed it, and yielded in key order: at S3's
latency a title is a few round trips, which overlap instead of adding up. On S3 each such
directory's first page of keys is asked beside its level: a title smaller than a page
(1,000 keys) is then listed whole in one round trip, its subdirectories never on their own.
Only the titles in hand and the few listed ahead are held, so memory does not grow with the
bucket; with `--shard K/N`, another worker's title is skipped before its subtree is listed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

from hlsinspect.errors import HlsInspectError, NoPlaylistError
from hlsinspect.locations import Target, is_playlist_key
from hlsinspect.report import Finding
from hlsinspect.shard import Shard
from hlsinspect.storage.base import ErrorKind, Level, Listing, Paged, Storage, StorageError
from hlsinspect.storage.workers import map_concurrently, ordered_ahead

MAX_DEPTH = 512
"""Levels walked at most. An S3 key is at most 1,024 bytes, so no title lies deeper; on a
file system a directory reached twice through links is skipped anyway (`seen`)."""


@dataclass
class Title:
    """The playlists that start one title, and what listing its prefix taught."""

    storage: Storage
    target: Target
    key: str
    """The title's prefix (or, for a playlist target, the playlist's key): what --shard hashes."""
    roots: list[str]
    listing: Listing | None = None
    """The title's complete S3 listing, when it proves what exists."""
    unlisted: StorageError | None = None
    """Auto mode: why the prefix could not be listed (the key was tried as a playlist)."""
    findings: list[Finding] = field(default_factory=list)
    """What went wrong while walking toward it (a part of the prefix that could not be listed)."""
    unlistable: HlsInspectError | None = None
    """Why that part could not be listed: when nothing else of the target could be read,
    the target itself could not be inspected."""
    bodies: dict[str, bytes | StorageError] = field(default_factory=dict)
    """The roots' bytes (or why they could not be read), when the process that found the
    title read them too (`pipeline.apart`); fetch takes them instead of reading again."""


Finish = Callable[[Title, int], Title]
"""What completes a title, with so many requests at once, on the thread that found it
(pipeline.apart reads its playlists)."""


@dataclass
class Walk:
    """Counts the titles a target holds, this shard's or not, while `titles` yields them."""

    seen: int = 0


def titles(storage: Storage, target: Target, workers: int, shard: Shard | None = None,
           walk: Walk | None = None, finish: Finish | None = None) -> Iterator[Title]:
    """The target's titles in key order; HlsInspectError when it holds none at all.

    `finish` completes a title found by walking (reads its playlists) on the thread that
    listed it, so that it overlaps the listing of the next titles."""
    walk = walk or Walk()
    if target.mode == "playlist":
        yield from _single(storage, target, shard, walk)
        return
    prefix = target.key if target.mode == "prefix" else target.key + "/"
    try:
        top = storage.list_level(prefix)
    except StorageError as exc:
        if target.mode == "auto" and exc.kind is ErrorKind.ACCESS_DENIED:
            yield from _single(storage, target, shard, walk, unlisted=exc)
            return
        if exc.kind is ErrorKind.NOT_FOUND and target.mode == "auto":
            top = Level()
        else:
            raise exc.fatal() from exc
    flat = _Flat(storage, prefix)
    for title in _walk(storage, target, prefix, top, workers, shard, 0, set(), flat, finish):
        walk.seen += 1
        if title.roots or title.findings:
            yield title
    if walk.seen:
        return
    if target.mode == "auto":
        yield from _single(storage, target, shard, walk)
        return
    where = storage.uri(prefix)
    things = "keys" if storage.bucket else "files"
    raise NoPlaylistError(
        f"no playlist (.m3u8) under {where}",
        hint=f"check the {'prefix' if storage.bucket else 'directory'}; hlsinspect looks for "
             f"{things} ending in .m3u8 or .m3u")


def _single(storage: Storage, target: Target, shard: Shard | None, walk: Walk,
            unlisted: StorageError | None = None) -> Iterator[Title]:
    """The target's key as the one playlist of a title (a playlist target, or an auto
    target that is no prefix), when it is this shard's."""
    walk.seen += 1
    if shard is None or shard.owns(_named(storage, target, target.key)):
        yield Title(storage, target, target.key, [target.key], unlisted=unlisted)


class _Flat:
    """One recursive listing of the whole target prefix, made only if a level below it is
    refused: a policy that allows listing `HLS/` (s3:prefix equal to it) but no deeper."""

    def __init__(self, storage: Storage, prefix: str) -> None:
        self.storage, self.prefix = storage, prefix
        self._sizes: dict[str, int] | StorageError | None = None
        self._lock = threading.Lock()

    def sizes(self) -> dict[str, int] | StorageError:
        with self._lock:  # a title's subdirectories are listed on several threads
            if self._sizes is None:
                try:
                    self._sizes = dict(self.storage.list_keys(self.prefix))
                except StorageError as exc:
                    self._sizes = exc
            return self._sizes


def _walk(storage: Storage, target: Target, prefix: str, level: Level, workers: int,
          shard: Shard | None, depth: int, seen: set[str], flat: _Flat,
          finish: Finish | None = None) -> Iterator[Title]:
    """Depth first, in key order: a level with a playlist is a title; others are walked.

    A title owned by another shard is yielded without roots (it is counted, not listed).
    A directory reached twice through links (`seen`) is walked the first time only.
    """
    if any(is_playlist_key(key) for key in level.files):
        if shard is not None and not shard.owns(_named(storage, target, prefix)):
            yield Title(storage, target, prefix, [])
            return
        made = _title(storage, target, prefix, level, workers, flat)
        yield finish(made, min(workers, 8)) if finish is not None else made
        return
    if not level.same and len(level.prefixes) > 1:
        yield from _walk_ahead(storage, target, level, workers, shard, depth, seen, flat,
                               finish)
        return
    for sub in level.prefixes:
        same = level.same.get(sub)
        if same is not None:
            if same in seen:
                continue
            seen.add(same)
        if depth >= MAX_DEPTH:
            yield _unwalked(storage, target, sub, StorageError(
                ErrorKind.OTHER, f"it lies more than {MAX_DEPTH} levels below the target"))
            continue
        try:
            below = storage.list_level(sub)
        except StorageError as exc:
            yield from _refused(storage, target, sub, exc, shard, flat)
            continue
        yield from _walk(storage, target, sub, below, workers, shard, depth + 1, seen, flat,
                         finish)


def _walk_ahead(storage: Storage, target: Target, level: Level, workers: int,
                shard: Shard | None, depth: int, seen: set[str], flat: _Flat,
                finish: Finish | None) -> Iterator[Title]:
    """The directories of `level` (no links among them), a bounded window of them listed
    at once, each title among them made complete (`_title`, then `finish`) on the thread
    that listed it; yielded in key order. At 30 ms a request, a title is a few round trips
    (its level, its subdirectories, its playlists): one after another, they were most of an
    audit's time."""
    def ahead(sub: str) -> Level | StorageError | Title | list[Title] | None:
        if depth >= MAX_DEPTH:
            return None
        owned = shard is None or shard.owns(_named(storage, target, sub))
        if owned and isinstance(storage, Paged):
            below, page = _level_and_page(storage, storage, sub)
            if page is not None:  # listed whole in one request: no further listing
                return [finish(title, per_title) if finish is not None and title.roots else title
                        for title in _from_flat(storage, target, sub, page, shard)]
        else:
            below = _level(storage, sub)
        if isinstance(below, StorageError) or not any(is_playlist_key(key)
                                                        for key in below.files):
            return below
        if not owned:
            return Title(storage, target, sub, [])
        made = _title(storage, target, sub, below, per_title, flat)
        return finish(made, per_title) if finish is not None else made

    per_title = each(workers)

    for sub, got in zip(level.prefixes,
                        ordered_ahead(ahead, level.prefixes, window(workers)), strict=True):
        if got is None:
            yield _unwalked(storage, target, sub, StorageError(
                ErrorKind.OTHER, f"it lies more than {MAX_DEPTH} levels below the target"))
        elif isinstance(got, StorageError):
            yield from _refused(storage, target, sub, got, shard, flat)
        elif isinstance(got, Title):
            yield got
        elif isinstance(got, list):
            yield from got
        else:
            yield from _walk(storage, target, sub, got, workers, shard, depth + 1, seen, flat,
                             finish)


def _level(storage: Storage, prefix: str) -> Level | StorageError:
    try:
        return storage.list_level(prefix)
    except StorageError as exc:
        return exc


def _level_and_page(storage: Storage, paged: Paged, prefix: str
                    ) -> tuple[Level | StorageError, dict[str, int] | None]:
    """The level under `prefix` and, asked at the same time, the first page of everything
    under it, when that page is all of it (else None). Most titles hold fewer objects than
    a page: one round trip lists them whole, where the level and then each subdirectory take
    two. A larger title costs one request more (the page, unused), no more waiting."""
    def page() -> dict[str, int] | None:
        try:
            sizes, whole = paged.list_page(prefix)
        except StorageError:
            return None  # the level listing, asked beside it, says what is wrong
        return sizes if whole else None

    level, first = map_concurrently(lambda ask: ask(), [lambda: _level(storage, prefix), page], 2)
    return cast(Level | StorageError, level), cast(dict[str, int] | None, first)


def window(workers: int) -> int:
    """Titles made at once ahead of the one consumed: half the concurrency, at most 16.
    At 100 ms a request a title is two round trips (its listing, then its playlists), and
    the titles ahead must cover that wait while the checking takes the one in hand; only
    so many titles are in memory."""
    return max(1, min(16, workers // 2))


def each(workers: int) -> int:
    """Requests one title of the window makes at once (its subdirectories, its playlists).
    The window's titles together may ask for more than `workers`: a store bounds its own
    requests in flight (S3's and HTTP's `slots`) to the concurrency, and a local directory
    costs no wait."""
    return max(1, min(8, workers // 4))


def _refused(storage: Storage, target: Target, sub: str, exc: StorageError,
             shard: Shard | None, flat: _Flat) -> Iterator[Title]:
    """A directory whose level could not be listed: its titles from one recursive listing of
    the target when the refusal was a denial, else a prefix-unlisted entry."""
    sizes = flat.sizes() if exc.kind is ErrorKind.ACCESS_DENIED else exc
    if isinstance(sizes, StorageError):
        yield _unwalked(storage, target, sub, exc)
    else:
        yield from _from_flat(storage, target, sub, sizes, shard)


def _from_flat(storage: Storage, target: Target, prefix: str, sizes: dict[str, int],
               shard: Shard | None) -> Iterator[Title]:
    """The titles under `prefix`, found in a recursive listing instead of level by level."""
    keys = sorted(key for key in sizes if key.startswith(prefix))
    homes = sorted({key[:key.rfind("/") + 1] for key in keys if is_playlist_key(key)})
    tops: list[str] = []
    for home in homes:
        if not tops or not home.startswith(tops[-1]):
            tops.append(home)
    for top in tops:
        if shard is not None and not shard.owns(_named(storage, target, top)):
            yield Title(storage, target, top, [])
            continue
        mine = {key: sizes[key] for key in keys if key.startswith(top)}
        listing = Listing(top, mine) if storage.bucket is not None else None
        yield Title(storage, target, top, sorted(k for k in mine if is_playlist_key(k)),
                    listing=listing)


def _title(storage: Storage, target: Target, prefix: str, level: Level,
           workers: int, flat: _Flat) -> Title:
    """The whole subtree under a title's prefix, its subdirectories listed concurrently."""
    sizes = dict(level.files)
    problems: list[Finding] = []

    def subtree(sub: str) -> list[tuple[str, int]] | StorageError:
        try:
            return list(storage.list_keys(sub))
        except StorageError as exc:
            everything = flat.sizes() if exc.kind is ErrorKind.ACCESS_DENIED else exc
            if isinstance(everything, StorageError):
                return exc
            return [(key, size) for key, size in everything.items() if key.startswith(sub)]

    for sub, listed in zip(level.prefixes,
                           map_concurrently(subtree, level.prefixes, min(workers, 8)),
                           strict=True):
        if isinstance(listed, StorageError):
            problems.append(_unlisted(storage, sub, listed))
        else:
            sizes.update(listed)
    roots = sorted(key for key in sizes if is_playlist_key(key))
    # Only a complete S3 listing is taken as proof of absence: a local walk can miss what a
    # link or an unreadable directory hides, and a local stat costs nothing anyway.
    complete = storage.bucket is not None and not problems
    listing = Listing(prefix, sizes) if complete else None
    return Title(storage, target, prefix, roots, listing=listing, findings=problems)


def _named(storage: Storage, target: Target, key: str) -> str:
    """What --shard hashes for a title: its URI in S3 or on an HTTP origin (the same on
    every worker); for a local directory, the target as typed and the key below it, since
    each worker may keep its copy under another absolute path."""
    return f"{target.text}\x00{key}" if target.root is not None else storage.uri(key)


def _unwalked(storage: Storage, target: Target, prefix: str, exc: StorageError) -> Title:
    """A title-less entry carrying the prefix-unlisted finding for `prefix`."""
    return Title(storage, target, prefix, [], findings=[_unlisted(storage, prefix, exc)],
                 unlistable=exc.fatal())


def _unlisted(storage: Storage, prefix: str, exc: StorageError) -> Finding:
    # imported here: the process that only lists titles (pipeline.apart) never loads the rules
    from hlsinspect.checks.registry import finding

    return finding("prefix-unlisted", f"{storage.uri(prefix)} could not be listed, so the "
                   f"titles under it were not inspected: {exc.message}",
                   playlist=None, uri=storage.uri(prefix), hint=exc.hint)
