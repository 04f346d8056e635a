"""fixtures/upload.py, the helper the README's walk-through uses to upload a title into a
local S3 server and damage it (delete an object, cut a playlist short) without the AWS CLI."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, S3

HELPER = str(FIXTURES / "upload.py")


def helper(s3: S3, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, HELPER, "--endpoint-url", s3.endpoint, *args],
                          capture_output=True, text=True, timeout=60)


def test_upload_delete_and_truncate_make_the_walk_through_damage(s3: S3, cli):
    done = helper(s3, str(FIXTURES / "titles" / "ts-ladder"), "titles-out", "--prefix", "TS/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("uploaded 16 objects to s3://titles-out/TS/")
    done = helper(s3, "--delete", "s3://titles-out/TS/stream_0/seg001.ts",
                  "--truncate-after", "2", "s3://titles-out/TS/stream_2/index.m3u8")
    assert done.returncode == 0, done.stderr
    playlist = s3.get("TS/stream_2/index.m3u8", bucket="titles-out").decode()
    assert playlist.splitlines()[-3:] == ["#EXTINF:1.996922,", "seg001.ts", "#EXT-X-ENDLIST"]
    report = cli("check", "s3://titles-out/TS/", "--endpoint-url", s3.endpoint,
                 "--format", "json").json
    assert sorted(f["name"] for f in report["findings"] if f["severity"] == "error") == [
        "segment-missing", "variant-duration-mismatch"]


@pytest.mark.parametrize(("args", "words"), [
    pytest.param([], "nothing to do", id="nothing"),
    pytest.param(["--delete", "titles-out/x.ts"], "is not s3://BUCKET/KEY", id="not-s3"),
    pytest.param(["--truncate-after", "two", "s3://b/x.m3u8"], "N must be a number",
                 id="not-a-number"),
])
def test_the_helper_refuses_what_it_cannot_do(s3: S3, args: list[str], words: str):
    done = helper(s3, *args)
    assert done.returncode == 2
    assert words in done.stderr


def _one_error(done: subprocess.CompletedProcess[str], words: str, hint: str) -> None:
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [f"upload.py: error: {words}", f"hint: {hint}"]


def test_without_credentials_one_line_and_a_hint(s3: S3, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    _one_error(helper(s3, "--delete", "s3://titles-out/x.ts"), "no AWS credentials",
               "a local test server takes any: export AWS_ACCESS_KEY_ID=test "
               "AWS_SECRET_ACCESS_KEY=test")


def test_an_unreachable_endpoint_one_line_and_a_hint():
    done = subprocess.run([sys.executable, HELPER, "--endpoint-url", "http://127.0.0.1:9",
                           "--delete", "s3://titles-out/x.ts"],
                          capture_output=True, text=True, timeout=60)
    _one_error(done, "cannot reach the S3 endpoint http://127.0.0.1:9",
               "start the test server first (moto_server -p 5000), or fix --endpoint-url")


@pytest.mark.parametrize("args", [
    pytest.param(["--delete", "s3://titles-out/TS/no-such.ts"], id="delete"),
    pytest.param(["--truncate-after", "2", "s3://titles-out/TS/no-such.m3u8"], id="truncate"),
    pytest.param(["--delete", "s3://no-such-bucket/x.ts"], id="no-bucket"),
])
def test_a_missing_key_is_said_to_be_missing(s3: S3, args: list[str]):
    helper(s3, str(FIXTURES / "titles" / "aes128"), "titles-out", "--prefix", "TS/")
    done = helper(s3, *args)
    uri = args[-1]
    _one_error(done, f"{uri} does not exist: nothing was changed",
               "check the key (list it: hlsinspect check s3://BUCKET/PREFIX/ --endpoint-url "
               "URL), or upload the title first")
    assert done.stdout == ""


def test_the_help_says_what_the_helper_does_in_full(s3: S3):
    text = helper(s3, "--help").stdout
    assert "for trying hlsinspect,\nand damage it the way a broken transcode would" in text
    assert "--endpoint-url http://127.0.0.1:5000 \\\n" in text


def test_the_readme_sends_the_server_log_where_git_ignores_it():
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    logs = re.findall(r"moto_server .*?> (\S+)", readme)
    assert logs
    for log in logs:
        ignored = subprocess.run(["git", "check-ignore", "-q", log], cwd=FIXTURES.parent)
        assert ignored.returncode == 0, f"{log} is not covered by .gitignore"
