"""The JSON Schema of the report: committed, complete, open, and true of real reports.

The published schema is open (members may be added within schema_version 1). Real reports of
every fixture (on disk and on S3), of a damaged title, of a shard and of a merge, and error
documents, are validated with jsonschema's draft 2020-12 validator against its strict variant,
which closes every object, so a member added to the report without being added to the schema
fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from hlsinspect.schema import closed, report_schema
from tests.conftest import BUCKET, FIXTURES, S3, SAMPLE_KEY
from tests.faulty_title import faulty_title

DOCS = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"
VALIDATOR = Draft202012Validator(closed(report_schema()),
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
"""The strict variant: every object closed."""
PUBLISHED = Draft202012Validator(report_schema(),
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)

LOCAL = sorted([FIXTURES / "app1-transcoder-out", FIXTURES / "titles",
                *(FIXTURES / "titles").iterdir()])


def test_committed_schema_is_what_hlsinspect_schema_prints(cli):
    """Regenerate with: hlsinspect schema > docs/report.schema.json"""
    run = cli("schema")
    assert run.exit_code == 0
    assert DOCS.read_text() == run.stdout


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(report_schema())


def _members(schema: Any, where: str = "") -> list[tuple[str, Any]]:
    """Every (path, schema) of an object member, however deeply nested."""
    found: list[tuple[str, Any]] = []
    if isinstance(schema, dict):
        for name, member in schema.get("properties", {}).items():
            found.append((f"{where}.{name}", member))
        for key, value in schema.items():
            if key in ("properties", "items", "anyOf"):  # not if/then/else: constraints
                values = value.values() if key == "properties" else (
                    value if isinstance(value, list) else [value])
                for child in values:
                    found.extend(_members(child, where))
    return found


def test_every_member_is_described_and_only_the_strict_variant_closed():
    members = _members(report_schema())
    assert len(members) > 60
    assert [path for path, member in members
            if member is not False and not member.get("description")] == []
    assert "additionalProperties" not in json.dumps(report_schema())
    assert "members may be added" in report_schema()["description"]
    strict = json.dumps(closed(report_schema()))
    assert strict.count('"type": "object"') == strict.count('"additionalProperties": false')


def valid(document: dict[str, Any]) -> dict[str, Any]:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []
    return document


@pytest.mark.parametrize("target", LOCAL, ids=lambda p: p.name)
def test_reports_of_every_local_fixture_are_valid(cli, target: Path):
    run = cli("check", str(target), "--format", "json")
    assert run.exit_code in (0, 1)
    valid(run.json)


def test_report_of_a_damaged_title_is_valid(cli, tmp_path: Path):
    master = faulty_title(tmp_path)
    (master.parent / "stream_1/index.m3u8").unlink()  # a missing variant: no facts at all
    report = valid(cli("check", str(master), "--format", "json").json)
    statuses = {p["uri"].rpartition("/ts-ladder/")[2]: p["load_status"]
                for p in report["playlists"]}
    assert statuses["stream_1/index.m3u8"] == "missing"
    assert {f["severity"] for f in report["findings"]} == {"error", "warning", "info"}


def test_report_of_an_s3_title_is_valid(s3_cli, s3: S3):
    s3.delete("HLS/1M/D0002021500_00000/sample00003.ts")
    run = s3_cli("check", f"s3://{BUCKET}/{SAMPLE_KEY}", "--format", "json")
    assert run.exit_code == 1
    valid(run.json)


@pytest.mark.parametrize("args", [
    pytest.param(["check", "s3://no-such-bucket/x.m3u8", "--endpoint-url", "http://127.0.0.1:9"],
                 id="endpoint-unreachable"),
    pytest.param(["check", "--concurrency", "0", str(FIXTURES)], id="usage"),
    pytest.param(["merge", "no-such-report.json"], id="merge-input"),
])
def test_error_documents_are_valid(cli, args: list[str]):
    run = cli(*args, "--format", "json")
    assert run.exit_code == 2
    assert valid(run.json)["ok"] is False


def test_shard_and_merged_reports_are_valid(cli, tmp_path: Path):
    paths = []
    for index in (1, 2):
        out = tmp_path / f"{index}.json"
        run = cli("check", str(FIXTURES / "titles"), "--shard", f"{index}/2", "--format",
                  "json", "--output", str(out))
        assert run.exit_code in (0, 1)
        assert valid(json.loads(out.read_text()))["shard"] == {"index": index, "count": 2}
        paths.append(str(out))
    merged = cli("merge", *paths, "--format", "json")
    assert merged.exit_code in (0, 1)
    assert valid(merged.json)["shard"] is None


@pytest.mark.parametrize(("change", "words"), [
    pytest.param(lambda r: r.update(added=1), "Additional properties", id="new-member"),
    pytest.param(lambda r: r["findings"][0].update(column=3), "Additional properties",
                 id="new-finding-member"),
    pytest.param(lambda r: r["playlists"][0].update(kind="master"), "is not one of",
                 id="renamed-kind"),
    pytest.param(lambda r: r["summary"].pop("infos"), "'infos' is a required property",
                 id="removed-member"),
    pytest.param(lambda r: r.update(error={"kind": "x", "message": "y", "hint": None}),
                 "False was expected", id="error-but-ok"),
])
def test_drift_fails_strict_validation(cli, change, words: str):
    report = cli("check", str(FIXTURES / "titles"), "--format", "json").json
    assert report["ok"] is True
    change(report)
    with pytest.raises(ValidationError, match=words):
        VALIDATOR.validate(report)


def test_an_interrupted_runs_document_is_valid():
    from hlsinspect.render.json import error_report, render_json

    report = error_report(["s3://b/x.m3u8"], "interrupted", "interrupted before the "
                          "inspection was complete", None)
    assert valid(json.loads(render_json(report)))["incomplete"] is True


@pytest.mark.parametrize(("change", "accepted"), [
    pytest.param(lambda r: r.update(added=1), True, id="new-member"),
    pytest.param(lambda r: r["summary"].update(added=1), True, id="new-summary-member"),
    pytest.param(lambda r: r["findings"].append({**r["findings"][0], "column": 3}), True,
                 id="new-finding-member"),
    pytest.param(lambda r: r["summary"].pop("infos"), False, id="removed-member"),
    pytest.param(lambda r: r["playlists"][0].update(kind="master"), False, id="renamed-kind"),
])
def test_the_published_schema_accepts_added_members_only(cli, change, accepted: bool):
    """What the README promises a reader: a later 1.x report still validates."""
    report = cli("check", str(FIXTURES / "app1-transcoder-out"), "--format", "json").json
    report["findings"].append({"code": "HLS010", "name": "segment-missing",
                               "severity": "error", "message": "m", "playlist": None,
                               "uri": None, "line": None, "reference": None, "hint": None,
                               "observed": None, "expected": None})
    change(report)
    assert PUBLISHED.is_valid(report) is accepted


def test_a_stopped_runs_report_of_what_it_completed_is_valid():
    from dataclasses import replace

    from hlsinspect.engine import inspect
    from hlsinspect.render.json import render_json

    report = replace(inspect([str(FIXTURES / "titles")]), incomplete="stopped")
    document = valid(json.loads(render_json(report)))
    assert (document["incomplete"], document["ok"], "error" in document) == (True, False, False)
    assert document["playlists"]
