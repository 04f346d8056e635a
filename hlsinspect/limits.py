"""Every bound hlsinspect puts on what it reads, in one place.

Playlists, origins and segment bytes are untrusted input: a playlist may name itself under
endless new names, an origin may trickle a byte a second, a box may claim a million samples.
Each bound below stops one such input from costing unbounded time or memory; reaching it is
a finding (or a note in a probe result), never a silent truncation.

A bound may be changed without editing code through the environment variable
`HLSINSPECT_LIMIT_<NAME>` (such as `HLSINSPECT_LIMIT_MAX_PLAYLISTS_PER_TITLE=5000`), read once
when hlsinspect starts; the request deadline is an option, `--timeout` (config key `timeout`).
This module imports nothing of hlsinspect, so every layer may read it.
"""

from __future__ import annotations

import os


def _limit(name: str, default: int) -> int:
    """`default`, unless `HLSINSPECT_LIMIT_<name>` holds a positive integer."""
    text = os.environ.get(f"HLSINSPECT_LIMIT_{name}", "")
    try:
        value = int(text)
    except ValueError:
        return default
    return value if value > 0 else default


REQUEST_TIMEOUT = 60.0
"""Seconds one request may take in all: connecting, the headers and the whole body (and the
client's own retries of it). The per-read timeouts of urllib3 and botocore bound each wait
for a byte only, so a server sending a byte a second would never trip them. `--timeout`."""

MAX_PLAYLIST_BYTES = _limit("MAX_PLAYLIST_BYTES", 64 * 1024 * 1024)
"""A playlist larger than this is not read into memory (100k segments is about 6 MB)."""

MAX_SEGMENTS = _limit("MAX_SEGMENTS", 300_000)
"""URI lines (segments) one playlist may hold; above it the playlist is unreadable ("too
large"). A day of 1-second segments is 86,400; a parsed segment costs about 1.2 KB, so
300,000 stay near 400 MB, where the 5 million of a 64 MiB playlist would take 6 GB."""

MAX_LINES = _limit("MAX_LINES", 1_000_000)
"""Lines one playlist may hold (a million tag lines cost about 90 MB parsed)."""

MAX_PLAYLISTS_PER_TITLE = _limit("MAX_PLAYLISTS_PER_TITLE", 1_000)
"""Playlists read for one title. Real titles have tens; a multivariant playlist that names
itself under new queries, links or encoded slashes fans out without end (title-too-large)."""

MAX_PLAYLISTS_PER_RUN = _limit("MAX_PLAYLISTS_PER_RUN", 1_000_000)
"""Playlists read in one run, all titles together (title-too-large on the title that
reaches it; the titles after it are not read)."""

MAX_URI_LENGTH = _limit("MAX_URI_LENGTH", 8 * 1024)
"""Characters of a URI after EXT-X-DEFINE substitution. S3 keys are at most 1,024 bytes and
origins refuse URLs of more than 8 KiB; a longer result is a finding, not a request."""

MAX_FINDINGS_PER_ATTRIBUTE = _limit("MAX_FINDINGS_PER_ATTRIBUTE", 10)
"""Findings one attribute value (a CODECS list of 80,000 entries) may produce; the last one
says how many more were not reported."""

MAX_BOXES_PER_SEGMENT = _limit("MAX_BOXES_PER_SEGMENT", 4_096)
"""Top-level ISO BMFF boxes `--probe` walks in one segment before it stops and says so."""

MAX_SAMPLES_PER_SEGMENT = _limit("MAX_SAMPLES_PER_SEGMENT", 100_000)
"""Samples `--probe` reads from the `trun` boxes of one segment in all (ten seconds of 48 kHz
AAC are 470; 200 `traf` boxes claiming a million samples each were 1.57 GB)."""

MAX_PROBE_READS = _limit("MAX_PROBE_READS", 256)
"""Ranged GETs `--probe` makes for one segment: one per fragment beyond the first bytes, so
low-latency CMAF of a chunk per frame fits, and 12,000 boxes of 4 KiB do not cost 12,000."""

MAX_JSON_DEPTH = _limit("MAX_JSON_DEPTH", 64)
"""Nesting of arrays and objects `merge` accepts in a report (hlsinspect's own are 6 deep)."""

MAX_DURATION = 10.0**9
"""Seconds: a duration (EXTINF, TARGETDURATION...) above this (31 years) is out of range."""

MAX_NUMBER = 10.0**15
"""A BANDWIDTH, FRAME-RATE or resolution above this is out of range: it would print as a
meaningless figure (or overflow to infinity in a sum)."""
