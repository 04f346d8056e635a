"""Variables never hide an object: a {$NAME} whose value is not known is a finding, and the
object it names is verified by what is known or reported unverified, never left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import BUCKET, S3
from tests.origin import Origin
from tests.titles import findings

TS = b"\x47" + b"\x00" * 187
MASTER = ('#EXTM3U\n#EXT-X-VERSION:11\n#EXT-X-DEFINE:QUERYPARAM="token"\n'
          "#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS=\"avc1.64001f\"\nv/index.m3u8?t={$token}\n")
MEDIA = ('#EXTM3U\n#EXT-X-VERSION:8\n#EXT-X-DEFINE:IMPORT="token"\n#EXT-X-TARGETDURATION:10\n'
         "#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:9.009,\ns0.ts?t={$token}\n"
         "#EXTINF:9.009,\ns1.ts?t={$token}\n#EXT-X-ENDLIST\n")


def _tree(root: Path, media: str = MEDIA) -> None:
    (root / "v").mkdir(parents=True)
    (root / "master.m3u8").write_text(MASTER)
    (root / "v/index.m3u8").write_text(media)
    (root / "v/s0.ts").write_bytes(TS)  # s1.ts is missing


def _unresolved(report: dict[str, Any]) -> list[str]:
    return [f["message"] for f in report["findings"] if f["name"] == "variable-unresolved"]


def test_s3_keys_drop_the_query_so_a_token_hides_nothing(s3_cli, s3: S3):
    s3.put("t/master.m3u8", MASTER)
    s3.put("t/v/index.m3u8", MEDIA)
    s3.put("t/v/s0.ts", TS)
    alone = s3_cli("check", f"s3://{BUCKET}/t/v/index.m3u8", "--format", "json")
    assert alone.exit_code == 1
    assert findings(alone.json) == [("segment-missing", f"s3://{BUCKET}/t/v/s1.ts")]
    [message] = _unresolved(alone.json)
    assert message.startswith("{$token} in 2 URIs (first on line 7): IMPORT 'token' takes its "
                              "value from the multivariant playlist")
    assert message.endswith("the objects are verified without it (the store ignores that "
                            "part of a URI)")
    assert alone.json["summary"]["objects_checked"] == 2
    title = s3_cli("check", f"s3://{BUCKET}/t/master.m3u8", "--format", "json")
    assert findings(title.json) == [("segment-missing", f"s3://{BUCKET}/t/v/s1.ts")]
    assert [f["playlist"] for f in title.json["findings"]
            if f["name"] == "variable-unresolved"] == [f"s3://{BUCKET}/t/master.m3u8",
                                                       f"s3://{BUCKET}/t/v/index.m3u8"]
    assert title.json["summary"]["objects_checked"] == 2


def test_an_unknown_variable_in_the_path_leaves_the_object_unverified(cli, tmp_path: Path):
    _tree(tmp_path, MEDIA.replace("s0.ts?t={$token}", "{$token}/s0.ts"))
    run = cli("check", str(tmp_path / "v/index.m3u8"), "--format", "json")
    assert run.exit_code == 1
    assert findings(run.json) == [("segment-missing", str(tmp_path / "v/s1.ts")),
                                  ("object-unverified", str(tmp_path / "v/{$token}/s0.ts"))]
    [unverified] = [f["message"] for f in run.json["findings"]
                    if f["name"] == "object-unverified"]
    assert "its URI holds {$token}, whose value cannot be known here: IMPORT 'token'" in unverified
    [message] = _unresolved(run.json)
    assert message.endswith("; 1 unverified (object-unverified)")
    summary = run.json["summary"]
    assert (summary["objects_checked"], summary["unknown"]) == (2, 1)


def test_an_origin_gives_queryparam_the_query_of_the_playlist_url(cli, tmp_path: Path):
    _tree(tmp_path)
    with Origin(tmp_path) as origin:
        run = cli("check", f"{origin.url}/master.m3u8?token=a%2Bb", "--format", "json")
        asked = origin.paths()
    assert findings(run.json) == [("segment-missing", f"{origin.url}/v/s1.ts?t=a+b")]
    assert _unresolved(run.json) == []
    # percent-decoded once (RFC 8216bis 4.4.2.3), then written into the URI as it is
    assert asked[:2] == ["/master.m3u8?token=a%2Bb", "/v/index.m3u8?t=a+b"]
    assert sorted(asked[2:]) == ["/v/s0.ts?t=a+b", "/v/s1.ts?t=a+b"]


def test_an_origin_without_the_value_follows_and_verifies_nothing_silently(cli, tmp_path: Path):
    _tree(tmp_path)
    with Origin(tmp_path) as origin:
        title = cli("check", f"{origin.url}/master.m3u8", "--format", "json")
        alone = cli("check", f"{origin.url}/v/index.m3u8", "--format", "json")
        asked = origin.paths()
    [message] = _unresolved(title.json)
    assert message == (
        "{$token} in 1 URI (first on line 5): QUERYPARAM 'token' takes its value from the "
        f"query of the URL the playlist is read from, and {origin.url}/master.m3u8 has no "
        "token= value; 1 not followed")
    assert [f["severity"] for f in title.json["findings"]
            if f["name"] == "variable-unresolved"] == ["warning"]
    # the media playlist alone: each segment unverified, none asked for with a guessed token
    assert findings(alone.json) == [
        ("object-unverified", f"{origin.url}/v/s0.ts?t=%7B$token%7D"),
        ("object-unverified", f"{origin.url}/v/s1.ts?t=%7B$token%7D")]
    assert alone.json["summary"]["unknown"] == 2
    assert asked == ["/master.m3u8", "/v/index.m3u8"]


def test_a_redirected_playlist_takes_queryparam_from_the_redirect(cli, tmp_path: Path):
    """RFC 8216bis 4.4.2.3: "If the URI is redirected, the client MUST look for the query
    parameter in the 30x response URI"."""
    _tree(tmp_path)
    redirects = {"/master.m3u8": "/master.m3u8?token=xyz"}
    with Origin(tmp_path, redirects=redirects) as origin:
        run = cli("check", f"{origin.url}/master.m3u8", "--format", "json")
        asked = origin.paths()
    assert _unresolved(run.json) == []
    assert findings(run.json) == [("segment-missing", f"{origin.url}/v/s1.ts?t=xyz")]
    assert asked[:3] == ["/master.m3u8", "/master.m3u8?token=xyz", "/v/index.m3u8?t=xyz"]
