"""The distributions: `python -m build` makes a wheel and an sdist that pass `twine check`,
carry the one version of hlsinspect/version.py, and the wheel alone installs and runs.

The sources are copied aside (what git tracks or would track) and built once per session,
without build isolation (setuptools comes from the test extra), so nothing is written into
the working tree and no network is needed for the build itself. Installing the wheel into a
fresh virtual environment fetches its dependencies through constraints.txt, as a user's
`pip install` (or the Dockerfile) would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from hlsinspect.version import __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("wheel")  # one worker builds the wheel, once
SAMPLE = ROOT / "fixtures/app1-transcoder-out/HLS/1M/D0002021500_00000/sample.m3u8"


def clean_env() -> dict[str, str]:
    """This environment without what would let the repository's own sources be imported."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the sdist, built once from a copy of the sources."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                    str(source)], capture_output=True, check=True, timeout=300,
                   env=clean_env())
    return out


def wheel(dist: Path) -> Path:
    [found] = dist.glob("hlsinspect-*-py3-none-any.whl")
    return found


def test_twine_check_passes(dist: Path):
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_metadata_has_the_one_version_and_says_what_it_is(dist: Path):
    with zipfile.ZipFile(wheel(dist)) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(
            f"hlsinspect-{__version__}.dist-info/METADATA").decode())
    assert wheel(dist).name == f"hlsinspect-{__version__}-py3-none-any.whl"
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    assert [c for c in metadata.get_all("Classifier") if c.count(".") == 1 and "3." in c] == [
        f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12, 13)]
    assert "lambda" in metadata.get_all("Provides-Extra")
    assert {"hlsinspect/py.typed", "hlsinspect/aws_lambda/__init__.py"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "fixtures/"))]
    with tarfile.open(next(dist.glob("hlsinspect-*.tar.gz"))) as sdist:
        members = {m.name.partition("/")[2] for m in sdist.getmembers()}
    assert {"CHANGELOG.md", "LICENSE", "README.md", "pyproject.toml"} <= members


def test_the_wheel_alone_installs_and_runs(dist: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, hlsinspect = venv / "bin/python", venv / "bin/hlsinspect"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           "-c", str(ROOT / "constraints.txt"), str(wheel(dist))],
                          capture_output=True, text=True, timeout=600, env=clean_env(),
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    version = subprocess.run([str(hlsinspect), "--version"], capture_output=True, text=True,
                             timeout=60, env=clean_env(), cwd=tmp_path, check=False)
    assert version.stdout == f"hlsinspect {__version__}\n"
    check = subprocess.run([str(hlsinspect), "check", str(SAMPLE), "--format", "json"],
                           capture_output=True, text=True, timeout=120, env=clean_env(),
                           cwd=tmp_path, check=False)
    assert check.returncode == 0, check.stderr
    assert '"segments": 6' in check.stdout
    where = subprocess.run([str(python), "-c", "import hlsinspect.aws_lambda as m; "
                            "print(m.handler.__module__, m.__file__)"], capture_output=True,
                           text=True, timeout=60, env=clean_env(), cwd=tmp_path, check=True)
    assert where.stdout.startswith("hlsinspect.aws_lambda " + str(venv))
