"""A large S3 object read as a stream that outlives a dropped connection.

Part of the S3 store (`s3.py`), for objects too large to hold in memory (the data files of
an S3 Inventory, a gigabyte of CSV). A transient failure in the middle of the body (a reset
connection, a body cut off before its Content-Length) is not the end of the read: the rest
is asked for again from where it stopped, with `Range: bytes=N-` and `If-Match: ETAG`. The
read ends in an error only when `RequestPolicy.passes` resumes in a row gain nothing. What
was read is never read twice, and a replaced object is never spliced onto the first part of
the old one: S3 answers 412 instead. Failures that asking again does not mend (a timeout,
after its attempts; a denial) raise at once.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from typing import Any

from hlsinspect.storage.base import RequestPolicy, StorageError, backoff_delay, in_passes

Get = Callable[[int, "str | None"], Any]
"""(offset, ETag or None) -> the get_object response from `offset` on; StorageError when
the request fails."""


class ObjectStream(io.RawIOBase):
    """An object's body as a raw stream whose failures are StorageErrors."""

    def __init__(self, get: Get, error: Callable[[Exception], StorageError],
                 policy: RequestPolicy) -> None:
        super().__init__()
        self._get = get
        self._error = error
        self._policy = policy
        response = in_passes(lambda: get(0, None), policy)
        self._etag: str | None = response.get("ETag")
        self._body = response["Body"]
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        attempt = 0
        while True:
            try:
                data: bytes = self._body.read(len(buffer))
            except Exception as exc:
                error = self._error(exc)
                if not error.retryable or attempt == self._policy.passes:
                    raise error from exc
                self._resume(attempt)
                attempt += 1
                continue
            buffer[: len(data)] = data
            self._offset += len(data)
            return len(data)

    def _resume(self, attempt: int) -> None:
        """Ask again for the rest of the same object, after a pause."""
        with contextlib.suppress(Exception):
            self._body.close()
        time.sleep(backoff_delay(self._policy.backoff, attempt))
        self._body = in_passes(lambda: self._get(self._offset, self._etag),
                               self._policy)["Body"]

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
