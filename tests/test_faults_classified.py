"""Each failure is named for its cause, and retried only when a retry can succeed.

Credentials and permissions are real (moto's IAM enforcement); answers moto cannot give (a
wrong clock, an expired session token, a KMS denial) come from the proxy in S3's own words.
"""

from __future__ import annotations

import pytest

from hlsinspect import HlsInspectError, S3Options, Settings, inspect
from hlsinspect.settings import VerifySettings
from hlsinspect.storage.base import Existence, RequestPolicy
from hlsinspect.storage.s3 import S3Storage
from tests.conftest import BUCKET, S3, SAMPLE_KEY
from tests.origin import Origin
from tests.s3proxy import Answer, S3Proxy
from tests.test_s3_permissions import GET_PLAYLISTS, LIST

URI = f"s3://{BUCKET}/{SAMPLE_KEY}"
FAST = Settings(verify=VerifySettings(mode="head", retry_passes=4, backoff=0.01, attempts=1))
SKEWED = Answer(403, "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.")
EXPIRED = Answer(400, "ExpiredToken", "The provided token has expired.")
KMS = Answer(403, "AccessDenied", "User: arn:aws:iam::123456789012:user/qa is not authorized "
                                  "to perform: kms:Decrypt on the resource associated with "
                                  "this ciphertext because no identity-based policy allows it")


def run(proxy: S3Proxy, target: str = URI):
    return inspect([target], settings=FAST, s3=S3Options(endpoint_url=proxy.endpoint))


def answer(fault: Answer, method: str, needle: str):
    return lambda verb, path: fault if verb == method and needle in path else None


def test_a_parameter_botocore_refuses_is_not_retried(s3: S3):
    """ParamValidationError happens before any request: asking again cannot help."""
    with S3Proxy(s3.endpoint) as proxy:
        store = S3Storage("not a bucket!", endpoint_url=proxy.endpoint,
                          policy=RequestPolicy(passes=2, backoff=0.01))
        state = store.stat("x.ts")
        with pytest.raises(Exception) as failed:
            store.read("x.m3u8")
    assert state.existence is Existence.UNKNOWN
    assert not state.retryable
    assert "refused before sending" in str(state.reason)
    assert "refused before sending" in str(failed.value)
    assert proxy.requests == 0


def test_an_invalid_bucket_in_a_target_is_a_usage_error(cli):
    run_ = cli("check", "s3://not a bucket!/x.m3u8")
    assert run_.exit_code == 2
    assert "is not a valid bucket name" in run_.stderr


def test_clock_skew_on_the_playlist_is_named_and_not_retried(s3: S3):
    with S3Proxy(s3.endpoint, fault=answer(SKEWED, "GET", "sample.m3u8")) as proxy, \
            pytest.raises(HlsInspectError) as failed:
        run(proxy)
    assert failed.value.kind == "clock-skew"
    assert "clock differs from S3's by more than 15 minutes" in failed.value.message
    assert "NTP" in str(failed.value.hint)
    assert proxy.count("GET", "sample.m3u8") == 1


def test_clock_skew_on_heads_is_named_once_per_store(s3: S3):
    """A HEAD answer has no body: one listing of the bucket tells why it was refused."""

    def fault(verb: str, path: str) -> Answer | None:
        if verb == "HEAD":
            return Answer(403)
        return SKEWED if "list-type" in path else None

    with S3Proxy(s3.endpoint, fault=fault) as proxy:
        report = run(proxy)
    assert {f.name for f in report.findings} == {"object-unverified"}
    assert all("clock differs from S3's" in f.message for f in report.findings)
    assert proxy.count("HEAD") == 6  # a 403 is never asked again
    assert proxy.count("GET", "list-type") == 1


def test_expired_token_on_the_playlist(cli, s3: S3):
    with S3Proxy(s3.endpoint, fault=answer(EXPIRED, "GET", "sample.m3u8")) as proxy:
        done = cli("check", URI, "--endpoint-url", proxy.endpoint)
    assert done.exit_code == 2
    assert "ExpiredToken (400): the credentials were rejected: the session token has " \
           "expired" in done.stderr
    assert "hint: refresh the credentials" in done.stderr
    assert proxy.count("GET", "sample.m3u8") == 1


def test_expired_token_on_heads(s3: S3):
    def fault(verb: str, path: str) -> Answer | None:
        if verb == "HEAD":
            return Answer(400)
        return EXPIRED if "list-type" in path else None

    with S3Proxy(s3.endpoint, fault=fault) as proxy:
        report = run(proxy)
    assert all("refused (400): the session token has expired" in f.message
               for f in report.findings)
    assert len(report.findings) == 6


def test_kms_denial_on_the_playlist_names_kms(s3: S3):
    with S3Proxy(s3.endpoint, fault=answer(KMS, "GET", "sample.m3u8")) as proxy, \
            pytest.raises(HlsInspectError) as failed:
        run(proxy)
    assert failed.value.kind == "access-denied"
    assert "KMS key" in failed.value.message
    assert failed.value.hint == "grant kms:Decrypt on the bucket's KMS key (SSE-KMS)"


def test_forbidden_heads_without_list_permission_advise_list_bucket(s3_cli, s3: S3, as_user):
    as_user([GET_PLAYLISTS])
    run_ = s3_cli("check", URI, "--format", "json", "--verify", "head")
    assert run_.names() == ["object-unverified"] * 6
    message = run_.json["findings"][0]["message"]
    assert f"lacks s3:ListBucket on arn:aws:s3:::{BUCKET}, as this caller does" in message


def test_forbidden_heads_with_list_permission_name_get_object(s3_cli, s3: S3, as_user):
    as_user([LIST, GET_PLAYLISTS])
    run_ = s3_cli("check", URI, "--format", "json", "--verify", "head")
    assert run_.names() == ["object-unverified"] * 6
    message = run_.json["findings"][0]["message"]
    assert "although s3:ListBucket is granted" in message
    assert "s3:GetObject is denied on this object" in message


def test_an_endpoint_that_is_not_s3_is_named_as_such(cli, tmp_path):
    """A plain web server at --endpoint-url answers HTML 404s: not "no such key"."""
    with Origin(tmp_path) as web:
        done = cli("check", URI, "--endpoint-url", web.url, "--format", "json")
        prefix = cli("check", f"s3://{BUCKET}/HLS/", "--endpoint-url", web.url)
    assert done.exit_code == prefix.exit_code == 2
    assert done.json["error"]["kind"] == "not-s3"
    assert "answered 404 without any S3 header: it does not look like S3" in done.stderr
    assert "no such key" not in done.stderr
    assert "--endpoint-url (or AWS_ENDPOINT_URL) must point at the S3 API" in done.stderr
    assert "does not look like S3" in prefix.stderr


def test_a_404_without_s3_headers_is_not_a_missing_segment(s3: S3):
    def fault(verb: str, path: str) -> Answer | None:
        return Answer(404, s3=False) if verb == "HEAD" and "sample00001" in path else None

    with S3Proxy(s3.endpoint, fault=fault) as proxy:
        report = run(proxy)
    [finding] = report.findings
    assert finding.name == "object-unverified"
    assert "does not look like S3" in finding.message


def test_playlist_reads_are_retried_in_passes(s3: S3):
    """More 503s than a request's own attempts: a later pass reads the playlist."""
    seen = {"count": 0}

    def throttle(verb: str, path: str) -> bool:
        if verb == "GET" and path.endswith("sample.m3u8"):
            seen["count"] += 1
            return seen["count"] <= 4
        return False

    with S3Proxy(s3.endpoint, throttle=throttle) as proxy:
        report = run(proxy)
    assert report.ok
    assert proxy.throttled == 4


@pytest.mark.parametrize("mode", ["auto", "list"])
def test_a_segment_written_after_the_listing_is_not_missing(cli, s3: S3, mode):
    """The prefix is listed before its playlists are read; a still-uploading title writes its
    last segment in between. The listing lacks it, the confirming HEAD finds it."""
    late = "HLS/1M/D0002021500_00000/sample00005.ts"
    data = s3.get(late)
    s3.delete(late)

    def upload_when_read(verb: str, path: str) -> None:
        if verb == "GET" and path.endswith("sample.m3u8"):
            s3.put(late, data)

    with S3Proxy(s3.endpoint, before=upload_when_read) as proxy:
        done = cli("check", f"s3://{BUCKET}/HLS/", "--endpoint-url", proxy.endpoint,
                   "--format", "json", "--verify", mode)
    assert done.exit_code == 0, done.stdout
    assert done.json["summary"]["missing"] == 0
    assert proxy.count("HEAD") == 1  # only the key the listing lacked


def test_a_key_absent_from_a_listing_is_confirmed_before_it_is_missing(cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00002.ts")
    with S3Proxy(s3.endpoint) as proxy:
        done = cli("check", URI, "--endpoint-url", proxy.endpoint, "--format", "json",
                   "--verify", "list")
    assert [f["name"] for f in done.json["findings"]] == ["segment-missing"]
    assert proxy.log[-1] == ("HEAD", f"/{BUCKET}/HLS/1M/D0002021500_00000/sample00002.ts")
    assert proxy.count("HEAD") == 1
