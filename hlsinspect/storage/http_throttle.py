"""How an HTTP origin's requests keep to its store's rate limit (`throttle`), urllib3's own
retries included.

Part of the HTTP store (`http.py`), kept apart so each file does one thing. Every answer is
told to the limit (`tell`): a 429 or a 503 lowers the rate, and its Retry-After, in seconds
or as an HTTP date, pauses every request of the origin (`RateLimit.pause` caps it: urllib3
would wait an hour if told so); any answer below 500 raises the rate. urllib3 retries a
429 or a 5xx itself: `paced_retry` is its Retry, whose wait before a retry ends with a token.
"""

from __future__ import annotations

import email.utils
import functools
import time
from typing import TYPE_CHECKING, Any

from hlsinspect.storage.throttle import RateLimit

if TYPE_CHECKING:
    from urllib3 import BaseHTTPResponse

THROTTLING = {429, 503}


def tell(limit: RateLimit, response: BaseHTTPResponse) -> None:
    """Tell the rate limit how a request was answered: a 429 or 503 lowers the rate (and a
    Retry-After pauses the origin's requests), any answer below 500 raises it."""
    if response.status in THROTTLING:
        limit.throttled()
        wait = retry_after(response.headers.get("Retry-After"))
        if wait:
            limit.pause(wait)
    elif response.status < 500:
        limit.succeeded()


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After asks for: a number of seconds, or an HTTP date; None if neither."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when.tzinfo is not None else None


@functools.cache
def paced_retry() -> type[Any]:
    """urllib3's Retry, whose retries keep to the origin's rate limit: the answer that made
    it retry is told to the limit, and the retry waits for a token after its backoff."""
    import urllib3

    class Paced(urllib3.Retry):
        limit: RateLimit | None = None

        def new(self, **kw: Any) -> Paced:
            retry = super().new(**kw)
            retry.limit = self.limit
            return retry

        def sleep(self, response: BaseHTTPResponse | None = None) -> None:
            if self.limit is not None and response is not None:
                tell(self.limit, response)
            super().sleep(response)
            if self.limit is not None:
                self.limit.acquire()

    return Paced


def tries(response: BaseHTTPResponse) -> int:
    """Requests urllib3 made for this answer, its retries included."""
    retries = getattr(response, "retries", None)
    return 1 + len(getattr(retries, "history", ()) or ())
