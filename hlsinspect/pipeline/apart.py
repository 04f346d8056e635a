"""Stage 1 in a second process: an S3 prefix's titles listed beside the checking, not under it.

Listing a bucket and reading its playlists cost the client about a third of an audit's CPU
(parsing every page of ListObjectsV2, signing every request), and the rest (parsing
playlists, applying rules, judging) must stay in one process because titles share what they
learn. Python runs one thread at a time, so on one process the two take turns on one core;
here `titles` runs in a child process with its own S3 client, and each Title it finds comes
back through a pipe, its listing and its playlists' bytes included, while this process
checks the one before. A full pipe stops the child, so it runs only a few titles ahead, as
the background thread of `flow.ahead` did.

The child is `python -m hlsinspect.pipeline.apart` on the same interpreter and the same copy
of hlsinspect: it reads one pickled `Job` on stdin and writes length-prefixed pickles of
`("title", Title)`, then `("end", None)` or `("error", exception)`. It ignores Ctrl-C (this
process stops it) and ends on its own when this process goes away.
Pickles cross only between this process and its own child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO, Any, cast

from hlsinspect.errors import HlsInspectError
from hlsinspect.locations import Target
from hlsinspect.pipeline import spare
from hlsinspect.pipeline.titles import Title, titles
from hlsinspect.shard import Shard
from hlsinspect.storage.base import RequestPolicy, Storage, StorageError
from hlsinspect.storage.workers import map_concurrently

_SIZE = struct.Struct("!Q")


@dataclass(frozen=True)
class Job:
    """What the child needs to walk one S3 target: how to reach the bucket, and the walk."""

    bucket: str
    profile: str | None
    region: str | None
    endpoint_url: str | None
    policy: RequestPolicy
    target: Target
    workers: int
    shard: Shard | None


class Apart:
    """The child process listing one target, started as soon as the target is known (or
    before, `prestart`), so that its start (an interpreter, botocore, a client) overlaps
    this process's own setup."""

    def __init__(self, job: Job) -> None:
        self.child = spare.take() or spare.spawn()
        assert self.child.stdin is not None
        self.child.stdin.write(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        self.child.stdin.close()

    def titles(self, storage: Storage) -> Iterator[Title]:
        """`titles(storage, job.target, ...)` as the child finds them, each bound to
        `storage`, this process's store of the same bucket."""
        assert self.child.stdout is not None
        try:
            while True:
                kind, value = _receive(self.child.stdout, self.child)
                if kind == "title":
                    yield replace(cast(Title, value), storage=storage)
                elif kind == "error":
                    raise cast(BaseException, value)
                else:
                    return
        finally:
            self.close()

    def close(self) -> None:
        """Stop the child if it still runs (an error, Ctrl-C) and reap it."""
        if self.child.poll() is None:
            self.child.kill()
        self.child.wait()
        if self.child.stdout is not None:
            self.child.stdout.close()

    def __enter__(self) -> Apart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _receive(stream: IO[bytes], child: subprocess.Popen[bytes]) -> tuple[str, Any]:
    head = stream.read(_SIZE.size)
    size = _SIZE.unpack(head)[0] if len(head) == _SIZE.size else 0
    body = stream.read(size) if size else b""
    if not size or len(body) < size:  # it ended, or ended mid-message
        code = child.wait()
        raise HlsInspectError(
            f"the process listing the titles ended before it was done (exit code {code})",
            kind="internal", hint="run again with --debug; a listing error is shown above")
    return cast(tuple[str, Any], pickle.loads(body))


def _send(stream: IO[bytes], kind: str, value: object) -> None:
    try:
        data = pickle.dumps((kind, value), pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an error that cannot cross keeps its message
        error = HlsInspectError(f"{value}", kind="internal", hint=f"{type(exc).__name__}")
        data = pickle.dumps(("error", error), pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_bodies(storage: Storage, keys: list[str], workers: int
                ) -> dict[str, bytes | StorageError]:
    """The bytes of a title's playlists, read here too: each GET costs the client about as
    much CPU as listing a few hundred keys, which the checking process is then spared."""
    def one(key: str) -> bytes | StorageError:
        try:
            return storage.read(key)
        except StorageError as exc:
            return exc

    return dict(zip(keys, map_concurrently(one, keys, workers), strict=True))


def _serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """The child: one Job in, its titles out. What it needs is imported before the job is
    read: a prestarted child does that while the job is still being made."""
    from hlsinspect.storage.s3 import S3Storage
    from hlsinspect.storage.s3_client import prepare

    with contextlib.suppress(Exception):  # the job's own client will say what is wrong
        prepare()  # botocore and the S3 model, loaded while the job is being made

    data = source.read()
    if not data:  # started ahead for a run that needed no listing
        return
    job = cast(Job, pickle.loads(data))
    try:
        try:
            storage = S3Storage(job.bucket, profile=job.profile, region=job.region,
                                endpoint_url=job.endpoint_url, policy=job.policy)
        except StorageError as exc:  # a setting that cannot work stops the run, as there
            raise exc.fatal() from None
        def finish(title: Title, workers: int) -> Title:
            return replace(title, bodies=read_bodies(storage, title.roots, workers))

        for title in titles(storage, job.target, job.workers, job.shard, finish=finish):
            if not title.bodies and title.roots:  # not found by walking: a playlist target
                title = finish(title, min(job.workers, 8))
            _send(sink, "title", replace(title, storage=cast(Storage, None)))
    except Exception as exc:  # every failure goes back to be reported there
        exc.__traceback__ = None
        exc.__cause__ = exc.__context__ = None
        _send(sink, "error", exc)
        return
    _send(sink, "end", None)


def _orphaned(parent: int) -> None:
    """End this process when its parent is gone (killed outright, with no chance to stop
    it), rather than finish a listing nobody will read."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True).start()
    # the pipe gets the pickles alone: anything printed goes to stderr
    pipe = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        _serve(sys.stdin.buffer, pipe)
    except BrokenPipeError:  # the parent went away: nobody to list for
        os._exit(0)
