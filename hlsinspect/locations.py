"""Where things are: command-line targets, and the objects a playlist's URIs point at.

References are resolved here with RFC 3986 dot-segment rules against the playlist's key, not
with `urljoin` (which does not resolve `s3://` URIs) and not with `posixpath.normpath` (which
folds `a//b`, a distinct S3 key). A reference that climbs above the root is reported, never
requested.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

from hlsinspect.errors import UsageError

PLAYLIST_SUFFIXES = (".m3u8", ".m3u")
TargetMode = Literal["playlist", "prefix", "auto"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True)
class Target:
    """One TARGET of the command line, mapped onto a store.

    `bucket` is set for S3 and `root` for the local file system; `key` is relative to either
    (a local file target's root is its directory unless --root says otherwise). `mode` is
    `playlist`, `prefix`, or `auto` for an S3 key that is a playlist if such an object
    exists and a prefix otherwise.
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
    """Map a TARGET onto S3 or the file system; raise UsageError when it fits neither.

    `bucket` (from --bucket) makes every bare path an S3 key; `env_bucket` (from
    HLSINSPECT_BUCKET, often exported in CI) does so only for paths that do not exist here.
    `root` (from --root) is the local directory that plays the bucket: references may climb
    up to it, as they may climb to a bucket's top in S3.
    """
    if text.startswith("s3://"):
        name, _, key = text[len("s3://"):].partition("/")
        if not name:
            raise UsageError(f"target {text!r} names no bucket", hint="use s3://BUCKET/KEY")
        return Target(text=text, bucket=name, key=key, mode=_s3_mode(key))
    if _SCHEME.match(text) and not os.path.exists(text):
        raise UsageError(
            f"target {text!r}: only s3:// URIs and local paths can be inspected",
            hint="hlsinspect makes no requests to other hosts",
        )
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


@dataclass(frozen=True)
class Reference:
    """Where a URI in a playlist points.

    Exactly one of `key` (an object in the same store), `external` (why it is not fetched),
    `escapes` (it climbs above the root) or `invalid` (why it names no object) describes it.
    """

    key: str | None = None
    external: str | None = None
    escapes: bool = False
    invalid: str | None = None


def resolve(playlist_key: str, uri: str, bucket: str | None) -> Reference:
    """Resolve `uri` as written in the playlist at `playlist_key` to a key in the same store.

    `bucket` is the S3 bucket of the store, or None for the local file system; an `s3://` URI
    into that same bucket is followed, any other scheme or host is external.
    """
    uri = uri.strip()
    match = _SCHEME.match(uri)
    if match:
        scheme = match.group(1).lower()
        if scheme == "s3" and bucket is not None:
            name, _, path = uri[len("s3://"):].partition("/")
            if name == bucket:
                return _to_key("/" + path)
            return Reference(external=f"in another bucket ({name})")
        return Reference(external=f"{scheme}: URI")
    if uri.startswith("//"):
        return Reference(external="on another host")
    if uri.startswith("/"):
        return _to_key(uri)
    directory = playlist_key.rpartition("/")[0]
    return _to_key(f"/{directory}/{uri}" if directory else f"/{uri}")


def _to_key(path: str) -> Reference:
    """Drop query and fragment, percent-decode, remove dot segments: the object's key.

    Decoding comes first so that `%2e%2e` counts as `..` (RFC 3986 6.2.2.2) and can never
    smuggle a climb above the root past the check.
    """
    path = unquote(path.split("#", 1)[0].split("?", 1)[0])
    if "\x00" in path:
        return Reference(invalid="it contains a NUL character")
    segments: list[str] = []
    escapes = False
    for part in path.split("/")[1:]:
        if part == ".":
            continue
        if part == "..":
            if segments:
                segments.pop()
            else:
                escapes = True
            continue
        segments.append(part)
    if escapes:
        return Reference(escapes=True)
    return Reference(key="/".join(segments))
