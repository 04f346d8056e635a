"""Stores hlsinspect reads from: S3 (boto3) and the local file system."""

from hlsinspect.storage.base import (
    MAX_PLAYLIST_BYTES,
    ErrorKind,
    Existence,
    ObjectState,
    Storage,
    StorageError,
)
from hlsinspect.storage.local import LocalStorage

__all__ = [
    "MAX_PLAYLIST_BYTES",
    "ErrorKind",
    "Existence",
    "LocalStorage",
    "ObjectState",
    "Storage",
    "StorageError",
]
