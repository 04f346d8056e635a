"""One title with faults of every severity: the report the CI formats are shown and pinned on.

The ffmpeg ts-ladder (fixtures/titles/ts-ladder), copied and damaged so that its report has
errors (a missing segment; a variant whose target duration its segments exceed, which is also
a title-level mismatch), a warning (the audio rendition has no CHANNELS, as ffmpeg writes it)
and infos (a version higher than needed; an external variant playlist and an external segment
whose URI holds a `|`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.titles import TITLES

EXTERNAL_VARIANT = "https://cdn.example.com/extra/index.m3u8"
EXTERNAL_SEGMENT = "https://cdn.example.com/a|b/seg003.ts"
COUNTS = {"errors": 6, "warnings": 1, "infos": 3}
"""What the console's verdict counts for it."""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def faulty_title(parent: Path) -> Path:
    """Write the title to `parent`/ts-ladder; return its multivariant playlist."""
    root = parent / "ts-ladder"
    shutil.copytree(TITLES / "ts-ladder", root)
    (root / "stream_1/seg001.ts").unlink()
    _edit(root / "stream_0/index.m3u8", "#EXT-X-TARGETDURATION:2", "#EXT-X-TARGETDURATION:1")
    _edit(root / "stream_2/index.m3u8", "\nseg003.ts", "\n" + EXTERNAL_SEGMENT)
    _edit(root / "master.m3u8", "#EXT-X-VERSION:3", "#EXT-X-VERSION:7")
    with (root / "master.m3u8").open("a") as master:
        master.write('#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=256x144,'
                     f'CODECS="avc1.42c00b,mp4a.40.2",AUDIO="group_aud"\n{EXTERNAL_VARIANT}\n')
    return root / "master.m3u8"
