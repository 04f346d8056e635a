"""Access problems, with moto's IAM enforcement switched on (real signatures, real policies)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BUCKET, S3, SAMPLE_KEY

URI = f"s3://{BUCKET}/{SAMPLE_KEY}"
LIST = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}"}
GET_ALL = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
GET_PLAYLISTS = {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{BUCKET}/*.m3u8"}




def test_read_only_user_passes(s3_cli, as_user):
    as_user([LIST, GET_ALL])
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["playlists"][0]["segment_count"] == 6


def test_read_only_user_sees_missing_segment(s3_cli, s3: S3, as_user):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    as_user([LIST, GET_ALL])
    run = s3_cli("check", URI, "--format", "json")
    assert run.exit_code == 1
    assert run.names() == ["segment-missing"]


def test_unknown_access_key_exits_2(s3_cli, s3: S3, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret-value")
    s3.enable_iam()
    run = s3_cli("check", URI)
    assert run.exit_code == 2
    assert "InvalidAccessKeyId" in run.stderr
    assert "credentials were rejected" in run.stderr
    assert "not-a-real-secret-value" not in run.stderr + run.stdout
    assert "Traceback" not in run.stderr


def test_wrong_secret_exits_2_without_printing_it(s3_cli, s3: S3, as_user, monkeypatch):
    as_user([LIST, GET_ALL])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-do-not-print")
    run = s3_cli("check", URI)
    assert run.exit_code == 2
    assert "SignatureDoesNotMatch" in run.stderr
    assert "wrong-secret-do-not-print" not in run.stderr + run.stdout


def test_no_get_object_on_playlist_names_the_permission(s3_cli, as_user):
    as_user([LIST])
    run = s3_cli("check", URI)
    assert run.exit_code == 2
    lines = run.stderr.splitlines()
    assert lines[0].startswith(f"hlsinspect: error: cannot read {URI}: AccessDenied (403)")
    assert lines[1] == (
        f"hint: grant s3:GetObject on arn:aws:s3:::{BUCKET}/* "
        f"(see: hlsinspect policy --bucket {BUCKET} --principal ARN)")


@pytest.mark.parametrize(("statements", "fix"), [
    pytest.param([LIST, GET_PLAYLISTS], "grant s3:GetObject", id="listing-granted"),
    pytest.param([GET_PLAYLISTS], "grant s3:ListBucket", id="no-listing"),
])
def test_forbidden_segments_are_unverified_not_missing(s3_cli, s3: S3, as_user,
                                                       statements: list, fix: str):
    """A 403 on HEAD never becomes segment-missing: S3 says 403 for missing keys too. The
    fix names what is lacking: s3:GetObject when the bucket could be listed (ListBucket
    would change nothing), s3:ListBucket when it could not."""
    as_user(statements)
    run = s3_cli("check", URI, "--format", "json", "--verify", "head")
    assert run.exit_code == 1
    names = run.names()
    assert names == ["object-unverified"] * 6
    assert "s3:ListBucket" in run.json["findings"][0]["message"]
    assert all(f["hint"].startswith(fix) for f in run.json["findings"])
    assert run.json["summary"]["missing"] == 0
    assert run.json["summary"]["unknown"] == 6


def test_prefix_without_list_permission_names_it(s3_cli, as_user):
    as_user([GET_ALL])
    run = s3_cli("check", f"s3://{BUCKET}/")
    assert run.exit_code == 2
    assert f"s3:ListBucket on arn:aws:s3:::{BUCKET}" in run.stderr


def test_policy_command_prints_what_the_user_needs(cli):
    run = cli("policy", "--bucket", BUCKET, "--iam")
    assert run.exit_code == 0
    document = json.loads(run.stdout)
    actions = {s["Action"][0]: s["Resource"][0] for s in document["Statement"]}
    assert actions == {"s3:ListBucket": f"arn:aws:s3:::{BUCKET}",
                       "s3:GetObject": f"arn:aws:s3:::{BUCKET}/*"}
    principal = "arn:aws:iam::123456789012:user/qa"
    run = cli("policy", "--bucket", BUCKET, "--principal", principal)
    assert json.loads(run.stdout)["Statement"][0]["Principal"] == {"AWS": principal}
    assert cli("policy", "--bucket", BUCKET).exit_code == 2


def test_the_printed_policy_is_enough(s3_cli, cli, as_user):
    """The identity policy `hlsinspect policy --iam` prints lets a check run to the end."""
    document = json.loads(cli("policy", "--bucket", BUCKET, "--iam").stdout)
    as_user(document["Statement"])
    # The bucket root: moto 5's signature check rejects a ListObjectsV2 whose Prefix holds a
    # "/" when IAM is enforced (getmoto/moto#5948); real S3 signs and accepts it.
    run = s3_cli("check", f"s3://{BUCKET}/", "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json["summary"]["segments"] == 6


def test_an_unverifiable_preload_hint_is_info_like_a_missing_one(s3_cli, s3: S3, as_user):
    """A HEAD denied (403) leaves existence unknown: for a segment an error (it may be
    missing), for a preload hint info (its object need not exist yet)."""
    ts = b"\x47" + b"\x00" * 187
    s3.put("ll/index.m3u8", "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n"
           "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3\n"
           "#EXT-X-PART-INF:PART-TARGET=1\n#EXTINF:4.0,\ns0.ts\n#EXTINF:4.0,\ns1.ts\n"
           '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s2.ts"\n')
    s3.put("ll/s0.ts", ts)
    as_user([{"Effect": "Allow", "Action": "s3:GetObject",
               "Resource": [f"arn:aws:s3:::{BUCKET}/ll/index.m3u8",
                            f"arn:aws:s3:::{BUCKET}/ll/s0.ts"]}])
    run = s3_cli("check", f"s3://{BUCKET}/ll/index.m3u8", "--format", "json",
                 "--verify", "head")
    unverified = {f["uri"].rsplit("/", 1)[1]: f["severity"] for f in run.json["findings"]
                  if f["name"] == "object-unverified"}
    assert unverified == {"s1.ts": "error", "s2.ts": "info"}
