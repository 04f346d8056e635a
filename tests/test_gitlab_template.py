"""The GitLab CI template, its job's script run as a runner runs it (one `sh -e` script of
the lines, the template's variables in the environment), with `hlsinspect` on PATH as the
image would have it: Code Quality and JUnit reports written whatever the verdict, and the job
failing exactly when `check` exits non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.faulty_title import COUNTS, faulty_title

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "ci/gitlab/hlsinspect.gitlab-ci.yml"
SAMPLE = ROOT / "fixtures/app1-transcoder-out/HLS/1M/D0002021500_00000/sample.m3u8"


def run_job(workspace: Path, **variables: str) -> int:
    jobs = yaml.safe_load(TEMPLATE.read_text())
    template = jobs[".hlsinspect"]
    assert jobs["hlsinspect"]["extends"] == ".hlsinspect"
    shim = workspace.parent / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "hlsinspect").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m hlsinspect "$@"\n')
    (shim / "hlsinspect").chmod(0o755)
    env = {**os.environ, **template["variables"], "HLSINSPECT_PACKAGE": "", **variables,
           "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "CI": "true", "GITLAB_CI": "true"}
    done = subprocess.run(["sh", "-e", "-c", "\n".join(template["script"])], cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    space = tmp_path / "project"
    space.mkdir()
    return space


def test_findings_fail_the_job_and_fill_both_reports(workspace: Path):
    master = faulty_title(workspace)
    assert run_job(workspace, HLSINSPECT_TARGETS=str(master.relative_to(workspace))) == 1
    artifacts = yaml.safe_load(TEMPLATE.read_text())[".hlsinspect"]["artifacts"]
    assert artifacts["when"] == "always"
    issues = json.loads((workspace / artifacts["reports"]["codequality"]).read_text())
    assert sum(1 for i in issues if i["severity"] in ("major", "critical", "blocker")) >= 1
    assert "ts-ladder/stream_1/index.m3u8" in {i["location"]["path"] for i in issues}
    assert len(issues) == sum(COUNTS.values())
    junit = (workspace / artifacts["reports"]["junit"]).read_text()
    assert "<testsuite" in junit and "segment-missing" in junit
    assert json.loads((workspace / "hlsinspect.json").read_text())["ok"] is False


def test_a_clean_title_passes(workspace: Path):
    assert run_job(workspace, HLSINSPECT_TARGETS=str(SAMPLE)) == 0
    assert json.loads((workspace / "gl-code-quality-report.json").read_text()) == []


def test_fail_on_warning(workspace: Path):
    master = faulty_title(workspace)
    ignore = "--ignore segment-missing,target-duration-mismatch,extinf-exceeds-target-duration"
    assert run_job(workspace, HLSINSPECT_TARGETS=str(master), HLSINSPECT_ARGS=ignore) == 0
    assert run_job(workspace, HLSINSPECT_TARGETS=str(master), HLSINSPECT_ARGS=ignore,
                   HLSINSPECT_FAIL_ON="warning") == 1
