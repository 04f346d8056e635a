"""Hostile text in playlists and answers: no credential is printed, no text becomes a CI
command or a terminal escape, in any format, however the table wraps."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.origin import Origin

HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
FORGED = ("filler words to wrap ::error title=Forged,file=a.m3u8::Forged ##[error]Forged "
          "##[set-output name=verdict;]PASS ##[add-mask]FAIL ##vso[task.complete]x "
          "\x1b]0;pwned\x07 \u202e\u2066 end")
"""A URI line a hostile uploader writes: GitHub (`::`, `##[`) and Azure (`##vso[`) commands,
an OSC title sequence ended by BEL, bidi overrides."""
OWN_ANNOTATION = re.compile(r"::(error|warning|notice) title=(HLS\d{3} [a-z0-9-]+|hlsinspect "
                            r"could not inspect \([a-z-]+\))(,[^:]*)?::")
"""hlsinspect's own workflow commands (properties escape `:` as %3A)."""


def outputs(cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
            *args: str) -> dict[str, str]:
    """What `check ARGS` prints in every format (stdout and stderr), and its JUnit file;
    the table both narrow (so cells wrap) and wide."""
    runs: dict[str, str] = {}
    formats: list[tuple[str, str, tuple[str, ...]]] = [
        ("table-40", "40", ("--format", "table")), ("table-200", "200", ("--format", "table")),
        ("quiet-40", "40", ("--quiet",)), ("quiet-200", "200", ("--quiet",)),
        ("markdown", "80", ("--format", "markdown")), ("json", "80", ("--format", "json")),
        ("github", "80", ("--format", "github")), ("gitlab", "80", ("--format", "gitlab"))]
    for name, columns, options in formats:
        monkeypatch.setenv("COLUMNS", columns)
        junit = tmp_path / f"{name}.xml"
        run = cli("check", *args, *options, "--junit", str(junit))
        assert run.exit_code in (1, 2), run.stdout + run.stderr
        runs[name] = run.stdout + run.stderr
        runs[f"junit ({name})"] = junit.read_text(encoding="utf-8")
    return runs


def assert_harmless(runs: dict[str, str], secrets: tuple[str, ...] = ()) -> None:
    """No secret, no terminal control, no line a CI runner would take for a command (GitHub
    reads `::` at the start of a line after blanks, `##[` anywhere; Azure `##vso[`)."""
    for name, text in runs.items():
        for secret in secrets:
            assert secret not in text, (name, secret)
        for char in ("\x1b", "\x07", "\x9b", "\u202e", "\u2066"):
            assert char not in text, (name, repr(char))
        assert "##[" not in text and "##vso[" not in text.lower(), name
        for line in text.splitlines():
            if line.lstrip().startswith("::"):
                assert name == "github" and OWN_ANNOTATION.match(line), (name, line)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CREDENTIALS = ("hunter2", "AKIASECRET1", "deadbeefsig", "sessiontok1", "keytoken1",
               "cfsignature", "cfpolicy", "APKAKEYPAIR", "hdntshmac", "azsig1")


def test_credentials_in_playlist_uris_are_printed_in_no_format(cli, monkeypatch, tmp_path):
    write(tmp_path, "index.m3u8", HEAD
          + '#EXT-X-KEY:METHOD=AES-128,URI="k.key?token=keytoken1"\n'
          + "#EXTINF:4,\nhttps://user:hunter2@cdn.example.com/a.ts\n"
          + "#EXTINF:4,\nb.ts?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASECRET1"
            "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=deadbeefsig"
            "&X-Amz-Security-Token=sessiontok1\n"
          + "#EXTINF:4,\nhttps://d1.cloudfront.net/c.ts?Expires=1700000000&Signature=cfsignature"
            "&Policy=cfpolicy&Key-Pair-Id=APKAKEYPAIR\n"
          + "#EXTINF:4,\nhttps://akamai.example.com/d.ts?hdnts=exp=1~acl=/*~hmac=hdntshmac\n"
          + "#EXTINF:4,\nhttps://az.blob.core.windows.net/e.ts?sv=2022&SIG=azsig1\n"
          + "#EXT-X-ENDLIST\n")
    runs = outputs(cli, monkeypatch, tmp_path, str(tmp_path / "index.m3u8"))
    assert_harmless(runs, CREDENTIALS)
    assert "https://REDACTED@cdn.example.com/a.ts" in runs["json"]
    assert "X-Amz-Signature=REDACTED" in runs["table-200"]
    found = {f["name"]: f for f in json.loads(runs["json"])["findings"]}
    # the segment asked for is still b.ts, whatever its query says
    assert found["segment-missing"]["uri"] == str(tmp_path / "b.ts")


def test_presigned_urls_of_the_origin_itself_are_used_not_printed(cli, monkeypatch, tmp_path):
    site = tmp_path / "site"
    write(site, "master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\n"
          "v.m3u8?X-Amz-Credential=AKIAVARIANT&X-Amz-Signature=variantsig\n")
    write(site, "v.m3u8", HEAD + "#EXTINF:4,\na.ts?token=segmenttok\n"
          "#EXTINF:4,\ngone.ts?X-Amz-Signature=gonesig\n#EXT-X-ENDLIST\n")
    (site / "a.ts").write_bytes(b"\x47" * 188)
    with Origin(site) as origin:
        target = f"{origin.url}/master.m3u8?X-Amz-Signature=mastersig&X-Amz-Security-Token=mt1"
        runs = outputs(cli, monkeypatch, tmp_path, target)
        asked = origin.paths()
    assert_harmless(runs, ("AKIAVARIANT", "variantsig", "segmenttok", "gonesig", "mastersig",
                           "mt1"))
    report = json.loads(runs["json"])
    assert [f["name"] for f in report["findings"] if f["severity"] == "error"] == [
        "segment-missing"]
    assert report["targets"] == [f"{origin.url}/master.m3u8?X-Amz-Signature=REDACTED"
                                 "&X-Amz-Security-Token=REDACTED"]
    # redaction is for display: each object was asked for with its real, signed URI
    assert "/master.m3u8?X-Amz-Signature=mastersig&X-Amz-Security-Token=mt1" in asked
    assert "/v.m3u8?X-Amz-Credential=AKIAVARIANT&X-Amz-Signature=variantsig" in asked
    assert "/a.ts?token=segmenttok" in asked and "/gone.ts?X-Amz-Signature=gonesig" in asked


def test_commands_and_escapes_in_uris_reach_no_ci_log_or_terminal(cli, monkeypatch, tmp_path):
    write(tmp_path, "t/index.m3u8", f"{HEAD}#EXTINF:4,\n{FORGED}.ts\n"
          "#EXTINF:4,\nosc\x1b]0;pwned\x07 bidi\u202eevil\u2066.ts\n"
          f"#EXTINF:4,\n{'x' * 30}::error title=Forged::folded.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "t/master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nindex.m3u8\n"
          f"#EXT-X-STREAM-INF:BANDWIDTH=2\n{'y' * 30}::error title=Forged::v.m3u8\n")
    runs = outputs(cli, monkeypatch, tmp_path, str(tmp_path / "t"))
    assert_harmless(runs)
    # the JSON keeps the data exact: a JSON reader gets the URI as written
    report = json.loads(runs["json"])
    assert any("##[set-output name=verdict;]PASS" in f["message"] for f in report["findings"])


def test_an_origins_reason_phrase_is_escaped(cli, monkeypatch, tmp_path):
    site = tmp_path / "site"
    write(site, "master.m3u8", HEAD + "#EXT-X-ENDLIST\n")
    reason = "Forbidden \x1b]0;pwned\x07 ##[set-output name=verdict;]PASS ::error title=F::x"
    signed = "/master.m3u8?X-Amz-Signature=deniedsig"
    with Origin(site, get_status={signed: 403}, reasons={403: reason}) as origin:
        runs = outputs(cli, monkeypatch, tmp_path, origin.url + signed)
    assert_harmless(runs, ("deniedsig",))
    assert "403 Forbidden \\x1b]0;pwned\\x07 #\\x23[set-output" in runs["table-200"]


def test_an_unreadable_variants_reason_phrase_is_escaped(cli, monkeypatch, tmp_path):
    site = tmp_path / "site"
    write(site, "master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=2\nb.m3u8\n")
    write(site, "a.m3u8", HEAD + "#EXT-X-ENDLIST\n")
    write(site, "b.m3u8", HEAD + "#EXT-X-ENDLIST\n")
    reason = ("Service Unavailable " + "z" * 40 + " ::error title=Forged::x \x1b[2J\x07 "
              "##[add-mask]FAIL")
    with Origin(site, get_status={"/b.m3u8": 403}, reasons={403: reason}) as origin:
        runs = outputs(cli, monkeypatch, tmp_path, f"{origin.url}/master.m3u8")
    assert_harmless(runs)
    names = [f["name"] for f in json.loads(runs["json"])["findings"]]
    assert "playlist-unreadable" in names


def test_a_file_that_is_no_playlist_is_not_quoted(cli, tmp_path):
    write(tmp_path, "keys.m3u8", "aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCY\n")
    write(tmp_path, "page.m3u8", '{"access_token": "eyJhbGciOiJIUzI1NiJ9"}\n')
    write(tmp_path, "odd.m3u8", "#EXTM3U odd\n#EXT-X-TARGETDURATION:4\n#EXT-X-ENDLIST\n")
    run = cli("check", str(tmp_path), "--format", "json")
    assert "wJalrXUtnFEMIK7MDENGbPxRfiCY" not in run.stdout
    assert "eyJhbGciOiJIUzI1NiJ9" not in run.stdout
    messages = {Path(f["playlist"]).name: f["message"] for f in run.json["findings"]
                if f["name"] == "playlist-parse-error"}
    assert messages["keys.m3u8"] == ("the first line must be #EXTM3U: this is not a playlist")
    assert messages["page.m3u8"].endswith("(this looks like JSON)")
    # a file that starts with #EXTM3U is a playlist: its first line may be shown
    assert "found '#EXTM3U odd'" in messages["odd.m3u8"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://u:p%40ss@h.example/x.m3u8", "https://REDACTED@h.example/x.m3u8"),
        ("s3://bucket/a@b.ts", "s3://bucket/a@b.ts"),
        ("'x.ts?KEY=k1&b=2#f'", "'x.ts?KEY=REDACTED&b=2#f'"),
        ("x.ts?keyformat=identity&access_token=t", "x.ts?keyformat=identity&access_token=REDACTED"),
        ("a.ts?X-Goog-Signature=g;auth=a", "a.ts?X-Goog-Signature=REDACTED;auth=REDACTED"),
        ("BANDWIDTH=1000,CODECS=\"avc1\"", "BANDWIDTH=1000,CODECS=\"avc1\""),
        # tokens in the path: the value alone goes, the rest of the path stays
        ("https://cdn.example/hdnts=exp=1~acl=/*~hmac=abc123/hls/master.m3u8",
         "https://cdn.example/hdnts=REDACTED~acl=/*~hmac=REDACTED/hls/master.m3u8"),
        ("https://cdn.example/token=t0k3n/v1/a.ts", "https://cdn.example/token=REDACTED/v1/a.ts"),
        ("s3://bucket/HLS/1M/keyframes=2/a.ts", "s3://bucket/HLS/1M/keyframes=2/a.ts"),
        ("https://cdn.example/token=abc~def/a.ts", "https://cdn.example/token=REDACTED/a.ts"),
        # partitions named like a credential parameter stay: titles must not merge
        ("s3://b/dt=2026/key=1/a.ts", "s3://b/dt=2026/key=1/a.ts"),
        ("s3://b/policy=premium/sig=x/auth=y/expires=2/a.ts",
         "s3://b/policy=premium/sig=x/auth=y/expires=2/a.ts"),
        # punctuation after a value is the sentence's
        ("cannot read https://h/a.m3u8?X-Amz-Signature=abc: 404 Not Found",
         "cannot read https://h/a.m3u8?X-Amz-Signature=REDACTED: 404 Not Found"),
        ("(see https://h/token=t0k3n/a.ts), then", "(see https://h/token=REDACTED/a.ts), then"),
        ("'a.ts?sig=s1.', 'b.ts?sig=s2,'", "'a.ts?sig=REDACTED.', 'b.ts?sig=REDACTED,'"),
    ],
)
def test_redact(text, shown):
    from hlsinspect.uri.redact import redact

    assert redact(text) == shown
    assert redact(shown) == shown


def test_a_page_stored_as_a_segment_is_not_quoted(cli, tmp_path):
    write(tmp_path, "index.m3u8", f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "a.ts", '<html><body>session=sessionSECRET1</body></html>\n')
    run = cli("check", str(tmp_path / "index.m3u8"), "--probe", "all", "--format", "json")
    [found] = [f for f in run.json["findings"] if f["name"] == "segment-not-media"]
    assert "holds an HTML or XML page, not MPEG-TS" in found["message"]
    assert "sessionSECRET1" not in run.stdout


def test_presigned_urls_into_the_bucket_are_checked_not_printed(s3_cli, s3, monkeypatch,
                                                                 tmp_path):
    signed = ("?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIABUCKETKEY%2F20260101"
              "&X-Amz-Signature=bucketsig&X-Amz-Security-Token=buckettok")
    base = f"https://{s3.bucket}.s3.amazonaws.com/signed"
    s3.put("signed/a.ts", b"\x47" * 188)
    s3.put("signed/index.m3u8", f"{HEAD}#EXTINF:4,\n{base}/a.ts{signed}\n"
           f"#EXTINF:4,\n{base}/gone.ts{signed}\n#EXT-X-ENDLIST\n")
    runs = outputs(s3_cli, monkeypatch, tmp_path,
                   f"s3://{s3.bucket}/signed/index.m3u8")
    assert_harmless(runs, ("AKIABUCKETKEY", "bucketsig", "buckettok"))
    report = json.loads(runs["json"])
    # both are objects of the bucket, looked up there: one present, one missing
    assert report["summary"]["objects_checked"] == 2
    assert [(f["name"], f["uri"]) for f in report["findings"] if f["severity"] == "error"] == [
        ("segment-missing", f"s3://{s3.bucket}/signed/gone.ts")]


def test_debug_tracebacks_and_show_name_no_credential(cli, tmp_path):
    """--debug's traceback quotes the failing URI (its last line is the error's message), and
    `show` prints a playlist whose URIs may be signed: both redacted like every other output.
    A `:` after a redacted value stays (`...=REDACTED: 404`)."""
    site = tmp_path / "site"
    write(site, "master.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
          "a.m3u8?X-Amz-Signature=showsig&token=showtok\n")
    with Origin(site) as origin:
        missing = f"{origin.url}/token=pathtok/nosuch.m3u8?X-Amz-Signature=debugsig"
        run = cli("check", missing, "--debug")
        shown = cli("show", f"{origin.url}/master.m3u8")
    assert run.exit_code == 2
    assert "Traceback" in run.stderr
    for secret in ("pathtok", "debugsig"):
        assert secret not in run.stderr + run.stdout
    assert "X-Amz-Signature=REDACTED: 404" in run.stderr
    assert shown.exit_code == 0
    assert "showsig" not in shown.stdout and "showtok" not in shown.stdout
    assert "a.m3u8?X-Amz-Signature=REDACTED&token=REDACTED\n" in shown.stdout
    assert "credentials" in shown.stderr
