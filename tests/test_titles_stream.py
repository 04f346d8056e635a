"""Titles one after another: found level by level, listed once each, split into shards.

A nightly audit walks a whole bucket; these tests pin what makes that scale: a directory
that directly holds a playlist is one title, listed in full and then settled from that
listing (no HEAD); directories without one cost a single delimited listing; another shard's
titles are never listed below their top; and a part of the prefix that cannot be listed is
a finding, not a silent hole in the audit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from hlsinspect import HlsInspectError, S3Options, Settings, inspect
from hlsinspect.errors import UsageError
from hlsinspect.pipeline.flow import ahead
from hlsinspect.settings import Shard, VerifySettings
from tests.conftest import BUCKET, S3
from tests.s3proxy import Answer, S3Proxy

HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
TS = b"\x47" + b"\x00" * 187


def media(count: int) -> str:
    body = "".join(f"#EXTINF:4.0,\ns{i}.ts\n" for i in range(count))
    return f"{HEAD}{body}#EXT-X-ENDLIST\n"


def bucket_tree(titles: int = 3) -> dict[str, bytes | str]:
    """`out/tNN/` ladders (a master and two variants), one flat title, and a directory
    with no playlist at all."""
    tree: dict[str, bytes | str] = {"out/notes/readme.txt": "no playlist here"}
    for t in range(titles):
        top = f"out/t{t:02d}/"
        tree[top + "master.m3u8"] = (
            "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=2000,RESOLUTION=640x360,CODECS=\"avc1.42e01e\"\n"
            "v0/index.m3u8\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=4000,RESOLUTION=1280x720,CODECS=\"avc1.42e01e\"\n"
            "v1/index.m3u8\n")
        for v in ("v0", "v1"):
            tree[f"{top}{v}/index.m3u8"] = media(3)
            for i in range(3):
                tree[f"{top}{v}/s{i}.ts"] = TS
    tree["out/flat/index.m3u8"] = media(2)
    tree["out/flat/s0.ts"] = TS
    tree["out/flat/s1.ts"] = TS
    return tree


def upload(s3: S3, tree: dict[str, bytes | str]) -> None:
    for key, body in tree.items():
        s3.put(key, body)


def run(endpoint: str, target: str = f"s3://{BUCKET}/out/", **settings: object):
    return inspect([target], s3=S3Options(endpoint_url=endpoint),
                   settings=Settings(**settings))  # type: ignore[arg-type]


def listings(proxy: S3Proxy) -> list[tuple[str, bool]]:
    """(prefix, delimited) of every ListObjectsV2 the proxy saw."""
    seen = []
    for method, path in proxy.log:
        query = parse_qs(urlsplit(path).query)
        if method == "GET" and "list-type" in query:
            seen.append((query.get("prefix", [""])[0], "delimiter" in query))
    return seen


def test_each_title_is_listed_once_and_settled_by_its_listing(s3: S3):
    upload(s3, bucket_tree())
    with S3Proxy(s3.endpoint) as proxy:
        report = run(proxy.endpoint)
        listed = listings(proxy)
    assert report.findings == ()
    assert len(report.playlists) == 3 * 3 + 1
    assert report.summary.objects_checked == 3 * 6 + 2
    assert proxy.count("HEAD") == 0  # every object settled by its title's listing
    delimited = sorted(p for p, d in listed if d)
    assert delimited == ["out/", "out/flat/", "out/notes/",
                         "out/t00/", "out/t01/", "out/t02/"]
    # each directory's first page, asked beside its level, lists a small title whole: its
    # subdirectories are never listed on their own
    assert sorted(p for p, d in listed if not d) == [
        "out/flat/", "out/notes/", "out/t00/", "out/t01/", "out/t02/"]


def test_a_title_larger_than_a_page_is_listed_by_subdirectory(
        s3: S3, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("hlsinspect.storage.s3.PAGE", 5)  # a title of 9 objects; flat has 3
    upload(s3, bucket_tree())
    with S3Proxy(s3.endpoint) as proxy:
        report = run(proxy.endpoint, list_apart=False)
        listed = listings(proxy)
    assert report.findings == ()
    assert report.summary.objects_checked == 3 * 6 + 2
    assert proxy.count("HEAD") == 0
    whole = sorted(p for p, d in listed if not d)
    assert whole == sorted(["out/flat/", "out/notes/", "out/t00/", "out/t01/", "out/t02/",
                            *(f"out/t{t:02d}/{v}/" for t in range(3) for v in ("v0", "v1"))])


def test_titles_report_in_key_order_with_their_variants(s3: S3):
    upload(s3, bucket_tree(2))
    report = run(s3.endpoint)
    names = [p.uri.removeprefix(f"s3://{BUCKET}/") for p in report.playlists]
    assert names == ["out/flat/index.m3u8",
                     "out/t00/master.m3u8", "out/t00/v0/index.m3u8", "out/t00/v1/index.m3u8",
                     "out/t01/master.m3u8", "out/t01/v0/index.m3u8", "out/t01/v1/index.m3u8"]


def test_a_local_directory_is_walked_the_same_way(tmp_path: Path, s3: S3):
    tree = bucket_tree(2)
    for key, body in tree.items():
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode() if isinstance(body, str) else body)
    upload(s3, tree)
    local = inspect([str(tmp_path / "out")])
    remote = run(s3.endpoint)
    assert [p.uri.removeprefix(str(tmp_path) + "/") for p in local.playlists] == \
        [p.uri.removeprefix(f"s3://{BUCKET}/") for p in remote.playlists]
    assert local.summary == remote.summary


def test_a_missing_segment_in_one_title_leaves_the_others_clean(s3: S3):
    upload(s3, bucket_tree())
    s3.delete("out/t01/v1/s2.ts")
    report = run(s3.endpoint)
    [finding] = report.findings
    assert (finding.name, finding.uri) == ("segment-missing", f"s3://{BUCKET}/out/t01/v1/s2.ts")
    assert report.summary.missing == 1


def _denied(*prefixes: str, allowed: tuple[str, ...] = (), whole: bool = False):
    """Listings of these prefixes refused (or, with `allowed`, all but those), as a bucket
    policy with an s3:prefix condition refuses them; with `whole`, also any listing without
    a delimiter of the target `out/` (hlsinspect's fallback)."""
    def fault(method: str, path: str) -> Answer | None:
        query = parse_qs(urlsplit(path).query)
        if method != "GET" or "list-type" not in query:
            return None
        asked = query.get("prefix", [""])[0]
        refused = (allowed and asked not in allowed) or asked in prefixes
        if refused or (whole and asked == "out/" and "delimiter" not in query):
            return Answer(403, "AccessDenied", "Access Denied")
        return None
    return fault


def test_a_prefix_that_cannot_be_listed_is_a_finding(s3: S3):
    upload(s3, bucket_tree())
    # neither level by level nor in one listing of the whole target
    with S3Proxy(s3.endpoint, fault=_denied("out/t01/", whole=True)) as proxy:
        report = run(proxy.endpoint)
    [finding] = report.findings
    assert finding.name == "prefix-unlisted"
    assert finding.uri == f"s3://{BUCKET}/out/t01/"
    assert "AccessDenied" in finding.message or "denied" in finding.message.lower()
    assert not report.ok
    # the other titles were inspected in full
    assert len(report.playlists) == 2 * 3 + 1


def test_a_title_subdirectory_that_cannot_be_listed_is_a_finding_and_the_rest_verified(
        s3: S3, monkeypatch: pytest.MonkeyPatch):
    # a title larger than a page is listed by subdirectory (a smaller one, whole at its top)
    monkeypatch.setattr("hlsinspect.storage.s3.PAGE", 5)
    upload(s3, bucket_tree(1))
    with S3Proxy(s3.endpoint, fault=_denied("out/t00/v1/", whole=True)) as proxy:
        report = run(proxy.endpoint, list_apart=False)
    names = {f.name for f in report.findings}
    assert "prefix-unlisted" in names
    # the playlist there is still read, and its segments asked with HEAD instead
    assert len(report.playlists) == 3 + 1
    assert report.summary.missing == 0


def test_listing_allowed_only_at_the_target_falls_back_to_one_listing(s3: S3):
    """A policy that lets the caller list `out/` (s3:prefix equal to it) and nothing deeper:
    the titles are found in one recursive listing of the target instead."""
    upload(s3, bucket_tree())
    with S3Proxy(s3.endpoint, fault=_denied(allowed=("out/",))) as proxy:
        report = run(proxy.endpoint)
    assert report.findings == ()
    assert len(report.playlists) == 3 * 3 + 1
    assert report.summary.objects_checked == 3 * 6 + 2
    assert proxy.count("HEAD") == 0


def test_nothing_listable_below_the_target_is_exit_2(s3: S3):
    upload(s3, bucket_tree(1))
    # the one recursive listing of out/ is refused too (the delimited one is not)
    with S3Proxy(s3.endpoint, fault=_denied(allowed=("out/",), whole=True)) as proxy, \
            pytest.raises(HlsInspectError) as failed:
        run(proxy.endpoint)
    assert failed.value.exit_code == 2
    assert "out/" in failed.value.message


def test_the_top_prefix_that_cannot_be_listed_is_exit_2(s3: S3):
    upload(s3, bucket_tree(1))
    with S3Proxy(s3.endpoint, fault=_denied("out/")) as proxy, \
            pytest.raises(HlsInspectError) as failed:
        run(proxy.endpoint)
    assert failed.value.exit_code == 2


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_shards_cover_every_title_exactly_once(s3: S3, count: int):
    upload(s3, bucket_tree(6))
    whole = {p.uri for p in run(s3.endpoint).playlists}
    parts = [{p.uri for p in run(s3.endpoint, shard=Shard(k, count)).playlists}
             for k in range(1, count + 1)]
    assert set().union(*parts) == whole
    assert sum(len(part) for part in parts) == len(whole)
    # a title is never split: a master and its variants land in one shard
    for part in parts:
        masters = {u.rsplit("/", 1)[0] for u in part if u.endswith("master.m3u8")}
        for uri in part:
            if "/v" in uri:
                assert uri.rsplit("/", 2)[0] in masters


def test_a_shard_does_not_list_below_the_top_of_other_shards_titles(s3: S3):
    upload(s3, bucket_tree(6))
    with S3Proxy(s3.endpoint) as proxy:
        report = run(proxy.endpoint, shard=Shard(1, 3))
        listed = listings(proxy)
    mine = {p.uri.removeprefix(f"s3://{BUCKET}/").rsplit("/", 1)[0] + "/"
            for p in report.playlists if p.uri.endswith("master.m3u8")}
    theirs = {f"out/t{t:02d}/" for t in range(6)} - mine
    assert mine and theirs
    deep = {p for p, delimited in listed if not delimited}
    # each of this shard's titles is listed whole; none of the others' below its top
    assert mine <= deep
    assert not [p for p in deep if any(p.startswith(top) for top in theirs)]


def test_shard_is_stable_whatever_else_the_bucket_holds():
    # the same title lands in the same shard on any worker, for any bucket content
    assert [Shard(k, 4).owns("out/t00/") for k in range(1, 5)].count(True) == 1
    owner = next(k for k in range(1, 5) if Shard(k, 4).owns("out/t00/"))
    assert Shard(owner, 4).owns("out/t00/")


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3", "1/0", "-1/2", ""])
def test_a_bad_shard_is_a_usage_error(text: str):
    with pytest.raises(UsageError) as failed:
        Shard.parse(text)
    assert "K/N" in failed.value.message


def test_shard_on_the_command_line(cli, s3: S3):
    upload(s3, bucket_tree(4))
    seen: set[str] = set()
    for k in (1, 2):
        done = cli("check", f"s3://{BUCKET}/out/", "--shard", f"{k}/2", "--format", "json",
                   "--endpoint-url", s3.endpoint)
        assert done.exit_code == 0, done.stderr
        seen |= {p["uri"] for p in done.json["playlists"]}
    assert len(seen) == 4 * 3 + 1
    table = cli("check", f"s3://{BUCKET}/out/", "--shard", "2/2", "--endpoint-url", s3.endpoint)
    assert "shard 2/2: only this worker's share of the titles" in table.stdout
    bad = cli("check", f"s3://{BUCKET}/out/", "--shard", "3/2", "--endpoint-url", s3.endpoint)
    assert bad.exit_code == 2
    assert "--shard" in bad.stderr


def test_look_ahead_is_bounded_and_in_order():
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(50):
            produced.append(i)
            yield i

    taken = []
    for item in ahead(items(), 2):
        time.sleep(0.002)
        # the producer is never more than the queue and the item in its hand ahead
        assert len(produced) - len(taken) <= 2 + 2
        taken.append(item)
    assert taken == list(range(50))


def test_look_ahead_passes_errors_on_and_stops_when_left():
    def failing() -> Iterator[int]:
        yield 1
        raise HlsInspectError("no playlist under s3://b/x/", kind="no-playlist")

    with pytest.raises(HlsInspectError):
        list(ahead(failing(), 2))

    stopped = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            stopped.set()

    for item in ahead(endless(), 2):
        if item == 3:
            break
    # the producer thread notices within its put timeout and stops producing
    assert stopped.wait(5)


def test_sharded_reports_merge_into_the_whole_audit(cli, s3: S3, tmp_path: Path):
    upload(s3, bucket_tree(5))
    s3.delete("out/t03/v0/s1.ts")
    base = ["check", f"s3://{BUCKET}/out/", "--format", "json", "--endpoint-url", s3.endpoint]
    whole = cli(*base)
    files = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard-{k}.json"
        done = cli(*base, "--shard", f"{k}/3", "--output", str(path))
        assert done.exit_code in (0, 1), done.stderr
        files.append(str(path))
    import json
    assert json.loads(Path(files[0]).read_text())["shard"] == {"index": 1, "count": 3}
    merged = cli("merge", *files, "--format", "json", "--junit", str(tmp_path / "j.xml"))
    assert merged.exit_code == whole.exit_code == 1
    assert merged.json["summary"] == whole.json["summary"]
    assert sorted(p["uri"] for p in merged.json["playlists"]) == \
        sorted(p["uri"] for p in whole.json["playlists"])
    assert [(f["name"], f["uri"]) for f in merged.json["findings"]] == \
        [(f["name"], f["uri"]) for f in whole.json["findings"]]


def test_a_failed_shard_is_named_in_its_error_document(cli, s3: S3, tmp_path: Path):
    path = tmp_path / "shard-2.json"
    done = cli("check", f"s3://{BUCKET}/no-such-prefix/", "--shard", "2/2", "--format", "json",
               "--output", str(path), "--endpoint-url", s3.endpoint)
    assert done.exit_code == 2
    import json
    document = json.loads(path.read_text())
    assert document["shard"] == {"index": 2, "count": 2}
    assert document["error"]["kind"] == "no-playlist"


def test_a_master_in_a_later_title_takes_its_variants_back(tmp_path: Path):
    """The variants' directory sorts before the master's, so the walk meets them first as
    titles of their own; the master then reports them under itself, judged as its members."""
    out = tmp_path / "out"
    for v in ("v0", "v1"):
        (out / "a_media" / v).mkdir(parents=True)
        (out / "a_media" / v / "index.m3u8").write_text(media(3))
        for i in range(3):
            (out / "a_media" / v / f"s{i}.ts").write_bytes(TS * 100)
    (out / "z_masters").mkdir()
    (out / "z_masters" / "t1.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=640x360\n../a_media/v0/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1280x720\n../a_media/v1/index.m3u8\n")
    report = inspect([str(out)])
    master = str(out / "z_masters" / "t1.m3u8")
    parents = {p.uri.removeprefix(str(out) + "/"): p.parent for p in report.playlists}
    assert parents == {"z_masters/t1.m3u8": None, "a_media/v0/index.m3u8": master,
                       "a_media/v1/index.m3u8": master}
    assert [(f.name, f.uri) for f in report.findings if f.severity.value == "error"] == [
        ("bandwidth-below-measured", str(out / "a_media/v0/index.m3u8"))]
    assert report.summary.objects_checked == 6


class InFlight:
    """The most requests of one kind the proxy held at once (each held `hold` seconds)."""

    def __init__(self, *wanted: str, hold: float = 0.05) -> None:
        self.wanted, self.hold = wanted, hold
        self.now = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, method: str, path: str) -> None:
        if method != "GET" or not all(part in path for part in self.wanted):
            return
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.hold)
        with self.lock:
            self.now -= 1


@pytest.mark.parametrize("apart", [True, False], ids=["apart", "one-process"])
def test_titles_are_listed_and_read_several_at_once_reported_in_key_order(s3: S3,
                                                                          apart: bool):
    """At S3's latency a title one after another is a few round trips each: the titles'
    levels are listed (and their playlists read) in a bounded window, yielded in order."""
    upload(s3, bucket_tree(8))
    levels = InFlight("delimiter=", "prefix=out%2Ft")
    reads = InFlight(".m3u8")

    def both(method: str, path: str) -> None:
        levels(method, path)
        reads(method, path)

    with S3Proxy(s3.endpoint, before=both) as proxy:
        report = run(proxy.endpoint, list_apart=apart, verify=VerifySettings(concurrency=8))
    assert 1 < levels.most <= 8
    assert 3 < reads.most <= 8  # a title's 3 playlists, and another title's beside them
    names = [p.uri.removeprefix(f"s3://{BUCKET}/") for p in report.playlists]
    assert names == ["out/flat/index.m3u8"] + [
        f"out/t{t:02d}/{name}" for t in range(8)
        for name in ("master.m3u8", "v0/index.m3u8", "v1/index.m3u8")]
    assert report.findings == ()
    assert report.summary.objects_checked == 8 * 6 + 2


class AllInFlight(InFlight):
    """The most requests of any kind the proxy held at once."""

    def __call__(self, method: str, path: str) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.hold)
        with self.lock:
            self.now -= 1


@pytest.mark.parametrize("apart,mode", [(True, "auto"), (False, "head")],
                         ids=["apart-listed", "one-process-heads"])
def test_a_store_never_has_more_requests_in_flight_than_the_concurrency(
        s3: S3, apart: bool, mode: str):
    """A window of titles, each listing and reading several things at once, and HEADs of
    the objects: whoever asks, the S3 store holds at most --concurrency requests at once."""
    upload(s3, bucket_tree(8))
    flight = AllInFlight(hold=0.03)
    with S3Proxy(s3.endpoint, before=flight) as proxy:
        report = run(proxy.endpoint, list_apart=apart,
                     verify=VerifySettings(mode=mode, concurrency=3))  # type: ignore[arg-type]
    assert 1 < flight.most <= 3
    assert report.findings == ()
    assert report.summary.objects_checked == 8 * 6 + 2
