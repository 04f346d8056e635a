"""S3 misbehaving beyond 503, through a proxy in front of moto's server.

Each fault, when transient, must end in the right answer; when persistent, in
`object-unverified` (an object) or an error naming the cause (a playlist); never in a false
"missing", never in a hang. Timeouts and retries are shortened so the faults cost little.
"""

from __future__ import annotations

from typing import Any

import pytest

from hlsinspect import HlsInspectError, S3Options, Settings, inspect
from hlsinspect.report import Report
from hlsinspect.settings import VerifySettings
from tests.conftest import BUCKET, S3, SAMPLE_KEY
from tests.s3proxy import BAD_GATEWAY, GATEWAY_TIMEOUT, INTERNAL, Fault, S3Proxy

URI = f"s3://{BUCKET}/{SAMPLE_KEY}"
SEGMENT = "sample00003.ts"
FAST = VerifySettings(mode="head", retry_passes=3, backoff=0.01, read_timeout=1.0,
                      connect_timeout=1.0, attempts=1)
"""One attempt per request (botocore's own backoff is not adjustable), then passes."""

FAULTS = [
    pytest.param("reset", "the connection was reset", id="reset"),
    pytest.param("stall", "timed out", id="stall"),
    pytest.param(INTERNAL, "(500)", id="500"),
    pytest.param(BAD_GATEWAY, "(502)", id="502"),
    pytest.param(GATEWAY_TIMEOUT, "(504)", id="504"),
]
"""Each fault, and the words the finding about a persistently failing object carries."""


def run(proxy: S3Proxy, target: str = URI, **settings: Any) -> Report:
    verify = VerifySettings(**{**FAST.__dict__, **settings})
    return inspect([target], settings=Settings(verify=verify),
                   s3=S3Options(endpoint_url=proxy.endpoint))


def first(times: int, fault: Fault, where: str, method: str | None = None):
    """A fault rule: the first `times` requests whose path holds `where` get `fault`."""
    seen: dict[str, int] = {}

    def rule(verb: str, path: str) -> Fault | None:
        if where not in path or (method and verb != method):
            return None
        seen[path] = seen.get(path, 0) + 1
        return fault if seen[path] <= times else None

    return rule


def always(fault: Fault, where: str, method: str | None = None):
    return first(10**9, fault, where, method)


@pytest.mark.parametrize(("fault", "words"), FAULTS)
def test_transient_fault_on_objects_recovers(s3: S3, fault, words):
    # a stall costs its request a whole read timeout: it is not asked again in a pass, so
    # it may only outlast the request's first attempt
    times, attempts = (1, 2) if fault == "stall" else (3, 1)
    with S3Proxy(s3.endpoint, fault=first(times, fault, ".ts", "HEAD")) as proxy:
        report = run(proxy, attempts=attempts)
    assert report.findings == ()
    assert report.summary.objects_checked == 6


@pytest.mark.parametrize(("fault", "words"), FAULTS)
def test_persistent_fault_on_an_object_is_unverified_never_missing(s3: S3, fault, words):
    s3.delete(f"HLS/1M/D0002021500_00000/{SEGMENT}")
    with S3Proxy(s3.endpoint, fault=always(fault, SEGMENT)) as proxy:
        report = run(proxy)
    [finding] = report.findings
    assert (finding.name, finding.uri) == ("object-unverified",
                                           f"s3://{BUCKET}/HLS/1M/D0002021500_00000/{SEGMENT}")
    assert words in finding.message
    assert report.summary.missing == 0


@pytest.mark.parametrize(("fault", "words"),
                         [*FAULTS, pytest.param("truncate", "cut off", id="truncated")])
def test_transient_fault_on_the_playlist_recovers(s3: S3, fault, words):
    times, attempts = (1, 2) if fault == "stall" else (3, 1)
    with S3Proxy(s3.endpoint, fault=first(times, fault, "sample.m3u8", "GET")) as proxy:
        report = run(proxy, attempts=attempts)
    assert report.findings == ()
    assert report.summary.segments == 6
    assert proxy.count("GET", "sample.m3u8") == times + 1


@pytest.mark.parametrize(("fault", "words"), [
    pytest.param("reset", "the connection was reset", id="reset"),
    pytest.param("stall", "timed out", id="stall"),
    pytest.param(INTERNAL, "InternalError (500)", id="500"),
    pytest.param(BAD_GATEWAY, "502 (502)", id="502"),
    pytest.param(GATEWAY_TIMEOUT, "504 (504)", id="504"),
    pytest.param("truncate", "the answer was cut off", id="truncated"),
])
def test_persistent_fault_on_the_playlist_is_exit_2_naming_it(s3: S3, fault, words):
    with S3Proxy(s3.endpoint, fault=always(fault, "sample.m3u8", "GET")) as proxy, \
            pytest.raises(HlsInspectError) as failed:
        run(proxy)
    assert failed.value.exit_code == 2
    assert failed.value.message.startswith(f"cannot read {URI}: ")
    assert words in failed.value.message
    assert "no such key" not in failed.value.message


def test_persistent_fault_on_a_variant_is_playlist_unreadable(s3: S3, tmp_path):
    from tests.titles import place

    title = place("ts-ladder", "s3", tmp_path, s3)
    with S3Proxy(s3.endpoint, fault=always("reset", "stream_1/index.m3u8")) as proxy:
        report = run(proxy, "s3://ts-ladder/master.m3u8")
    [finding] = report.failing
    assert (finding.name, finding.uri) == ("playlist-unreadable",
                                           title.uri("stream_1/index.m3u8"))
    assert "the connection was reset" in finding.message
