"""An HTTP(S) origin or CDN as a store: GET for playlists, HEAD for everything else.

Requests go through urllib3 (this module, `http_throttle` for the rate limit and `deadline` for
the total deadline), one pool manager sized to the concurrency and shared by every worker
thread; a HEAD goes first by `http_quick` (the standard library's http.client, for half the
CPU), which hands urllib3 whatever needs it. Keys are URL paths of the one origin the target
names (see `storage.urls`); references to other hosts are external unless --map sends them
somewhere. Existence is asked with HEAD, or with `GET` of the first byte (`Range: bytes=0-0`)
on an origin that refuses HEAD (405, 501) or denies it where it lets GET pass (401, 403: a URL
signed for GET, as an S3 presigned URL is, or a token bound to the method); sizes come from
Content-Length or Content-Range, so byte ranges are checked as on S3. Redirects are followed
within the origin only (the same scheme, host and port: another port on the same host is
another server), a few at most; there is no listing. Every request, urllib3's retries included,
keeps to the origin's rate limit (`throttle`), which a 429 or a 503 lowers and a Retry-After
(up to `throttle.MAX_PAUSE`) pauses (see `http_throttle`).

Requests in flight are bounded by the store, not by whoever calls it: at most `concurrency`
at once (`slots`), however many stages ask at the same time (the next targets' playlists
fetched while this one's objects are verified). A slot is held for one try of one request,
never across the backoff between passes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urljoin

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
from hlsinspect.storage.deadline import current, deadline, pool_classes
from hlsinspect.storage.http_quick import QuickHead
from hlsinspect.storage.http_throttle import THROTTLING, paced_retry, tell, tries
from hlsinspect.storage.throttle import RateLimit
from hlsinspect.uri.keys import Reference, external_reason, scheme_of, without_fragment
from hlsinspect.uri.urls import http_key, origin_of, split_url
from hlsinspect.version import __version__

if TYPE_CHECKING:
    from collections.abc import Iterator

    from urllib3 import BaseHTTPResponse

_TRANSIENT = {429, 500, 502, 503, 504}
_HEAD_REFUSED = {405, 501}
_DENIED = {401, 403}
_TOTAL = re.compile(r"/\s*(\d+)\s*$")
T = TypeVar("T")
_SMALL_BODY = 64 * 1024
_CHUNK = 64 * 1024
"""An error page or a redirect is read to its end (the connection is then reused)."""


class HttpStorage:
    """One origin, `scheme://host[:port]`; keys are its URL paths (with any query)."""

    bucket = None

    def __init__(self, origin: str, *, policy: RequestPolicy | None = None) -> None:
        import urllib3

        parts = split_url(origin + "/")
        if parts is None:
            raise StorageError(ErrorKind.OTHER, f"{origin} is not an http(s) origin")
        self.origin = origin_of(parts)
        self.host = (parts.hostname or "").lower()
        self.policy = policy = policy or RequestPolicy()
        self.limit = RateLimit()
        """The request rate every thread keeps to for this origin (see `throttle`)."""
        retry = paced_retry()(
            total=max(0, policy.attempts - 1), redirect=0, raise_on_redirect=False,
            status_forcelist=_TRANSIENT, allowed_methods={"GET", "HEAD"},
            raise_on_status=False, backoff_factor=0.2, backoff_jitter=0.2,
            respect_retry_after_header=False)  # the limit's pause honours it, capped
        retry.limit = self.limit
        agent = {"User-Agent": f"hlsinspect/{__version__}"}
        self.pool = urllib3.PoolManager(
            num_pools=4, maxsize=max(1, policy.concurrency), retries=retry,
            timeout=urllib3.Timeout(connect=min(policy.connect_timeout, policy.timeout),
                                    read=min(policy.read_timeout, policy.timeout)),
            headers=agent)
        self.pool.pool_classes_by_scheme = pool_classes()  # each request under --timeout
        self.slots = threading.BoundedSemaphore(max(1, policy.concurrency))
        """One per request in flight: `--concurrency` bounds the store, not each stage."""
        plain_name = self.host.isascii() and not self.host.endswith(".")
        self.quick = QuickHead(parts.scheme.lower(), self.host, parts.port, policy, self.limit,
                               agent) if plain_name else None
        """HEAD by `http.client` for the common answers: half urllib3's CPU a request (not
        for a name urllib3 would rewrite: an IDN, or a trailing dot it drops for TLS)."""
        self._head_refused = threading.Event()
        self._moved: dict[str, str] = {}
        """Playlist key -> the key it was redirected to, which its references are relative
        to (as players take them)."""

    def uri(self, key: str) -> str:
        return f"{self.origin}/{key}"

    def location(self, key: str) -> str:
        """The URL the playlist at `key` was read from, after any redirect: where a
        QUERYPARAM finds its value (RFC 8216bis 4.4.2.3: "in the 30x response URI")."""
        return self.uri(self._moved.get(key, key))

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        uri = uri.strip()
        scheme = scheme_of(uri)
        if scheme is not None and scheme not in ("http", "https"):
            return Reference(external=external_reason(uri, scheme))
        base = self.uri(self._moved.get(playlist_key, playlist_key))
        try:
            parts = split_url(urljoin(base, without_fragment(uri)))
        except ValueError:  # such as "https://[::1/x.ts"
            parts = None
        if parts is None:
            return Reference(invalid="it is not a valid URL")
        if origin_of(parts) != self.origin:
            return Reference(external=f"on another host ({origin_of(parts)})")
        return Reference(key=http_key(parts.path, parts.query))

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        data, _ = in_passes(lambda: self._timed(lambda: self._read_once(key, limit),
                                                f"cannot read {self.uri(key)}"), self.policy)
        assert data is not None
        return data

    def _timed(self, call: Callable[[], T], what: str) -> T:
        """`call()` under the total deadline of one request (`--timeout`): a server that
        trickles its headers or body is cut there, and the failure says so. The request waits
        for a slot first (`slots`), outside its deadline: waiting is not the server's time."""
        with self.slots, deadline(self.policy.timeout) as watch:
            try:
                result: T | None = call()
            except Exception:
                if not watch.expired:
                    raise
                result = None
            if watch.expired:  # a cut body may also read as a short one, without error
                raise StorageError(ErrorKind.UNAVAILABLE,
                                   f"{what}: timed out after {watch.seconds:g} s",
                                   "a server this slow is cut at --timeout") from None
            assert result is not None
            return result

    def read_changed(self, key: str, etag: str | None,
                     limit: int = MAX_PLAYLIST_BYTES) -> tuple[bytes | None, str | None]:
        """A conditional GET (If-None-Match): None when the origin answers 304."""
        return in_passes(lambda: self._timed(lambda: self._read_once(key, limit, etag),
                                             f"cannot read {self.uri(key)}"), self.policy)

    def _read_once(self, key: str, limit: int,
                   etag: str | None = None) -> tuple[bytes | None, str | None]:
        url = self.uri(key)
        response, final = self._request("GET", url,
                                        {"If-None-Match": etag} if etag is not None else None)
        if final != url and final.startswith(self.origin + "/"):
            self._moved[key] = final[len(self.origin) + 1:]
        try:
            if response.status == 304 and etag is not None:
                return None, etag
            if response.status != 200:
                raise _status_error(response.status, response.reason, f"cannot read {url}")
            size = _int(response.headers.get("Content-Length"))
            data = b"" if size is not None and size > limit else response.read(limit + 1)
            if (size is not None and size > limit) or len(data) > limit:
                raise StorageError(
                    ErrorKind.TOO_LARGE, f"{url} is larger than a playlist can be "
                    f"({limit // 2**20} MiB)",
                    "is this really a playlist? hlsinspect reads playlists whole")
            return bytes(data), response.headers.get("ETag")
        except StorageError:
            raise
        except Exception as exc:  # the body broke off: a reset, a short read
            raise _transport_error(exc, f"cannot read {url}") from exc
        finally:
            _done(response)

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        return in_passes(lambda: self._timed(lambda: self._range_once(key, offset, length),
                                             f"cannot read {self.uri(key)}"), self.policy)

    def _range_once(self, key: str, offset: int, length: int) -> bytes:
        url = self.uri(key)
        wanted = f"bytes={offset}-{offset + length - 1}"
        response = self._request("GET", url, {"Range": wanted})[0]
        try:
            if response.status not in (200, 206):
                raise _status_error(response.status, response.reason, f"cannot read {url}")
            if response.status == 200 and offset > 0:
                # the origin ignores Range: the bytes asked for come after all those before
                # them, which nobody needs; the connection is closed unread
                raise StorageError(
                    ErrorKind.RANGE_IGNORED,
                    f"GET {url} with Range: {wanted} answered 200 with the whole file "
                    f"({_size(response)})",
                    "serve Range requests (206 Partial Content): players fetch byte ranges")
            return _first(response, length)
        except StorageError:
            raise
        except Exception as exc:
            raise _transport_error(exc, f"cannot read {url}") from exc
        finally:
            _done(response)

    def stat(self, key: str) -> ObjectState:
        try:
            return self._timed(lambda: self._stat_once(key), f"cannot check {self.uri(key)}")
        except StorageError as exc:
            return ObjectState(Existence.UNKNOWN, reason=exc.message, retryable=exc.retryable)

    def read_start(self, key: str, length: int) -> tuple[ObjectState, bytes]:
        """The object's state and its first `length` bytes, in one ranged GET: what a HEAD
        would say, and what a probe reads first. As for HEAD, only 404 or 410 is missing."""
        try:
            return self._timed(lambda: self._start_once(key, length),
                               f"cannot check {self.uri(key)}")
        except StorageError as exc:
            return ObjectState(Existence.UNKNOWN, reason=exc.message,
                               retryable=exc.retryable), b""

    def _start_once(self, key: str, length: int) -> tuple[ObjectState, bytes]:
        url = self.uri(key)
        response = self._request("GET", url, {"Range": f"bytes=0-{max(0, length - 1)}"})[0]
        status, headers = response.status, response.headers
        kind = headers.get("Content-Type")
        try:
            if status == 206:
                return (ObjectState(Existence.PRESENT, size=_total(headers.get("Content-Range")),
                                    content_type=kind), _first(response, length))
            if status == 200:  # the range was ignored: the length is the whole object's
                return (ObjectState(Existence.PRESENT, size=_int(headers.get("Content-Length")),
                                    content_type=kind), _first(response, length))
        except Exception as exc:  # the body broke off: a reset, a short read
            raise _transport_error(exc, f"cannot read {url}") from exc
        finally:
            _done(response)
        if status == 416:  # no byte 0: an empty object
            return ObjectState(Existence.PRESENT,
                               size=_total(headers.get("Content-Range")) or 0), b""
        return _state(status, "GET"), b""

    def _stat_once(self, key: str) -> ObjectState:
        if self._head_refused.is_set():
            return self._first_byte(key)
        status, state = self._head(key)
        if status in _HEAD_REFUSED:
            self._head_refused.set()  # the origin refuses HEAD: ask the others by GET
            return self._first_byte(key)
        if status in _DENIED:  # a URL signed for GET denies HEAD: GET's answer is the proof
            by_get = self._first_byte(key)
            if by_get.existence is Existence.PRESENT:
                self._head_refused.set()  # and the others are signed alike: ask them by GET
            if by_get.reason is not None and by_get.reason.startswith("access denied"):
                return ObjectState(Existence.UNKNOWN, reason=(
                    f"access denied ({status}) to HEAD and to a GET of its first byte: the "
                    "origin refuses to say; does it need a signed URL, a cookie or a header?"))
            return by_get
        return state

    def _head(self, key: str) -> tuple[int, ObjectState]:
        """HEAD's status, and what it says of the object."""
        quick = self.quick.head(f"/{key}") if self.quick is not None else None
        if quick is not None:
            status, length, kind = quick
            tried = 1
        else:
            response = self._request("HEAD", self.uri(key))[0]
            _done(response)
            status, tried = response.status, tries(response)
            length, kind = (response.headers.get("Content-Length"),
                            response.headers.get("Content-Type"))
        if status in (200, 203, 204):
            return status, ObjectState(Existence.PRESENT, size=_int(length), content_type=kind)
        return status, _state(status, "HEAD", tried)

    def _first_byte(self, key: str) -> ObjectState:
        response = self._request("GET", self.uri(key), {"Range": "bytes=0-0"})[0]
        status, headers = response.status, response.headers
        _done(response)
        kind = headers.get("Content-Type")
        if status == 206:
            return ObjectState(Existence.PRESENT, size=_total(headers.get("Content-Range")),
                               content_type=kind)
        if status == 200:  # the range was ignored: the length is the whole object's
            return ObjectState(Existence.PRESENT, size=_int(headers.get("Content-Length")),
                               content_type=kind)
        if status == 416:  # no byte 0: an empty object
            return ObjectState(Existence.PRESENT, size=_total(headers.get("Content-Range")) or 0)
        return _state(status, "GET", tries(response))

    def _request(self, method: str, url: str, headers: dict[str, str] | None = None
                 ) -> tuple[BaseHTTPResponse, str]:
        """One request, following redirects on the same host, `max_redirects` at most; the
        answer, and the URL that gave it."""
        import urllib3

        reading = method == "GET" and "Range" not in (headers or {})
        what = f"cannot {'read' if reading else 'check'} {url}"
        seen = {url}
        for _ in range(self.policy.max_redirects + 1):
            self.limit.acquire()
            try:
                response = self.pool.request(method, url, headers=headers, redirect=False,
                                             preload_content=False)
            except (urllib3.exceptions.HTTPError, ValueError) as exc:
                raise _transport_error(exc, what) from exc
            tell(self.limit, response)
            location = response.get_redirect_location()
            if not location:
                return response, url
            _done(response)
            url = self._redirect(what, url, location, seen)
        raise StorageError(ErrorKind.OTHER,
                           f"{what}: more than {self.policy.max_redirects} redirects")

    def _redirect(self, what: str, url: str, location: str, seen: set[str]) -> str:
        """The URL a redirect leads to, when it stays within the origin: StorageError when it
        leaves it (another scheme, host or port), naming only the origin it leads to."""
        try:
            target = urljoin(url, location)
        except ValueError:
            target = location
        parts = split_url(target)
        if parts is None or origin_of(parts) != self.origin:
            where = origin_of(parts) if parts is not None else _scheme_only(location)
            other = ("another host" if parts is None or (parts.hostname or "").lower()
                     != self.host else "another origin on the same host")
            raise StorageError(
                ErrorKind.OTHER, f"{what}: redirected to {other} ({where}), which "
                "hlsinspect does not ask")
        if target in seen:
            raise StorageError(ErrorKind.OTHER, f"{what}: redirect loop (back to {target})")
        seen.add(target)
        return target

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        raise _unlistable(self.uri(prefix))

    def list_level(self, prefix: str) -> Level:
        raise _unlistable(self.uri(prefix))

    def list_directory(self, directory: str) -> dict[str, int]:
        raise _unlistable(self.uri(directory))


def _scheme_only(location: str) -> str:
    """A Location that is no http(s) URL, named by its scheme alone (no user, no token)."""
    scheme = scheme_of(location.strip())
    return f"a {scheme}: URL" if scheme else "an unusable Location"


def _unlistable(url: str) -> StorageError:
    return StorageError(ErrorKind.OTHER, f"cannot list {url}: an HTTP origin has no listing",
                        "name one playlist, such as https://host/path/master.m3u8")


def _done(response: BaseHTTPResponse) -> None:
    """Be done with a response: read what is left of its body when that is little (a HEAD's
    nothing, an error page), so its connection serves the next request; else close the
    connection rather than download what nobody needs. Either way, back to the pool (and
    out of the request's deadline, which must not cut it once another request has it)."""
    remaining = response.length_remaining
    if remaining is not None and remaining <= _SMALL_BODY:
        response.drain_conn()
    else:
        response.close()
    watch = current()
    if watch is not None:
        watch.release(response.connection)
    response.release_conn()


def _first(response: BaseHTTPResponse, length: int) -> bytes:
    """The first `length` bytes of a body (a 206's, or a 200's that ignored the Range), read
    in chunks: no more is read, whatever the body's size."""
    out = bytearray()
    while len(out) < length:
        chunk = response.read(min(_CHUNK, length - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _size(response: BaseHTTPResponse) -> str:
    size = _int(response.headers.get("Content-Length"))
    return f"{size} bytes" if size is not None else "of unknown length"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _total(content_range: str | None) -> int | None:
    """The object's size from `bytes 0-0/1234` (None for `/*`)."""
    match = _TOTAL.search(content_range or "")
    return int(match.group(1)) if match else None


_GONE = (404, 410)
"""Not Found, and Gone (an object removed for good): both say the object is not there."""


def _state(status: int, method: str, tried: int = 1) -> ObjectState:
    if status in _GONE:
        return ObjectState(Existence.MISSING)
    if status in _DENIED:
        return ObjectState(Existence.UNKNOWN, reason=f"access denied ({status}): the origin "
                           "refuses to say; does it need a signed URL, a cookie or a header?")
    if status in THROTTLING:
        return ObjectState.transient(f"throttled ({status})", tried)
    if status in _TRANSIENT or status >= 500:
        return ObjectState.transient(f"unavailable ({status})", tried)
    return ObjectState(Existence.UNKNOWN, reason=f"{method} answered {status}")


def _status_error(status: int, reason: str | None, what: str) -> StorageError:
    detail = f"{what}: {status} {reason or ''}".rstrip()
    if status in _GONE:
        return StorageError(ErrorKind.NOT_FOUND, detail, "check the URL")
    if status in (401, 403):
        return StorageError(ErrorKind.ACCESS_DENIED, detail,
                            "the origin refuses the request: does it need a signed URL, a "
                            "cookie or a header?")
    if status == 429:
        return StorageError(ErrorKind.THROTTLED, f"{detail}, still after retries",
                            retryable=True)
    if status >= 500:
        return StorageError(ErrorKind.UNAVAILABLE, f"{detail}, still after retries",
                            retryable=True)
    return StorageError(ErrorKind.OTHER, detail)


def _transport_error(exc: Exception, what: str) -> StorageError:
    """A failure below HTTP: no connection, TLS, a timeout, a reset, a cut-off body."""
    import urllib3.exceptions as errors

    cause = exc.reason if isinstance(exc, errors.MaxRetryError) and exc.reason else exc
    if isinstance(cause, errors.SSLError):
        return StorageError(ErrorKind.UNREACHABLE, f"{what}: TLS handshake failed ({cause})",
                            "if the origin serves plain HTTP, write http://")
    if isinstance(cause, errors.ConnectTimeoutError):  # NewConnectionError too
        return StorageError(ErrorKind.UNREACHABLE, f"{what}: could not connect",
                            "check the URL's host and port, and the network")
    if isinstance(cause, errors.ReadTimeoutError):
        # not asked again in a pass: it already cost every attempt a full read timeout
        return StorageError(ErrorKind.UNAVAILABLE, f"{what}: timed out (no answer in time)")
    if isinstance(cause, (errors.ProtocolError, errors.ResponseError, errors.DecodeError)):
        return StorageError(ErrorKind.UNAVAILABLE,
                            f"{what}: the connection was reset or the answer cut off",
                            retryable=True)
    return StorageError(ErrorKind.OTHER, f"{what}: {type(cause).__name__}: {cause}")
