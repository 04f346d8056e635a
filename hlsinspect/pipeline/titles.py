"""Stage 1, titles: from a target to titles, one after another, each with its own listing.

A title is what a transcoder writes for one asset: the first directory on a path that holds a
playlist directly (`HLS/1M/D0002021500_00000/` with `sample.m3u8`; `TS/` with `master.m3u8`
and `TS/stream_0/index.m3u8`), and everything below it. The prefix is walked one level at a
time with a `/` delimiter, so directories without a playlist (`HLS/`, `HLS/1M/`) cost one
short listing each; a title's subtree is then listed in full, its subdirectories at once,
and that complete listing settles which of its referenced objects exist.

Only the titles in hand and the few listed ahead are held, so memory does not grow with the
bucket; with `--shard K/N`, another worker's title is skipped before its subtree is listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from hlsinspect.checks.registry import finding
from hlsinspect.errors import HlsInspectError
from hlsinspect.locations import Target, is_playlist_key
from hlsinspect.report import Finding
from hlsinspect.settings import Shard
from hlsinspect.storage.base import ErrorKind, Level, Listing, Storage, StorageError
from hlsinspect.storage.workers import map_concurrently

MAX_DEPTH = 32
"""Directories without a playlist are walked this deep at most (a guard against link loops
on a file system; S3 keys this deep are not a transcoder's output)."""


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


@dataclass
class Walk:
    """Counts the titles a target holds, this shard's or not, while `titles` yields them."""

    seen: int = 0


def titles(storage: Storage, target: Target, workers: int, shard: Shard | None = None,
           walk: Walk | None = None) -> Iterator[Title]:
    """The target's titles in key order; HlsInspectError when it holds none at all."""
    walk = walk or Walk()
    if target.mode == "playlist":
        walk.seen += 1
        if shard is None or shard.owns(target.key):
            yield Title(storage, target, target.key, [target.key])
        return
    prefix = target.key if target.mode == "prefix" else target.key + "/"
    try:
        top = storage.list_level(prefix)
    except StorageError as exc:
        if target.mode == "auto" and exc.kind is ErrorKind.ACCESS_DENIED:
            walk.seen += 1
            if shard is None or shard.owns(target.key):
                yield Title(storage, target, target.key, [target.key], unlisted=exc)
            return
        if exc.kind is ErrorKind.NOT_FOUND and target.mode == "auto":
            top = Level()
        else:
            raise HlsInspectError(exc.message, hint=exc.hint, kind=exc.kind.value) from exc
    for title in _walk(storage, target, prefix, top, workers, shard, 0, set()):
        walk.seen += 1
        if title.roots or title.findings:
            yield title
    if walk.seen:
        return
    if target.mode == "auto":
        walk.seen += 1
        if shard is None or shard.owns(target.key):
            yield Title(storage, target, target.key, [target.key])
        return
    where = storage.uri(prefix)
    things = "keys" if storage.bucket else "files"
    raise HlsInspectError(
        f"no playlist (.m3u8) under {where}", kind="no-playlist",
        hint=f"check the {'prefix' if storage.bucket else 'directory'}; hlsinspect looks for "
             f"{things} ending in .m3u8 or .m3u")


def _walk(storage: Storage, target: Target, prefix: str, level: Level, workers: int,
          shard: Shard | None, depth: int, seen: set[str]) -> Iterator[Title]:
    """Depth first, in key order: a level with a playlist is a title; others are walked.

    A title owned by another shard is yielded without roots (it is counted, not listed).
    A directory reached twice through links (`seen`) is walked the first time only.
    """
    if any(is_playlist_key(key) for key in level.files):
        if shard is not None and not shard.owns(prefix):
            yield Title(storage, target, prefix, [])
            return
        yield _title(storage, target, prefix, level, workers)
        return
    if depth >= MAX_DEPTH:
        return
    for sub in level.prefixes:
        same = level.same.get(sub)
        if same is not None:
            if same in seen:
                continue
            seen.add(same)
        try:
            below = storage.list_level(sub)
        except StorageError as exc:
            yield Title(storage, target, sub, [], findings=[_unlisted(storage, sub, exc)])
            continue
        yield from _walk(storage, target, sub, below, workers, shard, depth + 1, seen)


def _title(storage: Storage, target: Target, prefix: str, level: Level,
           workers: int) -> Title:
    """The whole subtree under a title's prefix, its subdirectories listed concurrently."""
    sizes = dict(level.files)
    problems: list[Finding] = []

    def subtree(sub: str) -> list[tuple[str, int]] | StorageError:
        try:
            return list(storage.list_keys(sub))
        except StorageError as exc:
            return exc

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


def _unlisted(storage: Storage, prefix: str, exc: StorageError) -> Finding:
    return finding("prefix-unlisted", f"{storage.uri(prefix)} could not be listed, so the "
                   f"titles under it were not inspected: {exc.message}",
                   playlist=None, uri=storage.uri(prefix), hint=exc.hint)
