"""The Python API: `hlsinspect.inspect(...)` returns the report's dataclasses and raises one
typed exception per way a run can fail before anything is inspected.

A program calling the API catches the class it can act on; the CLI prints the same failure
with the same `kind` in its JSON error document, so both are pinned side by side here. Every
case goes over real HTTP to moto's S3 server, as the CLI's tests do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import boto3
import pytest

import hlsinspect
from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_DIR, SAMPLE_KEY
from tests.test_s3_media import socket_free_port

TERMINAL = ("typer", "rich", "click")


def _modules_after(code: str) -> dict[str, Any]:
    """Run `code` in a fresh interpreter; what it printed and which modules it loaded."""
    probe = (f"{code}\nimport json, sys\n"
             "sys.stderr.write(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd=FIXTURES.parent)
    return {"stdout": done.stdout, "modules": json.loads(done.stderr)}


@pytest.mark.parametrize("code", [
    pytest.param("import hlsinspect", id="import"),
    pytest.param("import hlsinspect\nreport = hlsinspect.inspect("
                 f"{str(SAMPLE_DIR / 'sample.m3u8')!r})\nassert report.ok", id="inspect-a-title"),
    pytest.param("import hlsinspect\ntry:\n    hlsinspect.inspect('no/such/dir/')\n"
                 "except hlsinspect.UsageError:\n    pass", id="fail"),
])
def test_the_api_prints_nothing_and_loads_no_terminal_library(code: str):
    seen = _modules_after(code)
    assert seen["stdout"] == ""
    assert [m for m in seen["modules"] if m.split(".")[0] in TERMINAL] == []


def test_inspect_returns_the_report_dataclasses():
    report = hlsinspect.inspect(str(FIXTURES / "titles" / "ts-ladder"))
    assert isinstance(report, hlsinspect.Report)
    master = next(p for p in report.playlists if p.kind == "multivariant")
    assert isinstance(master, hlsinspect.PlaylistReport)
    assert [v.bandwidth for v in master.variants] == [113443, 163075]
    assert report.ok and report.summary.errors == 0
    assert [f.name for f in report.findings] == ["channels-missing"]


def test_settings_choose_the_rules_and_the_threshold():
    title = str(FIXTURES / "titles" / "ts-ladder")
    strict = hlsinspect.Settings(rules=hlsinspect.Selection.of("apple"),
                                 fail_on=hlsinspect.Severity.WARNING,
                                 verify=hlsinspect.VerifySettings(concurrency=4))
    assert not hlsinspect.inspect(title, settings=strict).ok
    quiet = hlsinspect.Settings(rules=hlsinspect.Selection.of("rfc", ignore=["channels-missing"]),
                                fail_on=hlsinspect.Severity.WARNING)
    assert hlsinspect.inspect(title, settings=quiet).ok


def _forbidden(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who may list the bucket but read nothing in it."""
    iam = boto3.client("iam", endpoint_url=s3.endpoint, region_name="us-east-1")
    iam.create_user(UserName="lister")
    iam.put_user_policy(UserName="lister", PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                               "Resource": f"arn:aws:s3:::{BUCKET}"}]}))
    key = iam.create_access_key(UserName="lister")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    s3.enable_iam()


def _no_credentials(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")


def _nothing(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    pass


Setup = Callable[[S3, pytest.MonkeyPatch], None]

FAILURES = [
    pytest.param(f"s3://no-such-bucket/{SAMPLE_KEY}", _nothing,
                 hlsinspect.BucketNotFoundError, "no-bucket", id="bucket-not-found"),
    pytest.param(f"s3://{BUCKET}/{SAMPLE_KEY}", _no_credentials,
                 hlsinspect.CredentialsError, "credentials", id="no-credentials"),
    pytest.param(f"s3://{BUCKET}/HLS/1M/gone.m3u8", _nothing,
                 hlsinspect.PlaylistNotFoundError, "not-found", id="root-playlist-missing"),
    pytest.param(f"s3://{BUCKET}/{SAMPLE_KEY}", _forbidden,
                 hlsinspect.AccessDeniedError, "access-denied", id="root-playlist-forbidden"),
    pytest.param(f"s3://{BUCKET}/HLS/nothing-here/", _nothing,
                 hlsinspect.NoPlaylistError, "no-playlist", id="no-playlist-under-prefix"),
    pytest.param(f"s3://{BUCKET}/../x.m3u8", _nothing,
                 hlsinspect.UsageError, "usage", id="target-climbs-out-of-the-bucket"),
]


@pytest.mark.parametrize(("target", "setup", "error", "kind"), FAILURES)
def test_each_failure_has_its_own_class_and_the_cli_kind(
        s3: S3, s3_cli: Any, monkeypatch: pytest.MonkeyPatch, target: str, setup: Setup,
        error: type[hlsinspect.HlsInspectError], kind: str):
    setup(s3, monkeypatch)
    with pytest.raises(error) as raised:
        hlsinspect.inspect(target, s3=hlsinspect.S3Options(endpoint_url=s3.endpoint))
    assert isinstance(raised.value, hlsinspect.HlsInspectError)
    assert raised.value.kind == kind
    assert raised.value.exit_code == 2
    run = s3_cli("check", target, "--format", "json")
    assert (run.exit_code, run.json["error"]["kind"]) == (2, kind)


def test_an_unreachable_endpoint_is_an_endpoint_error():
    with socket_free_port() as port, pytest.raises(hlsinspect.EndpointError) as raised:
        hlsinspect.inspect(f"s3://{BUCKET}/{SAMPLE_KEY}",
                           s3=hlsinspect.S3Options(endpoint_url=f"http://127.0.0.1:{port}"))
    assert raised.value.kind == "endpoint-unreachable"
    assert "127.0.0.1" in raised.value.message


def test_a_bucket_given_twice_differently_is_a_usage_error():
    with pytest.raises(hlsinspect.UsageError, match="names bucket"):
        hlsinspect.inspect(f"s3://{BUCKET}/{SAMPLE_KEY}", bucket="other-bucket")


def test_ctrl_c_raises_interrupted_with_the_titles_completed_before():
    """Stopped as the third title's objects are about to be verified: the titles are
    completed in key order, so the report holds the first two (aes128, cmaf)."""
    from hlsinspect.progress import Progress

    class StopAtTheThirdTitle(Progress):
        titles = 0

        def expect(self, count: int) -> None:
            self.titles += 1
            if self.titles == 3:
                raise KeyboardInterrupt

    target = str(FIXTURES / "titles")
    try:
        hlsinspect.inspect(target, progress=StopAtTheThirdTitle())
    except hlsinspect.Interrupted as stopped:
        report = stopped.report
    except KeyboardInterrupt:  # uncaught, it would stop pytest itself
        pytest.fail("a bare KeyboardInterrupt, without the report")
    assert report.incomplete == ("interrupted (Ctrl-C) before the inspection was complete: "
                                 "the report holds the titles completed before")
    assert not report.ok and report.error is None
    assert sorted({p.uri.split("/titles/")[1].split("/")[0] for p in report.playlists}) == \
        ["aes128", "cmaf"]
    assert report.summary.objects_checked == 5 + 15

    class StopAtOnce(Progress):
        def expect(self, count: int) -> None:
            raise KeyboardInterrupt

    try:
        hlsinspect.inspect(target, progress=StopAtOnce())
    except KeyboardInterrupt as nothing:
        assert type(nothing) is KeyboardInterrupt  # nothing completed: nothing to carry
    else:
        pytest.fail("not interrupted")
