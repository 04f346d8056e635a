"""The AWS Lambda handler against moto's S3 over HTTP, fed each event as AWS documents it.

A damaged title (tests/faulty_title.py: a missing segment among other faults) stored under a
key with a space, the clean sample title, a segment key and a bucket that does not exist;
an S3 proxy in front of moto counts requests, throttles or stalls. The context object is a
stand-in for Lambda's (its one method the handler calls), not for AWS.
"""

from __future__ import annotations

import json
import signal
import time
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from hlsinspect.aws_lambda import handler
from hlsinspect.aws_lambda.deadline import Deadline
from hlsinspect.errors import DeadlineReached
from tests.conftest import BUCKET, S3, SAMPLE_KEY
from tests.faulty_title import COUNTS, faulty_title
from tests.s3proxy import S3Proxy

DAMAGED = "HLS/Damaged title+cut/ts-ladder/master.m3u8"
SEGMENT = "HLS/1M/D0002021500_00000/sample00001.ts"
REPORTS = "qa-reports"
PREFIX = f"s3://{REPORTS}/hlsinspect/"
NO_BUCKET = "no-such-bucket-here"


class Context:
    """Lambda's context: only the remaining time matters to the handler."""

    def __init__(self, millis: int = 300_000) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


@pytest.fixture()
def titles(s3: S3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> S3:
    """The sample title, the damaged one under DAMAGED, a report bucket; the handler's
    environment pointing at moto and writing reports under PREFIX."""
    master = faulty_title(tmp_path)
    s3.upload_tree(master.parent, prefix=DAMAGED.rpartition("/")[0] + "/")
    s3.new_bucket(REPORTS)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)
    monkeypatch.setenv("HLSINSPECT_REPORT_PREFIX", PREFIX)
    return s3


def notification(*objects: tuple[str, str], name: str = "ObjectCreated:Put") -> dict[str, Any]:
    """An S3 event notification (event version 2.1): keys URL-encoded, a space as '+'."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-12-07T01:00:00.000Z", "eventName": name,
        "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.7"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810",
                             "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUW"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "hlsinspect",
               "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                          "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote_plus(key, safe="/"), "size": 1024,
                          "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                          "sequencer": "0055AED6DCD90281E5"}}}
        for bucket, key in objects]}


def eventbridge(bucket: str, key: str) -> dict[str, Any]:
    """An EventBridge "Object Created" event: the key as it is, not URL-encoded."""
    return {
        "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created", "source": "aws.s3", "account": "111122223333",
        "time": "2026-12-07T01:00:00Z", "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {"version": "0", "bucket": {"name": bucket},
                   "object": {"key": key, "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184",
                              "sequencer": "00617F08299329D189"},
                   "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012",
                   "source-ip-address": "1.2.3.4", "reason": "PutObject"}}


def sqs(*bodies: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """An SQS batch as Lambda's event source mapping delivers it."""
    return {"Records": [{
        "messageId": ident, "receiptHandle": f"AQEB{ident}", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1796600000000",
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                       "ApproximateFirstReceiveTimestamp": "1796600000001"},
        "messageAttributes": {}, "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:hls",
        "awsRegion": "us-east-1"} for ident, body in bodies]}


def batch(version: str, *objects: tuple[str, str]) -> dict[str, Any]:
    """An S3 Batch Operations invocation, schema 1.0 (s3BucketArn) or 2.0 (s3Bucket)."""
    tasks = []
    for number, (bucket, key) in enumerate(objects):
        task: dict[str, Any] = {"taskId": f"task-{number}", "s3Key": quote(key),
                                "s3VersionId": None}
        if version == "1.0":
            task["s3BucketArn"] = f"arn:aws:s3:::{bucket}"
        else:
            task["s3Bucket"] = bucket
        tasks.append(task)
    job: dict[str, Any] = {"id": "f3cc4f60-61f6-4a2b-8a21-d07600c373ce"}
    if version == "2.0":
        job["userArguments"] = {}
    return {"invocationSchemaVersion": version, "invocationId": "YXNkbGZqYWRmaiBhc2RmdW9hZHNm",
            "job": job, "tasks": tasks}


def written(s3: S3, key: str, bucket: str = BUCKET) -> Any:
    return json.loads(s3.get(f"hlsinspect/{bucket}/{key}.json", REPORTS))


def metrics(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_s3_notification_checks_each_playlist_and_skips_the_segment(titles: S3, capsys):
    answer = handler(notification((BUCKET, DAMAGED), (BUCKET, SAMPLE_KEY), (BUCKET, SEGMENT)),
                     Context())
    damaged, clean = answer["results"]
    assert (damaged["target"], damaged["verdict"]) == (f"s3://{BUCKET}/{DAMAGED}", "FAIL")
    assert (damaged["errors"], damaged["warnings"]) == (COUNTS["errors"], COUNTS["warnings"])
    assert "segment-missing" in [f["name"] for f in damaged["report"]["findings"]]
    assert (clean["target"], clean["verdict"], clean["errors"]) == (
        f"s3://{BUCKET}/{SAMPLE_KEY}", "PASS", 0)
    assert written(titles, DAMAGED)["ok"] is False
    assert written(titles, DAMAGED)["summary"]["errors"] == COUNTS["errors"]
    assert written(titles, SAMPLE_KEY)["ok"] is True
    assert [(m["Target"], m["Verdict"], m["Errors"], m["MissingObjects"])
            for m in metrics(capsys.readouterr().out)] == [
        (f"s3://{BUCKET}/{DAMAGED}", "FAIL", COUNTS["errors"], 1),
        (f"s3://{BUCKET}/{SAMPLE_KEY}", "PASS", 0, 0)]


def test_a_removal_is_not_checked(titles: S3):
    assert handler(notification((BUCKET, SAMPLE_KEY), name="ObjectRemoved:Delete"),
                   Context()) == {"results": []}


def test_eventbridge_key_is_taken_as_it_is(titles: S3):
    [result] = handler(eventbridge(BUCKET, DAMAGED), Context())["results"]
    assert (result["target"], result["verdict"]) == (f"s3://{BUCKET}/{DAMAGED}", "FAIL")
    assert written(titles, DAMAGED)["targets"] == [f"s3://{BUCKET}/{DAMAGED}"]


def test_metrics_line_follows_the_embedded_metric_format(titles: S3, capsys):
    handler(eventbridge(BUCKET, SAMPLE_KEY), Context())
    [line] = metrics(capsys.readouterr().out)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert isinstance(line["_aws"]["Timestamp"], int)
    assert directive["Namespace"] == "hlsinspect"
    assert directive["Dimensions"] == [["Bucket"]]
    assert [(m["Name"], m["Unit"]) for m in directive["Metrics"]] == [
        ("Errors", "Count"), ("Warnings", "Count"), ("MissingObjects", "Count"),
        ("Seconds", "Seconds")]
    assert line["Bucket"] == BUCKET
    assert all(isinstance(line[m["Name"]], (int, float)) for m in directive["Metrics"])
    assert line["Report"] == f"{PREFIX}{BUCKET}/{SAMPLE_KEY}.json"


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_batch_operations_verdicts_are_data(titles: S3, version: str):
    event = batch(version, (BUCKET, DAMAGED), (BUCKET, SAMPLE_KEY), (BUCKET, SEGMENT),
                  (NO_BUCKET, SAMPLE_KEY))
    answer = handler(event, Context())
    assert {k: answer[k] for k in ("invocationSchemaVersion", "treatMissingKeysAs",
                                   "invocationId")} == {
        "invocationSchemaVersion": version, "treatMissingKeysAs": "PermanentFailure",
        "invocationId": event["invocationId"]}
    damaged, clean, segment, missing = answer["results"]
    assert [r["taskId"] for r in answer["results"]] == [f"task-{n}" for n in range(4)]
    assert damaged["resultCode"] == "Succeeded"
    assert damaged["resultString"].startswith(f"FAIL {COUNTS['errors']} errors")
    assert (clean["resultCode"], clean["resultString"][:4]) == ("Succeeded", "PASS")
    assert (segment["resultCode"], segment["resultString"][:7]) == ("Succeeded", "SKIPPED")
    assert missing["resultCode"] == "PermanentFailure"
    assert missing["resultString"].startswith("ERROR no-bucket:")
    assert written(titles, DAMAGED)["ok"] is False


def test_batch_unreachable_endpoint_is_a_temporary_failure(titles: S3, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard: nothing listens
    [result] = handler(batch("2.0", (BUCKET, SAMPLE_KEY)), Context())["results"]
    assert result["resultCode"] == "TemporaryFailure"
    assert result["resultString"].startswith("ERROR endpoint-unreachable:")


def test_sqs_returns_the_messages_to_retry(titles: S3, monkeypatch):
    """Only the throttled message comes back; a verdict (FAIL, PASS) and a bucket that does
    not exist are answers, which no retry would change."""
    throttled = "HLS/1M/D0002021500_00000/throttled.m3u8"
    titles.put(throttled, titles.get(SAMPLE_KEY))
    with S3Proxy(titles.endpoint, throttle=lambda method, path: "throttled" in path) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        answer = handler(sqs(("m-damaged", notification((BUCKET, DAMAGED))),
                             ("m-clean", eventbridge(BUCKET, SAMPLE_KEY)),
                             ("m-throttled", notification((BUCKET, throttled))),
                             ("m-no-bucket", notification((NO_BUCKET, SAMPLE_KEY)))),
                         Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-throttled"}]}
    assert written(titles, DAMAGED)["ok"] is False
    assert written(titles, SAMPLE_KEY)["ok"] is True
    assert written(titles, SAMPLE_KEY, NO_BUCKET)["error"]["kind"] == "no-bucket"


def test_sqs_unreachable_endpoint_retries_the_message(titles: S3, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("HLSINSPECT_REPORT_PREFIX")
    answer = handler(sqs(("m-1", notification((BUCKET, SAMPLE_KEY))),
                         ("m-2", notification((BUCKET, SEGMENT)))), Context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


@pytest.mark.parametrize(("trigger", "also"), [
    pytest.param(None, [], id="default-m3u8"),
    pytest.param("*", [], id="everything-yet-only-playlists"),
    pytest.param("*/master.m3u8", [(BUCKET, SAMPLE_KEY)], id="masters-only"),
])
def test_keys_the_trigger_skips_cost_no_request(titles: S3, monkeypatch, trigger, also):
    if trigger:
        monkeypatch.setenv("HLSINSPECT_TRIGGER", trigger)
    skipped = [(BUCKET, SEGMENT), (BUCKET, "HLS/poster.jpg"), *also]
    with S3Proxy(titles.endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        assert handler(notification(*skipped), Context()) == {"results": []}
        tasks = handler(batch("2.0", *skipped), Context())["results"]
        assert {r["resultCode"] for r in tasks} == {"Succeeded"}
        assert all(r["resultString"].startswith("SKIPPED") for r in tasks)
        assert proxy.requests == 0
        [checked] = handler(notification((BUCKET, DAMAGED)), Context())["results"]
    assert checked["verdict"] == "FAIL"


def test_settings_come_from_the_environment(titles: S3, monkeypatch):
    monkeypatch.setenv("HLSINSPECT_IGNORE", "segment-missing,playlist-missing")
    [result] = handler(eventbridge(BUCKET, DAMAGED), Context())["results"]
    names = [f["name"] for f in result["report"]["findings"]]
    assert "segment-missing" not in names
    assert result["errors"] == COUNTS["errors"] - 1
    monkeypatch.setenv("HLSINSPECT_SELECT", "channels-missing")
    monkeypatch.delenv("HLSINSPECT_IGNORE")
    monkeypatch.setenv("HLSINSPECT_FAIL_ON", "warning")
    [result] = handler(eventbridge(BUCKET, DAMAGED), Context())["results"]
    assert (result["verdict"], result["errors"], result["warnings"]) == ("FAIL", 0, 1)


def test_a_misspelt_setting_is_an_error_naming_it(titles: S3, monkeypatch):
    monkeypatch.setenv("HLSINSPECT_FAILON", "warning")
    [result] = handler(eventbridge(BUCKET, SAMPLE_KEY), Context())["results"]
    assert result["verdict"] == "ERROR"
    assert "unknown setting 'failon'; did you mean fail-on?" in result["report"]["error"][
        "message"]


def test_deadline_stops_the_check_before_lambda_runs_out(titles: S3, monkeypatch):
    """Every HEAD stalls; with two seconds left the handler answers rather than being
    killed: the first playlist stopped at the deadline (its report says so), the second
    never started (no request, no report), and Batch is told to try both again."""
    with S3Proxy(titles.endpoint, fault=lambda method, path: "stall" if method == "HEAD"
                 else None) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        results = handler(batch("2.0", (BUCKET, SAMPLE_KEY), (BUCKET, DAMAGED)),
                          Context(2_000))["results"]
        gets = proxy.count("GET", quote(DAMAGED.rpartition("/")[0]))
        puts = proxy.count("PUT", "ts-ladder")
    assert [r["resultCode"] for r in results] == ["TemporaryFailure", "TemporaryFailure"]
    assert results[0]["resultString"].startswith("ERROR interrupted: stopped at the "
                                                 "function's deadline")
    assert results[1]["resultString"].startswith("ERROR interrupted: not checked: the "
                                                 "function's time ran out first")
    assert written(titles, SAMPLE_KEY)["error"]["kind"] == "interrupted"
    assert (gets, puts) == (0, 0)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX timers")
def test_a_deadline_that_lands_in_a_callback_still_stops_the_run():
    """Python cannot raise an exception in a weak reference's callback: it prints one and
    goes on. A deadline landing there is raised again a moment later, or the function would
    run on until Lambda kills it, with no answer."""
    deadline = Deadline(Context(200))  # 150 ms to go, 50 kept in reserve

    class Referent:
        pass

    def landed(_: object) -> None:
        until = time.monotonic() + 0.3
        while time.monotonic() < until:  # the deadline comes while this runs
            pass

    started = time.monotonic()
    with pytest.raises(DeadlineReached), deadline.armed():
        referent = Referent()
        watcher = weakref.ref(referent, landed)
        del referent  # the callback runs here
        time.sleep(5)
    assert watcher() is None and time.monotonic() - started < 2


def test_deadline_in_a_plain_result(titles: S3, monkeypatch):
    with S3Proxy(titles.endpoint, fault=lambda method, path: "stall" if method == "HEAD"
                 else None) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
        monkeypatch.delenv("HLSINSPECT_REPORT_PREFIX")
        [plain] = handler(eventbridge(BUCKET, SAMPLE_KEY), Context(2_000))["results"]
    assert plain["verdict"] == "ERROR"
    assert plain["report"]["error"]["kind"] == "interrupted"


def test_a_report_that_cannot_be_written_is_retried(titles: S3, monkeypatch):
    monkeypatch.setenv("HLSINSPECT_REPORT_PREFIX", f"s3://{NO_BUCKET}/reports/")
    [result] = handler(batch("1.0", (BUCKET, SAMPLE_KEY)), Context())["results"]
    assert result["resultCode"] == "TemporaryFailure"
    assert result["resultString"].startswith(
        f"ERROR output: cannot write the report to s3://{NO_BUCKET}/reports/{BUCKET}/")


def test_events_without_a_created_playlist_need_no_s3(monkeypatch):
    """S3's test event, an SQS body that is not JSON and a Batch task without a key are
    answered without a request (the endpoint is closed: any request would fail)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent",
                  "Time": "2026-12-07T01:00:00.000Z", "Bucket": BUCKET,
                  "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3e"}
    assert handler(test_event, Context()) == {"results": []}
    broken = sqs(("m-1", {}))
    broken["Records"][0]["body"] = "not json"
    assert handler(broken, Context()) == {"batchItemFailures": []}
    event = batch("1.0", (BUCKET, SAMPLE_KEY))
    del event["tasks"][0]["s3Key"]
    [result] = handler(event, Context())["results"]
    assert (result["resultCode"], result["resultString"]) == (
        "PermanentFailure", "the task names no bucket and key")


def test_an_sns_notification_is_opened(titles: S3):
    """S3 -> SNS -> the function: the S3 event is the SNS message."""
    event = {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                          "EventSubscriptionArn": "arn:aws:sns:us-east-1:111122223333:hls:1",
                          "Sns": {"Type": "Notification", "MessageId": "95df01b4",
                                  "TopicArn": "arn:aws:sns:us-east-1:111122223333:hls",
                                  "Subject": "Amazon S3 Notification",
                                  "Message": json.dumps(notification((BUCKET, DAMAGED)))}}]}
    [result] = handler(event, Context())["results"]
    assert (result["target"], result["verdict"]) == (f"s3://{BUCKET}/{DAMAGED}", "FAIL")
