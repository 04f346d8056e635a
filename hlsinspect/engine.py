"""targets -> discover -> parse -> check -> verify -> Report. Never prints, never exits.

The engine returns a `Report` or raises `HlsInspectError` when nothing could be inspected;
every other problem, however bad, is a finding, so the rest of the report is always produced.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from hlsinspect.checks import Selection
from hlsinspect.discover import Discovery, discover
from hlsinspect.errors import HlsInspectError, UsageError
from hlsinspect.inspection import Inspection
from hlsinspect.locations import Target, UriMap, map_target, parse_target
from hlsinspect.report import Report, Severity
from hlsinspect.storage.base import Storage, StorageError
from hlsinspect.storage.factory import S3Options, Stores
from hlsinspect.uri.urls import redact
from hlsinspect.verify import Progress, VerifySettings

_DEFAULT_S3 = S3Options()


@dataclass(frozen=True)
class Settings:
    verify: VerifySettings = field(default_factory=VerifySettings)
    fail_on: Severity = Severity.ERROR
    rules: Selection = field(default_factory=Selection)
    """Which rules run: --rules, --select, --ignore."""
    raise_errors: bool = False
    """Let an internal error in a check propagate (--debug) instead of becoming a finding."""
    maps: tuple[UriMap, ...] = ()
    """--map rules (from `locations.parse_maps`): URIs under a prefix are verified in
    another store; a TARGET under a prefix is inspected there too."""


def inspect(
    targets: Sequence[str],
    *,
    bucket: str | None = None,
    default_bucket: str | None = None,
    root: str | None = None,
    settings: Settings = Settings(),
    s3: S3Options = _DEFAULT_S3,
    progress: Progress | None = None,
) -> Report:
    """Inspect every target; raise HlsInspectError only when nothing could be inspected.

    `bucket` makes every bare path an S3 key; `default_bucket` (HLSINSPECT_BUCKET) only
    those that do not exist on the local file system. `root` is the local directory that
    plays the bucket (by default a directory target, or a file target's own directory).
    """
    # the same playlist or prefix named twice, in any form, is inspected once
    parsed = list(dict.fromkeys(
        _target(text, bucket, default_bucket, root, settings.maps) for text in targets))
    stores = Stores(s3, settings.verify.requests, settings.maps)

    def storage_for(target: Target) -> Storage:
        try:
            return stores.for_target(target)
        except StorageError as exc:
            raise HlsInspectError(exc.message, hint=exc.hint, kind=exc.kind.value) from exc

    discoveries: list[Discovery] = []
    failures: list[HlsInspectError] = []
    for target in parsed:
        try:
            storage = storage_for(target)
            discoveries.append(discover(storage, target, settings.verify.concurrency))
        except HlsInspectError as exc:
            if target.bucket and os.path.exists(target.text):
                note = (f"{target.text!r} exists on this machine: without --bucket it is "
                        "checked there")
                exc.hint = f"{exc.hint}; {note}" if exc.hint else note
            failures.append(exc)
    if failures and not discoveries:
        raise failures[0]
    inspection = Inspection(settings.verify, settings.fail_on, progress,
                            selection=settings.rules, raise_errors=settings.raise_errors)
    for discovery in discoveries:
        inspection.add(discovery)
    for failure in failures:
        inspection.add_failure(failure)
    return inspection.report(tuple(redact(text) for text in targets))


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
        raise HlsInspectError(exc.message, hint=exc.hint, kind=exc.kind.value) from exc


def _target(text: str, bucket: str | None, default_bucket: str | None, root: str | None,
            maps: tuple[UriMap, ...]) -> Target:
    """A TARGET, or where a --map sends it."""
    mapped = map_target(text, maps)
    if mapped is None:
        return parse_target(text, bucket, default_bucket, root)
    destination, mapped_root = mapped
    return parse_target(destination, None, None, mapped_root)


__all__ = ["S3Options", "Settings", "inspect", "read_playlist"]
