"""Mutated playlists and segments through the whole pipeline and every output format, each
case under a time and a memory cap.

What a playlist, an origin or a segment holds is untrusted, and it is printed into terminals,
CI logs and report files. Whatever a case holds, inspecting it ends in a report or in one
HlsInspectError, every renderer writes a well-formed document from that report, nothing in
the table, Markdown or GitHub output can start a terminal escape or a runner command, no
secret written in a URI is printed, and no case takes more than CASE_SECONDS or lifts the
process past CASE_MEMORY. The mutations come from fixed seeds, so every run (and CI) tries
the same cases.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

CASE_SECONDS = 30
CASE_MEMORY_MB = 500
SECRET = "hunter2-SECRET"
HOSTILE = [
    "\x1b]0;pwned\x07", "\x1b[2J", "##[set-output name=verdict;]PASS", "##[add-mask]FAIL",
    "::error title=Forged::forged", "\u202eevil", "\r\n::warning::x",
    f"https://user:{SECRET}@cdn.example.com/s.ts",
    f"s.ts?X-Amz-Signature={SECRET}&X-Amz-Credential={SECRET}",
]
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
NUMBERS = ["1e400", "nan", "inf", "-1", "9" * 400, "0", "4.0000000001", "0x10", ""]

WORKER = r"""
import io, json, resource, signal, sys, xml.dom.minidom
from pathlib import Path

limit = 2 * 2**30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import hlsinspect
from hlsinspect.errors import HlsInspectError
from hlsinspect.render.formats import OutputFormat
from hlsinspect.render.output import document
from hlsinspect.render.junit import render_junit
from hlsinspect.render.table import render_table
from hlsinspect.render.terminal import console, emit
from hlsinspect.settings import ProbeSettings, Settings

seconds, memory_mb = int(sys.argv[1]), int(sys.argv[2])
settings = Settings(probe=ProbeSettings(mode="all"))


def expire(signum, frame):
    raise TimeoutError(f"case took more than {seconds} s")


signal.signal(signal.SIGALRM, expire)
outcome = {}
for case in sys.argv[3:]:
    signal.alarm(seconds)
    try:
        try:
            report = hlsinspect.inspect(case, settings=settings)
        except HlsInspectError as exc:
            report = None
            texts = {"error": f"{exc.message} {exc.hint or ''}"}
        if report is not None:
            texts = {}
            for fmt in (OutputFormat.json, OutputFormat.github, OutputFormat.gitlab,
                        OutputFormat.markdown):
                texts[fmt.value] = "".join(document(report, fmt, Path(case)))
            texts["junit"] = render_junit(report)
            for quiet in (False, True):
                for width in (40, 200):
                    out = console(io.StringIO(), width, "never")
                    emit(out, render_table(report, width, quiet=quiet))
                    texts[f"table-{width}-{quiet}"] = out.file.getvalue()
            json.loads(texts["json"])
            json.loads(texts["gitlab"])
            xml.dom.minidom.parseString(texts["junit"])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        if peak > memory_mb:
            raise MemoryError(f"peak {peak} MB after this case")
        outcome[case] = {"texts": texts}
    except BaseException as exc:  # every failure is the test's to report, with its case
        import traceback
        outcome[case] = {"failure": traceback.format_exc()}
        if isinstance(exc, MemoryError):
            break
    finally:
        signal.alarm(0)
print(json.dumps(outcome))
"""


def _mutate_playlist(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        where = rng.randrange(len(lines)) if lines else 0
        what = rng.randrange(7)
        if what == 0 and lines:  # a number replaced
            line = lines[where]
            numbers = list(_NUMBER.finditer(line))
            if numbers:
                found = rng.choice(numbers)
                lines[where] = line[:found.start()] + rng.choice(NUMBERS) + line[found.end():]
        elif what == 1:  # a hostile text where a URI or an attribute value stands
            lines.insert(where, rng.choice(HOSTILE))
        elif what == 2 and lines:  # a line repeated
            lines[where:where] = [lines[where]] * rng.randint(2, 2000)
        elif what == 3 and lines:  # a line dropped
            del lines[where]
        elif what == 4 and lines:  # an attribute list stuffed
            lines[where] += "," * rng.randint(1, 50_000)
        elif what == 5 and lines:  # a URI line turned hostile, kept in its place
            if not lines[where].startswith("#"):
                lines[where] = rng.choice(HOSTILE) + lines[where]
        else:  # bytes flipped
            line = list(lines[where]) if lines else []
            for _ in range(rng.randint(1, 5)):
                if line:
                    line[rng.randrange(len(line))] = chr(rng.randrange(1, 0x3000))
            if lines:
                lines[where] = "".join(line)
    return "\n".join(lines) + "\n"


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 64)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    if rng.random() < 0.3:
        del out[rng.randrange(len(out) + 1):]
    if rng.random() < 0.2:  # a box that claims far more than it holds
        at = rng.randrange(len(out) + 1)
        out[at:at] = (0xFFFFFF00).to_bytes(4, "big") + rng.choice([b"moof", b"traf", b"trun"])
    return bytes(out)


FIELDS = [  # (playlist, pattern of a number's place): every kind of number a renderer shows
    ("master.m3u8", r"(BANDWIDTH=)\d+"), ("master.m3u8", r"(RESOLUTION=)\d+"),
    ("master.m3u8", r"(BANDWIDTH=\d+)()"), ("stream_0/index.m3u8", r"(#EXTINF:)[\d.]+"),
    ("stream_0/index.m3u8", r"(#EXT-X-TARGETDURATION:)\d+"),
    ("stream_0/index.m3u8", r"(#EXT-X-MEDIA-SEQUENCE:)\d+"),
]
"""Where the targeted cases put each hostile number (the third adds a FRAME-RATE)."""


def _targeted(tmp_path: Path, ladder: Path) -> list[Path]:
    """Each hostile number in each place a number is printed from."""
    cases = []
    for i, ((name, pattern), number) in enumerate(
            (field, number) for field in FIELDS for number in NUMBERS[:5]):
        where = tmp_path / f"number-{i}"
        shutil.copytree(ladder, where)
        path = where / name
        value = f",FRAME-RATE={number}" if pattern.endswith("()") else number
        path.write_text(re.sub(pattern, lambda m, v=value: m.group(1) + v, path.read_text(),
                               count=1))
        cases.append(where / "master.m3u8")
    return cases


def _cases(tmp_path: Path) -> list[Path]:
    ladder = FIXTURES / "titles" / "ts-ladder"
    cases = _targeted(tmp_path, ladder)
    for seed in range(40):
        rng = random.Random(seed)
        where = tmp_path / f"playlist-{seed}"
        shutil.copytree(ladder, where)
        mutated = rng.choice(sorted(where.rglob("*.m3u8")))
        mutated.write_text(_mutate_playlist(mutated.read_text(), rng), encoding="utf-8",
                           errors="surrogatepass")
        cases.append(where / "master.m3u8")
    for seed in range(24):
        rng = random.Random(1000 + seed)
        title = rng.choice(["ts-h264", "fmp4-h264", "ts-audio", "ts-h265"])
        where = tmp_path / f"media-{seed}"
        shutil.copytree(FIXTURES / "media" / title, where)
        files = sorted(p for p in where.rglob("*") if p.is_file() and p.suffix != ".m3u8")
        for victim in rng.sample(files, min(len(files), rng.randint(1, 3))):
            victim.write_bytes(_mutate_bytes(victim.read_bytes(), rng))
        cases.append(where / "index.m3u8")
    return cases


def _problems(texts: dict[str, str]) -> list[str]:
    found = []
    for name, text in texts.items():
        if name == "error":  # printed by print_error, which redacts and escapes (tested apart)
            continue
        if SECRET in text:
            found.append(f"{name}: the secret is printed")
        if name in ("json", "gitlab", "junit"):
            continue
        if "\x1b" in text or "\x07" in text or "\u202e" in text:
            found.append(f"{name}: a terminal escape or bidi override reaches the output")
        if "##[" in text:
            found.append(f"{name}: '##[' (a runner command) reaches the output")
        for line in text.splitlines():
            own = name == "github" and line.startswith(("::error ", "::warning ", "::notice ",
                                                         "::error::", "::warning::",
                                                         "::notice::"))
            if line.lstrip().startswith("::") and not own:
                found.append(f"{name}: a line starts with '::': {line[:80]!r}")
    return found


@pytest.mark.parametrize("batch", range(4))
def test_mutated_inputs_through_every_renderer(tmp_path: Path, batch: int):
    cases = _cases(tmp_path)[batch::4]
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(CASE_SECONDS), str(CASE_MEMORY_MB),
         *map(str, cases)],
        capture_output=True, text=True, timeout=CASE_SECONDS * len(cases) + 60,
        cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout)
    assert len(outcome) == len(cases), "the worker stopped early (memory cap)"
    failures = {case: result["failure"] for case, result in outcome.items()
                if "failure" in result}
    assert not failures, "\n\n".join(f"{case}:\n{why}" for case, why in failures.items())
    problems = {case: _problems(result["texts"]) for case, result in outcome.items()}
    assert not any(problems.values()), {c: p for c, p in problems.items() if p}
