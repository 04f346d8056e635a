"""What an AWS event asks to check: the S3 objects it names, read from each event's own shape.

Each source writes keys its own way: S3 event notifications URL-encode them with `+` for a
space (`unquote_plus`), EventBridge gives them as they are, S3 Batch Operations URL-encodes
them (`unquote`, as AWS's own examples read them). Nothing here makes a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, unquote_plus

Kind = Literal["batch", "sqs", "objects"]


@dataclass(frozen=True)
class Source:
    """One object an event names: a playlist to check, if the trigger wants it."""

    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class Item:
    """One unit AWS wants an answer for (an SQS message, a Batch task): its objects, or why
    it names none that can be read (`problem`, never worth retrying)."""

    ident: str
    sources: tuple[Source, ...] = ()
    problem: str | None = None


def kind(event: Any) -> Kind:
    """How the handler must answer `event`: a Batch job, an SQS batch, or a list of results."""
    if isinstance(event, Mapping) and "invocationSchemaVersion" in event and "tasks" in event:
        return "batch"
    records = event.get("Records") if isinstance(event, Mapping) else None
    if isinstance(records, list) and any(
            isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records):
        return "sqs"
    return "objects"


def objects(event: Any) -> list[Source]:
    """The objects an S3 event notification or an EventBridge event says were created
    (an SNS notification of either, as delivered to SQS or to the function, is opened);
    nothing for any other event, such as the `s3:TestEvent` S3 sends when notifications
    are set up."""
    if not isinstance(event, Mapping):
        return []
    if event.get("Type") == "Notification" and isinstance(event.get("Message"), str):
        return objects(_json(event["Message"]))
    if event.get("source") == "aws.s3":
        return list(_eventbridge(event))
    return list(_notification(event))


def _notification(event: Mapping[str, Any]) -> Iterator[Source]:
    for record in _list(event.get("Records")):
        if not isinstance(record, Mapping):
            continue
        if record.get("EventSource") == "aws:sns":  # S3 -> SNS -> this function
            yield from objects(_json((record.get("Sns") or {}).get("Message")))
            continue
        if record.get("eventSource") != "aws:s3":
            continue
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue  # a removal names a key there is nothing left to check
        s3 = record.get("s3") or {}
        bucket, key = _text(s3, "bucket", "name"), _text(s3, "object", "key")
        if bucket and key:
            yield Source(bucket, unquote_plus(key))


def _eventbridge(event: Mapping[str, Any]) -> Iterator[Source]:
    if event.get("detail-type") != "Object Created":
        return
    detail = event.get("detail") or {}
    bucket, key = _text(detail, "bucket", "name"), _text(detail, "object", "key")
    if bucket and key:
        yield Source(bucket, key)  # EventBridge gives the key as it is, not URL-encoded


def messages(event: Mapping[str, Any]) -> list[Item]:
    """Each SQS message of the batch, with the objects of the S3 event its body carries."""
    items = []
    for record in _list(event.get("Records")):
        if not isinstance(record, Mapping):
            continue
        ident = str(record.get("messageId", ""))
        body = _json(record.get("body"))
        if body is None:
            items.append(Item(ident, problem="the message body is not JSON"))
        else:
            items.append(Item(ident, tuple(objects(body))))
    return items


def tasks(event: Mapping[str, Any]) -> list[Item]:
    """Each task of an S3 Batch Operations invocation (schema 1.0: `s3BucketArn`; 2.0:
    `s3Bucket`), with its one object."""
    items = []
    for task in _list(event.get("tasks")):
        if not isinstance(task, Mapping):
            continue
        ident = str(task.get("taskId", ""))
        bucket = task.get("s3Bucket") or str(task.get("s3BucketArn") or "").rpartition(":")[2]
        key = task.get("s3Key")
        if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
            items.append(Item(ident, problem="the task names no bucket and key"))
        else:
            items.append(Item(ident, (Source(bucket, unquote(key)),)))
    return items


def _text(data: Any, outer: str, inner: str) -> str | None:
    value = data.get(outer) if isinstance(data, Mapping) else None
    found = value.get(inner) if isinstance(value, Mapping) else None
    return found if isinstance(found, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
