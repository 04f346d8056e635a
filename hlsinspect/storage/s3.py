"""S3 as a store, through one boto3 client shared by every worker thread.

This is the only module that imports boto3. It resolves the bucket's own URIs (`s3://`, and
its virtual-hosted, path-style and endpoint URLs, see `s3_urls`), and maps botocore's
exceptions onto `ErrorKind` and `ObjectState`, keeping the one distinction that matters most:
only a 404 means missing.
A 403 on HEAD is what S3 answers for a missing key when the caller lacks s3:ListBucket, so it
is "unknown", never "missing".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hlsinspect.storage.base import (
    MAX_PLAYLIST_BYTES,
    ErrorKind,
    Existence,
    ObjectState,
    StorageError,
)
from hlsinspect.storage.keys import (
    Reference,
    external_reason,
    key_from_path,
    relative,
    s3_reference,
    scheme_of,
)
from hlsinspect.storage.s3_urls import Endpoint, locate

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_DENIED = {"AccessDenied", "403", "AllAccessDisabled", "Forbidden"}
_CREDENTIALS = {
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
    "TokenRefreshRequired", "InvalidClientTokenId", "UnrecognizedClientException",
}
_TRANSIENT = {
    "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError",
    "ServiceUnavailable", "503", "500", "502", "504", "RequestTimeTooSkewed",
}

CREDENTIALS_HINT = (
    "check the credentials boto3 finds: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, "
    "AWS_PROFILE or --profile, SSO login, instance role"
)


class S3Storage:
    """One bucket; keys are S3 object keys."""

    def __init__(
        self,
        bucket: str,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        concurrency: int = 32,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.client = _make_client(profile, region, endpoint_url, concurrency)
        endpoint = Endpoint.parse(self.client.meta.endpoint_url)
        self.endpoints = (endpoint,) if endpoint is not None else ()

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        uri = uri.strip()
        scheme = scheme_of(uri)
        if scheme == "s3":
            return s3_reference(uri, self.bucket)
        if scheme in ("http", "https"):
            located = locate(uri, self.endpoints)
            if located is None:
                return Reference(external=external_reason(uri, scheme))
            if located.bucket != self.bucket:
                return Reference(external=f"in another bucket ({located.bucket})")
            return key_from_path(located.path)
        return relative(playlist_key, uri)

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            size = response.get("ContentLength", 0)
            if size > limit:
                response["Body"].close()
                raise StorageError(
                    ErrorKind.TOO_LARGE,
                    f"{self.uri(key)} is {size} bytes, larger than a playlist can be "
                    f"({limit // 2**20} MiB)",
                    "is this really a playlist? hlsinspect reads playlists whole",
                )
            return response["Body"].read()
        except StorageError:
            raise
        except Exception as exc:
            raise self._error(exc, key, action="read") from exc

    def stat(self, key: str) -> ObjectState:
        from botocore.exceptions import ClientError

        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            return _client_error_state(exc, self.bucket)
        except Exception as exc:
            error = self._error(exc, key, action="check")
            return ObjectState(Existence.UNKNOWN, reason=error.message, retryable=True)
        return ObjectState(Existence.PRESENT, size=response.get("ContentLength"))

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        yield from self._list(prefix, delimiter=None)

    def list_directory(self, directory: str) -> dict[str, int]:
        prefix = f"{directory}/" if directory else ""
        return dict(self._list(prefix, delimiter="/"))

    def _list(self, prefix: str, delimiter: str | None) -> Iterator[tuple[str, int]]:
        paginator = self.client.get_paginator("list_objects_v2")
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        try:
            for page in paginator.paginate(**kwargs):
                for item in page.get("Contents", []):
                    yield item["Key"], item.get("Size", 0)
        except Exception as exc:
            raise self._error(exc, prefix, action="list") from exc

    def _error(self, exc: Exception, key: str, *, action: str) -> StorageError:
        """Name the failure in one line, with the permission or setting that fixes it."""
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
            ReadTimeoutError,
            SSLError,
        )

        what = {"read": "cannot read", "list": "cannot list", "check": "cannot check"}[action]
        uri = self.uri(key)
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = f"{code} ({status})" if status else code
            return self._client_error(code, f"{what} {uri}: {detail}", action, key)
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return StorageError(
                ErrorKind.CREDENTIALS, f"{what} {uri}: no usable AWS credentials found",
                CREDENTIALS_HINT,
            )
        if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
            endpoint = _redact(self.endpoint_url) if self.endpoint_url else "the S3 endpoint"
            return StorageError(
                ErrorKind.UNREACHABLE, f"{what} {uri}: could not connect to {endpoint}",
                "check --endpoint-url / AWS_ENDPOINT_URL (scheme, host and port) and the network",
            )
        if isinstance(exc, ReadTimeoutError):
            return StorageError(ErrorKind.THROTTLED, f"{what} {uri}: timed out")
        if isinstance(exc, SSLError):
            return StorageError(
                ErrorKind.UNREACHABLE, f"{what} {uri}: TLS handshake failed ({exc})",
                "if the endpoint serves plain HTTP, write http:// in --endpoint-url")
        return StorageError(ErrorKind.OTHER, f"{what} {uri}: {type(exc).__name__}: {exc}")

    def _client_error(self, code: str, message: str, action: str, key: str) -> StorageError:
        bucket = self.bucket
        if code in _NOT_FOUND:
            return StorageError(
                ErrorKind.NOT_FOUND, f"{message}: no such key",
                f"check the key; hlsinspect check {self.uri(_directory(key))} inspects every "
                "playlist in that directory" if action == "read" else None)
        if code == "NoSuchBucket":
            return StorageError(
                ErrorKind.NO_BUCKET, f"{message}: bucket {bucket!r} does not exist",
                "check the bucket name, --region and --endpoint-url",
            )
        if code in _DENIED:
            permission = (
                f"s3:ListBucket on arn:aws:s3:::{bucket}" if action == "list"
                else f"s3:GetObject on arn:aws:s3:::{bucket}/*"
            )
            why = "access denied"
            if action == "read":
                why += " (S3 also answers 403 for a missing key to a caller without s3:ListBucket)"
            return StorageError(
                ErrorKind.ACCESS_DENIED, f"{message}: {why}",
                f"grant {permission} (see: hlsinspect policy --bucket {bucket} --principal ARN)",
            )
        if code in _CREDENTIALS:
            return StorageError(
                ErrorKind.CREDENTIALS, f"{message}: the credentials were rejected",
                CREDENTIALS_HINT,
            )
        if code in _TRANSIENT:
            return StorageError(ErrorKind.THROTTLED, f"{message}: still failing after retries")
        if code in {"PermanentRedirect", "AuthorizationHeaderMalformed", "301"}:
            return StorageError(
                ErrorKind.OTHER, f"{message}: the bucket is in another region",
                "pass --region with the bucket's region",
            )
        return StorageError(ErrorKind.OTHER, message)


def _directory(key: str) -> str:
    directory = key.rpartition("/")[0]
    return f"{directory}/" if directory else ""


def _redact(url: str) -> str:
    """An endpoint URL without any user:password@ it may carry."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=f"***@{netloc}").geturl()


def _client_error_state(exc: Any, bucket: str) -> ObjectState:
    """HEAD answers carry no body: judge by status; only 404 is missing."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(exc.response.get("Error", {}).get("Code", status))
    if status == 404 or code in _NOT_FOUND:
        return ObjectState(Existence.MISSING)
    if status == 403 or code in _DENIED:
        return ObjectState(
            Existence.UNKNOWN,
            reason=(
                "access denied (403): S3 answers 403 for a missing key when the caller lacks "
                f"s3:ListBucket on arn:aws:s3:::{bucket}; grant it to tell missing from "
                "forbidden"
            ),
        )
    if status in (500, 502, 503, 504) or code in _TRANSIENT:
        return ObjectState(
            Existence.UNKNOWN,
            reason=f"throttled or unavailable ({status} {code}) after retries",
            retryable=True,
        )
    return ObjectState(Existence.UNKNOWN, reason=f"HEAD failed: {status} {code}")


def _make_client(
    profile: str | None, region: str | None, endpoint_url: str | None, concurrency: int
) -> S3Client:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, InvalidRegionError, ProfileNotFound

    config = Config(
        max_pool_connections=max(10, concurrency),
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=30,
    )
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        return session.client("s3", endpoint_url=endpoint_url, config=config)
    except ProfileNotFound as exc:
        raise StorageError(ErrorKind.CREDENTIALS, f"cannot set up S3: {exc}",
                           "list the profiles with: aws configure list-profiles") from exc
    except InvalidRegionError as exc:
        raise StorageError(ErrorKind.OTHER, f"cannot set up S3: {exc}",
                           "pass --region with a region name such as eu-west-1") from exc
    except BotoCoreError as exc:
        raise StorageError(ErrorKind.OTHER, f"cannot set up S3: {exc}") from exc
    except ValueError as exc:
        raise StorageError(ErrorKind.OTHER, f"cannot set up S3: {exc}",
                           "check --endpoint-url (a URL such as http://127.0.0.1:9000)") from exc
