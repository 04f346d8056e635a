"""The Dockerfile passes hadolint and builds the image the README documents: the command line
as ENTRYPOINT by default, an AWS Lambda target, an unprivileged user in both.

No registry is reachable where the tests run, so the image itself is not built here; its
install step (the wheel alone, through constraints.txt) is what test_packaging.py runs in a
fresh virtual environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions (continuation lines joined), by stage name."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            current = found.setdefault(rest.split(" AS ")[-1].strip(), [])
        current.append((word.upper(), rest.strip()))
    return found


def last(stage: list[tuple[str, str]], word: str) -> str:
    return [rest for w, rest in stage if w == word][-1]


def test_hadolint_passes():
    done = subprocess.run([str(HADOLINT), "--failure-threshold", "info", str(DOCKERFILE)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_default_image_is_the_command_line_as_a_user():
    found = stages()
    assert list(found)[-1] == "cli"  # what `docker build .` makes
    assert json.loads(last(found["cli"], "ENTRYPOINT")) == ["hlsinspect"]
    assert last(found["cli"], "USER") not in ("root", "0")
    assert found["runtime"][0][1].startswith("python:${PYTHON_VERSION}-slim")


def test_lambda_target_runs_the_handler():
    found = stages()
    assert json.loads(last(found["lambda"], "ENTRYPOINT")) == ["python", "-m", "awslambdaric"]
    assert json.loads(last(found["lambda"], "CMD")) == ["hlsinspect.aws_lambda.handler"]
    assert last(found["lambda"], "USER") not in ("root", "0")


def test_the_build_stage_copies_what_the_build_reads():
    copied = {name for word, rest in stages()["wheel"] if word == "COPY"
              for name in rest.split()[:-1]}
    manifest = (ROOT / "MANIFEST.in").read_text().split()[1:]
    assert {"pyproject.toml", "README.md", "hlsinspect", *manifest} <= copied
    assert all((ROOT / name).exists() for name in copied)
