"""The one small interface both stores implement: read, stat, list.

Per-object failures of `stat` come back as data (`ObjectState`), because one unverifiable
segment must not stop the others; `read` and the listings raise `StorageError`, which the
engine turns into a finding or, for the playlist the user named, into a fatal error.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hlsinspect.storage.keys import Reference

MAX_PLAYLIST_BYTES = 64 * 1024 * 1024
"""A playlist larger than this is not read into memory (100k segments is about 6 MB)."""


class Existence(str, enum.Enum):
    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ObjectState:
    """What is known of one object: present (with size), missing (a 404), or unknown (why)."""

    existence: Existence
    size: int | None = None
    reason: str | None = None
    retryable: bool = False
    """True when asking again may help (throttling, 5xx, timeouts)."""


class ErrorKind(str, enum.Enum):
    NOT_FOUND = "not-found"
    NO_BUCKET = "no-bucket"
    ACCESS_DENIED = "access-denied"
    CREDENTIALS = "credentials"
    UNREACHABLE = "endpoint-unreachable"
    THROTTLED = "throttled"
    TOO_LARGE = "too-large"
    OTHER = "storage-error"


class StorageError(Exception):
    """A read or listing failed; `kind` says how, `hint` how to fix it when known."""

    def __init__(self, kind: ErrorKind, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint


class Storage(Protocol):
    """A bucket or a local directory tree, addressed by `/`-separated keys."""

    @property
    def bucket(self) -> str | None:
        """The S3 bucket, or None for a store that is not S3 (a directory)."""
        ...

    def uri(self, key: str) -> str:
        """How the object is named in reports: `s3://bucket/key` or an absolute path."""
        ...

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        """The key `uri`, as written in the playlist at `playlist_key`, names in this store,
        or why it names none here. The one place a reference becomes a key."""
        ...

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        """The whole object, in memory; StorageError when it can't be had."""
        ...

    def stat(self, key: str) -> ObjectState:
        """Existence and size of one object; never raises for a per-object failure."""
        ...

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        """Every (key, size) under `prefix`, recursively; StorageError when denied."""
        ...

    def list_directory(self, directory: str) -> dict[str, int]:
        """Sizes of the objects directly in `directory` (a complete listing, or an error)."""
        ...
