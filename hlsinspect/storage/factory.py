"""Which store serves a target, and the stores --map sends URIs to: each made once per run.

A bucket named by two targets, or by a target and a --map, is one store with one client; an
S3 store is only imported (botocore) when a run needs one, an HTTP store (urllib3) likewise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from hlsinspect.locations import MapStore, Target, UriMap
from hlsinspect.storage.base import ErrorKind, RequestPolicy, Storage, StorageError
from hlsinspect.storage.inventoried import InventoriedStorage, Inventory
from hlsinspect.storage.local import LocalStorage
from hlsinspect.storage.mapped import MappedStorage, Route
from hlsinspect.uri.keys import key_from_path
from hlsinspect.uri.redact import redact


@dataclass(frozen=True)
class S3Options:
    """How to reach S3; None means boto3's defaults (environment, profile, SSO, role)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None


class Stores:
    """Makes and keeps the stores of one run. StorageError when one cannot be set up."""

    def __init__(self, s3: S3Options, policy: RequestPolicy,
                 maps: Sequence[UriMap] = ()) -> None:
        self.s3 = s3
        self.policy = policy
        self.maps = list(maps)
        self._plain: dict[tuple[MapStore, str], Storage] = {}
        self._targets: dict[tuple[MapStore, str], Storage] = {}
        self.inventory: Inventory | None = None
        self._inventoried: str | None = None
        """The bucket whose listings come from `inventory`."""

    def use_inventory(self, manifest_uri: str, targets: Sequence[Target],
                      max_age: tuple[float, str] = (0.0, "")) -> Inventory:
        """Read the S3 Inventory at `manifest_uri` (the manifest.json, or its dated folder):
        from now on, every listing of the bucket it describes comes from it. Only the keys
        under the targets' common prefix are kept. StorageError when it cannot be used,
        or is older than `max_age` (seconds, and the option that set it, for the message;
        0 for any age), which is told before any data file is read."""
        from hlsinspect.storage.inventory import (
            inventory_objects,
            manifest_location,
            open_manifest,
            stale,
        )
        from hlsinspect.storage.s3 import S3Storage

        buckets = list(dict.fromkeys(t.bucket for t in targets if t.bucket is not None))
        if not buckets:
            raise StorageError(ErrorKind.OTHER, "--inventory lists an S3 bucket, and no target "
                               "is in S3", "give s3:// targets, or --bucket, with --inventory")
        bucket, key = manifest_location(manifest_uri)
        store = S3Storage(bucket, profile=self.s3.profile, region=self.s3.region,
                          endpoint_url=self.s3.endpoint_url, policy=self.policy)
        failures: list[StorageError] = []
        for audited in buckets:
            try:
                manifest = open_manifest(store, key, audited_bucket=audited)
            except StorageError as exc:
                if exc.kind in (ErrorKind.NO_BUCKET, ErrorKind.USAGE):
                    from hlsinspect.storage.s3_errors import no_bucket

                    raise no_bucket(bucket, f"--inventory {manifest_uri}: bucket {bucket!r} "
                                    "does not exist (S3 answered NoSuchBucket)") from exc
                failures.append(exc)
                continue
            too_old = stale(manifest, store.uri(key), *max_age)
            if too_old is not None:
                raise too_old
            prefix = _common_prefix([t.key for t in targets if t.bucket == audited])
            self.inventory = Inventory(inventory_objects(store, manifest, prefix),
                                       manifest.created, store.uri(key))
            self._inventoried = audited
            return self.inventory
        raise failures[0]

    def confirm_maps(self) -> None:
        """Each bucket a --map sends URIs to exists, or StorageError (NO_BUCKET) naming the
        --map: a HEAD's 404 cannot tell a missing key from a missing bucket, so a mistyped
        bucket would otherwise report every mapped object missing. Asked even of a target's
        bucket: that target may fail alone while another's URIs map there."""
        from hlsinspect.storage.s3 import S3Storage

        for item in self.maps:
            if item.store != "s3":
                continue
            store = self.plain(item.store, item.location)
            own = store.own if isinstance(store, InventoriedStorage) else store
            if isinstance(own, S3Storage):
                base = key_from_path("/" + item.base).key or ""
                own.confirm_bucket(base, f"--map {redact(item.text)}")

    def for_target(self, target: Target, *, lazy: bool = False) -> Storage:
        """The store a target is inspected in, with every --map in front of it. `lazy`: an
        S3 store that makes its client at its first request (`S3Storage`)."""
        where = place(target)
        if where not in self._targets:
            self._targets[where] = self._with_maps(*where, lazy=lazy)
        return self._targets[where]

    def is_plain_s3(self, target: Target) -> bool:
        """Whether the target's store is an S3 bucket alone: no --map in front of it, no
        inventory behind it, so another process can list it with the same options."""
        return (target.bucket is not None and not self.maps
                and (self.inventory is None or target.bucket != self._inventoried))

    def plain(self, store: MapStore, location: str, *, lazy: bool = False) -> Storage:
        """The store of a bucket, an origin or a directory, without maps."""
        if (store, location) not in self._plain:
            self._plain[store, location] = self._make(store, location, lazy)
        return self._plain[store, location]

    def _make(self, store: MapStore, location: str, lazy: bool = False) -> Storage:
        if store == "local":
            return LocalStorage(location)
        if store == "http":
            from hlsinspect.storage.http import HttpStorage

            return HttpStorage(location, policy=self.policy)
        from hlsinspect.storage.s3 import S3Storage

        bucket = S3Storage(location, profile=self.s3.profile, region=self.s3.region,
                           endpoint_url=self.s3.endpoint_url, policy=self.policy, lazy=lazy)
        if self.inventory is not None and location == self._inventoried:
            return InventoriedStorage(bucket, self.inventory)
        return bucket

    def _with_maps(self, store: MapStore, location: str, *, lazy: bool = False) -> Storage:
        own = self.plain(store, location, lazy=lazy)
        if not self.maps:
            return own
        others: list[Storage] = []
        routes: list[Route] = []
        for item in self.maps:
            base = _base_in(item, store, location)
            if base is not None:
                routes.append(Route(item, 0, base))
                continue
            other = self.plain(item.store, item.location)
            if other not in others:
                others.append(other)
            routes.append(Route(item, others.index(other) + 1, item.base))
        return MappedStorage(own, others, routes)


def _common_prefix(keys: Sequence[str]) -> str:
    """The longest prefix, ending at a `/`, that every key shares ("" for none)."""
    shared = keys[0] if keys else ""
    for key in keys[1:]:
        while not key.startswith(shared):
            shared = shared[:-1]
    return shared[:shared.rfind("/") + 1]


def place(target: Target) -> tuple[MapStore, str]:
    if target.bucket is not None:
        return "s3", target.bucket
    if target.origin is not None:
        return "http", target.origin
    assert target.root is not None
    return "local", target.root


def _base_in(item: UriMap, store: MapStore, location: str) -> str | None:
    """The map's base path in the store at `location`, when its target lies in that store
    (the same bucket or origin, or a directory inside the local root); else None."""
    if (item.store, item.location) == (store, location):
        return item.base
    if item.store == store == "local":
        inside = os.path.relpath(item.location, location)
        if inside != os.pardir and not inside.startswith(os.pardir + os.sep):
            path = inside.replace(os.sep, "/")
            return "" if path == "." else quote(path) + "/"
    return None
