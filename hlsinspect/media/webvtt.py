"""WebVTT segments (RFC 8216 3.5): the `WEBVTT` signature and the X-TIMESTAMP-MAP header
that ties cue times to the MPEG-TS clock of the audio and video."""

from __future__ import annotations

import re
from dataclasses import dataclass

SIGNATURE = re.compile(rb"\A(?:\xef\xbb\xbf)?WEBVTT(?:[ \t\r\n]|\Z)")
MAP = re.compile(r"^X-TIMESTAMP-MAP=(?=.*MPEGTS:(\d+))(?=.*LOCAL:([\d:.]+))", re.M)


@dataclass(frozen=True)
class Header:
    mpegts: int | None
    """The MPEGTS value of X-TIMESTAMP-MAP, or None without one."""


def is_webvtt(data: bytes) -> bool:
    return SIGNATURE.match(data) is not None


def header(data: bytes) -> Header:
    """The header block (up to the first blank line) of a WebVTT file."""
    text = data.decode("utf-8", "replace").replace("\r\n", "\n")
    block = text.split("\n\n", 1)[0]
    found = MAP.search(block)
    return Header(int(found.group(1)) if found else None)
