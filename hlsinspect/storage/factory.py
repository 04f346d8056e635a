"""Which store serves a target: each made once per run.

A bucket named by two targets is one store with one client; an S3 store is only imported
(boto3) when a run needs one, an HTTP store (urllib3) likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hlsinspect.locations import Target
from hlsinspect.storage.base import RequestPolicy, Storage
from hlsinspect.storage.local import LocalStorage

StoreKind = Literal["s3", "http", "local"]


@dataclass(frozen=True)
class S3Options:
    """How to reach S3; None means boto3's defaults (environment, profile, SSO, role)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None


class Stores:
    """Makes and keeps the stores of one run. StorageError when one cannot be set up."""

    def __init__(self, s3: S3Options, policy: RequestPolicy) -> None:
        self.s3 = s3
        self.policy = policy
        self._stores: dict[tuple[StoreKind, str], Storage] = {}

    def for_target(self, target: Target) -> Storage:
        """The store a target is inspected in."""
        where = place(target)
        if where not in self._stores:
            self._stores[where] = self._make(*where)
        return self._stores[where]

    def _make(self, store: StoreKind, location: str) -> Storage:
        if store == "local":
            return LocalStorage(location)
        if store == "http":
            from hlsinspect.storage.http import HttpStorage

            return HttpStorage(location, policy=self.policy)
        from hlsinspect.storage.s3 import S3Storage

        return S3Storage(location, profile=self.s3.profile, region=self.s3.region,
                         endpoint_url=self.s3.endpoint_url, policy=self.policy)


def place(target: Target) -> tuple[StoreKind, str]:
    if target.bucket is not None:
        return "s3", target.bucket
    if target.origin is not None:
        return "http", target.origin
    assert target.root is not None
    return "local", target.root
