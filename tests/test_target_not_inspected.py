"""A target that could not be read, beside others that could: the finding names it.

`target-not-inspected` has no playlist, so its `uri` is the target; GitLab locates the issue
there (with a fingerprint that does not depend on the order of the targets), JUnit names its
test case after it, and the summary's `playlists_missing` does not count it: it counts
playlists a multivariant playlist references, and a target may be a bucket or a prefix.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR


@pytest.fixture()
def empty(tmp_path: Path) -> Path:
    """A directory with no playlist: a target that cannot be inspected."""
    path = tmp_path / "empty"
    path.mkdir()
    return path


def _run(cli, *args: str):
    run = cli("check", *args)
    assert run.exit_code == 1, run.stderr
    return run


@pytest.mark.parametrize("first", [pytest.param(True, id="failing-first"),
                                   pytest.param(False, id="failing-last")])
def test_the_finding_names_the_target(cli, empty: Path, first: bool):
    targets = [str(empty), str(SAMPLE_DIR)] if first else [str(SAMPLE_DIR), str(empty)]
    report = _run(cli, *targets, "--format", "json").json
    [finding] = report["findings"]
    assert (finding["name"], finding["playlist"], finding["uri"]) == (
        "target-not-inspected", None, str(empty))
    assert report["summary"]["playlists_missing"] == 0


def test_gitlab_locates_the_issue_at_the_target_whatever_the_order(cli, empty: Path):
    issues = [json.loads(_run(cli, *order, "--format", "gitlab").stdout)
              for order in ([str(empty), str(SAMPLE_DIR)], [str(SAMPLE_DIR), str(empty)])]
    [first], [second] = issues
    assert first["location"]["path"] == str(empty)
    assert first["fingerprint"] == second["fingerprint"]
    assert "(object:" not in first["description"]


def test_junit_names_the_target(cli, empty: Path, tmp_path: Path):
    junit = tmp_path / "junit.xml"
    _run(cli, str(SAMPLE_DIR), str(empty), "--junit", str(junit))
    [case] = [c for c in ET.parse(junit).getroot().iter("testcase")
              if c.find("failure") is not None]
    assert (case.get("classname"), case.get("name")) == (str(empty),
                                                         "HLS023 target-not-inspected")
    text = case.findtext("failure") or ""
    assert f"({empty})" in text and "()" not in text


def test_github_names_the_target(cli, empty: Path):
    [annotation, *_] = _run(cli, str(SAMPLE_DIR), str(empty), "--format", "github"
                            ).stdout.splitlines()
    assert annotation.startswith("::error title=HLS023 target-not-inspected::")
    assert f"%0Atarget: {empty}" in annotation
