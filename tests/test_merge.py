"""JSON reports read back: `Report.from_dict` undoes `to_dict`, so reports can be combined.

The inputs are real reports: `hlsinspect check` over copies of the bundled fixtures, one of
them damaged; only the `shard` member is edited by hand, as `check --shard K/N` would set it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hlsinspect.report import Report, Severity
from tests.conftest import FIXTURES, SAMPLE_KEY

SHARD_1 = ("ts-ladder", "cmaf")
SHARD_2 = ("aes128", "single-file", "elastic-transcoder")


@pytest.fixture()
def titles(tmp_path: Path) -> Path:
    """A copy of the bundled titles with one segment of the TS ladder deleted."""
    root = tmp_path / "titles"
    shutil.copytree(FIXTURES / "titles", root)
    (root / "ts-ladder/stream_1/seg001.ts").unlink()
    return root


def check(cli: Any, out: Path, *targets: Path, shard: tuple[int, int] | None = None,
          options: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON report `check` writes for `targets`, marked as shard K/N when given."""
    run = cli("check", *map(str, targets), "--format", "json", "--output", str(out), *options)
    assert run.exit_code in (0, 1, 2), run.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    if shard is not None:
        data["shard"] = {"index": shard[0], "count": shard[1]}
        out.write_text(json.dumps(data))
    return data


@pytest.mark.parametrize("targets", [
    pytest.param((FIXTURES / "app1-transcoder-out",), id="media-playlist-with-findings"),
    pytest.param(tuple(FIXTURES / "titles" / n for n in SHARD_1), id="multivariant"),
    pytest.param(tuple(FIXTURES / "titles" / n for n in SHARD_2), id="byteranges-keys"),
    pytest.param((Path("no-such-dir"),), id="error-report"),
])
def test_from_dict_is_the_inverse_of_to_dict(cli, tmp_path: Path, targets: tuple[Path, ...]):
    if targets[0].name == "app1-transcoder-out":
        shutil.copytree(targets[0], tmp_path / "app1")
        (tmp_path / "app1" / SAMPLE_KEY).with_name("sample00003.ts").unlink()
        targets = (tmp_path / "app1",)
    data = check(cli, tmp_path / "r.json", *targets, shard=(2, 3),
                 options=("--fail-on", "warning"))
    assert Report.from_dict(data).to_dict() == data
    assert (data["fail_on"], data["shard"]) == ("warning", {"index": 2, "count": 3})


def test_a_report_without_the_newer_members_still_reads(cli, titles: Path, tmp_path: Path):
    data = check(cli, tmp_path / "r.json", titles / "ts-ladder")
    del data["fail_on"], data["shard"]
    report = Report.from_dict(data)
    assert (report.fail_on, report.shard) == (Severity.ERROR, None)
    assert report.objects.present == report.objects.checked - 1 == 11
