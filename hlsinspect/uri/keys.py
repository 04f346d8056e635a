"""The key rules: how a URI written in a playlist becomes the key of an object, for every store.

S3 and the local file system share these rules, so a copy of a bucket on disk checks exactly
like the bucket (`--root`). They follow what a player does with a reference (RFC 3986) and
then what S3 does with the request path:

- Query and fragment are dropped (a presigned URL's signature names no other object).
- Dot segments are removed first, on the path as written (RFC 3986 5.2.4, as a player
  resolves a reference before it asks). `%2E` is an unreserved character, the same as `.`
  (RFC 3986 6.2.2.2), so `%2e%2e` is `..` and cannot smuggle a climb past the check; `%2F`
  is reserved, so `sub/..%2Fx.ts` is one segment, not a climb. Climbing above the top of the
  store is reported (`uri-escapes-root`).
- Then each segment is percent-decoded as UTF-8, the way S3 decodes a request path, once:
  `sub/..%2Fx.ts` is the key `sub/../x.ts`, `a%2Fb.ts` the key `a/b.ts`, and `+` is a plus
  sign. A sequence that does not decode (`%FF`) names no key at all: the reference is
  invalid, never a U+FFFD key.
- S3 itself never resolves `.` or `..` in a key, nor folds `//`: the data model is flat, a
  key is any UTF-8 string of up to 1,024 bytes, and `./` or `../` prefixes are legal key
  names ("Naming Amazon S3 objects", https://docs.aws.amazon.com/AmazonS3/latest/userguide/
  object-keys.html). SigV4 signing says the same: "you do not normalize URI paths for
  requests to Amazon S3 ... if you have a bucket with an object named
  my-object//example//photo.user, use that path" (AWS SigV4 test suite, normalize-path;
  https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, canonical
  request). So `a/b/../c.ts` asked of S3 is that literal key (only a player in front of S3
  would have resolved it), and the empty segment of `a//b.ts` is kept. hlsinspect never puts
  such a key in a request path, though (a proxy or SDK that normalises paths would ask for
  another object, or leave the bucket): S3 shows it in a listing of its directory, or it is
  `object-unverified`.
- `+` means a space only in form encoding (`application/x-www-form-urlencoded`), which S3
  uses for the key in event notifications ("red flower.jpg" becomes "red+flower.jpg",
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html);
  in a URL path it is a literal `+` (RFC 3986 2.2, a sub-delimiter), and S3 reads it so.
- A key that no file can have (an empty, `.` or `..` segment) does not exist in the local
  store, as in S3 for a tree that was uploaded from disk.
- A key must be 1 to 1,024 UTF-8 bytes without NUL, as in S3.

An `s3://BUCKET/PATH` URI follows the same rules wherever it is written, in a playlist or on the
command line: it is a URI, so it is percent-decoded (a key holding a literal `%` is written
`%25`, or given as a bare KEY with --bucket, which is taken literally).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from hlsinspect.quick_init import quick_init
from hlsinspect.uri.suffixes import PLAYLIST_SUFFIXES

MAX_KEY_BYTES = 1024
"""S3 refuses longer keys, so no object can have one."""

SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@quick_init
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
    refused: str | None = None
    """What the object is when a store will not open it (the local store: a FIFO, a device)."""


def scheme_of(uri: str) -> str | None:
    """The URI's scheme in lower case, or None for a relative reference."""
    match = SCHEME.match(uri)
    return match.group(1).lower() if match else None


def without_fragment(text: str) -> str:
    """A URI without its fragment, which no client sends: what a request is made of."""
    return text.split("#", 1)[0]


def without_query(text: str) -> str:
    """A URI (or an origin's key) without its fragment and query: the path that names the
    object in S3 or on disk, and whose extension says what it is. Dropped once, here."""
    return without_fragment(text).split("?", 1)[0]


_DOTS = re.compile(r"(?:\.|%2[eE]){1,2}\Z")
"""A dot segment, still percent-encoded: `%2E` is an unreserved character, the same as `.`
(RFC 3986 6.2.2.2), so `%2e%2e` is `..`; `%2F` is reserved and stays in its segment."""


def _dot_segment(part: str) -> int:
    """1 for `.`, 2 for `..` (encoded or not), 0 for any other segment."""
    return len(part.replace("%2e", ".").replace("%2E", ".")) if _DOTS.match(part) else 0


def key_from_path(path: str, base: Sequence[str] = ()) -> Reference:
    """The key named by `path`, a URL path ("/a/b.ts") relative to the top of the store, or
    to the directory whose key segments are `base`: those are taken as they are (a key may
    hold `%` or `?`), only `path` is percent-decoded.

    Dot segments are removed first, on the path as written (RFC 3986 5.2.4, the way a player
    resolves a reference before it asks), then each segment is decoded: `sub/..%2Fx.ts` is
    the key `sub/../x.ts`, which S3 looks up as it is, not `x.ts`."""
    parts = without_query(path).split("/")[1:]
    segments: list[str] = list(base)
    for part in parts:
        dots = _dot_segment(part)
        if dots == 2:
            if not segments:
                return Reference(escapes=True)
            segments.pop()
        elif dots == 0:
            try:
                segments.append(unquote(part, encoding="utf-8", errors="strict"))
            except UnicodeDecodeError:
                return Reference(invalid="its percent-encoding is not UTF-8, so it names no key")
    if parts and _dot_segment(parts[-1]) and segments:
        segments.append("")  # "a/b/.." is the directory "a/", as in RFC 3986 5.2.4
    key = "/".join(segments)
    if "\x00" in key:
        return Reference(invalid="it contains a NUL character")
    if not key:
        return Reference(invalid="it names the top of the store, not an object")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return Reference(invalid=f"its key is longer than {MAX_KEY_BYTES} bytes, the most S3 "
                                 "allows")
    return Reference(key=key)


def directory_of(key: str) -> str:
    """The directory a key (or URI) is in, without the final "/": `a/b` for `a/b/c.ts`,
    "" at the top."""
    return key.rpartition("/")[0]


def directory_prefix(key: str) -> str:
    """The prefix of the directory a key is in, as S3 lists it: `a/b/` for `a/b/c.ts`, ""
    at the top."""
    directory = directory_of(key)
    return f"{directory}/" if directory else ""


def as_directory(path: str) -> str:
    """`path` named as a directory (a prefix): with a final "/", unless it is the top ("")."""
    return path if not path or path.endswith("/") else path + "/"


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
"""A file name a transcoder writes (`sample00001.ts`): nothing in it to decode or resolve."""


def relative(playlist_key: str, uri: str) -> Reference:
    """A reference without a scheme, resolved against the playlist's directory; or, with a
    scheme or a host (`//host/...`), why it is not in this store."""
    uri = uri.strip()
    if _PLAIN_NAME.match(uri):  # the common case, a hundred thousand times in a title set
        key = f"{directory_of(playlist_key)}/{uri}" if "/" in playlist_key else uri
        if len(key.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES:
            return Reference(key=key)
    scheme = scheme_of(uri)
    if scheme is not None:
        return Reference(external=external_reason(uri, scheme))
    if uri.startswith("//"):
        host = re.split(r"[/?#]", uri[2:], maxsplit=1)[0].rpartition("@")[2]
        return Reference(external=f"on another host ({host or '?'})")
    if uri.startswith("/"):
        return key_from_path(uri)
    directory = directory_of(playlist_key)
    return key_from_path(f"/{uri}", directory.split("/") if directory else ())


def external_reason(uri: str, scheme: str) -> str:
    """Why an absolute URI that this store does not serve is not fetched."""
    if scheme == "s3":
        return f"in another bucket ({s3_bucket(uri)})"
    if scheme in ("http", "https"):
        try:
            host = urlsplit(uri).netloc.rpartition("@")[2]
        except ValueError:
            host = ""
        return f"on another host ({host or '?'})"
    return f"a {scheme}: URI, which names no stored object"


def s3_bucket(uri: str) -> str:
    return uri[len("s3://"):].partition("/")[0] if uri[:5].lower() == "s3://" else ""


def s3_reference(uri: str, bucket: str) -> Reference:
    """An `s3://` URI: a key in `bucket` under the key rules, or another bucket's."""
    name, _, path = uri[len("s3://"):].partition("/")
    if name != bucket:
        return Reference(external=f"in another bucket ({name})")
    return key_from_path("/" + path)




def is_playlist_key(key: str) -> bool:
    return key.lower().endswith(PLAYLIST_SUFFIXES)


_NOT_PLAYLISTS = {
    "a media segment": (".ts", ".m4s", ".mp4", ".m4v", ".m4a", ".aac", ".ac3", ".ec3",
                        ".mp3", ".cmfv", ".cmfa", ".vtt", ".webvtt"),
    "an image": (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"),
}


def not_a_playlist(name: str) -> str | None:
    """What a name that a playlist lists is ("a media segment", "an image"), going by its
    extension; None for anything that may be a playlist or a directory."""
    lowered = name.lower()
    return next((what for what, suffixes in _NOT_PLAYLISTS.items()
                 if lowered.endswith(suffixes)), None)
