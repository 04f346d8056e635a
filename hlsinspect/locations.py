"""Where things are: command-line targets, and --map rules that send URIs to another store.

How a URI in a playlist becomes a key is each store's business (`Storage.resolve`, with the
shared key rules of `storage.keys`); this module only reads what the user typed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from hlsinspect.errors import UsageError
from hlsinspect.uri.buckets import RULES, bucket_problem, legacy_name
from hlsinspect.uri.keys import (
    Reference,
    as_directory,
    is_playlist_key,
    key_from_path,
    not_a_playlist,
    relative,
    s3_reference,
    scheme_of,
    without_fragment,
    without_query,
)
from hlsinspect.uri.redact import redact
from hlsinspect.uri.urls import http_key, origin_of, split_url, url_path

TargetMode = Literal["playlist", "prefix", "auto"]


@dataclass(frozen=True)
class Target:
    """One TARGET of the command line, mapped onto a store.

    `bucket` is set for S3, `root` for the local file system and `origin` for an HTTP origin;
    `key` is relative to it (a local file target's root is its directory unless --root says
    otherwise). `mode` is `playlist`, `prefix`, or `auto` for an S3 key that is a playlist if
    such an object exists and a prefix otherwise.
    """

    text: str = field(compare=False)
    key: str = ""
    mode: TargetMode = "playlist"
    bucket: str | None = None
    root: str | None = None
    origin: str | None = None


def parse_target(text: str, bucket: str | None, env_bucket: str | None = None,
                 root: str | None = None) -> Target:
    """Map a TARGET onto S3, an HTTP origin or the file system; UsageError when it fits none.

    `bucket` (from --bucket) makes every bare path an S3 key, taken literally; `env_bucket`
    (from HLSINSPECT_BUCKET, often exported in CI) does so only for paths that do not exist
    here. `root` (from --root) is the local directory that plays the bucket: references may
    climb up to it, as they may climb to a bucket's top in S3.
    """
    _refuse_media(text)
    scheme = scheme_of(text)
    if (scheme in ("s3", "http", "https") and not text[len(scheme) + 1:].startswith("//")
            and not os.path.exists(text)):
        rest = text[len(scheme) + 1:].lstrip("/")
        raise UsageError(f"target {redact(text)!r} is not an {scheme}:// URL",
                         hint=f"write {scheme}://{rest}")
    if scheme == "s3":
        target = _s3_target(text)
        if bucket and bucket != target.bucket:
            raise UsageError(f"--bucket {bucket} but target {text!r} names bucket "
                             f"{target.bucket!r}", hint="drop --bucket, or give the key alone")
        return target
    if scheme in ("http", "https"):
        return _http_target(text)
    if scheme is not None and not os.path.exists(text):
        raise UsageError(
            f"target {redact(text)!r}: only s3:// and http(s):// URLs and local paths can be "
            "inspected", hint="hlsinspect reads S3, HTTP origins and the local file system")
    if bucket or (env_bucket and not os.path.exists(text)):
        key = text.lstrip("/")
        name = bucket or env_bucket
        assert name is not None
        valid_bucket(name, "--bucket" if bucket else "HLSINSPECT_BUCKET")
        return Target(text=text, bucket=name, key=key, mode=_s3_mode(key))
    if root is not None and os.path.exists(text):
        return _under_root(text, root)
    if os.path.isdir(text):
        return Target(text=text, root=os.path.abspath(text), key="", mode="prefix")
    if os.path.isfile(text):
        # A single file's root is its directory: references may not climb above it
        # (name a directory higher up as the target to allow that).
        directory, name = os.path.split(os.path.abspath(text))
        return Target(text=text, root=directory, key=name, mode="playlist")
    top = text.lstrip("/").split("/", 1)[0]
    if text.startswith(("./", "../", "~")) or (os.path.isabs(text) and top
                                                and os.path.isdir(os.sep + top)):
        # written as a path on this machine (/tmp/..., ./x): a mistyped or missing file,
        # not a key without its bucket (/HLS/1M/x.m3u8 still reads as one)
        parent = os.path.dirname(os.path.abspath(os.path.expanduser(text)))
        there = "exists" if os.path.isdir(parent) else "does not exist either"
        raise UsageError(f"target {text!r} is not a local file or directory",
                         hint=f"check the path; {parent} {there}")
    raise UsageError(
        f"target {text!r} is not a local file or directory, and no bucket was given",
        hint="for an S3 key use --bucket BUCKET (or HLSINSPECT_BUCKET) or "
             f"s3://BUCKET/{text.lstrip('/')}",
    )


def valid_bucket(name: str, where: str) -> str:
    """`name`, when S3 could have such a bucket (an old one, perhaps: see `legacy_name`);
    else a UsageError naming `where` it was given (an option, a target) and the naming rule
    it breaks. No request could find it."""
    problem = bucket_problem(name)
    if problem is not None and not legacy_name(name):
        raise UsageError(f"{where}: {name!r} is not a valid bucket name ({problem})",
                         hint=RULES)
    return name


def _refuse_media(text: str) -> None:
    """A segment or an image named where a playlist belongs: say which playlist to name."""
    path = without_query(text) if scheme_of(text) else text
    what = not_a_playlist(path)
    if what is not None and not os.path.isdir(text):
        # an HTTP origin cannot be listed: only its playlist can be named
        where = "" if scheme_of(text) in ("http", "https") else ", or its directory or prefix"
        raise UsageError(f"target {redact(text)!r} is {what}, not a playlist",
                         hint=f"pass the playlist (.m3u8) that lists it{where}; hlsinspect "
                              "follows a playlist to every object it names")


def _s3_target(text: str) -> Target:
    """`s3://BUCKET/PATH` is a URI: its path is percent-decoded by the key rules."""
    name, _, path = text[len("s3://"):].partition("/")
    if not name:
        raise UsageError(f"target {text!r} names no bucket", hint="use s3://BUCKET/KEY")
    valid_bucket(name, f"target {text!r}")
    if not without_query(path):
        return Target(text=text, bucket=name, key="", mode="prefix")
    where = key_from_path("/" + path)
    if where.key is None:
        why = "it climbs above the bucket with '..'" if where.escapes else where.invalid
        raise UsageError(f"target {text!r} names no key: {why}",
                         hint="an s3:// URI is percent-decoded: write a literal % as %25, or "
                              "give the key as it is with --bucket BUCKET KEY")
    return Target(text=text, bucket=name, key=where.key, mode=_s3_mode(where.key))


def _http_target(text: str) -> Target:
    parts = split_url(text)
    if parts is None:
        raise UsageError(f"target {redact(text)!r} is not a valid URL",
                         hint="write http(s)://HOST[:PORT]/PATH/PLAYLIST.m3u8")
    if parts.username is not None or parts.password is not None:
        raise UsageError(f"target {redact(text)!r}: credentials in the URL are not supported",
                         hint="hlsinspect reads origins that need no login")
    if url_path(parts.path or "/").endswith("/"):
        raise UsageError(
            f"target {text!r} names a directory: an HTTP origin cannot be listed",
            hint="name one playlist, such as https://host/path/master.m3u8")
    return Target(text=text, origin=origin_of(parts), key=http_key(parts.path, parts.query))


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


MapStore = Literal["s3", "http", "local"]


@dataclass(frozen=True)
class UriMap:
    """One `--map PREFIX=TARGET`: URIs under `prefix` are verified at the target instead."""

    prefix: str
    """Canonical `scheme://host[:port]/path/`, always ending in "/"."""
    store: MapStore
    location: str
    """The bucket, the origin (`scheme://host[:port]`), or the absolute directory."""
    base: str
    """Percent-encoded path in `location`: "" or ending in "/"."""
    text: str = field(default="", compare=False)

    def below(self, uri: str) -> str | None:
        """What follows the prefix in `uri` (percent-encoded, with any query), or None."""
        canonical = canonical_uri(uri)
        if canonical is None or not canonical.startswith(self.prefix):
            return None
        return canonical[len(self.prefix):]


def absolute_reference(base: str, rest: str) -> str:
    """An absolute-path reference to `base` + `rest` (both percent-encoded) in a store."""
    path = "/" + base + rest
    return "/." + path if path.startswith("//") else path  # "//x" would name a host


def canonical_uri(uri: str) -> str | None:
    """An absolute http(s) or s3 URI as compared with --map prefixes; None for any other."""
    uri = without_fragment(uri.strip())
    scheme = scheme_of(uri)
    if scheme == "s3":
        name, slash, rest = uri[len("s3://"):].partition("/")
        path, _, query = (slash + rest).partition("?")
        return f"s3://{name.lower()}{url_path(path or '/')}" + (f"?{query}" if query else "")
    parts = split_url(uri) if scheme in ("http", "https") else None
    if parts is None:
        return None
    query = f"?{parts.query}" if parts.query else ""
    return f"{origin_of(parts)}{url_path(parts.path or '/')}{query}"


def parse_map(text: str) -> UriMap:
    """`PREFIX=TARGET` as typed after --map (or in a config file); UsageError when malformed.

    PREFIX is an absolute http(s):// or s3:// URL; TARGET is `s3://BUCKET/PATH/`,
    `http(s)://HOST/PATH/` or a local directory. Both name directories: a trailing "/" is
    implied, so `https://cdn.example.com/hls` never matches `https://cdn.example.com/hlsx/`.
    """
    hint = "write --map PREFIX=TARGET, for example --map https://cdn.example.com/=s3://bucket/"
    prefix_text, equals, target_text = text.partition("=")
    shown = "=".join(redact(part) for part in text.split("=", 1))
    if not equals or not prefix_text.strip() or not target_text.strip():
        raise UsageError(f"--map {shown!r}: expected PREFIX=TARGET", hint=hint)
    prefix_text, target_text = prefix_text.strip(), target_text.strip()
    prefix = canonical_uri(prefix_text)
    if prefix is None or "@" in prefix_text.partition("//")[2].partition("/")[0]:
        raise UsageError(f"--map {shown!r}: PREFIX must be an http(s):// or s3:// URL "
                         "without user:password", hint=hint)
    if "?" in prefix or "#" in prefix_text:
        raise UsageError(f"--map {shown!r}: PREFIX cannot hold a query or fragment", hint=hint)
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    store, location, base = _map_target(target_text, shown, hint)
    return UriMap(prefix, store, location, base, text=text)


def _map_target(text: str, shown: str, hint: str) -> tuple[MapStore, str, str]:
    scheme = scheme_of(text)
    canonical = canonical_uri(text)
    if scheme == "s3" and canonical is not None:
        name, _, path = canonical[len("s3://"):].partition("/")
        if not name or "?" in path:
            raise UsageError(f"--map {shown!r}: TARGET must be s3://BUCKET/PATH/", hint=hint)
        bucket = valid_bucket(text[len("s3://"):].partition("/")[0], f"--map {shown!r}")
        return "s3", bucket, as_directory(path)
    if scheme in ("http", "https"):
        parts = split_url(text)
        if parts is None or parts.username is not None or parts.query:
            raise UsageError(f"--map {shown!r}: TARGET must be http(s)://HOST/PATH/ without "
                             "user:password or query", hint=hint)
        return "http", origin_of(parts), as_directory(url_path(parts.path or "/")[1:])
    if scheme is None and os.path.isdir(text):
        return "local", os.path.abspath(text), ""
    raise UsageError(f"--map {shown!r}: TARGET must be s3://BUCKET/PATH/, http(s)://HOST/PATH/ "
                     "or an existing local directory", hint=hint)


def parse_maps(texts: Iterable[str]) -> tuple[UriMap, ...]:
    """Every --map, longest prefix first (the most specific wins); a prefix given twice is a
    usage error."""
    maps = [parse_map(text) for text in texts]
    seen: set[str] = set()
    for item in maps:
        if item.prefix in seen:
            raise UsageError(f"--map prefix {redact(item.prefix)!r} is given twice",
                             hint="give each prefix one target")
        seen.add(item.prefix)
    return tuple(sorted(maps, key=lambda item: len(item.prefix), reverse=True))


def map_target(text: str, maps: Iterable[UriMap]) -> tuple[str, str | None] | None:
    """A TARGET that a --map sends elsewhere, as (the target to inspect, its --root)."""
    for item in maps:
        rest = item.below(text)
        if rest is None:
            continue
        if item.store == "s3":
            return f"s3://{item.location}/{item.base}{rest}", None
        if item.store == "http":
            return f"{item.location}/{item.base}{rest}", None
        where = key_from_path(absolute_reference(item.base, rest))
        if where.key is None:
            raise UsageError(f"target {text!r} maps to no file under {item.location}")
        return os.path.join(item.location, *where.key.split("/")), item.location
    return None


__all__ = ["Reference", "Target", "UriMap", "is_playlist_key", "parse_map", "parse_maps",
           "parse_target", "resolve", "valid_bucket"]
