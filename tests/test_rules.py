"""Every rule's own examples, run through the whole pipeline from the registry.

A rule's failing examples must produce its finding and its passing examples must not: one
parametrized test reads them all, so a new rule is tested the moment it is registered.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from hlsinspect.checks import RULES
from hlsinspect.checks.apply import rules_of
from hlsinspect.checks.registry import Example, Rule, Selection, by_code
from hlsinspect.engine import Settings, inspect
from hlsinspect.errors import HlsInspectError
from hlsinspect.render.rules import rules_markdown
from hlsinspect.report import Severity
from hlsinspect.settings import ProbeSettings

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ("segment-missing", "object-unverified", "init-segment-missing", "key-missing",
            "playlist-missing", "playlist-unreadable", "playlist-parse-error", "playlist-empty",
            "target-duration-missing", "extinf-exceeds-target-duration", "endlist-missing",
            "byterange-out-of-bounds", "segment-empty", "uri-escapes-root",
            "external-uri-not-checked", "variant-duration-mismatch")


def run_example(example: Example, tmp_path: Path, selection: Selection) -> set[str]:
    """The names of the findings the example's targets produce."""
    for name, content in example.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    targets = [str(tmp_path / target) for target in example.targets]
    try:
        report = inspect(targets, root=str(tmp_path),
                         settings=Settings(rules=selection, raise_errors=True,
                                           probe=ProbeSettings.of(example.probe)))
    except HlsInspectError as exc:
        pytest.fail(f"the example could not be inspected at all: {exc.message}")
    return {f.name for f in report.findings}


def _cases() -> list[object]:
    cases = []
    for item in by_code():
        for number, example in enumerate(item.failing):
            cases.append(pytest.param(item, example, True, id=f"{item.name}-fails-{number}"))
        for number, example in enumerate(item.passing):
            cases.append(pytest.param(item, example, False, id=f"{item.name}-passes-{number}"))
    return cases


@pytest.mark.parametrize(("rule", "example", "fails"), _cases())
def test_rule_example(rule: Rule, example: Example, fails: bool, tmp_path: Path):
    found = run_example(example, tmp_path, Selection(rule.profile))
    if fails:
        assert rule.name in found, f"expected {rule.name}; found {sorted(found)}"
    else:
        assert rule.name not in found, f"unexpected {rule.name}; found {sorted(found)}"


@pytest.mark.parametrize("rule", by_code(), ids=lambda r: r.name)
def test_rule_is_documented_and_shown_failing(rule: Rule):
    assert re.fullmatch(r"HLS\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary and rule.reference
    assert rule.passing, "every rule has a passing example"
    if rule.tested_by:
        path, _, test = rule.tested_by.partition("::")
        assert f"def {test}(" in (ROOT / path).read_text(), rule.tested_by
    else:
        assert rule.failing, "every rule has a failing example (or names the test that fails)"


def test_contracted_names_are_registered_with_their_severity():
    for name in CONTRACT:
        assert name in RULES
    assert RULES["endlist-missing"].severity is Severity.WARNING
    assert RULES["external-uri-not-checked"].severity is Severity.INFO
    assert len(RULES) >= 80


def test_docs_rules_md_is_generated_from_the_registry():
    expected = rules_markdown(by_code())
    assert (ROOT / "docs" / "rules.md").read_text() == expected, (
        "docs/rules.md is stale: hlsinspect rules --format markdown > docs/rules.md")


def test_a_crashing_rule_is_an_internal_error(tmp_path: Path, monkeypatch):
    """A bug in one rule costs that rule's findings, not the report."""
    def crash(ctx: object) -> list[object]:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(RULES, "playlist-empty",
                        dataclasses.replace(RULES["playlist-empty"], check=crash))
    rules_of.cache_clear()
    try:
        (tmp_path / "index.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:4\n")
        report = inspect([str(tmp_path / "index.m3u8")])
    finally:
        monkeypatch.undo()
        rules_of.cache_clear()
    [error] = [f for f in report.findings if f.name == "internal-error"]
    assert "HLS002 playlist-empty" in error.message and "ZeroDivisionError" in error.message
    assert "endlist-missing" in {f.name for f in report.findings}
