"""`hlsinspect rules CODE|NAME...`: one rule in full, so reading a rule needs no grep."""

from __future__ import annotations

import json

import pytest

from hlsinspect.checks.registry import RULES


def test_one_rule_by_code_shows_everything_a_reader_needs(cli):
    run = cli("rules", "HLS040")
    assert run.exit_code == 0
    out = run.stdout
    assert out.startswith("HLS040 variant-duration-mismatch\n")
    assert "Severity:   rfc: error; apple: error" in out
    assert "Scope:      title (" in out
    assert "Reference:  RFC 8216 6.2.4; Apple HLS 8.3" in out
    assert "Fix:        a rendition shorter than the others was cut short" in out
    assert "Defined in: hlsinspect.checks.title" in out
    assert "  Fails:" in out and "  Passes:" in out
    assert "#EXT-X-STREAM-INF:BANDWIDTH=100000" in out
    assert "segment-missing" not in out.split("\n", 1)[0]


def test_rules_by_name_and_code_in_the_order_given(cli):
    out = cli("rules", "segment-missing", "HLS040").stdout
    heads = [line for line in out.splitlines() if line.startswith("HLS")]
    assert heads == ["HLS010 segment-missing", "HLS040 variant-duration-mismatch"]
    assert "Defined in: hlsinspect.checks.objects" in out  # a rule the pipeline reports


def test_apple_rule_says_it_runs_only_under_apple(cli):
    out = cli("rules", "apple-bandwidth-not-within-10-percent").stdout
    assert "Severity:   apple: " in out and "(not run under --rules rfc)" in out


def test_every_rule_names_the_module_that_defines_it():
    for item in RULES.values():
        assert item.module.startswith("hlsinspect.checks."), item.name


@pytest.mark.parametrize(("token", "near"), [
    pytest.param("segmnt-missing", "segment-missing", id="misspelt-name"),
    pytest.param("HLS01", "HLS010", id="short-code"),
])
def test_unknown_rule_is_exit_2_with_the_nearest_names(cli, token, near):
    run = cli("rules", token)
    assert run.exit_code == 2
    assert f"no rule named {token!r}; nearest: " in run.stderr
    assert near in run.stderr.splitlines()[0]
    assert run.stdout == ""


def test_named_rules_as_json_keep_the_list_shape(cli):
    listed = json.loads(cli("rules", "HLS010", "--format", "json").stdout)
    assert [r["name"] for r in listed] == ["segment-missing"]
    assert listed[0]["module"] == "hlsinspect.checks.objects"
