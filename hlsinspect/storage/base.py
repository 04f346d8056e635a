"""The one small interface every store implements: resolve, read, stat, list.

Per-object failures of `stat` come back as data (`ObjectState`), because one unverifiable
segment must not stop the others; `read` and the listings raise `StorageError`, which the
engine turns into a finding or, for the playlist the user named, into a fatal error. Both say
whether asking again may help (`retryable`): throttling, 5xx, a reset connection or a cut-off
body may pass on a later try; a bad parameter, a denial or a wrong clock never will.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from hlsinspect import limits
from hlsinspect.errors import HlsInspectError, error_for
from hlsinspect.quick_init import quick_init

if TYPE_CHECKING:
    from hlsinspect.uri.keys import Reference

T = TypeVar("T")

MAX_PLAYLIST_BYTES = limits.MAX_PLAYLIST_BYTES

FOREIGN = "\x00"
"""The first character of a key that --map routes to another store (see `storage.mapped`);
no store's own key can begin with it, since the key rules refuse NUL."""


class Existence(str, enum.Enum):
    PRESENT = "present"
    MISSING = "missing"
    UNKNOWN = "unknown"


@quick_init
@dataclass(frozen=True)
class ObjectState:
    """What is known of one object: present (with size), missing (a 404), or unknown (why)."""

    existence: Existence
    size: int | None = None
    reason: str | None = None
    retryable: bool = False
    """True when asking again may help (throttling, 5xx, timeouts)."""
    content_type: str | None = None
    """The Content-Type the store serves it with (S3 and HTTP HEAD; unknown from listings)."""
    tries: int = 1
    """Requests this answer took, the HTTP client's own retries included."""
    cause: str | None = None
    """For a transient failure (`transient`), what failed, without the count of tries."""

    @classmethod
    def transient(cls, cause: str, tries: int) -> ObjectState:
        """Unknown for a reason that may pass (`throttled (503 SlowDown)`), after `tries`."""
        return cls(Existence.UNKNOWN, reason=f"{cause} after {tries} "
                   f"{'try' if tries == 1 else 'tries'}", retryable=True, tries=tries,
                   cause=cause)

    def after(self, earlier: ObjectState) -> ObjectState:
        """This answer of a later pass, counting the tries of the `earlier` one, so that
        the reason says how hard it was tried in all."""
        if self.cause is None or earlier.cause is None:
            return self
        return ObjectState.transient(self.cause, self.tries + earlier.tries)


@dataclass(frozen=True)
class Listing:
    """A complete listing of every key under `prefix`, made while finding a title's playlists.

    It settles every referenced key under that prefix it shows, with its size, without a
    further request; the keys it lacks are asked with HEAD (it is a snapshot).
    """

    prefix: str
    sizes: Mapping[str, int]

    def covers(self, key: str) -> bool:
        # a key that --map sends to another store is never in this store's listing
        return key.startswith(self.prefix) and not key.startswith(FOREIGN)


@dataclass
class Level:
    """One level of a listing with a `/` delimiter: the objects directly under a prefix and
    the prefixes one level down (each ending in `/`), both in key order."""

    files: dict[str, int] = field(default_factory=dict)
    prefixes: list[str] = field(default_factory=list)
    same: dict[str, str] = field(default_factory=dict)
    """Per prefix, what it really is when two prefixes can be one (a linked directory on a
    file system: its real path), so a walk takes it once."""


class ErrorKind(str, enum.Enum):
    NOT_FOUND = "not-found"
    NO_BUCKET = "no-bucket"
    USAGE = "usage"
    """What was asked cannot be: S3 has no bucket of a name its rules no longer allow."""
    ACCESS_DENIED = "access-denied"
    CREDENTIALS = "credentials"
    UNREACHABLE = "endpoint-unreachable"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"
    """5xx, a reset connection, a timeout or a cut-off body, still so after retries."""
    CLOCK_SKEW = "clock-skew"
    NOT_S3 = "not-s3"
    """The endpoint answered, but not as S3 does (a web server at --endpoint-url)."""
    TOO_LARGE = "too-large"
    RANGE_IGNORED = "range-ignored"
    """An HTTP origin answered a Range request past the first byte with the whole object
    (200): the bytes asked for come only after all those before them."""
    STALE_INVENTORY = "stale-inventory"
    """An S3 Inventory older than --inventory-max-age (or of no known date)."""
    OTHER = "storage-error"


class StorageError(Exception):
    """A read or listing failed; `kind` says how, `hint` how to fix it when known."""

    def __init__(self, kind: ErrorKind, message: str, hint: str | None = None, *,
                 retryable: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.retryable = retryable

    def fatal(self) -> HlsInspectError:
        """The same failure as the error that ends a run (the target's own playlist or
        prefix could not be read), of the class its kind stands for."""
        return error_for(self.kind.value, self.message, self.hint)

    def detached(self) -> StorageError:
        """This error without its traceback and causes, to be kept (in a report entry) after
        the read failed. The traceback holds the frames of the read, whose locals may hold a
        buffer of the whole limit (64 MiB): kept with the error, 16 such playlists would pin
        a gigabyte. The message and hint already say everything the report needs."""
        self.__traceback__ = None
        self.__cause__ = self.__context__ = None
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled whole (titles listed in a second process carry them), not as Exception's args
        return (type(self), (self.kind, self.message, self.hint), {"retryable": self.retryable})


@dataclass(frozen=True)
class RequestPolicy:
    """How hard a store tries before it gives up on one request.

    Each request gets `attempts` tries within the HTTP client (botocore or urllib3); what is
    still failing for a transient reason is asked again in up to `passes` later passes, after
    `backoff` seconds, doubled each pass, with jitter. A timeout is not asked again in a
    pass: it already cost `attempts` x `read_timeout`. However a server answers, one request
    (its tries included) ends by `timeout` seconds.
    """

    concurrency: int = 32
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    timeout: float = limits.REQUEST_TIMEOUT
    """The total deadline of one request: connect, headers and body (`--timeout`)."""
    attempts: int = 3
    passes: int = 3
    backoff: float = 0.5
    max_redirects: int = 5


def backoff_delay(backoff: float, attempt: int) -> float:
    """Seconds to wait before pass `attempt` (0-based): exponential, with full-range jitter."""
    return float(backoff * (2**attempt) * (0.5 + random.random()))


def in_passes(call: Callable[[], T], policy: RequestPolicy) -> T:
    """`call()`, asked again in passes while it fails with a retryable StorageError."""
    for attempt in range(policy.passes + 1):
        try:
            return call()
        except StorageError as exc:
            if not exc.retryable or attempt == policy.passes:
                raise
        time.sleep(backoff_delay(policy.backoff, attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def read_from(storage: Storage, key: str) -> str:
    """The URL a playlist was read from, after redirects, for a store that follows them (an
    HTTP origin's `location`); its URI otherwise."""
    location: Callable[[str], str] = getattr(storage, "location", storage.uri)
    return location(key)


@runtime_checkable
class StartReader(Protocol):
    """A store that tells an object's state and its first bytes in one request (an HTTP
    origin: a ranged GET), so that a segment about to be probed needs no HEAD first."""

    def read_start(self, key: str, length: int) -> tuple[ObjectState, bytes]:
        """The object's state (as `stat` says it: missing only on a 404) and up to its
        first `length` bytes (none unless it is present)."""
        ...


@runtime_checkable
class Conditional(Protocol):
    """A store that can answer "unchanged" to a read (S3 and HTTP: a conditional GET with
    If-None-Match), so a live playlist reloaded again and again costs no transfer when it
    has not changed."""

    def read_changed(self, key: str, etag: str | None,
                     limit: int = MAX_PLAYLIST_BYTES) -> tuple[bytes | None, str | None]:
        """The object and its ETag; None and `etag` when it still has that ETag."""
        ...


@runtime_checkable
class Paged(Protocol):
    """A store whose recursive listing comes a page at a time (S3): the first page alone
    tells whether a small prefix is listed whole."""

    def list_page(self, prefix: str) -> tuple[dict[str, int], bool]:
        """The first page of (key -> size) under `prefix`, and whether it is all of them."""
        ...


class Storage(Protocol):
    """A bucket or a local directory tree, addressed by `/`-separated keys."""

    @property
    def bucket(self) -> str | None:
        """The S3 bucket, or None for a store that is not S3 (a directory, an HTTP origin)."""
        ...

    def uri(self, key: str) -> str:
        """How the object is named in reports: `s3://bucket/key` or an absolute path."""
        ...

    def resolve(self, playlist_key: str, uri: str) -> Reference:
        """The key `uri`, as written in the playlist at `playlist_key`, names in this store,
        or why it names none here. The one place a reference becomes a key."""
        ...

    def read(self, key: str, limit: int = MAX_PLAYLIST_BYTES) -> bytes:
        """The whole object, in memory; StorageError when it can't be had."""
        ...

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """At most `length` bytes of the object from `offset` (a ranged GET); fewer past its
        end. StorageError when they can't be had. `--probe` reads segments this way."""
        ...

    def stat(self, key: str) -> ObjectState:
        """Existence and size of one object; never raises for a per-object failure."""
        ...

    def list_keys(self, prefix: str) -> Iterator[tuple[str, int]]:
        """Every (key, size) under `prefix`, recursively; StorageError when denied or when
        the store cannot list (HTTP)."""
        ...

    def list_directory(self, directory: str) -> dict[str, int]:
        """Sizes of the objects directly in `directory` (a complete listing, or an error)."""
        ...

    def list_level(self, prefix: str) -> Level:
        """The objects directly under `prefix` and the prefixes one level down; StorageError
        when denied or when the store cannot list. Walking these finds titles one by one."""
        ...
