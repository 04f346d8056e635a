"""The lean listing parser gives what botocore's own parser gives, for what hlsinspect reads.

Real ListObjectsV2 answers from moto's server over HTTP, read by the client hlsinspect makes
and by a plain boto3 client, page for page: keys (percent-decoded from encoding-type=url),
sizes, common prefixes, truncation and continuation tokens must agree exactly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest

from hlsinspect.storage.base import RequestPolicy
from hlsinspect.storage.s3 import S3Storage
from tests.conftest import BUCKET, S3

ODD_KEYS = ["odd/a b.ts", "odd/plus+sign.ts", "odd/per%25cent.ts", "odd/é-ü.ts",
            "odd/amp&lt.ts", "odd/sub/x.ts", "odd/sub2/y.ts", "odd/tab\tname.ts"]


def _comparable(page: dict[str, Any]) -> dict[str, Any]:
    page = {k: v for k, v in page.items() if k not in ("ResponseMetadata", "RequestCharged")}
    for item in page.get("Contents", []):
        item.pop("Owner", None)
        item.pop("ChecksumAlgorithm", None)
        item.pop("ChecksumType", None)
        item.pop("RestoreStatus", None)
        stamp = item.get("LastModified")
        if isinstance(stamp, datetime):
            item["LastModified"] = "<time>"
        elif stamp is not None:
            datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # text S3 sent, parseable
            item["LastModified"] = "<time>"
    return page


@pytest.mark.parametrize("params", [
    {"Prefix": ""},
    {"Prefix": "odd/", "MaxKeys": 3},
    {"Prefix": "odd/", "Delimiter": "/", "MaxKeys": 2},
    {"Prefix": "HLS/", "Delimiter": "/"},
    {"Prefix": "nothing-here/"},
    {"Prefix": "odd/", "StartAfter": "odd/a b.ts"},
], ids=["all", "paged", "delimited-paged", "prefixes-only", "empty", "start-after"])
def test_lean_pages_equal_botocore_pages(s3: S3, params: dict[str, Any]):
    for key in ODD_KEYS:
        s3.put(key, b"x" * len(key))
    lean = S3Storage(BUCKET, endpoint_url=s3.endpoint, policy=RequestPolicy()).client
    plain = boto3.client("s3", endpoint_url=s3.endpoint)
    lean_pages = list(lean.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, **params))
    plain_pages = list(plain.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, **params))
    assert [_comparable(p) for p in lean_pages] == [_comparable(p) for p in plain_pages]
    assert len(plain_pages) >= 1


def test_errors_are_still_parsed_by_botocore(s3: S3):
    from botocore.exceptions import ClientError

    lean = S3Storage("no-such-bucket-here", endpoint_url=s3.endpoint).client
    with pytest.raises(ClientError) as failed:
        lean.list_objects_v2(Bucket="no-such-bucket-here")
    assert failed.value.response["Error"]["Code"] == "NoSuchBucket"


def test_storage_lists_odd_keys_with_their_sizes(s3: S3):
    for key in ODD_KEYS:
        s3.put(key, b"x" * len(key))
    store = S3Storage(BUCKET, endpoint_url=s3.endpoint)
    assert dict(store.list_keys("odd/")) == {key: len(key) for key in ODD_KEYS}
    level = store.list_level("odd/")
    assert level.prefixes == ["odd/sub/", "odd/sub2/"]
    assert set(level.files) == {k for k in ODD_KEYS if k.count("/") == 1}


def test_lean_head_reads_size_and_type_as_botocore_does(s3: S3):
    s3.client.put_object(Bucket=BUCKET, Key="odd/typed.ts", Body=b"x" * 188,
                         ContentType="video/mp2t")
    lean = S3Storage(BUCKET, endpoint_url=s3.endpoint).client
    plain = boto3.client("s3", endpoint_url=s3.endpoint)
    ours = lean.head_object(Bucket=BUCKET, Key="odd/typed.ts")
    theirs = plain.head_object(Bucket=BUCKET, Key="odd/typed.ts")
    assert (ours["ContentLength"], ours["ContentType"]) == \
        (theirs["ContentLength"], theirs["ContentType"]) == (188, "video/mp2t")
    state = S3Storage(BUCKET, endpoint_url=s3.endpoint).stat("odd/typed.ts")
    assert (state.size, state.content_type) == (188, "video/mp2t")


LISTING = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws'
           b'.com/doc/2006-03-01/"><Name>b</Name><Prefix>odd/</Prefix><KeyCount>1</KeyCount>'
           b"<Contents><Key>odd/a.ts</Key><Size>3</Size></Contents></ListBucketResult>\n")


@pytest.mark.parametrize("body", [
    LISTING, LISTING.replace(b'<?xml version="1.0" encoding="UTF-8"?>\n', b""),
    LISTING[:len(LISTING) // 2], LISTING[:-3], b"", b"   ", b"not xml at all",
    b"<ListBucketResult/>", b"<Error><Code>InternalError</Code></Error>",
    b'<?xml version="1.0"?>\n<Error><Code>SlowDown</Code></Error>\n',
    b"<ListBucketResult><Error/></ListBucketResult>", b"<a></b>",
], ids=["listing", "no-declaration", "cut-in-half", "cut-at-end", "empty", "blank",
        "not-xml", "self-closed", "error", "error-declared", "error-inside", "mismatched"])
def test_the_200_error_check_decides_as_botocore_does(body: bytes):
    """The check that replaces botocore's for hlsinspect's client (it parsed every listing
    twice) must retry exactly what botocore's would: an Error root or a body cut off."""
    from botocore.handlers import _looks_like_special_case_error

    from hlsinspect.storage.s3_lean import error_in_200

    assert error_in_200(body) == _looks_like_special_case_error(200, body)


def test_a_listing_answered_200_with_an_error_is_asked_again(s3: S3):
    from tests.s3proxy import Answer, S3Proxy

    for key in ODD_KEYS:
        s3.put(key, b"x" * len(key))
    failed: list[str] = []

    def once(method: str, path: str) -> Answer | None:
        if method == "GET" and "list-type" in path and not failed:
            failed.append(path)
            return Answer(200, "InternalError", "We encountered an internal error.")
        return None

    with S3Proxy(s3.endpoint, fault=once) as proxy:
        store = S3Storage(BUCKET, endpoint_url=proxy.endpoint)
        assert dict(store.list_keys("odd/")) == {key: len(key) for key in ODD_KEYS}
    assert failed
