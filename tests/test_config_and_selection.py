"""--rules, --select, --ignore, and the same settings from .hlsinspect.toml or pyproject.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

LADDER = FIXTURES / "titles" / "ts-ladder"
TS = b"\x47" + b"\x00" * 187


@pytest.fixture()
def title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A media playlist with a missing segment and a version info, in the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.ts").write_bytes(TS)
    (tmp_path / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\ngone.ts\n#EXT-X-ENDLIST\n")
    return tmp_path / "index.m3u8"


def names(run) -> set[str]:
    return {f["name"] for f in run.json["findings"]}


def test_default_run(cli, title: Path):
    run = cli("check", str(title), "--format", "json")
    assert names(run) == {"segment-missing", "version-higher-than-needed"}
    assert run.exit_code == 1


@pytest.mark.parametrize("token", ["HLS010", "segment-missing", "hls010"])
def test_ignore_by_code_or_name(cli, title: Path, token: str):
    run = cli("check", str(title), "--format", "json", "--ignore", token)
    assert names(run) == {"version-higher-than-needed"}
    assert run.exit_code == 0


def test_select_runs_only_the_named_rules(cli, title: Path):
    run = cli("check", str(title), "--format", "json", "--select", "HLS112,playlist-empty")
    assert names(run) == {"version-higher-than-needed"}
    run = cli("check", str(title), "--format", "json", "--select", "HLS010",
              "--select", "HLS112", "--ignore", "HLS112")
    assert names(run) == {"segment-missing"}


def test_unknown_rule_is_a_usage_error_pointing_at_the_list(cli, title: Path):
    run = cli("check", str(title), "--ignore", "segment-mising", "--format", "json")
    assert run.exit_code == 2
    assert "did you mean segment-missing?" in run.stderr
    assert "'hlsinspect rules' lists all" in run.stderr
    assert len(run.stderr) < 400  # the guess is not buried under 200 rule names
    assert json.loads(run.stdout)["error"]["kind"] == "usage"


def test_apple_profile_adds_apple_rules(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    master = (LADDER / "master.m3u8").read_text().replace("BANDWIDTH=113443", "BANDWIDTH=300000")
    for path in LADDER.rglob("*"):
        if path.is_file():
            target = tmp_path / path.relative_to(LADDER)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (tmp_path / "master.m3u8").write_text(master)
    rfc = cli("check", str(tmp_path / "master.m3u8"), "--format", "json")
    apple = cli("check", str(tmp_path / "master.m3u8"), "--format", "json", "--rules", "apple")
    assert "apple-bandwidth-not-within-10-percent" not in names(rfc)
    assert "apple-bandwidth-not-within-10-percent" in names(apple)


def test_settings_from_pyproject(cli, title: Path):
    (title.parent / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.hlsinspect]\nignore = ["segment-missing"]\n'
        'fail-on = "warning"\n')
    run = cli("check", str(title), "--format", "json")
    assert names(run) == {"version-higher-than-needed"}
    assert run.exit_code == 0  # an info does not fail even with fail-on warning
    # the command line wins
    run = cli("check", str(title), "--format", "json", "--ignore", "HLS112")
    assert names(run) == {"segment-missing"}


def test_dedicated_file_may_keep_the_pyproject_table_header(cli, title: Path):
    (title.parent / ".hlsinspect.toml").write_text('[tool.hlsinspect]\nignore = ["HLS112"]\n')
    run = cli("check", str(title), "--format", "json")
    assert names(run) == {"segment-missing"}


def test_dedicated_file_wins_over_pyproject(cli, title: Path):
    (title.parent / "pyproject.toml").write_text('[tool.hlsinspect]\nignore = ["HLS010"]\n')
    (title.parent / ".hlsinspect.toml").write_text('ignore = ["HLS112"]\n')
    run = cli("check", str(title), "--format", "json")
    assert names(run) == {"segment-missing"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param('ignroe = ["HLS010"]\n', "unknown setting 'ignroe'; did you mean ignore?",
                     id="unknown-key"),
        pytest.param('rules = "strict"\n', "rules must be rfc or apple", id="bad-choice"),
        pytest.param("concurrency = 0\n", "concurrency must be", id="bad-number"),
        pytest.param('ignore = ["nope"]\n', ".hlsinspect.toml: ignore: no rule named 'nope'",
                     id="unknown-rule"),
        pytest.param('select = ["HLS010,segment-mising"]\n', "select: no rule named "
                     "'segment-mising'; did you mean segment-missing?", id="unknown-in-list"),
        pytest.param("ignore = [\n", "cannot read", id="bad-toml"),
    ],
)
def test_bad_settings_file_is_exit_2(cli, title: Path, text: str, words: str):
    (title.parent / ".hlsinspect.toml").write_text(text)
    run = cli("check", str(title))
    assert run.exit_code == 2
    assert words in run.stderr
    assert "Traceback" not in run.stderr


def test_rules_command_lists_profile_scope_and_reference(cli):
    listed = json.loads(cli("rules", "--format", "json").stdout)
    by_name = {r["name"]: r for r in listed}
    assert by_name["segment-missing"]["scope"] == "object"
    assert by_name["apple-bandwidth-not-within-10-percent"]["profile"] == "apple"
    assert all(r["reference"] and r["summary"] for r in listed)
    assert [r["code"] for r in listed] == sorted(r["code"] for r in listed)
    table = cli("rules").stdout
    assert "HLS010" in table and "segment-missing" in table


def test_rules_piped_put_each_rule_on_a_line_of_its_own_for_grep(cli):
    """`hlsinspect rules | grep NAME` finds the rule's own line: code, name, severity."""
    lines = cli("rules").stdout.splitlines()
    for item in json.loads(cli("rules", "--format", "json").stdout):
        head = f"{item['code']} {item['name']}  {item['severity']}, {item['profile']}, "
        assert sum(line.startswith(head) for line in lines) == 1, item["name"]
