"""The deployment template: cfn-lint passes, and the function's role is least privilege
(read the output bucket, write only the report prefix), wired to the handler as it reads its
settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

from hlsinspect.aws_lambda import checking
from hlsinspect.config import KEYS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy/template.yaml"
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def template() -> dict[str, Any]:
    loaded, problems = decode(str(TEMPLATE))
    assert not problems
    assert loaded is not None
    return dict(loaded)


def statements(role: str) -> dict[str, dict[str, Any]]:
    [policy] = template()["Resources"][role]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_cfn_lint_passes():
    done = subprocess.run([str(CFN_LINT), str(TEMPLATE)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_function_role_reads_the_output_and_writes_only_the_report_prefix():
    found = statements("FunctionRole")
    granted = {sid: (s["Action"], s["Resource"]) for sid, s in found.items()}
    assert granted["ReadTheOutput"] == (
        "s3:GetObject", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${OutputBucketName}/*"})
    assert granted["ListTheOutput"] == (
        "s3:ListBucket", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${OutputBucketName}"})
    assert granted["WriteTheReports"] == (
        "s3:PutObject",
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ReportBucketName}/${ReportPrefix}*"})
    s3_actions = {a for action, _ in granted.values()
                  for a in ([action] if isinstance(action, str) else action)
                  if a.startswith("s3:")}
    assert s3_actions == {"s3:GetObject", "s3:ListBucket", "s3:PutObject"}
    assert all(s["Effect"] == "Allow" and "*" not in str(s["Action"]) for s in found.values())


def test_function_runs_the_handler_with_its_settings():
    resources = template()["Resources"]
    function = resources["Function"]["Properties"]
    assert function["Handler"]["Fn::If"][2] == "hlsinspect.aws_lambda.handler"
    variables = function["Environment"]["Variables"]
    assert variables["HLSINSPECT_REPORT_PREFIX"] == {
        "Fn::Sub": "s3://${ReportBucketName}/${ReportPrefix}"}
    # every variable is one the handler reads itself or a setting named like an option
    own = {f"HLSINSPECT_{name}" for name in checking.OWN}
    settings = {f"HLSINSPECT_{key.upper().replace('-', '_')}"
                for key in KEYS}
    assert set(variables) <= own | settings
    mapping = resources["QueueToFunction"]["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    rule = resources["PlaylistCreated"]["Properties"]["EventPattern"]
    assert (rule["source"], rule["detail-type"]) == (["aws.s3"], ["Object Created"])
