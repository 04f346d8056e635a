"""An HTTP origin as the source: real ffmpeg titles served by a local HTTP server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hlsinspect import HlsInspectError, Settings, inspect
from hlsinspect.settings import VerifySettings
from tests.conftest import FIXTURES
from tests.origin import Origin
from tests.s3proxy import BAD_GATEWAY, Fault, S3Proxy
from tests.titles import findings, playlist

FAST = Settings(verify=VerifySettings(retry_passes=3, backoff=0.01, read_timeout=1.0,
                                      attempts=1))
HTTP_FAULTS = [
    pytest.param("reset", "the connection was reset or the answer cut off", id="reset"),
    pytest.param("truncate", "the connection was reset or the answer cut off", id="truncated"),
    pytest.param("stall", "timed out", id="stall"),
    pytest.param(BAD_GATEWAY, "502", id="502"),
]


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A writable copy of the bundled titles, served as the origin's document root."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "titles", root)
    return root


@pytest.fixture()
def origin(site: Path) -> Iterator[Origin]:
    with Origin(site) as server:
        yield server


def test_intact_ladder_passes(cli, origin: Origin):
    url = f"{origin.url}/ts-ladder/master.m3u8"
    run = cli("check", url, "--format", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    report = run.json
    assert findings(report) == []
    assert [p["uri"] for p in report["playlists"]] == [
        url, *(f"{origin.url}/ts-ladder/stream_{n}/index.m3u8" for n in range(3))]
    assert report["summary"]["segments"] == report["summary"]["objects_checked"] == 12
    assert sorted(origin.paths("HEAD")) == sorted(
        f"/ts-ladder/stream_{v}/seg{n:03d}.ts" for v in range(3) for n in range(4))


def test_deleted_segment_is_missing_with_its_url(cli, origin: Origin, site: Path):
    (site / "ts-ladder/stream_1/seg002.ts").unlink()
    run = cli("check", f"{origin.url}/ts-ladder/master.m3u8", "--format", "json")
    assert run.exit_code == 1
    [finding] = [f for f in run.json["findings"] if f["severity"] == "error"]
    assert finding["name"] == "segment-missing"
    assert finding["uri"] == f"{origin.url}/ts-ladder/stream_1/seg002.ts"
    assert finding["playlist"] == f"{origin.url}/ts-ladder/stream_1/index.m3u8"


def test_missing_root_playlist_exits_2(cli, origin: Origin):
    run = cli("check", f"{origin.url}/ts-ladder/nope.m3u8", "--format", "json")
    assert run.exit_code == 2
    assert run.json["error"]["kind"] == "not-found"
    assert run.stderr.startswith(
        f"hlsinspect: error: cannot read {origin.url}/ts-ladder/nope.m3u8: 404")
    assert "Traceback" not in run.stderr


def test_missing_variant_playlist(cli, origin: Origin, site: Path):
    (site / "cmaf/v1/index.m3u8").unlink()
    run = cli("check", f"{origin.url}/cmaf/master.m3u8", "--format", "json")
    assert run.exit_code == 1
    assert findings(run.json) == [("playlist-missing", f"{origin.url}/cmaf/v1/index.m3u8")]


@pytest.mark.parametrize("head_status", [405, 403, 401])
def test_origin_refusing_head_is_checked_with_ranged_gets(cli, site: Path, head_status: int):
    """An origin that refuses HEAD (405), or denies it where GET passes (403, 401: a URL signed
    for GET, an S3 presigned URL among them), is asked with a ranged GET of the first byte;
    once one has passed, the other objects are asked by GET alone. A deleted segment is
    still found missing."""
    (site / "cmaf/v2/seg001.m4s").unlink()
    with Origin(site, head_status=head_status) as origin:
        run = cli("check", f"{origin.url}/cmaf/master.m3u8", "--format", "json",
                  "--concurrency", "1")
    assert run.exit_code == 1, run.stdout
    assert findings(run.json) == [("segment-missing", f"{origin.url}/cmaf/v2/seg001.m4s")]
    objects = {f"/cmaf/v{v}/{name}" for v in range(3)
               for name in (f"init_{v}.mp4", *(f"seg{n:03d}.m4s" for n in range(4)))}
    assert set(origin.paths("GET")) >= objects
    assert len(origin.paths("HEAD")) == 1  # refused once: every object then by ranged GET
    assert run.json["summary"]["objects_checked"] == len(objects)


def test_an_object_denied_to_head_and_get_is_unverified_saying_both_were_tried(cli, site: Path):
    denied = "/aes128/seg001.ts"
    with Origin(site, status={denied: 403}) as origin:
        run = cli("check", f"{origin.url}/aes128/index.m3u8", "--format", "json",
                  "--concurrency", "1")
    assert run.exit_code == 1, run.stdout
    [finding] = run.json["findings"]
    assert (finding["name"], finding["uri"]) == ("object-unverified", origin.url + denied)
    assert "access denied (403) to HEAD and to a GET of its first byte" in finding["message"]
    assert origin.paths("HEAD").count(denied) == 1 and origin.paths("GET").count(denied) == 1
    others = {p for p in origin.paths("HEAD") if p.endswith(".ts")} - {denied}
    assert others and not others & set(origin.paths("GET"))  # the others by HEAD alone


@pytest.mark.parametrize("head_status", [None, 405], ids=["head", "ranged-get"])
def test_sizes_come_from_the_origin(cli, site: Path, head_status):
    """Byte ranges are checked against Content-Length, or Content-Range for a ranged GET."""
    data = (site / "single-file/index.ts").read_bytes()
    (site / "single-file/index.ts").write_bytes(data[: len(data) // 2])
    with Origin(site, head_status=head_status) as origin:
        run = cli("check", f"{origin.url}/single-file/index.m3u8", "--format", "json")
    assert run.exit_code == 1
    assert findings(run.json) == [("byterange-out-of-bounds",
                                   f"{origin.url}/single-file/index.ts")]


def test_redirects_are_followed_and_references_are_relative_to_the_new_place(cli, site: Path):
    shutil.copytree(site / "aes128", site / "moved")
    (site / "aes128/seg000.ts").unlink()
    redirects = {"/title/index.m3u8": "/moved/index.m3u8",
                 "/moved/seg001.ts": "/aes128/seg001.ts"}
    with Origin(site, redirects=redirects) as origin:
        run = cli("check", f"{origin.url}/title/index.m3u8", "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert "/aes128/seg001.ts" in origin.paths("HEAD")
    assert "/moved/seg000.ts" in origin.paths("HEAD")


def test_a_redirect_loop_ends_cleanly(cli, origin: Origin, site: Path):
    origin.redirects.update({"/loop/a.m3u8": "/loop/b.m3u8", "/loop/b.m3u8": "/loop/a.m3u8",
                             "/aes128/seg002.ts": "/aes128/seg002.ts"})
    run = cli("check", f"{origin.url}/loop/a.m3u8")
    assert run.exit_code == 2
    assert "redirect loop" in run.stderr
    run = cli("check", f"{origin.url}/aes128/index.m3u8", "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "object-unverified"
    assert "redirect loop" in finding["message"]


def test_a_redirect_to_another_host_is_not_followed(cli, origin: Origin):
    origin.redirects["/aes128/seg001.ts"] = "https://cdn.example.com/aes128/seg001.ts"
    run = cli("check", f"{origin.url}/aes128/index.m3u8", "--format", "json")
    assert run.exit_code == 1
    [finding] = run.json["findings"]
    assert finding["name"] == "object-unverified"
    assert "redirected to another host (https://cdn.example.com)" in finding["message"]


def test_other_hosts_are_external_and_never_asked(cli, origin: Origin, site: Path):
    port = origin.url.rsplit(":", 1)[1]
    text = (site / "aes128/index.m3u8").read_text()
    text = text.replace("seg001.ts", f"http://localhost:{port}/aes128/seg001.ts")
    text = text.replace("seg002.ts", f"{origin.url}/aes128/seg002.ts")
    (site / "aes128/index.m3u8").write_text(text)
    run = cli("check", f"{origin.url}/aes128/index.m3u8", "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert findings(run.json, "info") == [
        ("external-uri-not-checked", f"http://localhost:{port}/aes128/seg001.ts")]
    assert run.json["summary"]["objects_checked"] == 4  # seg002 by its full URL, same host
    assert "/aes128/seg001.ts" not in origin.paths()


@pytest.mark.parametrize("mode", ["list", "auto"])
def test_listing_modes_fall_back_to_head(cli, origin: Origin, site: Path, mode):
    (site / "ts-ladder/stream_0/seg003.ts").unlink()
    run = cli("check", f"{origin.url}/ts-ladder/master.m3u8", "--format", "json",
              "--verify", mode)
    assert findings(run.json) == [("segment-missing",
                                   f"{origin.url}/ts-ladder/stream_0/seg003.ts")]
    assert len(origin.paths("HEAD")) == 12


def test_directory_target_is_a_usage_error(cli, origin: Origin):
    run = cli("check", f"{origin.url}/ts-ladder/")
    assert run.exit_code == 2
    assert "an HTTP origin cannot be listed" in run.stderr
    assert origin.requests == []


def test_credentials_in_a_target_url_are_refused_and_never_printed(cli):
    run = cli("check", "https://qa:hunter2@cdn.example.com/x.m3u8", "--format", "json")
    assert run.exit_code == 2
    assert "credentials in the URL are not supported" in run.stderr
    assert "hunter2" not in run.stdout + run.stderr
    assert run.json["targets"] == ["https://REDACTED@cdn.example.com/x.m3u8"]


def test_show_prints_the_playlist(cli, origin: Origin, site: Path):
    run = cli("show", f"{origin.url}/aes128/index.m3u8")
    assert run.exit_code == 0
    assert run.stdout == (site / "aes128/index.m3u8").read_text()


def test_transient_server_errors_are_retried(origin: Origin):
    """The playlist's and each segment's first three answers are 503: more than one request's
    own attempts survive, so the later passes settle them."""
    seen: dict[str, int] = {}

    def throttle(method: str, path: str) -> bool:
        seen[path] = seen.get(path, 0) + 1
        return seen[path] <= 3

    with S3Proxy(origin.url, throttle=throttle) as proxy:
        report = inspect([f"{proxy.endpoint}/aes128/index.m3u8"], settings=FAST)
    assert report.ok, report.findings
    assert report.summary.objects_checked == 5


def test_persistent_server_errors_are_unverified_or_exit_2(origin: Origin):
    def broken(method: str, path: str) -> bool:
        return path.endswith("seg001.ts") or path.startswith("/cmaf/")

    with S3Proxy(origin.url, throttle=broken) as proxy:
        report = inspect([f"{proxy.endpoint}/aes128/index.m3u8"], settings=FAST)
        with pytest.raises(HlsInspectError) as failed:
            inspect([f"{proxy.endpoint}/cmaf/master.m3u8"], settings=FAST)
    [finding] = report.findings
    assert (finding.name, finding.uri) == ("object-unverified",
                                           f"{proxy.endpoint}/aes128/seg001.ts")
    assert "throttled (503) after 4 tries" in finding.message
    assert report.summary.missing == 0
    assert "503" in failed.value.message


def test_report_names_each_playlist_once_per_url(cli, origin: Origin):
    report = cli("check", f"{origin.url}/elastic-transcoder/HLS/sample.m3u8",
                 "--format", "json").json
    master = playlist(report, f"{origin.url}/elastic-transcoder/HLS/sample.m3u8")
    assert [v["uri"] for v in master["variants"]] == [
        f"{origin.url}/elastic-transcoder/HLS/400k/sample.m3u8",
        f"{origin.url}/elastic-transcoder/HLS/1M/sample.m3u8"]


def faulty(fault: Fault, where: str, times: int | None = None):
    """The first `times` requests (all, when None) whose path ends with `where` get `fault`."""
    seen: dict[str, int] = {}

    def rule(method: str, path: str) -> Fault | None:
        if not path.endswith(where):
            return None
        seen[path] = seen.get(path, 0) + 1
        return fault if times is None or seen[path] <= times else None

    return rule


@pytest.mark.parametrize(("fault", "words"), HTTP_FAULTS)
def test_origin_faults_when_transient_recover(origin: Origin, fault, words):
    times = 1 if fault == "stall" else 2
    settings = Settings(verify=VerifySettings(**{**FAST.verify.__dict__, "attempts": 2}))
    with S3Proxy(origin.url, fault=faulty(fault, ".ts", times)) as seg_proxy:
        report = inspect([f"{seg_proxy.endpoint}/aes128/index.m3u8"], settings=settings)
    assert report.ok, report.findings
    with S3Proxy(origin.url, fault=faulty(fault, "index.m3u8", times)) as proxy:
        report = inspect([f"{proxy.endpoint}/aes128/index.m3u8"], settings=settings)
    assert report.ok, report.findings


@pytest.mark.parametrize(("fault", "words"), HTTP_FAULTS)
def test_origin_faults_when_persistent_are_named(origin: Origin, fault, words):
    with S3Proxy(origin.url, fault=faulty(fault, "seg002.ts")) as proxy:
        report = inspect([f"{proxy.endpoint}/aes128/index.m3u8"], settings=FAST)
    with (S3Proxy(origin.url, fault=faulty(fault, "index.m3u8")) as playlist_proxy,
          pytest.raises(HlsInspectError) as failed):  # the playlist itself
        inspect([f"{playlist_proxy.endpoint}/aes128/index.m3u8"], settings=FAST)
    assert failed.value.exit_code == 2
    assert words in failed.value.message
    if fault == "truncate":  # a HEAD answer has no body to cut
        assert report.ok
        return
    [finding] = report.findings
    assert (finding.name, finding.uri) == ("object-unverified",
                                           f"{proxy.endpoint}/aes128/seg002.ts")
    assert words in finding.message


def test_a_segment_an_origin_serves_as_html_is_suspicious(cli, site: Path):
    """A soft 404: the origin answers 200 with a page for a segment. HEAD's Content-Type
    says so, although the object is as large as a segment."""
    path = "/ts-ladder/stream_0/seg001.ts"
    with Origin(site, content_types={path: "text/html"}) as origin:
        run = cli("check", f"{origin.url}/ts-ladder/master.m3u8", "--format", "json")
    found = [(f["uri"], f["observed"]) for f in run.json["findings"]
             if f["name"] == "segment-suspicious"]
    assert found == [(f"{origin.url}{path}", "text/html")]


def test_gone_is_missing(cli, site: Path):
    """410 Gone says the object was removed for good: missing, not unknown."""
    with Origin(site, status={"/ts-ladder/stream_1/seg002.ts": 410,
                              "/cmaf/v1/index.m3u8": 410}) as origin:
        run = cli("check", f"{origin.url}/ts-ladder/master.m3u8", "--format", "json")
        variants = cli("check", f"{origin.url}/cmaf/master.m3u8", "--format", "json")
    assert run.exit_code == 1
    assert findings(run.json) == [
        ("segment-missing", f"{origin.url}/ts-ladder/stream_1/seg002.ts")]
    assert run.json["summary"]["missing"] == 1
    assert run.json["summary"]["unknown"] == 0
    assert findings(variants.json) == [("playlist-missing", f"{origin.url}/cmaf/v1/index.m3u8")]


@pytest.mark.parametrize(("status", "hint"), [
    (403, "the origin refuses to say: does the URL need a signature"),
    (451, "the origin answered neither the object nor 404/410"),
    (503, "the origin throttled hlsinspect past its retries"),
    (500, "the origin failed past the retries"),
    ("reset", "the origin failed past the retries")])
def test_an_unverified_object_on_an_origin_gets_the_hint_for_what_it_did(site: Path, status,
                                                                         hint: str):
    """The fix fits what the origin did: a denial, throttling, a failure, or a status no
    hint foresees (the general one); never S3's."""
    seg = "/ts-ladder/stream_1/seg002.ts"
    with Origin(site, status={seg: status} if isinstance(status, int) else None) as origin, \
            S3Proxy(origin.url, fault=faulty(status, seg) if status == "reset" else None) as proxy:
        report = inspect([f"{proxy.endpoint}/ts-ladder/master.m3u8"], settings=FAST)
    [finding] = [f for f in report.findings if f.severity == "error"]
    assert (finding.name, finding.uri) == ("object-unverified", proxy.endpoint + seg)
    assert finding.hint is not None and "s3:" not in finding.hint
    assert finding.hint.startswith(hint), (finding.message, finding.hint)


@pytest.mark.parametrize(("reason", "hint"), [
    ("cannot check http://o/a.ts: could not connect", "the origin stopped taking connections"),
    ("cannot check http://o/a.ts: timed out after 2 s", "the origin did not answer in time"),
    ("cannot check http://o/a.ts: timed out (no answer in time)",
     "the origin did not answer in time"),
    ("cannot check https://o/a.ts: TLS handshake failed (certificate verify failed)",
     "the origin's certificate is not trusted"),
    ("cannot check https://o/unavailable/throttled.ts: timed out after 2 s",
     "the origin did not answer in time")])
def test_transport_failures_get_their_own_hints(reason: str, hint: str):
    """The reasons as storage/http.py words them (tests/test_bounds.py and
    tests/test_http_quick.py make the real ones); words in the URL's path are not what the
    origin did."""
    from hlsinspect.checks.objects import _UNVERIFIED_HINTS, _hint_for

    assert _UNVERIFIED_HINTS[_hint_for("https://o/a.ts", reason)].startswith(hint)


def test_show_help_names_http_urls(cli):
    assert "http(s):// URL" in " ".join(cli("show", "--help").stdout.split())
