"""Small mends of the command line a new user runs into: a typo's hint names the command
meant, the help shows what to type, and a wrong argument is refused with the fix."""

from __future__ import annotations

import pytest

from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_DIR, SAMPLE_KEY

PLAYLIST = str(SAMPLE_DIR / "sample.m3u8")


@pytest.mark.parametrize(("typed", "meant"), [
    pytest.param("chek", "check", id="letter-dropped"),
    pytest.param("cehck", "check", id="letters-swapped"),
    pytest.param("rule", "rules", id="plural"),
    pytest.param("polcy", "policy", id="policy"),
    pytest.param("mrege", "merge", id="merge"),
])
def test_a_typo_suggests_the_one_closest_command(cli, typed: str, meant: str):
    run = cli(typed, PLAYLIST)
    assert run.exit_code == 2
    assert run.stderr.splitlines()[0] == (
        f"hlsinspect: error: no such command {typed!r}; did you mean {meant!r}?")


def test_nothing_close_suggests_nothing(cli):
    run = cli("xyzzy")
    assert run.exit_code == 2
    assert run.stderr.splitlines() == ["hlsinspect: error: no such command 'xyzzy'",
                                       "hint: run 'hlsinspect --help' for the commands and "
                                       "options"]


@pytest.mark.parametrize(("command", "usage", "argument"), [
    pytest.param("check", "check [OPTIONS] TARGET...", "  TARGET...  ",
                 id="check"),
    pytest.param("merge", "merge [OPTIONS] REPORT.json...",
                 "  REPORT.json...  ", id="merge"),
    pytest.param("show", "show [OPTIONS] TARGET", "  TARGET  ", id="show"),
])
def test_help_shows_arguments_as_they_are_typed(cli, command: str, usage: str, argument: str):
    shown = cli(command, "--help").stdout
    assert shown.splitlines()[0].endswith(f" {usage}")  # after the program name
    assert any(line.startswith(argument) for line in shown.splitlines())
    assert "list[" not in shown and "{" not in shown.splitlines()[0]


@pytest.mark.parametrize("principal", [
    pytest.param("qa-user", id="a-user-name"),
    pytest.param(f"arn:aws:s3:::{BUCKET}", id="a-bucket-arn"),
    pytest.param("arn:aws:iam::1234:user/qa", id="short-account-id"),
    pytest.param("*", id="everyone"),
])
def test_policy_refuses_a_principal_that_is_no_iam_arn(cli, principal: str):
    run = cli("policy", "--bucket", BUCKET, "--principal", principal)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert f"--principal {principal!r} is not an IAM user or role ARN" in run.stderr
    assert "hint: write arn:aws:iam::ACCOUNT_ID:user/NAME" in run.stderr


@pytest.mark.parametrize("principal", [
    "arn:aws:iam::123456789012:user/qa", "arn:aws:iam::123456789012:role/transcode-ci",
    "arn:aws:iam::123456789012:root", "arn:aws-cn:iam::123456789012:role/path/to/qa",
])
def test_policy_takes_user_role_and_account_arns(cli, principal: str):
    assert cli("policy", "--bucket", BUCKET, "--principal", principal).exit_code == 0


def test_a_bucket_option_naming_another_bucket_than_the_target_is_refused(s3_cli):
    run = s3_cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}", "--bucket", "other-bucket")
    assert run.exit_code == 2
    assert f"--bucket other-bucket but target 's3://{BUCKET}/{SAMPLE_KEY}' names bucket" in (
        run.stderr)
    assert "hint: drop --bucket" in run.stderr


def test_the_same_bucket_twice_is_fine(s3_cli, s3: S3):
    run = s3_cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}", "--bucket", BUCKET)
    assert run.exit_code == 0, run.stderr


@pytest.mark.parametrize(("target", "what"), [
    pytest.param(str(FIXTURES / "titles/ts-ladder/stream_0/seg000.ts"), "a media segment",
                 id="local-ts"),
    pytest.param(str(FIXTURES / "titles/cmaf/v0/init_0.mp4"), "a media segment", id="mp4"),
    pytest.param(f"s3://{BUCKET}/HLS/1M/seg.m4s", "a media segment", id="s3-m4s"),
    pytest.param("https://cdn.example.com/a/audio.aac?token=x", "a media segment", id="aac"),
    pytest.param(f"s3://{BUCKET}/posters/title.JPG", "an image", id="image"),
])
def test_a_segment_or_image_target_is_told_to_pass_the_playlist(cli, target: str, what: str):
    run = cli("check", target)
    assert run.exit_code == 2
    assert f"is {what}, not a playlist" in run.stderr
    assert "hint: pass the playlist (.m3u8) that lists it" in run.stderr
    # an HTTP origin cannot be listed: its directory is no target to suggest
    assert ("or its directory or prefix" in run.stderr) is (not target.startswith("https:"))


def test_an_absolute_key_is_hinted_as_one_s3_key(cli):
    run = cli("check", "/no-such-top-directory/HLS/1M/master.m3u8")
    assert run.exit_code == 2
    assert "or s3://BUCKET/no-such-top-directory/HLS/1M/master.m3u8" in run.stderr
    assert "BUCKET//" not in run.stderr


def test_a_missing_local_path_is_hinted_as_a_path(cli, tmp_path):
    run = cli("check", str(tmp_path / "gone" / "master.m3u8"))
    assert run.exit_code == 2
    assert "s3://" not in run.stderr
    assert f"hint: check the path; {tmp_path / 'gone'} does not exist either" in run.stderr
    run = cli("check", str(tmp_path / "master.m3u8"))
    assert f"hint: check the path; {tmp_path} exists" in run.stderr


@pytest.mark.parametrize("typed", [pytest.param("junit", id="lower"),
                                   pytest.param("JUnit", id="mixed-case")])
def test_junit_asked_of_format_is_told_of_the_junit_option(cli, typed: str):
    run = cli("check", PLAYLIST, "--format", typed)
    assert run.exit_code == 2
    assert run.stderr.splitlines()[-1] == (
        "hint: JUnit XML is a file written beside the report: --junit FILE (with --format "
        "table, json, github, gitlab, markdown or html)")


@pytest.mark.parametrize("command", ["check", "merge"])
def test_help_ends_with_the_exit_codes(cli, command: str):
    text = " ".join(cli(command, "--help").stdout.split())
    assert "Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 nothing" in text
    assert "130 interrupted" in text and "143 terminated (SIGTERM)" in text
