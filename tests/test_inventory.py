"""Reading an S3 Inventory report, over real HTTP to moto's server.

Each test publishes an inventory the way S3 does (data files, then a manifest.json shaped like
AWS's examples) into a destination bucket, listing the fixture bucket with boto3, and checks
that the reader gives back exactly what the listing gives, for CSV, ORC and Parquet.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, quote_plus

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from hlsinspect.storage.base import ErrorKind, RequestPolicy, StorageError
from hlsinspect.storage.inventory import (
    inventory_objects,
    manifest_location,
    open_manifest,
)
from hlsinspect.storage.s3 import S3Storage
from tests.conftest import BUCKET, S3
from tests.s3proxy import S3Proxy

DEST = "inventory-dest"
RUN = f"inv/{BUCKET}/nightly/2026-11-28T01-00Z"
MANIFEST = f"{RUN}/manifest.json"
ODD = "HLS/odd/a b+c 100%41 ü€.ts"
"""A space, a plus, a percent sign that decoding twice would eat, and non-ASCII letters."""
FORMATS = ["CSV", "ORC", "Parquet"]
CSV_SCHEMA = ("Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded, "
              "ReplicationStatus, EncryptionStatus")
CSV_VERSIONED = ("Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, "
                 "ETag, StorageClass")
SCHEMAS = {
    "ORC": "struct<bucket:string,key:string,{versions}size:bigint,last_modified_date:timestamp,"
           "e_tag:string,storage_class:string>",
    "Parquet": "message s3.inventory {{ required binary bucket (UTF8); required binary key "
               "(UTF8); {versions}optional int64 size; optional int64 last_modified_date "
               "(TIMESTAMP_MILLIS); optional binary e_tag (UTF8); optional binary "
               "storage_class (UTF8); }}",
}
ARROW_VERSIONS = {"ORC": "version_id:string,is_latest:boolean,is_delete_marker:boolean,",
                  "Parquet": "optional binary version_id (UTF8); optional boolean is_latest; "
                             "optional boolean is_delete_marker; "}
SUFFIX = {"CSV": "csv.gz", "ORC": "orc", "Parquet": "parquet"}
WHEN = datetime(2026, 11, 28, 0, 30, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Row:
    key: str
    size: int | None
    latest: bool = True
    deleted: bool = False


def listing(s3: S3, prefix: str = "") -> list[tuple[str, int]]:
    pages = s3.client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted((item["Key"], item["Size"]) for page in pages
                  for item in page.get("Contents", []))


def csv_file(rows: list[Row], versioned: bool, encode=lambda key: quote_plus(key, safe="")
             ) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for number, row in enumerate(rows):
        size = "" if row.size is None else str(row.size)
        versions = [f"v{number}", str(row.latest).lower(), str(row.deleted).lower()]
        writer.writerow([BUCKET, encode(row.key), *(versions if versioned else []), size,
                         "2026-11-28T00:30:00.000Z", "etag", "STANDARD",
                         *([] if versioned else ["false", "", "SSE-S3"])])
    return gzip.compress(text.getvalue().encode())


def arrow_file(file_format: str, rows: list[Row], versioned: bool) -> bytes:
    columns = {"bucket": pa.array([BUCKET] * len(rows)),
               "key": pa.array([row.key for row in rows])}
    if versioned:
        columns["version_id"] = pa.array([f"v{n}" for n in range(len(rows))])
        columns["is_latest"] = pa.array([row.latest for row in rows])
        columns["is_delete_marker"] = pa.array([row.deleted for row in rows])
    columns["size"] = pa.array([row.size for row in rows], type=pa.int64())
    columns["last_modified_date"] = pa.array([WHEN] * len(rows), type=pa.timestamp("ms"))
    columns["e_tag"] = pa.array(["etag"] * len(rows))
    columns["storage_class"] = pa.array(["STANDARD"] * len(rows))
    table = pa.table(columns)
    out = io.BytesIO()
    if file_format == "ORC":
        orc.write_table(table, out, compression="zlib")
    else:
        pq.write_table(table, out, compression="snappy")
    return out.getvalue()


def publish(s3: S3, file_format: str, rows: list[Row], *, versioned: bool = False,
            pieces: int = 2, **manifest: object) -> S3Storage:
    """Write the inventory's data files (rows split among `pieces` files) and manifest.json
    into DEST; `manifest` overrides members (None leaves one out). The store of DEST, to read
    it with."""
    if DEST not in {b["Name"] for b in s3.client.list_buckets()["Buckets"]}:
        s3.new_bucket(DEST)
    files = []
    for piece in range(pieces):
        part = rows[piece::pieces]
        data = (csv_file(part, versioned) if file_format == "CSV"
                else arrow_file(file_format, part, versioned))
        key = f"inv/{BUCKET}/nightly/data/part-{piece}.{SUFFIX[file_format]}"
        s3.put(key, data, bucket=DEST)
        files.append({"key": key, "size": len(data),
                      "MD5checksum": hashlib.md5(data).hexdigest()})
    schema = (CSV_VERSIONED if versioned else CSV_SCHEMA) if file_format == "CSV" else (
        SCHEMAS[file_format].format(versions=ARROW_VERSIONS[file_format] if versioned else ""))
    body = {"sourceBucket": BUCKET, "destinationBucket": f"arn:aws:s3:::{DEST}",
            "version": "2016-11-30", "creationTimestamp": made_ago(3_600),
            "fileFormat": file_format, "fileSchema": schema, "files": files, **manifest}
    body = {name: value for name, value in body.items() if value is not None}  # None: left out
    s3.put(MANIFEST, json.dumps(body, indent=4), bucket=DEST)
    return store_of(s3)


def made_ago(seconds: float) -> str:
    """A creationTimestamp `seconds` before now (milliseconds since the epoch, as S3 writes
    it): an inventory as fresh or as old as a test needs."""
    return str(int((datetime.now(timezone.utc).timestamp() - seconds) * 1000))


def store_of(s3: S3, endpoint: str | None = None) -> S3Storage:
    policy = RequestPolicy(passes=1, backoff=0.01, attempts=1, read_timeout=5.0)
    return S3Storage(DEST, endpoint_url=endpoint or s3.endpoint, policy=policy)


def read_all(store: S3Storage, prefix: str = "") -> list[tuple[str, int]]:
    manifest = open_manifest(store, MANIFEST, audited_bucket=BUCKET)
    return sorted(inventory_objects(store, manifest, prefix))


def current(s3: S3) -> list[Row]:
    return [Row(key, size) for key, size in listing(s3)]


@pytest.fixture()
def odd(s3: S3) -> S3:
    s3.put(ODD, b"x" * 7)
    return s3


@pytest.mark.parametrize("file_format", FORMATS)
def test_inventory_gives_exactly_the_listing(odd: S3, file_format):
    store = publish(odd, file_format, current(odd))
    title = "HLS/1M/D0002021500_00000/"
    for prefix in ["", "HLS/", "HLS/odd/", title, f"{title}sample0000"]:
        expected = listing(odd, prefix)
        assert expected and (ODD in dict(expected)) == (not prefix.startswith(title))
        assert read_all(store, prefix) == expected, prefix


@pytest.mark.parametrize("file_format", FORMATS)
def test_manifest_members(s3: S3, file_format):
    store = publish(s3, file_format, current(s3), pieces=3,
                    creationTimestamp="1795827600000")
    manifest = open_manifest(store, MANIFEST, audited_bucket=BUCKET)
    assert manifest.source_bucket == BUCKET
    assert manifest.destination_bucket == DEST
    assert manifest.file_format == file_format
    assert manifest.files == tuple(f"inv/{BUCKET}/nightly/data/part-{n}.{SUFFIX[file_format]}"
                                   for n in range(3))
    assert manifest.created == "2026-11-28T01:00:00Z"
    assert manifest.columns[:2] == (("Bucket", "Key") if file_format == "CSV" else
                                    ("bucket", "key"))
    assert "size" in {name.lower() for name in manifest.columns}


@pytest.mark.parametrize("encode", [
    pytest.param(lambda key: quote_plus(key, safe=""), id="form-encoded"),
    pytest.param(lambda key: quote_plus(key, safe="/"), id="slashes-kept"),
    pytest.param(lambda key: quote(key, safe=""), id="space-as-%20"),
])
def test_csv_keys_are_url_decoded_once(odd: S3, encode):
    store = publish(odd, "CSV", [], pieces=1)
    data = csv_file([Row(ODD, 7), Row("HLS/plain.ts", 3)], versioned=False, encode=encode)
    odd.put(f"inv/{BUCKET}/nightly/data/part-0.csv.gz", data, bucket=DEST)
    assert read_all(store) == [("HLS/odd/a b+c 100%41 ü€.ts", 7), ("HLS/plain.ts", 3)]


@pytest.mark.parametrize("file_format", FORMATS)
def test_versions_and_delete_markers_are_not_current_objects(s3: S3, file_format):
    rows = [Row("HLS/a.ts", 10), Row("HLS/a.ts", 99, latest=False),
            Row("HLS/gone.ts", None, deleted=True), Row("HLS/gone.ts", 5, latest=False),
            Row("HLS/b.ts", 0)]
    store = publish(s3, file_format, rows, versioned=True)
    assert read_all(store) == [("HLS/a.ts", 10), ("HLS/b.ts", 0)]


def test_an_inventory_of_another_bucket_is_refused(s3: S3):
    store = publish(s3, "CSV", current(s3), sourceBucket="other-bucket")
    with pytest.raises(StorageError) as refused:
        open_manifest(store, MANIFEST, audited_bucket=BUCKET)
    assert refused.value.message == (f"the inventory s3://{DEST}/{MANIFEST} lists bucket "
                                     f"'other-bucket', not the audited bucket '{BUCKET}'")
    assert f".../{BUCKET}/CONFIG-ID/" in (refused.value.hint or "")


def test_a_missing_manifest_names_it(s3: S3):
    s3.new_bucket(DEST)
    with pytest.raises(StorageError) as missing:
        open_manifest(store_of(s3), MANIFEST, audited_bucket=BUCKET)
    assert missing.value.kind == ErrorKind.NOT_FOUND
    assert missing.value.message.startswith(f"cannot read s3://{DEST}/{MANIFEST}: ")
    assert "manifest.json" in (missing.value.hint or "")


@pytest.mark.parametrize(("body", "words"), [
    pytest.param("<html>nope</html>", "is not JSON", id="not-json"),
    pytest.param(b"\xff\xfe\x00garbage", "is not JSON", id="not-text"),
    pytest.param("[1, 2]", "is not a JSON object", id="a-list"),
    pytest.param("{}", "lacks the members sourceBucket, destinationBucket, fileFormat, "
                 "fileSchema, files", id="empty-object"),
    pytest.param({"fileSchema": None}, "lacks the member fileSchema", id="no-schema"),
    pytest.param({"fileFormat": "XML"}, "has fileFormat 'XML', which is not one S3 Inventory "
                 "writes", id="unknown-format"),
    pytest.param({"fileFormat": 7}, "has fileFormat that is not a string", id="format-number"),
    pytest.param({"fileSchema": "Bucket, Size, ETag"}, "has no Key column", id="no-key"),
    pytest.param({"fileSchema": "Bucket, Key, ETag"}, "has no Size column", id="no-size"),
    pytest.param({"files": [{"size": 3}]}, "has files that are not a list", id="file-no-key"),
])
def test_a_manifest_that_is_not_one_is_one_line_naming_it(s3: S3, body, words):
    store = publish(s3, "CSV", current(s3))
    if isinstance(body, dict):
        manifest = json.loads(s3.get(MANIFEST, bucket=DEST))
        manifest.update(body)
        body = json.dumps({k: v for k, v in manifest.items() if v is not None})
    s3.put(MANIFEST, body, bucket=DEST)
    with pytest.raises(StorageError) as bad:
        open_manifest(store, MANIFEST, audited_bucket=BUCKET)
    assert f"s3://{DEST}/{MANIFEST}" in bad.value.message
    assert words in bad.value.message
    assert "\n" not in bad.value.message and bad.value.hint


@pytest.mark.parametrize(("damage", "words"), [
    pytest.param(lambda data: data[: len(data) // 2], "is cut off", id="truncated-gzip"),
    pytest.param(lambda data: b"not gzip at all", "is not a readable gzip file", id="not-gzip"),
    pytest.param(lambda data: gzip.compress(b'"a","b"\n'), "row 1 has 2 fields", id="short-row"),
    pytest.param(lambda data: gzip.compress(f'"{BUCKET}","k","x1","",'.encode() + b'"","",'
                                            b'"","",""\n'), "gives the object 'k' no size",
                 id="bad-size"),
])
def test_a_damaged_csv_file_is_an_error_not_a_shorter_inventory(s3: S3, damage, words):
    store = publish(s3, "CSV", current(s3), pieces=1)
    key = f"inv/{BUCKET}/nightly/data/part-0.csv.gz"
    s3.put(key, damage(s3.get(key, bucket=DEST)), bucket=DEST)
    with pytest.raises(StorageError) as damaged:
        read_all(store)
    assert damaged.value.message.startswith(f"the inventory file s3://{DEST}/{key} ")
    assert words in damaged.value.message


@pytest.mark.parametrize("file_format", ["ORC", "Parquet"])
@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2],
                                    lambda data: b"\x00" * 100], ids=["truncated", "garbage"])
def test_a_damaged_columnar_file_is_an_error(s3: S3, file_format, damage):
    store = publish(s3, file_format, current(s3), pieces=1)
    key = f"inv/{BUCKET}/nightly/data/part-0.{SUFFIX[file_format]}"
    s3.put(key, damage(s3.get(key, bucket=DEST)), bucket=DEST)
    with pytest.raises(StorageError) as damaged:
        read_all(store)
    assert damaged.value.message.startswith(f"the inventory file s3://{DEST}/{key} is not a "
                                            f"readable {file_format} file")


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_missing_data_file_is_an_error(s3: S3, file_format):
    store = publish(s3, file_format, current(s3))
    key = f"inv/{BUCKET}/nightly/data/part-1.{SUFFIX[file_format]}"
    s3.delete(key, bucket=DEST)
    with pytest.raises(StorageError) as missing:
        read_all(store)
    assert missing.value.kind == ErrorKind.NOT_FOUND
    assert missing.value.message.startswith(f"cannot read s3://{DEST}/{key}: ")


def big_inventory(s3: S3) -> list[tuple[str, int]]:
    """A CSV data file of about 2.5 MiB: more than the 1 MiB a stream is read by, so a
    transfer cut off at half its body has delivered some of it."""
    rows = [Row(f"HLS/big/{hashlib.sha256(str(n).encode()).hexdigest()}.ts", n)
            for n in range(60_000)]
    publish(s3, "CSV", rows, pieces=1)
    return sorted((row.key, row.size) for row in rows)


def data_gets(s3: S3, fault, before=None) -> S3Proxy:
    """A proxy in front of `s3` that gives the n-th GET of a data file `fault(n)`."""
    seen = []

    def rule(method: str, path: str) -> str | None:
        if method != "GET" or "/data/" not in path:
            return None
        seen.append(path)
        return fault(len(seen))

    return S3Proxy(s3.endpoint, fault=rule, before=before)


def test_a_transfer_cut_off_again_and_again_goes_on_while_it_gains(s3: S3):
    # one pass is allowed, yet three cuts in a row pass: each resume delivered more
    expected = big_inventory(s3)
    with data_gets(s3, lambda n: "truncate" if n <= 3 else None) as proxy:
        assert read_all(store_of(s3, proxy.endpoint)) == expected
    assert proxy.count("GET", "/data/") == 4


def test_a_transfer_that_stops_gaining_is_an_error(s3: S3):
    big_inventory(s3)
    key = f"inv/{BUCKET}/nightly/data/part-0.csv.gz"
    with data_gets(s3, lambda n: "truncate" if n == 1 else "reset") as proxy, \
            pytest.raises(StorageError) as failed:
        read_all(store_of(s3, proxy.endpoint))
    assert failed.value.kind == ErrorKind.UNAVAILABLE
    assert failed.value.message == (f"cannot read s3://{DEST}/{key}: the connection was reset")
    assert proxy.count("GET", "/data/") >= 3  # the first, then the resume and one more pass


def test_an_object_replaced_while_resuming_is_not_spliced(s3: S3):
    big_inventory(s3)
    key = f"inv/{BUCKET}/nightly/data/part-0.csv.gz"

    def replace(method: str, path: str) -> None:
        if method == "GET" and "/data/" in path and proxy.count("GET", "/data/") == 2:
            s3.put(key, gzip.compress(b"other"), bucket=DEST)

    with data_gets(s3, lambda n: "truncate" if n == 1 else None, before=replace) as proxy, \
            pytest.raises(StorageError) as replaced:
        read_all(store_of(s3, proxy.endpoint))
    assert replaced.value.message.startswith(f"cannot read s3://{DEST}/{key}: "
                                             "PreconditionFailed (412)")


@pytest.mark.parametrize("file_format", ["ORC", "Parquet"])
def test_without_pyarrow_the_extra_is_named(s3: S3, monkeypatch, file_format):
    store = publish(s3, file_format, current(s3))
    for name in ("pyarrow", "pyarrow.orc", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(StorageError) as missing:
        open_manifest(store, MANIFEST, audited_bucket=BUCKET)
    assert missing.value.kind == ErrorKind.OTHER
    assert missing.value.hint == "pip install 'hlsinspect[inventory]'"
    assert f"in {file_format} format needs pyarrow" in missing.value.message


@pytest.mark.parametrize(("uri", "location"), [
    pytest.param(f"s3://{DEST}/{MANIFEST}", (DEST, MANIFEST), id="manifest"),
    pytest.param(f"s3://{DEST}/{RUN}/", (DEST, MANIFEST), id="folder"),
    pytest.param(f"s3://{DEST}/{RUN}", (DEST, MANIFEST), id="dated-folder"),
    pytest.param(f"s3://{DEST}/my%20inv/manifest.json", (DEST, "my inv/manifest.json"),
                 id="percent-decoded"),
])
def test_manifest_location(uri, location):
    assert manifest_location(uri) == location


@pytest.mark.parametrize("uri", [
    pytest.param(f"https://{DEST}.s3.amazonaws.com/{MANIFEST}", id="http"),
    pytest.param(f"{DEST}/{MANIFEST}", id="no-scheme"),
    pytest.param(f"s3://{DEST}", id="bucket-only"),
    pytest.param(f"s3:///{MANIFEST}", id="no-bucket"),
    pytest.param(f"s3://{DEST}/{RUN}/manifest.checksum", id="checksum"),
    pytest.param(f"s3://{DEST}/inv/{BUCKET}/nightly/hive/dt=2026-11-28-01-00/symlink.txt",
                 id="hive-symlink"),
    pytest.param(f"s3://{DEST}/../manifest.json", id="climbs-out"),
])
def test_manifest_location_refuses_what_is_no_manifest(uri):
    with pytest.raises(StorageError) as refused:
        manifest_location(uri)
    assert uri in refused.value.message or repr(uri) in refused.value.message
    assert "manifest.json" in (refused.value.hint or "")
