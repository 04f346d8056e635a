"""`hlsinspect merge`: the reports of a sharded audit read back and combined into one.

The inputs are real reports: `hlsinspect check` over copies of the bundled fixtures, one of
them damaged; only the `shard` member is edited by hand, as `check --shard K/N` would set it.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from hlsinspect.report import Report, Severity
from tests.conftest import BUCKET, FIXTURES, SAMPLE_KEY

SHARD_1 = ("ts-ladder", "cmaf")
SHARD_2 = ("aes128", "single-file", "elastic-transcoder")


@pytest.fixture()
def titles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled titles with one segment of the TS ladder deleted, named by a
    path relative to the working directory: a local title's shard is a hash of the target
    as typed, so an absolute path under a fresh temporary directory would split the titles
    differently in every run (and now and then leave a shard empty)."""
    shutil.copytree(FIXTURES / "titles", tmp_path / "titles")
    (tmp_path / "titles/ts-ladder/stream_1/seg001.ts").unlink()
    monkeypatch.chdir(tmp_path)
    return Path("titles")


def check(cli: Any, out: Path, *targets: Path | str, shard: tuple[int, int] | None = None,
          options: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON report `check` writes for `targets`, marked as shard K/N when given."""
    run = cli("check", *map(str, targets), "--format", "json", "--output", str(out), *options)
    assert run.exit_code in (0, 1, 2), run.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    if shard is not None:
        data["shard"] = {"index": shard[0], "count": shard[1]}
        out.write_text(json.dumps(data))
    return data


def shards(cli: Any, titles: Path, tmp_path: Path, *split: tuple[int, int],
           options: tuple[str, ...] = ()) -> list[Path]:
    """Reports of `check --shard K/N` over every title; a shard no --shard run can write
    (K > N) is a whole run's report marked by hand."""
    targets = [titles / name for name in (*SHARD_1, *SHARD_2)]
    paths = []
    for index, count in split:
        out = tmp_path / f"shard-{index}-of-{count}.json"
        if 1 <= index <= count:
            check(cli, out, *targets, options=(*options, "--shard", f"{index}/{count}"))
        else:
            check(cli, out, *targets, shard=(index, count), options=options)
        paths.append(out)
    return paths


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


def test_two_shards_merge_to_what_one_run_finds(cli, titles: Path, tmp_path: Path):
    whole = check(cli, tmp_path / "whole.json",
                  *(titles / n for n in (*SHARD_1, *SHARD_2)))
    one, two = shards(cli, titles, tmp_path, (1, 2), (2, 2))
    assert json.loads(one.read_text())["playlists"] and json.loads(two.read_text())["playlists"]
    run = cli("merge", str(one), str(two), "--format", "json")
    assert run.exit_code == 1, run.stderr
    merged = run.json
    assert merged["summary"] == whole["summary"]
    assert merged["summary"]["objects_checked"] == 41 and merged["summary"]["missing"] == 1
    # the same findings, in the same severity order (titles of one severity come in the
    # order the shards held them)
    assert sorted(map(json.dumps, merged["findings"])) == \
        sorted(map(json.dumps, whole["findings"]))
    assert [f["severity"] for f in merged["findings"]] == \
        [f["severity"] for f in whole["findings"]]
    assert sorted(p["uri"] for p in merged["playlists"]) == \
        sorted(p["uri"] for p in whole["playlists"])
    assert merged["targets"] == whole["targets"]
    assert (merged["ok"], merged["shard"]) == (False, None)


def test_reports_named_twice_and_overlapping_targets_count_once(cli, titles: Path,
                                                                tmp_path: Path):
    """Whole runs (no shard) merge too; a playlist or finding in both is kept once."""
    first = check(cli, tmp_path / "a.json", titles / "ts-ladder")
    check(cli, tmp_path / "b.json", titles / "ts-ladder", titles / "aes128")
    merged = cli("merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                 "--format", "json").json
    uris = [p["uri"] for p in merged["playlists"]]
    assert len(uris) == len(set(uris)) == len(first["playlists"]) + 1
    assert merged["targets"] == [str(titles / "ts-ladder"), str(titles / "aes128")]
    assert merged["summary"]["errors"] == first["summary"]["errors"] == 1


@pytest.mark.parametrize(("options", "fail_on", "code"), [
    pytest.param((), "error", 0, id="clean"),
    pytest.param(("--fail-on", "warning"), "warning", 1, id="warnings-fail"),
])
def test_exit_code_follows_the_threshold(cli, tmp_path: Path, options: tuple[str, ...],
                                         fail_on: str, code: int):
    """Undamaged titles have warnings, no errors: clean unless warnings fail."""
    paths = shards(cli, FIXTURES / "titles", tmp_path, (1, 2), (2, 2))
    run = cli("merge", *map(str, paths), *options, "--format", "json")
    assert run.exit_code == code, run.stderr
    assert run.json["fail_on"] == fail_on
    assert run.json["summary"]["warnings"] > 0 and run.json["summary"]["errors"] == 0


def test_fail_on_defaults_to_the_strictest_threshold_of_the_reports(cli, tmp_path: Path):
    one = shards(cli, FIXTURES / "titles", tmp_path, (1, 2))
    two = shards(cli, FIXTURES / "titles", tmp_path, (2, 2), options=("--fail-on", "warning"))
    run = cli("merge", *map(str, one + two), "--format", "json")
    assert (run.exit_code, run.json["fail_on"]) == (1, "warning")
    relaxed = cli("merge", *map(str, one + two), "--fail-on", "error", "--format", "json")
    assert (relaxed.exit_code, relaxed.json["fail_on"]) == (0, "error")


def test_a_missing_shard_is_refused(cli, titles: Path, tmp_path: Path):
    paths = shards(cli, titles, tmp_path, (1, 4), (2, 4), (4, 4))
    run = cli("merge", *map(str, paths))
    assert run.exit_code == 2
    assert run.stderr.startswith("hlsinspect: error: shard 3/4 missing")
    assert "hint: " in run.stderr and "--allow-partial" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    as_json = cli("merge", *map(str, paths), "--format", "json")
    assert as_json.exit_code == 2
    assert as_json.json["ok"] is False
    assert as_json.json["error"]["message"].startswith("shard 3/4 missing")


def test_allow_partial_merges_with_a_shard_missing_finding(cli, tmp_path: Path):
    """Even shards without findings fail: a partial audit never looks clean."""
    paths = shards(cli, FIXTURES / "titles", tmp_path, (1, 4), (2, 4), (4, 4))
    run = cli("merge", *map(str, paths), "--allow-partial", "--format", "json")
    assert run.exit_code == 1, run.stderr
    [missing] = [f for f in run.json["findings"] if f["name"] == "shard-missing"]
    assert (missing["code"], missing["severity"]) == ("HLS028", "error")
    assert "shard 3/4" in missing["message"]
    assert run.json["findings"][0] == missing, "what is not there comes first"
    assert run.json["summary"]["errors"] == 1


@pytest.mark.parametrize(("split", "message"), [
    pytest.param(((1, 2), (1, 2), (2, 2)), "shard 1/2 is given twice", id="same-shard-twice"),
    pytest.param(((1, 2), (2, 3)), "the reports come from different splits", id="different-n"),
    pytest.param(((3, 2),), "claims shard 3/2", id="index-past-count"),
])
def test_shards_that_do_not_make_one_audit_are_refused(cli, titles: Path, tmp_path: Path,
                                                       split: tuple[tuple[int, int], ...],
                                                       message: str):
    paths = shards(cli, titles, tmp_path, *split)
    run = cli("merge", *map(str, paths), "--allow-partial")
    assert run.exit_code == 2
    assert run.stderr.startswith("hlsinspect: error: ") and message in run.stderr
    assert "Traceback" not in run.stderr


def test_shards_of_different_targets_are_refused(cli, titles: Path, tmp_path: Path):
    """Shards 1/2 of one prefix and 2/2 of another are not one audit, whatever they hold."""
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    check(cli, one, titles / "cmaf", options=("--shard", "1/2"))
    check(cli, two, titles / "aes128", options=("--shard", "2/2"))
    run = cli("merge", str(one), str(two))
    assert run.exit_code == 2
    assert "the shards were run on different targets" in run.stderr


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(None, "cannot read {path}: no such file", id="missing-file"),
    pytest.param("<testsuites/>", "{path} is not a JSON document", id="not-json"),
    pytest.param('{"findings": []}', "{path} is not an hlsinspect report", id="other-json"),
    pytest.param('{"schema_version": 2, "tool": {"name": "hlsinspect"}}',
                 "{path} has schema_version 2", id="unknown-schema-version"),
    pytest.param('{"schema_version": 1, "tool": {"name": "hlsinspect", "version": "0.1.0"}}',
                 "{path} is not a complete hlsinspect report", id="incomplete"),
])
def test_a_file_that_is_not_a_report_is_refused(cli, titles: Path, tmp_path: Path,
                                                content: str | None, message: str):
    good = shards(cli, titles, tmp_path, (1, 1))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    run = cli("merge", *map(str, good), str(bad), "--format", "json")
    assert run.exit_code == 2
    assert run.stderr.startswith(f"hlsinspect: error: {message.format(path=bad)}")
    assert "Traceback" not in run.stderr
    assert run.json["error"]["kind"] == "input"


def test_a_shard_that_inspected_nothing_is_a_finding(cli, titles: Path, tmp_path: Path):
    (tmp_path / "empty").mkdir()
    failed = check(cli, tmp_path / "2.json", tmp_path / "empty", shard=(2, 2))
    assert failed["error"]["kind"] == "no-playlist"
    one = shards(cli, FIXTURES / "titles", tmp_path, (1, 2))
    # a worker of the same split that could inspect nothing (its store was unreachable)
    failed["targets"] = json.loads(one[0].read_text())["targets"]
    (tmp_path / "2.json").write_text(json.dumps(failed))
    run = cli("merge", str(one[0]), str(tmp_path / "2.json"), "--format", "json")
    assert run.exit_code == 1, run.stderr
    assert "error" not in run.json
    [lost] = [f for f in run.json["findings"] if f["name"] == "target-not-inspected"]
    assert lost["message"] == failed["error"]["message"]
    assert lost["uri"] == str(tmp_path / "2.json")  # the input that inspected nothing
    alone = cli("merge", str(tmp_path / "2.json"), "--allow-partial", "--format", "json")
    assert alone.exit_code == 2
    assert failed["error"]["message"] in alone.json["error"]["message"]


def test_junit_and_table(cli, titles: Path, tmp_path: Path):
    paths = shards(cli, titles, tmp_path, (1, 2), (2, 2))
    junit = tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    run = cli("merge", *map(str, paths), "--junit", str(junit))
    assert run.exit_code == 1
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("13", "1")
    [failure] = suite.iter("failure")
    assert failure.get("type") == "segment-missing"
    assert "HLS010 segment-missing" in run.stdout and "stream_1/seg001.ts" in run.stdout
    assert "13 playlists, 40 segments; 41 objects checked: 1 missing" in run.stdout


def test_usage_errors_still_give_json(cli):
    run = cli("merge", "--format", "json")
    assert run.exit_code == 2
    assert run.json["error"]["kind"] == "usage"
    assert "Missing argument" in run.stderr


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A prefix of several titles, one of them a movie whose multivariant playlist lies in a
    title of its own (`movie/manifest/`) and references its media playlists in sibling
    titles (`../1M/sample.m3u8`), one segment of the 1M rendition deleted. Named relative
    to the working directory, as in `titles`, so the split is the same in every run."""
    build_library(tmp_path / "library")
    monkeypatch.chdir(tmp_path)
    return Path("library")


def build_library(root: Path) -> None:
    for name in ("ts-ladder", "cmaf", "aes128"):
        shutil.copytree(FIXTURES / "titles" / name, root / name)
    ladder = FIXTURES / "titles/elastic-transcoder/HLS"
    for rendition in ("1M", "400k"):
        shutil.copytree(ladder / rendition, root / "movie" / rendition)
    (root / "movie/manifest").mkdir()
    master = (ladder / "sample.m3u8").read_text()
    (root / "movie/manifest/master.m3u8").write_text(
        master.replace("\n400k/", "\n../400k/").replace("\n1M/", "\n../1M/"))
    (root / "movie/1M/sample00002.ts").unlink()
    # one key shared by both renditions: a worker that holds both apart from their
    # multivariant playlist asks about it once, and the merge must take it back once
    (root / "movie/keys").mkdir()
    (root / "movie/keys/k.key").write_bytes(bytes(16))
    for rendition in ("1M", "400k"):
        media = root / "movie" / rendition / "sample.m3u8"
        text = media.read_text()
        first = text.index("#EXTINF")
        media.write_text(text[:first] + '#EXT-X-KEY:METHOD=AES-128,URI="../keys/k.key"\n'
                         + text[first:])


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what legitimately differs between one run and merged shards: the
    shard it was, the order of playlists and of findings of one severity (each report
    lists its own titles first), and which playlist asked first about an object."""
    rest = {k: v for k, v in report.items() if k not in ("shard", "playlists", "findings")}
    # which entry asked first about an object depends on the order a run met them in
    playlists = [{k: v for k, v in p.items() if k != "objects_counted"}
                 for p in report["playlists"]]
    return rest | {"playlists": sorted(map(json.dumps, playlists)),
                   "findings": sorted(map(json.dumps, report["findings"])),
                   "severities": [f["severity"] for f in report["findings"]]}


def test_any_split_merges_to_what_one_run_reports(cli, library: Path, tmp_path: Path):
    """For N = 1 to 4 workers, in either order of the reports: the same playlists under the
    same parents with the same object counts, the same findings and summary. A media
    playlist whose multivariant playlist another worker inspected is reported once, under
    it, and its objects are counted once."""
    assert_any_split_merges(cli, str(library), str(library.resolve()) + "/", tmp_path)


def test_any_split_of_an_s3_prefix_merges_to_what_one_run_reports(cli, s3_cli, s3,
                                                                  tmp_path: Path):
    """The same in a bucket, where a second process lists the titles."""
    build_library(tmp_path / "library")
    s3.upload_tree(tmp_path / "library", prefix="library/")

    def run(*args: str) -> Any:
        return (cli if args[0] == "merge" else s3_cli)(*args)

    assert_any_split_merges(run, f"s3://{BUCKET}/library/", f"s3://{BUCKET}/library/",
                            tmp_path)


def assert_any_split_merges(cli: Any, target: str, uri: str, tmp_path: Path) -> None:
    """`check TARGET` once, and with --shard K/N for N = 1 to 4, merged in either order;
    `uri` is the target's URI, as playlists are named."""
    whole = check(cli, tmp_path / "whole.json", target)
    master, damaged = f"{uri}movie/manifest/master.m3u8", f"{uri}movie/1M/sample.m3u8"
    sibling = f"{uri}movie/400k/sample.m3u8"
    [entry] = [p for p in whole["playlists"] if p["uri"] == damaged]
    assert (entry["parent"], entry["objects"]["missing"]) == (master, 1)
    assert whole["summary"]["missing"] == 1 and whole["summary"]["errors"] == 1
    apart = both = 0
    for count in range(1, 5):
        paths = []
        for index in range(1, count + 1):
            out = tmp_path / f"{index}-of-{count}.json"
            check(cli, out, target, options=("--shard", f"{index}/{count}"))
            paths.append(out)
            held = {p["uri"]: p["parent"] for p in json.loads(out.read_text())["playlists"]}
            apart += held.get(damaged, "") is None  # on its own: its master is elsewhere
            both += held.get(damaged, "") is None and held.get(sibling, "") is None
        for ordered in (paths, paths[::-1]):
            run = cli("merge", *map(str, ordered), "--format", "json")
            assert run.exit_code == 1, run.stderr
            assert comparable(run.json) == comparable(whole), f"{count} shards"
    assert apart, "no split put the media playlist apart from its multivariant playlist"
    assert both, "no split put both renditions, which share a key, apart from their master"


def test_an_entry_under_its_multivariant_playlist_wins_over_one_on_its_own(
        cli, library: Path, tmp_path: Path):
    """Whatever the order of the reports; the entry on its own is dropped with its findings
    and the objects it counted."""
    alone, under = tmp_path / "alone.json", tmp_path / "under.json"
    check(cli, alone, library / "movie/1M")
    check(cli, under, library / "movie/manifest/master.m3u8", options=("--root", str(library)))
    damaged = str((library / "movie/1M/sample.m3u8").resolve())
    for ordered in ((alone, under), (under, alone)):
        merged = cli("merge", *map(str, ordered), "--format", "json").json
        [entry] = [p for p in merged["playlists"] if p["uri"] == damaged]
        assert entry["parent"] == str((library / "movie/manifest/master.m3u8").resolve())
        assert merged["summary"] == json.loads(under.read_text())["summary"]
        assert [f["name"] for f in merged["findings"] if f["playlist"] == damaged] == \
            [f["name"] for f in json.loads(under.read_text())["findings"]
             if f["playlist"] == damaged]


def test_between_two_entries_alike_the_first_report_wins(cli, library: Path, tmp_path: Path):
    """Two whole runs of one title, the title changed between them (a segment gone): the
    entry of the report named first is kept with its findings, the objects counted once."""
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    check(cli, before, library / "aes128")
    (library / "aes128/seg002.ts").unlink()
    check(cli, after, library / "aes128")
    for first, second in ((before, after), (after, before)):
        merged = cli("merge", str(first), str(second), "--format", "json").json
        expected = json.loads(first.read_text())
        assert merged["playlists"] == expected["playlists"]
        assert merged["summary"]["objects_checked"] == expected["summary"]["objects_checked"]
        assert merged["summary"]["missing"] == expected["summary"]["missing"]
        assert merged["findings"] == expected["findings"]
    assert "segment-missing" in {f["name"] for f in json.loads(after.read_text())["findings"]}


def test_a_shard_stopped_before_it_was_done_leaves_the_merge_incomplete(
        cli, tmp_path: Path):
    """A worker cancelled by CI wrote what it completed, marked incomplete: the merged
    report keeps the mark and fails, even without any finding."""
    paths = shards(cli, FIXTURES / "titles", tmp_path, (1, 2), (2, 2))
    stopped = json.loads(paths[1].read_text()) | {"incomplete": True, "ok": False}
    paths[1].write_text(json.dumps(stopped))
    run = cli("merge", *map(str, paths), "--format", "json")
    assert run.exit_code == 1, run.stderr
    assert (run.json["incomplete"], run.json["ok"], run.json["summary"]["errors"]) == \
        (True, False, 0)
    assert "error" not in run.json
    whole = cli("merge", *map(str, paths[:1]), "--allow-partial", "--format", "json")
    assert "incomplete" not in whole.json


def test_watch_reports_merge_with_their_timelines(cli, titles: Path, tmp_path: Path):
    """Reports of `watch` (with a timeline) merge into one with both timelines in time order,
    and stay watch reports: the ladder has no Measured column, which watch never measures."""
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    for out, name, times in ((one, "cmaf", ("T10:00:00Z", "T10:00:04Z")),
                             (two, "ts-ladder", ("T10:00:02Z",))):
        data = check(cli, out, titles / name)
        data["timeline"] = [{"time": f"2026-12-07{t}", "rendition": name, "event": "started",
                             "detail": ""} for t in times]
        out.write_text(json.dumps(data))
    merged = cli("merge", str(one), str(two), "--format", "json")
    assert [(e["rendition"], e["time"][-9:]) for e in merged.json["timeline"]] == [
        ("cmaf", "10:00:00Z"), ("ts-ladder", "10:00:02Z"), ("cmaf", "10:00:04Z")]
    markdown = cli("merge", str(one), str(two), "--format", "markdown").stdout
    assert "### Ladder of" in markdown and "Measured" not in markdown
    checked = [tmp_path / f"{name}.json" for name in ("cmaf", "ts-ladder")]
    for out, name in zip(checked, ("cmaf", "ts-ladder"), strict=True):
        check(cli, out, titles / name)
    plain = cli("merge", *map(str, checked), "--format", "json")
    assert "timeline" not in plain.json  # check reports merge into a check report
