"""S3 as a store, through one boto3 client shared by every worker thread.

This is the only module that imports boto3. It resolves the bucket's own URIs (`s3://`, and
its virtual-hosted, path-style and endpoint URLs, see `s3_urls`), and keeps the one
distinction that matters most: only a 404 means missing. A 403 on HEAD is what S3 answers for
a missing key when the caller lacks s3:ListBucket, so it is "unknown", never "missing"; one
listing of the bucket then tells which of the causes of a 403 it is.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from hlsinspect.storage import s3_errors
from hlsinspect.storage.base import (
    MAX_PLAYLIST_BYTES,
    ErrorKind,
    Existence,
    Level,
    ObjectState,
    RequestPolicy,
    StorageError,
    in_passes,
)
from hlsinspect.storage.deadline import Deadline, deadline
from hlsinspect.storage.s3_stream import ObjectStream
from hlsinspect.uri.keys import (
    Reference,
    external_reason,
    key_from_path,
    relative,
    s3_reference,
    scheme_of,
)
from hlsinspect.uri.s3_urls import Endpoint, locate
from hlsinspect.uri.urls import redact

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["S3Storage"]


class S3Storage:
    """One bucket; keys are S3 object keys."""

    def __init__(
        self,
        bucket: str,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        policy: RequestPolicy | None = None,
        lazy: bool = False,
    ) -> None:
        """`lazy` makes the client at the first request instead of now: a run whose titles
        another process lists and reads (`pipeline.apart`) may need none, and a client is
        half a second of start-up (botocore and the S3 model). That process has made the
        same client already, so a setting that cannot work has stopped the run there."""
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.policy = policy or RequestPolicy()
        self._options = (profile, region, endpoint_url)
        self._client: S3Client | None = None
        self._making = threading.Lock()
        self._lock = threading.Lock()
        self._listing: tuple[s3_errors.Answer | None] | None = None
        if not lazy:
            self._client = _make_client(profile, region, endpoint_url, self.policy)

    @property
    def client(self) -> S3Client:
        """The one client every worker thread shares (botocore clients are thread-safe)."""
        if self._client is None:
            with self._making:
                if self._client is None:
                    self._client = _make_client(*self._options, self.policy)
        return self._client

    @functools.cached_property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Where this bucket's own http(s) URIs point: the client's endpoint."""
        endpoint = Endpoint.parse(self.client.meta.endpoint_url)
        return (endpoint,) if endpoint is not None else ()

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
        return in_passes(lambda: self._read_once(key, limit), self.policy)

    def _read_once(self, key: str, limit: int) -> bytes:
        with deadline(self.policy.timeout) as watch:
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
                return self._body(response["Body"], None, key, watch)
            except StorageError:
                raise
            except Exception as exc:
                raise self._error(exc, key, action="read") from exc

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        return in_passes(lambda: self._range_once(key, offset, length), self.policy)

    def _range_once(self, key: str, offset: int, length: int) -> bytes:
        with deadline(self.policy.timeout) as watch:
            try:
                response = self.client.get_object(
                    Bucket=self.bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}")
                return self._body(response["Body"], length, key, watch)
            except StorageError:
                raise
            except Exception as exc:
                raise self._error(exc, key, action="read") from exc

    def _body(self, body: Any, length: int | None, key: str, watch: Deadline) -> bytes:
        """At most `length` bytes of a GET's body (None: all of it, which botocore checks
        against its Content-Length), read by the request's deadline: botocore's read timeout
        bounds each wait for a byte only, so the connection is cut there."""
        try:
            watch.attach(getattr(body, "_raw_stream", None) and body._raw_stream.connection)
            data = bytes(body.read() if length is None else body.read(length))
        except Exception:
            if not watch.expired:
                raise
            data = b""
        if watch.expired:
            body.close()
            raise StorageError(ErrorKind.UNAVAILABLE, f"cannot read {self.uri(key)}: timed "
                               f"out after {watch.seconds:g} s",
                               "a server this slow is cut at --timeout")
        return data

    def open_stream(self, key: str) -> io.BufferedReader:
        """The object's body as a stream, for objects too large to hold in memory (the data
        files of an S3 Inventory); a dropped connection resumes where it stopped (see
        `s3_stream`). StorageError when it cannot be opened or read to its end. The caller
        closes it, which frees the connection."""
        def get(offset: int, etag: str | None) -> Any:
            request: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
            if offset:
                request["Range"] = f"bytes={offset}-"
            if etag:
                request["IfMatch"] = etag
            try:
                return self.client.get_object(**request)
            except Exception as exc:
                raise self._error(exc, key, action="read") from exc

        stream = ObjectStream(get, lambda exc: self._error(exc, key, action="read"), self.policy)
        return io.BufferedReader(stream, buffer_size=_STREAM_BUFFER)

    def stat(self, key: str) -> ObjectState:
        from botocore.exceptions import ClientError

        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            return s3_errors.head_state(s3_errors.answer_of(exc), bucket=self.bucket,
                                        endpoint=self._endpoint(), listing=self._probe)
        except Exception as exc:
            error = self._error(exc, key, action="check")
            return ObjectState(Existence.UNKNOWN, reason=error.message,
                               retryable=error.retryable)
        return ObjectState(Existence.PRESENT, size=response.get("ContentLength"),
                           content_type=response.get("ContentType"))

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        yield from in_passes(lambda: list(self._list(prefix, delimiter=None)), self.policy)

    def list_directory(self, directory: str) -> dict[str, int]:
        # no passes here: a directory whose listing fails is left to HEAD, which has its own
        prefix = f"{directory}/" if directory else ""
        return dict(self._list(prefix, delimiter="/"))

    def list_level(self, prefix: str) -> Level:
        def one_level() -> Level:
            level = Level()
            for key, size in self._list(prefix, delimiter="/", level=level):
                level.files[key] = size
            return level

        return in_passes(one_level, self.policy)

    def _list(self, prefix: str, delimiter: str | None,
              level: Level | None = None) -> Iterator[tuple[str, int]]:
        paginator = self.client.get_paginator("list_objects_v2")
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        try:
            for page in paginator.paginate(**kwargs):
                for item in page.get("Contents", []):
                    yield item["Key"], item.get("Size", 0)
                if level is not None:
                    level.prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        except Exception as exc:
            raise self._error(exc, prefix, action="list") from exc

    def _probe(self) -> s3_errors.Answer | None:
        """How a listing of the bucket fares with these credentials (None: it works); asked
        once per store, the first time a HEAD is refused."""
        from botocore.exceptions import ClientError

        with self._lock:
            if self._listing is None:
                try:
                    self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
                    answer = None
                except ClientError as exc:
                    answer = s3_errors.answer_of(exc)
                except Exception as exc:
                    answer = s3_errors.Answer(type(exc).__name__, None, str(exc), True)
                self._listing = (answer,)
            return self._listing[0]

    def _endpoint(self) -> str:
        return redact(self.endpoint_url) if self.endpoint_url else "the S3 endpoint"

    def _error(self, exc: Exception, key: str, *, action: str) -> StorageError:
        """Name the failure in one line, with the permission or setting that fixes it."""
        from botocore.exceptions import ClientError

        what = {"read": "cannot read", "list": "cannot list", "check": "cannot check"}[action]
        what = f"{what} {self.uri(key)}"
        if isinstance(exc, ClientError):
            hint = (f"check the key; hlsinspect check {self.uri(_directory(key))} inspects every "
                    "playlist in that directory") if action == "read" else None
            return s3_errors.client_error(s3_errors.answer_of(exc), what, bucket=self.bucket,
                                          action=action, endpoint=self._endpoint(),
                                          read_hint=hint)
        return s3_errors.exception_error(exc, what, endpoint=self._endpoint())


_STREAM_BUFFER = 1024 * 1024
"""Bytes asked of a streamed body at a time: few reads, little memory."""


def _directory(key: str) -> str:
    directory = key.rpartition("/")[0]
    return f"{directory}/" if directory else ""


def _lean(client: S3Client) -> S3Client:
    """The client, with the lean parser of `s3_lean` in place of botocore's default.

    Only this client's parser changes; the clients that credential providers (STS, SSO)
    make still parse theirs in full. The attribute is botocore's own; without it the client
    simply stays as it was, slower.
    """
    from hlsinspect.storage.s3_lean import LeanParserFactory

    endpoint = getattr(client, "_endpoint", None)
    if endpoint is not None and hasattr(endpoint, "_response_parser_factory"):
        endpoint._response_parser_factory = LeanParserFactory()
    return client


def _make_client(profile: str | None, region: str | None, endpoint_url: str | None,
                 policy: RequestPolicy) -> S3Client:
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, InvalidRegionError, ProfileNotFound
    from botocore.session import Session

    config = Config(
        max_pool_connections=max(10, policy.concurrency),
        retries={"mode": "standard", "max_attempts": max(1, policy.attempts)},
        connect_timeout=min(policy.connect_timeout, policy.timeout),
        read_timeout=min(policy.read_timeout, policy.timeout),
        # hlsinspect passes only bucket and key strings; validating them against the model
        # costs a few percent of every HEAD
        parameter_validation=False,
    )
    def failed(why: str, hint: str | None) -> StorageError:
        return StorageError(ErrorKind.OTHER, f"cannot set up S3: {why}", hint)

    try:
        # botocore's own session: boto3's adds resources and transfers (s3transfer), a
        # tenth of a second of imports hlsinspect has no use for; credentials, profiles,
        # regions and retries are botocore's either way
        client = Session(profile=profile).create_client(
            "s3", region_name=region, endpoint_url=endpoint_url, config=config)
        return _lean(cast("S3Client", client))
    except ProfileNotFound as exc:
        raise StorageError(ErrorKind.CREDENTIALS, f"cannot set up S3: {exc}",
                           "list the profiles with: aws configure list-profiles") from exc
    except InvalidRegionError as exc:
        raise failed(str(exc), "pass --region with a region name such as eu-west-1") from exc
    except BotoCoreError as exc:
        raise failed(str(exc), None) from exc
    except ValueError as exc:
        raise failed(redact(str(exc)),
                     "check --endpoint-url (a URL such as http://127.0.0.1:9000)") from exc
