"""The one botocore client an S3 store shares among its worker threads: how it is made.

Kept apart from the store (`s3.py`), which only uses it: the pool sized to the workers,
retries and timeouts from the run's RequestPolicy, no parameter validation, the lean
response parser of `s3_lean`, and the store's rate limit (`throttle`) on every attempt,
botocore's retries included. A setting that cannot work (an unknown profile, a bad region
or endpoint) is a StorageError naming the fix, made before any request.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

from hlsinspect.storage.base import ErrorKind, RequestPolicy, StorageError
from hlsinspect.storage.s3_errors import THROTTLING
from hlsinspect.storage.throttle import RateLimit, retry_delay
from hlsinspect.uri.redact import redact

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["make_client"]


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
    _cheap_200_check(client)
    return client


def _cheap_200_check(client: S3Client) -> None:
    """botocore's check for an S3 error sent with status 200 parsed the whole of every
    successful listing into an element tree before the parser parsed it again: a third of
    the listing process's CPU. This client checks the same two things on the ends of the
    body instead (see s3_lean.error_in_200). Only this client's handlers change; without
    botocore's handler where it is expected, the client keeps it."""
    from botocore import handlers

    from hlsinspect.storage.s3_lean import error_in_200

    original = getattr(handlers, "_handle_200_error", None)
    applies = getattr(handlers, "_should_handle_200_error", None)
    if original is None or applies is None:
        return

    def check(operation_model: object, response_dict: dict[str, object] | None,
              **kwargs: object) -> None:
        if response_dict is None or not applies(operation_model, response_dict):
            return
        body = response_dict.get("body")
        if response_dict.get("status_code") == 200 and isinstance(body, bytes) \
                and error_in_200(body):
            response_dict["status_code"] = 500  # retried, as botocore's own handler does

    events = client.meta.events
    events.unregister("before-parse.s3.*", original)
    events.register_first("before-parse.s3.*", check)


def _paced(client: S3Client, limit: RateLimit, tries: int) -> S3Client:
    """The client, each of whose attempts first waits for a token of `limit` and then tells
    it how the answer went. botocore's events are its own hooks for this (its `adaptive`
    mode uses the same two); a 503 counts as throttling whatever the body says, since a
    HEAD answer has none to say SlowDown in.

    A throttled attempt is asked again (up to `tries` in all) after `retry_delay`, tens of
    milliseconds, where botocore would wait up to 1, 2 and 4 s: the limit already slows
    the whole store down, and one request waiting seconds holds up the titles behind it
    (100 titles at 30% SlowDown and 30 ms: 59 s so, 22 s this way). Other failures are
    botocore's to retry, as before; this handler runs first, so its answer wins, even once
    botocore's retry quota has run dry (which a burst of 503s on HEAD used to do)."""
    def send(**kwargs: Any) -> None:
        limit.acquire()

    def answered(response: Any = None, attempts: int = 1, **kwargs: Any) -> float | None:
        if response is None:  # no answer (a reset, a timeout): says nothing of the rate
            return None
        status = response[0].status_code
        code = str(response[1].get("Error", {}).get("Code", ""))
        if status in (429, 503) or code in THROTTLING:
            limit.throttled()
            return retry_delay(attempts) if attempts < tries else None
        if status < 500:
            limit.succeeded()
        return None

    client.meta.events.register("before-send.s3", send)
    # typed as returning None, but a needs-retry handler's number is the wait before a retry
    client.meta.events.register_first("needs-retry.s3", cast(Any, answered))
    return client


def _bounded(client: S3Client, slots: threading.BoundedSemaphore) -> S3Client:
    """The client, each of whose attempts holds one of `slots` from its sending to its
    answer parsed: the requests in flight of the store as a whole stay within
    `--concurrency`, however many of its threads ask at once (a window of titles, each
    listing and reading). botocore emits `response-received` after every attempt that
    `before-send` began, answered or failed; the slot is taken before the rate limit's
    token (registered first), so a wait for a token holds no more than the slots in use."""
    def take(**kwargs: Any) -> None:
        slots.acquire()

    def give(**kwargs: Any) -> None:
        slots.release()

    client.meta.events.register_first("before-send.s3", take)
    client.meta.events.register("response-received.s3", give)
    return client


_prepared: list[Any] = []
"""A botocore Session whose S3 model and endpoint rules are loaded (`prepare`), for the next
client made without a profile; taken once."""


def prepare() -> None:
    """Load what every S3 client needs (the service model, the endpoint rule set: about
    40 ms of a client's 70-130) into a session, by making a client nobody uses, with
    placeholder keys so that no credential provider is asked and nothing is sent. The process
    listing titles does this while it waits for its job; the job's client then costs the
    rest alone. One session for one client: a run's credentials are still resolved then."""
    from botocore.session import Session

    session = Session()
    session.create_client("s3", region_name="us-east-1", aws_access_key_id="placeholder",
                          aws_secret_access_key="placeholder")
    _prepared.append(session)


def _session(profile: str | None) -> Any:
    from botocore.session import Session

    if profile is None and _prepared:
        return _prepared.pop()
    return Session(profile=profile)


def make_client(profile: str | None, region: str | None, endpoint_url: str | None,
                 policy: RequestPolicy, limit: RateLimit | None = None,
                 slots: threading.BoundedSemaphore | None = None) -> S3Client:
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, InvalidRegionError, ProfileNotFound

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
        client = _session(profile).create_client(
            "s3", region_name=region, endpoint_url=endpoint_url, config=config)
        client = _lean(cast("S3Client", client))
        # botocore's max_attempts counts the retries, not the first try
        tries = max(1, policy.attempts) + 1
        client = _paced(client, limit, tries) if limit is not None else client
        return _bounded(client, slots) if slots is not None else client
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
