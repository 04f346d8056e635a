"""The README's Python examples run exactly as written, from a clone of the repository.

Each ```python block is taken from README.md as it stands and run in a fresh interpreter
in the repository's top directory (where its fixture paths lead); a block that defines pytest
tests is run by pytest, and must pass with every test it defines collected.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks() -> list[str]:
    return BLOCK.findall((TOP / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_its_python_examples():
    found = blocks()
    assert len(found) >= 4
    assert any("def test_" in block for block in found)
    assert all("import hlsinspect" in block or "from hlsinspect" in block for block in found)


@pytest.mark.parametrize("code", [pytest.param(b, id=f"block-{n}")
                                  for n, b in enumerate(blocks(), 1) if "def test_" not in b])
def test_a_readme_example_runs(code: str):
    done = subprocess.run([sys.executable, "-c", code], cwd=TOP, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("code", [pytest.param(b, id=f"block-{n}")
                                  for n, b in enumerate(blocks(), 1) if "def test_" in b])
def test_the_readme_pytest_example_passes(code: str, tmp_path: Path):
    example = tmp_path / "test_readme_example.py"
    example.write_text(code, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # the pipeline's own, empty settings
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"),
                           str(example)], cwd=TOP, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout
