"""Which bucket an http(s) URL addresses: S3's own URL forms, and a custom endpoint's.

Transcoders often write absolute URLs into their output bucket. The forms recognised:

- virtual-hosted: `BUCKET.s3.amazonaws.com`, `BUCKET.s3.REGION.amazonaws.com`, the legacy
  `BUCKET.s3-REGION.amazonaws.com` and `BUCKET.s3.dualstack.REGION.amazonaws.com` (and the
  `.amazonaws.com.cn` partition), the bucket in the host name;
- path-style: the same hosts without the bucket, which is then the first path segment;
- path-style on the endpoint in use (`--endpoint-url`, `AWS_ENDPOINT_URL`): `ENDPOINT/BUCKET/K`.

http and https name the same object. An endpoint stands in for S3, so a bucket's AWS URLs are
checked against it too (as a local copy stands in for the bucket with --root).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from hlsinspect.quick_init import quick_init

_S3_HOST = re.compile(r"^s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Endpoint:
    """A custom S3 endpoint, compared by host and effective port."""

    host: str
    port: int
    path: str
    """Any path prefix the endpoint has, without its trailing slash."""

    @classmethod
    def parse(cls, url: str) -> Endpoint | None:
        try:
            parts = urlsplit(url)
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            return None
        if not parts.hostname or port is None:
            return None
        return cls(parts.hostname.lower(), port, parts.path.rstrip("/"))


@quick_init
@dataclass(frozen=True)
class Located:
    """The bucket a URL addresses, and the object path in it (still percent-encoded)."""

    bucket: str
    path: str
    """Begins with "/" (empty when the URL names the bucket itself)."""


def locate(url: str, endpoints: tuple[Endpoint, ...] = ()) -> Located | None:
    """The bucket and path an http(s) URL addresses on S3 or on `endpoints`; None otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    if _S3_HOST.match(host):
        return _path_style(parts.path)
    for index, char in enumerate(host):
        if char == "." and index and _S3_HOST.match(host[index + 1:]):
            return Located(host[:index], parts.path)
    for endpoint in endpoints:
        if (host, port) == (endpoint.host, endpoint.port) and (
                parts.path.startswith(endpoint.path + "/")):
            return _path_style(parts.path[len(endpoint.path):])
    return None


def _path_style(path: str) -> Located | None:
    bucket, slash, rest = path[1:].partition("/")
    if not bucket:
        return None
    return Located(bucket, slash + rest)
