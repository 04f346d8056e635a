"""Where things are: the targets of the command line.

How a URI in a playlist becomes a key is each store's business (`Storage.resolve`, with the
shared key rules of `storage.keys`); this module only reads what the user typed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Literal

from hlsinspect.errors import UsageError
from hlsinspect.storage.keys import Reference, key_from_path, relative, s3_reference, scheme_of

PLAYLIST_SUFFIXES = (".m3u8", ".m3u")
TargetMode = Literal["playlist", "prefix", "auto"]
_BUCKET = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
"""What botocore accepts as a bucket name (older buckets may hold capitals and underscores)."""


@dataclass(frozen=True)
class Target:
    """One TARGET of the command line, mapped onto a store.

    `bucket` is set for S3 and `root` for the local file system; `key` is relative to either
    (a local file target's root is its directory unless --root says otherwise). `mode` is
    `playlist`, `prefix`, or `auto` for an S3 key that is a playlist if such an object exists
    and a prefix otherwise.
    """

    text: str = field(compare=False)
    key: str = ""
    mode: TargetMode = "playlist"
    bucket: str | None = None
    root: str | None = None


def is_playlist_key(key: str) -> bool:
    return key.lower().endswith(PLAYLIST_SUFFIXES)


def parse_target(text: str, bucket: str | None, env_bucket: str | None = None,
                 root: str | None = None) -> Target:
    """Map a TARGET onto S3 or the file system; UsageError when it fits neither.

    `bucket` (from --bucket) makes every bare path an S3 key, taken literally; `env_bucket`
    (from HLSINSPECT_BUCKET, often exported in CI) does so only for paths that do not exist
    here. `root` (from --root) is the local directory that plays the bucket: references may
    climb up to it, as they may climb to a bucket's top in S3.
    """
    scheme = scheme_of(text)
    if scheme == "s3":
        return _s3_target(text)
    if scheme is not None and not os.path.exists(text):
        raise UsageError(
            f"target {text!r}: only s3:// URIs and local paths can be inspected",
            hint="hlsinspect makes no requests to other hosts")
    if bucket or (env_bucket and not os.path.exists(text)):
        key = text.lstrip("/")
        return Target(text=text, bucket=bucket or env_bucket, key=key, mode=_s3_mode(key))
    if root is not None and os.path.exists(text):
        return _under_root(text, root)
    if os.path.isdir(text):
        return Target(text=text, root=os.path.abspath(text), key="", mode="prefix")
    if os.path.isfile(text):
        # A single file's root is its directory: references may not climb above it
        # (name a directory higher up as the target to allow that).
        directory, name = os.path.split(os.path.abspath(text))
        return Target(text=text, root=directory, key=name, mode="playlist")
    raise UsageError(
        f"target {text!r} is not a local file or directory, and no bucket was given",
        hint=f"for an S3 key use --bucket BUCKET (or HLSINSPECT_BUCKET) or s3://BUCKET/{text}",
    )


def _s3_target(text: str) -> Target:
    """`s3://BUCKET/PATH` is a URI: its path is percent-decoded by the key rules."""
    name, _, path = text[len("s3://"):].partition("/")
    if not name:
        raise UsageError(f"target {text!r} names no bucket", hint="use s3://BUCKET/KEY")
    if not _BUCKET.match(name):
        raise UsageError(f"target {text!r}: {name!r} is not a valid bucket name",
                         hint="bucket names are 3-63 lower-case letters, digits, dots and hyphens")
    if not path.split("#", 1)[0].split("?", 1)[0]:
        return Target(text=text, bucket=name, key="", mode="prefix")
    where = key_from_path("/" + path)
    if where.key is None:
        why = "it climbs above the bucket with '..'" if where.escapes else where.invalid
        raise UsageError(f"target {text!r} names no key: {why}",
                         hint="an s3:// URI is percent-decoded: write a literal % as %25, or "
                              "give the key as it is with --bucket BUCKET KEY")
    return Target(text=text, bucket=name, key=where.key, mode=_s3_mode(where.key))


def _under_root(text: str, root: str) -> Target:
    top, path = os.path.abspath(root), os.path.abspath(text)
    if not os.path.isdir(top):
        raise UsageError(f"--root {root!r} is not a directory")
    if path != top and not path.startswith(top.rstrip(os.sep) + os.sep):
        raise UsageError(f"target {text!r} is not inside --root {root!r}")
    key = os.path.relpath(path, top).replace(os.sep, "/") if path != top else ""
    if os.path.isdir(path):
        return Target(text=text, root=top, key=f"{key}/" if key else "", mode="prefix")
    return Target(text=text, root=top, key=key, mode="playlist")


def _s3_mode(key: str) -> TargetMode:
    if key == "" or key.endswith("/"):
        return "prefix"
    return "playlist" if is_playlist_key(key) else "auto"


def resolve(playlist_key: str, uri: str, bucket: str | None) -> Reference:
    """The key rules alone, for callers that compare references without a store: relative
    references, and `s3://` URIs into `bucket`. Stores resolve with `Storage.resolve`, which
    also knows their URL forms."""
    uri = uri.strip()
    if bucket is not None and scheme_of(uri) == "s3":
        return s3_reference(uri, bucket)
    return relative(playlist_key, uri)


__all__ = ["Reference", "Target", "is_playlist_key", "parse_target", "resolve"]
