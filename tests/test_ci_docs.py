"""docs/ci.md's recipes are valid CI files whose hlsinspect commands use options that exist,
so a renamed option cannot leave the recipes behind."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from hlsinspect.cli.reference import commands
from hlsinspect.render.formats import OutputFormat

DOC = Path(__file__).resolve().parent.parent / "docs" / "ci.md"
def recipes() -> list[dict[str, Any]]:
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(encoding="utf-8"),
                        re.MULTILINE | re.DOTALL)
    return [yaml.safe_load(block) for block in blocks]


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return []


def invocations() -> list[list[str]]:
    """Every `hlsinspect COMMAND ...` in the recipes, up to a shell operator."""
    found = []
    for text in (s for recipe in recipes() for s in strings(recipe)):
        for match in re.finditer(r"hlsinspect (\w+)([^\n|>]*)", text.replace("\n", " ")):
            found.append([match.group(1), *shlex.split(match.group(2))])
    return found


def test_the_recipes_run_after_the_transcode_and_keep_their_reports():
    github, gitlab = recipes()
    assert github["jobs"]["hls-qa"]["needs"] == "transcode"
    assert gitlab["hls-qa"]["needs"] == ["transcode"]
    assert gitlab["hls-qa"]["artifacts"]["when"] == "always"
    assert set(gitlab["hls-qa"]["artifacts"]["reports"]) == {"junit", "codequality"}
    steps = " ".join(strings(github["jobs"]["hls-qa"]["steps"]))
    assert "--format github" in steps and '--format markdown >> "$GITHUB_STEP_SUMMARY"' in steps


@pytest.mark.parametrize("command", invocations(), ids=lambda c: " ".join(c)[:60])
def test_every_option_in_the_recipes_exists(command: list[str]):
    name, *args = command
    known = commands()
    assert name in known
    options = {o for param in known[name].params for o in param.opts}
    named = [a.split("=")[0] for a in args if a.startswith("-")]
    assert [o for o in named if o not in options] == []
    formats = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--format"]
    assert set(formats) <= {f.value for f in OutputFormat}
