"""S3 as a store, through one boto3 client shared by every worker thread.

The client is made in `s3_client`, the answers are read in `s3_errors`. This module resolves
the bucket's own URIs (`s3://`, and its virtual-hosted, path-style and endpoint URLs, see
`s3_urls`), and keeps the one distinction that matters most: only a 404 means missing. A 403
on HEAD is what S3 answers for a missing key when the caller lacks s3:ListBucket, so it is
"unknown", never "missing"; one listing of the bucket then tells which of the causes of a
403 it is. A 404 is believed only in a bucket known to exist (`confirm_bucket`, or a read
whose answer said which), since S3's HEAD answers 404 for a missing bucket too.
"""

from __future__ import annotations

import functools
import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from hlsinspect.storage import s3_errors
from hlsinspect.storage.base import (
    MAX_PLAYLIST_BYTES,
    ErrorKind,
    Existence,
    Level,
    ObjectState,
    RequestPolicy,
    StorageError,
    backoff_delay,
    in_passes,
)
from hlsinspect.storage.deadline import Deadline, deadline
from hlsinspect.storage.s3_client import make_client
from hlsinspect.storage.s3_stream import ObjectStream
from hlsinspect.storage.throttle import RateLimit
from hlsinspect.uri.keys import (
    Reference,
    directory_prefix,
    external_reason,
    key_from_path,
    relative,
    s3_reference,
    scheme_of,
)
from hlsinspect.uri.redact import redact
from hlsinspect.uri.s3_urls import Endpoint, locate

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["S3Storage"]


UNSENT = ("its key has a '.' or '..' segment, which S3 keeps as it is (from %2F in the URI), "
          "but a request path holding one is rewritten by any proxy or SDK that normalises "
          "paths, so it is not asked for by its path; only a listing of its directory can "
          "show it")

PAGE = 1_000
"""Keys in the first page of a recursive listing (`list_page`): what S3 gives at most."""


def dot_segments(key: str) -> bool:
    """Whether the key has a `.` or `..` segment (`a/../b.ts`, the S3 key of `a/..%2Fb.ts`)."""
    return not {".", ".."}.isdisjoint(key.split("/"))


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
        self.limit = RateLimit()
        """The request rate every thread of this store keeps to (see `throttle`)."""
        self.slots = threading.BoundedSemaphore(max(1, self.policy.concurrency))
        """Requests in flight at once, all threads together: --concurrency."""
        self._options = (profile, region, endpoint_url)
        self._client: S3Client | None = None
        self._making = threading.Lock()
        self._lock = threading.Lock()
        self._listing: tuple[s3_errors.Answer | None] | None = None
        self._confirmed = False
        """Whether S3 has shown that the bucket exists (`confirm_bucket`)."""
        if not lazy:
            self._client = make_client(profile, region, endpoint_url, self.policy, self.limit,
                                       self.slots)

    @property
    def client(self) -> S3Client:
        """The one client every worker thread shares (botocore clients are thread-safe)."""
        if self._client is None:
            with self._making:
                if self._client is None:
                    self._client = make_client(*self._options, self.policy, self.limit,
                                               self.slots)
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
        data, _ = in_passes(lambda: self._read_once(key, limit), self.policy)
        assert data is not None
        return data

    def read_changed(self, key: str, etag: str | None,
                     limit: int = MAX_PLAYLIST_BYTES) -> tuple[bytes | None, str | None]:
        """A conditional GetObject (IfNoneMatch): None when S3 answers 304 Not Modified."""
        return in_passes(lambda: self._read_once(key, limit, etag), self.policy)

    def _read_once(self, key: str, limit: int,
                   etag: str | None = None) -> tuple[bytes | None, str | None]:
        self._sendable(key)
        with deadline(self.policy.timeout) as watch:
            try:
                if etag is not None:
                    response = self.client.get_object(Bucket=self.bucket, Key=key,
                                                      IfNoneMatch=etag)
                else:
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
                return self._body(response["Body"], None, key, watch), response.get("ETag")
            except StorageError:
                raise
            except Exception as exc:
                if etag is not None and _not_modified(exc):
                    return None, etag
                raise self._error(exc, key, action="read") from exc

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        return in_passes(lambda: self._range_once(key, offset, length), self.policy)

    def _range_once(self, key: str, offset: int, length: int) -> bytes:
        self._sendable(key)
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
        self._sendable(key)

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

        if dot_segments(key):
            return ObjectState(Existence.UNKNOWN, reason=UNSENT)
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

    def _sendable(self, key: str) -> None:
        """StorageError for a key that is not asked for by its path (see UNSENT)."""
        if dot_segments(key):
            raise StorageError(ErrorKind.OTHER, f"{self.uri(key)}: {UNSENT}")

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        yield from self._list(prefix, delimiter=None)

    def list_directory(self, directory: str) -> dict[str, int]:
        # each page in passes (see _list): a directory left to HEAD when throttled would
        # cost a request per key instead of one per 1,000, under the same throttling
        prefix = f"{directory}/" if directory else ""
        return dict(self._list(prefix, delimiter="/"))

    def list_level(self, prefix: str) -> Level:
        level = Level()
        for key, size in self._list(prefix, delimiter="/", level=level):
            level.files[key] = size
        return level

    def list_page(self, prefix: str) -> tuple[dict[str, int], bool]:
        """The first page (up to 1,000 keys) of the recursive listing of `prefix`, and whether
        it is the whole of it: a title of fewer objects is listed in one request, where a
        level listing and then one per subdirectory take two round trips or more."""
        def first() -> tuple[dict[str, int], bool]:
            try:
                page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix,
                                                   MaxKeys=PAGE)
            except Exception as exc:
                raise self._error(exc, prefix, action="list") from exc
            sizes = {item["Key"]: item.get("Size", 0) for item in page.get("Contents", [])}
            return sizes, not page.get("IsTruncated", False)

        return in_passes(first, self.policy)

    def _list(self, prefix: str, delimiter: str | None,
              level: Level | None = None) -> Iterator[tuple[str, int]]:
        """Every (key, size) of a listing, page after page, each page asked in passes while
        it fails for a reason that may pass (throttling, 5xx): a page that fails costs that
        page again, not the pages before it, as a paginator's restart would."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        while True:
            page = in_passes(lambda: self._page(kwargs, prefix), self.policy)
            for item in page.get("Contents", []):
                yield item["Key"], item.get("Size", 0)
            if level is not None:
                level.prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token or token == kwargs.get(
                    "ContinuationToken"):
                return
            kwargs["ContinuationToken"] = token

    def _page(self, kwargs: dict[str, Any], prefix: str) -> dict[str, Any]:
        try:
            return dict(self.client.list_objects_v2(**kwargs))
        except Exception as exc:
            raise self._error(exc, prefix, action="list") from exc

    def confirm_bucket(self, key: str, where: str) -> None:
        """StorageError (NO_BUCKET, naming `where` the bucket was given) when S3 says the
        bucket does not exist: a HEAD's 404 is the same for a missing key and a missing
        bucket, so without this every object of a mistyped bucket would be reported
        missing. Asked once per store.

        One listing (MaxKeys=1, under `key`'s directory) settles it; a caller without
        s3:ListBucket is refused that (a 403 says nothing about the bucket), so then a GET
        of one byte of `key` is asked, whose error answer has a body: NoSuchBucket there,
        or any other answer (the object, NoSuchKey, 403), tells. Other failures are left to
        the requests that follow, which name them."""
        with self._lock:
            if self._confirmed:
                return
            try:
                answer = self._settled(lambda: self.client.list_objects_v2(
                    Bucket=self.bucket, MaxKeys=1, Prefix=directory_prefix(key)))
                if answer is not None and answer.code in s3_errors.DENIED:
                    answer = self._settled(lambda: self.client.get_object(
                        Bucket=self.bucket, Key=key or _PROBE_KEY,
                        Range="bytes=0-0")["Body"].close())
            except Exception:
                return  # unreachable, no credentials...: the next request says so
            if answer is not None and _transient(answer):
                return  # not settled: asked again before the next 404 is believed
            if answer is not None and answer.code == "NoSuchBucket":
                raise s3_errors.no_bucket(self.bucket, f"{where}: bucket {self.bucket!r} does "
                                          f"not exist (S3 answered {answer.detail})")
            self._confirmed = True

    def _settled(self, request: Callable[[], object]) -> s3_errors.Answer | None:
        """The answer to `request`, asked again in passes while it is throttling or a 5xx."""
        answer = self._answer_to(request)
        for attempt in range(self.policy.passes):
            if answer is None or not _transient(answer):
                break
            time.sleep(backoff_delay(self.policy.backoff, attempt))
            answer = self._answer_to(request)
        return answer

    @staticmethod
    def _answer_to(request: Callable[[], object]) -> s3_errors.Answer | None:
        """The error answer S3 gave `request` (None: it succeeded)."""
        from botocore.exceptions import ClientError

        try:
            request()
        except ClientError as exc:
            return s3_errors.answer_of(exc)
        return None

    def _probe(self) -> s3_errors.Answer | None:
        """How a listing of the bucket fares with these credentials (None: it works); asked
        once per store, the first time a HEAD is refused."""
        with self._lock:
            if self._listing is None:
                try:
                    answer = self._settled(lambda: self.client.list_objects_v2(
                        Bucket=self.bucket, MaxKeys=1))
                except Exception as exc:
                    answer = s3_errors.Answer(type(exc).__name__, None, str(exc), True)
                if answer is not None and _transient(answer):
                    return answer  # kept only when it says something of the credentials
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
            hint = (f"check the key; hlsinspect check {self.uri(directory_prefix(key))} "
                    "inspects every playlist in that directory") if action == "read" else None
            return s3_errors.client_error(s3_errors.answer_of(exc), what, bucket=self.bucket,
                                          action=action, endpoint=self._endpoint(),
                                          read_hint=hint)
        return s3_errors.exception_error(exc, what, endpoint=self._endpoint())


_STREAM_BUFFER = 1024 * 1024
"""Bytes asked of a streamed body at a time: few reads, little memory."""
_PROBE_KEY = "hlsinspect-bucket-check"
"""The key a one-byte GET asks for to learn whether a bucket exists, when no key of the
run's own is at hand (a --map to the top of a bucket); any answer but NoSuchBucket will do."""




def _transient(answer: s3_errors.Answer) -> bool:
    """Whether an answer may change on a later try (throttling, a 5xx)."""
    return (answer.status in (429, 500, 502, 503, 504)
            or answer.code in s3_errors.THROTTLING | s3_errors.UNAVAILABLE)


def _not_modified(exc: Exception) -> bool:
    """Whether S3 answered a conditional read with 304 Not Modified."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return bool(status == 304 or response.get("Error", {}).get("Code") in ("304", "NotModified"))
