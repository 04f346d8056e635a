"""What S3's answers and botocore's exceptions mean: kind, advice, and whether to ask again.

Part of the S3 store (`s3.py`), kept apart so each file does one thing; botocore is imported
lazily here too. The distinctions that matter:

- only a 404 from S3 means missing; a 404 without any `x-amz-*` header came from something
  that is not S3 (a web server at --endpoint-url), and says nothing about a key;
- a 403 has several causes that need different fixes (s3:ListBucket, s3:GetObject, an
  expired token, a wrong clock, KMS), named as precisely as the answer allows;
- only what can pass on a later try is retried: throttling, 5xx, a reset connection or a
  cut-off body. A bad parameter, a denial or a clock off by 15 minutes never will.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hlsinspect.storage.base import ErrorKind, Existence, ObjectState, StorageError
from hlsinspect.uri.buckets import RULES, bucket_problem

NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
DENIED = {"AccessDenied", "403", "AllAccessDisabled", "Forbidden"}
THROTTLING = {"SlowDown", "Throttling", "ThrottlingException", "503", "ServiceUnavailable",
              "429", "TooManyRequests"}
UNAVAILABLE = {"RequestTimeout", "InternalError", "500", "502", "504"}
_CREDENTIALS = {
    "ExpiredToken": "the session token has expired",
    "TokenRefreshRequired": "the session token has expired",
    "InvalidToken": "the session token is malformed or invalid",
    "InvalidAccessKeyId": "the access key id is unknown to S3",
    "InvalidClientTokenId": "the access key id is unknown to S3",
    "SignatureDoesNotMatch": "the secret key does not match the access key id",
    "UnrecognizedClientException": "the access key id is unknown to S3",
}
CLOCK_SKEW = "RequestTimeTooSkewed"
CREDENTIALS_HINT = (
    "check the credentials boto3 finds: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, "
    "AWS_PROFILE or --profile, SSO login, instance role"
)
_TOKEN_HINT = "refresh the credentials (aws sso login, or new STS credentials) and run again"
_CLOCK_WHY = "this machine's clock differs from S3's by more than 15 minutes"
_CLOCK_HINT = "set the clock right (NTP); asking again does not help"
_NOT_S3_HINT = ("--endpoint-url (or AWS_ENDPOINT_URL) must point at the S3 API itself, for "
                "example http://127.0.0.1:9000 for MinIO")


@dataclass(frozen=True)
class Answer:
    """The parts of an S3 error answer that matter here."""

    code: str
    status: int | None
    message: str
    from_s3: bool
    """Whether an `x-amz-*` header came with it, as with every answer S3 itself gives."""
    tries: int = 1
    """Requests botocore made for it, its retries included."""

    @property
    def detail(self) -> str:
        return f"{self.code} ({self.status})" if self.status else self.code


def answer_of(exc: Any) -> Answer:
    """The Answer inside a botocore ClientError."""
    response = exc.response
    meta = response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    error = response.get("Error", {})
    headers = meta.get("HTTPHeaders", {})
    retries = meta.get("RetryAttempts")
    return Answer(code=str(error.get("Code", status)), status=status,
                  message=str(error.get("Message", "")),
                  from_s3=any(str(name).lower().startswith("x-amz") for name in headers),
                  tries=1 + retries if isinstance(retries, int) else 1)


def _not_s3(answer: Answer) -> bool:
    return not answer.from_s3 and answer.status is not None and 400 <= answer.status < 500


def not_s3_reason(answer: Answer, endpoint: str) -> str:
    return (f"{endpoint} answered {answer.status} without any S3 header: it does not look "
            "like S3 (a web server?)")


def no_bucket(bucket: str, message: str) -> StorageError:
    """S3 has no such bucket: NO_BUCKET; or, for a name that only the pre-2018 rules allow
    (`Titles_Out`), a usage error saying the name is not valid, the likelier mistake."""
    problem = bucket_problem(bucket)
    if problem is not None:
        return StorageError(ErrorKind.USAGE, f"{message}, and {bucket!r} is not a valid bucket "
                            f"name ({problem})", f"{RULES}; only buckets made in us-east-1 "
                            "before March 2018 may have other names")
    return StorageError(ErrorKind.NO_BUCKET, message,
                        "check the bucket name, --region and --endpoint-url")


def client_error(answer: Answer, what: str, *, bucket: str, action: str, endpoint: str,
                 read_hint: str | None) -> StorageError:
    """A StorageError for an error answer to a GET or a listing."""
    message = f"{what}: {answer.detail}"
    if _not_s3(answer):
        return StorageError(ErrorKind.NOT_S3, f"{what}: {not_s3_reason(answer, endpoint)}",
                            _NOT_S3_HINT)
    if answer.code in NOT_FOUND:
        return StorageError(ErrorKind.NOT_FOUND, f"{message}: no such key", read_hint)
    if answer.code == "NoSuchBucket":
        return no_bucket(bucket, f"{message}: bucket {bucket!r} does not exist")
    if answer.code == CLOCK_SKEW:
        return StorageError(ErrorKind.CLOCK_SKEW, f"{message}: {_CLOCK_WHY}", _CLOCK_HINT)
    if answer.code in _CREDENTIALS:
        expired = answer.code in ("ExpiredToken", "TokenRefreshRequired")
        return StorageError(
            ErrorKind.CREDENTIALS,
            f"{message}: the credentials were rejected: {_CREDENTIALS[answer.code]}",
            _TOKEN_HINT if expired else CREDENTIALS_HINT)
    if answer.code.startswith("KMS.") or (answer.code in DENIED and
                                          "kms" in answer.message.lower()):
        return StorageError(
            ErrorKind.ACCESS_DENIED, f"{message}: the object is encrypted with a KMS key the "
            "caller may not use", "grant kms:Decrypt on the bucket's KMS key (SSE-KMS)")
    if answer.code in DENIED:
        return _denied(message, bucket, action)
    if answer.code in THROTTLING:
        return StorageError(ErrorKind.THROTTLED, f"{message}: still failing after retries",
                            retryable=True)
    if answer.code in UNAVAILABLE:
        return StorageError(ErrorKind.UNAVAILABLE, f"{message}: still failing after retries",
                            retryable=True)
    if answer.code in {"PermanentRedirect", "AuthorizationHeaderMalformed", "301"}:
        return StorageError(ErrorKind.OTHER, f"{message}: the bucket is in another region",
                            "pass --region with the bucket's region")
    return StorageError(ErrorKind.OTHER, message)


def _denied(message: str, bucket: str, action: str) -> StorageError:
    permission = (f"s3:ListBucket on arn:aws:s3:::{bucket}" if action == "list"
                  else f"s3:GetObject on arn:aws:s3:::{bucket}/*")
    why = "access denied"
    if action == "read":
        why += " (S3 also answers 403 for a missing key to a caller without s3:ListBucket)"
    return StorageError(
        ErrorKind.ACCESS_DENIED, f"{message}: {why}",
        f"grant {permission} (see: hlsinspect policy --bucket {bucket} --principal ARN)")


def exception_error(exc: Exception, what: str, *, endpoint: str) -> StorageError:
    """A StorageError for a failure that is not an answer: no credentials, no connection,
    a timeout, a cut-off body, a parameter botocore refused before sending anything."""
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        IncompleteReadError,
        NoCredentialsError,
        ParamValidationError,
        PartialCredentialsError,
        ReadTimeoutError,
        ResponseStreamingError,
        SSLError,
    )

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return StorageError(ErrorKind.CREDENTIALS, f"{what}: no usable AWS credentials found",
                            CREDENTIALS_HINT)
    if isinstance(exc, SSLError):
        return StorageError(ErrorKind.UNREACHABLE, f"{what}: TLS handshake failed ({exc})",
                            "if the endpoint serves plain HTTP, write http:// in --endpoint-url")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return StorageError(
            ErrorKind.UNREACHABLE, f"{what}: could not connect to {endpoint}",
            "check --endpoint-url / AWS_ENDPOINT_URL (scheme, host and port) and the network")
    if isinstance(exc, ReadTimeoutError):
        # not asked again in a pass: it already cost every attempt a full read timeout
        return StorageError(ErrorKind.UNAVAILABLE, f"{what}: timed out (no answer in time)")
    if isinstance(exc, ConnectionClosedError):
        return StorageError(ErrorKind.UNAVAILABLE, f"{what}: the connection was reset",
                            retryable=True)
    if isinstance(exc, (ResponseStreamingError, IncompleteReadError)):
        return StorageError(ErrorKind.UNAVAILABLE, f"{what}: the answer was cut off before "
                            "its end", retryable=True)
    if isinstance(exc, ParamValidationError):
        return StorageError(ErrorKind.OTHER, f"{what}: refused before sending: {exc}")
    return StorageError(ErrorKind.OTHER, f"{what}: {type(exc).__name__}: {exc}")


def head_state(answer: Answer, *, bucket: str, endpoint: str,
               listing: Callable[[], Answer | None]) -> ObjectState:
    """A HEAD's error answer as a state. A HEAD answer has no body, so the status is all
    there is; for a 400 or 403, `listing()` (one listing of the bucket with the same
    credentials, made once per store) tells the causes apart."""
    status = answer.status
    if _not_s3(answer):
        return ObjectState(Existence.UNKNOWN, reason=not_s3_reason(answer, endpoint))
    if status == 404 or answer.code in NOT_FOUND:
        return ObjectState(Existence.MISSING)
    if status in (400, 403) or answer.code in DENIED:
        probe = listing()
        if status == 400 and (probe is None or probe.code not in {*_CREDENTIALS, CLOCK_SKEW}):
            return ObjectState(Existence.UNKNOWN, reason=f"HEAD failed: {answer.detail}")
        lead = "refused (400)" if status == 400 else "access denied (403)"
        return ObjectState(Existence.UNKNOWN, reason=denial_reason(probe, bucket, lead))
    if status in (429, 500, 502, 503, 504) or answer.code in THROTTLING | UNAVAILABLE:
        return ObjectState.transient(transient_cause(answer), answer.tries)
    return ObjectState(Existence.UNKNOWN, reason=f"HEAD failed: {answer.detail}")


def transient_cause(answer: Answer) -> str:
    """What a failure that may pass was: throttling (429, 503 or a throttling code; S3's 503
    is SlowDown, which a HEAD answer, having no body, cannot say), or a server failing."""
    code = answer.code if answer.code != str(answer.status) else ""
    if answer.status in (429, 503) or answer.code in THROTTLING:
        if answer.status == 503 and not code:
            code = "SlowDown"
        return f"throttled ({answer.status} {code})".replace(" )", ")")
    return f"unavailable ({answer.status} {code})".replace(" )", ")")


LISTING_GRANTED = "although s3:ListBucket is granted"
"""How `denial_reason` says a 403 came with a listing that worked: GetObject is what is
denied, and the finding's fix says so (checks/objects.py)."""


def denial_reason(listing: Answer | None, bucket: str, lead: str = "access denied (403)"
                  ) -> str:
    """Why HEAD was refused, judged by a listing of the bucket made with the same
    credentials (`None`: the listing worked)."""
    if listing is None:
        return (f"{lead}, {LISTING_GRANTED} (so a missing key would answer "
                "404): s3:GetObject is denied on this object; check the policy's resources, "
                "Deny statements, and the object's owner and ACL (objects written by another "
                "account)")
    if listing.code == CLOCK_SKEW:
        return f"{lead}: {_CLOCK_WHY}; {_CLOCK_HINT}"
    if listing.code in _CREDENTIALS:
        expired = listing.code in ("ExpiredToken", "TokenRefreshRequired")
        return (f"{lead}: {_CREDENTIALS[listing.code]}; "
                f"{_TOKEN_HINT if expired else CREDENTIALS_HINT}")
    if listing.code in DENIED:
        return (f"{lead}: S3 answers 403 for a missing key when the caller lacks "
                f"s3:ListBucket on arn:aws:s3:::{bucket}, as this caller does; grant it to "
                "tell missing from forbidden (and s3:GetObject on "
                f"arn:aws:s3:::{bucket}/*)")
    return f"{lead}; listing the bucket failed too: {listing.detail}"
