"""Property-based tests: random and mutated playlists and URIs through the whole pipeline.

Whatever a playlist holds, `hlsinspect check` ends in a report (exit 0 or 1) or a clean exit 2,
never a traceback, and never asks anything outside the inspected directory, bucket or origin.
Examples are derandomized, so every run (and CI) tries the same ones.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlsinspect.storage.local import LocalStorage, _holdable
from tests.conftest import BUCKET, FIXTURES, S3, Run
from tests.origin import Origin
from tests.s3proxy import S3Proxy

EXAMPLES = settings(derandomize=True, database=None, deadline=None, max_examples=100,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
S3_EXAMPLES = settings(EXAMPLES, max_examples=30)
"""Fewer through S3: each run sets up a boto3 client, a few tenths of a second."""
HERE = "{here}"
"""Stands for the inspected endpoint or origin (`http://127.0.0.1:PORT`) in generated URIs."""

PIECES = ["a", "b.ts", "sub", "/", "//", ".", "..", "%", "%2e", "%2E%2e", "%2F", "%FF", "%C3%28",
          "%00", "%20", "?", "#", ":", "@", "~", " ", "é", "\u00a0", "v.m3u8", "x.key", "["]
paths = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
TEMPLATES = [
    "{p}", "/{p}", "../{p}", "../../../{p}", "//evil.example.com/{p}",
    "%2e%2e/%2E%2e/%2e%2E/{p}", "..%2f..%2F..%2f{p}", "./%2e/%2e%2e/{p}",
    f"s3://{BUCKET}/{{p}}", "s3://other-bucket/{p}", "s3:///{p}",
    f"https://{BUCKET}.s3.amazonaws.com/{{p}}", f"http://s3.eu-west-1.amazonaws.com/{BUCKET}/{{p}}",
    "https://other-bucket.s3.amazonaws.com/{p}", f"https://{BUCKET}.s3.amazonaws.com:99999/{{p}}",
    f"{HERE}/{BUCKET}/{{p}}", f"{HERE}/other-bucket/{{p}}", f"{HERE}/{{p}}",
    "https://evil.example.com/{p}", "http://[::1/{p}", "skd://{p}", "data:,{p}", "{p}?x=%FF#y",
]
uris = st.builds(lambda template, path: template.replace("{p}", path),
                 st.sampled_from(TEMPLATES), paths)
numbers = st.sampled_from(["4", "4.0", "0", "-1", "10.5", "abc", "1e400", "nan", "", "9" * 30])
TAGS: list[Callable[[str, str], str]] = [
    lambda n, u: f"#EXTINF:{n},",
    lambda n, u: u,
    lambda n, u: f"#EXT-X-TARGETDURATION:{n}",
    lambda n, u: f"#EXT-X-VERSION:{n}",
    lambda n, u: f"#EXT-X-BYTERANGE:{n}@{n}",
    lambda n, u: f"#EXT-X-BYTERANGE:{n}",
    lambda n, u: f'#EXT-X-MAP:URI="{u}"',
    lambda n, u: f'#EXT-X-KEY:METHOD=AES-128,URI="{u}"',
    lambda n, u: f"#EXT-X-STREAM-INF:BANDWIDTH={n}\n{u}",
    lambda n, u: f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="x",URI="{u}"',
    lambda n, u: f'#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={n},URI="{u}"',
    lambda n, u: f'#EXT-X-SESSION-KEY:METHOD=AES-128,URI="{u}"',
    lambda n, u: f'#EXT-X-PART:DURATION={n},URI="{u}"',
    lambda n, u: f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{u}"',
    lambda n, u: "#EXT-X-ENDLIST",
    lambda n, u: "#EXT-X-PLAYLIST-TYPE:VOD",
    lambda n, u: "#EXT-X-DISCONTINUITY",
]
lines = st.builds(lambda tag, n, u: tag(n, u), st.sampled_from(TAGS), numbers, uris)
random_playlists = st.builds(
    lambda head, body: "\n".join(([head] if head else []) + body) + "\n",
    st.sampled_from(["#EXTM3U", "", "\ufeff#EXTM3U", "#EXTM3U\r"]),
    st.lists(lines, max_size=25))

AS_WRITTEN = {"uri-invalid", "uri-escapes-root", "external-uri-not-checked"}
"""Findings that name a URI as the playlist wrote it, because it names no object here."""

SEEDS = [FIXTURES / "titles/ts-ladder/master.m3u8", FIXTURES / "titles/cmaf/v0/index.m3u8",
         FIXTURES / "titles/single-file/index.m3u8", FIXTURES / "titles/aes128/index.m3u8"]


@st.composite
def mutated_playlists(draw: st.DrawFn) -> str:
    """A real playlist with a few lines deleted, doubled, replaced or inserted."""
    text = draw(st.sampled_from(SEEDS)).read_text()
    rows = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, max(0, len(rows) - 1)))
        action = draw(st.sampled_from(["delete", "double", "replace", "insert", "cut"]))
        if action == "delete" and rows:
            del rows[where]
        elif action == "double" and rows:
            rows.insert(where, rows[where])
        elif action == "replace" and rows:
            rows[where] = draw(lines)
        elif action == "insert":
            rows.insert(where, draw(lines))
        elif action == "cut" and rows:
            rows[where] = rows[where][: draw(st.integers(0, len(rows[where])))]
    return "\n".join(rows)


media_playlists = st.builds(
    lambda segments, key, init: (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n"
        + (f'#EXT-X-KEY:METHOD=AES-128,URI="{key}"\n' if key else "")
        + (f'#EXT-X-MAP:URI="{init}"\n' if init else "")
        + "".join(f"#EXTINF:4,\n{uri}\n" for uri in segments) + "#EXT-X-ENDLIST\n"),
    st.lists(uris, min_size=1, max_size=6), st.none() | uris, st.none() | uris)
"""Well-formed media playlists, so that the URIs reach the resolvers and the stores."""
multivariant_playlists = st.builds(
    lambda variants: "#EXTM3U\n" + "".join(f"#EXT-X-STREAM-INF:BANDWIDTH=1000\n{uri}\n"
                                            for uri in variants),
    st.lists(uris, min_size=1, max_size=4))
playlists = st.one_of(random_playlists, mutated_playlists(), media_playlists,
                      multivariant_playlists)


def assert_clean(run: Run) -> dict[str, Any] | None:
    """A report, or a clean exit 2; never a traceback. The report, when there is one."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code in (0, 1, 2), (run.exit_code, run.stderr)
    if run.exit_code == 2:
        assert run.stderr.startswith("hlsinspect: error: "), run.stderr
        return None
    document: dict[str, Any] = json.loads(run.stdout)
    assert not any(f["name"] == "internal-error" for f in document["findings"]), document
    return document


@pytest.fixture()
def connections(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, int]]:
    """Every address this process connects to from now on."""
    seen: set[tuple[str, int]] = set()
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple):
            seen.add((str(address[0]), int(address[1])))
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def test_local_tree(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "t"
    (root / "sub").mkdir(parents=True)
    for name in ("a.ts", "sub/b.ts", "x.key"):
        (root / name).write_bytes(b"\x47" * 188)
    (root / "v.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n"
                                 "#EXT-X-ENDLIST\n")
    touched = record_file_access(monkeypatch)

    @EXAMPLES
    @given(playlists)
    def check(text: str) -> None:
        (root / "sub/index.m3u8").write_bytes(text.encode("utf-8", "surrogatepass"))
        touched.clear()
        assert_clean(cli("check", str(root), "--format", "json"))
        outside = [path for path in touched
                   if os.path.commonpath([root, os.path.normpath(path)]) != str(root)]
        assert outside == [], outside

    check()


def record_file_access(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path the local store reads, stats or lists from now on."""
    touched: list[str] = []
    for name in ("read", "stat", "list_directory", "list_keys"):
        real = getattr(LocalStorage, name)

        def spy(self: LocalStorage, key: str, *args: Any, _real: Any = real) -> Any:
            # a key no file can have (`a/../b`, literal in S3) is answered without the disk
            if not key or _holdable(key.rstrip("/")):
                touched.append(self.path(key) if key else self.root + "/")
            return _real(self, key, *args)

        monkeypatch.setattr(LocalStorage, name, spy)
    return touched


def test_s3_through_a_recording_proxy(cli, s3: S3, connections: set[tuple[str, int]]):
    s3.put("fuzz/a.ts", b"\x47" * 188)
    s3.put("fuzz/v.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n")
    with S3Proxy(s3.endpoint) as proxy:
        allowed = {proxy.server.server_address[:2], tuple_of(s3.endpoint)}

        @S3_EXAMPLES
        @given(playlists, st.sampled_from(["auto", "head", "list"]))
        def check(text: str, mode: str) -> None:
            s3.put("fuzz/sub/index.m3u8", text.replace(HERE, proxy.endpoint))
            before = len(proxy.log)
            assert_clean(cli("check", f"s3://{BUCKET}/fuzz/", "--endpoint-url", proxy.endpoint,
                             "--format", "json", "--verify", mode))
            for _, path in proxy.log[before:]:
                segments = path.split("?")[0].split("/")
                assert segments[1] == BUCKET, path
                # a dot segment would leave the bucket at any proxy that normalises paths
                assert not {".", "..", "%2e", "%2E", "%2e%2e", "%2E%2E"} & set(segments), path
            assert connections <= allowed, connections

        check()


def test_http_origin(cli, tmp_path: Path, connections: set[tuple[str, int]]):
    (tmp_path / "t/sub").mkdir(parents=True)
    (tmp_path / "t/a.ts").write_bytes(b"\x47" * 188)
    (tmp_path / "outside.ts").write_bytes(b"\x47" * 188)
    with Origin(tmp_path) as origin:
        allowed = {origin.server.server_address[:2]}

        @EXAMPLES
        @given(playlists)
        def check(text: str) -> None:
            (tmp_path / "t/sub/index.m3u8").write_bytes(
                text.replace(HERE, origin.url).encode("utf-8", "surrogatepass"))
            assert_clean(cli("check", f"{origin.url}/t/sub/index.m3u8", "--format", "json"))
            assert connections <= allowed, connections

        check()


def tuple_of(endpoint: str) -> tuple[str, int]:
    host, port = endpoint.rsplit("//", 1)[1].split(":")
    return host, int(port)
