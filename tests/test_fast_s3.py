"""benchmarks.fast_s3 answers boto3 as S3 would, so the benchmarks that use it measure a real
client against a correct server: listings page by page (with and without a delimiter, keys
that need url-encoding included), HEAD, GET with and without a range, and the errors."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from benchmarks.fast_s3 import FastS3
from benchmarks.scale_tree import make_tree

BUCKET = "fast-bucket"
ODD = "odd dir+é/a b+c é.txt"
"""A space, a plus and non-ASCII characters, in a key and in its common prefix."""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bucket")
    assert make_tree(root, titles=2, variants=2, segments=5) == 2 * (1 + 2 * (1 + 5))
    (root / ODD).parent.mkdir()
    (root / ODD).write_bytes(b"odd\n")
    (root / "titles-a.txt").write_bytes(b"sorts before titles/ in S3: '-' < '/'\n")
    return root


@pytest.fixture(scope="module")
def endpoint(tree: Path) -> Iterator[str]:
    with FastS3(tree, BUCKET) as server:
        yield server.endpoint


@pytest.fixture()
def client(endpoint: str) -> Iterator[Any]:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing",
                      config=Config(s3={"addressing_style": "path"}))
    yield s3
    s3.close()


def expected(tree: Path) -> list[tuple[str, int]]:
    """Every file as (key, size), in S3's order: by the key's UTF-8 bytes."""
    found = [(path.relative_to(tree).as_posix(), path.stat().st_size)
             for path in tree.rglob("*") if path.is_file()]
    return sorted(found, key=lambda item: item[0].encode())


def test_paginated_listing_is_every_key_in_order(client: Any, tree: Path) -> None:
    pages = list(client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, MaxKeys=3))
    listed = [(item["Key"], item["Size"]) for page in pages for item in page.get("Contents", [])]
    assert listed == expected(tree)
    assert listed[0][0] == ODD and listed[1][0] == "titles-a.txt"
    assert len(pages) == -(-len(listed) // 3)
    assert all(page["KeyCount"] == len(page["Contents"]) <= 3 for page in pages)
    after = client.list_objects_v2(Bucket=BUCKET, StartAfter=listed[3][0], MaxKeys=2)
    assert [item["Key"] for item in after["Contents"]] == [key for key, _ in listed[4:6]]
    assert after["StartAfter"] == listed[3][0]


def delimited(client: Any, prefix: str, max_keys: int) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=prefix, Delimiter="/", MaxKeys=max_keys):
        assert page["KeyCount"] <= max_keys
        keys += [item["Key"] for item in page.get("Contents", [])]
        prefixes += [item["Prefix"] for item in page.get("CommonPrefixes", [])]
        pages += 1
    return keys, prefixes, pages


def test_delimiter_listing_pages_through_common_prefixes(client: Any) -> None:
    # a common prefix counts toward max-keys, and is returned once across pages
    assert delimited(client, "", 2) == (["titles-a.txt"], ["odd dir+é/", "titles/"], 2)
    assert delimited(client, "titles/", 1) == (
        [], ["titles/title00000/", "titles/title00001/"], 2)
    assert delimited(client, "titles/title00001/", 2) == (
        ["titles/title00001/master.m3u8"], ["titles/title00001/v0/", "titles/title00001/v1/"],
        2)
    assert delimited(client, "odd dir+é/", 1000) == ([ODD], [], 1)
    assert delimited(client, "nothing/", 1000) == ([], [], 1)


def test_head_object(client: Any, tree: Path) -> None:
    segment = "titles/title00000/v1/seg00004.ts"
    head = client.head_object(Bucket=BUCKET, Key=segment)
    assert head["ContentLength"] == (tree / segment).stat().st_size == 200_000
    assert head["ContentType"] == "video/mp2t"
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=segment)["Contents"]
    assert [(item["ETag"], item["LastModified"]) for item in listed] == [
        (head["ETag"], head["LastModified"])]
    master = client.head_object(Bucket=BUCKET, Key="titles/title00000/master.m3u8")
    assert master["ContentType"] == "application/vnd.apple.mpegurl"
    assert client.head_object(Bucket=BUCKET, Key=ODD)["ContentLength"] == 4
    with pytest.raises(ClientError) as missing:
        client.head_object(Bucket=BUCKET, Key="titles/title00000/v1/seg00005.ts")
    assert missing.value.response["Error"]["Code"] == "404"


def test_get_object_whole_and_ranged(client: Any, tree: Path) -> None:
    key = "titles/title00001/v0/index.m3u8"
    data = (tree / key).read_bytes()
    whole = client.get_object(Bucket=BUCKET, Key=key)
    assert whole["Body"].read() == data and whole["ContentLength"] == len(data)
    part = client.get_object(Bucket=BUCKET, Key=key, Range="bytes=8-21")
    assert part["Body"].read() == data[8:22] == b"#EXT-X-VERSION"
    assert part["ContentRange"] == f"bytes 8-21/{len(data)}"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    tail = client.get_object(Bucket=BUCKET, Key=key, Range="bytes=-15")
    assert tail["Body"].read() == data[-15:] == b"#EXT-X-ENDLIST\n"
    segment = client.get_object(Bucket=BUCKET, Key="titles/title00000/v0/seg00000.ts")
    assert segment["Body"].read() == bytes(100_000)  # sparse: all zeros
    assert client.get_object(Bucket=BUCKET, Key=ODD)["Body"].read() == b"odd\n"
    with pytest.raises(ClientError) as missing:
        client.get_object(Bucket=BUCKET, Key="titles/nothing.m3u8")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    assert missing.value.response["Error"]["Key"] == "titles/nothing.m3u8"


def test_other_bucket_is_no_such_bucket(client: Any) -> None:
    for call in (lambda: client.list_objects_v2(Bucket="elsewhere"),
                 lambda: client.get_object(Bucket="elsewhere", Key="x")):
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == "NoSuchBucket"


def test_writes_are_refused(client: Any, tree: Path) -> None:
    with pytest.raises(ClientError) as error:
        client.put_object(Bucket=BUCKET, Key="new.txt", Body=b"x")
    assert error.value.response["Error"]["Code"] == "MethodNotAllowed"
    assert not (tree / "new.txt").exists()


def test_keys_are_encoded_as_s3_encodes_them(client: Any, endpoint: str) -> None:
    # asked for by the caller, the encoding is left to the caller: the raw response shows
    # S3's encoding (space %20, plus %2B, UTF-8 bytes, "/" kept)
    raw = client.list_objects_v2(Bucket=BUCKET, Prefix="odd dir+", Delimiter="/",
                                 EncodingType="url")
    assert raw["EncodingType"] == "url" and raw["Prefix"] == "odd%20dir%2B"
    assert [item["Prefix"] for item in raw["CommonPrefixes"]] == ["odd%20dir%2B%C3%A9/"]
    raw = client.list_objects_v2(Bucket=BUCKET, Prefix="odd dir+é/", EncodingType="url")
    assert [item["Key"] for item in raw["Contents"]] == [
        "odd%20dir%2B%C3%A9/a%20b%2Bc%20%C3%A9.txt"]
    # without encoding-type, keys are XML text
    query = "list-type=2&prefix=odd%20dir%2B"
    with urllib.request.urlopen(f"{endpoint}/{BUCKET}?{query}", timeout=10) as response:
        body = response.read().decode()
    assert f"<Key>{ODD}</Key>" in body and "<EncodingType>" not in body
