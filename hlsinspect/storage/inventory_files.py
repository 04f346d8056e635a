"""The data files of an S3 Inventory, row by row: gzip-compressed CSV, ORC and Parquet.

Part of the inventory reader (`inventory.py`), kept apart so each file does one thing. What
the formats hold, from the Amazon S3 User Guide ("Amazon S3 Inventory"): CSV files are
compressed with GZIP, ORC files with ZLIB, Parquet files with Snappy; "when using the CSV file
format, the key name is URL-encoded and must be decoded before you can use it" (so ORC and
Parquet keys are taken as they are). The URL encoding is the form encoding, a space written
`+` and a `+` written `%2B`, as users of real inventories found (cloud-custodian issue
#1997: "URL-encoded with space encoded as plus", fixed by decoding with `unquote_plus`).
Keys are decoded exactly once: a key holding `%41` is written `%2541`.

A CSV file has no header row, and its columns are those of the manifest's `fileSchema`; ORC
and Parquet files carry their own schema, which is read instead.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from hlsinspect.storage.base import ErrorKind, StorageError

if TYPE_CHECKING:
    from hlsinspect.storage.s3 import S3Storage

BATCH_ROWS = 64 * 1024
"""Rows pyarrow hands over at a time: a few MiB of Python objects."""
_CHUNK = 1024 * 1024
_ROLES = {"key": "key", "size": "size", "islatest": "latest", "isdeletemarker": "deleted"}
_DAMAGED_HINT = ("S3 writes a new inventory every day or week: give another run's "
                 "manifest.json, or check without --inventory")


def role(column: str) -> str | None:
    """What a column is to this reader (key, size, latest, deleted), whatever the format's
    spelling: `IsDeleteMarker` in CSV, `is_delete_marker` in ORC and Parquet."""
    return _ROLES.get(column.replace("_", "").lower())


def arrow(file_format: str) -> Any:
    """pyarrow's reader module for ORC or Parquet, imported only when an inventory in that
    format is read (it is large, and an optional extra)."""
    try:
        if file_format == "ORC":
            import pyarrow.orc as module
        else:
            import pyarrow.parquet as module
    except ImportError as exc:
        raise StorageError(ErrorKind.OTHER, f"reading an S3 Inventory in {file_format} format "
                           f"needs pyarrow, which is not installed ({exc})",
                           "pip install 'hlsinspect[inventory]'") from exc
    return module


def csv_objects(store: S3Storage, key: str, columns: tuple[str, ...], prefix: str
                ) -> Iterator[tuple[str, int]]:
    """The current objects under `prefix` in one CSV data file, streamed: decompressed and
    parsed as it arrives, so a file of any size takes a few MiB."""
    uri = store.uri(key)
    where = {role(name): index for index, name in enumerate(columns) if role(name)}
    width = len(columns)
    number = 0
    with store.open_stream(key) as body, io.TextIOWrapper(
            gzip.GzipFile(fileobj=body, mode="rb"), encoding="utf-8", newline="") as text:
        try:
            for number, row in enumerate(csv.reader(text, strict=True), 1):
                if len(row) != width:
                    raise _damaged(uri, f"row {number} has {len(row)} fields, the manifest's "
                                   f"fileSchema names {width}")
                name = _decoded(row[where["key"]], uri, number)
                if not name.startswith(prefix):
                    continue
                latest = "latest" not in where or row[where["latest"]].lower() != "false"
                deleted = "deleted" in where and row[where["deleted"]].lower() == "true"
                size = row[where["size"]]
                found = _current(name, int(size) if size.isascii() and size.isdigit() else size,
                                 latest, deleted, uri, number)
                if found is not None:
                    yield found
        except (OSError, EOFError, zlib.error, csv.Error, UnicodeDecodeError) as exc:
            raise _damaged(uri, _gzip_why(exc, number)) from exc


def arrow_objects(store: S3Storage, key: str, file_format: str, prefix: str
                  ) -> Iterator[tuple[str, int]]:
    """The current objects under `prefix` in one ORC or Parquet data file. pyarrow needs to
    seek in the file, so the file is read whole into memory (one file at a time: S3 splits
    a large inventory into many files); its rows are then taken in batches, only the columns
    needed."""
    module = arrow(file_format)
    import pyarrow

    failures = (OSError, ValueError, pyarrow.ArrowException)  # ArrowInvalid is a ValueError
    uri = store.uri(key)
    data = io.BytesIO()
    with store.open_stream(key) as body:
        shutil.copyfileobj(body, data, _CHUNK)
    data.seek(0)
    number = 0
    try:
        for batch in _batches(module, file_format, data, uri):
            roles = {role(name): values for name, values in batch.items()}
            latest = roles.get("latest") or [None] * len(roles["key"])
            deleted = roles.get("deleted") or [None] * len(roles["key"])
            rows = zip(roles["key"], roles["size"], latest, deleted, strict=True)
            for name, size, is_latest, is_deleted in rows:
                number += 1
                if not isinstance(name, str):
                    raise _damaged(uri, f"row {number} has a key that is not text")
                if name.startswith(prefix):
                    found = _current(name, size, is_latest is not False, is_deleted is True,
                                     uri, number)
                    if found is not None:
                        yield found
    except failures as exc:
        raise _damaged(uri, f"is not a readable {file_format} file ({exc})") from exc


def _batches(module: Any, file_format: str, data: io.BytesIO, uri: str
             ) -> Iterator[dict[str, list[Any]]]:
    """The file's rows as {column: values} batches, with only the columns this reader uses."""
    if file_format == "ORC":
        reader = module.ORCFile(data)
        names = _needed(list(reader.schema.names), uri)
        for index in range(reader.nstripes):
            yield dict(reader.read_stripe(index, columns=names).to_pydict())
    else:
        reader = module.ParquetFile(data)
        names = _needed(list(reader.schema_arrow.names), uri)
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=names):
            yield dict(batch.to_pydict())


def _needed(names: list[str], uri: str) -> list[str]:
    wanted = [name for name in names if role(name)]
    have = {role(name) for name in wanted}
    for needed in ("key", "size"):
        if needed not in have:
            raise _damaged(uri, f"has no {needed} column (it has {', '.join(names)})")
    return wanted


def _current(name: str, size: object, latest: bool, deleted: bool, uri: str, number: int
             ) -> tuple[str, int] | None:
    """(key, size) when the row is a current object; None for an older version or a delete
    marker (rows only an inventory of all versions has, and a delete marker has no size)."""
    if not latest or deleted:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _damaged(uri, f"row {number} gives the object {name!r} no size ({size!r})")
    return name, size


def _decoded(field: str, uri: str, number: int) -> str:
    try:
        return unquote_plus(field, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise _damaged(uri, f"row {number} has a key whose URL encoding is not UTF-8 "
                       f"({field[:100]!r})") from exc


def _gzip_why(exc: BaseException, number: int) -> str:
    if isinstance(exc, EOFError):
        return "is cut off: its gzip stream ends before its end marker"
    if isinstance(exc, csv.Error):
        return f"row {number + 1} is not valid CSV ({exc})"
    if isinstance(exc, UnicodeDecodeError):
        return f"is not UTF-8 text after row {number}"
    return f"is not a readable gzip file ({exc})"


def _damaged(uri: str, why: str) -> StorageError:
    return StorageError(ErrorKind.OTHER, f"the inventory file {uri} {why}", _DAMAGED_HINT)
