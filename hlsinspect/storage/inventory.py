"""An Amazon S3 Inventory report as the listing of a bucket: no LIST or HEAD on that bucket.

A nightly audit of a whole bucket would otherwise make one listing request per 1,000 keys;
the inventory S3 already wrote settles which objects exist, and their sizes, for the price
of reading a few files from the destination bucket. This module reads its `manifest.json`
(`open_manifest`) and then its data files, one at a time (`inventory_objects`); the file
formats themselves are read in `inventory_files`.

What it relies on, from the Amazon S3 User Guide ("Amazon S3 Inventory", "Locating your
inventory list", and the CSV template of "Querying Amazon S3 Inventory with Amazon Athena"):

- The manifest is `destination-prefix/source-bucket/config-ID/YYYY-MM-DDTHH-MMZ/manifest.json`
  in the destination bucket; its members are `sourceBucket`, `destinationBucket` (an ARN,
  `arn:aws:s3:::name`), `version`, `creationTimestamp` (milliseconds since the epoch, as a
  string), `fileFormat` (`CSV`, `ORC` or `Parquet`), `fileSchema` and `files`, a list of
  `{key, size, MD5checksum}` naming the data files in the destination bucket.
- `fileSchema` is, for CSV, the column names separated by commas (`Bucket, Key, VersionId,
  IsLatest, IsDeleteMarker, Size, ...`); for ORC a type (`struct<bucket:string,key:string,
  ...,size:bigint,...>`); for Parquet a message (`message s3.inventory { required binary
  bucket (UTF8); required binary key (UTF8); ... optional int64 size; ... }`). The ORC and
  Parquet columns are named in lower case with underscores (`is_latest`, `is_delete_marker`).
- `VersionId`, `IsLatest` and `IsDeleteMarker` are only in an inventory of all versions: there
  a row that is not the latest version, or is a delete marker, is no current object. Athena's
  CSV template types `size` as a string, since a delete marker has none.

Only objects are reported: the inventory is a snapshot, eventually consistent, so an object
written just before it ran may be missing from it (AWS says so); that is the caller's to weigh.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from hlsinspect.storage import inventory_files
from hlsinspect.storage.base import ErrorKind, StorageError
from hlsinspect.uri.keys import key_from_path, scheme_of

if TYPE_CHECKING:
    from hlsinspect.storage.s3 import S3Storage

__all__ = ["Manifest", "inventory_objects", "manifest_location", "open_manifest", "stale"]

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""A manifest names one entry (about 200 bytes) per data file: far below this."""

FORMATS = {"csv": "CSV", "orc": "ORC", "parquet": "Parquet"}
"""The file formats S3 Inventory writes, by their name in lower case."""

_REQUIRED = ("sourceBucket", "destinationBucket", "fileFormat", "fileSchema", "files")
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$")
_WHERE = "s3://DEST-BUCKET/PREFIX/SOURCE-BUCKET/CONFIG-ID/YYYY-MM-DDTHH-MMZ/manifest.json"
_WHAT_HINT = f"give the manifest.json of one S3 Inventory run ({_WHERE}), or that folder"
_ORC_FIELD = re.compile(r"(?:^|[<,])\s*(\w+)\s*:")
_PARQUET_FIELD = re.compile(r"\b(?:required|optional|repeated)\s+\w+\s+(\w+)")


@dataclass(frozen=True)
class Manifest:
    """One inventory run, as its manifest.json describes it."""

    source_bucket: str
    """The bucket the inventory lists (checked against the audited bucket when opened)."""
    file_format: str
    """"CSV", "ORC" or "Parquet"."""
    columns: tuple[str, ...]
    """The column names `fileSchema` gives, as written there."""
    files: tuple[str, ...]
    """The keys of the data files in the destination bucket, in the manifest's order."""
    destination_bucket: str
    """The bucket name of the manifest's `destinationBucket` ARN."""
    made: datetime | None
    """When S3 began scanning the bucket: the manifest's creationTimestamp, else the
    dated folder it lies in (`.../2026-11-28T01-00Z/manifest.json`); None when neither
    says."""

    @property
    def created(self) -> str | None:
        """`made` as ISO 8601 text (UTC, to the second)."""
        if self.made is None:
            return None
        return self.made.isoformat(timespec="seconds").replace("+00:00", "Z")


def manifest_location(uri: str) -> tuple[str, str]:
    """(bucket, key) of the manifest `uri` names: `s3://BUCKET/.../manifest.json`, or its
    folder (ending in `/`, or the dated folder `.../2026-11-28T01-00Z`), where `manifest.json`
    is added. The path is a URI's, so percent-decoded like every s3:// URI hlsinspect takes."""
    text = uri.strip()
    bucket, _, path = text[len("s3://"):].partition("/")
    if scheme_of(text) != "s3" or not bucket:
        raise StorageError(ErrorKind.OTHER, f"an inventory is given as an s3:// URI of its "
                           f"manifest.json, not {uri!r}", _WHAT_HINT)
    reference = key_from_path("/" + path)
    key = reference.key
    if key is None:
        raise StorageError(ErrorKind.OTHER, f"{uri} names no inventory manifest: the path is "
                           "empty, climbs out of the bucket or is not valid", _WHAT_HINT)
    last = key.rpartition("/")[2]
    if key.endswith("/"):
        key += MANIFEST
    elif _DATED.match(last):
        key += "/" + MANIFEST
    elif last != MANIFEST:
        raise StorageError(ErrorKind.OTHER, f"{uri} is not an inventory manifest: its name "
                           f"is not {MANIFEST}", _WHAT_HINT)
    return bucket, key


def open_manifest(store: S3Storage, key: str, *, audited_bucket: str) -> Manifest:
    """The manifest at `key` in `store` (the destination bucket), refused unless it is an
    inventory of `audited_bucket`: another bucket's inventory would report every object of
    the audited one missing. StorageError naming the manifest's s3:// URI when it cannot
    be read or is not an S3 Inventory manifest; when the format needs pyarrow and it is not
    installed, that is said now, before any data file is read."""
    uri = store.uri(key)
    data = _members(uri, _read(store, key))
    source = data["sourceBucket"]
    if source != audited_bucket:
        raise StorageError(
            ErrorKind.OTHER, f"the inventory {uri} lists bucket {source!r}, not the audited "
            f"bucket {audited_bucket!r}",
            f"give the manifest of an inventory of {audited_bucket} (its key names the source "
            f"bucket: .../{audited_bucket}/CONFIG-ID/YYYY-MM-DDTHH-MMZ/manifest.json)")
    file_format = FORMATS.get(data["fileFormat"].lower())
    if file_format is None:
        raise _bad(uri, f"has fileFormat {data['fileFormat']!r}, which is not one S3 "
                   "Inventory writes (CSV, ORC or Parquet)")
    columns = _columns(file_format, data["fileSchema"])
    _require_columns(uri, columns, data["fileSchema"])
    if file_format != "CSV":
        inventory_files.arrow(file_format)
    return Manifest(source_bucket=source, file_format=file_format, columns=columns,
                    files=tuple(entry["key"] for entry in data["files"]),
                    destination_bucket=data["destinationBucket"].rpartition(":")[2],
                    made=_created(data.get("creationTimestamp")) or _dated(key))


def inventory_objects(store: S3Storage, manifest: Manifest, prefix: str
                      ) -> Iterator[tuple[str, int]]:
    """Every (key, size) of a current object of the source bucket whose key begins with
    `prefix`, read file by file from `store`, the bucket the manifest was read from.

    Memory stays bounded: a CSV file is streamed and decompressed as it is read; an ORC or
    Parquet file is held whole (pyarrow needs to seek in it) and read in batches of rows.
    A data file that cannot be read whole (missing, cut off, damaged) raises StorageError
    naming it, possibly after the rows of the files before it: never a partial inventory
    that ends quietly."""
    for key in manifest.files:
        if manifest.file_format == "CSV":
            yield from inventory_files.csv_objects(store, key, manifest.columns, prefix)
        else:
            yield from inventory_files.arrow_objects(store, key, manifest.file_format, prefix)


def _read(store: S3Storage, key: str) -> bytes:
    try:
        return store.read(key, limit=MAX_MANIFEST_BYTES)
    except StorageError as exc:
        if exc.kind == ErrorKind.NOT_FOUND:
            raise StorageError(exc.kind, exc.message, _WHAT_HINT) from exc
        if exc.kind == ErrorKind.TOO_LARGE:
            raise _bad(store.uri(key), f"is larger than a manifest can be "
                       f"({MAX_MANIFEST_BYTES // 2**20} MiB)") from exc
        raise


def _members(uri: str, text: bytes) -> dict[str, Any]:
    """The manifest's JSON object, with the members this module reads, of the right types."""
    try:
        data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8 at all
        raise _bad(uri, f"is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _bad(uri, "is not a JSON object")
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        raise _bad(uri, f"lacks the member{'s' if len(missing) > 1 else ''} "
                   f"{', '.join(missing)}")
    wrong = [name for name in _REQUIRED[:-1] if not isinstance(data[name], str)]
    if wrong:
        raise _bad(uri, f"has {', '.join(wrong)} that {'are' if len(wrong) > 1 else 'is'} "
                   "not a string")
    files = data["files"]
    if not isinstance(files, list) or not all(
            isinstance(entry, dict) and isinstance(entry.get("key"), str) and entry["key"]
            for entry in files):
        raise _bad(uri, "has files that are not a list of {key, size, MD5checksum}")
    return data


def _columns(file_format: str, schema: str) -> tuple[str, ...]:
    if file_format == "CSV":
        names = [name.strip() for name in schema.split(",")]
    elif file_format == "ORC":
        names = _ORC_FIELD.findall(schema.strip().removeprefix("struct<"))
    else:
        names = _PARQUET_FIELD.findall(schema)
    return tuple(name for name in names if name)


def _require_columns(uri: str, columns: tuple[str, ...], schema: str) -> None:
    """Key is what an inventory is for; Size is needed too, since hlsinspect judges sizes
    (empty segments, byte ranges) and a listing always has them: guessing 0 would report
    every segment empty."""
    have = {inventory_files.role(name) for name in columns}
    for role, name in (("key", "Key"), ("size", "Size")):
        if role not in have:
            hint = ("add the Size field to the inventory configuration; until it runs again, "
                    "check without --inventory") if role == "size" else None
            raise StorageError(ErrorKind.OTHER, f"the inventory {uri} has no {name} column "
                               f"(fileSchema: {schema[:200]!r})", hint or _WHAT_HINT)


def _created(stamp: object) -> datetime | None:
    """creationTimestamp (milliseconds since the epoch, as a string) as a moment in UTC."""
    try:
        return datetime.fromtimestamp(int(str(stamp)) / 1000, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _dated(key: str) -> datetime | None:
    """The moment the dated folder holding the manifest names (`YYYY-MM-DDTHH-MMZ`)."""
    folder = key.rpartition("/")[0].rpartition("/")[2]
    if not _DATED.match(folder):
        return None
    try:
        return datetime.strptime(folder, "%Y-%m-%dT%H-%MZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def stale(manifest: Manifest, uri: str, max_age: float, where: str,
          now: datetime | None = None) -> StorageError | None:
    """Why the inventory at `uri` is too old to trust (older than `max_age` seconds, as
    `where` asked), or None. An object deleted after the inventory was written would pass
    unseen, so an inventory of unknown date is not trusted either."""
    if max_age <= 0:
        return None
    hint = (f"use a newer inventory (S3 writes one daily or weekly), raise {where}, or "
            f"pass {where.partition(' ')[0]} 0 to trust it whatever its age")
    if manifest.made is None:
        return StorageError(
            ErrorKind.STALE_INVENTORY, f"the inventory {uri} has no date (no "
            "creationTimestamp, no dated folder): its age cannot be judged", hint)
    age = ((now or datetime.now(timezone.utc)) - manifest.made).total_seconds()
    if age <= max_age:
        return None
    return StorageError(
        ErrorKind.STALE_INVENTORY, f"the inventory {uri} was made {manifest.created}, "
        f"{_age(age)} ago: older than {where}; an object deleted since then would pass "
        "unseen", hint)


def _age(seconds: float) -> str:
    """An age, roughly, as people say it."""
    hours = seconds / 3600
    if hours < 48:
        return f"{hours:.0f} hours" if hours >= 2 else f"{seconds / 60:.0f} minutes"
    return f"{hours / 24:.0f} days"


def _bad(uri: str, why: str) -> StorageError:
    return StorageError(ErrorKind.OTHER, f"the inventory manifest {uri} {why}", _WHAT_HINT)
