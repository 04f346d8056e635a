"""The public entry point: targets in, a Report out. Never prints, never exits.

It maps each TARGET onto its store and hands it to the pipeline (`pipeline.run`), which goes
title by title, the next titles (of this target or the next ones) fetched ahead
(`pipeline.targets`); it raises `HlsInspectError` only when nothing could be inspected. Every other
problem, however bad, is a finding, so the rest of the report is always produced.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from contextlib import AbstractContextManager, nullcontext

from hlsinspect.checks.registry import finding
from hlsinspect.errors import HlsInspectError, UsageError
from hlsinspect.locations import Target, UriMap, map_target, parse_target, valid_bucket
from hlsinspect.pipeline.apart import Apart, Job
from hlsinspect.pipeline.fetch import Fetched
from hlsinspect.pipeline.flow import ahead
from hlsinspect.pipeline.run import Run
from hlsinspect.pipeline.targets import by_target, pieces
from hlsinspect.progress import Progress
from hlsinspect.report import Finding, Report
from hlsinspect.settings import Settings, Shard, VerifySettings, duration_text
from hlsinspect.storage.base import StorageError
from hlsinspect.storage.factory import S3Options, Stores
from hlsinspect.uri.redact import redact

_DEFAULT_S3 = S3Options()
_DEFAULT_SETTINGS = Settings()


def inspect(
    targets: str | Sequence[str],
    *,
    bucket: str | None = None,
    default_bucket: str | None = None,
    root: str | None = None,
    settings: Settings = _DEFAULT_SETTINGS,
    s3: S3Options = _DEFAULT_S3,
    progress: Progress | None = None,
) -> Report:
    """Inspect every target; raise HlsInspectError only when nothing could be inspected.

    `targets` is one TARGET or several, as `hlsinspect check` takes them: s3://BUCKET/KEY,
    s3://BUCKET/PREFIX/, a KEY or PREFIX with `bucket`, an http(s):// URL, a local path.
    The subclass of HlsInspectError says what failed (`errors.py`); every lesser problem
    is a finding in the returned Report. Ctrl-C (or SIGTERM, as `errors.Terminated`) raises
    `errors.Interrupted` carrying the report of what was completed, marked incomplete.

    `bucket` makes every bare path an S3 key; `default_bucket` (HLSINSPECT_BUCKET) only
    those that do not exist on the local file system. `root` is the local directory that
    plays the bucket (by default a directory target, or a file target's own directory).
    """
    if isinstance(targets, str):
        targets = [targets]
    if not targets:
        raise UsageError("no target to inspect", hint="name a playlist, prefix or directory")
    # the same playlist or prefix named twice, in any form, is inspected once
    parsed = list(dict.fromkeys(
        _target(text, bucket, default_bucket, root, settings.maps) for text in targets))
    stores = Stores(s3, settings.verify.requests, settings.maps)
    run = Run(settings, progress)
    if settings.inventory is not None:
        run.note(_use_inventory(stores, settings.inventory, parsed,
                                settings.inventory_max_age))
    try:
        stores.confirm_maps()
    except StorageError as exc:
        raise exc.fatal() from exc
    named = tuple(redact(text) for text in targets)
    try:
        _all(run, stores, parsed, settings)
    except KeyboardInterrupt as stop:
        # Ctrl-C or SIGTERM: what was completed is reported (Interrupted carries it)
        raise run.stopped(stop, named) from None
    return run.report(named)


def _all(run: Run, stores: Stores, targets: list[Target], settings: Settings) -> None:
    """Every target into `run`, in order; the titles of the next ones fetched ahead
    (`pipeline.targets`) while one is checked and verified, a few titles at most."""

    def titles(target: Target) -> Generator[Fetched, None, None]:
        try:
            storage = stores.for_target(target)
        except StorageError as exc:
            raise exc.fatal() from exc
        yield from run.fetched(storage, target)

    def produced(target: Target) -> bool:
        return not _lists_apart(stores, target, settings)

    stream = ahead(pieces(targets, produced, titles), settings.look_ahead)
    try:
        for target, fetched, first in by_target(stream):
            if fetched is None:
                assert first.here is not None
                try:
                    _one(run, stores, target, settings)
                except BaseException:
                    stream.close()  # nothing more is fetched (Ctrl-C, a fault)
                    first.here(False)
                    raise
                first.here(True)
                continue
            try:
                run.titles(fetched)
            except HlsInspectError as exc:
                _failed(run, target, exc)
    finally:
        stream.close()


def _one(run: Run, stores: Stores, target: Target, settings: Settings) -> None:
    """One target into `run`, or its failure noted there."""
    try:
        with _apart(stores, target, settings) as apart:
            try:
                # titles listed and read apart may need no request from here
                storage = stores.for_target(target, lazy=apart is not None)
            except StorageError as exc:
                raise exc.fatal() from exc
            run.target(storage, target, apart)
    except HlsInspectError as exc:
        _failed(run, target, exc)


def _failed(run: Run, target: Target, exc: HlsInspectError) -> None:
    """The target could not be inspected: noted in `run`, with a hint when the name is
    also a local path."""
    if target.bucket and os.path.exists(target.text):
        note = (f"{target.text!r} exists on this machine: without --bucket it is "
                "checked there")
        exc.hint = f"{exc.hint}; {note}" if exc.hint else note
    run.failed(exc, redact(target.text))


def read_playlist(
    text: str, bucket: str | None, s3: S3Options, default_bucket: str | None = None
) -> bytes:
    """The bytes of one playlist, as stored, for `hlsinspect show`."""
    target = parse_target(text, bucket, default_bucket)
    if target.mode == "prefix":
        raise UsageError(f"{text!r} is a prefix or directory; show prints one playlist")
    try:
        storage = Stores(s3, VerifySettings(concurrency=4).requests).for_target(target)
        return storage.read(target.key)
    except StorageError as exc:
        raise exc.fatal() from exc


def _use_inventory(stores: Stores, manifest: str, targets: list[Target],
                   max_age: float) -> Finding:
    """Listings from the inventory from now on; the finding that says which one, and how old.
    An inventory that cannot be used stops the run: the user asked not to list the bucket."""
    from hlsinspect.storage.inventory import manifest_location

    try:
        valid_bucket(manifest_location(manifest)[0], f"--inventory {manifest}")
        inventory = stores.use_inventory(
            manifest, targets, (max_age, f"--inventory-max-age {duration_text(max_age)}"))
    except StorageError as exc:
        raise exc.fatal() from exc
    made = f"made {inventory.created}" if inventory.created else "of unknown date"
    return finding(
        "inventory-used",
        f"playlists found and objects settled from the S3 Inventory {inventory.uri}, {made} "
        f"({len(inventory):,} objects under the targets): an object deleted since then is not "
        "caught; each key it lacks was asked with HEAD", playlist=None, uri=inventory.uri)


def _lists_apart(stores: Stores, target: Target, settings: Settings) -> bool:
    """Whether a second process lists the target: an S3 prefix (a single playlist lists
    nothing) in a bucket reached directly."""
    return settings.list_apart and target.mode != "playlist" and stores.is_plain_s3(target)


def _apart(stores: Stores, target: Target,
           settings: Settings) -> AbstractContextManager[Apart | None]:
    """The second process that lists the target, started now, when one should."""
    if not _lists_apart(stores, target, settings):
        return nullcontext()
    assert target.bucket is not None
    return Apart(Job(target.bucket, stores.s3.profile, stores.s3.region, stores.s3.endpoint_url,
                     stores.policy, target, settings.verify.concurrency, settings.shard))


def _target(text: str, bucket: str | None, default_bucket: str | None, root: str | None,
            maps: tuple[UriMap, ...]) -> Target:
    """A TARGET, or where a --map sends it."""
    mapped = map_target(text, maps)
    if mapped is None:
        return parse_target(text, bucket, default_bucket, root)
    destination, mapped_root = mapped
    return parse_target(destination, None, None, mapped_root)


__all__ = ["S3Options", "Settings", "Shard", "VerifySettings", "inspect", "read_playlist"]
