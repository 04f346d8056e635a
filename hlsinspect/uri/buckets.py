"""Whether a name can be an S3 bucket's: checked before any request, so a typo such as
`s3://Titles_Out/` is a usage error that names the rule it breaks, not a NoSuchBucket from
S3 (or a bucket that S3 would refuse to create anyway).

The rules are S3's own for general purpose buckets ("Bucket naming rules", Amazon S3 User
Guide). Names with capitals or underscores, or up to 255 characters, could once be created in
us-east-1; S3 has refused them since March 2018, but such buckets still exist and are read
with path-style requests. So a name that only the old rules allow (`legacy_name`) is asked
for; only when S3 answers that there is no such bucket is it called invalid. A name that no
rule ever allowed (`s3://b!/`) never reaches S3.
"""

from __future__ import annotations

import re

RULES = ("S3 bucket names are 3-63 characters of lower-case letters, digits, dots and "
         "hyphens, begin and end with a letter or digit, have no two dots in a row and are "
         "not shaped like an IP address")
"""The naming rules, as a hint says them."""

_LEGACY = re.compile(r"^[A-Za-z0-9._-]{3,255}$")
"""What us-east-1 accepted before March 2018 (and botocore still addresses, path-style)."""
_SHAPE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_problem(name: str) -> str | None:
    """Why `name` cannot be an S3 bucket's name, or None when it can."""
    if not 3 <= len(name) <= 63:
        return f"it has {len(name)} characters, not 3 to 63"
    if not _SHAPE.match(name):
        return ("it holds characters other than lower-case letters, digits, dots and "
                "hyphens, or does not begin and end with a letter or digit")
    if ".." in name:
        return "it has two dots in a row"
    if _IP.match(name):
        return "it is shaped like an IP address"
    reserved = [a for a in _RESERVED_PREFIXES if name.startswith(a)]
    reserved += [a for a in _RESERVED_SUFFIXES if name.endswith(a)]
    if reserved:
        return f"{reserved[0]!r} is reserved by S3"
    return None


def legacy_name(name: str) -> bool:
    """Whether `name` breaks today's rules but an old us-east-1 bucket may still have it."""
    return _LEGACY.match(name) is not None and bucket_problem(name) is not None


def bucket_of(text: str) -> str:
    """The bucket a `--bucket`-like option names: `B`, or `s3://B` / `s3://B/` as copied
    from a target."""
    if text[:5].lower() == "s3://":
        return text[5:].rstrip("/")
    return text


__all__ = ["RULES", "bucket_of", "bucket_problem", "legacy_name"]
