"""The GitHub Action (action.yml) run as a runner runs a composite action.

Each `run:` step is executed with `bash --noprofile --norc -eo pipefail`, its `${{ }}`
expressions substituted (inputs and their defaults, github.action_path, earlier steps'
outputs), in the environment a runner sets: GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
RUNNER_TEMP, the workspace as working directory. HLSINSPECT_ACTION_PYTHON points the install
step at this interpreter, which already imports hlsinspect, so nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.faulty_title import COUNTS, faulty_title

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures/app1-transcoder-out/HLS/1M/D0002021500_00000/sample.m3u8"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


@dataclass
class Job:
    """What one use of the action left: its outcome, outputs, log and summary."""

    failed: bool
    outputs: dict[str, str]
    stdout: str
    summary: str
    steps: dict[str, dict[str, str]] = field(default_factory=dict)


def read_outputs(path: Path) -> dict[str, str]:
    """A GITHUB_OUTPUT file's `name=value` lines (the form the action writes)."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def run_action(inputs: dict[str, str], workspace: Path, tmp: Path) -> Job:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    given = {name: inputs.get(name, spec.get("default", ""))
             for name, spec in action["inputs"].items()}
    missing = [n for n, spec in action["inputs"].items() if spec.get("required")
               and not given[n]]
    assert not missing, f"required inputs not given: {missing}"
    steps: dict[str, dict[str, str]] = {}

    def value(expression: str) -> str:
        head, _, rest = expression.partition(".")
        if head == "inputs":
            return given[rest]
        if expression == "github.action_path":
            return str(ROOT)
        if head == "steps":
            step, _, name = rest.partition(".outputs.")
            return steps.get(step, {}).get(name, "")
        raise AssertionError(f"the runner stand-in does not know ${{{{ {expression} }}}}")

    def substitute(text: Any) -> str:
        return EXPRESSION.sub(lambda m: value(m[1]), str(text))

    summary_all, stdout_all, failed = [], [], False
    temp = tmp / "runner-temp"
    temp.mkdir()
    for number, step in enumerate(action["runs"]["steps"]):
        assert step["shell"] == "bash"
        output, summary = tmp / f"output-{number}", tmp / f"summary-{number}"
        output.touch()
        summary.touch()
        script = tmp / f"step-{number}.sh"
        script.write_text(substitute(step["run"]))
        env = {**os.environ, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               "GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_TEMP": str(temp),
               "GITHUB_WORKSPACE": str(workspace), "HLSINSPECT_ACTION_PYTHON": sys.executable,
               "PYTHONPATH": str(ROOT),
               **{k: substitute(v) for k, v in step.get("env", {}).items()}}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace, env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        steps[step.get("id", str(number))] = read_outputs(output)
        summary_all.append(summary.read_text())
        stdout_all.append(done.stdout)
        if done.returncode != 0:
            failed = True
            break
    outputs = {name: substitute(spec["value"]) for name, spec in action["outputs"].items()}
    return Job(failed, outputs, "".join(stdout_all), "".join(summary_all), steps)


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    space = tmp_path / "workspace"
    space.mkdir()
    return space


def test_a_damaged_title_fails_the_job_with_annotations_and_a_summary(workspace, tmp_path):
    master = faulty_title(workspace)
    job = run_action({"targets": str(master.relative_to(workspace))}, workspace, tmp_path)
    assert job.failed
    assert job.steps["install"] == {"python": sys.executable}
    assert job.outputs["exit-code"] == "1"
    annotations = [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert len([a for a in annotations if a.startswith("::error ")]) == COUNTS["errors"]
    assert any(a.startswith("::error title=HLS010 segment-missing,"
                            "file=ts-ladder/stream_1/index.m3u8,") for a in annotations)
    assert job.summary.startswith("## hlsinspect")
    assert "segment-missing" in job.summary
    report = Path(job.outputs["json"]).read_text()
    assert '"ok": false' in report
    assert "<testsuite" in Path(job.outputs["junit"]).read_text()


def test_a_clean_title_passes(workspace, tmp_path):
    job = run_action({"targets": str(SAMPLE)}, workspace, tmp_path)
    assert not job.failed
    assert job.outputs["exit-code"] == "0"
    assert not [line for line in job.stdout.splitlines() if line.startswith("::error")]
    assert '"ok": true' in Path(job.outputs["json"]).read_text()
    assert job.summary.startswith("## hlsinspect")


def test_fail_on_and_args_reach_the_check(workspace, tmp_path):
    """The damaged title with its errors ignored has a warning left: it passes at the
    default threshold and fails with fail-on: warning; args are split as a shell would."""
    master = faulty_title(workspace)
    ignore = ("--ignore 'segment-missing,target-duration-mismatch' "
              "--ignore extinf-exceeds-target-duration")
    passed = run_action({"targets": str(master), "args": ignore}, workspace, tmp_path)
    assert (passed.failed, passed.outputs["exit-code"]) == (False, "0")
    (tmp_path / "again").mkdir()
    failed = run_action({"targets": str(master), "args": ignore, "fail-on": "warning"},
                        workspace, tmp_path / "again")
    assert (failed.failed, failed.outputs["exit-code"]) == (True, "1")
    assert "::warning title=" in failed.stdout


def test_nothing_inspected_fails_with_a_summary(workspace, tmp_path):
    job = run_action({"targets": "missing/master.m3u8"}, workspace, tmp_path)
    assert job.failed
    assert job.outputs["exit-code"] == "2"
    assert "**ERROR**" in job.summary


def test_a_target_cannot_run_a_command(workspace, tmp_path):
    job = run_action({"targets": "$(touch pwned) `touch pwned2` ; touch pwned3"},
                     workspace, tmp_path)
    assert job.failed
    assert not list(workspace.glob("pwned*"))
