"""Titles listed in a second process: the same report as one process, and no process left.

An S3 prefix's titles are listed by a child process (`pipeline.apart`) so that listing and
checking run on two cores. Nothing about the report may depend on it: these tests run the
same audits both ways and compare the whole JSON documents, including a refused level (the
fallback listing), another shard's titles, and a prefix without playlists (the child's error
reaches the caller as the same HlsInspectError). A child that stops early, or a caller that
stops reading, leaves no process behind.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from hlsinspect import HlsInspectError, S3Options, Settings, inspect
from hlsinspect.locations import parse_target
from hlsinspect.pipeline import spare
from hlsinspect.pipeline.apart import Apart, Job, _receive
from hlsinspect.pipeline.fetch import fetch_title
from hlsinspect.pipeline.titles import Title
from hlsinspect.render.json import render_json
from hlsinspect.shard import Shard
from hlsinspect.storage.base import ErrorKind, RequestPolicy, StorageError
from hlsinspect.storage.local import LocalStorage
from tests.conftest import BUCKET, S3
from tests.test_titles_stream import bucket_tree, media, upload

WEIRD = {
    "odd/a b%2F/t+1/index.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ns%20 0.ts\n"
                                 "#EXTINF:4,\ngone.ts\n#EXT-X-ENDLIST\n",
    "odd/a b%2F/t+1/s 0.ts": b"\x47" + b"\x00" * 187,
}


def audit(endpoint: str, target: str, apart: bool, **settings: object) -> str:
    report = inspect([target], s3=S3Options(endpoint_url=endpoint),
                     settings=Settings(list_apart=apart, **settings))  # type: ignore[arg-type]
    return render_json(report)


@pytest.mark.parametrize("target, settings", [
    pytest.param(f"s3://{BUCKET}/out/", {}, id="ladders"),
    pytest.param(f"s3://{BUCKET}/", {}, id="whole-bucket"),
    pytest.param(f"s3://{BUCKET}/odd/", {}, id="odd-keys"),
    pytest.param(f"s3://{BUCKET}/out/", {"shard": Shard(2, 3)}, id="shard"),
])
def test_a_second_process_gives_the_same_report(s3: S3, target: str,
                                                settings: dict[str, object]):
    tree = {**bucket_tree(5), **WEIRD}
    del tree["out/t02/v1/s1.ts"]
    upload(s3, tree)
    alone = audit(s3.endpoint, target, apart=False, **settings)
    assert audit(s3.endpoint, target, apart=True, **settings) == alone
    assert '"segment-missing"' in alone or "shard" in settings


def test_an_empty_prefix_is_the_same_error_either_way(s3: S3):
    upload(s3, bucket_tree(1))
    errors = []
    for apart in (False, True):
        with pytest.raises(HlsInspectError) as caught:
            audit(s3.endpoint, f"s3://{BUCKET}/nothing-here/", apart=apart)
        errors.append((type(caught.value), caught.value.kind, caught.value.message,
                       caught.value.hint))
    assert errors[0] == errors[1]
    assert errors[0][1] == "no-playlist"


def test_a_storage_error_crosses_whole():
    """The walk's own errors (and the ones titles carry) come back with kind and hint."""
    import pickle

    error = StorageError(ErrorKind.ACCESS_DENIED, "denied", "grant s3:ListBucket",
                         retryable=True)
    back = pickle.loads(pickle.dumps(error))
    assert (back.kind, back.message, back.hint, back.retryable) == (
        ErrorKind.ACCESS_DENIED, "denied", "grant s3:ListBucket", True)


def _children() -> set[int]:
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return pids


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_caller_that_stops_reading_leaves_no_process(s3: S3):
    upload(s3, bucket_tree(6))
    before = _children()
    target = parse_target(f"s3://{BUCKET}/out/", None)
    job = Job(BUCKET, None, None, s3.endpoint, RequestPolicy(), target, 4, None)
    found = Apart(job).titles(storage=None)  # type: ignore[arg-type]
    first = next(found)
    assert first.key == "out/flat/" and first.storage is None
    # the child read the title's playlists too: this process only parses them
    assert set(first.bodies) == set(first.roots) == {"out/flat/index.m3u8"}
    assert first.bodies["out/flat/index.m3u8"] == media(2).encode()
    assert _children() - before
    found.close()
    assert _children() == before


def test_the_listing_process_loads_no_rules():
    """Its start is on the audit's critical path: an interpreter, boto3 and the walk only."""
    code = ("import sys, hlsinspect.pipeline.apart; "
            "print(sorted(m for m in sys.modules if m.startswith(('hlsinspect.checks', 'm3u8'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("sent", [
    pytest.param(b"\x00\x00", id="mid-length"),
    pytest.param(b"\x00" * 7 + b"\x40" + b"\x80\x05", id="mid-message"),
])
def test_a_child_that_ends_early_is_one_clear_error(sent: bytes):
    done = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(HlsInspectError) as caught:
        _receive(io.BytesIO(sent), done)
    assert "ended before it was done (exit code 3)" in caught.value.message
    assert done.returncode == 3  # reaped, not left a zombie


def test_bytes_read_elsewhere_are_parsed_not_read_again(tmp_path: Path):
    """A title that comes with its playlists' bytes (or the error reading one gave) is
    fetched from them: here the files do not even exist on disk."""
    storage = LocalStorage(str(tmp_path))
    target = parse_target(str(tmp_path), None)
    denied = StorageError(ErrorKind.ACCESS_DENIED, "denied", "grant s3:GetObject")
    title = Title(storage, target, "", ["a.m3u8", "b.m3u8"],
                  bodies={"a.m3u8": media(1).encode(), "b.m3u8": denied})
    fetched = fetch_title(title, 2)
    loaded = {entry.loaded.key: entry.loaded for entry in fetched.entries}
    assert loaded["a.m3u8"].playlist is not None
    assert len(loaded["a.m3u8"].playlist.segments) == 1
    assert loaded["b.m3u8"].error is denied
    assert title.bodies == {}  # handed over once, not kept with the title


_PARENT = """\
import sys
from hlsinspect import S3Options, Settings, inspect
report = inspect([sys.argv[1]], s3=S3Options(endpoint_url=sys.argv[2]),
                 settings=Settings(list_apart=sys.argv[3] == "apart"))
print(report.summary.objects_checked, "botocore" in sys.modules)
"""


def test_titles_read_apart_need_no_client_here(s3: S3):
    """Every title's listing and playlists come from the second process, so this one never
    makes an S3 client: half a second of start-up (botocore and the S3 model) saved."""
    upload(s3, bucket_tree(3))

    def run(how: str) -> str:
        return subprocess.run([sys.executable, "-c", _PARENT, f"s3://{BUCKET}/out/",
                               s3.endpoint, how], capture_output=True, text=True,
                              check=True).stdout.split()

    checked, loaded = run("apart")
    assert int(checked) > 0 and loaded == "False"
    assert run("alone") == [checked, "True"]


@pytest.mark.parametrize("apart", [True, False], ids=["apart", "alone"])
def test_a_profile_that_does_not_exist_stops_the_run_either_way(s3: S3, apart: bool):
    upload(s3, bucket_tree(2))
    with pytest.raises(HlsInspectError) as caught:
        inspect([f"s3://{BUCKET}/out/"],
                s3=S3Options(profile="no-such-profile", endpoint_url=s3.endpoint),
                settings=Settings(list_apart=apart))
    assert caught.value.message.startswith("cannot set up S3:")
    assert "no-such-profile" in caught.value.message
    assert caught.value.hint == "list the profiles with: aws configure list-profiles"


@pytest.mark.parametrize("args,guess", [
    (["check", "s3://b/out/"], True),
    (["check", "out/", "--bucket", "b"], True),
    (["check", "out/", "--bucket=b"], True),
    (["--format", "json", "check", "s3://b/HLS/1M"], True),
    (["check", "s3://b/out/master.m3u8"], False),
    (["check", "./titles"], False),
    (["check", "https://cdn.example/x/master.m3u8"], False),
    (["watch", "s3://b/live/"], False),
    (["check", "s3://b/out/", "--help"], False),
])
def test_the_listing_process_is_started_early_only_for_what_looks_like_a_prefix_audit(
        args: list[str], guess: bool):
    from hlsinspect.command import audits_s3_prefix

    assert audits_s3_prefix(args) is guess


def test_a_prestarted_listing_process_is_taken_by_the_audit(s3: S3):

    upload(s3, bucket_tree(2))
    spare.prestart()
    child = spare._spare
    assert child is not None and child.poll() is None
    report = inspect([f"s3://{BUCKET}/out/"], s3=S3Options(endpoint_url=s3.endpoint))
    assert spare._spare is None  # taken, and ended with the audit
    assert child.poll() is not None
    assert report.summary.objects_checked == 2 * 6 + 2
    assert report.findings == ()


def test_a_prestarted_listing_process_nobody_takes_ends():

    spare.prestart()
    child = spare._spare
    assert child is not None
    spare.discard()
    assert child.poll() is not None and spare._spare is None
    # one whose parent just closes its end (an exit without atexit) ends by itself
    spare.prestart()
    child = spare.take()
    assert child is not None and child.stdin is not None
    child.stdin.close()
    assert child.wait(timeout=30) == 0
    assert child.stdout is not None and child.stdout.read() == b""
    child.stdout.close()


def test_the_prepared_session_makes_one_client_and_asks_for_no_credentials(
        s3: S3, monkeypatch: pytest.MonkeyPatch):
    """The listing process loads botocore's S3 model while it waits for its job (`prepare`),
    with placeholder keys: no credential provider is asked then, so the job's client gets the
    credentials of when it is made (here changed in between), never placeholders or earlier
    ones. The next client gets a session of its own."""
    from hlsinspect.storage import s3_client
    from hlsinspect.storage.s3 import S3Storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "earlier")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "earlier")
    s3_client.prepare()
    [prepared] = s3_client._prepared
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        store = S3Storage(BUCKET, endpoint_url=s3.endpoint, region="us-east-1")
    finally:
        taken = s3_client._prepared == []
        s3_client._prepared.clear()  # never left for a later test on this worker
    assert taken
    assert store.list_directory("HLS/1M/D0002021500_00000")
    credentials = prepared.get_credentials()
    assert credentials is not None and credentials.access_key == "testing"
    S3Storage(BUCKET, endpoint_url=s3.endpoint, region="us-east-1")
    assert s3_client._prepared == []
