"""hlsinspect reads nothing outside what it inspects: not through a link out of a local root,
not from a FIFO or a device, not from another server an origin redirects to.

Symbolic links are real here (tmp_path), as are FIFOs and local HTTP servers; a check that
could block or fan out runs in a subprocess with a timeout, so a regression fails the test
instead of hanging it.
"""

from __future__ import annotations

import json
import ntpath
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hlsinspect.storage.base import StorageError
from hlsinspect.storage.local import LocalStorage, _holdable
from tests.conftest import FIXTURES
from tests.origin import Origin

HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n"
MEDIA = f"{HEAD}#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n"
TS = b"\x47" + b"\x00" * 187
ROOT = Path(__file__).resolve().parents[1]
TITLE = FIXTURES / "titles/aes128"


def master(*uris: str) -> str:
    return "#EXTM3U\n" + "".join(
        f'#EXT-X-STREAM-INF:BANDWIDTH=1000,CODECS="avc1.64001f",RESOLUTION=640x360\n{u}\n'
        for u in uris)


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def errors(report: dict) -> list[str]:
    return sorted(f["name"] for f in report["findings"] if f["severity"] == "error")


def check(*args: str, timeout: float = 60, **env: str) -> tuple[int, dict]:
    """`hlsinspect check ARGS --format json` in a subprocess that cannot outlive `timeout`,
    with `env` in its environment from its start (as /proc/self/environ shows it)."""
    env = {**env, **os.environ, "PYTHONPATH": str(ROOT)}  # `env` first in the block
    done = subprocess.run([sys.executable, "-m", "hlsinspect", "check", *args, "--format",
                           "json"], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=ROOT)
    assert "AKIAEXAMPLE" not in done.stdout + done.stderr
    return done.returncode, json.loads(done.stdout)


def test_links_out_of_the_root_are_never_read(cli, tmp_path: Path):
    write(tmp_path, "outside/credentials.txt", "DB_PASSWORD=hunter2\n")
    title = tmp_path / "t"
    write(title, "a.ts", TS)
    write(title, "v.m3u8", f"{HEAD}#EXTINF:4,\na.ts\n#EXTINF:4,\ncreds.ts\n#EXT-X-ENDLIST\n")
    (title / "creds.m3u8").symlink_to("../outside/credentials.txt")
    (title / "creds.ts").symlink_to("../outside/credentials.txt")
    (title / "env.m3u8").symlink_to("/proc/self/environ")
    (title / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
    write(title, "master.m3u8", master("v.m3u8", "creds.m3u8", "env.m3u8",
                                       "out/credentials.txt"))
    for target in (title / "master.m3u8", title):
        code, report = check(str(target), S="AKIAEXAMPLESECRET")
        assert code == 1
        assert "hunter2" not in json.dumps(report)
        assert errors(report) == ["uri-escapes-root"] * 4, report
        assert [p["uri"] for p in report["playlists"]] == [
            str(title / "master.m3u8"), str(title / "v.m3u8")]
        assert report["summary"]["objects_checked"] == 1  # a.ts; creds.ts is refused
    for name in ("creds.m3u8", "env.m3u8"):  # named on the command line, not read either
        run = cli("check", str(title / name), "--format", "json")
        assert run.exit_code == 2
        assert "hunter2" not in run.stdout + run.stderr
        assert "AKIAEXAMPLE" not in run.stdout + run.stderr
        assert "outside the root" in run.stdout + run.stderr


def test_a_directory_target_does_not_collect_linked_playlists_from_outside(cli,
                                                                          tmp_path: Path):
    write(tmp_path, "outside/index.m3u8", MEDIA)
    write(tmp_path, "outside/a.ts", TS)
    write(tmp_path, "t/index.m3u8", MEDIA)
    write(tmp_path, "t/a.ts", TS)
    (tmp_path / "t/stolen.m3u8").symlink_to("../outside/index.m3u8")
    run = cli("check", str(tmp_path / "t"), "--format", "json")
    assert run.exit_code == 0, run.stdout
    assert [p["uri"] for p in run.json["playlists"]] == [str(tmp_path / "t/index.m3u8")]


def test_links_inside_the_root_are_followed(cli, tmp_path: Path):
    write(tmp_path, "v1/index.m3u8", MEDIA)
    write(tmp_path, "v1/a.ts", TS)
    (tmp_path / "current").symlink_to("v1", target_is_directory=True)
    (tmp_path / "v1/latest.m3u8").symlink_to("index.m3u8")
    write(tmp_path, "master.m3u8", master("current/index.m3u8", "current/latest.m3u8"))
    run = cli("check", str(tmp_path / "master.m3u8"), "--format", "json")
    assert errors(run.json) == []
    assert run.json["summary"]["missing"] == 0
    assert run.json["summary"]["playlists"] == 3


def test_a_fifo_is_never_opened(tmp_path: Path):
    os.mkfifo(tmp_path / "fifo.m3u8")
    os.mkfifo(tmp_path / "fifo.ts")
    write(tmp_path, "v.m3u8", f"{HEAD}#EXTINF:4,\nfifo.ts\n#EXT-X-ENDLIST\n")
    write(tmp_path, "master.m3u8", master("fifo.m3u8", "v.m3u8"))
    code, report = check(str(tmp_path / "master.m3u8"), "--probe", "all", timeout=60)
    assert code == 1
    assert errors(report) == ["object-not-regular"] * 2
    assert [f["message"] for f in report["findings"] if f["severity"] == "error"] == [
        "variant playlist URI 'fifo.m3u8' names a FIFO, not a regular file: not opened",
        "segment URI 'fifo.ts' names a FIFO, not a regular file: not opened"]
    # named on the command line, or found by a listing, it is not opened either
    code, report = check(str(tmp_path / "fifo.m3u8"), timeout=60)
    assert code == 2
    code, report = check(str(tmp_path), timeout=60)
    assert [p["uri"] for p in report["playlists"]] == [
        str(tmp_path / "master.m3u8"), str(tmp_path / "v.m3u8")]


def test_links_to_a_device_are_refused_without_reading(cli, tmp_path: Path):
    names = [f"z{n}.m3u8" for n in range(40)]
    for name in names:
        (tmp_path / name).symlink_to("/dev/zero")
    write(tmp_path, "master.m3u8", master(*names))
    run = cli("check", str(tmp_path / "master.m3u8"), "--format", "json")
    assert errors(run.json) == ["uri-escapes-root"] * 40
    assert all("/dev/zero" in f["message"] for f in run.json["findings"]
               if f["severity"] == "error")


def test_what_is_not_a_regular_file_is_never_read_nor_listed(tmp_path: Path):
    storage = LocalStorage(str(tmp_path))
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub/pipe.ts")
    (tmp_path / "sub/link.ts").symlink_to("pipe.ts")
    write(tmp_path, "sub/a.ts", TS)
    for key in ("sub/pipe.ts", "sub/link.ts"):
        state = storage.stat(key)
        assert (state.existence.value, state.reason) == ("missing",
                                                         "a FIFO, not a regular file")
        assert storage.resolve("index.m3u8", key).refused == "a FIFO"
        with pytest.raises(StorageError, match="is a FIFO, not a regular file: not read"):
            storage.read_range(key, 0, 188)
    assert storage.list_directory("sub") == {"sub/a.ts": 188}
    assert list(storage.list_keys("sub")) == [("sub/a.ts", 188)]
    assert storage.list_level("sub/").files == {"sub/a.ts": 188}


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device takes root")
def test_a_device_inside_the_root_is_not_read(cli, tmp_path: Path):
    os.mknod(tmp_path / "zero.m3u8", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    write(tmp_path, "master.m3u8", master("zero.m3u8"))
    run = cli("check", str(tmp_path / "master.m3u8"), "--format", "json")
    assert errors(run.json) == ["object-not-regular"]
    assert "a character device" in run.json["findings"][0]["message"]


def test_links_back_up_do_not_multiply_keys(tmp_path: Path):
    for n in range(20):
        (tmp_path / f"l{n}").symlink_to(".", target_is_directory=True)
    write(tmp_path, "master.m3u8", master(*(f"l{n}/master.m3u8" for n in range(20))))
    code, report = check(str(tmp_path / "master.m3u8"), timeout=120)
    assert code == 1
    assert errors(report) == ["playlist-loop"] * 20
    assert report["summary"]["playlists"] == 1
    code, report = check(str(tmp_path), timeout=120)  # the directory, walked
    assert errors(report) == ["playlist-loop"] * 20
    assert report["summary"]["playlists"] == 1
    storage = LocalStorage(str(tmp_path))
    assert storage.resolve("l3/l4/master.m3u8", "l5/a.ts").key == "a.ts"


@pytest.mark.parametrize("uri", ["..\\..\\x.ts", "C:\\x.ts", "\\\\server\\share\\x.ts",
                                 "C:/x.ts", "a/..\\..\\..\\x.ts", "c:x.ts"])
def test_windows_path_syntax_in_a_uri_is_part_of_a_key(cli, tmp_path: Path, uri):
    write(tmp_path / "t", "index.m3u8", f"{HEAD}#EXTINF:4,\n{uri}\n#EXT-X-ENDLIST\n")
    write(tmp_path, "x.ts", TS)  # what the URI would reach as a Windows path
    run = cli("check", str(tmp_path / "t/index.m3u8"), "--format", "json")
    [problem] = [f for f in run.json["findings"]
                 if f["name"] in ("segment-missing", "external-uri-not-checked")]
    assert run.json["summary"]["missing"] == run.json["summary"]["objects_checked"]
    if problem["name"] == "segment-missing":  # a key under the root, that no file has
        assert problem["uri"].startswith(str(tmp_path / "t") + os.sep)
    else:
        assert problem["name"] == "external-uri-not-checked"  # C:/x.ts: a c: URI


@pytest.mark.parametrize("key", ["..\\..\\x.ts", "C:\\x.ts", "\\\\server\\share\\x.ts",
                                 "a/..\\..\\x.ts", "c:x.ts", "C:", "a/C:\\x", "\\x.ts"])
def test_on_windows_no_key_is_joined_as_a_path_outside_the_root(key):
    """What a Windows run would do, on any platform: `ntpath` paths, `\\` a separator."""
    root = "C:\\data\\root"
    holdable = _holdable(key, separators="\\", drives=True)
    if holdable:  # then the key is joined as a path: it must stay under the root
        path = ntpath.join(root, *key.split("/"))
        assert ntpath.commonpath([root, ntpath.normpath(path)]) == root
    assert not holdable
    assert _holdable("a/b c.ts", separators="\\", drives=True)


def test_a_redirect_to_another_port_of_the_same_host_is_not_followed(cli, tmp_path: Path):
    with Origin(FIXTURES / "titles") as elsewhere, Origin(tmp_path) as origin:
        for name in ("index.m3u8", "seg000.ts", "seg002.ts", "seg003.ts", "enc.key"):
            write(tmp_path, f"aes128/{name}", (TITLE / name).read_bytes())
        write(tmp_path, "master.m3u8", master("aes128/index.m3u8", "gone/index.m3u8"))
        origin.redirects["/aes128/seg001.ts"] = f"{elsewhere.url}/aes128/seg001.ts"
        origin.redirects["/gone/index.m3u8"] = f"{elsewhere.url}/aes128/index.m3u8"
        run = cli("check", f"{origin.url}/master.m3u8", "--format", "json")
    assert elsewhere.requests == []
    assert errors(run.json) == ["object-unverified", "playlist-unreadable"]
    for finding in run.json["findings"]:
        if finding["severity"] == "error":
            assert (f"redirected to another origin on the same host ({elsewhere.url})"
                    in finding["message"]), finding


@pytest.mark.parametrize("location", [
    pytest.param("https://127.0.0.1:{port}/aes128/seg001.ts", id="other-scheme"),
    pytest.param("http://user:s3cret@127.0.0.1:1/aes128/seg001.ts", id="credentials"),
    pytest.param("ftp://user:s3cret@127.0.0.1/seg001.ts?token=s3cret", id="not-http"),
])
def test_a_redirect_out_of_the_origin_names_where_without_secrets(cli, tmp_path: Path,
                                                                  location: str):
    with Origin(FIXTURES / "titles") as origin:
        port = origin.url.rsplit(":", 1)[1]
        origin.redirects["/aes128/seg001.ts"] = location.format(port=port)
        run = cli("check", f"{origin.url}/aes128/index.m3u8", "--format", "json")
    [finding] = run.json["findings"]
    assert finding["name"] == "object-unverified"
    assert "redirected to another" in finding["message"]
    assert "s3cret" not in run.stdout + run.stderr


@pytest.mark.parametrize(("name", "text", "key"), [
    pytest.param(".hlsinspect.toml", 'endpoint-url = "{url}"\n', "endpoint-url", id="dedicated"),
    pytest.param("pyproject.toml", '[tool.hlsinspect]\nendpoint-url = "{url}"\n',
                 "endpoint-url", id="pyproject"),
    pytest.param(".hlsinspect.toml", 'endpoint_url = "{url}"\n', "endpoint_url",
                 id="underscore"),
    pytest.param(".hlsinspect.toml", 'profile = "attacker"\n', "profile", id="profile"),
])
def test_a_repository_cannot_choose_where_credentials_go(cli, tmp_path: Path, monkeypatch,
                                                         name: str, text: str, key: str):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREPOSITORYTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSIONTOKENTEST")
    with Origin(tmp_path) as collector:
        (tmp_path / name).write_text(text.format(url=collector.url))
        run = cli("check", "s3://some-bucket/title/master.m3u8")
    assert collector.requests == []
    assert run.exit_code == 2
    assert f"{tmp_path / name}: {key} cannot be set in a settings file" in run.stderr
    variable = "AWS_PROFILE" if key == "profile" else "AWS_ENDPOINT_URL"
    assert variable in run.stderr and "Traceback" not in run.stderr


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="Linux's /proc tells")
def test_a_file_opened_outside_the_root_after_the_check_is_not_read(tmp_path: Path,
                                                                   monkeypatch):
    """A directory swapped for a link between the check and the open: the kernel's word on
    what was opened is checked too (simulated: the check is made to pass)."""
    secret = write(tmp_path, "outside/credentials.txt", "DB_PASSWORD=hunter2\n")
    write(tmp_path, "root/index.m3u8", MEDIA)
    storage = LocalStorage(str(tmp_path / "root"))
    monkeypatch.setattr(storage, "_settled", lambda key: (str(secret), os.stat(secret)))
    with pytest.raises(StorageError, match="outside the root: not read"):
        storage.read("index.m3u8")


@pytest.mark.parametrize("key", ["a/../../x.ts", "../x.ts", "a/./b.ts", "a//b.ts"])
def test_a_key_with_a_dot_segment_names_no_file(tmp_path: Path, key: str):
    """The key rules remove dot segments, but a key that still holds one (an S3 key may) is
    never handed to the operating system, which would resolve it."""
    write(tmp_path, "x.ts", TS)
    storage = LocalStorage(str(tmp_path / "root"))
    write(tmp_path, "root/a/b.ts", TS)
    assert storage.stat(key).existence.value == "missing"
    with pytest.raises(StorageError, match="does not exist"):
        storage.read(key)


def test_a_variant_not_followed_out_of_the_root_is_an_error_in_its_ladder_row(
        cli, tmp_path: Path):
    """The row of a variant whose URI is a link out of the root counts the error about that
    URI (its line is the URI's, not the EXT-X-STREAM-INF tag's)."""
    title = tmp_path / "title"
    shutil.copytree(FIXTURES / "titles" / "ts-ladder", title)
    (title / "evil.m3u8").symlink_to("/etc/passwd")
    with (title / "master.m3u8").open("a") as master:
        master.write('#EXT-X-STREAM-INF:BANDWIDTH=100000,CODECS="avc1.42c00b,mp4a.40.2"\n'
                     "evil.m3u8\n")
    run = cli("check", str(title / "master.m3u8"))
    [row] = [line for line in run.stdout.splitlines() if "evil.m3u8" in line and "│" in line]
    assert row.rstrip(" │").endswith("1 error")
